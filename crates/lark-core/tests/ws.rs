//! The long-connection core: a connection fed with frames and a fake clock, and events that
//! reach the same dispatcher as HTTP callbacks.
#![cfg(feature = "ws")]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use base64::Engine as _;
use futures_executor::block_on;
use lark_core::event::{CardActionReply, Dispatcher, Event, EventError, ToastKind};
use lark_core::ws::{
    AckStatus, ClientConfig, Connection, ConnectionLimits, Delivery, Frame, Header, MessageKind,
    Output, WsError, header,
};
use serde_json::{Value, json};

const SERVICE: i32 = 33;
const T0: u64 = 1_700_000_000_000;

fn data_frame(kind: &str, message_id: &str, sum: usize, seq: usize, payload: &[u8]) -> Frame {
    let pairs = [
        (header::TYPE, kind.to_owned()),
        (header::MESSAGE_ID, message_id.to_owned()),
        (header::SUM, sum.to_string()),
        (header::SEQ, seq.to_string()),
        (header::TRACE_ID, "trace-1".to_owned()),
    ];
    Frame {
        seq_id: 0,
        log_id: 0,
        service: SERVICE,
        method: lark_core::ws::METHOD_DATA,
        headers: pairs
            .into_iter()
            .map(|(key, value)| Header {
                key: key.to_owned(),
                value,
            })
            .collect(),
        payload_encoding: None,
        payload_type: None,
        payload: Some(payload.to_vec()),
        log_id_new: None,
    }
}

fn pong(payload: Option<&str>) -> Vec<u8> {
    let mut frame = Frame::ping(SERVICE);
    frame.set_header(header::TYPE, "pong");
    frame.payload = payload.map(|p| p.as_bytes().to_vec());
    frame.encode_bytes()
}

fn connection() -> Connection {
    Connection::new(SERVICE, ClientConfig::default(), T0)
}

fn deliveries(outputs: Vec<Output>) -> Vec<Delivery> {
    outputs
        .into_iter()
        .filter_map(|o| match o {
            Output::Deliver(d) => Some(d),
            _ => None,
        })
        .collect()
}

fn ack_payload(ack: &[u8]) -> (Frame, Value) {
    let frame = Frame::decode_bytes(ack).unwrap();
    let payload = serde_json::from_slice(frame.payload.as_deref().unwrap()).unwrap();
    (frame, payload)
}

fn message_event(event_id: &str) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "schema": "2.0",
        "header": {
            "event_id": event_id,
            "event_type": "im.message.receive_v1",
            "create_time": "1700000000000",
            "token": "",
            "app_id": "cli_a",
            "tenant_key": "t1"
        },
        "event": {"message": {"message_id": "om_1", "content": "{\"text\":\"hi\"}"}}
    }))
    .unwrap()
}

#[test]
fn whole_message_is_delivered_once() {
    let mut conn = connection();
    let bytes = data_frame("event", "m1", 1, 0, b"{}").encode_bytes();
    let out = deliveries(conn.handle_frame(&bytes, T0).unwrap());
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].kind, MessageKind::Event);
    assert_eq!(out[0].message_id, "m1");
    assert_eq!(out[0].payload, b"{}");
    assert_eq!(out[0].frame.header(header::TRACE_ID), Some("trace-1"));
    assert_eq!(out[0].frame.payload, None);
    // Re-sent while the handler runs: nothing.
    assert!(conn.handle_frame(&bytes, T0 + 1).unwrap().is_empty());
    // Re-sent after the ack: the same ack again, no second delivery.
    let ack = conn.ack(&out[0].frame, AckStatus::Handled, None, 5);
    assert_eq!(
        conn.handle_frame(&bytes, T0 + 2).unwrap(),
        vec![Output::Send(ack)]
    );
}

#[test]
fn failed_message_is_delivered_again() {
    let mut conn = connection();
    let bytes = data_frame("card", "m1", 1, 0, b"{}").encode_bytes();
    let out = deliveries(conn.handle_frame(&bytes, T0).unwrap());
    assert_eq!(out[0].kind, MessageKind::Card);
    let ack = conn.ack(&out[0].frame, AckStatus::Failed, None, 1);
    assert_eq!(ack_payload(&ack).1["code"], 500);
    assert_eq!(deliveries(conn.handle_frame(&bytes, T0).unwrap()).len(), 1);
}

