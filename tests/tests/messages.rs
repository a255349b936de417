//! Messages, chats, users and the helpdesk header through the real SDK against lark-mock.

use std::time::Duration;

use futures_util::StreamExt as _;
use lark_api::im::v1::message;
use lark_core::{Body, Config, Endpoint, EndpointMeta, Error, RequestOptions, TokenKind};
use lark_mock::MockServer;
use lark_tests::{client, client_with, mock, text, within};

const LIMIT: Duration = Duration::from_secs(30);

#[tokio::test]
async fn a_sent_message_can_be_read_back() {
    let mock = mock().await;
    let client = client(&mock);
    let content = text("hello from the tests");
    let sent = within(
        LIMIT,
        client.send(&message::Create::new(
            "chat_id",
            MockServer::CHAT_ID,
            "text",
            content.clone(),
        )),
    )
    .await
    .unwrap();
    let id = sent.message_id.clone().expect("a message id");
    assert!(id.starts_with("om_"), "{id}");
    assert_eq!(sent.chat_id.as_deref(), Some(MockServer::CHAT_ID));
    assert_eq!(sent.msg_type.as_deref(), Some("text"));

    let read = within(LIMIT, client.send(&message::Get::new(id.clone())))
        .await
        .unwrap();
    let items = read.items.expect("items");
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].message_id.as_deref(), Some(id.as_str()));
    assert_eq!(
        items[0].body.as_ref().and_then(|b| b.content.as_deref()),
        Some(content.as_str())
    );
    let sender = items[0].sender.as_ref().expect("a sender");
    assert_eq!(sender.id.as_deref(), Some(MockServer::APP_ID));
    assert_eq!(sender.sender_type.as_ref().map(|t| t.as_str()), Some("app"));

    // The request the SDK built, as the mock saw it.
    let request = &mock.requests_to("/open-apis/im/v1/messages")[0];
    assert_eq!(request.method, http::Method::POST);
    assert_eq!(request.query_param("receive_id_type"), Some("chat_id"));
    let body = request.json().unwrap();
    assert_eq!(body["receive_id"], MockServer::CHAT_ID);
    assert_eq!(body["msg_type"], "text");
    assert_eq!(body["content"], content);
    // The SDK may add an idempotency key (`uuid`) so a retried send is not sent twice.
    assert!(
        body.get("uuid")
            .is_none_or(|u| u.as_str().is_some_and(|u| !u.is_empty()))
    );
}

#[tokio::test]
async fn messages_to_a_user_land_in_their_p2p_chat() {
    let mock = mock().await;
    let client = client(&mock);
    let sent = within(
        LIMIT,
        client.send(&message::Create::new(
            "open_id",
            MockServer::USER_OPEN_ID,
            "text",
            text("hi"),
        )),
    )
    .await
    .unwrap();
    let chat = sent.chat_id.expect("a chat");
    let listed = within(LIMIT, client.send(&message::List::new("chat", chat)))
        .await
        .unwrap();
    assert_eq!(listed.items.map(|i| i.len()), Some(1));
    let err = within(
        LIMIT,
        client.send(&message::Create::new(
            "open_id",
            "ou_nobody",
            "text",
            text("hi"),
        )),
    )
    .await
    .unwrap_err();
    assert_eq!(err.code(), Some(lark_mock::codes::INVALID_PARAM));
}

