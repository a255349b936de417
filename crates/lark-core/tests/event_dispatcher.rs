//! The dispatcher over plain `http::Request`s: every check, every envelope, every reply.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_executor::block_on;
use lark_core::event::{
    self, CardActionReply, Dispatcher, Event, EventError, MemoryDedupStore, ToastKind,
};
use serde_json::{Value, json};

const KEY: &str = "encrypt-key";
const TOKEN: &str = "verification-token";
const NOW_SECS: u64 = 1_700_000_000;
const NOW: u64 = NOW_SECS * 1000;

fn v2(event_type: &str, event_id: &str, event: Value) -> Value {
    json!({
        "schema": "2.0",
        "header": {
            "event_id": event_id, "event_type": event_type, "create_time": "1700000000000",
            "token": TOKEN, "app_id": "cli_a", "tenant_key": "tk"
        },
        "event": event,
    })
}

fn sealed(plain: &Value) -> Vec<u8> {
    let text = serde_json::to_vec(plain).unwrap();
    serde_json::to_vec(&json!({"encrypt": event::encrypt(KEY, &text, [9; 16])})).unwrap()
}

/// A request signed the way the platform signs it.
fn signed(body: Vec<u8>, timestamp: u64) -> http::Request<Vec<u8>> {
    let ts = timestamp.to_string();
    let signature = event::event_signature(&ts, "nonce", KEY, &body);
    http::Request::post("/webhook/event")
        .header(event::HEADER_TIMESTAMP, ts)
        .header(event::HEADER_NONCE, "nonce")
        .header(event::HEADER_SIGNATURE, signature)
        .body(body)
        .unwrap()
}

fn plain(body: &Value) -> http::Request<Vec<u8>> {
    http::Request::post("/webhook/event")
        .body(serde_json::to_vec(body).unwrap())
        .unwrap()
}

/// A dispatcher with the key and token, counting calls of a raw `im.message.receive_v1` handler.
fn counting() -> (Dispatcher, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&calls);
    let dispatcher = Dispatcher::new()
        .encrypt_key(KEY)
        .verification_token(TOKEN)
        .on_raw("im.message.receive_v1", move |event: Event| {
            let seen = Arc::clone(&seen);
            async move {
                assert_eq!(event.payload["message"]["content"], "hi");
                seen.fetch_add(1, Ordering::SeqCst);
                Ok(())
            }
        });
    (dispatcher, calls)
}

fn message(event_id: &str) -> Value {
    v2(
        "im.message.receive_v1",
        event_id,
        json!({"message": {"content": "hi"}}),
    )
}

fn body_json(response: &http::Response<Vec<u8>>) -> Value {
    serde_json::from_slice(response.body()).unwrap()
}

