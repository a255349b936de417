//! The store traits as the client and the dispatcher use them: the refresh claim of a shared
//! token store, the app_ticket store, and a de-duplication store that can fail.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_executor::block_on;
use lark_core::event::{Dispatcher, Event, EventDedupStore, EventError};
use lark_core::{
    AppTicketStore, AppType, BoxFuture, Client, Config, HttpError, ManualClock,
    MemoryAppTicketStore, MemoryTokenStore, RefreshLease, RefreshLockPolicy, Runtime, Secret,
    StoreError, StoredToken, TokenStore,
};

const NOW: u64 = 1_700_000_000_000;

type Answer = std::future::Ready<Result<http::Response<Vec<u8>>, HttpError>>;

/// A backend answering every request with a fresh tenant token, counting them.
fn token_backend(count: Arc<AtomicUsize>) -> impl Fn(http::Request<Vec<u8>>) -> Answer {
    move |_request| {
        let n = count.fetch_add(1, Ordering::SeqCst);
        let body = serde_json::json!({"code": 0, "tenant_access_token": format!("t-{n}"),
                                      "app_access_token": format!("a-{n}"), "expire": 7200});
        std::future::ready(Ok(http::Response::new(serde_json::to_vec(&body).unwrap())))
    }
}

/// A token store whose refresh claims answer as told, recording the leases.
#[derive(Default)]
struct SharedStore {
    tokens: MemoryTokenStore,
    /// `None`: granted; `Some(Ok(()))`: held elsewhere; `Some(Err(_))`: unreachable.
    claim: Mutex<Option<Result<(), StoreError>>>,
    acquired: Mutex<Vec<RefreshLease>>,
    released: Mutex<Vec<RefreshLease>>,
    claims: AtomicUsize,
}

impl TokenStore for SharedStore {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Option<StoredToken>> {
        self.tokens.get(key)
    }
    fn set<'a>(&'a self, key: &'a str, token: StoredToken) -> BoxFuture<'a, ()> {
        self.tokens.set(key, token)
    }
    fn remove<'a>(&'a self, key: &'a str) -> BoxFuture<'a, ()> {
        self.tokens.remove(key)
    }
    fn try_acquire_refresh<'a>(
        &'a self,
        lease: &'a RefreshLease,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        self.claims.fetch_add(1, Ordering::SeqCst);
        let answer = match self.claim.lock().unwrap().clone() {
            None => {
                self.acquired.lock().unwrap().push(lease.clone());
                Ok(true)
            }
            Some(Ok(())) => Ok(false),
            Some(Err(e)) => Err(e),
        };
        Box::pin(std::future::ready(answer))
    }
    fn release_refresh<'a>(&'a self, lease: &'a RefreshLease) -> BoxFuture<'a, ()> {
        self.released.lock().unwrap().push(lease.clone());
        Box::pin(std::future::ready(()))
    }
}

fn tenant_key() -> String {
    "tenant_access_token:cli_x".to_owned()
}

#[test]
fn the_holder_claims_fetches_stores_and_releases_with_a_random_fencing_value() {
    let count = Arc::new(AtomicUsize::new(0));
    let store = Arc::new(SharedStore::default());
    let client = Client::with_token_store(
        Config::new("cli_x", "s"),
        token_backend(Arc::clone(&count)),
        ManualClock::new(NOW),
        Arc::clone(&store),
    );
    assert_eq!(
        block_on(client.tenant_access_token(None)).unwrap().expose(),
        "t-0"
    );
    block_on(client.tenant_access_token(None)).unwrap();
    assert_eq!(count.load(Ordering::SeqCst), 1);
    let acquired = store.acquired.lock().unwrap().clone();
    assert_eq!(acquired, store.released.lock().unwrap().clone());
    assert_eq!(acquired.len(), 1);
    assert_eq!(acquired[0].key(), tenant_key());
    assert_eq!(acquired[0].ttl(), RefreshLockPolicy::default().ttl);
    assert_eq!(acquired[0].fencing().len(), 32);
    // The fencing value is not in Debug.
    assert!(!format!("{:?}", acquired[0]).contains(acquired[0].fencing()));

    // The next claim has another fencing value.
    block_on(store.remove(&tenant_key()));
    block_on(client.tenant_access_token(None)).unwrap();
    let acquired = store.acquired.lock().unwrap().clone();
    assert_eq!(acquired.len(), 2);
    assert_ne!(acquired[0].fencing(), acquired[1].fencing());
}

#[test]
fn a_token_inside_the_refresh_margin_wins_over_waiting_for_another_holder() {
    let count = Arc::new(AtomicUsize::new(0));
    let store = Arc::new(SharedStore::default());
    *store.claim.lock().unwrap() = Some(Ok(()));
    let clock = ManualClock::new(NOW);
    let token = StoredToken {
        value: Secret::new("t-still-valid"),
        expires_at_millis: NOW + 60_000,
        refresh_at_millis: NOW - 1,
    };
    block_on(store.set(&tenant_key(), token));
    let client = Client::with_token_store(
        Config::new("cli_x", "s"),
        token_backend(Arc::clone(&count)),
        clock.clone(),
        Arc::clone(&store),
    );
    let got = block_on(client.tenant_access_token(None)).unwrap();
    assert_eq!(got.expose(), "t-still-valid");
    assert_eq!(count.load(Ordering::SeqCst), 0);
    assert_eq!(clock.now_millis(), NOW, "no wait");
}

