//! The spec-driven handler rejects what the catalog says is wrong: missing or mistyped
//! parameters, a token kind the endpoint does not take, a missing helpdesk header, an unknown
//! method; and it answers downloads with bytes.

use lark_core::TokenKind;
use lark_core::api::CATALOG;
use lark_core::endpoint::{BodyKind, EndpointSpec};
use lark_mock::{MockServer, codes};
use serde_json::{Value, json};

const USER_TOKEN: &str = "u-spec-validation";

struct Mock {
    server: MockServer,
    http: lark_reqwest::ReqwestClient,
    tenant: String,
}

impl Mock {
    async fn start() -> Self {
        let server = MockServer::start().await.expect("the mock starts");
        server.add_user_token(USER_TOKEN, "ou_spec");
        let http = lark_reqwest::ReqwestClient::new();
        let answer: Value = http
            .reqwest()
            .post(format!(
                "{}/open-apis/auth/v3/tenant_access_token/internal",
                server.base_url()
            ))
            .header("Content-Type", "application/json")
            .body(
                json!({"app_id": MockServer::APP_ID, "app_secret": MockServer::APP_SECRET})
                    .to_string(),
            )
            .send()
            .await
            .expect("the token call is answered")
            .bytes()
            .await
            .map(|b| serde_json::from_slice(&b).expect("the token answer is JSON"))
            .expect("a body");
        let tenant = answer["tenant_access_token"]
            .as_str()
            .expect("a tenant token")
            .to_owned();
        Self {
            server,
            http,
            tenant,
        }
    }

    /// Sends a call and returns the HTTP status and the body.
    async fn call(
        &self,
        method: &str,
        path_and_query: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Vec<u8>) {
        let method = http::Method::from_bytes(method.as_bytes()).expect("a method");
        let mut request = self.http.reqwest().request(
            method,
            format!("{}{path_and_query}", self.server.base_url()),
        );
        if let Some(token) = token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        if let Some(body) = body {
            request = request
                .header("Content-Type", "application/json")
                .body(body.to_string());
        }
        let answer = request.send().await.expect("the call is answered");
        let status = answer.status().as_u16();
        (status, answer.bytes().await.expect("a body").to_vec())
    }

    async fn code(
        &self,
        method: &str,
        path_and_query: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, i64) {
        let (status, body) = self.call(method, path_and_query, token, body).await;
        let value: Value = serde_json::from_slice(&body).expect("a JSON envelope");
        (status, value["code"].as_i64().expect("a code"))
    }
}

