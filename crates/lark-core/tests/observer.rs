//! The observer against closure backends and virtual time: each attempt's record (status,
//! code, log id, time, the retry decision, its reason and delay) and the call's, in order, with
//! times that add up exactly. Runs with lark-core's `observe` feature and without `tracing`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_executor::block_on;
use lark_api::im::v1::message;
use lark_core::observe::{AttemptRecord, CallRecord, Observer, Record};
use lark_core::{Client, Config, HttpError, ManualClock, RetryPolicy};
use serde_json::{Value, json};

type Request = http::Request<Vec<u8>>;
type Response = http::Response<Vec<u8>>;

const SECRET: &str = "secret-never-seen";

fn answer(status: u16, log_id: &str, body: Value) -> Response {
    http::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("x-tt-logid", log_id)
        .body(serde_json::to_vec(&body).unwrap())
        .unwrap()
}

fn config() -> Config {
    Config::new("cli_observed", SECRET)
        .base_url("http://127.0.0.1:9")
        .retry(
            RetryPolicy::default()
                .max_attempts(4)
                .base_delay(Duration::from_millis(100))
                .max_delay(Duration::from_millis(100)),
        )
}

/// Every record heard, as JSON (records borrow from the call; JSON is what a metrics pipe
/// would keep).
fn recorder() -> (Arc<Mutex<Vec<Value>>>, impl Fn(&Record<'_>) + Send + Sync) {
    let heard = Arc::new(Mutex::new(Vec::new()));
    let into = Arc::clone(&heard);
    let observer = move |record: &Record<'_>| {
        into.lock()
            .unwrap()
            .push(serde_json::to_value(record).unwrap());
    };
    (heard, observer)
}

/// A backend whose exchanges take `token_ms` (token requests) and `call_ms` (the rest) on
/// `clock`, with tokens `t-hidden-0`, `t-hidden-1`, … and `calls` answering the rest in turn.
fn backend(
    clock: ManualClock,
    calls: Vec<Response>,
) -> impl Fn(Request) -> std::future::Ready<Result<Response, HttpError>> + Send + Sync {
    let tokens = AtomicUsize::new(0);
    let calls = Mutex::new(calls.into_iter());
    move |request: Request| {
        let response = if request.uri().path().contains("/auth/") {
            clock.advance(Duration::from_millis(3));
            let n = tokens.fetch_add(1, Ordering::SeqCst);
            answer(
                200,
                "log-token",
                json!({"code": 0, "msg": "ok", "tenant_access_token": format!("t-hidden-{n}"), "expire": 7200}),
            )
        } else {
            clock.advance(Duration::from_millis(7));
            calls
                .lock()
                .unwrap()
                .next()
                .unwrap_or_else(|| answer(500, "log-over", json!({"code": 1, "msg": "no more"})))
        };
        std::future::ready(Ok(response))
    }
}

fn ok_message(log_id: &str) -> Response {
    answer(
        200,
        log_id,
        json!({"code": 0, "msg": "ok", "data": {"items": [{"message_id": "om_1"}]}}),
    )
}

