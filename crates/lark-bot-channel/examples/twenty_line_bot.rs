//! A bot in twenty lines: answers DMs and @mentions, each chat in order, streaming into a card.
//! Run with LARK_APP_ID and LARK_APP_SECRET; `tests/example.rs` runs it against lark-mock.

use std::time::Duration;

use lark_bot_channel::{Channel, Policy};
use lark_core::event::Dispatcher;
use lark_core::{Client, Config};
use lark_reqwest::ReqwestClient;
use lark_reqwest::ws::ClientWsExt as _;

/// The bot: says back what it was told (its own @mention stripped), as a streamed answer.
pub(crate) fn bot(client: Client<ReqwestClient>) -> Dispatcher {
    let channel = Channel::builder(client, |task| drop(tokio::spawn(task)))
        .policy(Policy::new().require_mention(true)) // in groups; DMs are open
        .max_age(Duration::from_secs(120)) // nothing stale after a reconnect
        .on_message(|message, reply| async move {
            let mut answer = reply.stream().await;
            for word in message.text.split_inclusive(' ') {
                answer.push(word).await?; // the card grows, throttled
            }
            answer.finish().await?; // the whole text lands, in the card or as a message
            Ok(())
        })
        .on_rejected(|rejected| eprintln!("{rejected}"))
        .build();
    channel.register(Dispatcher::new())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (id, secret) = (
        std::env::var("LARK_APP_ID")?,
        std::env::var("LARK_APP_SECRET")?,
    );
    let config = Config::new(id, secret);
    let client = lark_reqwest::client(config);
    client.ws(bot(client.clone())).start().await?;
    Ok(())
}
