//! The channel layer for Feishu/Lark bots: a bot in twenty lines.
//!
//! A [`Channel`] sits on the public client API ([`lark_core::Client`] over any backend) and on
//! the [`Dispatcher`](lark_core::event::Dispatcher), so it serves HTTP callbacks and the long
//! connection alike. It has no IO of its own: the client's backend does the IO, its
//! [`Runtime`](lark_core::Runtime) keeps the time and sleeps, and a [`Spawn`] from the caller
//! starts one task per busy chat. It builds for `wasm32-unknown-unknown`.
//!
//! - **Inbound**: [`ChannelMessage`], normalized from `im.message.receive_v1` (ids, chat type,
//!   sender, readable text with mentions resolved and the bot's own mention stripped, typed
//!   content, resources, mentions); [`ChannelEvent`] for reactions, the bot added or removed,
//!   and card actions.
//! - **Policy**: [`Policy`] — a group allowlist, [`DmMode`], mention gating, whether @all
//!   counts; a rejected-event hook hears each drop with its [`RejectReason`].
//! - **Safety**: de-duplication by the dispatcher's `EventDedupStore`; one ordered queue per
//!   chat, chats concurrent; bursts from one sender merged; stale messages dropped; the event
//!   acked before the handler runs.
//! - **Outbound**: [`Context`] replies in the chat or the thread, long text cut at the
//!   platform's 150 KB limit ([`chunk_text`]), markdown as a card or post the platform renders
//!   ([`Context::reply_markdown`], [`markdown_messages`]), images, files, videos and voice
//!   messages from bytes or a URL ([`Context::reply_image`], [`Context::reply_video`],
//!   [`MediaSource`]) behind an SSRF guard ([`UrlGuard`], pure)
//!   and a fetcher the caller gives ([`MediaFetcher`]; `ReqwestFetcher` with the feature
//!   `reqwest`), and [`StreamingReply`] streams an answer into a CardKit card, throttled by
//!   time and characters, falling back to a plain message.

#![cfg_attr(docsrs, feature(doc_cfg))]

mod channel;
mod chunk;
mod error;
mod events;
#[cfg(all(feature = "reqwest", not(target_arch = "wasm32")))]
mod fetch;
mod guard;
mod markdown;
mod media;
mod message;
mod policy;
mod reply;
mod sources;
mod spawn;
mod stream;

pub use channel::{BOT_INFO_PATH, Channel, ChannelBuilder};
pub use chunk::{DEFAULT_CHUNK_BYTES, TEXT_BODY_LIMIT, chunk_text};
pub use error::{RejectReason, Rejected};
pub use events::{ChannelEvent, UserIds};
#[cfg(all(feature = "reqwest", not(target_arch = "wasm32")))]
#[cfg_attr(docsrs, doc(cfg(feature = "reqwest")))]
pub use fetch::ReqwestFetcher;
pub use guard::{AddressKind, RefuseReason, Refused, Target, UrlGuard};
pub use markdown::{
    DEFAULT_MARKDOWN_BYTES, MarkdownAs, RICH_BODY_LIMIT, chunk_markdown, markdown_messages,
};
pub use message::{ChannelMessage, ChatType, Mention, Resource, ResourceKind, Sender};
pub use policy::{DmMode, Policy};
pub use reply::{Context, ReplyOptions};
pub use sources::{FILE_LIMIT, Fetched, IMAGE_LIMIT, MediaError, MediaFetcher, MediaSource};
pub use spawn::Spawn;
pub use stream::StreamingReply;
