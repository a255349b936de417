//! What watching a call costs: a cached-token call through a closure backend (no HTTP, no
//! socket), with no observer, with an observer that does nothing, and with one that counts.
//!
//! `cargo bench -p lark-core --features observe --bench observe` measures lark-core without
//! `tracing`, as the npm builds have it; `--features observe,tracing` with `tracing` compiled in
//! and no subscriber installed. The clock is the system's, as natively.

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use futures_executor::block_on;
use lark_api::im::v1::message;
use lark_core::observe::{AttemptRecord, CallRecord, Observer};
use lark_core::{BoxFuture, Client, Config, HttpClient, HttpError, RandomError, Runtime};

/// The system clock (a bench is native), a timer that is never needed, fixed bytes.
struct SystemClock;

impl Runtime for SystemClock {
    fn now_millis(&self) -> u64 {
        let since_epoch = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        u64::try_from(since_epoch.as_millis()).unwrap_or(u64::MAX)
    }

    fn sleep(&self, _: Duration) -> BoxFuture<'static, ()> {
        Box::pin(std::future::ready(()))
    }

    fn fill_random(&self, dest: &mut [u8]) -> Result<(), RandomError> {
        dest.fill(7);
        Ok(())
    }
}

type Answer = std::future::Ready<Result<http::Response<Vec<u8>>, HttpError>>;

fn backend(request: http::Request<Vec<u8>>) -> Answer {
    let body: &[u8] = if request.uri().path().contains("/auth/") {
        br#"{"code":0,"msg":"ok","tenant_access_token":"t-bench","expire":7200}"#
    } else {
        br#"{"code":0,"msg":"ok","data":{"items":[{"message_id":"om_1","msg_type":"text"}]}}"#
    };
    let response = http::Response::builder()
        .status(200)
        .header("content-type", "application/json; charset=utf-8")
        .header("x-tt-logid", "202601010000000000000000000000")
        .body(body.to_vec())
        .map_err(|e| HttpError::new(lark_core::HttpErrorKind::Other, e.to_string()));
    std::future::ready(response)
}

/// Hears everything and does nothing: the cost of building the records.
struct Silent;

impl Observer for Silent {}

/// Counts attempts, calls and their time, as a metrics observer would.
#[derive(Default)]
struct Counting {
    attempts: AtomicU64,
    calls: AtomicU64,
    elapsed_ms: AtomicU64,
}

impl Observer for Counting {
    fn on_attempt(&self, attempt: &AttemptRecord<'_>) {
        self.attempts.fetch_add(1, Ordering::Relaxed);
        black_box(attempt.log_id);
    }

    fn on_call(&self, call: &CallRecord<'_>) {
        self.calls.fetch_add(1, Ordering::Relaxed);
        self.elapsed_ms
            .fetch_add(call.elapsed_ms, Ordering::Relaxed);
    }
}

fn config() -> Config {
    Config::new("cli_bench", "secret-bench").base_url("http://127.0.0.1:9")
}

fn bench_send<H: HttpClient>(c: &mut Criterion, name: &str, client: &Client<H>) {
    let endpoint = message::Get::new("om_1");
    // The first call fetches the token; the measured ones find it cached.
    block_on(client.send(&endpoint)).expect("the warm-up call");
    c.bench_function(name, |b| {
        b.iter(|| black_box(block_on(client.send(&endpoint)).expect("a call")));
    });
}

fn observe(c: &mut Criterion) {
    let plain = Client::new(config(), backend, SystemClock);
    bench_send(c, "send/no observer", &plain);
    let silent = Client::builder(config(), backend, SystemClock)
        .observer(Silent)
        .build();
    bench_send(c, "send/silent observer", &silent);
    let counting = Client::builder(config(), backend, SystemClock)
        .observer(Counting::default())
        .build();
    bench_send(c, "send/counting observer", &counting);
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(60)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    targets = observe
}
criterion_main!(benches);
