//! The client against closure backends: the exact requests it builds, and its token handling.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_executor::block_on;
use futures_util::StreamExt as _;
use lark_api::im::v1::{batch_message, chat, message};
use lark_core::{
    AppType, BoxFuture, Client, Config, Endpoint, EndpointMeta, Error, HttpError, HttpErrorKind,
    ManualClock, RequestOptions, Runtime, TokenKind,
};

type Request = http::Request<Vec<u8>>;
type Response = http::Response<Vec<u8>>;

fn json(status: u16, body: serde_json::Value) -> Response {
    http::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("x-tt-logid", "log-test")
        .body(serde_json::to_vec(&body).unwrap())
        .unwrap()
}

fn token_answer(token: &str) -> Response {
    json(
        200,
        serde_json::json!({"code": 0, "msg": "ok", "tenant_access_token": token, "expire": 7200}),
    )
}

/// A token answer `t-0`, `t-1`, … counting with `tokens`.
fn numbered_token(tokens: &AtomicUsize) -> Response {
    token_answer(&format!("t-{}", tokens.fetch_add(1, Ordering::SeqCst)))
}

/// A backend that records every request and answers with `answer`.
#[derive(Clone)]
struct Recorder {
    seen: Arc<Mutex<Vec<Request>>>,
}

impl Recorder {
    fn new() -> Self {
        Self {
            seen: Arc::new(Mutex::new(Vec::new())),
        }
    }

    fn backend(
        &self,
        answer: impl Fn(&Request, usize) -> Response + Send + Sync + 'static,
    ) -> impl Fn(Request) -> std::future::Ready<Result<Response, HttpError>> + Send + Sync + 'static
    {
        let seen = Arc::clone(&self.seen);
        move |request: Request| {
            let mut seen = seen.lock().unwrap();
            let response = answer(&request, seen.len());
            seen.push(request);
            std::future::ready(Ok(response))
        }
    }

    /// The `Authorization` header of each request, in order.
    fn authorizations(&self) -> Vec<Option<String>> {
        self.requests().into_iter().map(|r| r.2).collect()
    }

    fn requests(&self) -> Vec<(String, String, Option<String>, String)> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r.method().to_string(),
                    r.uri().to_string(),
                    r.headers()
                        .get("authorization")
                        .map(|v| v.to_str().unwrap().to_owned()),
                    String::from_utf8(r.body().clone()).unwrap(),
                )
            })
            .collect()
    }
}

/// Answers token requests with `t-1`, the first call (request 1) with `status` and `body`, and
/// every later one with `{code:0,data:{}}`.
fn first_call_fails(
    status: u16,
    body: serde_json::Value,
) -> impl Fn(&Request, usize) -> Response + Send + Sync + 'static {
    move |request, n| {
        if request.uri().path().contains("/auth/") {
            token_answer("t-1")
        } else if n == 1 {
            json(status, body.clone())
        } else {
            json(200, serde_json::json!({"code": 0, "data": {}}))
        }
    }
}

fn config() -> Config {
    Config::new("cli_test", "s3cret").base_url("http://mock.test/")
}

/// Answers token requests with `t-1` and everything else with `{code:0,data:{}}`.
fn ok_backend(request: &Request, _: usize) -> Response {
    if request.uri().path().starts_with("/open-apis/auth/") {
        token_answer("t-1")
    } else {
        json(
            200,
            serde_json::json!({"code": 0, "msg": "success", "data": {"message_id": "om_1"}}),
        )
    }
}

#[test]
fn send_builds_the_exact_requests() {
    let recorder = Recorder::new();
    // Retries off: no idempotency key is added, so the body is exactly the caller's.
    let config = config().retry(lark_core::RetryPolicy::none());
    let client = Client::new(
        config,
        recorder.backend(ok_backend),
        ManualClock::new(1_000),
    );
    let message = block_on(client.send(&message::Create::new(
        "chat_id",
        "oc_1",
        "text",
        r#"{"text":"hi"}"#,
    )))
    .unwrap();
    assert_eq!(message.message_id.as_deref(), Some("om_1"));
    let requests = recorder.requests();
    assert_eq!(
        requests,
        [
            (
                "POST".to_owned(),
                "http://mock.test/open-apis/auth/v3/tenant_access_token/internal".to_owned(),
                None,
                r#"{"app_id":"cli_test","app_secret":"s3cret"}"#.to_owned(),
            ),
            (
                "POST".to_owned(),
                "http://mock.test/open-apis/im/v1/messages?receive_id_type=chat_id".to_owned(),
                Some("Bearer t-1".to_owned()),
                r#"{"receive_id":"oc_1","msg_type":"text","content":"{\"text\":\"hi\"}"}"#
                    .to_owned(),
            ),
        ]
    );
    let seen = recorder.seen.lock().unwrap();
    assert_eq!(
        seen[1].headers()["content-type"],
        "application/json; charset=utf-8"
    );
    assert!(seen[1].headers()["authorization"].is_sensitive());
}