#[test]
fn signed_encrypted_event_reaches_its_handler() {
    let (dispatcher, calls) = counting();
    let handled = block_on(dispatcher.process(signed(sealed(&message("e1")), NOW_SECS), NOW));
    assert_eq!(handled.error, None);
    assert_eq!(handled.response.status(), 200);
    assert_eq!(body_json(&handled.response), json!({}));
    assert_eq!(
        handled.response.headers()[http::header::CONTENT_TYPE],
        "application/json; charset=utf-8"
    );
    let event = handled.event.unwrap();
    assert_eq!(
        (event.app_id.as_deref(), event.tenant_key.as_deref()),
        (Some("cli_a"), Some("tk"))
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[test]
fn challenges_plain_and_encrypted() {
    let (dispatcher, _) = counting();
    let challenge = json!({"type": "url_verification", "challenge": "c-1", "token": TOKEN});
    for request in [plain(&challenge), {
        let mut r = plain(&challenge);
        *r.body_mut() = sealed(&challenge);
        r
    }] {
        let response = block_on(dispatcher.handle(request, NOW));
        assert_eq!(response.status(), 200);
        assert_eq!(body_json(&response), json!({"challenge": "c-1"}));
    }
    let forged = json!({"type": "url_verification", "challenge": "c-1", "token": "nope"});
    let handled = block_on(dispatcher.process(plain(&forged), NOW));
    assert_eq!(handled.error, Some(EventError::BadToken));
    assert_eq!(handled.response.status(), 401);
    let tokenless = json!({"type": "url_verification", "challenge": "c-1"});
    assert_eq!(
        block_on(dispatcher.process(plain(&tokenless), NOW)).error,
        Some(EventError::BadToken)
    );
}

#[test]
fn tampered_body_wrong_signature_and_missing_headers_are_refused() {
    let (dispatcher, calls) = counting();
    // Tampered: signed, then one byte of the body changed.
    let mut request = signed(sealed(&message("e1")), NOW_SECS);
    let last = request.body().len() - 3;
    request.body_mut()[last] ^= 1;
    let handled = block_on(dispatcher.process(request, NOW));
    assert!(matches!(handled.error, Some(EventError::BadSignature(_))));
    assert_eq!(handled.response.status(), 401);
    assert!(handled.event.is_none());

    // Signed with another key.
    let body = sealed(&message("e2"));
    let ts = NOW_SECS.to_string();
    let request = http::Request::post("/")
        .header(event::HEADER_TIMESTAMP, &ts)
        .header(event::HEADER_NONCE, "n")
        .header(
            event::HEADER_SIGNATURE,
            event::event_signature(&ts, "n", "other-key", &body),
        )
        .body(body.clone())
        .unwrap();
    let handled = block_on(dispatcher.process(request, NOW));
    assert!(matches!(handled.error, Some(EventError::BadSignature(_))));

    // No signature headers at all, encrypted or not.
    for body in [body, serde_json::to_vec(&message("e3")).unwrap()] {
        let request = http::Request::post("/").body(body).unwrap();
        let handled = block_on(dispatcher.process(request, NOW));
        assert!(matches!(handled.error, Some(EventError::BadSignature(_))));
    }
    // The signature must cover the body bytes as sent: the same JSON re-serialised differs.
    let spaced = serde_json::to_vec_pretty(&message("e4")).unwrap();
    let mut request = signed(serde_json::to_vec(&message("e4")).unwrap(), NOW_SECS);
    *request.body_mut() = spaced;
    assert!(matches!(
        block_on(dispatcher.process(request, NOW)).error,
        Some(EventError::BadSignature(_))
    ));
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}

#[test]
fn wrong_key_bad_padding_truncated_and_non_base64_fail_to_decrypt() {
    // Without signature checks (no key for them), decryption itself must refuse.
    let text = serde_json::to_vec(&message("e1")).unwrap();
    let good = event::encrypt(KEY, &text, [3; 16]);
    let cases = [
        ("other-key-1", good.clone()),
        (KEY, good[..good.len() - 8].to_owned() + "AAAAAAA="),
        (KEY, good[..good.len() - 4].to_owned()),
        (KEY, "%%%not base64%%%".to_owned()),
        (KEY, String::new()),
    ];
    for (key, sealed) in cases {
        let result = event::Envelope::open(
            &serde_json::to_vec(&json!({ "encrypt": sealed })).unwrap(),
            Some(key),
        );
        assert!(
            matches!(result, Err(EventError::Decrypt(_))),
            "{key} {sealed}: {result:?}"
        );
    }
    // Through the dispatcher: a correctly signed body whose ciphertext is garbage is a 400.
    let dispatcher = Dispatcher::new().encrypt_key(KEY);
    let body = serde_json::to_vec(&json!({"encrypt": "AAAA"})).unwrap();
    let handled = block_on(dispatcher.process(signed(body, NOW_SECS), NOW));
    assert!(matches!(handled.error, Some(EventError::Decrypt(_))));
    assert_eq!(handled.response.status(), 400);
    // An encrypted body and no key configured is a configuration error.
    let handled = block_on(Dispatcher::new().process(plain(&json!({"encrypt": good})), NOW));
    assert!(matches!(handled.error, Some(EventError::Config(_))));
    assert_eq!(handled.response.status(), 500);
}

#[test]
fn stale_and_future_timestamps_are_refused() {
    let (dispatcher, calls) = counting();
    for timestamp in [NOW_SECS - 301, NOW_SECS + 301] {
        let handled = block_on(dispatcher.process(signed(sealed(&message("e1")), timestamp), NOW));
        assert_eq!(
            handled.error,
            Some(EventError::Stale {
                age_secs: 301,
                window_secs: 300
            })
        );
        assert_eq!(handled.response.status(), 401);
    }
    let handled = block_on(dispatcher.process(signed(sealed(&message("e1")), NOW_SECS - 299), NOW));
    assert_eq!(handled.error, None);
    assert_eq!(calls.load(Ordering::SeqCst), 1);

    // A wider window, or none.
    let (dispatcher, _) = counting();
    let dispatcher = dispatcher.freshness_window(Some(Duration::from_secs(3600)));
    let handled =
        block_on(dispatcher.process(signed(sealed(&message("e2")), NOW_SECS - 3000), NOW));
    assert_eq!(handled.error, None);
    let (dispatcher, _) = counting();
    let dispatcher = dispatcher.freshness_window(None);
    let handled = block_on(dispatcher.process(signed(sealed(&message("e3")), 1), NOW));
    assert_eq!(handled.error, None);
}

#[test]
fn replayed_event_ids_are_dropped_with_200() {
    let (dispatcher, calls) = counting();
    let first = block_on(dispatcher.process(signed(sealed(&message("e1")), NOW_SECS), NOW));
    assert_eq!(first.error, None);
    let again = block_on(dispatcher.process(signed(sealed(&message("e1")), NOW_SECS), NOW + 10));
    assert_eq!(again.error, Some(EventError::Duplicate("e1".into())));
    assert_eq!(again.response.status(), 200);
    assert_eq!(body_json(&again.response), json!({}));
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    // Schema 1.0 events are de-duplicated by uuid.
    let v1 = json!({"uuid": "u-1", "token": TOKEN, "ts": "1", "type": "event_callback",
                    "event": {"type": "im.message.receive_v1", "message": {"content": "hi"}}});
    let dispatcher = Dispatcher::new().verification_token(TOKEN);
    assert_eq!(block_on(dispatcher.process(plain(&v1), NOW)).error, None);
    assert_eq!(
        block_on(dispatcher.process(plain(&v1), NOW)).error,
        Some(EventError::Duplicate("u-1".into()))
    );
}

#[test]
fn the_dedup_store_forgets_after_its_ttl() {
    let (dispatcher, calls) = counting();
    let dispatcher = dispatcher
        .freshness_window(None)
        .dedup_store(MemoryDedupStore::new(100, Duration::from_secs(60)));
    for (at, expected_calls) in [(NOW, 1), (NOW + 59_000, 1), (NOW + 60_000, 2)] {
        block_on(dispatcher.process(signed(sealed(&message("e1")), NOW_SECS), at));
        assert_eq!(calls.load(Ordering::SeqCst), expected_calls);
    }
}

#[test]
fn a_failing_handler_gets_500_and_the_redelivery_runs_again() {
    let attempts = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&attempts);
    let dispatcher =
        Dispatcher::new()
            .allow_unverified()
            .on_raw("im.message.receive_v1", move |_event| {
                let seen = Arc::clone(&seen);
                async move {
                    if seen.fetch_add(1, Ordering::SeqCst) == 0 {
                        return Err("database down".into());
                    }
                    Ok(())
                }
            });
    let first = block_on(dispatcher.process(plain(&message("e1")), NOW));
    assert_eq!(
        first.error,
        Some(EventError::Handler("database down".into()))
    );
    assert_eq!(first.response.status(), 500);
    let second = block_on(dispatcher.process(plain(&message("e1")), NOW));
    assert_eq!(second.error, None);
    assert_eq!(attempts.load(Ordering::SeqCst), 2);
    let third = block_on(dispatcher.process(plain(&message("e1")), NOW));
    assert_eq!(third.error, Some(EventError::Duplicate("e1".into())));
}

#[test]
fn oversized_bodies_are_refused_before_parsing() {
    let dispatcher = Dispatcher::new().body_limit(1024);
    let request = http::Request::post("/").body(vec![b'{'; 1025]).unwrap();
    let handled = block_on(dispatcher.process(request, NOW));
    assert_eq!(handled.error, Some(EventError::TooLarge { limit: 1024 }));
    assert_eq!(handled.response.status(), 413);
    let handled = block_on(
        Dispatcher::new().process(
            http::Request::post("/")
                .body(vec![b' '; 1024 * 1024 + 1])
                .unwrap(),
            NOW,
        ),
    );
    assert_eq!(handled.response.status(), 413);
}

#[test]
fn verification_tokens_of_v1_and_v2_events_are_checked() {
    let dispatcher = Dispatcher::new().verification_token(TOKEN);
    let mut forged = message("e1");
    forged["header"]["token"] = json!("forged");
    assert_eq!(
        block_on(dispatcher.process(plain(&forged), NOW)).error,
        Some(EventError::BadToken)
    );
    let v1 =
        json!({"uuid": "u", "token": "forged", "type": "event_callback", "event": {"type": "x"}});
    assert_eq!(
        block_on(dispatcher.process(plain(&v1), NOW)).error,
        Some(EventError::BadToken)
    );
    assert_eq!(
        block_on(dispatcher.process(plain(&message("e2")), NOW)).error,
        None
    );
}

#[test]
fn unknown_types_reach_the_fallback_as_raw_json() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    let dispatcher = Dispatcher::new()
        .allow_unverified()
        .fallback(move |event: Event| {
            let log = Arc::clone(&log);
            async move {
                log.lock()
                    .unwrap()
                    .push((event.event_type.clone(), event.payload.clone()));
                Ok(())
            }
        });
    let body = v2("brand.new.event_v9", "e1", json!({"anything": [1, 2]}));
    let handled = block_on(dispatcher.process(plain(&body), NOW));
    assert_eq!(handled.error, None);
    assert_eq!(
        *seen.lock().unwrap(),
        vec![("brand.new.event_v9".to_owned(), json!({"anything": [1, 2]}))]
    );
    // Without any handler: 200 {} and the event is still returned.
    let handled = block_on(
        Dispatcher::new()
            .allow_unverified()
            .process(plain(&body), NOW),
    );
    assert_eq!(handled.response.status(), 200);
    assert_eq!(handled.event.unwrap().event_type, "brand.new.event_v9");
}

