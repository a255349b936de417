//! One call described at run time: the endpoint the JavaScript layer hands over as a catalog
//! row and its parameters ([`DynEndpoint`]), its answer ([`DynOutput`]), and how such a call
//! carries a page token and such an answer reads as a page, for lark-core's pagination.

use std::cell::OnceCell;

use lark_core::endpoint::{
    Answer, FromResponse, FromResponseError, IdempotencyKey, Page, Paginated, ResponseKind,
    fill_path,
};
use lark_core::{Body, Download, Endpoint, EndpointMeta, Error, File, Multipart};
use wasm_bindgen::prelude::*;

use crate::bits::{
    FLAG_BINARY, FLAG_HELPDESK, FLAG_KEY_BODY, FLAG_KEY_QUERY, FLAG_PAGE_TOKEN_IN_BODY, FLAG_WWW,
    Flags, NEXT_TOKEN_NAMES, key_name, token_kinds,
};
use crate::error::{build_error, get, get_string, lark_error, set, to_js};

/// One call described at run time.
#[derive(Clone)]
pub(crate) struct DynEndpoint {
    meta: EndpointMeta,
    path: String,
    body: Body,
    /// The page token of the next page, set by lark-core's pagination (`pages.rs`).
    pub(crate) page_token: Option<String>,
    /// Whether the page token goes in the JSON body rather than the query (the row's
    /// `pageTokenInBody` bit).
    page_token_in_body: bool,
    /// The parameter taking the page token: `page_token`, or the cursor the row's seventh entry
    /// names.
    page_param: String,
}

impl DynEndpoint {
    pub(crate) fn new(
        spec: &js_sys::Array,
        path_values: &[String],
        query: &[String],
        body: Option<String>,
        parts: &JsValue,
    ) -> Result<Self, JsValue> {
        let bad = || lark_error("build", "malformed endpoint spec");
        let method = spec.get(0).as_string().ok_or_else(bad)?;
        let template = spec.get(1).as_string().ok_or_else(bad)?;
        let token_bits = spec.get(2).as_f64().ok_or_else(bad)? as u32;
        let flags = Flags(spec.get(3).as_f64().unwrap_or(0.0) as u32);
        let envelope = spec.get(4);
        let method = http::Method::from_bytes(method.as_bytes())
            .map_err(|_| build_error(&["invalid HTTP method `", &method, "`"]))?;
        let path = path_with_query(&template, path_values, query)?;
        let response = if flags.has(FLAG_BINARY) {
            ResponseKind::Binary
        } else if envelope.is_null() {
            ResponseKind::Json { envelope: None }
        } else {
            // Every envelope key in the facts is one of these; the JSON layer passes it as is.
            let key = match envelope.as_string().as_deref() {
                None | Some("data") => "data",
                Some("bot") => "bot",
                Some(other) => {
                    return Err(build_error(&["unknown response envelope `", other, "`"]));
                }
            };
            ResponseKind::Json {
                envelope: Some(key),
            }
        };
        // The client fills the key, as for the Rust types; the core takes `'static` names.
        let key_name = match spec.get(5).as_string() {
            None => None,
            Some(name) => Some(
                key_name(&name)
                    .ok_or_else(|| build_error(&["unknown idempotency key `", &name, "`"]))?,
            ),
        };
        let key = match key_name {
            Some(name) if flags.has(FLAG_KEY_QUERY) => Some(IdempotencyKey::Query(name)),
            Some(name) if flags.has(FLAG_KEY_BODY) => Some(IdempotencyKey::Body(name)),
            _ => None,
        };
        // The observer's records name a catalog call by its path template (the JavaScript
        // layer finds its name in the catalog), and a raw request by `raw`, as lark-core does.
        #[cfg(feature = "observe")]
        let (service, name, template) = if flags.has(crate::bits::FLAG_RAW) {
            ("raw", "raw", "")
        } else {
            ("", "", crate::observe::template(&template))
        };
        #[cfg(not(feature = "observe"))]
        let (service, name, template) = ("api", "call", "");
        let mut meta = EndpointMeta::new(service, name, method, template, token_kinds(token_bits))
            .helpdesk(flags.has(FLAG_HELPDESK))
            .base(if flags.has(FLAG_WWW) {
                lark_core::endpoint::Base::Www
            } else {
                lark_core::endpoint::Base::OpenApis
            })
            .response(response);
        if let Some(key) = key {
            meta = meta.idempotency_key(key);
        }
        let body = if parts.is_undefined() || parts.is_null() {
            match body {
                Some(json) => Body::Json(json.into_bytes()),
                None => Body::None,
            }
        } else {
            Body::Multipart(multipart(parts)?)
        };
        Ok(Self {
            meta,
            path,
            body,
            page_token: None,
            page_token_in_body: flags.has(FLAG_PAGE_TOKEN_IN_BODY),
            // Most rows have no seventh entry: read only an array (a `Reflect.get` on
            // `undefined` throws, and a JavaScript error costs its stack trace every call).
            page_param: spec
                .get(6)
                .dyn_ref::<js_sys::Array>()
                .and_then(|cursor| cursor.get(0).as_string())
                .unwrap_or_else(|| "page_token".to_owned()),
        })
    }
}

