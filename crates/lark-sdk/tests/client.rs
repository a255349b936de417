//! The front door works end to end: `lark_sdk::client`, the API and the message builders, all
//! through lark-sdk's paths, against lark-mock on 127.0.0.1.

use lark_sdk::api::im::v1::{chat, message};
use lark_sdk::message::card::{Card, Element};
use lark_sdk::message::{ReceiveId, SendMessage};
use lark_sdk::{Client, Config, Error};

fn mock_client(mock: &lark_mock::MockServer) -> Client {
    lark_sdk::client(
        Config::new(
            lark_mock::MockServer::APP_ID,
            lark_mock::MockServer::APP_SECRET,
        )
        .base_url(mock.base_url()),
    )
}

#[tokio::test]
async fn sends_a_text_and_a_card_and_reads_them_back() {
    let mock = lark_mock::MockServer::start().await.unwrap();
    let client = mock_client(&mock);
    let chat_id = lark_mock::MockServer::CHAT_ID;

    let sent = client
        .send(&SendMessage::text(
            ReceiveId::chat(chat_id),
            "hello from lark-sdk",
        ))
        .await
        .unwrap();
    let read = client
        .send(&message::Get::new(sent.message_id.unwrap()))
        .await
        .unwrap();
    let item = read.items.unwrap().into_iter().next().unwrap();
    assert_eq!(item.msg_type.as_deref(), Some("text"));
    assert_eq!(
        item.body.unwrap().content.as_deref(),
        Some(r#"{"text":"hello from lark-sdk"}"#)
    );

    let card = Card::new().element(Element::markdown("**done**"));
    let sent = client
        .send(&SendMessage::card(ReceiveId::chat(chat_id), card))
        .await
        .unwrap();
    assert!(sent.message_id.is_some());

    // A raw call through the re-exported `http`.
    let answer = client
        .raw(
            lark_sdk::http::Method::GET,
            format!("/open-apis/im/v1/chats/{chat_id}"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(answer["code"], 0);
    assert_eq!(answer["data"]["name"], "Mock chat");
}

#[tokio::test]
async fn an_api_error_is_lark_sdk_error() {
    let mock = lark_mock::MockServer::start().await.unwrap();
    let client = mock_client(&mock);
    let err = client
        .send(&chat::Get::new("oc_no_such_chat"))
        .await
        .unwrap_err();
    match err {
        Error::Api(api) => assert_ne!(api.code, 0),
        other => panic!("expected Error::Api, got {other:?}"),
    }
}
