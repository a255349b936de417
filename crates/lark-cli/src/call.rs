//! A call described at run time — a catalog endpoint with `--param` values, or a bare
//! `METHOD PATH` — sent through [`Client::send_with`] exactly as a typed endpoint is: the same
//! retry policy, idempotency key, helpdesk header, host (`open` or `www`) and token handling.

use std::marker::PhantomData;

use lark_core::api::CATALOG;
use lark_core::endpoint::{Base, Body, Endpoint, EndpointMeta, FromResponse, ResponseKind};
use lark_core::{Client, Download, HttpClient, RequestOptions, TokenKind};
use serde_json::Value;

use crate::Failure;

/// A call ready to send.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    pub(crate) meta: EndpointMeta,
    /// The path with its parameters filled in and percent-encoded; a bare `METHOD PATH` call
    /// carries its query here too.
    pub(crate) path: String,
    pub(crate) query: Vec<(&'static str, String)>,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) body: Body,
}

/// The catalog endpoint serving `method` `path` (a query after `?` is ignored): of the
/// templates that match, the one with the most literal segments (`/chats/search` before
/// `/chats/:chat_id`).
pub(crate) fn find_by_path(method: &http::Method, path: &str) -> Option<&'static EndpointMeta> {
    let path = path.split_once('?').map_or(path, |(p, _)| p);
    CATALOG
        .iter()
        .copied()
        .filter(|e| e.method == *method)
        .filter_map(|e| literal_segments(e.path, path).map(|n| (n, e)))
        .max_by_key(|(n, _)| *n)
        .map(|(_, e)| e)
}

/// How many literal segments `template` has, when `path` fits it.
fn literal_segments(template: &str, path: &str) -> Option<usize> {
    let mut literal = 0;
    let mut wanted = template.split('/');
    let mut given = path.split('/');
    loop {
        match (wanted.next(), given.next()) {
            (None, None) => return Some(literal),
            (Some(w), Some(g)) if w.starts_with(':') && !g.is_empty() => {}
            (Some(w), Some(g)) if w == g => literal += 1,
            _ => return None,
        }
    }
}

/// A bare `METHOD PATH` call: what the catalog knows of the path (its host, tokens, helpdesk
/// header, idempotency key), answering with the whole JSON body. A path the catalog does not
/// know takes a tenant (or user) token on the Open API host, as [`Client::raw`] does.
pub(crate) fn plain(
    method: http::Method,
    path: String,
    body: Option<Value>,
) -> Result<Call, Failure> {
    if !path.starts_with('/') {
        return Err(Failure::usage(format!(
            "error: the path `{path}` must start with `/`"
        )));
    }
    let spec = find_by_path(&method, &path);
    let response = match spec {
        Some(spec) if spec.is_download() => ResponseKind::Binary,
        _ => ResponseKind::Json { envelope: None },
    };
    let meta = match spec {
        Some(spec) => spec.clone().response(response),
        None => EndpointMeta::new(
            "raw",
            "raw",
            method,
            "",
            &[TokenKind::Tenant, TokenKind::User],
        )
        .response(response),
    };
    let body = match body {
        Some(value) => Body::json(&value).map_err(|e| Failure::usage(format!("error: {e}")))?,
        None => Body::None,
    };
    Ok(Call {
        meta,
        path,
        query: Vec::new(),
        headers: Vec::new(),
        body,
    })
}

/// [`Call`] as an endpoint answering `O`.
#[derive(Debug)]
struct Typed<'a, O> {
    call: &'a Call,
    output: PhantomData<fn() -> O>,
}

impl<'a, O> Typed<'a, O> {
    fn new(call: &'a Call) -> Self {
        Self {
            call,
            output: PhantomData,
        }
    }
}

impl<O: FromResponse> Endpoint for Typed<'_, O> {
    type Output = O;

    fn meta(&self) -> &EndpointMeta {
        &self.call.meta
    }

    fn path(&self) -> lark_core::Result<String> {
        Ok(self.call.path.clone())
    }

    fn query(&self, query: &mut Vec<(&'static str, String)>) {
        query.extend(self.call.query.iter().cloned());
    }

    fn headers(&self, headers: &mut http::HeaderMap) -> lark_core::Result<()> {
        for (name, value) in &self.call.headers {
            let name = http::HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| lark_core::Error::Build(format!("`{name}` is not a header name")))?;
            let value = http::HeaderValue::from_str(value).map_err(|_| {
                lark_core::Error::Build(format!("header `{name}` has an invalid value"))
            })?;
            headers.insert(name, value);
        }
        Ok(())
    }

    fn body(&self) -> lark_core::Result<Body> {
        Ok(self.call.body.clone())
    }
}

/// Sends `call` and returns what to print: the answer's JSON (pretty, with a newline), or the
/// raw bytes of a download.
pub(crate) async fn send<H: HttpClient>(
    client: &Client<H>,
    call: &Call,
    options: &RequestOptions,
) -> Result<Vec<u8>, Failure> {
    let failed = |error| unanswered(client, call, error);
    if matches!(call.meta.response, ResponseKind::Binary) {
        let file = client
            .send_with(&Typed::<Download>::new(call), options)
            .await
            .map_err(failed)?;
        return Ok(file.data);
    }
    let answer = client
        .send_with(&Typed::<Value>::new(call), options)
        .await
        .map_err(failed)?;
    let mut text = serde_json::to_vec_pretty(&answer).map_err(|e| Failure {
        message: format!("error: {e}"),
        code: 1,
    })?;
    text.push(b'\n');
    Ok(text)
}

