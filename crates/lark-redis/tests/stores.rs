//! The Redis stores against a real `redis-server` (started per test on a free loopback port)
//! and lark-mock on 127.0.0.1.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use common::RedisServer;
use lark_core::event::{Dispatcher, Event};
use lark_core::{AppType, Client, Config, HttpError, RefreshLockPolicy, RequestOptions};
use lark_mock::{Fault, FaultRule, MockServer};
use lark_redis::{DedupOnOutage, RedisOptions, RedisStores};
use lark_reqwest::{ReqwestClient, SystemRuntime};
use serde_json::json;

const VERIFICATION_TOKEN: &str = "v-token";
/// No call may take longer than this, whatever Redis does.
const DEADLINE: Duration = Duration::from_secs(10);

fn stores(redis: &RedisServer, app_id: &str) -> RedisStores {
    let options = RedisOptions::new()
        .timeout(Duration::from_millis(300))
        .retry_after(Duration::from_millis(200));
    let client = redis::Client::open(redis.url()).expect("a valid URL");
    RedisStores::with_options(client, app_id, options)
}

fn client(config: Config, stores: &RedisStores) -> Client<ReqwestClient> {
    Client::builder(config, ReqwestClient::new(), SystemRuntime)
        .token_store(stores.token_store())
        .app_ticket_store(stores.app_ticket_store())
        .build()
}

fn self_built(mock: &MockServer) -> Config {
    Config::new(MockServer::APP_ID, MockServer::APP_SECRET).base_url(mock.base_url())
}

/// One API call that needs the tenant token.
async fn get_chat(client: &Client<ReqwestClient>) -> lark_core::Result<serde_json::Value> {
    let path = format!("/open-apis/im/v1/chats/{}", MockServer::CHAT_ID);
    let call = client.raw(http::Method::GET, path).send();
    tokio::time::timeout(DEADLINE, call)
        .await
        .expect("the call ends before its deadline")
}

fn event_request(body: &serde_json::Value) -> http::Request<Vec<u8>> {
    http::Request::post("/webhook/event")
        .body(serde_json::to_vec(body).expect("json"))
        .expect("a request")
}

fn now_millis() -> u64 {
    lark_core::Runtime::now_millis(&SystemRuntime)
}

