//! Where access tokens are kept between calls.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::runtime::{BoxFuture, MaybeSend, MaybeSync};
use crate::secret::Secret;

/// A token and when it stops being used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredToken {
    /// The token (or, for the `app_ticket` key, the ticket).
    pub value: Secret,
    /// When the platform stops accepting it, in Unix milliseconds.
    pub expires_at_millis: u64,
    /// When the SDK fetches a new one instead, in Unix milliseconds.
    pub refresh_at_millis: u64,
}

impl StoredToken {
    /// Whether the token can still be used at `now_millis` without refreshing it.
    pub fn is_fresh(&self, now_millis: u64) -> bool {
        now_millis < self.refresh_at_millis && now_millis < self.expires_at_millis
    }
}

/// Keeps tokens and the marketplace `app_ticket`, keyed by strings the client makes.
///
/// The default, [`MemoryTokenStore`], keeps them in the process; implement this trait to share
/// tokens between processes (Redis, Workers KV, ...).
pub trait TokenStore: MaybeSend + MaybeSync {
    /// The token stored under `key`.
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Option<StoredToken>>;
    /// Stores `token` under `key`.
    fn set<'a>(&'a self, key: &'a str, token: StoredToken) -> BoxFuture<'a, ()>;
    /// Removes the token under `key`.
    fn remove<'a>(&'a self, key: &'a str) -> BoxFuture<'a, ()>;
}

/// An in-process [`TokenStore`].
#[derive(Default)]
pub struct MemoryTokenStore {
    tokens: Mutex<HashMap<String, StoredToken>>,
}

impl std::fmt::Debug for MemoryTokenStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let len = self.tokens.lock().map_or(0, |t| t.len());
        f.debug_struct("MemoryTokenStore")
            .field("len", &len)
            .finish()
    }
}

impl MemoryTokenStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn with<T>(&self, f: impl FnOnce(&mut HashMap<String, StoredToken>) -> T) -> T {
        // A poisoned lock only means another thread panicked mid-insert; the map is still sound.
        let mut guard = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut guard)
    }
}

impl TokenStore for MemoryTokenStore {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Option<StoredToken>> {
        let token = self.with(|t| t.get(key).cloned());
        Box::pin(std::future::ready(token))
    }

    fn set<'a>(&'a self, key: &'a str, token: StoredToken) -> BoxFuture<'a, ()> {
        self.with(|t| t.insert(key.to_owned(), token));
        Box::pin(std::future::ready(()))
    }

    fn remove<'a>(&'a self, key: &'a str) -> BoxFuture<'a, ()> {
        self.with(|t| t.remove(key));
        Box::pin(std::future::ready(()))
    }
}

/// Codes with which the platform rejects a stale or malformed access token. A call answered
/// with one of them gets a fresh token and is sent once more.
pub const TOKEN_INVALID_CODES: [i64; 4] = [
    99_991_661, // the access token is missing or cannot be read
    99_991_663, // tenant_access_token invalid
    99_991_664, // app_access_token invalid
    99_991_671, // the token does not start with `t-` or `u-`
];