#[test]
fn tokens_are_cached_until_the_refresh_point() {
    let recorder = Recorder::new();
    let clock = Arc::new(ManualClock::new(0));
    let client = Client::new(
        config().token_refresh_margin(Duration::from_secs(300)),
        recorder.backend(ok_backend),
        Arc::clone(&clock),
    );
    let call = || block_on(client.send(&chat::Get::new("oc_1"))).unwrap();
    call();
    call();
    let token_requests = || {
        recorder
            .requests()
            .iter()
            .filter(|r| r.1.contains("/auth/"))
            .count()
    };
    assert_eq!(token_requests(), 1);
    // 7200 s lifetime, 300 s margin: refreshed from 6900 s on.
    clock.set(6_899_000);
    call();
    assert_eq!(token_requests(), 1);
    clock.set(6_900_000);
    call();
    assert_eq!(token_requests(), 2);
}

#[test]
fn user_tokens_go_straight_through() {
    let recorder = Recorder::new();
    let client = Client::new(config(), recorder.backend(ok_backend), ManualClock::new(0));
    let options = RequestOptions::new().user_access_token("u-abc");
    block_on(client.send_with(&chat::Get::new("oc_1"), &options)).unwrap();
    let requests = recorder.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].2.as_deref(), Some("Bearer u-abc"));
    // Sending a message takes a user token too (the platform's token kinds, as lark-oapi
    // declares them): it goes as the user.
    block_on(client.send_with(
        &message::Create::new("chat_id", "oc_1", "text", "{}"),
        &options,
    ))
    .unwrap();
    assert_eq!(recorder.requests().len(), 2);
    assert_eq!(recorder.requests()[1].2.as_deref(), Some("Bearer u-abc"));
    // An endpoint that takes no user token refuses one before sending anything.
    let err =
        block_on(client.send_with(&batch_message::GetProgress::new("bm_1"), &options)).unwrap_err();
    assert!(matches!(err, Error::Build(_)), "{err:?}");
    assert_eq!(recorder.requests().len(), 2);
}

static USER_ONLY: EndpointMeta = EndpointMeta::new(
    "test",
    "UserOnly",
    http::Method::GET,
    "/open-apis/test/user",
    &[TokenKind::User],
);
static HELPDESK: EndpointMeta = EndpointMeta::new(
    "test",
    "Helpdesk",
    http::Method::GET,
    "/open-apis/helpdesk/v1/tickets",
    &[TokenKind::Tenant],
)
.helpdesk(true);
static WWW: EndpointMeta = EndpointMeta::new(
    "test",
    "Www",
    http::Method::GET,
    "/approval/openapi/v2/approval/get",
    &[TokenKind::Tenant],
)
.base(lark_core::endpoint::Base::Www);