/// A redis connection of the test's own, to look at the keys.
async fn inspect(redis: &RedisServer) -> redis::aio::MultiplexedConnection {
    redis::Client::open(redis.url())
        .expect("a valid URL")
        .get_multiplexed_async_connection()
        .await
        .expect("redis answers")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_instances_with_two_hundred_calls_each_fetch_one_token() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let mock = MockServer::start().await.expect("mock");
    // A slow token endpoint: every instance is still waiting while the refresh is in flight.
    mock.inject(
        FaultRule::new(Fault::Delay(Duration::from_millis(300)))
            .path("/open-apis/auth/v3/tenant_access_token/internal"),
    );
    let clients: Vec<_> = (0..8)
        .map(|_| client(self_built(&mock), &stores(&redis, MockServer::APP_ID)))
        .collect();
    let mut calls = Vec::new();
    for client in &clients {
        for _ in 0..200 {
            let client = client.clone();
            calls.push(tokio::spawn(async move { get_chat(&client).await }));
        }
    }
    for call in calls {
        call.await.expect("no panic").expect("the call succeeds");
    }
    assert_eq!(mock.tenant_token_requests(), 1);
    // The lock is gone and the token is in Redis, with its expiry.
    let mut conn = inspect(&redis).await;
    let prefix = format!("lark:{}:", MockServer::APP_ID);
    let key = format!("tenant_access_token:{}", MockServer::APP_ID);
    let lock: bool = redis::cmd("EXISTS")
        .arg(format!("{prefix}lock:{key}"))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(!lock);
    let ttl: i64 = redis::cmd("PTTL")
        .arg(format!("{prefix}token:{key}"))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(
        ttl > 3_600_000,
        "the token expires with the platform's: {ttl} ms"
    );
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_holder_killed_mid_refresh_is_taken_over_after_the_lock_ttl() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let mock = MockServer::start().await.expect("mock");
    let lock_ttl = Duration::from_millis(1500);
    let policy = RefreshLockPolicy::new()
        .ttl(lock_ttl)
        .max_wait(Duration::from_secs(5))
        .poll_interval(Duration::from_millis(20));
    let config = self_built(&mock).token_refresh_lock(policy);

    // The holder takes the lock and hangs in its token request until it is killed.
    let hanging = |_request: http::Request<Vec<u8>>| {
        std::future::pending::<Result<http::Response<Vec<u8>>, HttpError>>()
    };
    let holder_stores = stores(&redis, MockServer::APP_ID);
    let holder = Client::builder(config.clone(), hanging, SystemRuntime)
        .token_store(holder_stores.token_store())
        .build();
    let refreshing = tokio::spawn(async move { holder.tenant_access_token(None).await });
    let lock = format!("lark:{0}:lock:tenant_access_token:{0}", MockServer::APP_ID);
    let mut conn = inspect(&redis).await;
    let waited = Instant::now();
    loop {
        let held: bool = redis::cmd("EXISTS")
            .arg(&lock)
            .query_async(&mut conn)
            .await
            .unwrap();
        if held {
            break;
        }
        assert!(
            waited.elapsed() < DEADLINE,
            "the holder never took the lock"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let killed = Instant::now();
    refreshing.abort();

    let clients: Vec<_> = (0..3)
        .map(|_| client(config.clone(), &stores(&redis, MockServer::APP_ID)))
        .collect();
    let mut calls = Vec::new();
    for client in &clients {
        for _ in 0..50 {
            let client = client.clone();
            calls.push(tokio::spawn(async move { get_chat(&client).await }));
        }
    }
    for call in calls {
        call.await.expect("no panic").expect("the call succeeds");
    }
    let elapsed = killed.elapsed();
    // The others waited for the dead holder's lock to lapse, then ONE of them refreshed.
    assert!(elapsed >= lock_ttl / 2, "took over too early: {elapsed:?}");
    assert!(
        elapsed < lock_ttl + Duration::from_secs(3),
        "took {elapsed:?}"
    );
    assert_eq!(mock.tenant_token_requests(), 1);
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn calls_succeed_while_redis_is_down_and_after_it_returns() {
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    let mock = MockServer::start().await.expect("mock");
    let warm = client(self_built(&mock), &stores(&redis, MockServer::APP_ID));
    get_chat(&warm).await.expect("a call with Redis up");
    assert_eq!(mock.tenant_token_requests(), 1);

    // Traffic goes on while Redis goes away in the middle of it.
    let stop_at = Instant::now() + Duration::from_millis(300);
    let run_until = stop_at + Duration::from_millis(700);
    let mut workers = Vec::new();
    for _ in 0..4 {
        let warm = warm.clone();
        workers.push(tokio::spawn(async move {
            let mut calls = 0;
            while Instant::now() < run_until {
                let started = Instant::now();
                get_chat(&warm).await.expect("the call succeeds");
                assert!(started.elapsed() < Duration::from_secs(2));
                calls += 1;
            }
            calls
        }));
    }
    tokio::time::sleep_until(stop_at.into()).await;
    redis.stop();
    for worker in workers {
        assert!(worker.await.expect("no panic") > 0);
    }
    // The warm instance kept its token; nothing was refetched.
    assert_eq!(mock.tenant_token_requests(), 1);

    // A new instance while Redis is down fetches its own token, once.
    let cold = client(self_built(&mock), &stores(&redis, MockServer::APP_ID));
    for _ in 0..5 {
        get_chat(&cold).await.expect("a call with Redis down");
    }
    assert_eq!(mock.tenant_token_requests(), 2);

    // Redis comes back, empty: the instances share a token again.
    redis.restart();
    let later = client(self_built(&mock), &stores(&redis, MockServer::APP_ID));
    get_chat(&later).await.expect("a call after Redis returned");
    tokio::time::sleep(Duration::from_millis(300)).await;
    get_chat(&cold).await.expect("the cold instance goes on");
    get_chat(&later).await.expect("and the later one");
    assert!(mock.tenant_token_requests() <= 4);
    mock.shutdown().await;
}

fn counting_dispatcher(stores: &RedisStores, handled: &Arc<AtomicUsize>) -> Dispatcher {
    let handled = Arc::clone(handled);
    Dispatcher::new()
        .verification_token(VERIFICATION_TOKEN)
        .dedup_store(stores.dedup_store())
        .on_raw("im.message.receive_v1", move |_event: Event| {
            let handled = Arc::clone(&handled);
            async move {
                handled.fetch_add(1, Ordering::SeqCst);
                Ok(())
            }
        })
}

fn message_event(event_id: &str) -> serde_json::Value {
    json!({
        "schema": "2.0",
        "header": {
            "event_id": event_id, "event_type": "im.message.receive_v1",
            "create_time": "1700000000000", "token": VERIFICATION_TOKEN,
            "app_id": MockServer::APP_ID, "tenant_key": "tk"
        },
        "event": {"message": {"message_id": "om_1", "content": "{\"text\":\"hi\"}"}},
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_event_delivered_to_two_dispatchers_is_handled_once() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let handled = Arc::new(AtomicUsize::new(0));
    let a = counting_dispatcher(&stores(&redis, MockServer::APP_ID), &handled);
    let b = counting_dispatcher(&stores(&redis, MockServer::APP_ID), &handled);
    for round in 0..20 {
        let event = message_event(&format!("ev-{round}"));
        let now = now_millis();
        let (first, second) = tokio::join!(
            a.process(event_request(&event), now),
            b.process(event_request(&event), now)
        );
        assert_eq!(first.response.status(), 200);
        assert_eq!(second.response.status(), 200);
        let duplicates = [&first, &second]
            .iter()
            .filter(|h| matches!(h.error, Some(lark_core::event::EventError::Duplicate(_))))
            .count();
        assert_eq!(duplicates, 1, "round {round}");
    }
    assert_eq!(handled.load(Ordering::SeqCst), 20);

    // A failed handler forgets the id, so the re-delivery, to either instance, is handled.
    let failing = Dispatcher::new()
        .verification_token(VERIFICATION_TOKEN)
        .dedup_store(stores(&redis, MockServer::APP_ID).dedup_store())
        .on_raw("im.message.receive_v1", |_event: Event| async {
            Err("the database is down".into())
        });
    let event = message_event("ev-failing");
    let failed = failing.process(event_request(&event), now_millis()).await;
    assert_eq!(failed.response.status(), 500);
    let retried = a.process(event_request(&event), now_millis()).await;
    assert_eq!(retried.error, None);
    assert_eq!(handled.load(Ordering::SeqCst), 21);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn de_duplication_fails_open_or_closed_as_configured() {
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    let handled = Arc::new(AtomicUsize::new(0));
    let open = counting_dispatcher(&stores(&redis, MockServer::APP_ID), &handled);
    let closed_stores = RedisStores::with_options(
        redis::Client::open(redis.url()).unwrap(),
        MockServer::APP_ID,
        RedisOptions::new()
            .timeout(Duration::from_millis(300))
            .dedup_on_outage(DedupOnOutage::FailClosed),
    );
    let closed = counting_dispatcher(&closed_stores, &handled);
    redis.stop();

    let event = message_event("ev-outage");
    let answered = open.process(event_request(&event), now_millis()).await;
    assert_eq!(answered.response.status(), 200);
    assert_eq!(handled.load(Ordering::SeqCst), 1);
    // Open still de-duplicates within the process.
    let again = open.process(event_request(&event), now_millis()).await;
    assert!(matches!(
        again.error,
        Some(lark_core::event::EventError::Duplicate(_))
    ));

    let refused = closed.process(event_request(&event), now_millis()).await;
    assert_eq!(refused.response.status(), 503);
    assert!(matches!(
        refused.error,
        Some(lark_core::event::EventError::Store(_))
    ));
    assert_eq!(handled.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_app_ticket_pushed_to_one_instance_lets_another_get_a_tenant_token() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let mock = MockServer::start().await.expect("mock");
    let app_id = "cli_isv_app";
    mock.add_marketplace_app(app_id, "isv-secret");
    let config = Config::new(app_id, "isv-secret")
        .app_type(AppType::Marketplace)
        .base_url(mock.base_url());

    // Instance A receives the event; instance B has never seen it.
    let a = client(config.clone(), &stores(&redis, app_id));
    let receiving = Dispatcher::new()
        .verification_token(VERIFICATION_TOKEN)
        .dedup_store(stores(&redis, app_id).dedup_store())
        .app_ticket_to(a.clone());
    let b = client(config.clone(), &stores(&redis, app_id));

    let ticket = mock.push_app_ticket(app_id).expect("a ticket");
    let event = json!({
        "uuid": "u-ticket-1", "token": VERIFICATION_TOKEN, "ts": "1", "type": "event_callback",
        "event": {"type": "app_ticket", "app_id": app_id, "app_ticket": ticket},
    });
    let handled = receiving.process(event_request(&event), now_millis()).await;
    assert_eq!(handled.error, None);

    let options = RequestOptions::new().tenant_key("tenant_a");
    let token = tokio::time::timeout(DEADLINE, b.tenant_access_token(Some("tenant_a")))
        .await
        .expect("in time")
        .expect("B gets a tenant token with A's ticket");
    assert!(!token.expose().is_empty());
    let path = format!("/open-apis/im/v1/chats/{}", MockServer::CHAT_ID);
    tokio::time::timeout(
        DEADLINE,
        b.raw(http::Method::GET, path).options(options).send(),
    )
    .await
    .expect("in time")
    .expect("B's call succeeds");
    let app_requests = mock.requests_to("/open-apis/auth/v3/app_access_token");
    assert_eq!(app_requests.len(), 1);
    assert_eq!(
        app_requests[0].json().expect("json")["app_ticket"],
        json!(ticket)
    );
    assert_eq!(
        mock.request_count("/open-apis/auth/v3/app_ticket/resend"),
        0
    );

    // A dispatcher with no client writes the ticket straight to the store.
    let fresh = mock.push_app_ticket(app_id).expect("a second ticket");
    let receiver_only = Dispatcher::new()
        .verification_token(VERIFICATION_TOKEN)
        .app_ticket_store(stores(&redis, app_id).app_ticket_store(), app_id);
    let event = json!({
        "uuid": "u-ticket-2", "token": VERIFICATION_TOKEN, "ts": "2", "type": "event_callback",
        "event": {"type": "app_ticket", "app_id": app_id, "app_ticket": fresh},
    });
    let handled = receiver_only
        .process(event_request(&event), now_millis())
        .await;
    assert_eq!(handled.error, None);
    let stored = lark_core::AppTicketStore::get(&stores(&redis, app_id).app_ticket_store(), app_id)
        .await
        .expect("redis answers")
        .expect("a ticket");
    assert_eq!(stored.expose(), fresh);
    mock.shutdown().await;
}

#[test]
fn outside_a_tokio_runtime_the_stores_fail_instead_of_panicking() {
    let stores = RedisStores::open("redis://127.0.0.1:1/", "cli_x").expect("stores");
    let store = stores.token_store();
    let token = futures_util::FutureExt::now_or_never(lark_core::TokenStore::get(
        &store,
        "tenant_access_token:cli_x",
    ));
    assert_eq!(token, Some(None));
    let tickets = stores.app_ticket_store();
    let ticket =
        futures_util::FutureExt::now_or_never(lark_core::AppTicketStore::get(&tickets, "cli_x"));
    assert!(matches!(ticket, Some(Err(_))));
}

#[test]
fn debug_shows_no_value() {
    let stores = RedisStores::open("redis://:hunter2@127.0.0.1:1/", "cli_x").expect("stores");
    let shown = format!(
        "{stores:?} {:?} {:?} {:?}",
        stores.token_store(),
        stores.app_ticket_store(),
        stores.dedup_store()
    );
    assert!(!shown.contains("hunter2"), "{shown}");
    assert!(shown.contains("lark:cli_x:"));
    let custom = RedisStores::with_options(
        redis::Client::open("redis://127.0.0.1:1/").unwrap(),
        "cli_x",
        RedisOptions::new().key_prefix("bot-7:"),
    );
    assert_eq!(custom.key_prefix(), "bot-7:");
}
