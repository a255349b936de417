//! Tokens in Redis, refreshed by one instance at a time.

use lark_core::{
    BoxFuture, MemoryTokenStore, RefreshLease, Secret, StoreError, StoredToken, TokenStore,
};

use crate::link::Link;

/// Deletes the lock only while it still holds this holder's fencing value: a holder slower
/// than the lock's TTL must not free the lock of the one that took it over.
pub(crate) const RELEASE: &str = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";

/// A [`TokenStore`] in Redis whose refresh is single-flight across every process sharing it.
///
/// - A token lives at `{prefix}token:{key}` as `expires:refresh:value`, expiring in Redis when
///   the platform stops accepting it (`PXAT`).
/// - A refresh is claimed at `{prefix}lock:{key}` with `SET fencing NX PX ttl`; the client
///   makes the fencing value from its runtime's randomness. It is released with a
///   compare-and-delete script, or lapses after the TTL when its holder dies.
/// - Every token read or written is also kept in the process. While Redis cannot be reached
///   that copy answers, and the client fetches (and keeps) its own tokens.
pub struct RedisTokenStore {
    link: Link,
    prefix: String,
    local: MemoryTokenStore,
}

impl std::fmt::Debug for RedisTokenStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisTokenStore")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl RedisTokenStore {
    pub(crate) fn new(link: Link, prefix: String) -> Self {
        Self {
            link,
            prefix,
            local: MemoryTokenStore::new(),
        }
    }

    fn token_key(&self, key: &str) -> String {
        format!("{}token:{key}", self.prefix)
    }

    fn lock_key(&self, key: &str) -> String {
        format!("{}lock:{key}", self.prefix)
    }

    async fn get_shared(&self, key: &str) -> Result<Option<StoredToken>, StoreError> {
        let cmd = redis::cmd("GET").arg(self.token_key(key)).to_owned();
        let value: Option<String> = self.link.query("GET token", &cmd).await?;
        // A value this store did not write reads as no token: the client fetches a new one.
        Ok(value.as_deref().and_then(decode))
    }

    async fn set_shared(&self, key: &str, token: &StoredToken) -> Result<(), StoreError> {
        let mut cmd = redis::cmd("SET");
        cmd.arg(self.token_key(key)).arg(encode(token));
        // Redis forgets the token when the platform would refuse it.
        if let Ok(at) = i64::try_from(token.expires_at_millis) {
            if at > 0 {
                cmd.arg("PXAT").arg(at);
            }
        }
        self.link.query::<()>("SET token", &cmd).await
    }
}

fn encode(token: &StoredToken) -> String {
    format!(
        "{}:{}:{}",
        token.expires_at_millis,
        token.refresh_at_millis,
        token.value.expose()
    )
}

fn decode(value: &str) -> Option<StoredToken> {
    let mut parts = value.splitn(3, ':');
    let expires_at_millis = parts.next()?.parse().ok()?;
    let refresh_at_millis = parts.next()?.parse().ok()?;
    let value = parts.next().filter(|v| !v.is_empty())?;
    Some(StoredToken {
        value: Secret::new(value),
        expires_at_millis,
        refresh_at_millis,
    })
}

impl TokenStore for RedisTokenStore {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Option<StoredToken>> {
        Box::pin(async move {
            match self.get_shared(key).await {
                Ok(Some(token)) => {
                    self.local.set(key, token.clone()).await;
                    Some(token)
                }
                Ok(None) => {
                    self.local.remove(key).await;
                    None
                }
                Err(_) => self.local.get(key).await,
            }
        })
    }

    fn set<'a>(&'a self, key: &'a str, token: StoredToken) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            // The outage is logged by the link; the process's own copy serves meanwhile.
            let _ = self.set_shared(key, &token).await;
            self.local.set(key, token).await;
        })
    }

    fn remove<'a>(&'a self, key: &'a str) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            self.local.remove(key).await;
            let cmd = redis::cmd("DEL").arg(self.token_key(key)).to_owned();
            let _ = self.link.query::<()>("DEL token", &cmd).await;
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
            // A lock that cannot be released lapses after its TTL.
            let _ = self.link.query::<i64>("release lock", &cmd).await;
        })
    }
}

/// Claims `lock_key` for `lease` (`SET fencing NX PX ttl`): whether this caller holds it now.
pub(crate) async fn acquire(
    link: &Link,
    lock_key: String,
    lease: &RefreshLease,
) -> Result<bool, StoreError> {
    let ttl = u64::try_from(lease.ttl().as_millis())
        .unwrap_or(u64::MAX)
        .max(1);
    let cmd = redis::cmd("SET")
        .arg(lock_key)
        .arg(lease.fencing())
        .arg("NX")
        .arg("PX")
        .arg(ttl)
        .to_owned();
    let answer: Option<String> = link.query("SET NX lock", &cmd).await?;
    Ok(answer.is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_and_bad_ones_read_as_missing() {
        let token = StoredToken {
            value: Secret::new("t-a:b"),
            expires_at_millis: 9,
            refresh_at_millis: 7,
        };
        assert_eq!(decode(&encode(&token)), Some(token));
        for bad in ["", "1", "1:2", "1:2:", "x:2:t", "1:y:t", "-1:2:t"] {
            assert_eq!(decode(bad), None, "{bad}");
        }
    }
}