/// `error` as a failure; one that got no answer names the server it was waiting for (the
/// backend's errors leave URLs out, as some are credentials; a base URL is not).
fn unanswered<H: HttpClient>(client: &Client<H>, call: &Call, error: lark_core::Error) -> Failure {
    fn server_of(error: &lark_core::Error) -> Option<bool> {
        match error {
            lark_core::Error::Transport(_) | lark_core::Error::Timeout(_) => Some(false),
            lark_core::Error::Token {
                source: Some(source),
                ..
            } => server_of(source).map(|_| true),
            _ => None,
        }
    }
    let config = client.config();
    let server = server_of(&error).map(|token| match (token, call.meta.base) {
        (false, Base::Www) => config.www_base(),
        _ => config.domain.open_base(),
    });
    let mut failure = Failure::from(error);
    if let Some(server) = server {
        failure.message.push_str(&format!(" (server {server})"));
    }
    failure
}

#[cfg(test)]
mod tests {
    use lark_core::endpoint::IdempotencyKey;

    use super::*;

    #[test]
    fn paths_find_their_catalog_endpoint() {
        let post = http::Method::POST;
        let get = http::Method::GET;
        let send = find_by_path(&post, "/open-apis/im/v1/messages?receive_id_type=chat_id");
        assert_eq!(
            send.map(|e| e.id()).as_deref(),
            Some("im.v1.message.create")
        );
        let chat = find_by_path(&get, "/open-apis/im/v1/chats/oc_1").unwrap();
        assert_eq!(chat.path, "/open-apis/im/v1/chats/:chat_id");
        let search = find_by_path(&get, "/open-apis/im/v1/chats/search").unwrap();
        assert_eq!(search.path, "/open-apis/im/v1/chats/search");
        assert!(find_by_path(&get, "/open-apis/im/v1/chats/").is_none());
        assert!(find_by_path(&get, "/open-apis/nothing/here").is_none());
    }

    #[test]
    fn idempotency_keys_follow_the_facts() {
        let key = |service, name| lark_core::api::find(service, name).unwrap().idempotency_key;
        assert_eq!(
            key("message", "SendRawMessage"),
            Some(IdempotencyKey::Body("uuid"))
        );
        assert_eq!(key("chat", "GetChat"), None);
        // The official name finds the same endpoint.
        assert_eq!(
            key("im", "v1.message.create"),
            Some(IdempotencyKey::Body("uuid"))
        );
        // A bare `METHOD PATH` call keeps the catalog's key.
        let call = plain(
            http::Method::POST,
            "/open-apis/im/v1/messages?receive_id_type=chat_id".to_owned(),
            None,
        )
        .unwrap();
        assert_eq!(
            call.meta.idempotency_key,
            Some(IdempotencyKey::Body("uuid"))
        );
    }

    /// A backend that answers a token request and `{"code":0}` to anything else, and keeps
    /// every URL it was sent.
    fn recording_client(
        config: lark_core::Config,
    ) -> (
        Client<impl HttpClient>,
        std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    ) {
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let log = std::sync::Arc::clone(&seen);
        let backend = move |request: http::Request<Vec<u8>>| {
            log.lock().unwrap().push(request.uri().to_string());
            let body = if request.uri().path().contains("/auth/v3/") {
                r#"{"code":0,"msg":"ok","tenant_access_token":"t-1","expire":7200}"#
            } else {
                r#"{"code":0,"msg":"ok","data":{}}"#
            };
            let response = http::Response::builder()
                .status(200)
                .header("content-type", "application/json")
                .body(body.as_bytes().to_vec())
                .unwrap();
            async move { Ok::<_, lark_core::HttpError>(response) }
        };
        (
            Client::new(config, backend, lark_reqwest::SystemRuntime),
            seen,
        )
    }

    #[tokio::test]
    async fn approval_paths_go_to_the_www_host() {
        let (client, seen) = recording_client(lark_core::Config::new("cli_1", "secret"));
        let body = serde_json::json!({"approval_code": "A"});
        let call = plain(
            http::Method::POST,
            "/approval/openapi/v2/approval/get".to_owned(),
            Some(body),
        )
        .unwrap();
        send(&client, &call, &RequestOptions::new()).await.unwrap();
        let unknown = plain(http::Method::GET, "/open-apis/x/v1/y".to_owned(), None).unwrap();
        send(&client, &unknown, &RequestOptions::new())
            .await
            .unwrap();
        let seen = seen.lock().unwrap();
        assert_eq!(
            seen[0],
            "https://open.feishu.cn/open-apis/auth/v3/tenant_access_token/internal"
        );
        assert_eq!(
            seen[1],
            "https://www.feishu.cn/approval/openapi/v2/approval/get"
        );
        assert_eq!(seen[2], "https://open.feishu.cn/open-apis/x/v1/y");
    }
}