#[test]
fn card_action_trigger_replies_with_toast_and_card() {
    let dispatcher = Dispatcher::new()
        .encrypt_key(KEY)
        .verification_token(TOKEN)
        .on_card_action(|event: Event| async move {
            let value = event.payload["action"]["value"]["choice"]
                .as_str()
                .unwrap_or("")
                .to_owned();
            Ok(CardActionReply::new()
                .toast(ToastKind::Success, format!("chose {value}"))
                .raw_card(json!({"elements": [{"tag": "markdown", "content": value}]})))
        });
    let body = v2(
        "card.action.trigger",
        "e1",
        json!({"action": {"tag": "button", "value": {"choice": "yes"}}, "token": "c-update"}),
    );
    for _ in 0..2 {
        // Callbacks are not de-duplicated: each click gets its reply.
        let handled = block_on(dispatcher.process(signed(sealed(&body), NOW_SECS), NOW));
        assert_eq!(handled.error, None);
        assert_eq!(
            body_json(&handled.response),
            json!({
                "toast": {"type": "success", "content": "chose yes"},
                "card": {"type": "raw", "data": {"elements": [{"tag": "markdown", "content": "yes"}]}}
            })
        );
    }
}

#[test]
fn legacy_card_callbacks_are_checked_with_sha1_and_answered() {
    let dispatcher = Dispatcher::new()
        .verification_token(TOKEN)
        .on_card_action_legacy(|event: Event| async move {
            assert_eq!(event.payload["refresh_token"], "rt-1");
            Ok(json!({"config": {"wide_screen_mode": true}, "elements": []}))
        });
    let body = serde_json::to_vec(&json!({
        "open_id": "ou_1", "open_message_id": "om_1", "tenant_key": "tk",
        "token": "c-update-token", "action": {"tag": "button", "value": {"k": "v"}}
    }))
    .unwrap();
    let request = |signature: String, timestamp: u64| {
        http::Request::post("/card")
            .header(event::HEADER_TIMESTAMP, timestamp.to_string())
            .header(event::HEADER_NONCE, "n")
            .header(event::HEADER_SIGNATURE, signature)
            .header(event::HEADER_REFRESH_TOKEN, "rt-1")
            .body(body.clone())
            .unwrap()
    };
    let good = event::card_signature(&NOW_SECS.to_string(), "n", TOKEN, &body);
    let handled = block_on(dispatcher.process(request(good.clone(), NOW_SECS), NOW));
    assert_eq!(handled.error, None);
    assert_eq!(
        body_json(&handled.response),
        json!({"config": {"wide_screen_mode": true}, "elements": []})
    );
    let wrong = event::card_signature(&NOW_SECS.to_string(), "n", "other", &body);
    let handled = block_on(dispatcher.process(request(wrong, NOW_SECS), NOW));
    assert!(matches!(handled.error, Some(EventError::BadSignature(_))));
    let stale = event::card_signature(&(NOW_SECS - 1000).to_string(), "n", TOKEN, &body);
    let handled = block_on(dispatcher.process(request(stale, NOW_SECS - 1000), NOW));
    assert!(matches!(handled.error, Some(EventError::Stale { .. })));
    // Unsigned: refused.
    let mut unsigned = request(String::new(), NOW_SECS);
    unsigned.headers_mut().remove(event::HEADER_SIGNATURE);
    let handled = block_on(dispatcher.process(unsigned, NOW));
    assert!(matches!(handled.error, Some(EventError::BadSignature(_))));
    // With an encrypt key but no verification token, nothing could check it: refused.
    let keyed = Dispatcher::new()
        .encrypt_key(KEY)
        .on_card_action_legacy(|_event: Event| async { Ok(json!({})) });
    let handled = block_on(keyed.process(request(good, NOW_SECS), NOW));
    assert!(matches!(handled.error, Some(EventError::Config(_))));
}

