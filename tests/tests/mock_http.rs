//! lark-mock at the HTTP level, through bare reqwest: what it answers to requests the SDK would
//! never send (missing and malformed tokens, bad signatures, preflights, unknown routes).

use std::time::{Duration, Instant};

use base64::Engine as _;
use hmac::{Hmac, Mac};
use lark_mock::{Fault, FaultRule, MockServer, codes};
use serde_json::{Value, json};

struct Http {
    client: reqwest::Client,
    base: String,
}

struct Answer {
    status: u16,
    headers: http::HeaderMap,
    body: Value,
}

impl Http {
    fn new(mock: &MockServer) -> Self {
        Self {
            client: reqwest::Client::new(),
            base: mock.base_url().to_owned(),
        }
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Answer {
        let response = tokio::time::timeout(Duration::from_secs(20), request.send())
            .await
            .expect("the mock answers in time")
            .expect("the mock answers");
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.unwrap();
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
        };
        Answer {
            status,
            headers,
            body,
        }
    }

    async fn get(&self, path: &str, authorization: Option<&str>) -> Answer {
        let mut request = self.client.get(format!("{}{path}", self.base));
        if let Some(value) = authorization {
            request = request.header("authorization", value);
        }
        self.send(request).await
    }

    async fn post(&self, path: &str, body: Value) -> Answer {
        self.send(
            self.client
                .post(format!("{}{path}", self.base))
                .header("content-type", "application/json")
                .body(body.to_string()),
        )
        .await
    }

    async fn tenant_token(&self) -> String {
        let answer = self
            .post(
                "/open-apis/auth/v3/tenant_access_token/internal",
                json!({"app_id": MockServer::APP_ID, "app_secret": MockServer::APP_SECRET}),
            )
            .await;
        answer.body["tenant_access_token"]
            .as_str()
            .unwrap()
            .to_owned()
    }
}

async fn setup() -> (MockServer, Http) {
    let mock = MockServer::start().await.unwrap();
    let http = Http::new(&mock);
    (mock, http)
}

#[tokio::test]
async fn token_endpoints_answer_at_the_top_level() {
    let (mock, http) = setup().await;
    let answer = http
        .post(
            "/open-apis/auth/v3/tenant_access_token/internal",
            json!({"app_id": MockServer::APP_ID, "app_secret": MockServer::APP_SECRET}),
        )
        .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.body["code"], 0);
    assert_eq!(answer.body["msg"], "ok");
    assert_eq!(answer.body["expire"], 7200);
    assert!(
        answer.body["tenant_access_token"]
            .as_str()
            .unwrap()
            .starts_with("t-")
    );
    assert!(answer.body.get("data").is_none());

    let app = http
        .post(
            "/open-apis/auth/v3/app_access_token/internal",
            json!({"app_id": MockServer::APP_ID, "app_secret": MockServer::APP_SECRET}),
        )
        .await;
    assert!(
        app.body["app_access_token"]
            .as_str()
            .unwrap()
            .starts_with("a-")
    );

    let cases = [
        (
            json!({"app_id": MockServer::APP_ID, "app_secret": "wrong"}),
            codes::APP_SECRET_INVALID,
        ),
        (
            json!({"app_id": "cli_unknown", "app_secret": "x"}),
            codes::TOKEN_PARAM_INVALID,
        ),
        (
            json!({"app_id": MockServer::APP_ID}),
            codes::TOKEN_PARAM_INVALID,
        ),
        (json!([1, 2]), codes::TOKEN_PARAM_INVALID),
    ];
    for (body, code) in cases {
        let answer = http
            .post(
                "/open-apis/auth/v3/tenant_access_token/internal",
                body.clone(),
            )
            .await;
        assert_eq!(
            (answer.status, answer.body["code"].as_i64()),
            (400, Some(code)),
            "{body}"
        );
    }
    assert_eq!(mock.tenant_token_requests(), 5);
}