#[test]
fn a_claim_held_elsewhere_is_waited_for_then_the_wait_is_bounded() {
    let count = Arc::new(AtomicUsize::new(0));
    let store = Arc::new(SharedStore::default());
    *store.claim.lock().unwrap() = Some(Ok(()));
    let clock = ManualClock::new(NOW);
    let policy = RefreshLockPolicy::new()
        .ttl(Duration::from_secs(2))
        .max_wait(Duration::from_secs(3))
        .poll_interval(Duration::from_millis(100));
    let client = Client::with_token_store(
        Config::new("cli_x", "s").token_refresh_lock(policy),
        token_backend(Arc::clone(&count)),
        clock.clone(),
        Arc::clone(&store),
    );
    // Nobody stores a token: after the bounded wait the client fetches its own.
    let got = block_on(client.tenant_access_token(None)).unwrap();
    assert_eq!(got.expose(), "t-0");
    assert_eq!(count.load(Ordering::SeqCst), 1);
    let waited = clock.now_millis() - NOW;
    assert!((3_000..3_200).contains(&waited), "waited {waited} ms");
    assert!(store.claims.load(Ordering::SeqCst) >= 30);
    assert!(store.released.lock().unwrap().is_empty());
}

#[test]
fn the_token_another_holder_stores_ends_the_wait() {
    let count = Arc::new(AtomicUsize::new(0));
    let store = Arc::new(SharedStore::default());
    *store.claim.lock().unwrap() = Some(Ok(()));
    let clock = ManualClock::new(NOW);
    // The "other process" stores its token after 500 ms of virtual time.
    struct Late {
        store: Arc<SharedStore>,
        clock: ManualClock,
    }
    impl TokenStore for Late {
        fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Option<StoredToken>> {
            Box::pin(async move {
                if self.clock.now_millis() >= NOW + 500 {
                    let token = StoredToken {
                        value: Secret::new("t-from-elsewhere"),
                        expires_at_millis: NOW + 7_200_000,
                        refresh_at_millis: NOW + 7_000_000,
                    };
                    self.store.set(key, token).await;
                }
                self.store.get(key).await
            })
        }
        fn set<'a>(&'a self, key: &'a str, token: StoredToken) -> BoxFuture<'a, ()> {
            self.store.set(key, token)
        }
        fn remove<'a>(&'a self, key: &'a str) -> BoxFuture<'a, ()> {
            self.store.remove(key)
        }
        fn try_acquire_refresh<'a>(
            &'a self,
            lease: &'a RefreshLease,
        ) -> BoxFuture<'a, Result<bool, StoreError>> {
            self.store.try_acquire_refresh(lease)
        }
    }
    let client = Client::with_token_store(
        Config::new("cli_x", "s"),
        token_backend(Arc::clone(&count)),
        clock.clone(),
        Late {
            store: Arc::clone(&store),
            clock: clock.clone(),
        },
    );
    let got = block_on(client.tenant_access_token(None)).unwrap();
    assert_eq!(got.expose(), "t-from-elsewhere");
    assert_eq!(count.load(Ordering::SeqCst), 0);
    assert!(clock.now_millis() - NOW < 1_000);
}

#[test]
fn an_unreachable_store_makes_the_client_fetch_its_own_token() {
    let count = Arc::new(AtomicUsize::new(0));
    let store = Arc::new(SharedStore::default());
    *store.claim.lock().unwrap() = Some(Err(StoreError::new("down")));
    let clock = ManualClock::new(NOW);
    let client = Client::with_token_store(
        Config::new("cli_x", "s"),
        token_backend(Arc::clone(&count)),
        clock.clone(),
        Arc::clone(&store),
    );
    assert_eq!(
        block_on(client.tenant_access_token(None)).unwrap().expose(),
        "t-0"
    );
    assert_eq!(count.load(Ordering::SeqCst), 1);
    assert_eq!(clock.now_millis(), NOW, "no wait");
}

