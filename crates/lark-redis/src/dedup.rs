//! Event ids in Redis, so an event is handled once by all the instances together.

use std::time::Duration;

use lark_core::event::{DedupStore, EventDedupStore, MemoryDedupStore};
use lark_core::{BoxFuture, StoreError};

use crate::DedupOnOutage;
use crate::link::Link;

/// An [`EventDedupStore`] in Redis: `SET {prefix}event:{id} 1 NX EX ttl`, atomic across every
/// instance.
///
/// While Redis cannot be reached it fails as [`DedupOnOutage`] says: open (the default) handles
/// the event, still de-duplicating within the process; closed makes the dispatcher answer 503.
pub struct RedisDedupStore {
    link: Link,
    prefix: String,
    on_outage: DedupOnOutage,
    local: MemoryDedupStore,
}

impl std::fmt::Debug for RedisDedupStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisDedupStore")
            .field("prefix", &self.prefix)
            .field("on_outage", &self.on_outage)
            .finish_non_exhaustive()
    }
}

impl RedisDedupStore {
    pub(crate) fn new(link: Link, prefix: String, on_outage: DedupOnOutage) -> Self {
        Self {
            link,
            prefix,
            on_outage,
            local: MemoryDedupStore::default(),
        }
    }

    fn key(&self, event_id: &str) -> String {
        format!("{}event:{event_id}", self.prefix)
    }
}

impl EventDedupStore for RedisDedupStore {
    fn first_seen<'a>(
        &'a self,
        event_id: &'a str,
        ttl: Duration,
        now_millis: u64,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let cmd = redis::cmd("SET")
                .arg(self.key(event_id))
                .arg(1)
                .arg("NX")
                .arg("EX")
                .arg(ttl.as_secs().max(1))
                .to_owned();
            match self
                .link
                .query::<Option<String>>("SET NX event", &cmd)
                .await
            {
                Ok(answer) => Ok(answer.is_some()),
                Err(error) => match self.on_outage {
                    DedupOnOutage::FailClosed => Err(error),
                    _ => Ok(self.local.insert(event_id, now_millis).await),
                },
            }
        })
    }

    fn forget<'a>(&'a self, event_id: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            self.local.remove(event_id).await;
            let cmd = redis::cmd("DEL").arg(self.key(event_id)).to_owned();
            self.link.query::<()>("DEL event", &cmd).await
        })
    }
}