#[test]
fn app_tickets_feed_the_client_token_store() {
    use lark_core::{AppType, Client, Config, HttpError, ManualClock};
    let bodies = Arc::new(Mutex::new(Vec::<Value>::new()));
    let log = Arc::clone(&bodies);
    let http = move |request: http::Request<Vec<u8>>| {
        let log = Arc::clone(&log);
        async move {
            let body: Value = serde_json::from_slice(request.body()).unwrap_or(Value::Null);
            log.lock().unwrap().push(body);
            let answer = json!({"code": 0, "msg": "ok", "app_access_token": "a-1", "expire": 7200});
            Ok::<_, HttpError>(http::Response::new(serde_json::to_vec(&answer).unwrap()))
        }
    };
    let config = Config::new("cli_isv", "secret").app_type(AppType::Marketplace);
    let client = Client::new(config, http, ManualClock::new(NOW));
    let tickets = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&tickets);
    let dispatcher = Dispatcher::new()
        .verification_token(TOKEN)
        .app_ticket_to(client.clone())
        .on_raw("app_ticket", move |_event| {
            let counted = Arc::clone(&counted);
            async move {
                counted.fetch_add(1, Ordering::SeqCst);
                Ok(())
            }
        });
    let ticket = json!({"uuid": "u-ticket", "token": TOKEN, "ts": "1", "type": "event_callback",
                        "event": {"type": "app_ticket", "app_id": "cli_isv", "app_ticket": "ticket-42"}});
    let handled = block_on(dispatcher.process(plain(&ticket), NOW));
    assert_eq!(handled.error, None);
    assert_eq!(tickets.load(Ordering::SeqCst), 1);
    let token = block_on(client.app_access_token()).unwrap();
    assert_eq!(token.expose(), "a-1");
    let sent = bodies.lock().unwrap();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["app_ticket"], "ticket-42");
}

