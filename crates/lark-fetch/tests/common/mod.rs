//! The checks shared by the Node and the Chromium runs. They need lark-mock: the harness
//! (`scripts/test-wasm.sh`) starts `lark-wasm-test-server` and passes its URL at compile time
//! in `LARK_MOCK_URL`.

use std::time::Duration;

use lark_api::im::v1::message;
use lark_core::{Config, Error, Runtime};
use lark_fetch::{FetchRuntime, client};

/// The app every lark-mock knows.
const APP_ID: &str = "cli_mock_app";
const APP_SECRET: &str = "mock-app-secret";
const CHAT_ID: &str = "oc_mock_chat";

fn mock_url() -> &'static str {
    match option_env!("LARK_MOCK_URL") {
        Some(url) => url,
        None => panic!("build these tests with LARK_MOCK_URL set (scripts/test-wasm.sh does)"),
    }
}

fn config() -> Config {
    Config::new(APP_ID, APP_SECRET).base_url(mock_url())
}

pub(crate) async fn tenant_token() {
    let client = client(config());
    let token = client.tenant_access_token(None).await.unwrap();
    assert!(token.expose().starts_with("t-"), "{token:?}");
    // Cached: the same token comes back without a second fetch.
    let again = client.tenant_access_token(None).await.unwrap();
    assert_eq!(token.expose(), again.expose());
}

pub(crate) async fn send_and_read_back(tag: &str) {
    let client = client(config());
    let text = format!(r#"{{"text":"hello from wasm ({tag})"}}"#);
    let sent = client
        .send(&message::Create::new(
            "chat_id",
            CHAT_ID,
            "text",
            text.clone(),
        ))
        .await
        .unwrap();
    let id = sent.message_id.expect("a message id");
    assert!(id.starts_with("om_"), "{id}");
    let got = client.send(&message::Get::new(id.clone())).await.unwrap();
    let item = got
        .items
        .unwrap_or_default()
        .into_iter()
        .next()
        .expect("the message");
    assert_eq!(item.message_id.as_deref(), Some(id.as_str()));
    assert_eq!(
        item.body.and_then(|b| b.content).as_deref(),
        Some(text.as_str())
    );
}

pub(crate) async fn api_error() {
    let client = client(config());
    let err = client
        .send(&message::Get::new("om_does_not_exist"))
        .await
        .unwrap_err();
    let Error::Api(api) = &err else {
        panic!("expected an API error, got {err:?}")
    };
    assert_eq!(api.code, 230_001);
    assert_eq!(api.http_status, 400);
    // The log id crosses CORS because lark-mock exposes it.
    assert!(err.log_id().is_some_and(|id| !id.is_empty()), "{err:?}");
    // A wrong secret is a token error that keeps the platform's code.
    let bad = lark_fetch::client(Config::new(APP_ID, "wrong").base_url(mock_url()));
    let err = bad.tenant_access_token(None).await.unwrap_err();
    assert!(matches!(err, Error::Token { .. }), "{err:?}");
    assert_eq!(err.code(), Some(10_014));
}

pub(crate) async fn decode_error() {
    let client = client(config());
    let err = client
        .raw(http::Method::GET, "/open-apis/wasm-test/broken")
        .send()
        .await
        .unwrap_err();
    let Error::Decode(decode) = &err else {
        panic!("expected a decode error, got {err:?}")
    };
    assert_eq!(decode.http_status, 502);
    assert!(String::from_utf8_lossy(&decode.body).contains("<html"));
}

pub(crate) async fn transport_error() {
    // Port 9 (discard) is closed on loopback: fetch rejects.
    let client = client(Config::new(APP_ID, APP_SECRET).base_url("http://127.0.0.1:9"));
    let err = client.tenant_access_token(None).await.unwrap_err();
    let Error::Token {
        source: Some(source),
        ..
    } = &err
    else {
        panic!("expected a token error, got {err:?}")
    };
    assert!(matches!(**source, Error::Transport(_)), "{source:?}");
}

pub(crate) async fn clock_and_timer() {
    let runtime = FetchRuntime;
    let before = runtime.now_millis();
    // 2023-11-14 in Unix milliseconds: the clock is real, not zero.
    assert!(before > 1_700_000_000_000, "{before}");
    runtime.sleep(Duration::from_millis(30)).await;
    let slept = runtime.now_millis() - before;
    assert!(slept >= 25, "slept {slept} ms");
    // A call whose timeout is shorter than the answer fails with Timeout: here the timer
    // wins against a sleep that never ends.
    let forever = futures_util::future::pending::<()>();
    let raced =
        futures_util::future::select(Box::pin(forever), runtime.sleep(Duration::from_millis(5)))
            .await;
    assert!(matches!(raced, futures_util::future::Either::Right(_)));
}

pub(crate) async fn timeout() {
    // lark-mock holds this path for 3 s; the call gives up after 200 ms and aborts the fetch.
    let client = client(config().timeout(Some(Duration::from_millis(200))));
    let started = FetchRuntime.now_millis();
    let err = client
        .raw(http::Method::GET, "/open-apis/wasm-test/slow")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout(_)), "{err:?}");
    let waited = FetchRuntime.now_millis() - started;
    assert!(waited < 2_500, "waited {waited} ms");
}

