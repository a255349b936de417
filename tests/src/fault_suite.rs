//! The fault suite: many message sends through the SDK while lark-mock injects every kind of
//! fault, then an audit of what the mock stored against what each caller was told.
//!
//! The claim it checks: every logical send ends either stored exactly once or as an error
//! returned to its caller — no duplicates, no silent losses.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use lark_api::im::v1::message;
use lark_core::{Error, RetryPolicy};
use lark_mock::{Fault, FaultRule, MockServer, When};

/// What to run.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Logical sends.
    pub sends: usize,
    /// Sends in flight at once.
    pub concurrency: usize,
    /// The probability of each kind of fault on each request.
    pub fault_rate: f64,
    /// Seeds the fault generators.
    pub seed: u64,
    /// Expire every token this often, so tokens die mid-run.
    pub expire_tokens_every: Duration,
    /// Gives up on the whole run after this long.
    pub time_limit: Duration,
}

/// What happened.
#[derive(Debug, Default)]
pub struct Report {
    /// Logical sends.
    pub sends: usize,
    /// Message requests the mock received (first attempts and retries).
    pub requests: u64,
    /// Faults injected, by kind.
    pub faults: BTreeMap<&'static str, u64>,
    /// Sends that returned Ok.
    pub successes: usize,
    /// Sends that returned an error, by kind.
    pub errors: BTreeMap<String, usize>,
    /// Sends that returned an error although the message was stored (the caller was told
    /// the outcome is unknown, and a retry with the same uuid would not duplicate it).
    pub errors_stored: usize,
    /// Messages stored more than once.
    pub duplicates: usize,
    /// Sends that returned Ok with nothing stored, or whose answer names another message.
    pub losses: usize,
    /// Wall time of the sends.
    pub wall: Duration,
}

impl Report {
    /// Retries: requests beyond one per send.
    pub fn retries(&self) -> u64 {
        self.requests.saturating_sub(self.sends as u64)
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "| measure | value |")?;
        writeln!(f, "|---|---|")?;
        writeln!(f, "| logical sends | {} |", self.sends)?;
        writeln!(
            f,
            "| message requests (incl. retries) | {} |",
            self.requests
        )?;
        writeln!(f, "| retries | {} |", self.retries())?;
        for (kind, n) in &self.faults {
            writeln!(f, "| faults: {kind} | {n} |")?;
        }
        writeln!(f, "| successes | {} |", self.successes)?;
        for (kind, n) in &self.errors {
            writeln!(f, "| errors: {kind} | {n} |")?;
        }
        writeln!(
            f,
            "| errors whose message was stored | {} |",
            self.errors_stored
        )?;
        writeln!(f, "| duplicates | {} |", self.duplicates)?;
        writeln!(f, "| silent losses | {} |", self.losses)?;
        writeln!(f, "| wall time | {:.2} s |", self.wall.as_secs_f64())
    }
}

const MESSAGES: &str = "/open-apis/im/v1/messages";

fn kind_of(error: &Error) -> String {
    match error {
        Error::Api(api) => format!("Api {} (HTTP {})", api.code, api.http_status),
        Error::Decode(d) => format!("Decode (HTTP {})", d.http_status),
        Error::Transport(_) => "Transport".to_owned(),
        Error::Timeout(_) => "Timeout".to_owned(),
        Error::Token { .. } => "Token".to_owned(),
        other => format!("{other}"),
    }
}

