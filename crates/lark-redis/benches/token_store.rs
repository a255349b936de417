//! What the token store costs a call once the token is cached: the in-memory store against
//! Redis on loopback (one `GET` per call).
//!
//! `cargo bench -p lark-redis --bench token_store`. Starts its own `redis-server` on a free
//! port (skips the Redis side when the binary is absent). The backend is a closure, so the
//! figures are the token lookup alone, with no HTTP.

#[path = "../tests/common/mod.rs"]
mod common;

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use lark_core::{Client, Config, HttpClient, HttpError, MemoryTokenStore, TokenStore};
use lark_reqwest::SystemRuntime;

type Answer = std::future::Ready<Result<http::Response<Vec<u8>>, HttpError>>;

fn backend(_request: http::Request<Vec<u8>>) -> Answer {
    let answer = br#"{"code":0,"msg":"ok","tenant_access_token":"t-bench","expire":7200}"#;
    std::future::ready(Ok(http::Response::new(answer.to_vec())))
}

fn bench_store<H: HttpClient>(
    c: &mut Criterion,
    runtime: &tokio::runtime::Runtime,
    name: &str,
    client: Client<H>,
) {
    // Warm the cache.
    runtime
        .block_on(client.tenant_access_token(None))
        .expect("a token");
    c.bench_function(name, |b| {
        b.to_async(runtime).iter(|| async {
            black_box(client.tenant_access_token(None).await.expect("a token"));
        });
    });
}

fn token_store(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    let config = Config::new("cli_bench", "secret").base_url("http://127.0.0.1:9");
    let memory = Client::builder(config.clone(), backend, SystemRuntime)
        .token_store(MemoryTokenStore::new())
        .build();
    bench_store(c, &runtime, "warm token/memory store", memory);

    let Some(redis) = common::RedisServer::start() else {
        return;
    };
    let stores = lark_redis::RedisStores::open(&redis.url(), "cli_bench").expect("stores");
    let store = stores.token_store();
    let redis_client = Client::builder(config, backend, SystemRuntime)
        .token_store(store)
        .build();
    bench_store(c, &runtime, "warm token/redis store", redis_client);

    // The store alone, without the client around it.
    let store = stores.token_store();
    let key = "tenant_access_token:cli_bench";
    c.bench_function("redis store get", |b| {
        b.to_async(&runtime)
            .iter(|| async { black_box(store.get(key).await) });
    });
    drop(redis);
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1));
    targets = token_store
}
criterion_main!(benches);
