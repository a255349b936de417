//! The spec-driven handler: every endpoint of the SDK's catalog that no stateful handler takes.
//!
//! It finds the endpoint by method and path template, checks the token kind (and the helpdesk
//! header), the required query parameters and body fields and the types of those given, and
//! answers a well-formed envelope (`data: {}`; raw bytes for download endpoints). What is wrong
//! gets the platform's error: HTTP 400 with code 99992402 for a bad parameter, the auth codes of
//! [`crate::auth`] for a bad token, HTTP 404 for an unknown route.

use std::convert::Infallible;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use futures_util::FutureExt;
use http::{HeaderMap, Method, Uri, header};
use lark_core::TokenKind;
use lark_core::api::CATALOG;
use lark_core::endpoint::{BodyKind, EndpointMeta, PageToken, Pages};
use serde_json::{Map, Value};

use crate::auth::{self, Kind};
use crate::codes;
use crate::reply::LarkError;
use crate::state::Shared;

/// The bytes a download endpoint answers.
pub(crate) const DOWNLOAD_BYTES: &[u8] = b"lark-mock file bytes";

/// Hands a request a stateful route does not model (an id it did not issue, a variant it does
/// not track) to the spec-driven handler, as the routes for CardKit and drive files do.
pub(crate) async fn unmodelled(
    shared: Arc<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> crate::reply::HandlerResult {
    Ok(handle(State(shared), method, uri, headers, body).await)
}

/// The fallback of the router: a spec endpoint, or 404.
pub(crate) async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    match answer(&shared, &method, &uri, &headers, &body) {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

fn answer(
    shared: &Shared,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<Response, LarkError> {
    let path = uri.path();
    let spec = find(method, path).ok_or_else(|| {
        LarkError::new(
            404,
            codes::NOT_FOUND,
            format!("404 page not found: {method} {path}"),
        )
    })?;
    if !spec.tokens.is_empty() {
        let kinds: Vec<Kind> = spec
            .tokens
            .iter()
            .filter_map(|k| match k {
                TokenKind::Tenant => Some(Kind::Tenant),
                TokenKind::User => Some(Kind::User),
                TokenKind::App => Some(Kind::App),
                _ => None,
            })
            .collect();
        auth::check(shared, headers, path, &kinds)?;
    }
    check_query(spec, uri.query().unwrap_or(""))?;
    check_headers(spec, headers)?;
    match spec.body {
        BodyKind::Json => check_json(spec, body)?,
        BodyKind::Multipart => check_multipart(spec, headers, body)?,
        _ => {}
    }
    if spec.is_download() {
        return Ok((
            [
                (header::CONTENT_TYPE, "application/octet-stream"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"mock.bin\"",
                ),
            ],
            DOWNLOAD_BYTES,
        )
            .into_response());
    }
    let payload = match spec.pages {
        Some(pages) => page(pages, uri.query().unwrap_or(""), body),
        None => Map::new(),
    };
    let mut envelope = Map::new();
    envelope.insert("code".into(), Value::from(0));
    envelope.insert("msg".into(), Value::from("success"));
    match spec.envelope() {
        Some(key) => {
            envelope.insert(key.into(), Value::Object(payload));
        }
        None => envelope.extend(payload),
    }
    Ok(axum::Json(Value::Object(envelope)).into_response())
}

/// The token of the second and last page of every paginated endpoint the mock answers from the
/// catalog (its stateful lists, such as im messages, issue their own).
pub const SECOND_PAGE: &str = "mock-page-2";

/// The page fields of a paginated endpoint's answer: every one has two pages, so a client's
/// pagination is walked whatever the endpoint names its token (`page_token`,
/// `next_page_token`, `cursor_id` / `next_cursor_id`) and wherever it takes it (query or body).
fn page(pages: Pages, query: &str, body: &[u8]) -> Map<String, Value> {
    let name = pages.token_name();
    let token = match pages.token {
        PageToken::Body(_) => serde_json::from_slice::<Value>(body)
            .ok()
            .and_then(|b| b.get(name).and_then(Value::as_str).map(str::to_owned)),
        _ => query_pairs(query)
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v),
    };
    let mut fields = Map::new();
    // The first page without a token; any token (this one, or a client's own) is the last.
    let more = token.as_deref().is_none_or(str::is_empty);
    if let Some(has_more) = pages.has_more {
        fields.insert(has_more.into(), Value::from(more));
    }
    if more {
        fields.insert(pages.next_token.into(), Value::from(SECOND_PAGE));
    }
    fields
}

/// Templates the stateful handlers serve with a `{param}` route: a catalog path with a literal
/// in that place (`/chats/search`) would be taken by them.
const STATEFUL_PARAM_ROUTES: &[&str] = &[
    "/open-apis/im/v1/messages/:message_id",
    "/open-apis/im/v1/chats/:chat_id",
    "/open-apis/contact/v3/users/:user_id",
];

/// Adds a route to [`handle`] for every catalog path a stateful `{param}` route would shadow.
pub(crate) fn literal_routes(router: Router<Arc<Shared>>) -> Router<Arc<Shared>> {
    let mut paths: Vec<&str> = CATALOG
        .iter()
        .map(|e| e.path)
        .filter(|p| {
            !p.contains(':')
                && STATEFUL_PARAM_ROUTES
                    .iter()
                    .any(|stateful| matches(stateful, p))
        })
        .collect();
    paths.sort_unstable();
    paths.dedup();
    paths
        .into_iter()
        .fold(router, |router, path| router.route(path, any(handle)))
}

/// The endpoint for `method` and `path`: of the templates that match, the one with the most
/// literal segments (`/chats/search` before `/chats/:chat_id`).
pub(crate) fn find(method: &Method, path: &str) -> Option<&'static EndpointMeta> {
    CATALOG
        .iter()
        .copied()
        .filter(|e| e.method == *method && matches(e.path, path))
        .max_by_key(|e| e.path.split('/').filter(|s| !s.starts_with(':')).count())
}

/// Whether `path` fits the `:param` template (a parameter is one non-empty segment).
fn matches(template: &str, path: &str) -> bool {
    let mut want = template.split('/');
    let mut got = path.split('/');
    loop {
        match (want.next(), got.next()) {
            (None, None) => return true,
            (Some(w), Some(g)) => {
                if w.starts_with(':') {
                    if g.is_empty() {
                        return false;
                    }
                } else if w != g {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

fn invalid(message: String) -> LarkError {
    LarkError::bad(
        codes::FIELD_VALIDATION_FAILED,
        format!("field validation failed: {message}"),
    )
}

/// The decoded `key=value` pairs of a query string.
fn query_pairs(query: &str) -> Vec<(String, String)> {
    let decode = |s: &str| {
        let s = s.replace('+', " ");
        percent_encoding::percent_decode_str(&s)
            .decode_utf8_lossy()
            .into_owned()
    };
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// Whether a text value (query, header, form field) fits a scalar type.
fn text_fits(ty: &str, value: &str) -> bool {
    let scalar = ty
        .strip_prefix("list<")
        .and_then(|t| t.strip_suffix('>'))
        .unwrap_or(ty);
    match scalar {
        "i64" | "i32" => value.parse::<i64>().is_ok(),
        "f64" => value.parse::<f64>().is_ok(),
        "bool" => value == "true" || value == "false",
        _ => true,
    }
}

fn check_query(spec: &EndpointMeta, query: &str) -> Result<(), LarkError> {
    let pairs = query_pairs(query);
    for param in spec.query {
        let values: Vec<&str> = pairs
            .iter()
            .filter(|(k, _)| k == param.name)
            .map(|(_, v)| v.as_str())
            .collect();
        if param.required && values.iter().all(|v| v.is_empty()) {
            return Err(invalid(format!(
                "query parameter `{}` is required",
                param.name
            )));
        }
        if !param.is_list() && values.len() > 1 {
            return Err(invalid(format!(
                "query parameter `{}` is given twice",
                param.name
            )));
        }
        if let Some(bad) = values.iter().find(|v| !text_fits(param.ty, v)) {
            return Err(invalid(format!(
                "query parameter `{}` must be {}, not `{bad}`",
                param.name, param.ty
            )));
        }
    }
    Ok(())
}

fn check_headers(spec: &EndpointMeta, headers: &HeaderMap) -> Result<(), LarkError> {
    for param in spec.headers.iter().filter(|p| p.required) {
        let present = headers
            .get(param.name)
            .is_some_and(|v| !v.as_bytes().is_empty());
        if !present {
            return Err(invalid(format!("header `{}` is required", param.name)));
        }
    }
    Ok(())
}

/// Whether a JSON value fits a type of the facts (named types are objects).
fn json_fits(ty: &str, value: &Value) -> bool {
    if value.is_null() {
        return true;
    }
    if let Some(inner) = ty.strip_prefix("list<").and_then(|t| t.strip_suffix('>')) {
        return value
            .as_array()
            .is_some_and(|items| items.iter().all(|v| json_fits(inner, v)));
    }
    match ty {
        "string" => value.is_string(),
        // The platform takes int64 values as JSON numbers or as decimal strings.
        "i64" | "i32" => {
            value.is_i64()
                || value.is_u64()
                || value.as_str().is_some_and(|s| s.parse::<i64>().is_ok())
        }
        "f64" => value.is_number(),
        "bool" => value.is_boolean(),
        "any" | "binary" => true,
        t if t.starts_with("map<") => value.is_object(),
        _ => value.is_object(),
    }
}

fn check_json(spec: &EndpointMeta, body: &[u8]) -> Result<(), LarkError> {
    let value: Value = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Object(Map::new())
    } else {
        serde_json::from_slice(body).map_err(|e| invalid(format!("the body is not JSON: {e}")))?
    };
    let object = value
        .as_object()
        .ok_or_else(|| invalid("the body is not a JSON object".to_owned()))?;
    for field in spec.body_fields {
        match object.get(field.name) {
            None | Some(Value::Null) if field.required => {
                return Err(invalid(format!("body field `{}` is required", field.name)));
            }
            Some(v) if !json_fits(field.ty, v) => {
                return Err(invalid(format!(
                    "body field `{}` must be {}",
                    field.name, field.ty
                )));
            }
            _ => {}
        }
    }
    Ok(())
}

/// One part of a form, as `multer` reads it: its name, whether it carries a file name, its bytes.
#[derive(Debug)]
struct Part {
    name: String,
    file: bool,
    data: Bytes,
}

/// The headers RFC 7578 (section 4.8) lets a form part carry; a sender "MUST NOT" add others, so
/// any other is taken for a header injected through a name, a file name or a content type.
const PART_HEADERS: [header::HeaderName; 3] = [
    header::CONTENT_DISPOSITION,
    header::CONTENT_TYPE,
    header::HeaderName::from_static("content-transfer-encoding"),
];

/// Checks the `multipart/form-data` body of a request to `path`, which a stateful handler
/// serves, as the spec-driven handler checks it: a stateful upload refuses what every other
/// one refuses, with the same code.
pub(crate) fn check_form(
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<(), LarkError> {
    match find(method, path) {
        Some(spec) => check_multipart(spec, headers, body),
        None => Ok(()),
    }
}

/// Checks a `multipart/form-data` body against the endpoint's form fields. The body is read by
/// `multer` — a parser written apart from lark-core's encoder, so it can tell when that is wrong.
fn check_multipart(
    spec: &EndpointMeta,
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<(), LarkError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let boundary = multer::parse_boundary(content_type)
        .map_err(|e| invalid(format!("the body is not multipart/form-data: {e}")))?;
    // The whole body is at hand, so the parser finishes in one poll; one that would wait for more
    // is a body that stops short.
    let parts = read_form(body.clone(), boundary)
        .now_or_never()
        .unwrap_or_else(|| Err("the body stops in the middle of a part".to_owned()))
        .map_err(|e| invalid(format!("the multipart body is malformed: {e}")))?;
    for field in spec.body_fields {
        let part = parts.iter().find(|p| p.name == field.name);
        match part {
            None if field.required => {
                return Err(invalid(format!("form field `{}` is required", field.name)));
            }
            Some(p) if field.ty == "binary" && !p.file => {
                return Err(invalid(format!(
                    "form field `{}` must be a file",
                    field.name
                )));
            }
            Some(p) if field.ty != "binary" => {
                let text = String::from_utf8_lossy(&p.data);
                if !text_fits(field.ty, &text) {
                    return Err(invalid(format!(
                        "form field `{}` must be {}",
                        field.name, field.ty
                    )));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Reads every part of a form with `multer`; a message for the first thing wrong.
async fn read_form(body: Bytes, boundary: String) -> Result<Vec<Part>, String> {
    let stream = futures_util::stream::once(async move { Ok::<_, Infallible>(body) });
    let mut form = multer::Multipart::new(stream, boundary);
    let mut parts = Vec::new();
    while let Some(field) = form.next_field().await.map_err(|e| e.to_string())? {
        let index = parts.len() + 1;
        if let Some(extra) = field.headers().keys().find(|k| !PART_HEADERS.contains(k)) {
            return Err(format!("part {index} has a `{extra}` header"));
        }
        let disposition = field
            .headers()
            .get(header::CONTENT_DISPOSITION)
            .ok_or_else(|| format!("part {index} has no Content-Disposition"))?;
        check_disposition(disposition.as_bytes()).map_err(|e| format!("part {index}: {e}"))?;
        if field.headers().contains_key(header::CONTENT_TYPE) && field.content_type().is_none() {
            return Err(format!(
                "part {index} has a Content-Type that is no media type"
            ));
        }
        let name = field
            .name()
            .ok_or_else(|| format!("part {index} has no name"))?
            .to_owned();
        let file = field.file_name().is_some();
        let data = field.bytes().await.map_err(|e| e.to_string())?;
        parts.push(Part { name, file, data });
    }
    Ok(parts)
}

/// Refuses a `Content-Disposition` that is not `form-data` or whose quoted strings do not close
/// (what a CR/LF in a name or file name leaves behind when it splits the header). `multer` takes
/// the name and file name out of it; this only says whether it holds together.
fn check_disposition(value: &[u8]) -> Result<(), String> {
    let kind = value
        .split(|&b| b == b';')
        .next()
        .unwrap_or_default()
        .trim_ascii();
    if !kind.eq_ignore_ascii_case(b"form-data") {
        return Err("the Content-Disposition is not form-data".to_owned());
    }
    let mut quoted = false;
    let mut escaped = false;
    for &b in value {
        match b {
            _ if escaped => escaped = false,
            b'\\' if quoted => escaped = true,
            b'"' => quoted = !quoted,
            _ => {}
        }
    }
    if quoted {
        return Err("a quoted string in the Content-Disposition does not close".to_owned());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shadowed_literal_paths_get_routes() {
        assert!(matches(
            STATEFUL_PARAM_ROUTES[1],
            "/open-apis/im/v1/chats/search"
        ));
        assert!(!matches(
            STATEFUL_PARAM_ROUTES[1],
            "/open-apis/im/v1/chats/oc_1/members"
        ));
    }

    #[test]
    fn templates_match_by_segment() {
        assert!(matches("/a/:id/b", "/a/x%2Fy/b"));
        assert!(!matches("/a/:id/b", "/a//b"));
        assert!(!matches("/a/:id", "/a/x/b"));
        assert!(!matches("/a/b", "/a/c"));
    }

    #[test]
    fn the_literal_route_wins() {
        let spec = find(&Method::POST, "/open-apis/im/v1/chats/search");
        if let Some(spec) = spec {
            assert!(!spec.path.ends_with(":chat_id"));
        }
        let get = find(&Method::GET, "/open-apis/im/v1/chats/oc_1").map(|s| s.path);
        assert_eq!(get, Some("/open-apis/im/v1/chats/:chat_id"));
        assert!(find(&Method::GET, "/open-apis/nothing/here").is_none());
    }

    fn form(body: &'static [u8]) -> Result<Vec<Part>, String> {
        read_form(Bytes::from_static(body), "b".to_owned())
            .now_or_never()
            .expect("a whole body is read in one poll")
    }

    #[test]
    fn forms_are_parsed() {
        let parts = form(b"--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x\\\"y.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n\x01\x02\r\n--b--\r\n").unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(
            (parts[0].name.as_str(), parts[0].file, &parts[0].data[..]),
            ("a", false, &b"1"[..])
        );
        assert_eq!((parts[1].name.as_str(), parts[1].file), ("f", true));
        assert_eq!(&parts[1].data[..], b"\x01\x02");
        assert!(form(b"garbage").is_err());
    }

    #[test]
    fn broken_parts_are_refused() {
        let unterminated = form(b"--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n");
        assert!(unterminated.is_err(), "{unterminated:?}");
        let injected = form(b"--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a\r\nX-Evil: 1\"\r\n\r\n1\r\n--b--\r\n");
        assert!(injected.is_err(), "{injected:?}");
        let split = form(b"--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a\r\n\r\nb\"\r\n\r\n1\r\n--b--\r\n");
        assert!(split.is_err(), "{split:?}");
        let nameless = form(b"--b\r\nContent-Disposition: form-data\r\n\r\n1\r\n--b--\r\n");
        assert!(nameless.is_err(), "{nameless:?}");
        let attachment =
            form(b"--b\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\n1\r\n--b--\r\n");
        assert!(attachment.is_err(), "{attachment:?}");
        assert!(check_disposition(br#"form-data; name="a\"b"; filename="c""#).is_ok());
        assert!(check_disposition(br#"form-data; name="a\\"; filename="c"#).is_err());
    }

    #[test]
    fn values_are_typed() {
        assert!(text_fits("i64", "12"));
        assert!(!text_fits("i64", "x"));
        assert!(text_fits("list<bool>", "true"));
        assert!(json_fits("list<string>", &serde_json::json!(["a"])));
        assert!(!json_fits("list<string>", &serde_json::json!([1])));
        assert!(json_fits("i64", &serde_json::json!("12")));
        assert!(!json_fits("SomeType", &serde_json::json!("x")));
    }
}
