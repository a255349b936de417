//! Posting to Feishu/Lark custom-bot webhooks: signed, typed, over any HTTP backend.
//!
//! A custom bot is added to a group chat in its settings; it gets a webhook URL and,
//! optionally, a signing secret. It can only post. This crate wraps the five kinds of message
//! a bot may post ([`Message`]; the content and card types are [`lark_message`]'s, shared with
//! the API client), signs them ([`sign`]), posts them through any
//! [`lark_core::HttpClient`] ([`CustomBot`]) and decodes the answer ([`decode_reply`]) into a
//! [`Reply`] or a [`lark_core::Error`]. It reads the time only from the backend's
//! [`lark_core::Runtime`], so it runs natively and on `wasm32-unknown-unknown` alike.
//!
//! ```no_run
//! # async fn run() -> lark_core::Result<()> {
//! use lark_custom_bot::card::{Card, Element, Header, HeaderTemplate};
//! use lark_custom_bot::{CustomBot, Message, Post, PostContent, PostElement, Text};
//!
//! let bot = CustomBot::new(
//!     "https://open.feishu.cn/open-apis/bot/v2/hook/xxxx",
//!     lark_reqwest::ReqwestClient::new(),
//!     lark_reqwest::SystemRuntime,
//! )
//! .secret("signing secret");
//!
//! bot.send(&Text::new("nightly build failed ").at("ou_123", "Ann").into()).await?;
//! bot.send(&Message::post(Post::new().en_us(
//!     PostContent::new("Release 1.2")
//!         .line([PostElement::text("Notes: "), PostElement::link("changelog", "https://example.com")])
//!         .line([PostElement::hr()]),
//! )))
//! .await?;
//! bot.send(&Message::interactive(
//!     Card::new()
//!         .header(Header::new("Deploy").template(HeaderTemplate::Green))
//!         .element(Element::markdown("**api** v1.2 is live")),
//! ))
//! .await?;
//! # Ok(()) }
//! ```

mod bot;
mod limit;
mod message;
mod reply;
mod sign;
mod webhook;

pub use bot::{CustomBot, PreparedRequest, is_rate_limited};
pub use lark_message::card::{self, Card};
pub use lark_message::content::{
    CardTemplate, Locale, MessageContent, Post, PostContent, PostElement, Text, TextStyle,
};
pub use limit::{RateLimit, RetryPolicy};
pub use message::{Message, WebhookJson, WebhookPayload};
pub use reply::{Reply, codes, decode_reply};
pub use sign::sign;
pub use webhook::Webhook;
