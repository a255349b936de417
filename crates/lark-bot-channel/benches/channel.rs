//! Messages per second through the channel against lark-mock, and the latency the channel adds
//! to each message over the bare dispatcher.
//!
//! `cargo bench -p lark-bot-channel --bench channel` (release); `LARK_BENCH_SHORT=1` for a
//! short run. One bot on the long connection holds both paths on one dispatcher, so both see
//! the same socket, frames, acks and de-duplication: `im.message.receive_v1` goes through the
//! channel (normalized, policy, per-chat queue, a task per chat, the handler with its
//! `Context`), and the same payload as `im.message.message_read_v1` goes to a bare `on_raw`
//! handler. Each handler only signals that it ran. The mock runs on its own one-thread
//! runtime, the bot on another.
//!
//! - `latency/*`: one message pushed, waited for until its handler runs.
//! - `throughput/*`: 200 messages over 50 direct chats pushed back to back, waited for until
//!   every handler ran.
//!
//! After criterion, a summary measured in alternating rounds (so other load on the machine
//! falls on both paths alike) prints the medians and the difference.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput};
use lark_bot_channel::Channel;
use lark_core::event::{Dispatcher, Event};
use lark_mock::MockServer;
use lark_mock::ws::WsMock;
use lark_reqwest::ws::ClientWsExt as _;
use serde_json::{Value, json};
use tokio::sync::{Mutex, mpsc};

const BOT_OPEN_ID: &str = "ou_bench_bot";
const CHANNEL_EVENT: &str = "im.message.receive_v1";
const BARE_EVENT: &str = "im.message.message_read_v1";
const BATCH: u64 = 200;
const CHATS: u64 = 50;
/// No wait for a handler lasts longer.
const WAIT: Duration = Duration::from_secs(10);

#[derive(Clone, Copy, Debug)]
enum Path {
    Bare,
    Channel,
}

impl Path {
    fn name(self) -> &'static str {
        match self {
            Self::Bare => "bare dispatcher",
            Self::Channel => "channel",
        }
    }
}

/// The bot under measurement and the mock pushing to it.
struct Bench {
    ws: WsMock,
    bot: tokio::runtime::Runtime,
    bare: Mutex<mpsc::UnboundedReceiver<()>>,
    channel: Mutex<mpsc::UnboundedReceiver<()>>,
    next: AtomicU64,
}

impl Bench {
    /// An event of `path` for a message in chat `n % CHATS`, with fresh ids.
    fn event(&self, path: Path, n: u64) -> Value {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let event_type = match path {
            Path::Bare => BARE_EVENT,
            Path::Channel => CHANNEL_EVENT,
        };
        json!({
            "schema": "2.0",
            "header": {"event_id": format!("ev_bench_{id}"), "event_type": event_type},
            "event": {
                "sender": {"sender_id": {"open_id": "ou_someone", "union_id": "on_someone", "user_id": "u1"},
                           "sender_type": "user", "tenant_key": "t"},
                "message": {
                    "message_id": format!("om_bench_{id}"), "chat_id": format!("oc_bench_{}", n % CHATS),
                    "chat_type": "p2p", "message_type": "text",
                    "content": "{\"text\":\"how many messages a second?\"}", "mentions": [],
                },
            },
        })
    }

    /// Pushes `count` messages of `path` back to back and waits until each was handled;
    /// the time that took.
    async fn run(&self, path: Path, count: u64) -> Duration {
        let events: Vec<Value> = (0..count).map(|n| self.event(path, n)).collect();
        let mut handled = match path {
            Path::Bare => self.bare.lock().await,
            Path::Channel => self.channel.lock().await,
        };
        let started = Instant::now();
        for event in &events {
            self.ws.push_event(event);
        }
        for _ in 0..count {
            tokio::time::timeout(WAIT, handled.recv())
                .await
                .expect("a handler ran in time")
                .expect("the bot runs");
        }
        started.elapsed()
    }

    /// One message at a time, `count` of them; the time each took.
    async fn latencies(&self, path: Path, count: u64) -> Vec<Duration> {
        let mut times = Vec::new();
        for _ in 0..count {
            times.push(self.run(path, 1).await);
        }
        times
    }
}

fn signal(tx: &mpsc::UnboundedSender<()>) {
    // The receiver lives as long as the bench.
    let _ = tx.send(());
}