#[test]
fn errors_convert_into_the_sdk_error() {
    let error: lark_core::Error = EventError::BadToken.into();
    assert!(matches!(
        error,
        lark_core::Error::Event(EventError::BadToken)
    ));
    assert_eq!(
        error.to_string(),
        "event: the verification token does not match"
    );
    // Secrets never show.
    let dispatcher = Dispatcher::new().encrypt_key(KEY).verification_token(TOKEN);
    let shown = format!("{dispatcher:?}");
    assert!(!shown.contains(KEY) && !shown.contains(TOKEN), "{shown}");
}

/// Mutated bodies and headers never panic, and every answer is a JSON response. A bounded,
/// deterministic stand-in for the fuzz targets in fuzz/, run in every test run.
#[test]
fn mutated_requests_never_panic() {
    let dispatcher = Dispatcher::new()
        .encrypt_key(KEY)
        .verification_token(TOKEN)
        .freshness_window(None)
        .on_card_action(|_event| async { Ok(CardActionReply::new()) })
        .fallback(|_event| async { Ok(()) });
    let seeds: Vec<Vec<u8>> = vec![
        sealed(&message("e1")),
        serde_json::to_vec(&message("e2")).unwrap(),
        serde_json::to_vec(&json!({"type": "url_verification", "challenge": "c", "token": TOKEN}))
            .unwrap(),
        br#"{"uuid":"u","token":"t","event":{"type":"app_ticket","app_ticket":"x"}}"#.to_vec(),
        br#"{"open_message_id":"om","action":{}}"#.to_vec(),
    ];
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for round in 0..3000 {
        let mut body = seeds[round % seeds.len()].clone();
        for _ in 0..(next() % 4) {
            if body.is_empty() {
                break;
            }
            let at = (next() as usize) % body.len();
            match next() % 4 {
                0 => body[at] = next() as u8,
                1 => {
                    body.remove(at);
                }
                2 => body.insert(at, b"{}[]\",:\\0e"[(next() % 10) as usize]),
                _ => body.truncate(at),
            }
        }
        let request = if round % 2 == 0 {
            signed(body, NOW_SECS)
        } else {
            http::Request::post("/").body(body).unwrap()
        };
        let response = block_on(dispatcher.handle(request, NOW));
        serde_json::from_slice::<Value>(response.body()).unwrap();
    }
}