struct Fixed(&'static EndpointMeta);

impl Endpoint for Fixed {
    type Output = serde_json::Value;

    fn meta(&self) -> &EndpointMeta {
        self.0
    }

    fn path(&self) -> lark_core::Result<String> {
        Ok(self.0.path.to_owned())
    }
}

#[test]
fn user_only_endpoints_need_a_user_token() {
    let recorder = Recorder::new();
    let client = Client::new(config(), recorder.backend(ok_backend), ManualClock::new(0));
    let err = block_on(client.send(&Fixed(&USER_ONLY))).unwrap_err();
    assert!(
        matches!(err, Error::Build(ref m) if m.contains("user access token")),
        "{err:?}"
    );
    assert!(recorder.requests().is_empty());
}

#[test]
fn helpdesk_header_and_www_base() {
    let recorder = Recorder::new();
    let client = Client::new(
        Config::new("cli_test", "s3cret").helpdesk("hd-1", "hd-token"),
        recorder.backend(ok_backend),
        ManualClock::new(0),
    );
    block_on(client.send(&Fixed(&HELPDESK))).unwrap();
    block_on(client.send(&Fixed(&WWW))).unwrap();
    let seen = recorder.seen.lock().unwrap();
    // base64("hd-1:hd-token")
    assert_eq!(
        seen[1].headers()["x-lark-helpdesk-authorization"],
        "aGQtMTpoZC10b2tlbg=="
    );
    assert_eq!(
        seen[0].uri(),
        "https://open.feishu.cn/open-apis/auth/v3/tenant_access_token/internal"
    );
    assert_eq!(
        seen[2].uri(),
        "https://www.feishu.cn/approval/openapi/v2/approval/get"
    );
    drop(seen);
    // Without helpdesk credentials the call is refused before sending.
    let plain = Client::new(config(), recorder.backend(ok_backend), ManualClock::new(0));
    assert!(matches!(
        block_on(plain.send(&Fixed(&HELPDESK))),
        Err(Error::Build(_))
    ));
}

#[test]
fn rejected_tokens_are_evicted_and_the_call_retried_once() {
    for code in [99_991_661, 99_991_663, 99_991_664, 99_991_671] {
        let recorder = Recorder::new();
        let tokens = AtomicUsize::new(0);
        let backend = recorder.backend(move |request, n| {
            if request.uri().path().contains("/auth/") {
                numbered_token(&tokens)
            } else if n == 1 {
                json(
                    401,
                    serde_json::json!({"code": code, "msg": "token invalid"}),
                )
            } else {
                json(200, serde_json::json!({"code": 0, "data": {}}))
            }
        });
        let client = Client::new(config(), backend, ManualClock::new(0));
        block_on(client.send(&chat::Get::new("oc_1"))).unwrap();
        assert_eq!(
            recorder.authorizations(),
            [
                None,
                Some("Bearer t-0".into()),
                None,
                Some("Bearer t-1".into())
            ],
            "code {code}"
        );
    }
}

#[test]
fn a_second_rejection_is_returned() {
    let recorder = Recorder::new();
    let backend = recorder.backend(|request, _| {
        if request.uri().path().contains("/auth/") {
            token_answer("t-1")
        } else {
            json(
                401,
                serde_json::json!({"code": 99_991_663, "msg": "invalid"}),
            )
        }
    });
    let client = Client::new(config(), backend, ManualClock::new(0));
    let err = block_on(client.send(&chat::Get::new("oc_1"))).unwrap_err();
    assert_eq!(err.code(), Some(99_991_663));
    assert_eq!(err.log_id(), Some("log-test"));
    assert_eq!(recorder.requests().len(), 4);
}

#[test]
fn a_token_that_expires_again_during_a_later_attempt_is_refreshed_again() {
    let recorder = Recorder::new();
    let tokens = AtomicUsize::new(0);
    // Requests: token t-0, call (rejected), token t-1, call (HTTP 500), call after the backoff
    // (rejected: t-1 expired meanwhile), token t-2, call (served).
    let backend = recorder.backend(move |request, n| {
        if request.uri().path().contains("/auth/") {
            numbered_token(&tokens)
        } else if n == 1 || n == 4 {
            json(
                401,
                serde_json::json!({"code": 99_991_663, "msg": "token expired"}),
            )
        } else if n == 3 {
            json(500, serde_json::json!({"code": 1, "msg": "internal"}))
        } else {
            json(200, serde_json::json!({"code": 0, "data": {}}))
        }
    });
    let client = Client::new(config(), backend, ManualClock::new(0));
    block_on(client.send(&chat::Get::new("oc_1"))).unwrap();
    assert_eq!(
        recorder.authorizations(),
        [
            None,
            Some("Bearer t-0".into()),
            None,
            Some("Bearer t-1".into()),
            Some("Bearer t-1".into()),
            None,
            Some("Bearer t-2".into()),
        ]
    );
}

#[test]
fn token_failures_are_token_errors() {
    let recorder = Recorder::new();
    let backend = recorder.backend(|_, _| {
        json(
            400,
            serde_json::json!({"code": 10014, "msg": "app secret invalid"}),
        )
    });
    let client = Client::new(config(), backend, ManualClock::new(0));
    let err = block_on(client.send(&chat::Get::new("oc_1"))).unwrap_err();
    assert!(matches!(err, Error::Token { .. }), "{err:?}");
    assert_eq!(err.code(), Some(10014));
    assert!(!format!("{err:?} {err}").contains("s3cret"));
}

#[test]
fn marketplace_apps_name_the_tenant() {
    let recorder = Recorder::new();
    let client = Client::new(
        config().app_type(AppType::Marketplace),
        recorder.backend(|request, _| {
            let body: serde_json::Value = serde_json::from_slice(request.body()).unwrap_or_default();
            match request.uri().path() {
                "/open-apis/auth/v3/app_access_token" => {
                    assert_eq!(body["app_ticket"], "ticket-1");
                    json(200, serde_json::json!({"code": 0, "app_access_token": "a-1", "expire": 7200}))
                }
                "/open-apis/auth/v3/tenant_access_token" => {
                    assert_eq!(body["app_access_token"], "a-1");
                    let tenant = body["tenant_key"].as_str().unwrap();
                    json(200, serde_json::json!({"code": 0, "tenant_access_token": format!("t-{tenant}"), "expire": 7200}))
                }
                "/open-apis/auth/v3/app_ticket/resend" => json(200, serde_json::json!({"code": 0, "msg": "ok"})),
                _ => json(200, serde_json::json!({"code": 0, "data": {}})),
            }
        }),
        ManualClock::new(0),
    );
    // No tenant key: refused before sending.
    assert!(matches!(
        block_on(client.send(&chat::Get::new("oc_1"))),
        Err(Error::Build(_))
    ));
    let for_tenant = |t: &str| RequestOptions::new().tenant_key(t);
    // No ticket yet: a token error, and the platform is asked to resend one.
    let err = block_on(client.send_with(&chat::Get::new("oc_1"), &for_tenant("tk1"))).unwrap_err();
    assert!(matches!(err, Error::Token { .. }), "{err:?}");
    assert!(
        recorder
            .requests()
            .iter()
            .any(|r| r.1.ends_with("/app_ticket/resend"))
    );
    block_on(client.set_app_ticket("ticket-1"));
    block_on(client.send_with(&chat::Get::new("oc_1"), &for_tenant("tk1"))).unwrap();
    block_on(client.send_with(&chat::Get::new("oc_1"), &for_tenant("tk2"))).unwrap();
    block_on(client.send_with(&chat::Get::new("oc_1"), &for_tenant("tk1"))).unwrap();
    let auth: Vec<_> = recorder
        .requests()
        .into_iter()
        .filter(|r| r.1.contains("/im/"))
        .map(|r| r.2.unwrap())
        .collect();
    assert_eq!(auth, ["Bearer t-tk1", "Bearer t-tk2", "Bearer t-tk1"]);
    let app_token_requests = recorder
        .requests()
        .iter()
        .filter(|r| r.1.ends_with("/app_access_token"))
        .count();
    assert_eq!(app_token_requests, 1);
}

/// Yields to the executor `n` times, so concurrent calls interleave under `join_all`.
struct YieldTimes(u32);

impl std::future::Future for YieldTimes {
    type Output = ();

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        if self.0 == 0 {
            return std::task::Poll::Ready(());
        }
        self.0 -= 1;
        cx.waker().wake_by_ref();
        std::task::Poll::Pending
    }
}

