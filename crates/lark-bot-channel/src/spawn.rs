//! [`Spawn`]: how the channel starts a task for a chat.
//!
//! The channel runs each chat's queue as a task of its own, started through the caller's
//! spawn function rather than driven by one future of its own (`FuturesUnordered`): natively
//! `tokio::spawn` puts chats on every worker thread, a handler that blocks a thread holds up
//! only its chat, and nothing has to poll a driver future; on wasm32 the caller hands over
//! `wasm_bindgen_futures::spawn_local`. The crate itself stays free of any runtime.

use lark_core::{BoxFuture, MaybeSend, MaybeSync};

/// Starts a task that runs to its end on the caller's executor.
///
/// Any `Fn(BoxFuture<'static, ()>)` is one:
///
/// ```ignore
/// let spawn = |task| { tokio::spawn(task); };                       // native
/// let spawn = |task| wasm_bindgen_futures::spawn_local(task);       // wasm32
/// ```
pub trait Spawn: MaybeSend + MaybeSync {
    /// Starts `task`; it must run even when the caller drops nothing else.
    fn spawn(&self, task: BoxFuture<'static, ()>);
}

impl<F> Spawn for F
where
    F: Fn(BoxFuture<'static, ()>) + MaybeSend + MaybeSync,
{
    fn spawn(&self, task: BoxFuture<'static, ()>) {
        self(task);
    }
}
