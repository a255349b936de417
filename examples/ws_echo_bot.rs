//! An echo bot on the long connection: no public URL, it opens the WebSocket itself, replies
//! to every text message with the same text and a card with a button, and answers a click on
//! that button with a toast and an updated card. Messages and cards are typed
//! (`lark_message`): no hand-written JSON.
//!
//! ```text
//! LARK_APP_ID=cli_... LARK_APP_SECRET=... cargo run -p lark-examples --example ws_echo_bot
//! cargo run -p lark-examples --example ws_echo_bot      # against the embedded mock, then exits
//! ```
//! `LARK_BASE_URL` picks another host (Lark: `https://open.larksuite.com`). With credentials it
//! runs until Ctrl-C. Without, it starts the embedded mock, pushes one message and one button
//! click over the mock's long connection, shows them arriving and the replies going out, and
//! exits.

use std::time::Duration;

use lark_core::event::types::im;
use lark_core::event::{Dispatcher, Event};
use lark_core::{Client, Config};
use lark_message::callback::{self, CardAction, CardReply, ToastKind};
use lark_message::card::{Button, ButtonType, Card, Element, Header, HeaderTemplate};
use lark_message::content::MessageContent;
use lark_message::send::ReplyMessage;
use lark_mock::MockServer;
use lark_reqwest::ReqwestClient;
use lark_reqwest::ws::ClientWsExt as _;
use serde_json::{Value, json};

/// The card sent after each echo: the text, and a button that asks for it again.
fn echo_card(text: &str) -> Card {
    Card::new()
        .header(Header::new("Echo").template(HeaderTemplate::Turquoise))
        .element(Element::markdown(format!("You said: **{text}**")))
        .element(
            Button::new("Say it again")
                .kind(ButtonType::Primary)
                .callback(json!({"action": "again", "text": text})),
        )
}

/// The card a click turns the echo card into.
fn echoed_card(text: &str) -> Card {
    Card::new()
        .header(Header::new("Echo").template(HeaderTemplate::Green))
        .element(Element::markdown(format!("{text}! {text}!")))
        .element(Button::new("Said twice").disabled(true))
}

/// Replies to every text message with its text and an echo card; answers the card's button.
fn echo(client: Client<ReqwestClient>) -> Dispatcher {
    Dispatcher::new()
        .on_card_action(callback::typed(|action: CardAction| async move {
            let text = action
                .action
                .value_str("text")
                .unwrap_or_default()
                .to_owned();
            println!(
                "card click: {:?} on {text:?}",
                action.action.value_str("action")
            );
            Ok(CardReply::new()
                .toast(ToastKind::Success, "Echoed again")
                .card(&echoed_card(&text))?)
        }))
        .on(move |received: im::MessageReceiveV1, event: Event| {
            let client = client.clone();
            async move {
                let text_message = received.message.unwrap_or_default();
                if text_message.message_type.as_deref() != Some("text") {
                    return Ok(());
                }
                let (Some(message_id), Some(content)) =
                    (text_message.message_id, text_message.content)
                else {
                    return Ok(());
                };
                let text: Value = serde_json::from_str(&content)?;
                let text = text["text"].as_str().unwrap_or_default();
                println!(
                    "event {} arrived: {message_id} says {text:?}",
                    event.event_id.as_deref().unwrap_or("?")
                );
                let sent = client.send(&ReplyMessage::text(&message_id, text)).await?;
                match sent.message_id {
                    Some(reply_id) => println!("replied to {message_id}: {reply_id}"),
                    None => println!("replied to {message_id}"),
                }
                client
                    .send(&ReplyMessage::card(&message_id, echo_card(text)))
                    .await?;
                Ok(())
            }
        })
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    if let (Some(app_id), Some(app_secret)) = (var("LARK_APP_ID"), var("LARK_APP_SECRET")) {
        let mut config = Config::new(app_id, app_secret);
        if let Some(base) = var("LARK_BASE_URL") {
            config = config.base_url(base);
        }
        let client = lark_reqwest::client(config);
        println!("listening on the long connection; Ctrl-C stops");
        client
            .ws(echo(client.clone()))
            .run_until(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await?;
        return Ok(());
    }

    let mock = MockServer::start().await?;
    println!(
        "No LARK_APP_ID/LARK_APP_SECRET set: started the embedded mock at {}",
        mock.base_url()
    );
    let ws = mock.ws();
    let config = Config::new(MockServer::APP_ID, MockServer::APP_SECRET).base_url(mock.base_url());
    let client = lark_reqwest::client(config);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let bot = tokio::spawn(client.ws(echo(client.clone())).run_until(async {
        let _ = stopped.await;
    }));

    ws.wait_for_connections(1, Duration::from_secs(5)).await?;
    println!("1. the bot is connected");
    let message_id = "om_echo_demo";
    let event = json!({
        "schema": "2.0",
        "header": {
            "event_id": "ev_echo_demo",
            "event_type": "im.message.receive_v1",
            "create_time": "1700000000000",
            "token": "",
            "app_id": MockServer::APP_ID,
            "tenant_key": MockServer::TENANT_KEY
        },
        "event": {
            "sender": {"sender_id": {"open_id": MockServer::USER_OPEN_ID}, "sender_type": "user"},
            "message": {
                "message_id": message_id,
                "chat_id": MockServer::CHAT_ID,
                "chat_type": "group",
                "message_type": "text",
                "content": MessageContent::text("hello, bot").content()?
            }
        }
    });
    let frame_id = ws.push_event(&event);
    println!("2. the mock pushed a message over the long connection");
    let ack = ws.wait_for_ack(&frame_id, Duration::from_secs(5)).await?;
    println!(
        "3. the bot acked it with code {} after {} ms",
        ack.code.unwrap_or_default(),
        ack.biz_rt.unwrap_or_default()
    );
    let path = format!("/open-apis/im/v1/messages/{message_id}/reply");
    let replies = mock.requests_to(&path);
    let reply = replies.first().ok_or("the bot sent no reply")?;
    println!(
        "4. the replies the mock received at {path}: {} and a card",
        reply.json().unwrap_or_default()
    );
    if replies.len() != 2 {
        return Err(format!("want a text and a card reply, got {}", replies.len()).into());
    }

    // A click on the card's button, as the platform pushes it over the long connection.
    let click = json!({
        "schema": "2.0",
        "header": {
            "event_id": "ev_click_demo",
            "event_type": "card.action.trigger",
            "create_time": "1700000000000",
            "token": "",
            "app_id": MockServer::APP_ID,
            "tenant_key": MockServer::TENANT_KEY
        },
        "event": {
            "operator": {"open_id": MockServer::USER_OPEN_ID},
            "action": {"tag": "button", "value": {"action": "again", "text": "hello, bot"}},
            "context": {"open_message_id": "om_card_demo", "open_chat_id": MockServer::CHAT_ID}
        }
    });
    let click_id = ws.push_card(&click);
    let ack = ws.wait_for_ack(&click_id, Duration::from_secs(5)).await?;
    let answer = ack.data.ok_or("the click got no card reply")?;
    println!("5. the click was answered with: {answer}");
    if answer["card"]["data"] != echoed_card("hello, bot").to_value()? {
        return Err("the click's answer is not the echoed card".into());
    }

    let _ = stop.send(());
    bot.await??;
    println!("6. the bot stopped cleanly");
    Ok(())
}
