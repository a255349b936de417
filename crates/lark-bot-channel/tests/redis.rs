//! Two instances of one bot share Redis for the dispatcher's de-duplication: an event pushed to
//! both, and pushed again later, is handled once by the two together. The control case (each
//! instance with its own in-memory store) handles it twice, so the test sees what Redis adds.
//!
//! A real `redis-server` is started on a free 127.0.0.1 port (lark-redis's test helper);
//! without the binary the tests skip with a message (`scripts/redis-test.sh` installs it).

mod common;
#[path = "../../lark-redis/tests/common/mod.rs"]
mod redis_server;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::{BOT_OPEN_ID, Msg, WAIT, spawn, wait_until};
use lark_bot_channel::Channel;
use lark_core::event::Dispatcher;
use lark_core::{Client, Config};
use lark_mock::{Delivered, MockServer, Via};
use lark_redis::RedisStores;
use lark_reqwest::ReqwestClient;
use lark_reqwest::ws::ClientWsExt as _;
use redis_server::RedisServer;

/// One instance of the bot: its own client, channel, dispatcher and long connection.
struct Instance {
    handled: Arc<AtomicUsize>,
    running: tokio::task::JoinHandle<()>,
}

impl Drop for Instance {
    fn drop(&mut self) {
        self.running.abort();
    }
}

fn instance(mock: &MockServer, dispatcher: Dispatcher) -> Instance {
    let config = Config::new(MockServer::APP_ID, MockServer::APP_SECRET).base_url(mock.base_url());
    let client: Client<ReqwestClient> = lark_reqwest::client(config);
    let handled = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&handled);
    let channel = Channel::builder(client.clone(), spawn)
        .bot_open_id(BOT_OPEN_ID)
        .on_message(move |_, _| {
            let counter = Arc::clone(&counter);
            async move {
                counter.fetch_add(1, Ordering::SeqCst);
                Ok(())
            }
        })
        .build();
    let ws = client.ws(channel.register(dispatcher));
    let running = tokio::spawn(async move {
        let _ = ws.start().await;
    });
    Instance { handled, running }
}

/// Pushes `event` over the long connection to every connected instance; both must ack 200.
async fn push_to_both(mock: &MockServer, event: &serde_json::Value) -> Delivered {
    let delivered = mock.deliver(event, Via::Ws { fragments: 1 }, WAIT).await;
    assert!(!delivered.timed_out, "{delivered:?}");
    assert_eq!(delivered.answers.len(), 2, "{delivered:?}");
    assert!(
        delivered.answers.iter().all(|a| a.code == Some(200)),
        "a duplicate is acked as handled: {delivered:?}"
    );
    delivered
}

fn total(instances: &[&Instance]) -> usize {
    instances
        .iter()
        .map(|i| i.handled.load(Ordering::SeqCst))
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redelivered_event_is_handled_once_across_two_instances_sharing_redis() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let mock = MockServer::start().await.unwrap();
    let shared = || {
        let stores = RedisStores::open(&redis.url(), MockServer::APP_ID).unwrap();
        Dispatcher::new().dedup_store(stores.dedup_store())
    };
    let (a, b) = (instance(&mock, shared()), instance(&mock, shared()));
    mock.ws().wait_for_open_connections(2, WAIT).await.unwrap();

    // Pushed to both at once, then re-delivered twice: one handler run in all.
    let event = Msg::dm("om_1", "once").event_id("ev_shared").event();
    for _ in 0..3 {
        push_to_both(&mock, &event).await;
    }
    // 20 more events, each pushed to both three times: 20 handler runs, no more.
    for n in 0..20 {
        let event = Msg::dm(&format!("om_n{n}"), "again")
            .event_id(&format!("ev_{n}"))
            .event();
        for _ in 0..3 {
            push_to_both(&mock, &event).await;
        }
    }
    wait_until(|| total(&[&a, &b]) == 21).await;
    // Nothing else arrives later.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(total(&[&a, &b]), 21);
    println!(
        "21 events pushed to two instances three times each: handled {} + {} times",
        a.handled.load(Ordering::SeqCst),
        b.handled.load(Ordering::SeqCst)
    );

    // A third instance started later (after a deploy, say) still knows the old events: of
    // an old event and a fresh one pushed to it and `b`, only the fresh one runs, once.
    drop(a);
    mock.ws().wait_for_open_connections(1, WAIT).await.unwrap();
    let c = instance(&mock, shared());
    mock.ws().wait_for_open_connections(2, WAIT).await.unwrap();
    let before = total(&[&b, &c]);
    push_to_both(&mock, &event).await;
    push_to_both(
        &mock,
        &Msg::dm("om_fresh", "new").event_id("ev_fresh").event(),
    )
    .await;
    wait_until(|| total(&[&b, &c]) == before + 1).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(total(&[&b, &c]), before + 1);
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_shared_store_each_instance_handles_it() {
    // The control case: in-memory stores de-duplicate within one instance only.
    let mock = MockServer::start().await.unwrap();
    let (a, b) = (
        instance(&mock, Dispatcher::new()),
        instance(&mock, Dispatcher::new()),
    );
    mock.ws().wait_for_open_connections(2, WAIT).await.unwrap();
    let event = Msg::dm("om_1", "twice").event_id("ev_local").event();
    for _ in 0..3 {
        push_to_both(&mock, &event).await;
    }
    wait_until(|| total(&[&a, &b]) == 2).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(a.handled.load(Ordering::SeqCst), 1);
    assert_eq!(b.handled.load(Ordering::SeqCst), 1);
    mock.shutdown().await;
}