#[cfg(feature = "event-types")]
#[test]
fn typed_handlers_get_their_struct() {
    use lark_core::event::types::{AnyEvent, im};
    let texts = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&texts);
    let dispatcher = Dispatcher::new().allow_unverified().on(
        move |payload: im::MessageReceiveV1, event: Event| {
            let log = Arc::clone(&log);
            async move {
                let message = payload.message.unwrap_or_default();
                log.lock()
                    .unwrap()
                    .push((event.event_type, message.content));
                Ok(())
            }
        },
    );
    let handled = block_on(dispatcher.process(plain(&message("e1")), NOW));
    assert_eq!(handled.error, None);
    assert_eq!(
        *texts.lock().unwrap(),
        vec![("im.message.receive_v1".to_owned(), Some("hi".to_owned()))]
    );
    let event = handled.event.unwrap();
    assert!(matches!(
        AnyEvent::from_event(&event).unwrap(),
        AnyEvent::ImMessageReceiveV1(_)
    ));
    // A payload that does not fit the struct is a 400, not a panic.
    let bad = v2(
        "im.message.receive_v1",
        "e2",
        json!({"message": "not an object"}),
    );
    let handled = block_on(dispatcher.process(plain(&bad), NOW));
    assert!(matches!(handled.error, Some(EventError::Malformed(_))));
    assert_eq!(handled.response.status(), 400);
}