/// Two clients on one frozen clock (a Worker freezes `Date.now()` during a request), each with
/// its own `crypto.getRandomValues` randomness, make 10,000 idempotency keys each: all distinct.
pub(crate) async fn idempotency_keys_are_random() {
    use std::collections::HashSet;
    use std::sync::{Arc, Mutex};

    let keys = Arc::new(Mutex::new(Vec::<String>::new()));
    let frozen = lark_core::ManualClock::new(1_700_000_000_000);
    let clients: Vec<_> = (0..2)
        .map(|_| {
            let keys = Arc::clone(&keys);
            let backend = move |request: http::Request<Vec<u8>>| {
                let answer = if request.uri().path().contains("/auth/") {
                    r#"{"code":0,"tenant_access_token":"t-1","expire":7200}"#
                } else {
                    let body: serde_json::Value = serde_json::from_slice(request.body()).unwrap();
                    let key = body["uuid"].as_str().unwrap_or_default().to_owned();
                    keys.lock().unwrap().push(key);
                    r#"{"code":0,"data":{"message_id":"om_1"}}"#
                };
                std::future::ready(Ok::<_, lark_core::HttpError>(http::Response::new(
                    answer.as_bytes().to_vec(),
                )))
            };
            lark_core::Client::new(config(), backend, frozen.clone().with_random(FetchRuntime))
        })
        .collect();
    let message = message::Create::new("chat_id", CHAT_ID, "text", r#"{"text":"k"}"#);
    for client in &clients {
        for _ in 0..10_000 {
            client.send(&message).await.unwrap();
        }
    }
    let keys = keys.lock().unwrap();
    assert_eq!(keys.len(), 20_000);
    assert_eq!(
        keys.iter().collect::<HashSet<_>>().len(),
        20_000,
        "a key repeated"
    );
    assert!(keys.iter().all(|k| k.len() == 36));
}

/// fetch cannot send a GET with a body: the call is a clear build error naming the endpoint,
/// and nothing is sent.
pub(crate) async fn a_get_with_a_body_is_refused_before_fetch() {
    struct GetWithBody;
    static META: lark_core::EndpointMeta = lark_core::EndpointMeta::new(
        "test",
        "GetWithBody",
        http::Method::GET,
        "/open-apis/wasm-test/get",
        &[lark_core::TokenKind::Tenant],
    );
    impl lark_core::Endpoint for GetWithBody {
        type Output = serde_json::Value;
        fn meta(&self) -> &lark_core::EndpointMeta {
            &META
        }
        fn path(&self) -> lark_core::Result<String> {
            Ok(META.path.to_owned())
        }
        fn body(&self) -> lark_core::Result<lark_core::Body> {
            lark_core::Body::json(&serde_json::json!({"a": 1}))
        }
    }
    let err = client(config()).send(&GetWithBody).await.unwrap_err();
    assert!(
        matches!(&err, Error::Build(m) if m.contains("test.GetWithBody")),
        "{err:?}"
    );
}

/// The control port of the harness's lark-mock (pushes over the long connection, acks).
#[cfg(feature = "ws")]
fn control_url() -> &'static str {
    match option_env!("LARK_CONTROL_URL") {
        Some(url) => url,
        None => panic!("build these tests with LARK_CONTROL_URL set (scripts/test-wasm.sh does)"),
    }
}

/// A control call; a POST body goes as `text/plain` (no CORS preflight in a page).
#[cfg(feature = "ws")]
async fn control(method: &str, path: &str, body: Option<serde_json::Value>) -> serde_json::Value {
    use lark_core::HttpClient as _;
    let mut request = http::Request::builder()
        .method(method)
        .uri(format!("{}{path}", control_url()));
    if body.is_some() {
        request = request.header("content-type", "text/plain");
    }
    let request = request
        .body(body.map(|b| b.to_string().into_bytes()).unwrap_or_default())
        .unwrap();
    let response = lark_fetch::FetchClient::new()
        .execute(request)
        .await
        .unwrap();
    serde_json::from_slice(response.body()).unwrap()
}

/// Polls `check` every 100 ms, up to 10 s.
#[cfg(feature = "ws")]
async fn eventually(what: &str, mut check: impl AsyncFnMut() -> bool) {
    for _ in 0..100 {
        if check().await {
            return;
        }
        FetchRuntime.sleep(Duration::from_millis(100)).await;
    }
    panic!("{what}: not within 10 s");
}

