//! The spec-driven handler rejects what the catalog says is wrong: missing or mistyped
//! parameters, a token kind the endpoint does not take, a missing helpdesk header, an unknown
//! method, a multipart body that does not hold together; and it answers downloads with bytes.

use lark_core::TokenKind;
use lark_core::api::CATALOG;
use lark_core::endpoint::{BodyKind, EndpointMeta};
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

    /// Posts `body` with `content_type` to the image upload (a multipart endpoint) as the
    /// tenant; returns the HTTP status, the code and the message.
    async fn upload(&self, content_type: &str, body: impl Into<Vec<u8>>) -> (u16, i64, String) {
        let upload = spec("file", "UploadImage");
        let answer = self
            .http
            .reqwest()
            .post(format!("{}{}", self.server.base_url(), upload.path))
            .header("Authorization", format!("Bearer {}", self.tenant))
            .header("Content-Type", content_type)
            .body(body.into())
            .send()
            .await
            .expect("the call is answered");
        let status = answer.status().as_u16();
        let body = answer.bytes().await.expect("a body");
        let value: Value = serde_json::from_slice(&body).expect("a JSON envelope");
        let code = value["code"].as_i64().expect("a code");
        let msg = value["msg"].as_str().expect("a msg").to_owned();
        (status, code, msg)
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
fn filled(spec: &EndpointMeta) -> String {
    spec.path
        .split('/')
        .map(|s| if s.starts_with(':') { "p1" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

fn spec(service: &str, name: &str) -> &'static EndpointMeta {
    lark_core::api::find(service, name).expect("the endpoint is in the catalog")
}

#[tokio::test]
async fn required_query_parameters_and_their_types_are_checked() {
    let mock = Mock::start().await;
    let urgent = spec("message", "SendUrgentAppMessage");
    let path = filled(urgent);
    let body = Some(json!({"user_id_list": ["ou_1"]}));
    let missing = mock
        .code(
            urgent.method.as_str(),
            &path,
            Some(&mock.tenant),
            body.clone(),
        )
        .await;
    assert_eq!(missing, (400, codes::FIELD_VALIDATION_FAILED));
    let given = mock
        .code(
            urgent.method.as_str(),
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
            endpoint.method.as_str(),
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
            endpoint.method.as_str(),
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
            endpoint.method.as_str(),
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
        .code(
            tenant_only.method.as_str(),
            &path,
            Some(USER_TOKEN),
            Some(json!({})),
        )
        .await;
    assert_eq!(as_user, (400, codes::INVALID_USER_TOKEN));
    let anonymous = mock
        .code(tenant_only.method.as_str(), &path, None, Some(json!({})))
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
        .call(bot.method.as_str(), bot.path, Some(&mock.tenant), None)
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

/// A form for the image upload: `image_type` and an `image` file part named `file_name` (as it
/// stands between the quotes), between `--boundary` delimiters.
fn image_form(boundary: &str, file_name: &str) -> String {
    format!(
        "--{boundary}\r\n\
         Content-Disposition: form-data; name=\"image_type\"\r\n\r\n\
         message\r\n\
         --{boundary}\r\n\
         Content-Disposition: form-data; name=\"image\"; filename=\"{file_name}\"\r\n\
         Content-Type: image/png\r\n\r\n\
         \u{1}PNG bytes\r\n\
         --{boundary}--\r\n"
    )
}

const FORM: &str = "multipart/form-data; boundary=xyz";

#[tokio::test]
async fn malformed_multipart_bodies_are_refused() {
    let mock = Mock::start().await;
    let refused = (400, codes::FIELD_VALIDATION_FAILED);
    let whole = image_form("xyz", "a.png");
    let (status, code, msg) = mock.upload(FORM, whole.clone()).await;
    assert_eq!((status, code), (200, 0), "a whole form is taken: {msg}");

    let cases: Vec<(&str, &str, String)> = vec![
        // Cut in the middle of the file part: no closing delimiter.
        ("truncated", FORM, whole[..whole.len() - 20].to_owned()),
        // Every part is there but the closing `--xyz--` is not.
        (
            "unterminated",
            FORM,
            whole.trim_end_matches("--xyz--\r\n").to_owned(),
        ),
        (
            "wrong boundary",
            "multipart/form-data; boundary=abc",
            whole.clone(),
        ),
        ("no boundary", "multipart/form-data", whole.clone()),
        ("not a form", "application/json", whole.clone()),
        // A CR/LF in the file name splits the header and injects another.
        (
            "injected header",
            FORM,
            image_form("xyz", "a.png\r\nX-Injected: yes"),
        ),
        // ... or ends the headers early, leaving the quoted file name open.
        (
            "injected body",
            FORM,
            image_form("xyz", "a.png\r\n\r\nsmuggled"),
        ),
        // A backslash before the closing quote escapes it: the file name never closes.
        ("unclosed quote", FORM, image_form("xyz", "a.png\\")),
        (
            "a part without a name",
            FORM,
            whole.replace("name=\"image_type\"", "x=\"image_type\""),
        ),
        (
            "a part that is not form-data",
            FORM,
            whole.replacen("form-data", "attachment", 1),
        ),
        (
            "a file part without a file name",
            FORM,
            whole.replace("; filename=\"a.png\"", ""),
        ),
        (
            "a missing field",
            FORM,
            whole.replace("name=\"image_type\"", "name=\"other\""),
        ),
    ];
    for (what, content_type, body) in cases {
        let (status, code, msg) = mock.upload(content_type, body).await;
        assert_eq!((status, code), refused, "{what}: {msg}");
        assert!(msg.starts_with("field validation failed"), "{what}: {msg}");
    }
    let (_, _, msg) = mock
        .upload(FORM, image_form("xyz", "a.png\r\nX-Injected: yes"))
        .await;
    assert!(
        msg.contains("x-injected"),
        "the message names the header: {msg}"
    );
    mock.server.shutdown().await;
}

#[tokio::test]
async fn file_names_with_escaped_quotes_parse() {
    let mock = Mock::start().await;
    // `a"b.png` as a backslash-escaped quoted string, and percent-encoded as browsers send it.
    for file_name in [r#"a\"b.png"#, "a%22b.png", "\u{4f60}\u{597d}.png"] {
        let (status, code, msg) = mock.upload(FORM, image_form("xyz", file_name)).await;
        assert_eq!((status, code), (200, 0), "{file_name}: {msg}");
    }
    // And as lark-core's encoder writes it.
    let mut form = lark_core::endpoint::Multipart::new();
    form.text("image_type", "message").file(
        "image",
        lark_core::endpoint::File::new("a\"b.png", b"\x89PNG".to_vec()).content_type("image/png"),
    );
    let (content_type, body) = form.encode();
    let (status, code, msg) = mock.upload(&content_type, body).await;
    assert_eq!((status, code), (200, 0), "{msg}");
    mock.server.shutdown().await;
}