/// The request path from a catalog template, its `[name, value, ...]` path values and its
/// flattened `[name, value, ...]` query.
pub(crate) fn path_with_query(
    template: &str,
    path_values: &[String],
    query: &[String],
) -> Result<String, JsValue> {
    if !template.starts_with('/') {
        return Err(lark_error(
            "build",
            &["the path `", template, "` must start with `/`"].concat(),
        ));
    }
    let pairs: Vec<(&str, &str)> = path_values
        .chunks_exact(2)
        .map(|kv| (kv[0].as_str(), kv[1].as_str()))
        .collect();
    let mut path = fill_path(template, &pairs).map_err(to_js)?;
    let mut first = !path.contains('?');
    for kv in query.chunks_exact(2) {
        path.push(if first { '?' } else { '&' });
        first = false;
        path.extend(percent_encoding_query(&kv[0]));
        path.push('=');
        path.extend(percent_encoding_query(&kv[1]));
    }
    Ok(path)
}

pub(crate) fn percent_encoding_query(value: &str) -> impl Iterator<Item = &str> {
    const QUERY: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(value, QUERY)
}

fn multipart(parts: &JsValue) -> Result<Multipart, JsValue> {
    let bad = || lark_error("build", "malformed multipart form");
    let parts: &js_sys::Array = parts.dyn_ref().ok_or_else(bad)?;
    let mut form = Multipart::new();
    for part in parts.iter() {
        let part: js_sys::Array = part.dyn_into().map_err(|_| bad())?;
        let name = part.get(0).as_string().ok_or_else(bad)?;
        let value = part.get(1);
        if let Some(text) = value.as_string() {
            form.text(name, text);
        } else if let Some(bytes) = value.dyn_ref::<js_sys::Uint8Array>() {
            let mut file = File::new(
                part.get(2).as_string().unwrap_or_else(|| name.clone()),
                bytes.to_vec(),
            );
            if let Some(content_type) = part.get(3).as_string() {
                file = file.content_type(content_type);
            }
            form.file(name, file);
        } else {
            return Err(lark_error(
                "build",
                &[
                    "multipart field `",
                    &name,
                    "` must be a string or a Uint8Array",
                ]
                .concat(),
            ));
        }
    }
    Ok(form)
}

impl Endpoint for DynEndpoint {
    type Output = DynOutput;

    fn meta(&self) -> &EndpointMeta {
        &self.meta
    }

    fn path(&self) -> lark_core::Result<String> {
        Ok(match &self.page_token {
            Some(token) if !self.page_token_in_body => {
                path_with_page_token(&self.path, &self.page_param, token)
            }
            _ => self.path.clone(),
        })
    }

    fn body(&self) -> lark_core::Result<Body> {
        match &self.page_token {
            Some(token) if self.page_token_in_body => {
                body_with_page_token(&self.body, &self.page_param, token)
            }
            _ => Ok(self.body.clone()),
        }
    }
}

/// A call's answer: the JSON text of its payload (`null` when there is none), or the bytes of
/// a download.
///
/// One type for both keeps one copy of the send path in the bundle. A JSON endpoint whose
/// answer has no payload and no JSON content type comes back as `Binary`; the JavaScript layer
/// knows the endpoint's kind and reads that as `null`. A JSON answer reads its page fields
/// only when lark-core's pagination asks (`pages.rs`).
pub(crate) enum DynOutput {
    Json(String, LazyPageFields),
    Binary(Download),
}