/// Runs `plan` against a fresh mock.
///
/// # Panics
/// When the mock cannot bind 127.0.0.1.
pub async fn run(plan: &Plan) -> Report {
    let mock = Arc::new(
        MockServer::builder()
            .record_requests(false)
            .start()
            .await
            .expect("bind 127.0.0.1"),
    );
    let kinds: [(&'static str, Fault); 9] = [
        (
            "HTTP 500",
            Fault::lark_error(1, "internal error").status(500),
        ),
        ("HTTP 502 HTML page", Fault::html_error_page(502)),
        ("HTTP 429 + reset header", Fault::rate_limited(1)),
        (
            "99991400 envelope",
            Fault::lark_error(99_991_400, "request trigger frequency limit"),
        ),
        ("drop before handler", Fault::DropBeforeHandler),
        ("drop after handler", Fault::DropAfterHandler),
        (
            "slow answer past the timeout",
            Fault::Delay(Duration::from_millis(1_500)),
        ),
        ("malformed JSON", Fault::MalformedJson { status: 200 }),
        ("empty body", Fault::EmptyBody { status: 200 }),
    ];
    let rules: Vec<_> = kinds
        .iter()
        .enumerate()
        .map(|(i, (name, fault))| {
            let when = When::Probability {
                p: plan.fault_rate,
                seed: plan.seed.wrapping_add(i as u64 * 7_919),
            };
            let rule = FaultRule::new(fault.clone())
                .path(MESSAGES)
                .method(http::Method::POST)
                .when(when);
            (*name, mock.inject(rule))
        })
        .collect();

    let config = lark_core::Config::new(MockServer::APP_ID, MockServer::APP_SECRET)
        .base_url(mock.base_url())
        .timeout(Some(Duration::from_millis(500)))
        .retry(
            // Nine kinds of fault at 2 % each fail about one request in six: six attempts in a
            // row all failing happens in about one run in a hundred of 600 sends; eight make it
            // one in three thousand, and every fault is still retried away.
            RetryPolicy::default()
                .max_attempts(8)
                .base_delay(Duration::from_millis(20))
                .max_delay(Duration::from_millis(300))
                .deadline(Some(Duration::from_secs(20))),
        );
    let client = crate::client_with(config);
    let chat = MockServer::CHAT_ID;

    let started = Instant::now();
    let deadline = started + plan.time_limit;
    let expirer = {
        let mock_expire = Arc::clone(&mock);
        let every = plan.expire_tokens_every;
        tokio::spawn(async move {
            while Instant::now() < deadline {
                tokio::time::sleep(every).await;
                mock_expire.expire_tokens();
            }
        })
    };
    let permits = Arc::new(tokio::sync::Semaphore::new(plan.concurrency));
    let mut tasks = Vec::with_capacity(plan.sends);
    for i in 0..plan.sends {
        let client = client.clone();
        let permits = Arc::clone(&permits);
        tasks.push(tokio::spawn(async move {
            let _permit = permits.acquire_owned().await.expect("semaphore open");
            let content = serde_json::json!({ "text": format!("send-{i}") }).to_string();
            let message = message::Create::new("chat_id", chat, "text", content);
            let send = client.send(&message);
            match tokio::time::timeout_at(deadline.into(), send).await {
                Ok(result) => result.map(|m| m.message_id),
                Err(_) => Err(Error::Timeout(plan_time_limit(deadline, started))),
            }
        }));
    }
    let mut outcomes = Vec::with_capacity(plan.sends);
    for task in tasks {
        outcomes.push(task.await.expect("send task"));
    }
    let wall = started.elapsed();
    expirer.abort();
    // Let answers delayed past their timeout reach the store before the audit.
    tokio::time::sleep(Duration::from_millis(1_600)).await;

    let mut stored: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for message in mock.messages() {
        let content = message["body"]["content"].as_str().unwrap_or_default();
        let text = serde_json::from_str::<serde_json::Value>(content)
            .ok()
            .and_then(|v| v["text"].as_str().map(str::to_owned))
            .unwrap_or_default();
        let id = message["message_id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        stored.entry(text).or_default().push(id);
    }
    let mut report = Report {
        sends: plan.sends,
        requests: mock.request_count(MESSAGES),
        wall,
        ..Report::default()
    };
    for (name, id) in rules {
        report.faults.insert(name, mock.fault_hits(id));
    }
    for (i, outcome) in outcomes.into_iter().enumerate() {
        let ids = stored
            .get(&format!("send-{i}"))
            .cloned()
            .unwrap_or_default();
        if ids.len() > 1 {
            report.duplicates += 1;
        }
        match outcome {
            Ok(id) => {
                report.successes += 1;
                if ids.is_empty() || id.as_ref().is_none_or(|id| !ids.contains(id)) {
                    report.losses += 1;
                }
            }
            Err(error) => {
                *report.errors.entry(kind_of(&error)).or_default() += 1;
                if !ids.is_empty() {
                    report.errors_stored += 1;
                }
            }
        }
    }
    report
}

fn plan_time_limit(deadline: Instant, started: Instant) -> Duration {
    deadline.saturating_duration_since(started)
}
