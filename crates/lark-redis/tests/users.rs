//! Signed-in users' tokens shared through a real `redis-server` (started per test on a free
//! loopback port) by two client instances, as two processes share them, against lark-mock's
//! accounts host on 127.0.0.1.

mod common;

use std::time::Duration;

use common::RedisServer;
use lark_core::{Client, Config, Error, RequestOptions};
use lark_mock::MockServer;
use lark_redis::{RedisOptions, RedisStores};
use lark_reqwest::{ReqwestClient, SystemRuntime};

/// No call may take longer than this, whatever Redis does.
const DEADLINE: Duration = Duration::from_secs(10);

fn stores(redis: &RedisServer) -> RedisStores {
    let options = RedisOptions::new()
        .timeout(Duration::from_millis(300))
        .retry_after(Duration::from_millis(200));
    let client = redis::Client::open(redis.url()).expect("a valid URL");
    RedisStores::with_options(client, MockServer::APP_ID, options)
}

/// One instance: its own connection, token gates and users' gates, as a process has.
fn instance(mock: &MockServer, redis: &RedisServer) -> Client<ReqwestClient> {
    let stores = stores(redis);
    let config = Config::new(MockServer::APP_ID, MockServer::APP_SECRET)
        .base_url(mock.base_url())
        .accounts_base_url(mock.base_url())
        .token_refresh_margin(Duration::ZERO);
    Client::builder(config, ReqwestClient::new(), SystemRuntime)
        .token_store(stores.token_store())
        .user_token_store(stores.user_token_store())
        .build()
}

/// A mock whose user tokens live a second and whose device sign-ins are approved at the
/// first poll.
async fn mock() -> MockServer {
    let mock = MockServer::start().await.expect("mock");
    let mut settings = mock.oauth();
    settings.access_token_ttl = Duration::from_secs(1);
    settings.device_interval = Duration::from_secs(1);
    settings.device_approve_after_polls = Some(0);
    mock.set_oauth(settings);
    mock
}

async fn sign_in(client: &Client<ReqwestClient>, user: &str) {
    let device = client.begin_device_authorization(&[]).await.unwrap();
    let token = tokio::time::timeout(DEADLINE, client.poll_device(&device))
        .await
        .expect("approved in time")
        .unwrap();
    client.sign_in_user(user, token).await.unwrap();
}

async fn me(client: &Client<ReqwestClient>, user: &str) -> lark_core::Result<serde_json::Value> {
    let call = client
        .raw(
            http::Method::GET,
            "/open-apis/contact/v3/users/ou_mock_user",
        )
        .options(RequestOptions::new().as_user(user))
        .send();
    tokio::time::timeout(DEADLINE, call)
        .await
        .expect("the call ends before its deadline")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_with_eight_calls_each_refresh_an_expired_user_once() {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let mock = mock().await;
    let (a, b) = (instance(&mock, &redis), instance(&mock, &redis));
    sign_in(&a, "dana").await;
    // The other instance sees the sign-in through Redis.
    me(&b, "dana").await.expect("b acts as dana");

    let mut settings = mock.oauth();
    settings.access_token_ttl = Duration::from_secs(7200);
    mock.set_oauth(settings);
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let calls = (0..8).flat_map(|_| [me(&a, "dana"), me(&b, "dana")]);
    let answers = futures_util::future::join_all(calls).await;
    let failed: Vec<_> = answers.iter().filter(|a| a.is_err()).collect();
    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!(answers.len(), 16);
    assert_eq!(
        mock.oauth_token_requests().1,
        1,
        "one refresh between the two instances"
    );
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis_gone_during_a_refresh_is_a_clear_error_and_spends_no_refresh_token() {
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    let mock = mock().await;
    let client = instance(&mock, &redis);
    sign_in(&client, "erin").await;
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    redis.stop();
    let err = me(&client, "erin").await.unwrap_err();
    assert!(matches!(err, Error::Token { .. }), "{err:?}");
    assert!(err.to_string().contains("store"), "{err}");
    // No refresh was made from a copy another process might have spent.
    assert_eq!(mock.oauth_token_requests().1, 0);
    mock.shutdown().await;
}