fn start(mock_runtime: &tokio::runtime::Runtime) -> (Bench, MockServer) {
    let mock = mock_runtime
        .block_on(MockServer::builder().record_requests(false).start())
        .expect("the mock starts");
    let bot = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("bot")
        .enable_all()
        .build()
        .expect("a runtime for the bot");
    let (bare_tx, bare_rx) = mpsc::unbounded_channel();
    let (channel_tx, channel_rx) = mpsc::unbounded_channel();
    let config = lark_core::Config::new(MockServer::APP_ID, MockServer::APP_SECRET)
        .base_url(mock.base_url());
    bot.block_on(async {
        let client = lark_reqwest::client(config);
        let channel = Channel::builder(client.clone(), |task| drop(tokio::spawn(task)))
            .bot_open_id(BOT_OPEN_ID)
            .on_message(move |_, _| {
                signal(&channel_tx);
                async { Ok(()) }
            })
            .build();
        let dispatcher = Dispatcher::new().on_raw(BARE_EVENT, move |_: Event| {
            signal(&bare_tx);
            async { Ok(()) }
        });
        let ws = client.ws(channel.register(dispatcher));
        tokio::spawn(async move {
            let _ = ws.start().await;
        });
    });
    let ws = mock.ws();
    mock_runtime
        .block_on(ws.wait_for_connections(1, WAIT))
        .expect("the bot connects");
    let bench = Bench {
        ws,
        bot,
        bare: Mutex::new(bare_rx),
        channel: Mutex::new(channel_rx),
        next: AtomicU64::new(0),
    };
    (bench, mock)
}

fn criterion_runs(c: &mut Criterion, bench: &Bench) {
    let mut latency = c.benchmark_group("latency");
    for path in [Path::Bare, Path::Channel] {
        latency.bench_function(path.name(), |b| {
            b.to_async(&bench.bot)
                .iter_custom(|iters| async move { bench.run_many_single(path, iters).await });
        });
    }
    latency.finish();

    let mut throughput = c.benchmark_group("throughput");
    throughput.throughput(Throughput::Elements(BATCH));
    for path in [Path::Bare, Path::Channel] {
        throughput.bench_function(
            BenchmarkId::new(path.name(), format!("{BATCH} messages, {CHATS} chats")),
            |b| {
                b.to_async(&bench.bot).iter_custom(|iters| async move {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        total += bench.run(path, BATCH).await;
                    }
                    total
                });
            },
        );
    }
    throughput.finish();
}

impl Bench {
    async fn run_many_single(&self, path: Path, iters: u64) -> Duration {
        self.latencies(path, iters).await.into_iter().sum()
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Alternating rounds of both paths; the medians and what the channel adds.
fn summary(bench: &Bench, rounds: usize) {
    let (mut bare_us, mut channel_us, mut bare_rate, mut channel_rate) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    bench.bot.block_on(async {
        for _ in 0..rounds {
            for path in [Path::Bare, Path::Channel] {
                let each: Vec<f64> = bench
                    .latencies(path, 50)
                    .await
                    .iter()
                    .map(|d| d.as_secs_f64() * 1e6)
                    .collect();
                let rate = BATCH as f64 / bench.run(path, BATCH).await.as_secs_f64();
                match path {
                    Path::Bare => {
                        bare_us.push(median(each));
                        bare_rate.push(rate);
                    }
                    Path::Channel => {
                        channel_us.push(median(each));
                        channel_rate.push(rate);
                    }
                }
            }
        }
    });
    let (bare_us, channel_us) = (median(bare_us), median(channel_us));
    println!(
        "\nsummary, {rounds} alternating rounds (median): one message pushed to its handler \
         {channel_us:.0} us through the channel, {bare_us:.0} us through the bare dispatcher: \
         the channel adds {:.0} us per message; {BATCH} messages over {CHATS} chats: \
         {:.0} messages/s through the channel, {:.0} through the bare dispatcher",
        channel_us - bare_us,
        median(channel_rate),
        median(bare_rate),
    );
}

fn main() {
    let short = std::env::var_os("LARK_BENCH_SHORT").is_some();
    let mock_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name("mock")
        .enable_all()
        .build()
        .expect("a runtime for the mock");
    let (bench, mock) = start(&mock_runtime);
    let mut criterion = if short {
        Criterion::default()
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(2))
            .sample_size(10)
    } else {
        Criterion::default()
            .warm_up_time(Duration::from_secs(1))
            .measurement_time(Duration::from_secs(5))
    }
    .configure_from_args();
    criterion_runs(&mut criterion, &bench);
    criterion.final_summary();
    summary(&bench, if short { 5 } else { 15 });
    mock_runtime.block_on(mock.shutdown());
}