#[test]
fn fragments_in_and_out_of_order() {
    let parts: [&[u8]; 3] = [b"{\"a\":", b"[1,2]", b"}"];
    for order in [[0, 1, 2], [2, 1, 0], [1, 0, 2]] {
        let mut conn = connection();
        let mut delivered = Vec::new();
        for seq in order {
            let bytes = data_frame("event", "m", 3, seq, parts[seq]).encode_bytes();
            delivered.extend(deliveries(conn.handle_frame(&bytes, T0).unwrap()));
        }
        assert_eq!(delivered.len(), 1, "{order:?}");
        assert_eq!(delivered[0].payload, b"{\"a\":[1,2]}");
    }
}

#[test]
fn fragment_ttl_and_size_bounds() {
    let mut limits = ConnectionLimits::default();
    limits.max_message_bytes = 8;
    let mut conn = connection().with_limits(limits);
    let first = data_frame("event", "m", 2, 0, b"ab").encode_bytes();
    assert!(conn.handle_frame(&first, T0).unwrap().is_empty());
    let expiry = T0 + 10_000;
    conn.handle_timeout(T0); // the first ping
    assert_eq!(conn.poll_timeout(), Some(expiry));
    assert_eq!(
        conn.handle_timeout(expiry),
        vec![Output::FragmentsExpired {
            message_id: "m".into()
        }]
    );
    // The second fragment alone no longer completes anything.
    let second = data_frame("event", "m", 2, 1, b"cd").encode_bytes();
    assert!(conn.handle_frame(&second, expiry).unwrap().is_empty());

    let big = data_frame("event", "big", 1, 0, &[b' '; 9]).encode_bytes();
    assert!(matches!(
        conn.handle_frame(&big, expiry),
        Err(WsError::Fragment { .. })
    ));
    let bad_seq = data_frame("event", "x", 2, 2, b"").encode_bytes();
    assert!(conn.handle_frame(&bad_seq, expiry).is_err());
}

#[test]
fn garbage_frames_are_errors_and_the_connection_goes_on() {
    let mut conn = connection();
    let good = data_frame("event", "m1", 1, 0, b"{\"x\":1}").encode_bytes();
    for len in 0..good.len() {
        let _ = conn.handle_frame(&good[..len], T0);
    }
    for junk in [&[0xffu8; 10][..], &[0x0a, 0xff, 0xff][..], b"hello world"] {
        assert!(conn.handle_frame(junk, T0).is_err());
    }
    let mut no_id = data_frame("event", "m", 1, 0, b"{}");
    no_id.headers.retain(|h| h.key != header::MESSAGE_ID);
    assert!(conn.handle_frame(&no_id.encode_bytes(), T0).is_err());
    let mut bad_sum = data_frame("event", "m", 1, 0, b"{}");
    bad_sum.set_header(header::SUM, "many");
    assert!(conn.handle_frame(&bad_sum.encode_bytes(), T0).is_err());
    assert!(conn.handle_frame(&pong(Some("not json")), T0).is_err());
    // Unknown message types and methods are ignored.
    let other = data_frame("future", "m9", 1, 0, b"{}").encode_bytes();
    assert!(conn.handle_frame(&other, T0).unwrap().is_empty());
    assert!(conn.is_alive());
    assert_eq!(deliveries(conn.handle_frame(&good, T0).unwrap()).len(), 1);
}