#[cfg(feature = "ws")]
fn message_event(event_id: &str) -> serde_json::Value {
    serde_json::json!({
        "schema": "2.0",
        "header": {"event_id": event_id, "event_type": "im.message.receive_v1",
                   "create_time": "1700000000000", "token": "", "app_id": APP_ID},
        "event": {"message": {"message_id": format!("om_{event_id}"), "chat_id": CHAT_ID,
                              "message_type": "text", "content": "{\"text\":\"hi\"}"}}
    })
}

/// The long connection on the platform's `WebSocket`: a whole event, one in fragments sent last
/// first, a card action acked with its reply; then the connection is cut without a close frame,
/// the client reconnects, and a re-delivery of the first event is acked but not handled twice.
#[cfg(feature = "ws")]
pub(crate) async fn long_connection() {
    use std::cell::RefCell;
    use std::rc::Rc;

    use lark_core::event::{CardActionReply, Dispatcher, Event, ToastKind};
    use lark_core::ws::ReconnectPolicy;

    let seen: Rc<RefCell<Vec<String>>> = Rc::default();
    let sink = Rc::clone(&seen);
    let dispatcher = Dispatcher::new()
        .on_raw("im.message.receive_v1", move |event: Event| {
            let sink = Rc::clone(&sink);
            async move {
                let id = event.payload["message"]["message_id"]
                    .as_str()
                    .unwrap_or("");
                sink.borrow_mut().push(id.to_owned());
                Ok(())
            }
        })
        .on_card_action(|event: Event| async move {
            let value = event.payload["action"]["value"]["k"].as_str().unwrap_or("");
            Ok(CardActionReply::new().toast(ToastKind::Success, format!("clicked {value}")))
        });
    let mut policy = ReconnectPolicy::default();
    policy.interval = Duration::from_millis(300);
    policy.first_jitter = Duration::from_millis(200);
    let before: u64 = control("GET", "/ws/stats", None).await["accepted"]
        .as_u64()
        .unwrap_or(0);
    let (stop, stopped) = futures_channel::oneshot::channel::<()>();
    let (done, finished) = futures_channel::oneshot::channel::<String>();
    wasm_bindgen_futures::spawn_local(async move {
        let result = lark_fetch::ws::WsClient::new(config(), dispatcher)
            .reconnect_policy(policy)
            .run_until(async {
                let _ = stopped.await;
            })
            .await;
        let _ = done.send(format!("{result:?}"));
    });
    let accepted = |n: u64| async move {
        let stats = control("GET", "/ws/stats", None).await;
        stats["accepted"].as_u64().unwrap_or(0) >= before + n && stats["open"].as_u64() >= Some(1)
    };
    eventually("the client connects", async || accepted(1).await).await;

    let acks_before = control("GET", "/ws/acks", None)
        .await
        .as_array()
        .map_or(0, Vec::len);
    let whole = control("POST", "/ws/push", Some(message_event("ev_wasm_1"))).await;
    let parts = control("POST", "/ws/push?parts=3", Some(message_event("ev_wasm_2"))).await;
    let mut card = message_event("ev_wasm_card");
    card["header"]["event_type"] = "card.action.trigger".into();
    card["event"] =
        serde_json::json!({"operator": {"open_id": "ou_1"}, "action": {"value": {"k": "v"}}});
    let card = control("POST", "/ws/card", Some(card)).await;
    let ids = [&whole, &parts, &card].map(|v| v["messageId"].as_str().unwrap_or("").to_owned());
    let acks = async || {
        control("GET", "/ws/acks", None)
            .await
            .as_array()
            .cloned()
            .unwrap_or_default()
    };
    eventually("three acks", async || acks().await.len() >= acks_before + 3).await;
    let all = acks().await;
    for id in &ids {
        let ack = all
            .iter()
            .find(|a| a["messageId"] == id.as_str())
            .unwrap_or_else(|| panic!("no ack of {id}"));
        assert_eq!(ack["code"], 200, "{ack}");
    }
    let card_ack = all
        .iter()
        .find(|a| a["messageId"] == ids[2].as_str())
        .unwrap();
    assert_eq!(
        card_ack["data"],
        serde_json::json!({"toast": {"type": "success", "content": "clicked v"}})
    );
    let mut got = seen.borrow().clone();
    got.sort();
    assert_eq!(got, ["om_ev_wasm_1", "om_ev_wasm_2"]);

    // Cut without a close frame: the client reconnects, and the first event delivered again is
    // acked as handled without running the handler twice.
    control("POST", "/ws/cut", None).await;
    eventually("the client reconnects", async || accepted(2).await).await;
    let again = control("POST", "/ws/push", Some(message_event("ev_wasm_1"))).await;
    let again = again["messageId"].as_str().unwrap_or("").to_owned();
    eventually("the re-delivery is acked", async || {
        acks()
            .await
            .iter()
            .any(|a| a["messageId"] == again.as_str() && a["code"] == 200)
    })
    .await;
    assert_eq!(seen.borrow().len(), 2, "{:?}", seen.borrow());

    let _ = stop.send(());
    let result = finished.await.unwrap();
    assert_eq!(result, "Ok(())");
}