#[test]
fn a_call_through_a_rejected_token_a_500_and_a_429_is_heard_attempt_by_attempt() {
    let clock = ManualClock::new(1_000_000);
    let rate_limited = http::Response::builder()
        .status(429)
        .header("content-type", "application/json")
        .header("x-tt-logid", "log-3")
        .header("x-ogw-ratelimit-reset", "2")
        .body(br#"{"code":99991400,"msg":"request trigger frequency limit"}"#.to_vec())
        .unwrap();
    let calls = vec![
        answer(
            400,
            "log-1",
            json!({"code": 99_991_663, "msg": "invalid token"}),
        ),
        answer(
            500,
            "log-2",
            json!({"code": 1_000_500, "msg": "internal error"}),
        ),
        rate_limited,
        ok_message("log-4"),
    ];
    let (heard, observer) = recorder();
    let client = Client::builder(config(), backend(clock.clone(), calls), clock.clone())
        .observer(observer)
        .build();
    block_on(client.send(&message::Get::new("om_1"))).unwrap();

    let heard = heard.lock().unwrap().clone();
    assert_eq!(heard.len(), 5, "{heard:#?}");
    let kinds: Vec<&str> = heard.iter().map(|r| r["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["attempt", "attempt", "attempt", "attempt", "call"]);
    for record in &heard {
        assert_eq!(record["service"], "im");
        assert_eq!(record["endpoint"], "v1.message.get");
        assert_eq!(record["method"], "GET");
        assert_eq!(record["path"], "/open-apis/im/v1/messages/:message_id");
    }
    let column = |key: &str| -> Vec<Value> { heard[..4].iter().map(|r| r[key].clone()).collect() };
    assert_eq!(column("attempt"), [json!(1), json!(2), json!(3), json!(4)]);
    assert_eq!(
        column("ok"),
        [json!(false), json!(false), json!(false), json!(true)]
    );
    assert_eq!(
        column("status"),
        [json!(400), json!(500), json!(429), json!(200)]
    );
    assert_eq!(
        column("code"),
        [
            json!(99_991_663),
            json!(1_000_500),
            json!(99_991_400),
            Value::Null
        ]
    );
    assert_eq!(
        column("log_id"),
        [
            json!("log-1"),
            json!("log-2"),
            json!("log-3"),
            json!("log-4")
        ]
    );
    assert_eq!(
        column("error"),
        [json!("api"), json!("api"), json!("api"), Value::Null]
    );
    assert_eq!(
        column("retried"),
        [json!(true), json!(true), json!(true), json!(false)]
    );
    assert_eq!(
        column("reason"),
        [
            json!("token rejected"),
            json!("server error"),
            json!("rate limited (reset hint)"),
            Value::Null
        ]
    );
    // The first two attempts each fetched a token (3 ms) and sent the call (7 ms).
    assert_eq!(
        column("elapsed_ms"),
        [json!(10), json!(10), json!(7), json!(7)]
    );
    let backoff = heard[1]["delay_ms"].as_u64().unwrap();
    assert!(backoff <= 100, "{backoff}");
    assert_eq!(heard[0]["delay_ms"], 0);
    assert_eq!(heard[2]["delay_ms"], 2_000);
    assert_eq!(heard[3]["delay_ms"], 0);

    let call = &heard[4];
    assert_eq!(call["attempts"], 4);
    assert_eq!(call["ok"], true);
    assert_eq!(call["status"], 200);
    assert_eq!(call["log_id"], "log-4");
    assert_eq!(call["error"], Value::Null);
    // Virtual time: the call took its attempts and its waits, nothing else.
    assert_eq!(call["elapsed_ms"], 10 + 10 + backoff + 7 + 2_000 + 7);

    let all = serde_json::to_string(&heard).unwrap();
    for hidden in ["t-hidden", SECRET] {
        assert!(!all.contains(hidden), "`{hidden}` was observed: {all}");
    }
}

/// A call's attempts, success, last status and error kind.
type CallSummary = (u32, bool, Option<u16>, Option<&'static str>);

/// An observer that keeps the calls only, by the trait's default for attempts.
#[derive(Default)]
struct Calls(Mutex<Vec<CallSummary>>);

impl Observer for Calls {
    fn on_call(&self, call: &CallRecord<'_>) {
        self.0
            .lock()
            .unwrap()
            .push((call.attempts, call.ok, call.status, call.error));
    }
}

#[test]
fn failed_calls_say_why_they_stopped() {
    let clock = ManualClock::new(0);
    let calls = vec![
        // A POST without an idempotency key met a 500: its fate is unknown, not sent again.
        answer(
            500,
            "log-a",
            json!({"code": 1_000_500, "msg": "internal error"}),
        ),
        // Rate limited on every attempt: the attempts run out.
        answer(429, "log-b", json!({"code": 99_991_400, "msg": "limit"})),
        answer(429, "log-c", json!({"code": 99_991_400, "msg": "limit"})),
    ];
    let (heard, observer) = recorder();
    let kept = Arc::new(Calls::default());
    let both = {
        let kept = Arc::clone(&kept);
        move |record: &Record<'_>| {
            observer(record);
            if let Record::Call(call) = record {
                kept.on_call(call);
            }
        }
    };
    let client = Client::builder(config(), backend(clock.clone(), calls), clock)
        .observer(both)
        .build();
    let posted = block_on(
        client
            .raw(http::Method::POST, "/open-apis/anything/v1/things/42")
            .json(json!({"name": "x"}))
            .send(),
    );
    assert_eq!(posted.unwrap_err().code(), Some(1_000_500));
    let limited = block_on(
        client
            .raw(http::Method::GET, "/open-apis/anything/v1/things/42")
            .options(lark_core::RequestOptions::new().retry(RetryPolicy::default().max_attempts(2)))
            .send(),
    );
    assert_eq!(limited.unwrap_err().code(), Some(99_991_400));

    let heard = heard.lock().unwrap().clone();
    let summary: Vec<(String, Value, Value, Value)> = heard
        .iter()
        .map(|r| {
            (
                r["kind"].as_str().unwrap().to_owned(),
                r["retried"].clone(),
                r["reason"].clone(),
                r["path"].clone(),
            )
        })
        .collect();
    let attempt = |retried: bool, reason: &str| {
        (
            "attempt".to_owned(),
            json!(retried),
            json!(reason),
            json!(""),
        )
    };
    let call = ("call".to_owned(), Value::Null, Value::Null, json!(""));
    assert_eq!(
        summary,
        [
            attempt(false, "not retryable"),
            call.clone(),
            attempt(true, "rate limited"),
            attempt(false, "attempts exhausted"),
            call,
        ]
    );
    // A raw request is named `raw.raw`, its path (which may carry ids) left out.
    assert!(
        heard
            .iter()
            .all(|r| r["service"] == "raw" && r["endpoint"] == "raw")
    );
    assert_eq!(
        *kept.0.lock().unwrap(),
        [
            (1, false, Some(500), Some("api")),
            (2, false, Some(429), Some("api"))
        ]
    );
}

#[test]
fn a_transport_failure_has_no_status_and_names_its_kind() {
    let clock = ManualClock::new(0);
    // Each attempt's number, status, error kind and whether it was retried.
    type Summary = (u32, Option<u16>, Option<String>, bool);
    let heard: Arc<Mutex<Vec<Summary>>> = Arc::default();
    let into = Arc::clone(&heard);
    let refused = |_: Request| {
        std::future::ready(Err::<Response, _>(HttpError::new(
            lark_core::HttpErrorKind::Connect,
            "refused",
        )))
    };
    let client = Client::builder(config(), refused, clock)
        .observer(move |record: &Record<'_>| {
            if let Record::Attempt(AttemptRecord {
                attempt,
                status,
                error,
                retried,
                ..
            }) = *record
            {
                let error = error.map(str::to_owned);
                into.lock().unwrap().push((attempt, status, error, retried));
            }
        })
        .build();
    // The token request cannot be made either: every attempt fails before the call is sent.
    let err = block_on(client.send(&message::Get::new("om_1"))).unwrap_err();
    assert!(matches!(err, lark_core::Error::Token { .. }), "{err:?}");
    let heard = heard.lock().unwrap().clone();
    let token = Some("token".to_owned());
    assert_eq!(
        heard,
        [
            (1, None, token.clone(), true),
            (2, None, token.clone(), true),
            (3, None, token.clone(), true),
            (4, None, token, false),
        ]
    );
}

#[test]
fn a_download_is_heard_under_its_endpoint_s_name() {
    let clock = ManualClock::new(0);
    let bytes = http::Response::builder()
        .status(200)
        .header("content-type", "image/png")
        .header("x-tt-logid", "log-image")
        .body(b"\x89PNG...".to_vec())
        .unwrap();
    let calls = vec![
        answer(502, "log-gateway", json!({"code": 1, "msg": "bad gateway"})),
        bytes,
    ];
    let (heard, observer) = recorder();
    let client = Client::builder(config(), backend(clock.clone(), calls), clock)
        .observer(observer)
        .build();
    let image = lark_api::im::v1::image::Get::new("img_v2_1");
    let prepared = client
        .prepare_download(&image, &lark_core::RequestOptions::new())
        .unwrap();
    let answer = block_on(client.send_download(&prepared, 0, None)).unwrap();
    assert_eq!(answer.parts.status, 200);

    let heard = heard.lock().unwrap().clone();
    let summary: Vec<(Value, Value, Value, Value)> = heard
        .iter()
        .map(|r| {
            (
                r["kind"].clone(),
                r["status"].clone(),
                r["log_id"].clone(),
                r["reason"].clone(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                json!("attempt"),
                json!(502),
                json!("log-gateway"),
                json!("server error")
            ),
            (
                json!("attempt"),
                json!(200),
                json!("log-image"),
                Value::Null
            ),
            (json!("call"), json!(200), json!("log-image"), Value::Null),
        ]
    );
    for record in &heard {
        assert_eq!(record["service"], "im");
        assert_eq!(record["endpoint"], "v1.image.get");
        assert_eq!(record["path"], "/open-apis/im/v1/images/:image_key");
    }
}
