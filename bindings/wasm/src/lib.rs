//! The wasm-bindgen core of the npm package.
//!
//! The JavaScript layer in `npm/` wraps these exports: it carries the generated endpoint
//! catalog and the TypeScript types, and hands each call here as a method, a path template and
//! its parameters. The Rust side owns everything with rules: path encoding, tokens (one
//! refresh for concurrent callers, evict-and-retry), envelope decoding and errors. No
//! per-endpoint Rust type is compiled in, so the bundle stays small.
//!
//! Cargo features pick what a build exports; `scripts/test-wasm.sh` builds the variants the
//! package ships. On targets other than wasm32 the crate is empty.
#![cfg(target_arch = "wasm32")]

/// The bits of a catalog row, generated from the same definitions as the npm package's.
#[cfg(feature = "client")]
#[path = "generated/bits.rs"]
mod bits;
#[cfg(feature = "bot")]
pub mod bot;
#[cfg(feature = "client")]
mod call;
#[cfg(feature = "channel")]
pub mod channel;
#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "client")]
#[path = "generated/client_options.rs"]
mod client_options;
#[cfg(any(feature = "client", feature = "bot"))]
mod error;
#[cfg(feature = "events")]
pub mod events;
#[cfg(feature = "files")]
pub mod files;
#[cfg(feature = "observe")]
mod observe;
#[cfg(feature = "client")]
mod options;
#[cfg(feature = "client")]
pub mod pages;
#[cfg(feature = "client")]
mod read;
#[cfg(feature = "client")]
mod store;
#[cfg(feature = "users")]
mod user_store;
#[cfg(feature = "users")]
pub mod users;
#[cfg(feature = "ws")]
pub mod ws;