/// The path of `spec` with every parameter filled.
fn filled(spec: &EndpointSpec) -> String {
    spec.path
        .split('/')
        .map(|s| if s.starts_with(':') { "p1" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

fn spec(service: &str, name: &str) -> &'static EndpointSpec {
    lark_core::api::find(service, name).expect("the endpoint is in the catalog")
}

#[tokio::test]
async fn required_query_parameters_and_their_types_are_checked() {
    let mock = Mock::start().await;
    let urgent = spec("message", "SendUrgentAppMessage");
    let path = filled(urgent);
    let body = Some(json!({"user_id_list": ["ou_1"]}));
    let missing = mock
        .code(urgent.method, &path, Some(&mock.tenant), body.clone())
        .await;
    assert_eq!(missing, (400, codes::FIELD_VALIDATION_FAILED));
    let given = mock
        .code(
            urgent.method,
            &format!("{path}?user_id_type=open_id"),
            Some(&mock.tenant),
            body,
        )
        .await;
    assert_eq!(given, (200, 0));

    let typed = CATALOG
        .iter()
        .find(|e| {
            e.method == "GET"
                && e.tokens.contains(&TokenKind::Tenant)
                && !e.helpdesk
                && e.query.iter().any(|q| q.ty == "i64")
                && !e.query.iter().any(|q| q.required)
        })
        .expect("a GET endpoint with an integer query parameter");
    let int = typed.query.iter().find(|q| q.ty == "i64").unwrap().name;
    let path = filled(typed);
    let bad = mock
        .code(
            "GET",
            &format!("{path}?{int}=abc"),
            Some(&mock.tenant),
            None,
        )
        .await;
    assert_eq!(bad, (400, codes::FIELD_VALIDATION_FAILED));
    let good = mock
        .code("GET", &format!("{path}?{int}=20"), Some(&mock.tenant), None)
        .await;
    assert_eq!(good, (200, 0));
    mock.server.shutdown().await;
}

#[tokio::test]
async fn required_body_fields_are_checked() {
    let mock = Mock::start().await;
    let endpoint = CATALOG
        .iter()
        .find(|e| {
            e.body == BodyKind::Json
                && e.tokens.contains(&TokenKind::Tenant)
                && !e.helpdesk
                && e.path_params.is_empty()
                && !e.query.iter().any(|q| q.required)
                && !e.path.starts_with("/open-apis/auth/")
                && !e.path.starts_with("/open-apis/im/v1/messages")
                && !e.path.starts_with("/open-apis/im/v1/chats")
                && e.body_fields.iter().any(|f| f.required && f.ty == "string")
        })
        .expect("a JSON endpoint with a required string field");
    let (status, code) = mock
        .code(
            endpoint.method,
            endpoint.path,
            Some(&mock.tenant),
            Some(json!({})),
        )
        .await;
    assert_eq!(
        (status, code),
        (400, codes::FIELD_VALIDATION_FAILED),
        "{}",
        endpoint.id()
    );
    let mut body = serde_json::Map::new();
    for f in endpoint.body_fields.iter().filter(|f| f.required) {
        let value = match f.ty {
            "string" => json!("x"),
            "i64" | "i32" => json!(1),
            "f64" => json!(1.5),
            "bool" => json!(true),
            t if t.starts_with("list<") => json!([]),
            _ => json!({}),
        };
        body.insert(f.name.to_owned(), value);
    }
    let string_field = endpoint
        .body_fields
        .iter()
        .find(|f| f.required && f.ty == "string")
        .unwrap()
        .name;
    let mut mistyped = body.clone();
    mistyped.insert(string_field.to_owned(), json!(["not", "a", "string"]));
    let (status, code) = mock
        .code(
            endpoint.method,
            endpoint.path,
            Some(&mock.tenant),
            Some(Value::Object(mistyped)),
        )
        .await;
    assert_eq!(
        (status, code),
        (400, codes::FIELD_VALIDATION_FAILED),
        "{}",
        endpoint.id()
    );
    let ok = mock
        .code(
            endpoint.method,
            endpoint.path,
            Some(&mock.tenant),
            Some(Value::Object(body)),
        )
        .await;
    assert_eq!(ok, (200, 0), "{}", endpoint.id());
    mock.server.shutdown().await;
}

#[tokio::test]
async fn token_kinds_and_the_helpdesk_header_are_checked() {
    let mock = Mock::start().await;
    let tenant_only = spec("message", "SendUrgentAppMessage");
    let path = format!("{}?user_id_type=open_id", filled(tenant_only));
    let as_user = mock
        .code(tenant_only.method, &path, Some(USER_TOKEN), Some(json!({})))
        .await;
    assert_eq!(as_user, (400, codes::INVALID_USER_TOKEN));
    let anonymous = mock
        .code(tenant_only.method, &path, None, Some(json!({})))
        .await;
    assert_eq!(anonymous, (400, codes::MISSING_ACCESS_TOKEN));

    let user_only = CATALOG
        .iter()
        .find(|e| {
            e.tokens == [TokenKind::User]
                && !e.helpdesk
                && e.method == "GET"
                && !e.query.iter().any(|q| q.required)
        })
        .expect("a user-only GET endpoint");
    let as_tenant = mock
        .code("GET", &filled(user_only), Some(&mock.tenant), None)
        .await;
    assert_eq!(
        as_tenant,
        (400, codes::INVALID_TENANT_TOKEN),
        "{}",
        user_only.id()
    );
    let as_user = mock
        .code("GET", &filled(user_only), Some(USER_TOKEN), None)
        .await;
    assert_eq!(as_user, (200, 0), "{}", user_only.id());

    let helpdesk = spec("helpdesk", "GetHelpdeskTicket");
    let without = mock
        .code("GET", &filled(helpdesk), Some(&mock.tenant), None)
        .await;
    assert_eq!(without, (401, codes::HELPDESK_UNAUTHORIZED));
    mock.server.shutdown().await;
}

#[tokio::test]
async fn unknown_methods_are_not_found_and_downloads_answer_bytes() {
    let mock = Mock::start().await;
    let download = spec("file", "DownloadImage");
    let (status, body) = mock
        .call("GET", &filled(download), Some(&mock.tenant), None)
        .await;
    assert_eq!(status, 200);
    assert!(!body.is_empty());
    assert!(
        serde_json::from_slice::<Value>(&body).is_err(),
        "raw bytes, not an envelope"
    );
    let wrong_method = mock
        .code("PUT", &filled(download), Some(&mock.tenant), None)
        .await;
    assert_eq!(wrong_method, (404, codes::NOT_FOUND));
    let bot = spec("bot", "GetBotInfo");
    let (status, body) = mock
        .call(bot.method, bot.path, Some(&mock.tenant), None)
        .await;
    let value: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(status, 200);
    assert_eq!(value["code"], 0);
    assert!(
        value["bot"].is_object(),
        "the answer sits under the endpoint's envelope key"
    );
    mock.server.shutdown().await;
}
