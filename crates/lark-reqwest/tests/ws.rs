//! The native long-connection driver against lark-mock over loopback. Every wait is bounded.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lark_core::Config;
use lark_core::event::{CardActionReply, Dispatcher, Event, ToastKind};
use lark_core::ws::{ClientConfig, WsError};
use lark_mock::MockServer;
use lark_mock::ws::{HandshakeFailure, WsMock};
use lark_reqwest::ws::{WsClient, WsClientError};
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

const WAIT: Duration = Duration::from_secs(5);

fn message_event(event_id: &str, text: &str) -> Value {
    json!({
        "schema": "2.0",
        "header": {
            "event_id": event_id,
            "event_type": "im.message.receive_v1",
            "create_time": "1700000000000",
            "token": "",
            "app_id": MockServer::APP_ID,
            "tenant_key": MockServer::TENANT_KEY
        },
        "event": {
            "sender": {"sender_id": {"open_id": MockServer::USER_OPEN_ID}, "sender_type": "user"},
            "message": {
                "message_id": format!("om_{event_id}"),
                "chat_id": MockServer::CHAT_ID,
                "chat_type": "group",
                "message_type": "text",
                "content": json!({"text": text}).to_string()
            }
        }
    })
}

fn typed_event(event_id: &str, event_type: &str) -> Value {
    let mut event = message_event(event_id, "");
    event["header"]["event_type"] = event_type.into();
    event
}

/// The texts of the messages the handler saw, in order.
type Seen = Arc<Mutex<Vec<String>>>;

fn recording_dispatcher() -> (Dispatcher, Seen) {
    let seen: Seen = Arc::default();
    let sink = Arc::clone(&seen);
    let dispatcher = Dispatcher::new().on_raw("im.message.receive_v1", move |event: Event| {
        let sink = Arc::clone(&sink);
        async move {
            let content = event.payload["message"]["content"].as_str().unwrap_or("");
            let text: Value = serde_json::from_str(content)?;
            sink.lock()
                .unwrap()
                .push(text["text"].as_str().unwrap_or("").to_owned());
            Ok(())
        }
    });
    (dispatcher, seen)
}

/// A mock whose endpoint hands out `client_config`.
async fn mock(client_config: Value) -> (MockServer, WsMock) {
    let mock = MockServer::start().await.unwrap();
    let ws = mock.ws();
    ws.set_client_config(client_config);
    (mock, ws)
}

fn fast_reconnects() -> Value {
    json!({"ReconnectCount": -1, "ReconnectInterval": 1, "ReconnectNonce": 0, "PingInterval": 120})
}

struct Running {
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<Result<(), WsClientError>>,
}

impl Running {
    /// Stops the client and checks that it ends cleanly, in bounded time.
    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let result = tokio::time::timeout(WAIT, &mut self.task)
            .await
            .expect("the client stops within 5 s")
            .unwrap();
        assert!(result.is_ok(), "{result:?}");
    }

    async fn finished(&mut self) -> Result<(), WsClientError> {
        tokio::time::timeout(WAIT, &mut self.task)
            .await
            .expect("the client ends within 5 s")
            .unwrap()
    }
}

fn client(mock: &MockServer, secret: &str, dispatcher: Dispatcher) -> WsClient {
    WsClient::new(
        Config::new(MockServer::APP_ID, secret).base_url(mock.base_url()),
        dispatcher,
    )
}

fn run(client: WsClient) -> Running {
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(client.run_until(async move {
        let _ = stopped.await;
    }));
    Running {
        stop: Some(stop),
        task,
    }
}

fn start(mock: &MockServer, dispatcher: Dispatcher) -> Running {
    run(client(mock, MockServer::APP_SECRET, dispatcher))
}

