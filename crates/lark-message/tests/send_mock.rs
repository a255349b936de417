//! The one-line senders against lark-mock on 127.0.0.1: `client.send(&SendMessage::…)`
//! works directly, and what reaches the server is the typed content.
#![cfg(all(feature = "api", not(target_arch = "wasm32")))]

use lark_core::Config;
use lark_message::card::{Button, ButtonType, Card, Element, Header, HeaderTemplate};
use lark_message::content::{CardTemplate, Post, PostContent, PostElement, Text};
use lark_message::send::{BatchSend, PatchCard, ReplyMessage, UpdateMessage};
use lark_message::{ReceiveId, SendMessage};
use lark_mock::MockServer;
use serde_json::{Value, json};

fn client(mock: &MockServer) -> lark_core::Client<lark_reqwest::ReqwestClient> {
    lark_reqwest::client(
        Config::new(MockServer::APP_ID, MockServer::APP_SECRET).base_url(mock.base_url()),
    )
}

fn stored_content(message: &Value) -> Value {
    serde_json::from_str(message["body"]["content"].as_str().unwrap()).unwrap()
}

#[tokio::test]
async fn typed_messages_reach_the_server_as_their_content() {
    let mock = MockServer::start().await.unwrap();
    let client = client(&mock);
    let chat = mock.add_chat("typed");

    let sent = client
        .send(&SendMessage::text(
            ReceiveId::chat(&chat),
            Text::new("hi ").at_all(),
        ))
        .await
        .unwrap();
    assert!(sent.message_id.as_deref().unwrap().starts_with("om_"));
    assert_eq!(sent.msg_type.as_deref(), Some("text"));

    let card = Card::new()
        .header(Header::new("Build").template(HeaderTemplate::Green))
        .element(Element::markdown("**ok**"))
        .element(
            Button::new("Retry")
                .kind(ButtonType::Primary)
                .callback(json!({"retry": 1})),
        );
    client
        .send(&SendMessage::card(ReceiveId::chat(&chat), card.clone()).uuid("card-1"))
        .await
        .unwrap();
    let post = Post::new().en_us(PostContent::new("Notes").line([PostElement::text("x")]));
    client
        .send(&SendMessage::post(ReceiveId::chat(&chat), post))
        .await
        .unwrap();
    client
        .send(&SendMessage::template(
            ReceiveId::chat(&chat),
            CardTemplate::new("AAq1").variable("n", 1),
        ))
        .await
        .unwrap();

    let messages = mock.messages();
    assert_eq!(messages.len(), 4);
    assert_eq!(
        stored_content(&messages[0]),
        json!({"text": "hi <at user_id=\"all\">所有人</at>"})
    );
    assert_eq!(messages[1]["msg_type"], "interactive");
    assert_eq!(stored_content(&messages[1]), card.to_value().unwrap());
    assert_eq!(stored_content(&messages[2])["en_us"]["title"], "Notes");
    assert_eq!(stored_content(&messages[3])["data"]["template_id"], "AAq1");

    // A bad content fails before anything is sent.
    let before = mock.request_count("/open-apis/im/v1/messages");
    let err = client
        .send(&SendMessage::text(ReceiveId::chat(&chat), ""))
        .await
        .unwrap_err();
    assert!(matches!(err, lark_core::Error::Build(_)), "{err:?}");
    assert_eq!(mock.request_count("/open-apis/im/v1/messages"), before);
    mock.shutdown().await;
}

#[tokio::test]
async fn reply_update_patch_and_batch_send_go_through() {
    let mock = MockServer::builder()
        .record_requests(true)
        .start()
        .await
        .unwrap();
    let client = client(&mock);
    let chat = mock.add_chat("edits");
    let sent = client
        .send(&SendMessage::text(ReceiveId::chat(&chat), "first"))
        .await
        .unwrap();
    let id = sent.message_id.unwrap();

    client
        .send(&ReplyMessage::text(&id, "a reply").in_thread(true))
        .await
        .unwrap();
    client
        .send(&UpdateMessage::new(&id, Text::new("edited")))
        .await
        .unwrap();
    client
        .send(&PatchCard::new(
            &id,
            Card::new().element(Element::markdown("patched")),
        ))
        .await
        .unwrap();
    client
        .send(&BatchSend::new(Text::new("to all")).open_ids(["ou_1"]))
        .await
        .unwrap();

    let body = |path: &str| {
        let requests = mock.requests_to(path);
        assert_eq!(requests.len(), 1, "{path}");
        requests[0].json().unwrap()
    };
    let reply = body(&format!("/open-apis/im/v1/messages/{id}/reply"));
    assert_eq!(reply["reply_in_thread"], true);
    assert_eq!(reply["content"], "{\"text\":\"a reply\"}");
    let batch = body("/open-apis/message/v4/batch_send/");
    assert_eq!(batch["content"], json!({"text": "to all"}));
    assert_eq!(batch["msg_type"], "text");
    mock.shutdown().await;
}
