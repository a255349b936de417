//! Tokens through the real SDK against lark-mock: caching, expiry, single-flight,
//! evict-and-retry, and the marketplace (ISV) flow.

use std::time::Duration;

use lark_api::im::v1::message;
use lark_core::{AppType, Config, Error, RequestOptions};
use lark_mock::{Fault, FaultRule, MockServer};
use lark_tests::{client, client_with, limited_client, mock, text, within};

const LIST: &str = "/open-apis/im/v1/messages";
const LIMIT: Duration = Duration::from_secs(30);

fn list() -> message::List {
    message::List::new("chat", MockServer::CHAT_ID)
}

/// The `Authorization` headers of the requests to `path`, in order.
fn bearers(mock: &MockServer, path: &str) -> Vec<String> {
    mock.requests_to(path)
        .iter()
        .filter_map(|r| r.header("authorization").map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn a_token_is_fetched_once_and_reused() {
    let mock = mock().await;
    let client = client(&mock);
    within(LIMIT, async {
        client.send(&list()).await.unwrap();
        client.send(&list()).await.unwrap();
        client
            .send(&message::Create::new(
                "chat_id",
                MockServer::CHAT_ID,
                "text",
                text("hi"),
            ))
            .await
            .unwrap();
    })
    .await;
    assert_eq!(mock.tenant_token_requests(), 1);
    let used = bearers(&mock, LIST);
    assert_eq!(used.len(), 3);
    assert!(
        used.iter()
            .all(|b| b == &used[0] && b.starts_with("Bearer t-"))
    );
    let token_request = &mock.requests_to("/open-apis/auth/v3/tenant_access_token/internal")[0];
    assert_eq!(
        token_request.json().unwrap(),
        serde_json::json!({"app_id": MockServer::APP_ID, "app_secret": MockServer::APP_SECRET})
    );
}

#[tokio::test]
async fn a_short_lived_token_is_refreshed_before_it_expires() {
    // expire = 2 s; the core refreshes min(margin, ttl / 2) = 1 s before expiry.
    let mock = MockServer::builder()
        .token_ttl(Duration::from_secs(2))
        .start()
        .await
        .unwrap();
    let client = client(&mock);
    within(LIMIT, async {
        client.send(&list()).await.unwrap();
        client.send(&list()).await.unwrap();
        assert_eq!(mock.tenant_token_requests(), 1);
        tokio::time::sleep(Duration::from_millis(1_200)).await;
        client.send(&list()).await.unwrap();
    })
    .await;
    assert_eq!(mock.tenant_token_requests(), 2);
    let used = bearers(&mock, LIST);
    assert_eq!(used[0], used[1]);
    assert_ne!(used[1], used[2]);
}

#[tokio::test]
async fn an_expired_token_is_refused_by_the_mock() {
    // The mock honours tokens for 1.001 s but announces `expire: 2` (whole seconds, rounded up).
    // With no refresh margin the SDK keeps the token for 2 s, so a call at 1.5 s carries a token
    // the mock refuses: the SDK evicts it, fetches a new one and retries.
    let mock = MockServer::builder()
        .token_ttl(Duration::from_millis(1_001))
        .start()
        .await
        .unwrap();
    let client = client_with(lark_tests::config(&mock).token_refresh_margin(Duration::ZERO));
    within(LIMIT, async {
        client.send(&list()).await.unwrap();
        tokio::time::sleep(Duration::from_millis(1_500)).await;
        client.send(&list()).await.unwrap();
    })
    .await;
    assert_eq!(mock.tenant_token_requests(), 2);
    let answers = mock.request_count(LIST);
    assert_eq!(answers, 3, "first call, refused call, retried call");
}

#[tokio::test]
async fn tokens_the_server_expired_or_revoked_are_replaced() {
    let mock = mock().await;
    let client = client(&mock);
    within(LIMIT, async {
        client.send(&list()).await.unwrap();
        mock.expire_tokens();
        client.send(&list()).await.unwrap();
        mock.revoke_tokens();
        client.send(&list()).await.unwrap();
    })
    .await;
    assert_eq!(mock.tenant_token_requests(), 3);
    assert_eq!(mock.request_count(LIST), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_calls_on_a_cold_cache_fetch_one_token() {
    let mock = mock().await;
    // At most 128 exchanges in flight, so the test never depends on the file-descriptor limit;
    // all 1,000 calls still ask for the token at the same time.
    let client = limited_client(&mock, 128);
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..1_000 {
        let client = client.clone();
        calls.spawn(async move { client.send(&list()).await });
    }
    let mut ok = 0;
    within(Duration::from_secs(60), async {
        while let Some(result) = calls.join_next().await {
            result.unwrap().unwrap();
            ok += 1;
        }
    })
    .await;
    assert_eq!(ok, 1_000);
    assert_eq!(mock.tenant_token_requests(), 1);
    assert_eq!(mock.request_count(LIST), 1_000);
}

#[tokio::test]
async fn each_token_invalid_code_evicts_refreshes_and_retries_once() {
    for code in [99_991_661, 99_991_663, 99_991_664, 99_991_671] {
        let mock = mock().await;
        let client = client(&mock);
        mock.inject(
            FaultRule::new(Fault::lark_error(code, "token rejected"))
                .path(LIST)
                .once(),
        );
        let page = within(LIMIT, client.send(&list())).await;
        assert!(page.is_ok(), "{code}: {page:?}");
        assert_eq!(mock.tenant_token_requests(), 2, "{code}");
        let used = bearers(&mock, LIST);
        assert_eq!(used.len(), 2, "{code}");
        assert_ne!(
            used[0], used[1],
            "{code}: the retry must carry the new token"
        );
    }
}

#[tokio::test]
async fn a_second_rejection_is_returned_not_retried_forever() {
    for code in [99_991_661, 99_991_663, 99_991_664, 99_991_671] {
        let mock = mock().await;
        let client = client(&mock);
        mock.inject(FaultRule::new(Fault::lark_error(code, "token rejected")).path(LIST));
        let err = within(LIMIT, client.send(&list())).await.unwrap_err();
        let Error::Api(api) = &err else {
            panic!("{code}: {err:?}")
        };
        assert_eq!(api.code, code);
        assert_eq!(api.msg, "token rejected");
        assert_eq!(mock.tenant_token_requests(), 2, "{code}");
        assert_eq!(mock.request_count(LIST), 2, "{code}");
    }
}

#[tokio::test]
async fn other_api_errors_do_not_evict_the_token() {
    let mock = mock().await;
    let client = client(&mock);
    mock.inject(
        FaultRule::new(Fault::lark_error(230_001, "invalid param"))
            .path(LIST)
            .once(),
    );
    let err = within(LIMIT, client.send(&list())).await.unwrap_err();
    assert_eq!(err.code(), Some(230_001));
    within(LIMIT, client.send(&list())).await.unwrap();
    assert_eq!(mock.tenant_token_requests(), 1);
}

#[tokio::test]
async fn a_wrong_secret_is_a_token_error_with_the_platform_code() {
    let mock = mock().await;
    let client =
        client_with(Config::new(MockServer::APP_ID, "not-the-secret").base_url(mock.base_url()));
    let err = within(LIMIT, client.send(&list())).await.unwrap_err();
    assert!(matches!(err, Error::Token { .. }), "{err:?}");
    assert_eq!(err.code(), Some(lark_mock::codes::APP_SECRET_INVALID));
    assert_eq!(mock.request_count(LIST), 0);
}

#[tokio::test]
async fn marketplace_apps_use_the_app_ticket_and_per_tenant_tokens() {
    let mock = mock().await;
    mock.add_marketplace_app("cli_isv_app", "isv-secret");
    let client = client_with(
        Config::new("cli_isv_app", "isv-secret")
            .app_type(AppType::Marketplace)
            .base_url(mock.base_url()),
    );
    let tenant_a = RequestOptions::new().tenant_key("tenant_a");
    let tenant_b = RequestOptions::new().tenant_key("tenant_b");

    // No ticket yet: a token error, and the SDK asked the platform to push one.
    let err = within(LIMIT, client.send_with(&list(), &tenant_a))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Token { .. }), "{err:?}");
    assert_eq!(
        mock.request_count("/open-apis/auth/v3/app_ticket/resend"),
        1
    );
    let resend = &mock.requests_to("/open-apis/auth/v3/app_ticket/resend")[0];
    assert_eq!(
        resend.json().unwrap(),
        serde_json::json!({"app_id": "cli_isv_app", "app_secret": "isv-secret"})
    );
    assert_eq!(mock.request_count(LIST), 0);

    // The ticket "arrives" (the events dispatcher would call set_app_ticket).
    let ticket = mock.app_ticket("cli_isv_app").expect("a ticket was issued");
    client.set_app_ticket(ticket.clone()).await;
    within(LIMIT, async {
        client.send_with(&list(), &tenant_a).await.unwrap();
        client.send_with(&list(), &tenant_a).await.unwrap();
        client.send_with(&list(), &tenant_b).await.unwrap();
        client
            .send_with(
                &message::Create::new("chat_id", MockServer::CHAT_ID, "text", text("from b")),
                &tenant_b,
            )
            .await
            .unwrap();
    })
    .await;
    assert_eq!(mock.app_token_requests(), 1);
    assert_eq!(mock.tenant_token_requests(), 2);
    let app_request = &mock.requests_to("/open-apis/auth/v3/app_access_token")[0];
    assert_eq!(
        app_request.json().unwrap()["app_ticket"],
        serde_json::json!(ticket)
    );
    let tenants: Vec<String> = mock
        .requests_to("/open-apis/auth/v3/tenant_access_token")
        .iter()
        .map(|r| r.json().unwrap()["tenant_key"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(tenants, ["tenant_a", "tenant_b"]);
    let used = bearers(&mock, LIST);
    assert_eq!(used[0], used[1]);
    assert_ne!(used[1], used[2], "each tenant has its own token");
    assert_eq!(used[2], used[3]);
    let sent = mock.messages();
    assert_eq!(sent[0]["sender"]["tenant_key"], "tenant_b");

    // A marketplace call without a tenant key never leaves the machine.
    let err = client.send(&list()).await.unwrap_err();
    assert!(matches!(err, Error::Build(_)), "{err:?}");
}

#[tokio::test]
async fn a_stale_app_ticket_is_refused() {
    let mock = mock().await;
    mock.add_marketplace_app("cli_isv_app", "isv-secret");
    let client = client_with(
        Config::new("cli_isv_app", "isv-secret")
            .app_type(AppType::Marketplace)
            .base_url(mock.base_url()),
    );
    client.set_app_ticket("tk-forged").await;
    let err = within(
        LIMIT,
        client.send_with(&list(), &RequestOptions::new().tenant_key("t")),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, Error::Token { .. }), "{err:?}");
    assert_eq!(err.code(), Some(lark_mock::codes::APP_TICKET_INVALID));
}
