//! What the bot said, as the mock records it: messages sent and replied (in threads, with
//! `uuid` replays), their content checked for the `msg_type` and the size limits, the CardKit
//! card a reply shows with its timed updates, and images and files uploaded for messages; in
//! Rust and through the control API. Everything on 127.0.0.1.

use http::Method;
use lark_core::endpoint::{File, Multipart};
use lark_mock::people::UserMessage;
use lark_mock::{MockServer, UploadKind, codes};
use serde_json::{Value, json};

struct Api {
    client: lark_core::Client<lark_reqwest::ReqwestClient>,
    http: reqwest::Client,
    base: String,
}

impl Api {
    fn new(mock: &MockServer) -> Api {
        let config = lark_core::Config::new(MockServer::APP_ID, MockServer::APP_SECRET)
            .base_url(mock.base_url())
            .retry(lark_core::RetryPolicy::none());
        Api {
            client: lark_reqwest::client(config),
            http: reqwest::Client::new(),
            base: mock.base_url().to_owned(),
        }
    }

    /// The whole answer body, `code` 0 or not.
    async fn call(&self, method: Method, path: &str, body: Value) -> Value {
        match self.client.raw(method, path).json(body).send().await {
            Ok(body) => body,
            Err(lark_core::Error::Api(api)) => serde_json::from_slice(&api.body).unwrap(),
            Err(other) => panic!("{path}: {other}"),
        }
    }

    async fn reply(&self, message_id: &str, body: Value) -> Value {
        let path = format!("/open-apis/im/v1/messages/{message_id}/reply");
        self.call(Method::POST, &path, body).await
    }

    async fn control(&self, path: &str) -> Value {
        let answer = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        assert!(answer.status().is_success());
        answer.json().await.unwrap()
    }

