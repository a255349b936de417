//! An outage is logged once (a warning), its end once (an info), however many calls meet it.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::RedisServer;
use lark_core::{Secret, StoredToken, TokenStore};
use lark_redis::{RedisOptions, RedisStores};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

/// Counts the warnings and infos of `lark_redis`.
#[derive(Default)]
struct Counter {
    warnings: AtomicUsize,
    infos: AtomicUsize,
}

struct Counting(Arc<Counter>);

impl Subscriber for Counting {
    fn enabled(&self, _metadata: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _span: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _span: &Id, _values: &Record<'_>) {}
    fn record_follows_from(&self, _span: &Id, _follows: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let metadata = event.metadata();
        if metadata.target() != "lark_redis" {
            return;
        }
        match *metadata.level() {
            Level::WARN => self.0.warnings.fetch_add(1, Ordering::SeqCst),
            Level::INFO => self.0.infos.fetch_add(1, Ordering::SeqCst),
            _ => 0,
        };
    }
    fn enter(&self, _span: &Id) {}
    fn exit(&self, _span: &Id) {}
}

// One thread, so the thread-local subscriber sees every poll.
#[tokio::test(flavor = "current_thread")]
async fn an_outage_is_logged_once_and_its_end_once() {
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    let counter = Arc::new(Counter::default());
    let _guard = tracing::subscriber::set_default(Counting(Arc::clone(&counter)));
    let retry_after = Duration::from_millis(100);
    let stores = RedisStores::with_options(
        redis::Client::open(redis.url()).expect("a valid URL"),
        "cli_log",
        RedisOptions::new()
            .timeout(Duration::from_millis(300))
            .retry_after(retry_after),
    );
    let store = stores.token_store();
    let key = "tenant_access_token:cli_log";
    let token = StoredToken {
        value: Secret::new("t-logged-never"),
        expires_at_millis: u64::MAX,
        refresh_at_millis: u64::MAX,
    };
    store.set(key, token.clone()).await;
    assert_eq!(store.get(key).await, Some(token.clone()));

    redis.stop();
    for _ in 0..5 {
        // The process's own copy answers meanwhile.
        assert_eq!(store.get(key).await, Some(token.clone()));
        tokio::time::sleep(retry_after * 2).await;
    }
    assert_eq!(counter.warnings.load(Ordering::SeqCst), 1);
    assert_eq!(counter.infos.load(Ordering::SeqCst), 0);

    redis.restart();
    let mut answered = false;
    for _ in 0..50 {
        store.set(key, token.clone()).await;
        if counter.infos.load(Ordering::SeqCst) == 1 {
            answered = true;
            break;
        }
        tokio::time::sleep(retry_after).await;
    }
    assert!(answered, "the reconnection was never logged");
    assert_eq!(store.get(key).await, Some(token.clone()));

    redis.stop();
    for _ in 0..3 {
        store.get(key).await;
        tokio::time::sleep(retry_after * 2).await;
    }
    assert_eq!(counter.warnings.load(Ordering::SeqCst), 2);
    assert_eq!(counter.infos.load(Ordering::SeqCst), 1);
}