#[tokio::test]
async fn a_chat_is_listed_across_pages() {
    let mock = mock().await;
    let client = client(&mock);
    let chat = mock.add_chat("paging");
    let mut sent = Vec::new();
    within(LIMIT, async {
        for i in 0..7 {
            let message = client
                .send(&message::Create::new(
                    "chat_id",
                    chat.clone(),
                    "text",
                    text(&format!("message {i}")),
                ))
                .await
                .unwrap();
            sent.push(message.message_id.unwrap());
        }
    })
    .await;
    // A message elsewhere stays out of the listing.
    within(
        LIMIT,
        client.send(&message::Create::new(
            "chat_id",
            MockServer::CHAT_ID,
            "text",
            text("elsewhere"),
        )),
    )
    .await
    .unwrap();

    let pages: Vec<_> = within(
        LIMIT,
        client
            .pages(message::List::new("chat", chat.clone()).page_size(3))
            .collect::<Vec<_>>(),
    )
    .await;
    let sizes: Vec<usize> = pages
        .iter()
        .map(|p| p.as_ref().unwrap().items.as_ref().map_or(0, Vec::len))
        .collect();
    assert_eq!(sizes, [3, 3, 1]);
    let listed: Vec<String> = pages
        .into_iter()
        .flat_map(|p| p.unwrap().items.unwrap_or_default())
        .map(|m| m.message_id.unwrap())
        .collect();
    assert_eq!(listed, sent);
    // Three list requests: the first without a page token, the others with the one returned.
    let requests: Vec<_> = mock
        .requests_to("/open-apis/im/v1/messages")
        .into_iter()
        .filter(|r| r.method == http::Method::GET)
        .collect();
    assert_eq!(requests.len(), 3);
    assert_eq!(requests[0].query_param("page_token"), None);
    assert!(requests[1].query_param("page_token").is_some());
    assert_eq!(requests[2].query_param("page_size"), Some("3"));

    let newest_first = within(
        LIMIT,
        client.send(
            &message::List::new("chat", chat)
                .sort_type("ByCreateTimeDesc")
                .page_size(2),
        ),
    )
    .await
    .unwrap();
    let ids: Vec<String> = newest_first
        .items
        .unwrap()
        .into_iter()
        .map(|m| m.message_id.unwrap())
        .collect();
    assert_eq!(ids, [sent[6].clone(), sent[5].clone()]);
    assert_eq!(newest_first.has_more, Some(true));
}

#[tokio::test]
async fn the_same_uuid_sends_one_message() {
    let mock = mock().await;
    let client = client(&mock);
    let send =
        message::Create::new("chat_id", MockServer::CHAT_ID, "text", text("once")).uuid("dedup-1");
    let first = within(LIMIT, client.send(&send)).await.unwrap();
    let second = within(LIMIT, client.send(&send)).await.unwrap();
    assert_eq!(first.message_id, second.message_id);
    let other = within(
        LIMIT,
        client.send(
            &message::Create::new("chat_id", MockServer::CHAT_ID, "text", text("twice"))
                .uuid("dedup-2"),
        ),
    )
    .await
    .unwrap();
    assert_ne!(first.message_id, other.message_id);
    assert_eq!(mock.messages().len(), 2);
}