#[test]
fn concurrent_cold_calls_share_one_token_request() {
    let token_requests = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&token_requests);
    let backend = move |request: Request| {
        let counter = Arc::clone(&counter);
        async move {
            if request.uri().path().contains("/auth/") {
                counter.fetch_add(1, Ordering::SeqCst);
                YieldTimes(50).await;
                Ok(token_answer("t-1"))
            } else {
                YieldTimes(1).await;
                Ok(json(200, serde_json::json!({"code": 0, "data": {}})))
            }
        }
    };
    // The backend pends between polls, which a virtual-time timeout would win at once.
    let client = Client::new(config().timeout(None), backend, ManualClock::new(0));
    let chat = chat::Get::new("oc_1");
    let calls = (0..1_000).map(|_| client.send(&chat));
    let results = block_on(futures_util::future::join_all(calls));
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(token_requests.load(Ordering::SeqCst), 1);
}

/// A runtime whose timer fires at once.
struct InstantTimer;

impl Runtime for InstantTimer {
    fn now_millis(&self) -> u64 {
        0
    }

    fn sleep(&self, _: Duration) -> BoxFuture<'static, ()> {
        Box::pin(std::future::ready(()))
    }

    fn fill_random(&self, dest: &mut [u8]) -> Result<(), lark_core::RandomError> {
        lark_core::ManualClock::new(0).fill_random(dest)
    }
}

#[test]
fn timeouts_and_transport_errors_are_told_apart() {
    let hang = |_: Request| std::future::pending::<Result<Response, HttpError>>();
    let client = Client::new(config(), hang, InstantTimer);
    let options = RequestOptions::new()
        .user_access_token("u-1")
        .timeout(Duration::from_millis(5));
    let err = block_on(client.send_with(&chat::Get::new("oc_1"), &options)).unwrap_err();
    assert!(
        matches!(err, Error::Timeout(d) if d == Duration::from_millis(5)),
        "{err:?}"
    );

    let refuse = |_: Request| {
        std::future::ready(Err(HttpError::new(
            HttpErrorKind::Connect,
            "connection refused",
        )))
    };
    let client = Client::new(config(), refuse, ManualClock::new(0));
    let err = block_on(client.send_with(&chat::Get::new("oc_1"), &options)).unwrap_err();
    assert!(
        matches!(&err, Error::Transport(e) if e.kind() == HttpErrorKind::Connect),
        "{err:?}"
    );
}

#[test]
fn pages_follow_tokens_until_done() {
    let recorder = Recorder::new();
    let backend = recorder.backend(|request, _| {
        if request.uri().path().contains("/auth/") {
            return token_answer("t-1");
        }
        let query = request.uri().query().unwrap_or_default().to_owned();
        let page = if query.contains("page_token=p2") {
            serde_json::json!({"has_more": true, "page_token": "p3", "items": [{"message_id": "om_2"}]})
        } else if query.contains("page_token=p3") {
            serde_json::json!({"has_more": false, "items": [{"message_id": "om_3"}]})
        } else {
            serde_json::json!({"has_more": true, "page_token": "p2", "items": [{"message_id": "om_1"}]})
        };
        json(200, serde_json::json!({"code": 0, "data": page}))
    });
    let client = Client::new(config(), backend, ManualClock::new(0));
    let pages: Vec<_> = block_on(
        client
            .pages(message::List::new("chat", "oc_1").page_size(1))
            .collect::<Vec<_>>(),
    );
    let ids: Vec<String> = pages
        .into_iter()
        .flat_map(|p| p.unwrap().items.unwrap_or_default())
        .filter_map(|m| m.message_id)
        .collect();
    assert_eq!(ids, ["om_1", "om_2", "om_3"]);
}

#[test]
fn pages_stop_when_the_server_repeats_a_token() {
    let recorder = Recorder::new();
    let backend = recorder.backend(|request, _| {
        if request.uri().path().contains("/auth/") {
            return token_answer("t-1");
        }
        json(200, serde_json::json!({"code": 0, "data": {"has_more": true, "page_token": "same", "items": []}}))
    });
    let client = Client::new(config(), backend, ManualClock::new(0));
    let pages: Vec<_> = block_on(
        client
            .pages(message::List::new("chat", "oc_1"))
            .collect::<Vec<_>>(),
    );
    assert_eq!(pages.len(), 3);
    assert!(pages[..2].iter().all(Result::is_ok));
    assert!(
        matches!(&pages[2], Err(lark_core::Error::Pagination(_))),
        "{:?}",
        pages[2]
    );
}

