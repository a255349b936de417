//! Typed message contents and cards for the Feishu/Lark Open Platform.
//!
//! One module serves both the API client (`im.v1.message` create, reply, update, batch send)
//! and the custom bot: every message type serialises to exactly the `msg_type` and `content`
//! the platform documents, and cards are built with card JSON 2.0 types instead of
//! hand-written JSON.
//!
//! - [`content`]: [`MessageContent`] and one type per `msg_type` (text with @mentions, post with
//!   every rich-text tag, image, file, audio, media, sticker, share_chat, share_user, system,
//!   interactive). `content()` is the API's `content` string; `webhook_form()` is what a custom
//!   bot (and `message/v4/batch_send`) takes, and refuses what they cannot send.
//! - [`card`]: [`Card`], the card JSON 2.0 builder (1.0 where it differs), typed components with
//!   an `Element::raw` escape hatch; reads back what it writes.
//! - `send` (feature `api`): `SendMessage`, `ReplyMessage`, `UpdateMessage`, `PatchCard`,
//!   `BatchSend`: endpoints for the API client, so `client.send(&SendMessage::text(..))` works.
//! - [`callback`] and `streaming` (feature `api`): card callbacks (`card.action.trigger` and the
//!   legacy `card.action.trigger_v1` of message cards 1.0) and CardKit streaming cards.
//!
//! ```
//! use lark_message::card::{Button, ButtonType, Card, Element, Header, HeaderTemplate};
//! use lark_message::content::Text;
//! use lark_message::MessageContent;
//!
//! let text = MessageContent::from(Text::new("deploy done ").at("ou_1", "Ann"));
//! assert_eq!(text.content().unwrap(), r#"{"text":"deploy done <at user_id=\"ou_1\">Ann</at>"}"#);
//!
//! let card = Card::new()
//!     .header(Header::new("Deploy").template(HeaderTemplate::Green))
//!     .element(Element::markdown("**api** is live"))
//!     .element(Button::new("Roll back").kind(ButtonType::Danger).callback(serde_json::json!({"roll": "back"})));
//! let card = MessageContent::from(card);
//! assert_eq!(card.msg_type(), "interactive");
//! // The custom bot's form puts the card under `card`.
//! assert_eq!(card.webhook_form().unwrap().to_value().unwrap()["card"]["schema"], "2.0");
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod callback;
pub mod card;
pub mod content;
#[cfg(feature = "api")]
#[cfg_attr(docsrs, doc(cfg(feature = "api")))]
pub mod send;
#[cfg(feature = "api")]
#[cfg_attr(docsrs, doc(cfg(feature = "api")))]
pub mod streaming;

pub use card::Card;
pub use content::MessageContent;
#[cfg(feature = "api")]
pub use send::{ReceiveId, SendMessage};
