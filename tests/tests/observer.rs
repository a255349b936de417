//! What an observer hears of a call whose token expired, then met a 500 and a 429 on its way,
//! against lark-mock over reqwest: one record per attempt and one for the call, in that order,
//! with the same numbering, codes and reasons as the `lark.attempt` spans (`observe.rs`), and no
//! token or secret in any of them.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use lark_core::observe::Record;
use lark_core::{Client, Config, RetryPolicy};
use lark_mock::{Fault, FaultRule, MockServer};
use lark_reqwest::{ReqwestClient, SystemRuntime};
use serde_json::{Value, json};

const MESSAGES: &str = "/open-apis/im/v1/messages";

#[tokio::test]
async fn a_call_through_an_expired_token_a_500_and_a_429_is_heard_attempt_by_attempt() {
    let mock = MockServer::start().await.unwrap();
    let heard = Arc::new(Mutex::new(Vec::<Value>::new()));
    let into = Arc::clone(&heard);
    let client = Client::builder(
        Config::new(MockServer::APP_ID, MockServer::APP_SECRET)
            .base_url(mock.base_url())
            .retry(
                RetryPolicy::default()
                    .max_attempts(4)
                    .base_delay(Duration::from_millis(1))
                    .max_delay(Duration::from_millis(5)),
            ),
        ReqwestClient::new(),
        SystemRuntime,
    )
    .observer(move |record: &Record<'_>| {
        into.lock()
            .unwrap()
            .push(serde_json::to_value(record).unwrap());
    })
    .build();
    // A typed send: its idempotency key (`uuid`) makes the POST safe to repeat.
    let message = lark_api::im::v1::message::Create::new(
        "chat_id",
        MockServer::CHAT_ID,
        "text",
        r#"{"text":"observed"}"#,
    );
    lark_tests::within(Duration::from_secs(10), client.send(&message))
        .await
        .unwrap();
    let first_token = client.tenant_access_token(None).await.unwrap();
    {
        let warm_up = heard.lock().unwrap();
        let kinds: Vec<&Value> = warm_up.iter().map(|r| &r["kind"]).collect();
        assert_eq!(kinds, ["attempt", "call"], "{warm_up:#?}");
        assert_eq!(warm_up[1]["attempts"], 1);
    }
    heard.lock().unwrap().clear();

    // The token expires; the second attempt meets a 500, the third a 429 (reset now).
    mock.expire_tokens();
    mock.inject(
        FaultRule::new(Fault::lark_error(1_000_500, "internal error").status(500))
            .path(MESSAGES)
            .nth(2),
    );
    mock.inject(FaultRule::new(Fault::rate_limited(0)).path(MESSAGES).nth(3));
    lark_tests::within(Duration::from_secs(10), client.send(&message))
        .await
        .unwrap();
    let second_token = client.tenant_access_token(None).await.unwrap();

    let heard = heard.lock().unwrap().clone();
    let kinds: Vec<&Value> = heard.iter().map(|r| &r["kind"]).collect();
    assert_eq!(
        kinds,
        ["attempt", "attempt", "attempt", "attempt", "call"],
        "{heard:#?}"
    );
    for record in &heard {
        assert_eq!(record["service"], "im");
        assert_eq!(record["endpoint"], "v1.message.create");
        assert_eq!(record["method"], "POST");
        assert_eq!(record["path"], MESSAGES);
        assert!(record["log_id"].as_str().is_some_and(|id| !id.is_empty()));
    }
    let (attempts, call) = heard.split_at(4);
    let column = |key: &str| -> Vec<Value> { attempts.iter().map(|r| r[key].clone()).collect() };
    assert_eq!(column("attempt"), [json!(1), json!(2), json!(3), json!(4)]);
    assert_eq!(column("ok"), [false, false, false, true]);
    assert_eq!(column("status")[1..], [json!(500), json!(429), json!(200)]);
    assert_eq!(column("code")[..2], [json!(99_991_663), json!(1_000_500)]);
    assert_eq!(column("code")[3], Value::Null);
    assert_eq!(column("retried"), [true, true, true, false]);
    assert_eq!(
        column("reason"),
        [
            json!("token rejected"),
            json!("server error"),
            json!("rate limited (reset hint)"),
            Value::Null
        ]
    );
    // The token was refreshed at once; the 500 waited the backoff (at most 5 ms); the 429's
    // reset hint said now.
    assert_eq!(attempts[0]["delay_ms"], 0);
    assert!(attempts[1]["delay_ms"].as_u64().is_some_and(|ms| ms <= 5));
    assert_eq!(attempts[2]["delay_ms"], 0);
    assert!(attempts.iter().all(|r| r["elapsed_ms"].is_u64()));

    let call = &call[0];
    assert_eq!(call["attempts"], 4);
    assert_eq!(call["ok"], true);
    assert_eq!(call["status"], 200);
    assert_eq!(call["log_id"], attempts[3]["log_id"]);
    let spent: u64 = attempts
        .iter()
        .map(|r| r["elapsed_ms"].as_u64().unwrap() + r["delay_ms"].as_u64().unwrap())
        .sum();
    // One clock: the call took at least its attempts and its waits (each rounded down).
    assert!(
        call["elapsed_ms"].as_u64().unwrap() + 4 >= spent,
        "{call} {spent}"
    );

    let all = serde_json::to_string(&heard).unwrap();
    for secret in [
        first_token.expose(),
        second_token.expose(),
        MockServer::APP_SECRET,
    ] {
        assert!(!all.contains(secret), "`{secret}` was observed");
    }
}