#[tokio::test]
async fn marketplace_token_flow_over_http() {
    let (mock, http) = setup().await;
    mock.add_marketplace_app("cli_isv", "s");
    let creds = json!({"app_id": "cli_isv", "app_secret": "s"});
    assert_eq!(mock.app_ticket("cli_isv"), None);
    let resent = http
        .post("/open-apis/auth/v3/app_ticket/resend", creds)
        .await;
    assert_eq!(resent.body["code"], 0);
    let ticket = mock.app_ticket("cli_isv").unwrap();
    let bad = http
        .post(
            "/open-apis/auth/v3/app_access_token",
            json!({"app_id": "cli_isv", "app_secret": "s", "app_ticket": "nope"}),
        )
        .await;
    assert_eq!(bad.body["code"], codes::APP_TICKET_INVALID);
    let app = http
        .post(
            "/open-apis/auth/v3/app_access_token",
            json!({"app_id": "cli_isv", "app_secret": "s", "app_ticket": ticket}),
        )
        .await;
    let app_token = app.body["app_access_token"].as_str().unwrap().to_owned();
    let tenant = http
        .post(
            "/open-apis/auth/v3/tenant_access_token",
            json!({"app_access_token": app_token, "tenant_key": "tk_1"}),
        )
        .await;
    let tenant_token = tenant.body["tenant_access_token"].as_str().unwrap();
    let chat = http
        .get(
            &format!("/open-apis/im/v1/chats/{}", MockServer::CHAT_ID),
            Some(&format!("Bearer {tenant_token}")),
        )
        .await;
    assert_eq!(chat.body["code"], 0);
    // A pushed ticket works as well; a self-built app gets none.
    assert!(mock.push_app_ticket("cli_isv").is_some());
    assert_eq!(mock.push_app_ticket(MockServer::APP_ID), None);
    // The internal endpoint is for self-built apps only.
    let internal = http
        .post(
            "/open-apis/auth/v3/tenant_access_token/internal",
            json!({"app_id": "cli_isv", "app_secret": "s"}),
        )
        .await;
    assert_eq!(internal.body["code"], codes::TOKEN_PARAM_INVALID);
}

#[tokio::test]
async fn every_kind_of_bad_authorization_gets_its_code() {
    let (mock, http) = setup().await;
    let path = format!("/open-apis/im/v1/chats/{}", MockServer::CHAT_ID);
    let tenant = http.tenant_token().await;
    mock.add_user_token("u-known", MockServer::USER_OPEN_ID);
    let cases: [(Option<&str>, i64); 8] = [
        (None, codes::MISSING_ACCESS_TOKEN),
        (Some("Bearer t-unknown"), codes::INVALID_TENANT_TOKEN),
        (Some("Bearer a-unknown"), codes::INVALID_APP_TOKEN),
        (Some("Bearer u-unknown"), codes::INVALID_USER_TOKEN),
        (Some("Basic dXNlcjpwYXNz"), codes::MALFORMED_ACCESS_TOKEN),
        (Some("Bearer x-something"), codes::MALFORMED_ACCESS_TOKEN),
        (Some("Bearer "), codes::MALFORMED_ACCESS_TOKEN),
        (Some(tenant.as_str()), codes::MALFORMED_ACCESS_TOKEN),
    ];
    for (authorization, code) in cases {
        let answer = http.get(&path, authorization).await;
        assert_eq!(answer.status, 400, "{authorization:?}");
        assert_eq!(answer.body["code"], code, "{authorization:?}");
        assert!(answer.body["msg"].as_str().is_some_and(|m| !m.is_empty()));
    }
    for good in [format!("Bearer {tenant}"), "Bearer u-known".to_owned()] {
        let answer = http.get(&path, Some(&good)).await;
        assert_eq!(
            (answer.status, &answer.body["code"]),
            (200, &json!(0)),
            "{good}"
        );
        assert_eq!(answer.body["msg"], "success");
    }
    // An app token is valid but not accepted by the chat endpoint.
    let app = http
        .post(
            "/open-apis/auth/v3/app_access_token/internal",
            json!({"app_id": MockServer::APP_ID, "app_secret": MockServer::APP_SECRET}),
        )
        .await;
    let app_token = app.body["app_access_token"].as_str().unwrap();
    let answer = http.get(&path, Some(&format!("Bearer {app_token}"))).await;
    assert_eq!(answer.body["code"], codes::INVALID_APP_TOKEN);
    // Expired and revoked tenant tokens.
    mock.expire_tokens();
    let answer = http.get(&path, Some(&format!("Bearer {tenant}"))).await;
    assert_eq!(answer.body["code"], codes::INVALID_TENANT_TOKEN);
    let fresh = http.tenant_token().await;
    mock.revoke_tokens();
    let answer = http.get(&path, Some(&format!("Bearer {fresh}"))).await;
    assert_eq!(answer.body["code"], codes::INVALID_TENANT_TOKEN);
}

