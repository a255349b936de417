//! Remembering event ids, because the platform re-delivers an event until it gets a 200 (and a
//! captured request can be replayed).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use crate::runtime::{BoxFuture, MaybeSend, MaybeSync};
use crate::store::StoreError;

/// Remembers which event ids were handled, in a store that may be shared between instances
/// and may fail: what the [`Dispatcher`](super::Dispatcher) de-duplicates with, over HTTP and
/// over the long connection.
///
/// Every [`DedupStore`] is one (it never fails and keeps ids for its own TTL). Implement this
/// trait for a store that others share (Redis `SET id 1 NX EX ttl`, Workers KV) and that can be
/// unreachable: an error makes the dispatcher answer 503, so the platform re-delivers the event
/// later; a store that prefers to handle events twice over not at all (fail open) answers
/// `Ok(true)` instead.
pub trait EventDedupStore: MaybeSend + MaybeSync {
    /// Records `event_id` as seen at `now_millis`, for `ttl`. `Ok(true)` the first time,
    /// `Ok(false)` when it was seen before and not yet forgotten. Must be atomic: of two
    /// concurrent calls with the same id, anywhere, one returns `Ok(false)`.
    fn first_seen<'a>(
        &'a self,
        event_id: &'a str,
        ttl: Duration,
        now_millis: u64,
    ) -> BoxFuture<'a, Result<bool, StoreError>>;

    /// Forgets `event_id`, so a re-delivery is handled again (called when a handler failed).
    fn forget<'a>(&'a self, event_id: &'a str) -> BoxFuture<'a, Result<(), StoreError>>;
}

impl<T: DedupStore + ?Sized> EventDedupStore for T {
    fn first_seen<'a>(
        &'a self,
        event_id: &'a str,
        _ttl: Duration,
        now_millis: u64,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        let inserting = self.insert(event_id, now_millis);
        Box::pin(async move { Ok(inserting.await) })
    }

    fn forget<'a>(&'a self, event_id: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        let removing = self.remove(event_id);
        Box::pin(async move {
            removing.await;
            Ok(())
        })
    }
}

/// Remembers which event ids were handled, in a store that never fails.
///
/// The default, [`MemoryDedupStore`], remembers them in the process. To share them between
/// instances behind a load balancer, implement [`EventDedupStore`] instead (it can report an
/// unreachable store).
pub trait DedupStore: MaybeSend + MaybeSync {
    /// Records `id` as seen at `now_millis`. Returns `true` when it is new, `false` when it was
    /// seen before and not yet forgotten. Must be atomic: of two concurrent calls with the same
    /// id, one returns `false`.
    fn insert<'a>(&'a self, id: &'a str, now_millis: u64) -> BoxFuture<'a, bool>;

    /// Forgets `id`, so a re-delivery is handled again (called when a handler failed).
    fn remove<'a>(&'a self, id: &'a str) -> BoxFuture<'a, ()>;
}

/// An in-process [`DedupStore`] with a bounded size and a time to live.
///
/// An id is remembered for the TTL, and at most `capacity` ids are kept (the oldest go first).
pub struct MemoryDedupStore {
    capacity: usize,
    ttl_millis: u64,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// id → when it was seen.
    seen: HashMap<String, u64>,
    /// Ids in the order they were seen, with the time; an entry whose time differs from the
    /// map's was removed and seen again, and is skipped.
    order: VecDeque<(String, u64)>,
}

impl std::fmt::Debug for MemoryDedupStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryDedupStore")
            .field("capacity", &self.capacity)
            .field("ttl_millis", &self.ttl_millis)
            .field("len", &self.len())
            .finish()
    }
}

impl Default for MemoryDedupStore {
    /// 10,000 ids for 12 hours: the platform's re-deliveries span about 7 hours.
    fn default() -> Self {
        Self::new(10_000, Duration::from_secs(12 * 3600))
    }
}

impl MemoryDedupStore {
    /// A store of at most `capacity` ids (at least one), each kept for `ttl`.
    pub fn new(capacity: usize, ttl: Duration) -> Self {
        Self {
            capacity: capacity.max(1),
            ttl_millis: u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX),
            state: Mutex::new(State::default()),
        }
    }

    /// How many ids are remembered now.
    pub fn len(&self) -> usize {
        self.lock().seen.len()
    }

    /// Whether no id is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A poisoned lock only means a thread panicked mid-update; the maps stay usable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn insert_now(&self, id: &str, now_millis: u64) -> bool {
        let mut state = self.lock();
        let State { seen, order } = &mut *state;
        // Forget what expired and what overflows.
        while let Some((old, at)) = order.front() {
            let expired = at.saturating_add(self.ttl_millis) <= now_millis;
            if !expired && order.len() < self.capacity {
                break;
            }
            if seen.get(old) == Some(at) {
                seen.remove(old);
            }
            order.pop_front();
        }
        if let Some(&at) = seen.get(id) {
            if at.saturating_add(self.ttl_millis) > now_millis {
                return false;
            }
        }
        seen.insert(id.to_owned(), now_millis);
        order.push_back((id.to_owned(), now_millis));
        true
    }
}

impl DedupStore for MemoryDedupStore {
    fn insert<'a>(&'a self, id: &'a str, now_millis: u64) -> BoxFuture<'a, bool> {
        let new = self.insert_now(id, now_millis);
        Box::pin(std::future::ready(new))
    }

    fn remove<'a>(&'a self, id: &'a str) -> BoxFuture<'a, ()> {
        self.lock().seen.remove(id);
        Box::pin(std::future::ready(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn insert(store: &MemoryDedupStore, id: &str, now: u64) -> bool {
        store.insert_now(id, now)
    }

    #[test]
    fn remembers_for_the_ttl() {
        let store = MemoryDedupStore::new(10, Duration::from_millis(100));
        assert!(insert(&store, "a", 0));
        assert!(!insert(&store, "a", 99));
        assert!(insert(&store, "a", 100));
        assert!(!insert(&store, "a", 150));
    }

    #[test]
    fn stays_within_capacity() {
        let store = MemoryDedupStore::new(3, Duration::from_secs(3600));
        for i in 0..1000 {
            assert!(insert(&store, &i.to_string(), 1));
            assert!(store.len() <= 3);
            assert!(store.lock().order.len() <= 3);
        }
        assert!(!insert(&store, "999", 2));
        assert!(insert(&store, "0", 2));
    }

    #[test]
    fn remove_lets_a_redelivery_through() {
        let store = MemoryDedupStore::new(2, Duration::from_secs(3600));
        assert!(insert(&store, "a", 1));
        futures_executor::block_on(store.remove("a"));
        assert!(insert(&store, "a", 2));
        assert!(insert(&store, "b", 3));
        // The first, removed "a" entry must not evict the live second one wrongly.
        assert!(insert(&store, "c", 4));
        assert_eq!(store.len(), 2);
    }
}
