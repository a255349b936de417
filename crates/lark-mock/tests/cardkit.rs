//! CardKit card entities in the mock: create, stream text, settings, full update, and the
//! sequence, ownership and mode checks, over loopback HTTP.

use http::Method;
use lark_mock::MockServer;
use lark_mock::cardkit::codes;
use serde_json::{Value, json};

struct Api {
    client: lark_core::Client<lark_reqwest::ReqwestClient>,
}

/// What came back: the HTTP status and the whole body (`code` 0 or not).
type Answer = (u16, Value);

impl Api {
    fn new(mock: &MockServer, app_id: &str, secret: &str) -> Api {
        let config = lark_core::Config::new(app_id, secret)
            .base_url(mock.base_url())
            .retry(lark_core::RetryPolicy::none());
        Api {
            client: lark_reqwest::client(config),
        }
    }

    async fn call(&self, method: Method, path: &str, body: Value) -> Answer {
        match self.client.raw(method, path).json(body).send().await {
            Ok(body) => (200, body),
            Err(lark_core::Error::Api(api)) => {
                (api.http_status, serde_json::from_slice(&api.body).unwrap())
            }
            Err(other) => panic!("{path}: {other}"),
        }
    }

    async fn create(&self, card: &Value) -> String {
        let (status, answer) = self
            .call(
                Method::POST,
                "/open-apis/cardkit/v1/cards",
                json!({"type": "card_json", "data": card.to_string()}),
            )
            .await;
        assert_eq!(
            (status, answer["code"].as_i64()),
            (200, Some(0)),
            "{answer}"
        );
        answer["data"]["card_id"].as_str().unwrap().to_owned()
    }

    async fn content(&self, card_id: &str, element: &str, text: &str, sequence: i64) -> Value {
        self.call(
            Method::PUT,
            &format!("/open-apis/cardkit/v1/cards/{card_id}/elements/{element}/content"),
            json!({"content": text, "sequence": sequence}),
        )
        .await
        .1
    }

    async fn settings(&self, card_id: &str, settings: Value, sequence: i64) -> Value {
        self.call(
            Method::PATCH,
            &format!("/open-apis/cardkit/v1/cards/{card_id}/settings"),
            json!({"settings": settings.to_string(), "sequence": sequence}),
        )
        .await
        .1
    }
}

fn streaming_card() -> Value {
    json!({
        "schema": "2.0",
        "config": {"streaming_mode": true},
        "body": {"elements": [
            {"tag": "markdown", "element_id": "answer", "content": ""},
            {"tag": "button", "element_id": "stop", "text": {"tag": "plain_text", "content": "Stop"}}
        ]}
    })
}

fn code(answer: &Value) -> Option<i64> {
    answer["code"].as_i64()
}

#[tokio::test]
async fn a_card_streams_text_and_finishes() {
    let mock = MockServer::start().await.unwrap();
    let api = Api::new(&mock, MockServer::APP_ID, MockServer::APP_SECRET);
    let card_id = api.create(&streaming_card()).await;
    assert!(card_id.len() <= 20, "{card_id}");
    let entity = mock.cardkit_card(&card_id).unwrap();
    assert_eq!(entity.sequence, 0);
    assert!(entity.streaming_mode());

    assert_eq!(
        code(&api.content(&card_id, "answer", "Hel", 1).await),
        Some(0)
    );
    assert_eq!(
        code(&api.content(&card_id, "answer", "Hello", 5).await),
        Some(0)
    );
    let answer = api
        .settings(
            &card_id,
            json!({
                "config": {"streaming_mode": false, "summary": {"content": "Hello"}},
                "card_link": {"url": "https://example.com/answer"}
            }),
            6,
        )
        .await;
    assert_eq!(code(&answer), Some(0), "{answer}");

    let entity = mock.cardkit_card(&card_id).unwrap();
    assert_eq!(entity.element_content("answer"), Some("Hello"));
    assert_eq!(entity.sequences, [1, 5, 6]);
    // Every accepted operation with its time, for a test of a stream's pace.
    let kinds: Vec<&str> = entity.updates.iter().map(|u| u.kind).collect();
    assert_eq!(kinds, ["content", "content", "settings"]);
    let texts: Vec<Option<&str>> = entity
        .updates
        .iter()
        .map(|u| u.content.as_deref())
        .collect();
    assert_eq!(texts, [Some("Hel"), Some("Hello"), None]);
    assert!(
        entity
            .updates
            .windows(2)
            .all(|w| w[0].at_unix_ms <= w[1].at_unix_ms)
    );
    assert!(entity.updates[0].at_unix_ms > 1_700_000_000_000);
    assert_eq!(entity.sequence, 6);
    assert_eq!((entity.content_updates, entity.settings_updates), (2, 1));
    assert!(!entity.streaming_mode());
    assert_eq!(entity.summary(), Some("Hello"));
    assert_eq!(
        entity.card["card_link"]["url"],
        "https://example.com/answer"
    );
    assert_eq!(
        entity.card["body"]["elements"][1]["tag"], "button",
        "the rest stays"
    );
    assert!(mock.cardkit_card("7000").is_none());
}