#[tokio::test]
async fn a_whole_event_is_handled_and_acked() {
    let (mock, ws) = mock(fast_reconnects()).await;
    let (dispatcher, seen) = recording_dispatcher();
    let running = start(&mock, dispatcher);
    ws.wait_for_connections(1, WAIT).await.unwrap();
    let id = ws.push_event(&message_event("ev-1", "hello"));
    let ack = ws.wait_for_ack(&id, WAIT).await.unwrap();
    assert_eq!(ack.code, Some(200));
    assert!(ack.biz_rt.is_some());
    assert_eq!(ack.data, None);
    assert_eq!(
        ack.frame
            .header("trace_id")
            .map(|t| t.starts_with("mock_trace_")),
        Some(true)
    );
    assert_eq!(*seen.lock().unwrap(), ["hello"]);
    // The endpoint was asked as the platform expects, and the client pinged on connecting.
    let endpoint = mock.requests_to("/callback/ws/endpoint");
    assert_eq!(endpoint.len(), 1);
    assert_eq!(endpoint[0].header("locale"), Some("zh"));
    assert_eq!(
        endpoint[0].json().unwrap(),
        json!({"AppID": MockServer::APP_ID, "AppSecret": MockServer::APP_SECRET})
    );
    ws.wait_for_pings(1, WAIT).await.unwrap();
    running.stop().await;
    ws.wait_for_open_connections(0, WAIT)
        .await
        .expect("a graceful stop closes the socket");
}

#[tokio::test]
async fn an_event_in_out_of_order_fragments_is_joined() {
    let (mock, ws) = mock(fast_reconnects()).await;
    let (dispatcher, seen) = recording_dispatcher();
    let running = start(&mock, dispatcher);
    ws.wait_for_connections(1, WAIT).await.unwrap();
    let text = "fragmented ".repeat(20);
    let id = ws.push_event_in_parts(&message_event("ev-frag", &text), 3, &[2, 0, 1]);
    let ack = ws.wait_for_ack(&id, WAIT).await.unwrap();
    assert_eq!(ack.code, Some(200));
    assert_eq!(ack.frame.header("sum"), Some("3"));
    assert_eq!(*seen.lock().unwrap(), [text]);
    assert_eq!(ws.acks().len(), 1, "one ack for the whole message");
    running.stop().await;
}

#[tokio::test]
async fn a_cut_without_a_close_frame_reconnects_and_events_flow_again() {
    // Up to 1 s of jitter before the first reconnect attempt.
    let (mock, ws) = mock(json!({
        "ReconnectCount": -1, "ReconnectInterval": 1, "ReconnectNonce": 1, "PingInterval": 120
    }))
    .await;
    let (dispatcher, seen) = recording_dispatcher();
    let running = start(&mock, dispatcher);
    ws.wait_for_connections(1, WAIT).await.unwrap();
    let first = ws.push_event(&message_event("ev-a", "before"));
    ws.wait_for_ack(&first, WAIT).await.unwrap();

    let cut_at = Instant::now();
    ws.cut();
    ws.wait_for_connections(2, WAIT).await.unwrap();
    let took = cut_at.elapsed();
    assert!(
        took < Duration::from_millis(1_500),
        "reconnected after {took:?}"
    );

    let second = ws.push_event(&message_event("ev-b", "after"));
    let ack = ws.wait_for_ack(&second, WAIT).await.unwrap();
    assert_eq!(ack.connection, 2);
    assert_eq!(*seen.lock().unwrap(), ["before", "after"]);
    assert_eq!(
        mock.request_count("/callback/ws/endpoint"),
        2,
        "a fresh URL each time"
    );
    running.stop().await;
}

#[tokio::test]
async fn a_duplicate_delivery_after_a_reconnect_is_handled_once() {
    let (mock, ws) = mock(fast_reconnects()).await;
    let (dispatcher, seen) = recording_dispatcher();
    let running = start(&mock, dispatcher);
    ws.wait_for_connections(1, WAIT).await.unwrap();
    let event = message_event("ev-dup", "once");
    let id = ws.push_event(&event);
    ws.wait_for_ack(&id, WAIT).await.unwrap();

    ws.cut();
    ws.wait_for_connections(2, WAIT).await.unwrap();
    // The platform re-delivers, once with the old message id and once with a new one.
    ws.push_event_with_id(&id, &event);
    let again = ws.push_event(&event);
    let acks = ws.wait_for_acks(3, WAIT).await.unwrap();
    assert!(acks.iter().all(|a| a.code == Some(200)), "{acks:?}");
    assert!(acks.iter().any(|a| a.message_id == again));
    assert_eq!(acks.iter().filter(|a| a.connection == 2).count(), 2);
    assert_eq!(*seen.lock().unwrap(), ["once"], "handled once");
    running.stop().await;
}