#[test]
fn the_app_ticket_goes_to_the_ticket_store_and_buys_the_app_token() {
    let count = Arc::new(AtomicUsize::new(0));
    let tickets = Arc::new(MemoryAppTicketStore::new());
    let tokens = Arc::new(MemoryTokenStore::new());
    let config = Config::new("cli_isv", "s")
        .app_type(AppType::Marketplace)
        .verification_token("v");
    let receiving = Client::builder(
        config.clone(),
        token_backend(Arc::clone(&count)),
        ManualClock::new(NOW),
    )
    .token_store(Arc::clone(&tokens))
    .app_ticket_store(Arc::clone(&tickets))
    .build();
    let dispatcher = Dispatcher::new()
        .verification_token("v")
        .app_ticket_to(receiving);
    let event = serde_json::json!({"uuid": "u-1", "token": "v", "ts": "1", "type": "event_callback",
                                   "event": {"type": "app_ticket", "app_id": "cli_isv", "app_ticket": "tk-1"}});
    let request = http::Request::post("/")
        .body(serde_json::to_vec(&event).unwrap())
        .unwrap();
    let handled = block_on(dispatcher.process(request, NOW));
    assert_eq!(handled.error, None);
    assert_eq!(
        block_on(tickets.get("cli_isv"))
            .unwrap()
            .map(|t| t.expose().to_owned()),
        Some("tk-1".to_owned())
    );
    // Not in the token store: the ticket store has it.
    assert_eq!(block_on(tokens.get("app_ticket:cli_isv")), None);

    // Another client reading the same ticket store buys an app token with it.
    let other = Client::builder(
        config,
        token_backend(Arc::clone(&count)),
        ManualClock::new(NOW),
    )
    .app_ticket_store(Arc::clone(&tickets))
    .build();
    assert_eq!(block_on(other.app_access_token()).unwrap().expose(), "a-0");

    // A dispatcher without a client writes the store directly.
    let direct = Dispatcher::new()
        .verification_token("v")
        .app_ticket_store(Arc::clone(&tickets), "cli_isv");
    let event = serde_json::json!({"uuid": "u-2", "token": "v", "ts": "2", "type": "event_callback",
                                   "event": {"type": "app_ticket", "app_id": "cli_isv", "app_ticket": "tk-2"}});
    let request = http::Request::post("/")
        .body(serde_json::to_vec(&event).unwrap())
        .unwrap();
    assert_eq!(block_on(direct.process(request, NOW)).error, None);
    assert_eq!(
        block_on(tickets.get("cli_isv"))
            .unwrap()
            .map(|t| t.expose().to_owned()),
        Some("tk-2".to_owned())
    );
}

/// A de-duplication store that cannot be reached.
struct Unreachable;

impl EventDedupStore for Unreachable {
    fn first_seen<'a>(
        &'a self,
        _event_id: &'a str,
        _ttl: Duration,
        _now_millis: u64,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(std::future::ready(Err(StoreError::new("down"))))
    }
    fn forget<'a>(&'a self, _event_id: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(std::future::ready(Err(StoreError::new("down"))))
    }
}

/// Records the TTL it is asked for.
#[derive(Default)]
struct TtlProbe(Arc<Mutex<Vec<Duration>>>);

impl EventDedupStore for TtlProbe {
    fn first_seen<'a>(
        &'a self,
        _event_id: &'a str,
        ttl: Duration,
        _now_millis: u64,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        self.0.lock().unwrap().push(ttl);
        Box::pin(std::future::ready(Ok(true)))
    }
    fn forget<'a>(&'a self, _event_id: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(std::future::ready(Ok(())))
    }
}

fn message_event(id: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({
        "schema": "2.0",
        "header": {"event_id": id, "event_type": "im.message.receive_v1", "create_time": "1",
                   "token": "v", "app_id": "cli_a", "tenant_key": "tk"},
        "event": {},
    }))
    .unwrap()
}

#[test]
fn an_unreachable_dedup_store_is_a_503_over_http_and_an_error_over_the_long_connection() {
    let handled = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&handled);
    let dispatcher = Dispatcher::new()
        .verification_token("v")
        .dedup_store(Unreachable)
        .on_raw("im.message.receive_v1", move |_event: Event| {
            let counted = Arc::clone(&counted);
            async move {
                counted.fetch_add(1, Ordering::SeqCst);
                Ok(())
            }
        });
    let request = http::Request::post("/")
        .body(message_event("ev-1"))
        .unwrap();
    let answer = block_on(dispatcher.process(request, NOW));
    assert_eq!(answer.response.status(), 503);
    assert!(matches!(answer.error, Some(EventError::Store(_))));
    let frame = block_on(dispatcher.dispatch_frame_payload(&message_event("ev-2"), NOW));
    assert!(matches!(frame, Err(EventError::Store(_))));
    assert_eq!(handled.load(Ordering::SeqCst), 0);
}

#[test]
fn the_dispatcher_passes_its_dedup_ttl() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let dispatcher = Dispatcher::new()
        .verification_token("v")
        .dedup_store(TtlProbe(Arc::clone(&seen)))
        .dedup_ttl(Duration::from_secs(60));
    let request = http::Request::post("/")
        .body(message_event("ev-1"))
        .unwrap();
    assert_eq!(block_on(dispatcher.process(request, NOW)).error, None);
    block_on(dispatcher.dispatch_frame_payload(&message_event("ev-2"), NOW)).unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        vec![Duration::from_secs(60), Duration::from_secs(60)]
    );
}
