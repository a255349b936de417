//! Signed-in users' tokens in Redis, refreshed by one instance at a time.

use lark_core::{BoxFuture, RefreshLease, StoreError, StoredUserToken, UserTokenStore};

use crate::link::Link;
use crate::token::{RELEASE, acquire};

/// A [`UserTokenStore`] in Redis, shared by every process of an app: a user's tokens live at
/// `{prefix}user:{key}` (JSON), and a refresh is claimed at `{prefix}lock:{key}` as the token
/// store claims its own (`SET fencing NX PX ttl`, a compare-and-delete release).
///
/// Unlike the token store it keeps no copy in the process: refresh tokens are single-use, so
/// while Redis cannot be reached a refresh is refused with a clear error rather than made
/// from a copy that another process may already have spent. The stored login is kept.
pub struct RedisUserTokenStore {
    link: Link,
    prefix: String,
}

impl std::fmt::Debug for RedisUserTokenStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisUserTokenStore")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl RedisUserTokenStore {
    pub(crate) fn new(link: Link, prefix: String) -> Self {
        Self { link, prefix }
    }

    fn user_key(&self, key: &str) -> String {
        format!("{}user:{key}", self.prefix)
    }

    fn lock_key(&self, key: &str) -> String {
        format!("{}lock:{key}", self.prefix)
    }
}

impl UserTokenStore for RedisUserTokenStore {
    fn get<'a>(
        &'a self,
        key: &'a str,
    ) -> BoxFuture<'a, Result<Option<StoredUserToken>, StoreError>> {
        Box::pin(async move {
            let cmd = redis::cmd("GET").arg(self.user_key(key)).to_owned();
            let value: Option<String> = self.link.query("GET user token", &cmd).await?;
            match value {
                None => Ok(None),
                Some(text) => StoredUserToken::from_json(&text)
                    .map(Some)
                    .ok_or_else(|| StoreError::new("a stored user token is not this store's")),
            }
        })
    }

    fn set<'a>(
        &'a self,
        key: &'a str,
        token: StoredUserToken,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let mut cmd = redis::cmd("SET");
            cmd.arg(self.user_key(key)).arg(token.to_json());
            // Redis forgets the login when its refresh token would be refused anyway.
            if let Some(at) = token
                .refresh_expires_at_millis
                .and_then(|at| i64::try_from(at).ok())
            {
                if at > 0 {
                    cmd.arg("PXAT").arg(at);
                }
            }
            self.link.query::<()>("SET user token", &cmd).await
        })
    }

    fn remove<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let cmd = redis::cmd("DEL").arg(self.user_key(key)).to_owned();
            self.link.query::<()>("DEL user token", &cmd).await
        })
    }

    fn try_acquire_refresh<'a>(
        &'a self,
        lease: &'a RefreshLease,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(acquire(&self.link, self.lock_key(lease.key()), lease))
    }

    fn release_refresh<'a>(&'a self, lease: &'a RefreshLease) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let cmd = redis::cmd("EVAL")
                .arg(RELEASE)
                .arg(1)
                .arg(self.lock_key(lease.key()))
                .arg(lease.fencing())
                .to_owned();
            let _ = self.link.query::<i64>("release lock", &cmd).await;
        })
    }
}