#[test]
fn pages_stop_on_a_token_cycle_and_at_the_page_limit() {
    // A → B → A: comparing with the previous token alone would never end.
    let recorder = Recorder::new();
    let backend = recorder.backend(|request, _| {
        if request.uri().path().contains("/auth/") {
            return token_answer("t-1");
        }
        let query = request.uri().query().unwrap_or_default().to_owned();
        let next = if query.contains("page_token=A") { "B" } else { "A" };
        json(200, serde_json::json!({"code": 0, "data": {"has_more": true, "page_token": next, "items": []}}))
    });
    let client = Client::new(config(), backend, ManualClock::new(0));
    let pages: Vec<_> = block_on(
        client
            .pages(message::List::new("chat", "oc_1"))
            .take(10)
            .collect::<Vec<_>>(),
    );
    // Pages: first (→A), A (→B), B (→A, seen): three pages, then the error.
    assert_eq!(pages.len(), 4, "{pages:?}");
    let Err(lark_core::Error::Pagination(message)) = &pages[3] else {
        panic!("{:?}", pages[3])
    };
    assert!(message.contains("cycle"), "{message}");

    // Fresh tokens forever stop at Config::max_pages.
    let recorder = Recorder::new();
    let counter = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&counter);
    let backend = recorder.backend(move |request, _| {
        if request.uri().path().contains("/auth/") {
            return token_answer("t-1");
        }
        let n = counted.fetch_add(1, Ordering::SeqCst);
        json(200, serde_json::json!({"code": 0, "data": {"has_more": true, "page_token": format!("p{n}"), "items": []}}))
    });
    let client = Client::new(config().max_pages(5), backend, ManualClock::new(0));
    let pages: Vec<_> = block_on(
        client
            .pages(message::List::new("chat", "oc_1"))
            .take(100)
            .collect::<Vec<_>>(),
    );
    assert_eq!(pages.len(), 6);
    assert!(matches!(&pages[5], Err(lark_core::Error::Pagination(_))));
    assert_eq!(counter.load(Ordering::SeqCst), 5);

    // RequestOptions::max_pages overrides it for one stream, which may outlive the borrow
    // of the client.
    let stream = client.pages_with(
        message::List::new("chat", "oc_1"),
        RequestOptions::new().max_pages(2),
    );
    drop(client);
    let pages: Vec<_> = block_on(stream.take(100).collect::<Vec<_>>());
    assert_eq!(pages.len(), 3);
    let Err(lark_core::Error::Pagination(message)) = &pages[2] else {
        panic!("{:?}", pages[2])
    };
    assert!(message.contains("RequestOptions::max_pages"), "{message}");
    assert_eq!(counter.load(Ordering::SeqCst), 7);
}

