//! A bot in twenty lines: it answers direct messages and @mentions in groups, each chat in
//! order, streaming the answer into a card. `LARK_APP_ID=… LARK_APP_SECRET=… cargo run -p
//! lark-bot-channel --example twenty_line_bot`; `tests/example.rs` runs it against lark-mock.

use std::time::Duration;

use lark_bot_channel::{Channel, ChannelMessage, Context, Policy};
use lark_core::event::Dispatcher;
use lark_core::{Client, Config};
use lark_reqwest::ReqwestClient;
use lark_reqwest::ws::ClientWsExt as _;

/// The bot: says back what it was told (its own @mention stripped), as a streamed answer.
pub(crate) fn bot(client: Client<ReqwestClient>) -> Dispatcher {
    let channel = Channel::builder(client, |task| drop(tokio::spawn(task)))
        .policy(Policy::new().require_mention(true)) // in groups; DMs are open
        .max_age(Duration::from_secs(120)) // nothing stale after a reconnect
        .on_message(
            |message: ChannelMessage, reply: Context<ReqwestClient>| async move {
                let mut answer = reply.stream().await;
                for word in message.text.split_inclusive(' ') {
                    answer.push(word).await?; // the card grows, throttled
                }
                answer.finish().await?; // the whole text lands, in the card or as a message
                Ok(())
            },
        )
        .on_rejected(|rejected| eprintln!("{rejected}"))
        .build();
    channel.register(Dispatcher::new())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = Config::new(
        std::env::var("LARK_APP_ID")?,
        std::env::var("LARK_APP_SECRET")?,
    );
    let client = lark_reqwest::client(config);
    client.ws(bot(client.clone())).start().await?;
    Ok(())
}
