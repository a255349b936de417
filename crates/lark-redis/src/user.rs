//! Signed-in users' tokens in Redis, refreshed by one instance at a time.

use lark_core::{BoxFuture, RefreshLease, Secret, StoreError, StoredUserToken, UserTokenStore};
use serde_json::{Value, json};

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

fn encode(token: &StoredUserToken) -> String {
    json!({
        "access_token": token.access_token.expose(),
        "refresh_token": token.refresh_token.as_ref().map(Secret::expose),
        "expires_at_millis": token.expires_at_millis,
        "refresh_expires_at_millis": token.refresh_expires_at_millis,
        "scope": token.scope,
    })
    .to_string()
}

fn decode(text: &str) -> Option<StoredUserToken> {
    let value: Value = serde_json::from_str(text).ok()?;
    let mut token = StoredUserToken::new(
        Secret::new(value.get("access_token")?.as_str()?),
        value.get("expires_at_millis")?.as_u64()?,
    );
    token.refresh_token = value
        .get("refresh_token")
        .and_then(Value::as_str)
        .map(Secret::new);
    token.refresh_expires_at_millis = value
        .get("refresh_expires_at_millis")
        .and_then(Value::as_u64);
    token.scope = value
        .get("scope")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    Some(token)
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
                Some(text) => decode(&text)
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
            cmd.arg(self.user_key(key)).arg(encode(&token));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_and_bad_ones_are_refused() {
        let mut token = StoredUserToken::new(Secret::new("u-1"), 9);
        token.refresh_token = Some(Secret::new("r-1"));
        token.refresh_expires_at_millis = Some(99);
        token.scope = "a b".into();
        assert_eq!(decode(&encode(&token)), Some(token));
        for bad in [
            "",
            "{}",
            "[]",
            r#"{"access_token":"u"}"#,
            r#"{"expires_at_millis":1}"#,
        ] {
            assert_eq!(decode(bad), None, "{bad}");
        }
    }
}
