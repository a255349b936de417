//! Access tokens: where they are kept ([`TokenStore`]) and how the client gets them (the
//! token manager: fetch, refresh before expiry, eviction, single-flight in the process and a
//! refresh lease across processes).

mod manager;
mod store;
#[cfg(feature = "user-tokens")]
mod user;
mod wire;

pub(crate) use manager::{TokenManager, UsedToken};
pub use store::{
    MemoryTokenStore, RefreshLease, RefreshLockPolicy, StoredToken, TOKEN_INVALID_CODES, TokenStore,
};
#[cfg(feature = "user-tokens")]
pub(crate) use user::user_key;
#[cfg(feature = "user-tokens")]
pub use user::{MemoryUserTokenStore, StoredUserToken, UserTokenStore};
