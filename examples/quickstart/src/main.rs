//! The quickstart: send a message and a card to a chat, read them back, list the chat's
//! messages. Contents are typed (`lark_sdk::message`): no hand-written JSON.
//!
//! With no credentials in the environment it starts the embedded Feishu-compatible mock on
//! 127.0.0.1 and runs against it. With `LARK_APP_ID` and `LARK_APP_SECRET` set it talks to the
//! real platform (`LARK_BASE_URL` to choose Lark or another host) and only reads, unless
//! `LARK_CHAT_ID` names a chat to post to.
//!
//! ```text
//! cargo run -p lark-quickstart
//! ```

use futures_util::StreamExt as _;
use lark_sdk::api::im::v1::{chat, message};
use lark_sdk::message::card::{Button, ButtonType, Card, Element, Header, HeaderTemplate};
use lark_sdk::message::content::Text;
use lark_sdk::message::{ReceiveId, SendMessage};
use lark_sdk::{Client, Config};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    match (var("LARK_APP_ID"), var("LARK_APP_SECRET")) {
        (Some(app_id), Some(app_secret)) => {
            let mut config = Config::new(app_id, app_secret);
            if let Some(base) = var("LARK_BASE_URL") {
                config = config.base_url(base);
            }
            println!("Using the real platform at {}", config.domain.open_base());
            let client = lark_sdk::client(config);
            real(&client, var("LARK_CHAT_ID")).await
        }
        _ => {
            let mock = lark_mock::MockServer::start().await?;
            println!(
                "No LARK_APP_ID/LARK_APP_SECRET set: started the embedded mock at {}",
                mock.base_url()
            );
            let config = Config::new(
                lark_mock::MockServer::APP_ID,
                lark_mock::MockServer::APP_SECRET,
            )
            .base_url(mock.base_url());
            let client = lark_sdk::client(config);
            let chat = client.send(&chat::Create::new().name("quickstart")).await?;
            let chat_id = chat.chat_id.ok_or("the mock returned no chat_id")?;
            println!("1. created chat {chat_id}");
            converse(&client, &chat_id).await
        }
    }
}

/// Against the real platform: read-only unless a chat to post to is given.
async fn real(client: &Client, chat_id: Option<String>) -> Result<(), Box<dyn std::error::Error>> {
    client.tenant_access_token(None).await?;
    println!("1. got a tenant access token");
    // im.v1.chat.list: the chats the bot is in.
    let chats = client.send(&chat::List::new().page_size(20)).await?;
    let items = chats.items.unwrap_or_default();
    println!("2. the bot is in {} chat(s) (first page)", items.len());
    for chat in &items {
        println!(
            "   {} {}",
            chat.chat_id.as_deref().unwrap_or("?"),
            chat.name.as_deref().unwrap_or("")
        );
    }
    match chat_id {
        Some(chat_id) => converse(client, &chat_id).await,
        None => {
            println!("Set LARK_CHAT_ID to also send a message to a chat and read it back.");
            Ok(())
        }
    }
}

async fn converse(client: &Client, chat_id: &str) -> Result<(), Box<dyn std::error::Error>> {
    let chat = client.send(&chat::Get::new(chat_id)).await?;
    println!(
        "2. chat {chat_id} is named {:?}",
        chat.name.unwrap_or_default()
    );

    let hello = Text::new("Hello from the Rust Lark SDK");
    let sent = client
        .send(&SendMessage::text(ReceiveId::chat(chat_id), hello))
        .await?;
    let message_id = sent.message_id.ok_or("the answer has no message_id")?;
    println!("3. sent message {message_id}");

    let card = Card::new()
        .header(Header::new("Quickstart").template(HeaderTemplate::Blue))
        .element(Element::markdown("The SDK can send **cards** too."))
        .element(Button::new("Docs").kind(ButtonType::Primary).open_url(
            "https://open.feishu.cn/document/uAjLw4CM/ukzMukzMukzM/feishu-cards/card-json-v2-structure",
        ));
    let sent_card = client
        .send(&SendMessage::card(ReceiveId::chat(chat_id), card))
        .await?;
    println!(
        "   and a card: {}",
        sent_card.message_id.as_deref().unwrap_or("?")
    );

    let read = client.send(&message::Get::new(&message_id)).await?;
    let body = read
        .items
        .unwrap_or_default()
        .into_iter()
        .next()
        .and_then(|m| m.body)
        .and_then(|b| b.content)
        .unwrap_or_default();
    println!("4. read it back: {body}");

    let mut pages = std::pin::pin!(client.pages(message::List::new("chat", chat_id).page_size(20)));
    let mut count = 0;
    while let Some(page) = pages.next().await {
        count += page?.items.map_or(0, |items| items.len());
        if count >= 100 {
            break;
        }
    }
    println!("5. the chat holds {count} message(s) (up to 100 listed)");
    Ok(())
}
