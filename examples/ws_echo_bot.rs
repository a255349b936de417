//! An echo bot on the long connection: no public URL, it opens the WebSocket itself and replies
//! to every text message with the same text.
//!
//! ```text
//! LARK_APP_ID=cli_... LARK_APP_SECRET=... cargo run -p lark-examples --example ws_echo_bot
//! cargo run -p lark-examples --example ws_echo_bot      # against the embedded mock, then exits
//! ```
//! `LARK_BASE_URL` picks another host (Lark: `https://open.larksuite.com`). With credentials it
//! runs until Ctrl-C. Without, it starts the embedded mock, pushes one message over the mock's
//! long connection, shows it arriving and the reply going out, and exits.

use std::time::Duration;

use lark_api::im::v1::message;
use lark_core::event::types::im;
use lark_core::event::{Dispatcher, Event};
use lark_core::{Client, Config};
use lark_mock::MockServer;
use lark_reqwest::ReqwestClient;
use lark_reqwest::ws::ClientWsExt as _;
use serde_json::{Value, json};

/// Replies to every text message with its text.
fn echo(client: Client<ReqwestClient>) -> Dispatcher {
    Dispatcher::new().on(move |received: im::MessageReceiveV1, event: Event| {
        let client = client.clone();
        async move {
            let text_message = received.message.unwrap_or_default();
            if text_message.message_type.as_deref() != Some("text") {
                return Ok(());
            }
            let (Some(message_id), Some(content)) = (text_message.message_id, text_message.content)
            else {
                return Ok(());
            };
            let text: Value = serde_json::from_str(&content)?;
            let text = text["text"].as_str().unwrap_or_default();
            println!(
                "event {} arrived: {message_id} says {text:?}",
                event.event_id.as_deref().unwrap_or("?")
            );
            let reply = json!({ "text": text }).to_string();
            let sent = client
                .send(&message::Reply::new(message_id.as_str(), reply, "text"))
                .await?;
            match sent.message_id {
                Some(reply_id) => println!("replied to {message_id}: {reply_id}"),
                None => println!("replied to {message_id}"),
            }
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
                "content": json!({"text": "hello, bot"}).to_string()
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
        "4. the reply the mock received at {path}: {}",
        reply.json().unwrap_or_default()
    );

    let _ = stop.send(());
    bot.await??;
    println!("5. the bot stopped cleanly");
    Ok(())
}
