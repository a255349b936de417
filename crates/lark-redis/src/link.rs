//! One Redis connection shared by the stores, with bounded commands and outage handling.
//!
//! Every command is bounded by a timeout. A failure opens a short pause during which commands
//! fail at once without touching the network (so an outage costs the SDK's calls nothing but a
//! look at a clock), and the first failure of an outage is logged once, as is the recovery.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use lark_core::StoreError;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

/// The shared connection.
#[derive(Clone)]
pub(crate) struct Link {
    inner: Arc<Inner>,
}

struct Inner {
    client: redis::Client,
    config: ConnectionManagerConfig,
    /// Made on first use, inside the Tokio runtime it needs.
    manager: OnceLock<ConnectionManager>,
    timeout: Duration,
    retry_after: Duration,
    /// The origin of `down_until`.
    epoch: Instant,
    /// Until when (milliseconds after `epoch`) commands fail without being sent; 0 when up.
    down_until: AtomicU64,
    /// Whether an outage was reported and its end not yet.
    outage: AtomicBool,
}

impl Link {
    /// A link over `client` that connects on first use, so a Redis that is down when the
    /// process starts delays nothing, and no Tokio runtime is needed until then.
    pub(crate) fn new(client: redis::Client, timeout: Duration, retry_after: Duration) -> Self {
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(1)
            .set_max_delay(retry_after);
        Self {
            inner: Arc::new(Inner {
                client,
                config,
                manager: OnceLock::new(),
                timeout,
                retry_after,
                epoch: Instant::now(),
                down_until: AtomicU64::new(0),
                outage: AtomicBool::new(false),
            }),
        }
    }

    /// The connection manager, made on first use. It spawns its reconnections on the current
    /// Tokio runtime, so without one this is an error rather than a panic.
    fn manager(&self) -> Result<ConnectionManager, StoreError> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(StoreError::new(
                "lark-redis runs on a Tokio runtime, and none is running here",
            ));
        }
        if let Some(manager) = self.inner.manager.get() {
            return Ok(manager.clone());
        }
        let manager = ConnectionManager::new_lazy_with_config(
            self.inner.client.clone(),
            self.inner.config.clone(),
        )
        .map_err(|e| StoreError::new(format!("redis connection: {}", describe(&e))))?;
        Ok(self.inner.manager.get_or_init(|| manager).clone())
    }

    fn elapsed_millis(&self) -> u64 {
        u64::try_from(self.inner.epoch.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    /// Sends `cmd` (`what` names it in errors and logs, never a key's value).
    pub(crate) async fn query<T: redis::FromRedisValue>(
        &self,
        what: &'static str,
        cmd: &redis::Cmd,
    ) -> Result<T, StoreError> {
        let inner = &*self.inner;
        let down_until = inner.down_until.load(Ordering::Relaxed);
        if down_until != 0 && self.elapsed_millis() < down_until {
            return Err(StoreError::new(format!(
                "redis {what}: redis was unreachable moments ago; not trying again yet"
            )));
        }
        let mut connection = self.manager()?;
        let result = tokio::time::timeout(inner.timeout, cmd.query_async::<T>(&mut connection));
        match result.await {
            Ok(Ok(value)) => {
                self.up();
                Ok(value)
            }
            Ok(Err(error)) => Err(self.down(what, describe(&error))),
            Err(_) => Err(self.down(
                what,
                format!("no answer within {} ms", inner.timeout.as_millis()),
            )),
        }
    }

    fn up(&self) {
        let inner = &*self.inner;
        inner.down_until.store(0, Ordering::Relaxed);
        if inner.outage.swap(false, Ordering::Relaxed) {
            tracing::info!(target: "lark_redis", "redis answers again; the shared stores are back in use");
        }
    }

    fn down(&self, what: &'static str, reason: String) -> StoreError {
        let inner = &*self.inner;
        let retry_after = u64::try_from(inner.retry_after.as_millis()).unwrap_or(u64::MAX);
        let until = self.elapsed_millis().saturating_add(retry_after).max(1);
        inner.down_until.store(until, Ordering::Relaxed);
        if !inner.outage.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                target: "lark_redis",
                "redis unreachable ({what}: {reason}); until it answers, this instance fetches \
                 and keeps its own tokens, and event de-duplication fails as configured"
            );
        }
        StoreError::new(format!("redis {what}: {reason}"))
    }
}

/// What went wrong, without anything a reply carried: a type error's message can quote the
/// reply, and a reply can be a token.
fn describe(error: &redis::RedisError) -> String {
    if error.is_io_error() || error.is_connection_refusal() || error.is_timeout() {
        return error.to_string();
    }
    match error.code() {
        Some(code) => format!("{:?} ({code})", error.kind()),
        None => format!("{:?}", error.kind()),
    }
}