#[tokio::test]
async fn a_server_that_stops_ponging_is_noticed_within_the_liveness_bound() {
    // A ping every second: silence for 2.5 s means the link is dead.
    let (mock, ws) = mock(json!({
        "ReconnectCount": -1, "ReconnectInterval": 1, "ReconnectNonce": 0, "PingInterval": 1
    }))
    .await;
    ws.answer_pings(false);
    let (dispatcher, seen) = recording_dispatcher();
    let running = start(&mock, dispatcher);
    ws.wait_for_connections(1, WAIT).await.unwrap();
    let opened = Instant::now();
    ws.wait_for_connections(2, WAIT).await.unwrap();
    let took = opened.elapsed();
    assert!(
        took >= Duration::from_millis(2_000) && took < Duration::from_millis(4_000),
        "noticed after {took:?}"
    );
    assert!(ws.pings() >= 2, "it kept pinging: {}", ws.pings());
    // With pongs back, the new connection carries events.
    ws.answer_pings(true);
    let id = ws.push_event(&message_event("ev-live", "alive"));
    ws.wait_for_ack(&id, WAIT).await.unwrap();
    assert_eq!(*seen.lock().unwrap(), ["alive"]);
    running.stop().await;
}

async fn assert_fatal_handshake(failure: HandshakeFailure, status: i64, auth_code: Option<i64>) {
    let (mock, ws) = mock(fast_reconnects()).await;
    ws.fail_next_handshake(failure);
    let mut running = start(&mock, Dispatcher::new());
    let error = running.finished().await.unwrap_err();
    match &error {
        WsClientError::Fatal(WsError::Handshake {
            status: s,
            auth_code: a,
            retryable: false,
            ..
        }) => {
            assert_eq!((*s, *a), (Some(status), auth_code));
        }
        other => panic!("not a fatal handshake error: {other:?}"),
    }
    assert!(error.to_string().contains(&status.to_string()), "{error}");
    // No retry loop: one endpoint request, one handshake, even a while later.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(ws.handshakes(), 1);
    assert_eq!(mock.request_count("/callback/ws/endpoint"), 1);
}

#[tokio::test]
async fn too_many_connections_is_fatal_and_not_retried() {
    assert_fatal_handshake(
        HandshakeFailure::too_many_connections(),
        514,
        Some(1_000_040_350),
    )
    .await;
}

#[tokio::test]
async fn a_forbidden_handshake_is_fatal_and_not_retried() {
    assert_fatal_handshake(HandshakeFailure::forbidden(), 403, None).await;
}

#[tokio::test]
async fn a_wrong_secret_is_fatal_at_the_endpoint() {
    let (mock, ws) = mock(fast_reconnects()).await;
    let mut running = run(client(&mock, "wrong-secret", Dispatcher::new()));
    let error = running.finished().await.unwrap_err();
    assert!(
        matches!(
            error,
            WsClientError::Fatal(WsError::Endpoint {
                code: lark_mock::ws::codes::APP_SECRET_INVALID,
                ..
            })
        ),
        "{error:?}"
    );
    assert!(!format!("{error:?}{error}").contains("wrong-secret"));
    assert_eq!(ws.handshakes(), 0);
    assert_eq!(mock.request_count("/callback/ws/endpoint"), 1);
}

#[tokio::test]
async fn a_busy_endpoint_and_a_retryable_refusal_are_retried() {
    let (mock, ws) = mock(fast_reconnects()).await;
    ws.fail_next_endpoint(1, "busy");
    ws.fail_next_handshake(HandshakeFailure::new(514, "auth failed").auth_code(1));
    let policy: ClientConfig = serde_json::from_value(fast_reconnects()).unwrap();
    let (dispatcher, seen) = recording_dispatcher();
    let running = run(client(&mock, MockServer::APP_SECRET, dispatcher)
        .reconnect_policy(policy.reconnect_policy()));
    ws.wait_for_connections(1, WAIT).await.unwrap();
    assert_eq!(mock.request_count("/callback/ws/endpoint"), 3);
    assert_eq!(ws.handshakes(), 2);
    let id = ws.push_event(&message_event("ev-r", "retried"));
    ws.wait_for_ack(&id, WAIT).await.unwrap();
    assert_eq!(*seen.lock().unwrap(), ["retried"]);
    running.stop().await;
}