#[test]
fn ack_bytes() {
    let mut conn = connection();
    let frame = data_frame("event", "m1", 1, 0, b"{}");
    let mut delivered = frame.clone();
    delivered.payload = None;
    let ack = conn.ack(
        &delivered,
        AckStatus::Handled,
        Some(&json!({"ok": true})),
        42,
    );
    let (echo, payload) = ack_payload(&ack);
    assert_eq!(echo.service, SERVICE);
    assert_eq!(echo.method, lark_core::ws::METHOD_DATA);
    assert_eq!(echo.header(header::MESSAGE_ID), Some("m1"));
    assert_eq!(echo.header(header::TRACE_ID), Some("trace-1"));
    assert_eq!(echo.header(header::BIZ_RT), Some("42"));
    assert_eq!(payload["code"], 200);
    assert_eq!(payload["headers"], json!({}));
    let data = base64::engine::general_purpose::STANDARD
        .decode(payload["data"].as_str().unwrap())
        .unwrap();
    assert_eq!(data, br#"{"ok":true}"#);

    let plain = conn.ack(&delivered, AckStatus::Handled, None, 0);
    assert_eq!(ack_payload(&plain).1, json!({"code": 200, "headers": {}}));
    let dup = conn.ack_dispatched(&delivered, &Err(EventError::Duplicate("e".into())), 0);
    assert_eq!(ack_payload(&dup).1["code"], 200);
    let failed = conn.ack_dispatched(&delivered, &Err(EventError::Handler("x".into())), 0);
    assert_eq!(ack_payload(&failed).1["code"], 500);
}

#[test]
fn ping_schedule_and_liveness() {
    let mut conn = connection();
    let ping = Frame::ping(SERVICE).encode_bytes();
    // A ping at once, then every 120 s.
    assert_eq!(conn.poll_timeout(), Some(T0));
    assert_eq!(conn.handle_timeout(T0), vec![Output::Send(ping.clone())]);
    assert_eq!(conn.poll_timeout(), Some(T0 + 120_000));
    assert!(conn.handle_timeout(T0 + 119_999).is_empty());
    // A pong without a payload keeps the connection alive and changes nothing.
    assert!(
        conn.handle_frame(&pong(None), T0 + 1_000)
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        conn.handle_timeout(T0 + 120_000),
        vec![Output::Send(ping.clone())]
    );
    assert_eq!(
        conn.handle_timeout(T0 + 240_000),
        vec![Output::Send(ping.clone())]
    );
    // Silent since T0 + 1 s: the deadline is 2.5 intervals later.
    let deadline = T0 + 1_000 + 300_000;
    assert_eq!(conn.poll_timeout(), Some(T0 + 360_000).min(Some(deadline)));
    assert!(conn.handle_timeout(deadline - 1).is_empty());
    assert_eq!(
        conn.handle_timeout(deadline),
        vec![Output::LivenessLost {
            silent_for: Duration::from_secs(300)
        }]
    );
    assert!(!conn.is_alive());
    assert_eq!(conn.poll_timeout(), None);
    assert!(conn.handle_timeout(deadline + 1).is_empty());
    let frame = data_frame("event", "m", 1, 0, b"{}").encode_bytes();
    assert!(conn.handle_frame(&frame, deadline + 1).unwrap().is_empty());
}

#[test]
fn any_frame_counts_as_a_sign_of_life() {
    let mut conn = connection();
    conn.handle_timeout(T0);
    let frame = data_frame("event", "m", 1, 0, b"{}").encode_bytes();
    conn.handle_frame(&frame, T0 + 200_000).unwrap();
    conn.handle_timeout(T0 + 240_000);
    assert!(
        conn.handle_timeout(T0 + 499_999)
            .iter()
            .all(|o| matches!(o, Output::Send(_)))
    );
    assert!(conn.is_alive());
    assert!(matches!(
        conn.handle_timeout(T0 + 500_000)[..],
        [Output::LivenessLost { .. }]
    ));
}

#[test]
fn pong_client_config_replaces_settings() {
    let mut conn = connection();
    conn.handle_timeout(T0);
    let outputs = conn
        .handle_frame(
            &pong(Some(
                r#"{"PingInterval":10,"ReconnectCount":3,"ReconnectInterval":7,"ReconnectNonce":2}"#,
            )),
            T0 + 500,
        )
        .unwrap();
    let mut expected = ClientConfig::default();
    expected.reconnect_count = 3;
    expected.reconnect_interval = 7;
    expected.reconnect_nonce = 2;
    expected.ping_interval = 10;
    assert_eq!(outputs, vec![Output::ClientConfig(expected)]);
    assert_eq!(conn.client_config(), expected);
    let policy = expected.reconnect_policy();
    assert_eq!(policy.max_attempts, Some(3));
    assert_eq!(policy.interval, Duration::from_secs(7));
    // The next ping follows the new interval, counted from the last ping.
    assert_eq!(conn.poll_timeout(), Some(T0 + 10_000));
    // The same settings again: nothing to report.
    assert!(
        conn.handle_frame(&pong(Some(r#"{"PingInterval":10}"#)), T0 + 600)
            .unwrap()
            .is_empty()
    );
    // Liveness follows the new interval too: 25 s of silence.
    conn.handle_timeout(T0 + 10_000);
    conn.handle_timeout(T0 + 20_000);
    assert!(matches!(
        conn.handle_timeout(T0 + 600 + 25_000)[..],
        [Output::LivenessLost { .. }]
    ));
}

#[test]
fn events_reach_the_dispatcher_once_across_reconnects() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&calls);
    // No verification token and no encrypt key: the long connection needs neither.
    let dispatcher = Dispatcher::new().on_raw("im.message.receive_v1", move |event: Event| {
        let counted = Arc::clone(&counted);
        async move {
            assert_eq!(event.payload["message"]["message_id"], "om_1");
            counted.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
    });
    let bytes = data_frame("event", "msg-1", 1, 0, &message_event("ev-1")).encode_bytes();
    for connection_number in 0..2u64 {
        // A fresh connection each time, as after a reconnect.
        let now = T0 + connection_number * 1_000;
        let mut conn = Connection::new(SERVICE, ClientConfig::default(), now);
        let delivery = deliveries(conn.handle_frame(&bytes, now).unwrap()).remove(0);
        let result = block_on(dispatcher.dispatch_frame_payload(&delivery.payload, now));
        if connection_number == 0 {
            assert_eq!(result, Ok(None));
        } else {
            assert_eq!(result, Err(EventError::Duplicate("ev-1".into())));
        }
        let ack = conn.ack_dispatched(&delivery.frame, &result, 3);
        assert_eq!(ack_payload(&ack).1, json!({"code": 200, "headers": {}}));
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[test]
fn card_action_reply_goes_in_the_ack_data() {
    let dispatcher = Dispatcher::new().on_card_action(|event: Event| async move {
        assert_eq!(event.payload["action"]["value"]["k"], "v");
        Ok(CardActionReply::new().toast(ToastKind::Success, "done"))
    });
    let payload = serde_json::to_vec(&json!({
        "schema": "2.0",
        "header": {
            "event_id": "ev-card",
            "event_type": "card.action.trigger",
            "create_time": "1700000000000",
            "token": "",
            "app_id": "cli_a",
            "tenant_key": "t1"
        },
        "event": {"operator": {"open_id": "ou_1"}, "action": {"value": {"k": "v"}}}
    }))
    .unwrap();
    let half = payload.len() / 2;
    let mut conn = connection();
    // As the platform delivers a card action: a `card.action.trigger` event in `type: event`
    // frames (here in two fragments, out of order).
    let second = data_frame("event", "card-1", 2, 1, &payload[half..]).encode_bytes();
    let first = data_frame("event", "card-1", 2, 0, &payload[..half]).encode_bytes();
    assert!(conn.handle_frame(&second, T0).unwrap().is_empty());
    let delivery = deliveries(conn.handle_frame(&first, T0).unwrap()).remove(0);
    assert_eq!(delivery.kind, MessageKind::Event);
    let result = block_on(dispatcher.dispatch_frame_payload(&delivery.payload, T0));
    let ack = conn.ack_dispatched(&delivery.frame, &result, 12);
    let (frame, body) = ack_payload(&ack);
    assert_eq!(frame.header(header::BIZ_RT), Some("12"));
    assert_eq!(body["code"], 200);
    let data = base64::engine::general_purpose::STANDARD
        .decode(body["data"].as_str().unwrap())
        .unwrap();
    assert_eq!(
        serde_json::from_slice::<Value>(&data).unwrap(),
        json!({"toast": {"type": "success", "content": "done"}})
    );
}

#[test]
fn dispatcher_rejects_garbage_payloads_without_panicking() {
    let dispatcher = Dispatcher::new();
    for payload in [&b""[..], b"null", b"{", b"[1]", &[0xff, 0xfe][..]] {
        let result = block_on(dispatcher.dispatch_frame_payload(payload, T0));
        assert!(result.is_err(), "{payload:?}");
    }
    let challenge = br#"{"type":"url_verification","challenge":"c","token":"t"}"#;
    assert!(matches!(
        block_on(dispatcher.dispatch_frame_payload(challenge, T0)),
        Err(EventError::Malformed(_))
    ));
}

#[test]
fn app_ticket_is_taken_over_the_long_connection() {
    let tickets = Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = Arc::clone(&tickets);
    let dispatcher = Dispatcher::new().on_app_ticket(move |ticket| {
        let sink = Arc::clone(&sink);
        async move { sink.lock().unwrap().push(ticket) }
    });
    let payload = serde_json::to_vec(&json!({
        "uuid": "u-1",
        "token": "",
        "ts": "1700000000",
        "type": "event_callback",
        "event": {"app_id": "cli_a", "app_ticket": "tk-1", "type": "app_ticket"}
    }))
    .unwrap();
    let result = block_on(dispatcher.dispatch_frame_payload(&payload, T0));
    assert_eq!(result, Ok(None));
    assert_eq!(*tickets.lock().unwrap(), vec!["tk-1".to_owned()]);
}
