//! The Feishu/Lark Open Platform SDK in one crate.
//!
//! `lark-sdk` gathers the SDK's crates behind one dependency and one set of cargo features; it
//! adds no behaviour of its own. With the default features, one `cargo add lark-sdk` (and an
//! async runtime, `tokio`) is enough to send a message and read it back:
//!
//! ```no_run
//! use lark_sdk::api::im::v1::message;
//! use lark_sdk::message::{ReceiveId, SendMessage};
//!
//! # async fn run() -> lark_sdk::Result<()> {
//! let client = lark_sdk::client(lark_sdk::Config::new("cli_xxx", "app secret"));
//! let sent = client.send(&SendMessage::text(ReceiveId::chat("oc_xxx"), "hello")).await?;
//! let read = client.send(&message::Get::new(sent.message_id.unwrap_or_default())).await?;
//! # Ok(()) }
//! ```
//!
//! | path | what | from |
//! |---|---|---|
//! | [`client`], [`Client`], [`Config`], [`Error`], [`Result`] | the client over the default backend | `lark-core` + a backend |
//! | [`api`] | every endpoint, typed: `lark_sdk::api::im::v1::message::Create` | `lark-api`, one feature per service |
//! | `message` | message contents, cards, card callbacks, streaming cards | `lark-message` (feature `message`) |
//! | `channel` | bots in a few lines: normalized messages, policy, per-chat order, streaming replies | `lark-bot-channel` (feature `channel`) |
//! | `custom_bot` | signed custom-bot webhooks | `lark-custom-bot` (feature `custom-bot`) |
//! | `files` | uploads and downloads of any size (`use lark_sdk::files::FilesExt`) | `lark-files` (feature `files`) |
//! | `redis` | Redis token, app_ticket and de-duplication stores | `lark-redis` (feature `redis`) |
//! | `reqwest`, `fetch` | the backends (and their long-connection drivers, feature `ws`) | `lark-reqwest` (native), `lark-fetch` (wasm32) |
//! | [`core`] | everything else of the core: events, tokens, stores, retries, `RequestOptions` | `lark-core` |
//! | [`http`] | the `http` crate, for `client.raw(http::Method::GET, ...)` | `http` |
//!
//! Features: `default` is `reqwest`, `user-tokens` (acting as signed-in users:
//! `RequestOptions::as_user`), `message` and the services `auth`, `contact` and `im`; `loopback`
//! adds the native sign-in through a redirect to 127.0.0.1 (`lark_sdk::reqwest::loopback`);
//! every service of `lark-api` is a feature of the same name; `api-full` turns on every service
//! and `full` every feature but `fetch`. On `wasm32-unknown-unknown` use
//! `default-features = false, features = ["fetch", "im", ...]`: there [`client`] is over `fetch`.
#![cfg_attr(docsrs, feature(doc_cfg))]

pub use http;
pub use lark_api as api;
pub use lark_core as core;
pub use lark_core::{
    ApiError, AppType, Config, Domain, Error, RequestOptions, Result, RetryPolicy, Secret,
};

#[cfg(all(feature = "reqwest", not(target_arch = "wasm32")))]
#[cfg_attr(docsrs, doc(cfg(feature = "reqwest")))]
pub use lark_reqwest as reqwest;

#[cfg(all(feature = "fetch", target_arch = "wasm32"))]
#[cfg_attr(docsrs, doc(cfg(feature = "fetch")))]
pub use lark_fetch as fetch;

#[cfg(feature = "message")]
#[cfg_attr(docsrs, doc(cfg(feature = "message")))]
pub use lark_message as message;

#[cfg(feature = "channel")]
#[cfg_attr(docsrs, doc(cfg(feature = "channel")))]
pub use lark_bot_channel as channel;

#[cfg(feature = "custom-bot")]
#[cfg_attr(docsrs, doc(cfg(feature = "custom-bot")))]
pub use lark_custom_bot as custom_bot;

#[cfg(feature = "files")]
#[cfg_attr(docsrs, doc(cfg(feature = "files")))]
pub use lark_files as files;

#[cfg(all(feature = "redis", not(target_arch = "wasm32")))]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
pub use lark_redis as redis;

/// The HTTP backend of [`client`]: reqwest natively (feature `reqwest`).
#[cfg(all(feature = "reqwest", not(target_arch = "wasm32")))]
pub type DefaultHttpClient = lark_reqwest::ReqwestClient;

/// The HTTP backend of [`client`]: `fetch` on wasm32 (feature `fetch`).
#[cfg(all(feature = "fetch", target_arch = "wasm32"))]
pub type DefaultHttpClient = lark_fetch::FetchClient;

/// The client; `Client` alone is the one over the default backend that [`client`] makes.
///
/// Any other [`HttpClient`](lark_core::HttpClient) goes in the parameter, built with
/// [`lark_core::Client::new`] or [`lark_core::Client::builder`].
#[cfg(any(
    all(feature = "reqwest", not(target_arch = "wasm32")),
    all(feature = "fetch", target_arch = "wasm32")
))]
pub type Client<H = DefaultHttpClient> = lark_core::Client<H>;

/// The client, over any [`HttpClient`](lark_core::HttpClient) (no backend feature is on for
/// this target: turn on `reqwest` natively or `fetch` on wasm32 for [`client`]).
#[cfg(not(any(
    all(feature = "reqwest", not(target_arch = "wasm32")),
    all(feature = "fetch", target_arch = "wasm32")
)))]
pub use lark_core::Client;

/// A client over the default backend: reqwest (rustls, tokio's timer, the system clock).
#[cfg(all(feature = "reqwest", not(target_arch = "wasm32")))]
pub fn client(config: Config) -> Client {
    lark_reqwest::client(config)
}

/// A client over the default backend: `fetch`, `Date.now()` and `setTimeout`.
#[cfg(all(feature = "fetch", target_arch = "wasm32"))]
pub fn client(config: Config) -> Client {
    lark_fetch::client(config)
}

// The README's Usage section, as a doc test (extracted by build.rs from the repository's
// README; empty outside the repository). It is compiled by every `cargo test --doc`, and run
// only by scripts/readme-usage.sh, which starts lark-mock and sets LARK_SDK_README_RUN.
#[cfg(doctest)]
#[doc = include_str!(concat!(env!("OUT_DIR"), "/readme_usage.md"))]
struct ReadmeUsage;