#[tokio::test]
async fn bounded_reconnects_give_up_with_an_error() {
    let (mock, ws) = mock(json!({
        "ReconnectCount": 1, "ReconnectInterval": 1, "ReconnectNonce": 0, "PingInterval": 120
    }))
    .await;
    let mut running = start(&mock, Dispatcher::new());
    ws.wait_for_connections(1, WAIT).await.unwrap();
    // Every later handshake is refused (retryably).
    for _ in 0..5 {
        ws.fail_next_handshake(HandshakeFailure::new(500, "down"));
    }
    ws.cut();
    let error = running.finished().await.unwrap_err();
    assert!(
        matches!(
            error,
            WsClientError::ReconnectsExhausted { attempts: 1, .. }
        ),
        "{error:?}"
    );
    assert_eq!(ws.handshakes(), 2);
}

#[tokio::test]
async fn a_slow_handler_does_not_hold_up_other_acks() {
    let (mock, ws) = mock(fast_reconnects()).await;
    let (release, released) = tokio::sync::watch::channel(false);
    let dispatcher = Dispatcher::new()
        .on_raw("test.slow_v1", move |_event: Event| {
            let mut released = released.clone();
            async move {
                let _ =
                    tokio::time::timeout(Duration::from_secs(10), released.wait_for(|r| *r)).await;
                Ok(())
            }
        })
        .on_raw("test.fast_v1", |_event: Event| async { Ok(()) });
    let running = start(&mock, dispatcher);
    ws.wait_for_connections(1, WAIT).await.unwrap();
    let slow = ws.push_event(&typed_event("ev-slow", "test.slow_v1"));
    let fast: Vec<String> = (0..5)
        .map(|i| ws.push_event(&typed_event(&format!("ev-fast-{i}"), "test.fast_v1")))
        .collect();
    for id in &fast {
        let ack = ws.wait_for_ack(id, WAIT).await.unwrap();
        let latency = ack.latency().unwrap();
        assert!(
            latency < Duration::from_secs(1),
            "{id} acked after {latency:?}"
        );
    }
    assert!(
        ws.acks().iter().all(|a| a.message_id != slow),
        "the slow one is still running"
    );
    release.send_replace(true);
    let ack = ws.wait_for_ack(&slow, WAIT).await.unwrap();
    assert_eq!(ack.code, Some(200));
    running.stop().await;
}

#[tokio::test]
async fn a_failing_handler_is_acked_500_and_handled_again_on_redelivery() {
    let (mock, ws) = mock(fast_reconnects()).await;
    let calls = Arc::new(Mutex::new(0u32));
    let counter = Arc::clone(&calls);
    let dispatcher = Dispatcher::new().on_raw("test.flaky_v1", move |_event: Event| {
        let counter = Arc::clone(&counter);
        async move {
            let mut calls = counter.lock().unwrap();
            *calls += 1;
            if *calls == 1 {
                return Err("first try fails".into());
            }
            Ok(())
        }
    });
    let running = start(&mock, dispatcher);
    ws.wait_for_connections(1, WAIT).await.unwrap();
    let event = typed_event("ev-flaky", "test.flaky_v1");
    let id = ws.push_event(&event);
    assert_eq!(ws.wait_for_ack(&id, WAIT).await.unwrap().code, Some(500));
    ws.push_event_with_id(&id, &event);
    let acks = ws.wait_for_acks(2, WAIT).await.unwrap();
    assert_eq!(acks[1].code, Some(200));
    assert_eq!(*calls.lock().unwrap(), 2);
    running.stop().await;
}

