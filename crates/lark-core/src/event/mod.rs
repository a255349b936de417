//! Events and callbacks: verified, decrypted, typed, framework-agnostic.
//!
//! The platform pushes events (a message arrived, a user joined) and callbacks (a card button
//! was clicked) as HTTP POSTs. A [`Dispatcher`] takes such a request as an
//! `http::Request<Vec<u8>>` and the current time, and returns the `http::Response<Vec<u8>>` to
//! send: it checks the signature over the raw body in constant time, decrypts, answers the
//! url_verification challenge, checks the verification token, drops re-deliveries by event id,
//! and runs your handler. Any web framework (see `examples/event_server.rs` for axum) or a
//! Cloudflare Worker wraps it in a few lines.
//!
//! With the `event-types` feature, `event::types` (that module) holds a typed struct for each of the event types
//! the platform documents (generated from the facts); [`Dispatcher::on`] takes a handler of one
//! of them. An event of a type the SDK does not know reaches [`Dispatcher::on_raw`] and
//! [`Dispatcher::fallback`] handlers as raw JSON.

mod crypto;
mod dedup;
mod dispatcher;
mod envelope;
mod error;
#[cfg(feature = "event-types")]
mod lenient;
mod reply;
#[cfg(feature = "event-types")]
#[cfg_attr(docsrs, doc(cfg(feature = "event-types")))]
pub mod types;

pub use crypto::{
    card_signature, check_freshness, decrypt, encrypt, event_signature, verify_card_signature,
    verify_event_signature,
};
pub use dedup::{DedupStore, EventDedupStore, MemoryDedupStore};
pub use dispatcher::{
    Dispatcher, HEADER_NONCE, HEADER_REFRESH_TOKEN, HEADER_SIGNATURE, HEADER_TIMESTAMP, Handled,
    HandlerError, REQUEST_HEADERS,
};
pub use envelope::{CARD_LEGACY_EVENT_TYPE, Envelope, Event, Schema, UrlVerification};
pub use error::EventError;
pub use reply::{CardActionReply, Toast, ToastKind};

use crate::runtime::MaybeSend;

/// A payload type bound to the event type string it arrives under.
///
/// The generated structs of `event::types` (feature `event-types`) implement it; implement it for a type of your own to
/// receive an event the SDK does not know through [`Dispatcher::on`].
pub trait EventType: serde::de::DeserializeOwned + MaybeSend + 'static {
    /// The event type: `header.event_type` (2.0), `event.type` (1.0) or
    /// [`CARD_LEGACY_EVENT_TYPE`].
    const EVENT_TYPE: &'static str;
    /// The envelope the event arrives in.
    const SCHEMA: Schema;
}