#[tokio::test]
async fn a_sequence_that_does_not_increase_is_refused() {
    let mock = MockServer::start().await.unwrap();
    let api = Api::new(&mock, MockServer::APP_ID, MockServer::APP_SECRET);
    let card_id = api.create(&streaming_card()).await;
    assert_eq!(
        code(&api.content(&card_id, "answer", "a", 3).await),
        Some(0)
    );
    for stale in [3, 2] {
        let answer = api.content(&card_id, "answer", "ab", stale).await;
        assert_eq!(
            code(&answer),
            Some(codes::SEQUENCE_NOT_INCREASING),
            "{answer}"
        );
    }
    let answer = api.settings(&card_id, json!({"config": {}}), 1).await;
    assert_eq!(code(&answer), Some(codes::SEQUENCE_NOT_INCREASING));
    // Outside int32 or missing: a parameter error, not a sequence error.
    for bad in [json!(0), json!(2_147_483_648_i64), json!("4"), Value::Null] {
        let (_, answer) = api
            .call(
                Method::PUT,
                &format!("/open-apis/cardkit/v1/cards/{card_id}/elements/answer/content"),
                json!({"content": "x", "sequence": bad}),
            )
            .await;
        assert_eq!(code(&answer), Some(codes::INVALID_PARAM), "{answer}");
    }
    let entity = mock.cardkit_card(&card_id).unwrap();
    assert_eq!(entity.element_content("answer"), Some("a"));
    assert_eq!(entity.sequences, [3]);
    assert_eq!(entity.refused_sequences, 3);
}

#[tokio::test]
async fn a_repeated_uuid_is_answered_without_being_applied_again() {
    let mock = MockServer::start().await.unwrap();
    let api = Api::new(&mock, MockServer::APP_ID, MockServer::APP_SECRET);
    let card_id = api.create(&streaming_card()).await;
    let path = format!("/open-apis/cardkit/v1/cards/{card_id}/elements/answer/content");
    let body = json!({"content": "once", "sequence": 1, "uuid": "u-1"});
    for _ in 0..2 {
        let (status, answer) = api.call(Method::PUT, &path, body.clone()).await;
        assert_eq!((status, code(&answer)), (200, Some(0)));
    }
    let entity = mock.cardkit_card(&card_id).unwrap();
    assert_eq!((entity.content_updates, entity.sequences.len()), (1, 1));
}