/// The platform delivers a card action over the long connection as a `card.action.trigger`
/// event in a `type: event` frame; the ack carries the card reply.
#[tokio::test]
async fn a_card_action_event_is_acked_with_the_card_reply() {
    let (mock, ws) = mock(fast_reconnects()).await;
    let dispatcher = Dispatcher::new().on_card_action(|event: Event| async move {
        let value = event.payload["action"]["value"]["k"].as_str().unwrap_or("");
        Ok(CardActionReply::new().toast(ToastKind::Success, format!("clicked {value}")))
    });
    let running = start(&mock, dispatcher);
    ws.wait_for_connections(1, WAIT).await.unwrap();
    let mut card = typed_event("ev-card", "card.action.trigger");
    card["event"] =
        json!({"operator": {"open_id": MockServer::USER_OPEN_ID}, "action": {"value": {"k": "v"}}});
    let id = ws.push_card(&card);
    let ack = ws.wait_for_ack(&id, WAIT).await.unwrap();
    assert_eq!(ack.code, Some(200));
    assert_eq!(
        ack.data,
        Some(json!({"toast": {"type": "success", "content": "clicked v"}}))
    );
    assert_eq!(ack.frame.header("type"), Some("event"));
    // The mock's own builder of the platform's event goes the same way.
    let event = lark_mock::ws::card_action_event(
        MockServer::APP_ID,
        MockServer::USER_OPEN_ID,
        MockServer::CHAT_ID,
        "om_card",
        json!({"k": "w"}),
    );
    let pushed = ws.push_event_and_wait(&event, 1, WAIT).await;
    assert!(!pushed.timed_out);
    assert_eq!(
        pushed.acks[0].data,
        Some(json!({"toast": {"type": "success", "content": "clicked w"}}))
    );
    running.stop().await;
}

/// A legacy `type: card` frame (which the platform does not send over the long connection) is
/// still handled and acked.
#[tokio::test]
async fn a_legacy_card_frame_is_still_acked() {
    let (mock, ws) = mock(fast_reconnects()).await;
    let dispatcher = Dispatcher::new().on_card_action(|_event: Event| async move {
        Ok(CardActionReply::new().toast(ToastKind::Info, "legacy"))
    });
    let running = start(&mock, dispatcher);
    ws.wait_for_connections(1, WAIT).await.unwrap();
    let mut card = typed_event("ev-card-frame", "card.action.trigger");
    card["event"] =
        json!({"operator": {"open_id": MockServer::USER_OPEN_ID}, "action": {"value": {}}});
    let id = ws.push_card_frame(&card);
    let ack = ws.wait_for_ack(&id, WAIT).await.unwrap();
    assert_eq!(ack.code, Some(200));
    assert_eq!(ack.frame.header("type"), Some("card"));
    running.stop().await;
}

#[tokio::test]
async fn client_config_from_a_pong_takes_effect() {
    // The endpoint says ping every 120 s; the first pong says every second.
    let (mock, ws) = mock(fast_reconnects()).await;
    ws.set_pong_config(Some(json!({"PingInterval": 1})));
    let running = start(&mock, Dispatcher::new());
    ws.wait_for_pings(1, WAIT).await.unwrap();
    let first = Instant::now();
    ws.wait_for_pings(3, WAIT).await.unwrap();
    let took = first.elapsed();
    assert!(
        took >= Duration::from_millis(1_500) && took < Duration::from_millis(3_500),
        "two more pings after {took:?}"
    );
    running.stop().await;
}

#[tokio::test]
async fn garbage_from_the_server_is_dropped_and_the_connection_stays() {
    let (mock, ws) = mock(fast_reconnects()).await;
    let (dispatcher, seen) = recording_dispatcher();
    let running = start(&mock, dispatcher);
    ws.wait_for_connections(1, WAIT).await.unwrap();
    ws.push_raw(vec![0xff; 32]);
    ws.push_raw(Vec::new());
    let id = ws.push_event(&message_event("ev-g", "still here"));
    ws.wait_for_ack(&id, WAIT).await.unwrap();
    assert_eq!(*seen.lock().unwrap(), ["still here"]);
    assert_eq!(ws.connections_accepted(), 1);
    running.stop().await;
}

