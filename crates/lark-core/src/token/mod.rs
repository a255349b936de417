//! Access tokens: where they are kept ([`TokenStore`]) and how the client gets them (the
//! token manager: fetch, refresh before expiry, eviction, single-flight in the process and a
//! refresh lease across processes).

mod manager;
mod store;
#[cfg(feature = "user-tokens")]
mod user;
mod wire;

pub(crate) use manager::TokenManager;
pub use store::{
    MemoryTokenStore, RefreshLease, RefreshLockPolicy, StoredToken, TOKEN_INVALID_CODES, TokenStore,
};
#[cfg(feature = "user-tokens")]
pub(crate) use user::user_key;
#[cfg(feature = "user-tokens")]
pub use user::{MemoryUserTokenStore, StoredUserToken, UserTokenStore};

use std::sync::Arc;
use std::time::Duration;

use crate::secret::Secret;

/// A managed token as a call used it: where it is stored, and its value (to evict only that
/// one when the platform rejects it).
#[derive(Clone)]
pub(crate) struct UsedToken {
    pub(crate) key: Arc<str>,
    pub(crate) value: Secret,
}

/// A claim on refreshing `key`, with 128 random bits as its fencing value.
pub(crate) fn refresh_lease(
    runtime: &dyn crate::runtime::Runtime,
    key: &str,
    ttl: Duration,
) -> Option<RefreshLease> {
    let mut bytes = [0u8; 16];
    runtime.fill_random(&mut bytes).ok()?;
    let fencing: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Some(RefreshLease::new(key, fencing, ttl))
}