#[tokio::test]
async fn tokens_expire_on_time() {
    let mock = MockServer::builder()
        .token_ttl(Duration::from_millis(400))
        .start()
        .await
        .unwrap();
    let http = Http::new(&mock);
    let answer = http
        .post(
            "/open-apis/auth/v3/tenant_access_token/internal",
            json!({"app_id": MockServer::APP_ID, "app_secret": MockServer::APP_SECRET}),
        )
        .await;
    assert_eq!(answer.body["expire"], 1, "whole seconds, rounded up");
    let token = answer.body["tenant_access_token"].as_str().unwrap();
    let path = format!("/open-apis/im/v1/chats/{}", MockServer::CHAT_ID);
    let bearer = format!("Bearer {token}");
    assert_eq!(http.get(&path, Some(&bearer)).await.body["code"], 0);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        http.get(&path, Some(&bearer)).await.body["code"],
        codes::INVALID_TENANT_TOKEN
    );
}

#[tokio::test]
async fn every_answer_has_a_unique_log_id_json_and_cors() {
    let (_mock, http) = setup().await;
    let mut seen = std::collections::HashSet::new();
    let answers = [
        http.get("/open-apis/im/v1/chats/oc_x", None).await,
        http.get("/open-apis/no/such/route", None).await,
        http.post("/open-apis/auth/v3/tenant_access_token/internal", json!({}))
            .await,
        http.get("/open-apis/im/v1/chats/oc_y", None).await,
    ];
    for answer in &answers {
        let log_id = answer.headers["x-tt-logid"].to_str().unwrap().to_owned();
        assert!(seen.insert(log_id), "log ids are unique");
        assert!(
            answer.headers["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json")
        );
        assert_eq!(answer.headers["access-control-allow-origin"], "*");
    }
    assert_eq!(answers[1].status, 404);
    assert_eq!(answers[1].body["code"], codes::NOT_FOUND);
}

#[tokio::test]
async fn unknown_routes_and_methods_are_lark_404s() {
    let (_mock, http) = setup().await;
    let answer = http
        .send(
            http.client
                .delete(format!("{}/open-apis/im/v1/chats", http.base)),
        )
        .await;
    assert_eq!(answer.status, 404);
    assert_eq!(answer.body["code"], codes::NOT_FOUND);
    assert!(answer.body["msg"].as_str().unwrap().contains("DELETE"));
}

