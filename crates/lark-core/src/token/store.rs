//! Where access tokens are kept between calls: the [`TokenStore`] and its in-memory default.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::runtime::{BoxFuture, MaybeSend, MaybeSync};
use crate::secret::Secret;
use crate::store::StoreError;

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

/// Keeps tokens (and, unless the client has an [`AppTicketStore`](crate::AppTicketStore) of
/// its own, the marketplace `app_ticket`), keyed by strings the client makes.
///
/// The default, [`MemoryTokenStore`], keeps them in the process; implement this trait to share
/// tokens between processes (Redis, Workers KV, ...).
///
/// # Refreshing once across processes
///
/// Within one process the client already lets one caller per token refresh while the others
/// wait. A shared store extends that to every process with
/// [`try_acquire_refresh`](TokenStore::try_acquire_refresh) and
/// [`release_refresh`](TokenStore::release_refresh): before it fetches a token, the client
/// claims its refresh with a [`RefreshLease`] (a random fencing value from the
/// [`Runtime`](crate::Runtime), and a time to live). A caller that does not get the claim waits
/// for the token the holder stores, looking again every
/// [`RefreshLockPolicy::poll_interval`] and taking the claim over once it expires; after
/// [`RefreshLockPolicy::max_wait`] it fetches a token of its own. A token that is past its
/// refresh time but not expired is used at once instead of waiting. A store that cannot answer
/// ([`StoreError`]) makes the client fetch its own token. The defaults suit a store that lives in
/// one process: every claim succeeds.
pub trait TokenStore: MaybeSend + MaybeSync {
    /// The token stored under `key`.
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Option<StoredToken>>;
    /// Stores `token` under `key`.
    fn set<'a>(&'a self, key: &'a str, token: StoredToken) -> BoxFuture<'a, ()>;
    /// Removes the token under `key`.
    fn remove<'a>(&'a self, key: &'a str) -> BoxFuture<'a, ()>;

    /// Claims the refresh of the token under [`lease.key()`](RefreshLease::key) for
    /// [`lease.ttl()`](RefreshLease::ttl): `Ok(true)` when this caller holds it now, `Ok(false)`
    /// when another holds it, an error when the store cannot tell. Must be atomic across every
    /// process sharing the store (Redis: `SET lock fencing NX PX ttl`), and the claim must lapse
    /// by itself after the TTL, so a holder that dies frees it.
    ///
    /// The default grants every claim: the client's in-process single-flight is enough.
    fn try_acquire_refresh<'a>(
        &'a self,
        lease: &'a RefreshLease,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        let _ = lease;
        Box::pin(std::future::ready(Ok(true)))
    }

    /// Gives a claim up after the refresh, ONLY if it is still `lease`'s (its fencing value
    /// matches): a holder slower than the TTL must not free the claim of the caller that took it
    /// over.
    ///
    /// The default does nothing.
    fn release_refresh<'a>(&'a self, lease: &'a RefreshLease) -> BoxFuture<'a, ()> {
        let _ = lease;
        Box::pin(std::future::ready(()))
    }
}

impl<T: TokenStore + ?Sized> TokenStore for Arc<T> {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Option<StoredToken>> {
        (**self).get(key)
    }

    fn set<'a>(&'a self, key: &'a str, token: StoredToken) -> BoxFuture<'a, ()> {
        (**self).set(key, token)
    }

    fn remove<'a>(&'a self, key: &'a str) -> BoxFuture<'a, ()> {
        (**self).remove(key)
    }

    fn try_acquire_refresh<'a>(
        &'a self,
        lease: &'a RefreshLease,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        (**self).try_acquire_refresh(lease)
    }

    fn release_refresh<'a>(&'a self, lease: &'a RefreshLease) -> BoxFuture<'a, ()> {
        (**self).release_refresh(lease)
    }
}

/// One caller's claim on refreshing one token, across processes.
///
/// The client makes it with 128 random bits from its [`Runtime`](crate::Runtime) (never from
/// the clock: two processes started together must not share a fencing value).
#[derive(Clone, PartialEq, Eq)]
pub struct RefreshLease {
    key: String,
    fencing: String,
    ttl: Duration,
}

impl std::fmt::Debug for RefreshLease {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RefreshLease")
            .field("key", &self.key)
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl RefreshLease {
    /// A claim on the token under `key`, told apart from every other claim by `fencing`, lasting
    /// `ttl`.
    pub fn new(key: impl Into<String>, fencing: impl Into<String>, ttl: Duration) -> Self {
        Self {
            key: key.into(),
            fencing: fencing.into(),
            ttl,
        }
    }

    /// The store key of the token being refreshed.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The value that tells this claim from every other one.
    pub fn fencing(&self) -> &str {
        &self.fencing
    }

    /// How long the claim lasts unless released.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }
}

/// How the client claims, and waits for, a token refresh shared across processes (see
/// [`TokenStore`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RefreshLockPolicy {
    /// How long a claim lasts: a holder that dies mid-refresh frees it after this.
    pub ttl: Duration,
    /// How long a caller waits for another process's refresh before it fetches its own token.
    pub max_wait: Duration,
    /// How often a waiting caller looks for the new token (and for a lapsed claim).
    pub poll_interval: Duration,
}

impl Default for RefreshLockPolicy {
    /// A 10 s claim, a 15 s wait (longer than the claim, so a dead holder's claim is taken over
    /// before anyone gives up), looking every 50 ms.
    fn default() -> Self {
        Self {
            ttl: Duration::from_secs(10),
            max_wait: Duration::from_secs(15),
            poll_interval: Duration::from_millis(50),
        }
    }
}

impl RefreshLockPolicy {
    /// The default policy.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets how long a claim lasts.
    #[must_use]
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// Sets how long a caller waits for another process's refresh.
    #[must_use]
    pub fn max_wait(mut self, max_wait: Duration) -> Self {
        self.max_wait = max_wait;
        self
    }

    /// Sets how often a waiting caller looks again (at least 1 ms).
    #[must_use]
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval.max(Duration::from_millis(1));
        self
    }
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
pub const TOKEN_INVALID_CODES: [i64; 6] = [
    99_991_661, // the access token is missing or cannot be read
    99_991_663, // tenant_access_token invalid
    99_991_664, // app_access_token invalid
    99_991_668, // user_access_token invalid
    99_991_671, // the token does not start with `t-` or `u-`
    99_991_677, // user_access_token expired
];