impl FromResponse for DynOutput {
    fn from_response(answer: Answer<'_>) -> Result<Self, FromResponseError> {
        let is_json = answer
            .headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("json"));
        match answer.payload {
            Some(payload) => Ok(DynOutput::Json(payload.to_owned(), Default::default())),
            None if is_json => Ok(DynOutput::Json("null".to_owned(), Default::default())),
            None => Download::from_response(answer).map(DynOutput::Binary),
        }
    }
}

/// What a page answer says about the next page.
#[derive(Debug, Default)]
pub(crate) struct PageFields {
    has_more: Option<bool>,
    token: Option<String>,
}

impl PageFields {
    /// Reads `has_more` and the next page's token (`page_token`, `next_page_token` or any
    /// other field the catalog names, `NEXT_TOKEN_NAMES`) from a page's JSON; anything else
    /// (not an object, a non-string token) reads as the last page. JavaScript's own JSON
    /// parser reads it: no JSON decoder for it in the bundle.
    fn read(json: &str) -> Self {
        let page = js_sys::JSON::parse(json).unwrap_or(JsValue::NULL);
        let has_more = get(&page, "has_more").and_then(|v| v.as_bool());
        let token = NEXT_TOKEN_NAMES
            .iter()
            .find_map(|name| get_string(&page, name).filter(|t| !t.is_empty()));
        Self { has_more, token }
    }
}

impl Page for DynOutput {
    /// `has_more` when the answer has it; otherwise (calendar search, for one) whether a page
    /// token came back.
    fn has_more(&self) -> bool {
        match self {
            DynOutput::Json(text, fields) => {
                let fields = fields.get_or_init(|| PageFields::read(text));
                fields.has_more.unwrap_or(fields.token.is_some())
            }
            DynOutput::Binary(_) => false,
        }
    }

    fn next_page_token(&self) -> Option<&str> {
        match self {
            DynOutput::Json(text, fields) => fields
                .get_or_init(|| PageFields::read(text))
                .token
                .as_deref(),
            DynOutput::Binary(_) => None,
        }
    }
}

/// A JSON answer, with its page fields read once when asked for.
pub(crate) type LazyPageFields = OnceCell<PageFields>;

impl Paginated for DynEndpoint {
    fn set_page_token(&mut self, token: Option<String>) {
        self.page_token = token;
    }
}

/// `path` with `name=token` (`page_token=…`) in place of any `name` its query has.
pub(crate) fn path_with_page_token(path: &str, name: &str, token: &str) -> String {
    let (base, query) = path.split_once('?').unwrap_or((path, ""));
    let mut out = String::from(base);
    let mut separator = '?';
    for pair in query.split('&') {
        if pair.is_empty() || pair.split('=').next() == Some(name) {
            continue;
        }
        out.push(separator);
        out.push_str(pair);
        separator = '&';
    }
    out.push(separator);
    out.push_str(name);
    out.push('=');
    out.extend(percent_encoding_query(token));
    out
}

/// `body` (a JSON object, or none) with its `name` field (`page_token`) set to `token`, through
/// JavaScript's own JSON (no JSON object codec in the bundle).
pub(crate) fn body_with_page_token(
    body: &Body,
    name: &str,
    token: &str,
) -> lark_core::Result<Body> {
    let not_object = || Error::Build("the body of a paginated call must be a JSON object".into());
    let fields = match body {
        Body::None => js_sys::Object::new().into(),
        Body::Json(json) => std::str::from_utf8(json)
            .ok()
            .and_then(|text| js_sys::JSON::parse(text).ok())
            .filter(|v| v.is_object() && !js_sys::Array::is_array(v))
            .ok_or_else(not_object)?,
        _ => return Err(not_object()),
    };
    set(&fields, name, token);
    js_sys::JSON::stringify(&fields)
        .ok()
        .and_then(|text| text.as_string())
        .map(|text| Body::Json(text.into_bytes()))
        .ok_or_else(not_object)
}
