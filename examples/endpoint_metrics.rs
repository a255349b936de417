//! Per-endpoint metrics from the client's observer: calls, failed calls, attempts, retries,
//! rate-limited attempts (HTTP 429 or a rate-limit code) and the latency of calls, counted as
//! they happen and printed as a table. No `tracing` needed; the same observer works in every
//! runtime, since times come from the client's own clock.
//!
//! ```text
//! cargo run -p lark-examples --example endpoint_metrics
//! ```
//! It starts the embedded mock, makes it answer some calls with a 429 and one with a 500, sends
//! messages, reads them back and lists the chat, prints the table, and checks that the counters
//! saw every fault it injected (exiting non-zero if not).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lark_api::im::v1::message;
use lark_core::observe::{AttemptRecord, CallRecord, Observer};
use lark_core::{Client, Config, RetryPolicy};
use lark_mock::{Fault, FaultRule, MockServer};
use lark_reqwest::{ReqwestClient, SystemRuntime};

/// What is counted for one endpoint.
#[derive(Debug, Default, Clone)]
struct Counters {
    calls: u64,
    failed: u64,
    attempts: u64,
    retries: u64,
    rate_limited: u64,
    latency_ms_sum: u64,
    latency_ms_max: u64,
}

/// The counters of every endpoint, keyed by its official name. The names are `'static`, so
/// counting allocates only for an endpoint's first call.
#[derive(Default)]
struct EndpointMetrics(Mutex<BTreeMap<(&'static str, &'static str), Counters>>);

impl EndpointMetrics {
    fn update(&self, service: &'static str, endpoint: &'static str, f: impl FnOnce(&mut Counters)) {
        // A poisoned lock (a panic elsewhere while counting) still holds usable counters.
        let mut all = self.0.lock().unwrap_or_else(|e| e.into_inner());
        f(all.entry((service, endpoint)).or_default());
    }

    fn snapshot(&self) -> BTreeMap<(&'static str, &'static str), Counters> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl Observer for EndpointMetrics {
    fn on_attempt(&self, attempt: &AttemptRecord<'_>) {
        self.update(attempt.service, attempt.endpoint, |c| {
            c.attempts += 1;
            c.retries += u64::from(attempt.retried);
            c.rate_limited += u64::from(attempt.rate_limited());
        });
    }

    fn on_call(&self, call: &CallRecord<'_>) {
        self.update(call.service, call.endpoint, |c| {
            c.calls += 1;
            c.failed += u64::from(!call.ok);
            c.latency_ms_sum += call.elapsed_ms;
            c.latency_ms_max = c.latency_ms_max.max(call.elapsed_ms);
        });
    }
}

fn print_table(metrics: &BTreeMap<(&'static str, &'static str), Counters>) {
    println!(
        "{:<24} {:>6} {:>6} {:>8} {:>7} {:>5} {:>8} {:>7}",
        "endpoint", "calls", "failed", "attempts", "retries", "429s", "mean ms", "max ms"
    );
    for ((service, endpoint), c) in metrics {
        let mean = c.latency_ms_sum.checked_div(c.calls).unwrap_or(0);
        println!(
            "{:<24} {:>6} {:>6} {:>8} {:>7} {:>5} {:>8} {:>7}",
            format!("{service}.{endpoint}"),
            c.calls,
            c.failed,
            c.attempts,
            c.retries,
            c.rate_limited,
            mean,
            c.latency_ms_max
        );
    }
}

const MESSAGES: &str = "/open-apis/im/v1/messages";
const SENDS: u64 = 20;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mock = MockServer::start().await?;
    // Every fifth message sent is turned away for going too fast (retry at once, the reset
    // header says), and the seventh meets a 500 (retried after a backoff: the send carries an
    // idempotency key).
    mock.inject(
        FaultRule::new(Fault::rate_limited(0))
            .path(MESSAGES)
            .method(http::Method::POST)
            .every_nth(5),
    );
    mock.inject(
        FaultRule::new(Fault::lark_error(1_000_500, "internal error").status(500))
            .path(MESSAGES)
            .method(http::Method::POST)
            .nth(7),
    );

    let metrics = Arc::new(EndpointMetrics::default());
    let config = Config::new(MockServer::APP_ID, MockServer::APP_SECRET)
        .base_url(mock.base_url())
        .retry(RetryPolicy::default().base_delay(Duration::from_millis(20)));
    let client = Client::builder(config, ReqwestClient::new(), SystemRuntime)
        .observer(Arc::clone(&metrics))
        .build();

    let mut sent = Vec::new();
    for n in 0..SENDS {
        let text = serde_json::json!({ "text": format!("metrics {n}") }).to_string();
        let create = message::Create::new("chat_id", MockServer::CHAT_ID, "text", text);
        let answer = client.send(&create).await?;
        sent.extend(answer.message_id);
    }
    for message_id in sent.iter().take(5) {
        client.send(&message::Get::new(message_id.as_str())).await?;
    }
    client
        .send(&message::List::new("chat", MockServer::CHAT_ID))
        .await?;

    let metrics = metrics.snapshot();
    print_table(&metrics);

    // The counters saw what was injected: every fifth POST (the retries included) a 429, one
    // 500, each retried once; the gets and the list went straight through.
    let create = metrics
        .get(&("im", "v1.message.create"))
        .ok_or("no counters for im.v1.message.create")?;
    let posts = create.attempts;
    let expected_429s = posts / 5;
    let checks = [
        ("creates counted", create.calls == SENDS),
        ("no create failed", create.failed == 0),
        ("a retry per fault", create.retries == expected_429s + 1),
        (
            "every injected 429 seen",
            create.rate_limited == expected_429s,
        ),
        (
            "attempts = calls + retries",
            posts == SENDS + create.retries,
        ),
        (
            "gets counted",
            metrics
                .get(&("im", "v1.message.get"))
                .is_some_and(|c| c.calls == 5 && c.retries == 0),
        ),
        (
            "the list counted",
            metrics
                .get(&("im", "v1.message.list"))
                .is_some_and(|c| c.calls == 1),
        ),
    ];
    let failed: Vec<&str> = checks
        .iter()
        .filter(|(_, ok)| !ok)
        .map(|(what, _)| *what)
        .collect();
    if !failed.is_empty() {
        return Err(format!("the counters are off: {}", failed.join(", ")).into());
    }
    println!("counters check out: {expected_429s} rate-limited attempts and one 500, each retried");
    Ok(())
}
