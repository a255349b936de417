//! The sans-IO core of the Feishu/Lark Open Platform SDK.
//!
//! It builds requests, manages tokens and decodes answers; it opens no socket and reads no
//! clock. A backend (`lark-reqwest` natively, `lark-fetch` on wasm32, or a closure in tests)
//! does the IO through [`HttpClient`] and [`Runtime`].
//!
//! ```no_run
//! # async fn run<H: lark_core::HttpClient>(client: lark_core::Client<H>) -> lark_core::Result<()> {
//! // The typed endpoints are in `lark-api`, under the platform's names: im.v1.message.create.
//! use lark_api::im::v1::message;
//! let sent = client
//!     .send(&message::Create::new("chat_id", "oc_123", "text", r#"{"text":"hello"}"#))
//!     .await?;
//! println!("{:?}", sent.message_id);
//! # Ok(()) }
//! ```
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod api;
mod auth;
mod client;
pub mod config;
mod disposition;
pub mod endpoint;
mod enums;
pub mod error;
pub mod event;
mod idempotency;
pub mod multipart;
pub mod oauth;
pub mod observe;
mod options;
mod pages;
mod query;
mod raw;
mod request;
pub mod response;
pub mod retry;
pub mod runtime;
mod secret;
pub mod store;
mod streaming;
pub mod ticket;
pub mod token;
mod trace;
mod transport;
#[cfg(feature = "ws")]
#[cfg_attr(docsrs, doc(cfg(feature = "ws")))]
pub mod ws;

pub use client::{CallHints, Client, ClientBuilder};
pub use config::{AppType, Config, Domain};
pub use endpoint::{
    Body, Download, Endpoint, EndpointMeta, File, Multipart, Page, Paginated, TokenKind,
};
#[doc(hidden)]
pub use enums::__private;
pub use error::{ApiError, DecodeError, Error, Result};
pub use multipart::Encoded;
pub use options::RequestOptions;
pub use raw::RawRequest;
pub use retry::RetryPolicy;
pub use runtime::{
    BodyStream, BoxFuture, ByteStream, HttpClient, HttpError, HttpErrorKind, ManualClock,
    MaybeSend, MaybeSync, RandomError, Runtime,
};
pub use secret::Secret;
pub use store::StoreError;
pub use streaming::{PreparedDownload, StreamedAnswer};
pub use ticket::{AppTicketStore, MemoryAppTicketStore};
pub use token::{MemoryTokenStore, RefreshLease, RefreshLockPolicy, StoredToken, TokenStore};
#[cfg(feature = "user-tokens")]
#[cfg_attr(docsrs, doc(cfg(feature = "user-tokens")))]
pub use token::{MemoryUserTokenStore, StoredUserToken, UserTokenStore};
pub use transport::TimedBody;
