//! Typed message contents and cards for the Feishu/Lark Open Platform.
//!
//! One module serves both the API client (`im.v1.message` create, reply, update, batch send)
//! and the custom bot: every message type serialises to exactly the `msg_type` and `content`
//! the platform documents, and cards are built with card JSON 2.0 types instead of
//! hand-written JSON.
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