#[tokio::test]
async fn chats_and_users_through_raw_requests() {
    let mock = mock().await;
    let client = client(&mock);
    within(LIMIT, async {
        let created = client
            .raw(http::Method::POST, "/open-apis/im/v1/chats")
            .json(serde_json::json!({"name": "Release", "description": "ship it", "user_id_list": ["ou_a"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(created["code"], 0);
        let chat_id = created["data"]["chat_id"].as_str().unwrap().to_owned();
        assert!(chat_id.starts_with("oc_"));

        let chat = client
            .raw(http::Method::GET, format!("/open-apis/im/v1/chats/{chat_id}"))
            .send()
            .await
            .unwrap();
        assert_eq!(chat["data"]["name"], "Release");
        assert_eq!(chat["data"]["description"], "ship it");
        assert_eq!(chat["data"]["chat_type"], "private");

        let missing = client
            .raw(http::Method::GET, "/open-apis/im/v1/chats/oc_missing")
            .send()
            .await
            .unwrap_err();
        assert_eq!(missing.code(), Some(lark_mock::codes::INVALID_CHAT_ID));

        let user = client
            .raw(
                http::Method::GET,
                format!("/open-apis/contact/v3/users/{}", MockServer::USER_OPEN_ID),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(user["data"]["user"]["name"], "Mock User");
        let by_user_id = client
            .raw(http::Method::GET, "/open-apis/contact/v3/users/mock_user")
            .query("user_id_type", "user_id")
            .send()
            .await
            .unwrap();
        assert_eq!(
            by_user_id["data"]["user"]["open_id"],
            MockServer::USER_OPEN_ID
        );
        // With a user access token the mock registered.
        mock.add_user_token("u-registered", MockServer::USER_OPEN_ID);
        let as_user = client
            .raw(http::Method::GET, "/open-apis/contact/v3/users/mock_user")
            .query("user_id_type", "user_id")
            .options(RequestOptions::new().user_access_token("u-registered"))
            .send()
            .await
            .unwrap();
        assert_eq!(as_user["code"], 0);
        let unknown_user_token = client
            .raw(http::Method::GET, "/open-apis/contact/v3/users/mock_user")
            .options(RequestOptions::new().user_access_token("u-unknown"))
            .send()
            .await
            .unwrap_err();
        assert_eq!(
            unknown_user_token.code(),
            Some(lark_mock::codes::INVALID_USER_TOKEN)
        );
    })
    .await;
}

/// A helpdesk endpoint defined in the test, as users do for endpoints the spec lacks.
#[derive(Debug)]
struct StartService {
    open_id: String,
}

static START_SERVICE: EndpointMeta = EndpointMeta::new(
    "helpdesk",
    "StartService",
    http::Method::POST,
    "/open-apis/helpdesk/v1/start_service",
    &[TokenKind::Tenant],
)
.helpdesk(true);

impl Endpoint for StartService {
    type Output = serde_json::Value;

    fn meta(&self) -> &EndpointMeta {
        &START_SERVICE
    }

    fn path(&self) -> lark_core::Result<String> {
        Ok(START_SERVICE.path.to_owned())
    }

    fn body(&self) -> lark_core::Result<Body> {
        Body::json(&serde_json::json!({ "open_id": self.open_id }))
    }
}

#[tokio::test]
async fn helpdesk_endpoints_carry_the_helpdesk_header() {
    use base64::Engine as _;
    let mock = mock().await;
    mock.add_helpdesk("hd-7", "hd-token");
    let call = StartService {
        open_id: MockServer::USER_OPEN_ID.to_owned(),
    };

    let good = client_with(lark_tests::config(&mock).helpdesk("hd-7", "hd-token"));
    let answer = within(LIMIT, good.send(&call)).await.unwrap();
    assert!(answer["chat_id"].as_str().unwrap().starts_with("oc_"));
    let request = mock
        .requests_to("/open-apis/helpdesk/v1/start_service")
        .pop()
        .unwrap();
    assert_eq!(
        request.header("x-lark-helpdesk-authorization"),
        Some(
            base64::engine::general_purpose::STANDARD
                .encode("hd-7:hd-token")
                .as_str()
        )
    );
    assert!(
        request
            .header("authorization")
            .unwrap()
            .starts_with("Bearer t-")
    );

    let wrong = client_with(lark_tests::config(&mock).helpdesk("hd-7", "not-the-token"));
    let err = within(LIMIT, wrong.send(&call)).await.unwrap_err();
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        (api.code, api.http_status),
        (lark_mock::codes::HELPDESK_UNAUTHORIZED, 401)
    );

    // Without credentials the SDK refuses to send at all.
    let none = client_with(
        Config::new(MockServer::APP_ID, MockServer::APP_SECRET).base_url(mock.base_url()),
    );
    let before = mock.request_count("/open-apis/helpdesk/v1/start_service");
    let err = none.send(&call).await.unwrap_err();
    assert!(matches!(err, Error::Build(_)), "{err:?}");
    assert_eq!(
        mock.request_count("/open-apis/helpdesk/v1/start_service"),
        before
    );
}