#[tokio::test]
async fn streaming_needs_streaming_mode_and_a_text_element() {
    let mock = MockServer::start().await.unwrap();
    let api = Api::new(&mock, MockServer::APP_ID, MockServer::APP_SECRET);
    let card_id = api.create(&streaming_card()).await;
    let answer = api.content(&card_id, "stop", "x", 1).await;
    assert_eq!(code(&answer), Some(codes::ONLY_UPDATE_TEXT), "{answer}");
    let answer = api.content(&card_id, "missing", "x", 2).await;
    assert_eq!(code(&answer), Some(codes::INVALID_PARAM), "{answer}");
    let answer = api.content(&card_id, "answer", "", 3).await;
    assert_eq!(code(&answer), Some(codes::INVALID_PARAM), "{answer}");
    let off = api
        .settings(&card_id, json!({"config": {"streaming_mode": false}}), 4)
        .await;
    assert_eq!(code(&off), Some(0));
    let answer = api.content(&card_id, "answer", "x", 5).await;
    assert_eq!(code(&answer), Some(codes::STREAMING_CLOSED), "{answer}");
    let answer = api.settings(&card_id, json!({"config": "on"}), 6).await;
    assert_eq!(code(&answer), Some(codes::INVALID_PARAM), "{answer}");
    let unknown = api.content("7999", "answer", "x", 7).await;
    assert_eq!(code(&unknown), Some(codes::CARD_NOT_FOUND));
}

#[tokio::test]
async fn a_full_update_replaces_the_card() {
    let mock = MockServer::start().await.unwrap();
    let api = Api::new(&mock, MockServer::APP_ID, MockServer::APP_SECRET);
    let card_id = api.create(&streaming_card()).await;
    let path = format!("/open-apis/cardkit/v1/cards/{card_id}");
    let final_card = json!({"schema": "2.0", "body": {"elements": [
        {"tag": "markdown", "element_id": "answer", "content": "done"}
    ]}});
    let body =
        json!({"card": {"type": "card_json", "data": final_card.to_string()}, "sequence": 1});
    let (status, answer) = api.call(Method::PUT, &path, body).await;
    assert_eq!((status, code(&answer)), (200, Some(0)), "{answer}");
    let entity = mock.cardkit_card(&card_id).unwrap();
    assert_eq!(entity.card, final_card);
    assert_eq!(entity.card_updates, 1);
    let v1 = json!({"elements": []}).to_string();
    let body = json!({"card": {"type": "card_json", "data": v1}, "sequence": 2});
    let (_, answer) = api.call(Method::PUT, &path, body).await;
    assert_eq!(code(&answer), Some(codes::SCHEMA_V2_ONLY));
    let body = json!({"card": {"type": "card_json", "data": "{not json"}, "sequence": 3});
    let (_, answer) = api.call(Method::PUT, &path, body).await;
    assert_eq!(code(&answer), Some(codes::CARD_CONTENT_FAILED));
}

#[tokio::test]
async fn only_the_app_that_made_a_card_may_change_it_and_a_token_is_needed() {
    let mock = MockServer::start().await.unwrap();
    mock.add_app("cli_other", "other-secret");
    let api = Api::new(&mock, MockServer::APP_ID, MockServer::APP_SECRET);
    let other = Api::new(&mock, "cli_other", "other-secret");
    let card_id = api.create(&streaming_card()).await;
    let answer = other.content(&card_id, "answer", "x", 1).await;
    assert_eq!(code(&answer), Some(codes::NO_PERMISSION), "{answer}");
    let anonymous = api
        .client
        .raw(Method::POST, "/open-apis/cardkit/v1/cards")
        .tokens(&[])
        .json(json!({"type": "card_json", "data": "{}"}))
        .send()
        .await
        .unwrap_err();
    let answer = json!({"code": anonymous.code()});
    assert_eq!(code(&answer), Some(lark_mock::codes::MISSING_ACCESS_TOKEN));
    let (_, answer) = api
        .call(
            Method::POST,
            "/open-apis/cardkit/v1/cards",
            json!({"type": "template", "data": "{}"}),
        )
        .await;
    assert_eq!(code(&answer), Some(codes::INVALID_PARAM));
    // The other CardKit endpoints still reach the spec-driven handler.
    let (status, answer) = api
        .call(
            Method::POST,
            "/open-apis/cardkit/v1/cards/id_convert",
            json!({"message_id": "om_1"}),
        )
        .await;
    assert_eq!((status, code(&answer)), (200, Some(0)), "{answer}");
}