    /// A multipart upload with a tenant token, as the SDK sends it.
    async fn upload(&self, path: &str, form: &Multipart) -> Value {
        let token: Value = self
            .http
            .post(format!(
                "{}/open-apis/auth/v3/tenant_access_token/internal",
                self.base
            ))
            .json(&json!({"app_id": MockServer::APP_ID, "app_secret": MockServer::APP_SECRET}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let (content_type, body) = form.encode();
        self.http
            .post(format!("{}{path}", self.base))
            .bearer_auth(token["tenant_access_token"].as_str().unwrap())
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}

fn text(text: &str) -> Value {
    json!({"msg_type": "text", "content": json!({"text": text}).to_string()})
}

#[tokio::test]
async fn sends_and_replies_are_recorded_with_their_chat_and_thread() {
    let mock = MockServer::start().await.unwrap();
    let api = Api::new(&mock);
    let asked = mock.post_user_message(&UserMessage::text(MockServer::CHAT_ID, "hello bot"));
    let asked_id = asked["event"]["message"]["message_id"].as_str().unwrap();

    let plain = api.reply(asked_id, text("hello human")).await;
    assert_eq!(plain["code"], 0, "{plain}");
    assert_eq!(plain["data"]["chat_id"], MockServer::CHAT_ID);
    assert_eq!(plain["data"]["parent_id"], asked_id);
    let mut threaded = text("in a thread");
    threaded["reply_in_thread"] = json!(true);
    threaded["uuid"] = json!("once");
    let first = api.reply(asked_id, threaded.clone()).await;
    let again = api.reply(asked_id, threaded).await;
    assert_eq!(
        first["data"]["message_id"], again["data"]["message_id"],
        "a repeated uuid answers the first reply"
    );
    let sent = api
        .call(
            Method::POST,
            "/open-apis/im/v1/messages?receive_id_type=chat_id",
            json!({"receive_id": MockServer::CHAT_ID, "msg_type": "text",
                   "content": "{\"text\":\"to the chat\"}"}),
        )
        .await;
    assert_eq!(sent["code"], 0, "{sent}");
    // A message the mock never saw can be replied to; the reply has no chat.
    let unknown = api
        .reply("om_never_posted", text("to a hand-built event"))
        .await;
    assert_eq!(unknown["code"], 0, "{unknown}");

    let all = mock.sent_messages();
    assert_eq!(all.len(), 4, "the uuid replay is not recorded twice");
    assert_eq!(all[0].text(), Some("hello human"));
    assert_eq!(all[0].reply_to.as_deref(), Some(asked_id));
    assert_eq!(all[0].chat_id, MockServer::CHAT_ID);
    assert_eq!(all[0].thread_id, None);
    assert!(all[1].reply_in_thread);
    assert!(all[1].thread_id.as_deref().unwrap().starts_with("omt_"));
    assert_eq!(all[2].reply_to, None);
    assert_eq!(all[2].text(), Some("to the chat"));
    assert_eq!(all[2].sender_id, MockServer::APP_ID);
    assert_eq!(all[3].chat_id, "");
    assert!(all.windows(2).all(|w| w[0].at_unix_ms <= w[1].at_unix_ms));
    assert_eq!(mock.replies_to(asked_id).len(), 2);
    // The replies are in the chat's history too.
    let history: Vec<String> = mock
        .messages()
        .iter()
        .filter(|m| m["parent_id"] == asked_id)
        .map(|m| m["message_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(history.len(), 2);

    // The control API: everything, or the replies to one message.
    let listed = api.control("/_mock/sent").await;
    assert_eq!(listed["items"].as_array().unwrap().len(), 4);
    let replies = api
        .control(&format!("/_mock/sent?reply_to={asked_id}"))
        .await;
    let replies = replies["items"].as_array().unwrap();
    assert_eq!(replies.len(), 2);
    assert_eq!(replies[0]["content"]["text"], "hello human");
    assert_eq!(replies[1]["reply_in_thread"], true);

    mock.reset();
    assert!(mock.sent_messages().is_empty());
}

#[tokio::test]
async fn content_is_checked_for_its_type_and_size() {
    let mock = MockServer::start().await.unwrap();
    let api = Api::new(&mock);
    let post = json!({"zh_cn": {"title": "", "content": [[{"tag": "md", "text": "**bold** and `code`"}]]}});
    let card = json!({"schema": "2.0", "body": {"elements": [{"tag": "markdown", "content": "## Title\n| a | b |\n|---|---|\n| 1 | 2 |"}]}});
    for (msg_type, content) in [("post", &post), ("interactive", &card)] {
        let answer = api
            .reply(
                "om_q",
                json!({"msg_type": msg_type, "content": content.to_string()}),
            )
            .await;
        assert_eq!(answer["code"], 0, "{msg_type}: {answer}");
    }
    let refused = [
        (
            json!({"msg_type": "text", "content": "{\"txt\":\"typo\"}"}),
            codes::INVALID_PARAM,
        ),
        (
            json!({"msg_type": "post", "content": "{\"zh_cn\":{\"content\":[[{\"tag\":\"md\"}]]}}"}),
            codes::INVALID_PARAM,
        ),
        (
            json!({"msg_type": "interactive", "content": "{\"schema\":\"2.0\",\"elements\":[]}"}),
            codes::INVALID_PARAM,
        ),
        (
            json!({"msg_type": "interactive", "content": "{\"type\":\"card\",\"data\":{\"card_id\":\"7404\"}}"}),
            codes::INVALID_PARAM,
        ),
        (
            json!({"msg_type": "image", "content": "{}"}),
            codes::INVALID_PARAM,
        ),
        (
            json!({"msg_type": "video", "content": "{}"}),
            codes::INVALID_PARAM,
        ),
        // 31 KB of markdown: more than a card's 30 KB body.
        (
            json!({"msg_type": "interactive", "content": json!({"schema": "2.0", "body": {"elements": [
            {"tag": "markdown", "content": "x".repeat(31 * 1024)}]}}).to_string()}),
            codes::CONTENT_TOO_LONG,
        ),
    ];
    for (body, code) in refused {
        let answer = api.reply("om_q", body.clone()).await;
        assert_eq!(answer["code"], code, "{body}: {answer}");
    }
    // The same 31 KB as text is within the 150 KB of a text message.
    let long = api.reply("om_q", text(&"x".repeat(31 * 1024))).await;
    assert_eq!(long["code"], 0);
    assert_eq!(mock.sent_messages().len(), 3);
}

#[tokio::test]
async fn a_reply_showing_a_card_entity_lists_its_timed_updates() {
    let mock = MockServer::start().await.unwrap();
    let api = Api::new(&mock);
    let created = api
        .call(
            Method::POST,
            "/open-apis/cardkit/v1/cards",
            json!({"type": "card_json", "data": json!({"schema": "2.0", "config": {"streaming_mode": true},
                "body": {"elements": [{"tag": "markdown", "element_id": "answer", "content": ""}]}}).to_string()}),
        )
        .await;
    let card_id = created["data"]["card_id"].as_str().unwrap().to_owned();
    let shown = json!({"type": "card", "data": {"card_id": card_id}});
    let answer = api
        .reply(
            "om_q",
            json!({"msg_type": "interactive", "content": shown.to_string()}),
        )
        .await;
    assert_eq!(answer["code"], 0, "{answer}");
    for (sequence, text) in [(1, "Hel"), (2, "Hello")] {
        let path = format!("/open-apis/cardkit/v1/cards/{card_id}/elements/answer/content");
        let streamed = api
            .call(
                Method::PUT,
                &path,
                json!({"content": text, "sequence": sequence}),
            )
            .await;
        assert_eq!(streamed["code"], 0, "{streamed}");
    }

    let reply = &mock.replies_to("om_q")[0];
    assert_eq!(reply.card_id(), Some(card_id.as_str()));
    let entity = mock.cardkit_card(reply.card_id().unwrap()).unwrap();
    assert_eq!(entity.element_content("answer"), Some("Hello"));
    assert_eq!(entity.updates.len(), 2);

    let listed = api.control("/_mock/sent?reply_to=om_q").await;
    let updates = listed["items"][0]["card"]["updates"].as_array().unwrap();
    let texts: Vec<&str> = updates
        .iter()
        .map(|u| u["content"].as_str().unwrap())
        .collect();
    assert_eq!(texts, ["Hel", "Hello"]);
    assert!(
        updates
            .iter()
            .all(|u| u["at_unix_ms"].as_u64().unwrap() > 1_700_000_000_000)
    );
}

#[tokio::test]
async fn images_and_files_uploaded_for_messages_are_kept() {
    let mock = MockServer::start().await.unwrap();
    let api = Api::new(&mock);
    let png = b"\x89PNG\r\n\x1a\n not really an image".to_vec();
    let mut form = Multipart::new();
    form.text("image_type", "message")
        .file("image", File::new("a.png", png.clone()));
    let image = api.upload("/open-apis/im/v1/images", &form).await;
    assert_eq!(image["code"], 0, "{image}");
    let image_key = image["data"]["image_key"].as_str().unwrap();
    assert!(image_key.starts_with("img_"));

    let mut form = Multipart::new();
    form.text("file_type", "pdf")
        .text("file_name", "report.pdf")
        .file("file", File::new("report.pdf", b"%PDF-1.7".to_vec()));
    let file = api.upload("/open-apis/im/v1/files", &form).await;
    assert_eq!(file["code"], 0, "{file}");
    let file_key = file["data"]["file_key"].as_str().unwrap();

    let kept = mock.upload(image_key).unwrap();
    assert_eq!(
        (kept.kind, kept.bytes.as_slice()),
        (UploadKind::Image, png.as_slice())
    );
    let kept = mock.upload(file_key).unwrap();
    assert_eq!(kept.kind, UploadKind::File);
    assert_eq!(kept.file_name.as_deref(), Some("report.pdf"));
    assert_eq!(kept.file_type, "pdf");

    // Refused: an unknown image_type, an empty image, a file without a name (a required form
    // field, refused as every upload's form is).
    let mut bad_type = Multipart::new();
    bad_type
        .text("image_type", "sticker")
        .file("image", File::new("a.png", png.clone()));
    let mut empty = Multipart::new();
    empty
        .text("image_type", "message")
        .file("image", File::new("a.png", Vec::new()));
    let mut nameless = Multipart::new();
    nameless
        .text("file_type", "stream")
        .file("file", File::new("x", b"x".to_vec()));
    for (path, form, code) in [
        (
            "/open-apis/im/v1/images",
            &bad_type,
            codes::UPLOAD_INVALID_PARAM,
        ),
        ("/open-apis/im/v1/images", &empty, codes::UPLOAD_SIZE_LIMIT),
        (
            "/open-apis/im/v1/files",
            &nameless,
            codes::FIELD_VALIDATION_FAILED,
        ),
    ] {
        let answer = api.upload(path, form).await;
        assert_eq!(answer["code"], code, "{path}: {answer}");
    }
    assert_eq!(mock.uploads().len(), 2);

    // The control API lists them by size and SHA-256.
    let listed = api.control("/_mock/uploads").await;
    let items = listed["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["kind"], "image");
    assert_eq!(items[0]["size"], png.len());
    assert_eq!(items[1]["file_name"], "report.pdf");
    // SHA-256 of "%PDF-1.7".
    assert_eq!(items[1]["sha256"].as_str().unwrap().len(), 64);

    // A reply with the uploaded image.
    let reply = api
        .reply(
            "om_q",
            json!({"msg_type": "image", "content": json!({"image_key": image_key}).to_string()}),
        )
        .await;
    assert_eq!(reply["code"], 0);
    assert_eq!(mock.replies_to("om_q")[0].content["image_key"], image_key);
}