/// Web frameworks on multi-threaded runtimes need the dispatcher's future to be `Send` and the
/// dispatcher to be shareable.
#[cfg(not(target_arch = "wasm32"))]
#[test]
fn the_dispatcher_future_is_send() {
    fn send_sync<T: Send + Sync>(_: &T) {}
    fn send<T: Send>(_: T) {}
    let (dispatcher, _) = counting();
    send_sync(&dispatcher);
    send(dispatcher.process(plain(&message("e1")), NOW));
}

#[test]
fn a_dispatcher_without_token_or_key_refuses_every_request() {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&calls);
    let closed = Dispatcher::new().on_raw("im.message.receive_v1", move |_event| {
        seen.fetch_add(1, Ordering::SeqCst);
        async { Ok(()) }
    });
    let challenge = json!({"type": "url_verification", "challenge": "c", "token": "anything"});
    for body in [message("e-closed"), challenge] {
        let handled = block_on(closed.process(plain(&body), NOW));
        assert!(
            matches!(&handled.error, Some(EventError::Config(m)) if m.contains("allow_unverified")),
            "{:?}",
            handled.error
        );
        assert_eq!(handled.response.status(), 500);
    }
    // The same from a config without token or key.
    let from_config = Dispatcher::from_config(&lark_core::Config::new("cli_a", "s"));
    let handled = block_on(from_config.process(plain(&message("e-config")), NOW));
    assert!(matches!(handled.error, Some(EventError::Config(_))));
    assert_eq!(calls.load(Ordering::SeqCst), 0);
    // Opened on purpose, it hands the event on.
    let seen = Arc::clone(&calls);
    let open =
        Dispatcher::new()
            .allow_unverified()
            .on_raw("im.message.receive_v1", move |_event| {
                seen.fetch_add(1, Ordering::SeqCst);
                async { Ok(()) }
            });
    assert_eq!(
        block_on(open.process(plain(&message("e-open")), NOW)).error,
        None
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[test]
fn a_forged_app_ticket_is_never_stored() {
    use lark_core::{AppType, Client, Config, HttpError, ManualClock};
    let token_requests = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&token_requests);
    let http = move |_request: http::Request<Vec<u8>>| {
        counted.fetch_add(1, Ordering::SeqCst);
        let answer = json!({"code": 0, "msg": "ok", "app_access_token": "a-1", "expire": 7200});
        std::future::ready(Ok::<_, HttpError>(http::Response::new(
            serde_json::to_vec(&answer).unwrap(),
        )))
    };
    let config = Config::new("cli_isv", "secret").app_type(AppType::Marketplace);
    let client = Client::new(config, http, ManualClock::new(NOW));
    let ticket = |token: &str| {
        json!({"uuid": "u-forged", "token": token, "ts": "1", "type": "event_callback",
               "event": {"type": "app_ticket", "app_id": "cli_isv", "app_ticket": "forged"}})
    };
    // A wrong verification token is refused before the ticket is looked at.
    let checked = Dispatcher::new()
        .verification_token(TOKEN)
        .app_ticket_to(client.clone());
    let handled = block_on(checked.process(plain(&ticket("forged-token")), NOW));
    assert_eq!(handled.error, Some(EventError::BadToken));
    // An unsigned POST to a dispatcher opened with allow_unverified() does not store it either.
    let open = Dispatcher::new()
        .allow_unverified()
        .app_ticket_to(client.clone());
    let handled = block_on(open.process(plain(&ticket("whatever")), NOW));
    assert!(matches!(handled.error, Some(EventError::Config(_))));
    // With no ticket stored, the client asks the platform to resend one instead of buying an
    // app token with the forged ticket.
    let err = block_on(client.app_access_token()).unwrap_err();
    assert!(err.to_string().contains("no app_ticket"), "{err}");
    assert_eq!(
        token_requests.load(Ordering::SeqCst),
        1,
        "only the resend request"
    );
}
