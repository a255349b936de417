//! Testing a bot against lark-mock: the bot runs as in production (the long connection, a
//! handler that replies), the test plays the platform and reads what the bot did.

use std::time::Duration;

use lark_core::event::{Dispatcher, Event};
use lark_core::{Client, Config};
use lark_mock::{MockServer, Via};
use lark_reqwest::ReqwestClient;
use lark_reqwest::ws::ClientWsExt as _;
use serde_json::json;

/// The bot under test: answers every message with "pong".
fn bot(client: Client<ReqwestClient>) -> Dispatcher {
    Dispatcher::new().on_raw("im.message.receive_v1", move |event: Event| {
        let client = client.clone();
        async move {
            let chat_id = event.payload["message"]["chat_id"].as_str().unwrap_or("");
            client
                .raw(http::Method::POST, "/open-apis/im/v1/messages")
                .query("receive_id_type", "chat_id")
                .json(json!({"receive_id": chat_id, "msg_type": "text", "content": "{\"text\":\"pong\"}"}))
                .send()
                .await?;
            Ok(())
        }
    })
}

#[tokio::test]
async fn the_bot_answers_a_message() {
    let mock = MockServer::start().await.unwrap();
    let config = Config::new(MockServer::APP_ID, MockServer::APP_SECRET).base_url(mock.base_url());
    let client = lark_reqwest::client(config);
    let running = tokio::spawn(client.ws(bot(client.clone())).start());
    mock.ws()
        .wait_for_connections(1, Duration::from_secs(5))
        .await
        .unwrap();

    // The platform's part: a user writes "ping" in the chat.
    let event = json!({
        "schema": "2.0",
        "header": {"event_type": "im.message.receive_v1"},
        "event": {
            "sender": {"sender_id": {"open_id": MockServer::USER_OPEN_ID}, "sender_type": "user"},
            "message": {"message_id": "om_1", "chat_id": MockServer::CHAT_ID, "chat_type": "group",
                        "message_type": "text", "content": "{\"text\":\"ping\"}"}
        }
    });
    let delivered = mock
        .deliver(&event, Via::Ws { fragments: 1 }, Duration::from_secs(5))
        .await;
    assert_eq!(delivered.answers[0].code, Some(200)); // handled and acked

    // What the bot did: one message, "pong", in that chat.
    let sent = mock.messages();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["chat_id"], MockServer::CHAT_ID);
    assert_eq!(sent[0]["body"]["content"], "{\"text\":\"pong\"}");
    running.abort();
}
