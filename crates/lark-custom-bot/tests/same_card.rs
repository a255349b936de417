//! One card, two ways: posted by the custom bot to lark-mock's bot hook and sent with the API
//! client to a chat, the card JSON that arrives is the same (`card` in the webhook body,
//! `content` in the message), and it is the card the builder made.
#![cfg(not(target_arch = "wasm32"))]

use lark_core::Config;
use lark_custom_bot::card::{Behavior, Button, ButtonType, Card, Element, Header, HeaderTemplate};
use lark_custom_bot::{CustomBot, Message};
use lark_message::{ReceiveId, SendMessage};
use lark_mock::MockServer;
use lark_reqwest::{ReqwestClient, SystemRuntime};
use serde_json::{Value, json};

const TOKEN: &str = "same-card-bot";
const SECRET: &str = "s3cr3t";

fn card() -> Card {
    Card::new()
        .header(Header::new("Deploy finished").template(HeaderTemplate::Green))
        .element(Element::markdown(
            "**api** v1.2 is live in <font color='green'>prod</font>",
        ))
        .element(
            Button::new("Open dashboard")
                .kind(ButtonType::Primary)
                .behavior(Behavior::open_url("https://example.com/dash")),
        )
        .element(
            Button::new("Roll back")
                .kind(ButtonType::Danger)
                .callback(json!({"action": "rollback"})),
        )
}

#[tokio::test]
async fn the_custom_bot_and_the_api_send_the_same_card() {
    let mock = MockServer::start().await.unwrap();
    mock.add_bot(TOKEN, Some(SECRET));
    let chat = mock.add_chat("deploys");
    let want = card().to_value().unwrap();

    let bot = CustomBot::new(
        format!("{}/open-apis/bot/v2/hook/{TOKEN}", mock.base_url()),
        ReqwestClient::new(),
        SystemRuntime,
    )
    .secret(SECRET);
    bot.send(&Message::interactive(card())).await.unwrap();

    let client = lark_reqwest::client(
        Config::new(MockServer::APP_ID, MockServer::APP_SECRET).base_url(mock.base_url()),
    );
    client
        .send(&SendMessage::card(ReceiveId::chat(&chat), card()))
        .await
        .unwrap();

    let posted = mock.bot_messages(TOKEN);
    assert_eq!(posted.len(), 1);
    assert_eq!(posted[0]["msg_type"], "interactive");
    let from_bot = &posted[0]["card"];

    let messages = mock.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["msg_type"], "interactive");
    let from_api: Value =
        serde_json::from_str(messages[0]["body"]["content"].as_str().unwrap()).unwrap();

    assert_eq!(from_bot, &want);
    assert_eq!(from_api, want);
    // Both read back as the same typed card.
    assert_eq!(Card::from_value(from_api).unwrap(), card());
    mock.shutdown().await;
}

#[tokio::test]
async fn the_bot_refuses_what_only_the_api_sends() {
    use lark_message::content::{File, Interactive, ShareUser, Text};
    let mock = MockServer::start().await.unwrap();
    mock.add_bot(TOKEN, None);
    let bot = CustomBot::new(
        format!("{}/open-apis/bot/v2/hook/{TOKEN}", mock.base_url()),
        ReqwestClient::new(),
        SystemRuntime,
    );
    for message in [
        Message::new(File::new("file_v2_1")),
        Message::new(ShareUser::new("ou_1")),
        Message::new(Interactive::CardId("7371713483664506900".into())),
        Message::new(Text::new("").bold("loud")),
    ] {
        match bot.send(&message).await {
            Err(lark_core::Error::Build(m)) => assert!(m.contains("custom bot"), "{m}"),
            other => panic!("{message:?}: {other:?}"),
        }
    }
    assert!(mock.bot_messages(TOKEN).is_empty());
    mock.shutdown().await;
}