#[tokio::test]
async fn a_graceful_stop_acks_running_handlers_before_closing() {
    let (mock, ws) = mock(fast_reconnects()).await;
    let (started, mut has_started) = tokio::sync::watch::channel(false);
    let dispatcher = Dispatcher::new().on_raw("test.slow_v1", move |_event: Event| {
        let started = started.clone();
        async move {
            started.send_replace(true);
            tokio::time::sleep(Duration::from_millis(300)).await;
            Ok(())
        }
    });
    let running = start(&mock, dispatcher);
    ws.wait_for_connections(1, WAIT).await.unwrap();
    let id = ws.push_event(&typed_event("ev-stop", "test.slow_v1"));
    tokio::time::timeout(WAIT, has_started.wait_for(|s| *s))
        .await
        .unwrap()
        .unwrap();
    running.stop().await;
    let ack = ws.wait_for_ack(&id, WAIT).await.unwrap();
    assert_eq!(ack.code, Some(200));
    ws.wait_for_open_connections(0, WAIT).await.unwrap();
    assert_eq!(ws.connections_accepted(), 1);
}

#[test]
fn debug_shows_no_secret() {
    let client = WsClient::new(Config::new("cli_a", "top-secret-value"), Dispatcher::new());
    let shown = format!("{client:?}");
    assert!(shown.contains("cli_a"), "{shown}");
    assert!(!shown.contains("top-secret-value"), "{shown}");
}

/// Figures for the README: ack latency at a steady 1,000 events/s, then the most events one
/// connection takes per second, for this driver and, when `LARK_OAPI_PYTHON` names a Python
/// with `lark-oapi` installed, for lark-oapi's `ws.Client` on the same mock:
/// `cargo test --release -p lark-reqwest --features ws --test ws -- --ignored --nocapture figures`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement, not a check: run it by hand"]
async fn figures() {
    let dispatcher = Dispatcher::new().fallback(|_e: Event| async { Ok(()) });
    let (mock, ws) = figures_mock().await;
    let running = start(&mock, dispatcher);
    measure("lark-reqwest ws", &ws).await;
    running.stop().await;

    let Some(python) = std::env::var_os("LARK_OAPI_PYTHON") else {
        println!("LARK_OAPI_PYTHON is not set: no lark-oapi figures");
        return;
    };
    let (mock, ws) = figures_mock().await;
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/support/lark_oapi_ws_client.py"
    );
    let mut child = tokio::process::Command::new(python)
        .args([
            script,
            mock.base_url(),
            MockServer::APP_ID,
            MockServer::APP_SECRET,
        ])
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    measure("lark-oapi ws.Client", &ws).await;
    let _ = child.kill().await;
}

async fn figures_mock() -> (MockServer, WsMock) {
    let mock = MockServer::builder()
        .record_requests(false)
        .start()
        .await
        .unwrap();
    let ws = mock.ws();
    ws.set_client_config(fast_reconnects());
    (mock, ws)
}

async fn measure(who: &str, ws: &WsMock) {
    ws.wait_for_connections(1, Duration::from_secs(20))
        .await
        .unwrap();
    // A steady 1,000 events/s for 3 s.
    let steady = 3_000usize;
    let mut tick = tokio::time::interval(Duration::from_millis(1));
    for i in 0..steady {
        tick.tick().await;
        ws.push_event(&message_event(&format!("ev-steady-{i}"), "figure"));
    }
    let acks = ws
        .wait_for_acks(steady, Duration::from_secs(60))
        .await
        .unwrap();
    let mut latencies: Vec<Duration> = acks.iter().filter_map(|a| a.latency()).collect();
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 - 1.0) * q) as usize];
    println!(
        "{who}: ack latency at 1,000 events/s over {steady} events: p50 {:?}, p99 {:?}, max {:?}",
        at(0.50),
        at(0.99),
        at(1.0)
    );

    // As fast as the mock can push.
    let burst = 20_000usize;
    let started = Instant::now();
    for i in 0..burst {
        ws.push_event(&message_event(&format!("ev-burst-{i}"), "figure"));
    }
    ws.wait_for_acks(steady + burst, Duration::from_secs(120))
        .await
        .unwrap();
    let took = started.elapsed();
    println!(
        "{who}: {burst} events acked in {took:?}: {:.0} events/s",
        burst as f64 / took.as_secs_f64()
    );
}