#[test]
fn raw_requests_encode_query_and_body() {
    let recorder = Recorder::new();
    let client = Client::new(config(), recorder.backend(ok_backend), ManualClock::new(0));
    let answer = block_on(
        client
            .raw(http::Method::POST, "/open-apis/x/v1/y")
            .query("a b", "c&d")
            .query("lang", "中文")
            .json(serde_json::json!({"k": 1}))
            .send(),
    )
    .unwrap();
    assert_eq!(answer["code"], 0);
    let requests = recorder.requests();
    assert_eq!(
        requests[1].1,
        "http://mock.test/open-apis/x/v1/y?a%20b=c%26d&lang=%E4%B8%AD%E6%96%87"
    );
    assert_eq!(requests[1].3, r#"{"k":1}"#);
    let err = block_on(client.raw(http::Method::GET, "no-slash").send()).unwrap_err();
    assert!(matches!(err, Error::Build(_)));
}

fn send_message() -> message::Create {
    message::Create::new("chat_id", "oc_1", "text", "{}")
}

#[test]
fn rate_limited_calls_wait_for_the_reset_and_retry() {
    let recorder = Recorder::new();
    let backend = recorder.backend(|request, n| {
        if request.uri().path().contains("/auth/") {
            return token_answer("t-1");
        }
        if n < 3 {
            let mut limited = json(
                400,
                serde_json::json!({"code": 99_991_400, "msg": "request trigger frequency limit"}),
            );
            limited
                .headers_mut()
                .insert("x-ogw-ratelimit-reset", http::HeaderValue::from_static("4"));
            limited
        } else {
            json(
                200,
                serde_json::json!({"code": 0, "data": {"message_id": "om_9"}}),
            )
        }
    });
    let clock = Arc::new(ManualClock::new(0));
    let client = Client::new(config(), backend, Arc::clone(&clock));
    // A POST without an idempotency key is still retried: the platform turned it away unserved.
    let sent = block_on(client.send(&send_message())).unwrap();
    assert_eq!(sent.message_id.as_deref(), Some("om_9"));
    assert_eq!(recorder.requests().len(), 4);
    // Two waits of the server's 4 s.
    assert_eq!(clock.now_millis(), 8_000);
}

#[test]
fn unknown_fates_are_retried_only_when_idempotent() {
    let flaky = |request: &Request, n: usize| {
        if request.uri().path().contains("/auth/") {
            token_answer("t-1")
        } else if n == 1 {
            http::Response::builder()
                .status(502)
                .header("content-type", "text/html")
                .body(b"<html>Bad Gateway</html>".to_vec())
                .unwrap()
        } else {
            json(200, serde_json::json!({"code": 0, "data": {}}))
        }
    };
    // GET: retried.
    let recorder = Recorder::new();
    let client = Client::new(config(), recorder.backend(flaky), ManualClock::new(0));
    block_on(client.send(&chat::Get::new("oc_1"))).unwrap();
    assert_eq!(recorder.requests().len(), 3);
    // POST without an idempotency key: the 502 is returned with its body.
    let recorder = Recorder::new();
    let client = Client::new(config(), recorder.backend(flaky), ManualClock::new(0));
    let err = block_on(client.send(&Fixed(&POST_NO_KEY))).unwrap_err();
    let Error::Decode(decode) = err else {
        panic!("{err:?}")
    };
    assert_eq!(
        (decode.http_status, decode.body_text().as_ref()),
        (502, "<html>Bad Gateway</html>")
    );
    assert_eq!(recorder.requests().len(), 2);
}

static POST_NO_KEY: EndpointMeta = EndpointMeta::new(
    "test",
    "PostNoKey",
    http::Method::POST,
    "/open-apis/test/post",
    &[TokenKind::Tenant],
);
static POST_BODY_KEY: EndpointMeta = EndpointMeta::new(
    "test",
    "PostBodyKey",
    http::Method::POST,
    "/open-apis/test/post",
    &[TokenKind::Tenant],
)
.idempotency_key(lark_core::endpoint::IdempotencyKey::Body("uuid"));
static POST_QUERY_KEY: EndpointMeta = EndpointMeta::new(
    "test",
    "PostQueryKey",
    http::Method::POST,
    "/open-apis/test/post?x=1",
    &[TokenKind::Tenant],
)
.idempotency_key(lark_core::endpoint::IdempotencyKey::Query("client_token"));

/// An endpoint with a JSON body.
struct WithBody(&'static EndpointMeta, serde_json::Value);

impl Endpoint for WithBody {
    type Output = serde_json::Value;

    fn meta(&self) -> &EndpointMeta {
        self.0
    }

    fn path(&self) -> lark_core::Result<String> {
        Ok(self.0.path.to_owned())
    }

    fn body(&self) -> lark_core::Result<lark_core::Body> {
        lark_core::Body::json(&self.1)
    }
}

#[test]
fn idempotency_keys_are_filled_once_and_kept_across_retries() {
    let drop_first = || first_call_fails(503, serde_json::json!({"code": 1, "msg": "unavailable"}));
    let recorder = Recorder::new();
    let client = Client::new(
        config(),
        recorder.backend(drop_first()),
        ManualClock::new(0),
    );
    block_on(client.send(&WithBody(&POST_BODY_KEY, serde_json::json!({"text": "hi"})))).unwrap();
    let bodies: Vec<serde_json::Value> = recorder.requests()[1..]
        .iter()
        .map(|r| serde_json::from_str(&r.3).unwrap())
        .collect();
    assert_eq!(bodies.len(), 2);
    let uuid = bodies[0]["uuid"].as_str().unwrap().to_owned();
    assert_eq!(uuid.len(), 36);
    assert_eq!(bodies[1]["uuid"], uuid.as_str());
    assert_eq!(bodies[0]["text"], "hi");

    // The caller's own key is kept.
    let recorder = Recorder::new();
    let client = Client::new(
        config(),
        recorder.backend(drop_first()),
        ManualClock::new(0),
    );
    block_on(client.send(&WithBody(
        &POST_BODY_KEY,
        serde_json::json!({"uuid": "mine"}),
    )))
    .unwrap();
    assert!(
        recorder.requests()[1..]
            .iter()
            .all(|r| r.3 == r#"{"uuid":"mine"}"#)
    );

    // Query keys.
    let recorder = Recorder::new();
    let client = Client::new(
        config(),
        recorder.backend(drop_first()),
        ManualClock::new(0),
    );
    block_on(client.send(&Fixed(&POST_QUERY_KEY))).unwrap();
    let uris: Vec<String> = recorder.requests()[1..]
        .iter()
        .map(|r| r.1.clone())
        .collect();
    assert!(
        uris[0].starts_with("http://mock.test/open-apis/test/post?x=1&client_token="),
        "{uris:?}"
    );
    assert_eq!(uris[0], uris[1]);

    // An empty key the caller sent is replaced, not sent twice.
    static POST_EMPTY_QUERY_KEY: EndpointMeta = EndpointMeta::new(
        "test",
        "PostEmptyQueryKey",
        http::Method::POST,
        "/open-apis/test/post?client_token=&x=1",
        &[TokenKind::Tenant],
    )
    .idempotency_key(lark_core::endpoint::IdempotencyKey::Query("client_token"));
    let recorder = Recorder::new();
    let client = Client::new(config(), recorder.backend(ok_backend), ManualClock::new(0));
    block_on(client.send(&Fixed(&POST_EMPTY_QUERY_KEY))).unwrap();
    let uri = recorder.requests()[1].1.clone();
    assert_eq!(uri.matches("client_token=").count(), 1, "{uri}");
    assert!(
        uri.starts_with("http://mock.test/open-apis/test/post?x=1&client_token="),
        "{uri}"
    );
    assert_eq!(
        uri.len(),
        "http://mock.test/open-apis/test/post?x=1&client_token=".len() + 36
    );

    // Two calls get two keys.
    let recorder = Recorder::new();
    let client = Client::new(config(), recorder.backend(ok_backend), ManualClock::new(0));
    block_on(client.send(&WithBody(&POST_BODY_KEY, serde_json::json!({})))).unwrap();
    block_on(client.send(&WithBody(&POST_BODY_KEY, serde_json::json!({})))).unwrap();
    let requests = recorder.requests();
    assert_ne!(requests[1].3, requests[2].3);
}

#[test]
fn attempts_and_deadline_bound_the_retries() {
    let always_down = |request: &Request, _: usize| {
        if request.uri().path().contains("/auth/") {
            token_answer("t-1")
        } else {
            json(503, serde_json::json!({"code": 1, "msg": "unavailable"}))
        }
    };
    let recorder = Recorder::new();
    let policy = lark_core::RetryPolicy::default().max_attempts(5);
    let client = Client::new(
        config().retry(policy),
        recorder.backend(always_down),
        ManualClock::new(0),
    );
    let err = block_on(client.send(&chat::Get::new("oc_1"))).unwrap_err();
    assert_eq!(err.http_status(), Some(503));
    assert_eq!(recorder.requests().len(), 1 + 5);

    // Per call: off.
    let recorder = Recorder::new();
    let client = Client::new(config(), recorder.backend(always_down), ManualClock::new(0));
    let options = RequestOptions::new().retry(lark_core::RetryPolicy::none());
    block_on(client.send_with(&chat::Get::new("oc_1"), &options)).unwrap_err();
    assert_eq!(recorder.requests().len(), 2);

    // A server wait past the deadline is not waited for.
    let recorder = Recorder::new();
    let backend = recorder.backend(|request, _| {
        if request.uri().path().contains("/auth/") {
            return token_answer("t-1");
        }
        let mut limited = json(429, serde_json::json!({"code": 99_991_400, "msg": "limit"}));
        limited.headers_mut().insert(
            "x-ogw-ratelimit-reset",
            http::HeaderValue::from_static("120"),
        );
        limited
    });
    let clock = Arc::new(ManualClock::new(0));
    let client = Client::new(config(), backend, Arc::clone(&clock));
    let err = block_on(client.send(&chat::Get::new("oc_1"))).unwrap_err();
    assert_eq!(err.code(), Some(99_991_400));
    assert_eq!(recorder.requests().len(), 2);
    assert_eq!(clock.now_millis(), 0);
}

#[test]
fn a_custom_base_still_routes_www_endpoints_to_the_www_base() {
    let recorder = Recorder::new();
    let config = Config::new("cli_test", "s3cret")
        .base_url("http://127.0.0.1:9/")
        .www_base_url("http://127.0.0.1:10");
    let client = Client::new(config, recorder.backend(ok_backend), ManualClock::new(0));
    block_on(client.send(&Fixed(&WWW))).unwrap();
    let seen = recorder.seen.lock().unwrap();
    assert_eq!(
        seen[0].uri(),
        "http://127.0.0.1:9/open-apis/auth/v3/tenant_access_token/internal"
    );
    assert_eq!(
        seen[1].uri(),
        "http://127.0.0.1:10/approval/openapi/v2/approval/get"
    );
}

static GET_WITH_BODY: EndpointMeta = EndpointMeta::new(
    "test",
    "GetWithBody",
    http::Method::GET,
    "/open-apis/test/get",
    &[TokenKind::Tenant],
);

/// A backend like fetch, which cannot send a GET with a body.
struct NoGetBodies<H>(H);

impl<H: lark_core::HttpClient> lark_core::HttpClient for NoGetBodies<H> {
    fn execute(&self, request: Request) -> BoxFuture<'_, Result<Response, HttpError>> {
        self.0.execute(request)
    }

    fn sends_get_bodies(&self) -> bool {
        false
    }
}

#[test]
fn a_get_with_a_body_is_a_build_error_on_a_backend_that_cannot_send_one() {
    let recorder = Recorder::new();
    let client = Client::new(
        config(),
        NoGetBodies(recorder.backend(ok_backend)),
        ManualClock::new(0),
    );
    let err =
        block_on(client.send(&WithBody(&GET_WITH_BODY, serde_json::json!({"a": 1})))).unwrap_err();
    assert!(
        matches!(&err, Error::Build(m) if m.contains("test.GetWithBody") && m.contains("GET")),
        "{err:?}"
    );
    assert!(recorder.requests().is_empty(), "nothing was sent");
    // Backends that can (reqwest, closures) send it as it is.
    let recorder = Recorder::new();
    let client = Client::new(config(), recorder.backend(ok_backend), ManualClock::new(0));
    block_on(client.send(&WithBody(&GET_WITH_BODY, serde_json::json!({"a": 1})))).unwrap();
    assert_eq!(recorder.requests()[1].3, r#"{"a":1}"#);
}

/// A backend-only setting, as lark-fetch's `ExtraHeaders` is.
#[derive(Debug, Clone, PartialEq)]
struct BackendSetting(&'static str);

#[test]
fn request_extensions_reach_the_backend_on_every_attempt() {
    let flaky = first_call_fails(503, serde_json::json!({"code": 99991400, "msg": "busy"}));
    let recorder = Recorder::new();
    let client = Client::new(config(), recorder.backend(flaky), ManualClock::new(0));
    let options = RequestOptions::new()
        .extension(BackendSetting("first"))
        .extension(BackendSetting("second"))
        .extension(7_u32);
    block_on(client.send_with(&chat::Get::new("oc_1"), &options)).unwrap();
    let seen = recorder.seen.lock().unwrap();
    assert_eq!(seen.len(), 3, "token, the 503, the retry");
    // The token request is the SDK's own: the call's settings are not on it.
    assert_eq!(seen[0].extensions().get::<BackendSetting>(), None);
    for attempt in &seen[1..] {
        // A second value of one type replaces the first.
        assert_eq!(
            attempt.extensions().get::<BackendSetting>(),
            Some(&BackendSetting("second"))
        );
        assert_eq!(attempt.extensions().get::<u32>(), Some(&7));
    }
}

#[test]
fn a_tenant_token_got_elsewhere_is_sent_as_it_is_and_never_refreshed() {
    let rejecting = |request: &Request, _: usize| {
        if request.uri().path().contains("/auth/") {
            token_answer("t-own")
        } else if request.headers()["authorization"] == "Bearer t-given" {
            json(200, serde_json::json!({"code": 0, "data": {}}))
        } else {
            json(
                400,
                serde_json::json!({"code": 99991663, "msg": "invalid tenant token"}),
            )
        }
    };
    let recorder = Recorder::new();
    let client = Client::new(config(), recorder.backend(rejecting), ManualClock::new(0));
    let given = RequestOptions::new().tenant_access_token("t-given");
    block_on(client.send_with(&chat::Get::new("oc_1"), &given)).unwrap();
    // No token request: the client's own token was never needed.
    assert_eq!(
        recorder.authorizations(),
        [Some("Bearer t-given".to_owned())]
    );

    // A rejected given token is the call's error: the client does not fetch one of its own.
    let stale = RequestOptions::new().tenant_access_token("t-stale");
    let err = block_on(client.send_with(&chat::Get::new("oc_1"), &stale)).unwrap_err();
    assert!(
        matches!(&err, Error::Api(api) if api.code == 99991663),
        "{err}"
    );
    assert_eq!(recorder.requests().len(), 2);

    // Both kinds at once, or a tenant token where none is taken: refused before sending.
    let both = RequestOptions::new()
        .tenant_access_token("t-given")
        .user_access_token("u-1");
    let err = block_on(client.send_with(&chat::Get::new("oc_1"), &both)).unwrap_err();
    assert!(err.to_string().contains("one of"), "{err}");
    static USER_ONLY: EndpointMeta = EndpointMeta::new(
        "test",
        "UserOnly",
        http::Method::GET,
        "/open-apis/test/user",
        &[TokenKind::User],
    );
    let err = block_on(client.send_with(&Fixed(&USER_ONLY), &given)).unwrap_err();
    assert!(
        err.to_string()
            .contains("does not accept a tenant access token"),
        "{err}"
    );
    assert_eq!(recorder.requests().len(), 2);
    // Debug keeps the given token out of sight.
    assert!(!format!("{given:?}").contains("t-given"));
}

#[test]
fn helpdesk_credentials_of_one_call_go_over_the_clients() {
    let recorder = Recorder::new();
    // A client without helpdesk credentials: the call brings its own.
    let client = Client::new(config(), recorder.backend(ok_backend), ManualClock::new(0));
    let options = RequestOptions::new().helpdesk("hd-2", "hd-secret");
    block_on(client.send_with(&Fixed(&HELPDESK), &options)).unwrap();
    // A client with them: the call's win.
    let configured = Client::new(
        config().helpdesk("hd-1", "hd-token"),
        recorder.backend(ok_backend),
        ManualClock::new(0),
    );
    block_on(configured.send_with(&Fixed(&HELPDESK), &options)).unwrap();
    block_on(configured.send(&Fixed(&HELPDESK))).unwrap();
    let seen = recorder.seen.lock().unwrap();
    let helpdesk: Vec<_> = seen
        .iter()
        .filter_map(|r| r.headers().get("x-lark-helpdesk-authorization"))
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    // base64("hd-2:hd-secret"), twice; then base64("hd-1:hd-token").
    assert_eq!(
        helpdesk,
        [
            "aGQtMjpoZC1zZWNyZXQ=",
            "aGQtMjpoZC1zZWNyZXQ=",
            "aGQtMTpoZC10b2tlbg=="
        ]
    );
    assert!(!format!("{options:?}").contains("hd-secret"));
}