#[tokio::test]
async fn preflight_requests_are_answered() {
    let (mock, http) = setup().await;
    let answer = http
        .send(
            http.client
                .request(
                    reqwest::Method::OPTIONS,
                    format!("{}/open-apis/im/v1/messages", http.base),
                )
                .header("origin", "http://localhost:8080")
                .header("access-control-request-method", "POST")
                .header(
                    "access-control-request-headers",
                    "authorization,content-type,x-lark-helpdesk-authorization",
                ),
        )
        .await;
    assert_eq!(answer.status, 204);
    let h = &answer.headers;
    assert_eq!(h["access-control-allow-origin"], "*");
    assert!(
        h["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .contains("POST")
    );
    let allowed = h["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    for needed in [
        "authorization",
        "content-type",
        "x-lark-helpdesk-authorization",
    ] {
        assert!(allowed.contains(needed), "{allowed}");
    }
    assert!(
        h["access-control-expose-headers"]
            .to_str()
            .unwrap()
            .contains("X-Tt-Logid")
    );
    assert!(h.contains_key("x-tt-logid"));
    // A preflight without requested headers still allows the ones the SDK sends.
    let bare = http
        .send(http.client.request(
            reqwest::Method::OPTIONS,
            format!("{}/open-apis/im/v1/messages", http.base),
        ))
        .await;
    let allowed = bare.headers["access-control-allow-headers"]
        .to_str()
        .unwrap();
    assert!(allowed.contains("Authorization") && allowed.contains("X-Lark-"));
    // Preflights are recorded but do not touch state.
    assert!(mock.messages().is_empty());
}

#[tokio::test]
async fn message_validation_and_pagination_errors() {
    let (_mock, http) = setup().await;
    let bearer = format!("Bearer {}", http.tenant_token().await);
    let post = |query: &str, body: Value| {
        http.client
            .post(format!("{}/open-apis/im/v1/messages{query}", http.base))
            .header("authorization", &bearer)
            .header("content-type", "application/json")
            .body(body.to_string())
    };
    let cases = [
        (
            "",
            json!({"receive_id": "oc_mock_chat", "msg_type": "text", "content": "{\"text\":\"x\"}"}),
            codes::FIELD_VALIDATION_FAILED,
        ),
        (
            "?receive_id_type=chat_id",
            json!({"msg_type": "text", "content": "{}"}),
            codes::FIELD_VALIDATION_FAILED,
        ),
        (
            "?receive_id_type=chat_id",
            json!({"receive_id": "oc_mock_chat", "msg_type": "bogus", "content": "{}"}),
            codes::INVALID_PARAM,
        ),
        (
            "?receive_id_type=chat_id",
            json!({"receive_id": "oc_mock_chat", "msg_type": "text", "content": "not json"}),
            codes::INVALID_PARAM,
        ),
        (
            "?receive_id_type=chat_id",
            json!({"receive_id": "oc_nowhere", "msg_type": "text", "content": "{\"text\":\"x\"}"}),
            codes::BOT_NOT_IN_CHAT,
        ),
        (
            "?receive_id_type=phone",
            json!({"receive_id": "1", "msg_type": "text", "content": "{\"text\":\"x\"}"}),
            codes::FIELD_VALIDATION_FAILED,
        ),
    ];
    for (query, body, code) in cases {
        let answer = http.send(post(query, body.clone())).await;
        assert_eq!(answer.body["code"], code, "{query} {body}");
        assert_eq!(answer.status, 400);
    }
    let list = |query: &str| {
        http.client
            .get(format!("{}/open-apis/im/v1/messages{query}", http.base))
            .header("authorization", &bearer)
    };
    for (query, code) in [
        ("?container_id_type=chat", codes::FIELD_VALIDATION_FAILED),
        (
            "?container_id_type=chat&container_id=oc_mock_chat&page_size=0",
            codes::FIELD_VALIDATION_FAILED,
        ),
        (
            "?container_id_type=chat&container_id=oc_mock_chat&page_size=51",
            codes::FIELD_VALIDATION_FAILED,
        ),
        (
            "?container_id_type=chat&container_id=oc_mock_chat&page_token=forged",
            codes::INVALID_PARAM,
        ),
        (
            "?container_id_type=chat&container_id=oc_mock_chat&sort_type=Sideways",
            codes::FIELD_VALIDATION_FAILED,
        ),
        (
            "?container_id_type=chat&container_id=oc_nowhere",
            codes::BOT_NOT_IN_CHAT,
        ),
    ] {
        let answer = http.send(list(query)).await;
        assert_eq!(answer.body["code"], code, "{query}");
    }
    let empty = http
        .send(list("?container_id_type=chat&container_id=oc_mock_chat"))
        .await;
    assert_eq!(empty.body["data"], json!({"has_more": false, "items": []}));
}

fn sign(timestamp: &str, secret: &str) -> String {
    let key = format!("{timestamp}\n{secret}");
    let mac = Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).unwrap();
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

#[tokio::test]
async fn custom_bot_webhooks_check_tokens_signatures_and_content() {
    let (mock, http) = setup().await;
    mock.add_bot("open-hook", None);
    mock.add_bot("signed-hook", Some("bot-secret"));
    let hook = |token: &str| format!("/open-apis/bot/v2/hook/{token}");
    let text = json!({"msg_type": "text", "content": {"text": "hello"}});

    let ok = http.post(&hook("open-hook"), text.clone()).await;
    assert_eq!(ok.status, 200);
    assert_eq!(
        ok.body,
        json!({"StatusCode": 0, "StatusMessage": "success", "code": 0, "data": {}, "msg": "success"})
    );
    assert_eq!(mock.bot_messages("open-hook"), vec![text.clone()]);

    let unknown = http.post(&hook("nope"), text.clone()).await;
    assert_eq!(unknown.body["code"], codes::BOT_TOKEN_INVALID);

    let now = now_secs().to_string();
    let signed = json!({"timestamp": now, "sign": sign(&now, "bot-secret"), "msg_type": "text", "content": {"text": "signed"}});
    let answer = http.post(&hook("signed-hook"), signed.clone()).await;
    assert_eq!(answer.body["code"], 0, "{:?}", answer.body);
    assert_eq!(mock.bot_messages("signed-hook"), [signed]);

    let old = (now_secs() - 2 * 3600).to_string();
    let failures = [
        text.clone(),
        json!({"timestamp": now, "sign": sign(&now, "other-secret"), "msg_type": "text", "content": {"text": "x"}}),
        json!({"timestamp": old, "sign": sign(&old, "bot-secret"), "msg_type": "text", "content": {"text": "x"}}),
        json!({"timestamp": "soon", "sign": sign("soon", "bot-secret"), "msg_type": "text", "content": {"text": "x"}}),
        json!({"timestamp": now, "sign": "!!!", "msg_type": "text", "content": {"text": "x"}}),
    ];
    for body in failures {
        let answer = http.post(&hook("signed-hook"), body.clone()).await;
        assert_eq!(answer.status, 200);
        assert_eq!(
            answer.body,
            json!({"code": 19021, "msg": "sign match fail or timestamp is not within one hour from current time", "data": {}}),
            "{body}"
        );
    }
    assert_eq!(mock.bot_messages("signed-hook").len(), 1);

    for body in [
        json!({"msg_type": "video", "content": {}}),
        json!({"msg_type": "text", "content": {"txt": "typo"}}),
        json!({"content": {"text": "no type"}}),
        json!("a string"),
    ] {
        let answer = http.post(&hook("open-hook"), body.clone()).await;
        assert_eq!(answer.body["code"], codes::BOT_BAD_REQUEST, "{body}");
    }
    let not_json = http
        .send(
            http.client
                .post(format!("{}{}", http.base, hook("open-hook")))
                .body("{not json"),
        )
        .await;
    assert_eq!(not_json.body["code"], codes::BOT_BAD_REQUEST);

    mock.set_bot_keywords("open-hook", ["deploy"]);
    let missing = http.post(&hook("open-hook"), text.clone()).await;
    assert_eq!(missing.body["code"], codes::BOT_KEYWORDS_NOT_FOUND);
    let card = json!({"msg_type": "interactive", "card": {"elements": [{"tag": "div", "text": {"tag": "plain_text", "content": "deploy done"}}]}});
    let found = http.post(&hook("open-hook"), card).await;
    assert_eq!(found.body["code"], 0);
    assert_eq!(mock.bot_messages("open-hook").len(), 2);
}

#[tokio::test]
async fn faults_hit_the_requests_their_rule_names() {
    let (mock, http) = setup().await;
    let path = "/open-apis/no/route";
    let nth = mock.inject(
        FaultRule::new(Fault::http(503, "text/plain", "busy"))
            .path(path)
            .nth(2),
    );
    let statuses = {
        let mut s = Vec::new();
        for _ in 0..3 {
            s.push(http.get(path, None).await.status);
        }
        s
    };
    assert_eq!(statuses, [404, 503, 404]);
    assert_eq!(mock.fault_hits(nth), 1);
    mock.clear_faults();

    mock.inject(
        FaultRule::new(
            Fault::lark_error(99_991_400, "slow down")
                .status(429)
                .header("x-ogw-ratelimit-reset", "7"),
        )
        .path_prefix("/open-apis/no/")
        .every_nth(2),
    );
    let mut pattern = Vec::new();
    for _ in 0..4 {
        let answer = http.get(path, None).await;
        if answer.status == 429 {
            assert_eq!(answer.headers["x-ogw-ratelimit-reset"], "7");
            assert_eq!(answer.body["code"], 99_991_400);
            assert!(answer.headers.contains_key("x-tt-logid"));
        }
        pattern.push(answer.status);
    }
    assert_eq!(pattern, [404, 429, 404, 429]);
    mock.clear_faults();

    // The same seed hits the same requests on another server.
    let run = |mock: &MockServer| {
        mock.inject(
            FaultRule::new(Fault::EmptyBody { status: 500 })
                .path(path)
                .probability(0.5, 42),
        )
    };
    let other = MockServer::start().await.unwrap();
    let other_http = Http::new(&other);
    run(&mock);
    run(&other);
    let mut first = Vec::new();
    let mut second = Vec::new();
    for _ in 0..20 {
        first.push(http.get(path, None).await.status);
        second.push(other_http.get(path, None).await.status);
    }
    assert_eq!(first, second);
    assert!(first.contains(&500) && first.contains(&404), "{first:?}");
    mock.clear_faults();

    // A delay answers normally, late.
    mock.inject(
        FaultRule::new(Fault::Delay(Duration::from_millis(300)))
            .path(path)
            .once(),
    );
    let started = Instant::now();
    assert_eq!(http.get(path, None).await.status, 404);
    assert!(started.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn recording_can_be_turned_off_and_counters_still_count() {
    let mock = MockServer::builder()
        .record_requests(false)
        .start()
        .await
        .unwrap();
    let http = Http::new(&mock);
    http.tenant_token().await;
    http.get("/x", None).await;
    assert!(mock.requests().is_empty());
    assert_eq!(mock.tenant_token_requests(), 1);
    assert_eq!(mock.request_count("/x"), 1);
    mock.clear_requests();
    assert_eq!(mock.request_count("/x"), 0);
}

#[tokio::test]
async fn a_given_port_is_used_and_released_on_shutdown() {
    // Find a free port, then ask for it.
    let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = probe.local_addr().unwrap().port();
    drop(probe);
    let mock = MockServer::builder().port(port).start().await.unwrap();
    assert_eq!(mock.base_url(), format!("http://127.0.0.1:{port}"));
    let http = Http::new(&mock);
    http.tenant_token().await;
    mock.shutdown().await;
    // The port is free again and nothing answers on it.
    assert!(
        reqwest::Client::new()
            .get(format!("http://127.0.0.1:{port}/"))
            .send()
            .await
            .is_err()
    );
    let again = MockServer::builder().port(port).start().await.unwrap();
    let served = again.serve_until(async {});
    tokio::time::timeout(Duration::from_secs(5), served)
        .await
        .expect("serve_until returns once its signal completes");
}
