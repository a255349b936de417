//! Every page of a paginated endpoint, one JavaScript call per page, over lark-core's own
//! pagination ([`lark_core::Client::pages_with`]): the page token carried in the query or the
//! body, the cycle check, the max-pages limit and the `pagination` error all live there. This
//! module only says how an untyped page answer reads (`has_more`, `page_token` /
//! `next_page_token`) and where the token goes in a call described at run time.

use std::cell::OnceCell;
use std::pin::Pin;

use futures_util::stream::Stream;
use lark_core::endpoint::{Page, Paginated};
use lark_core::{Body, Error};
use wasm_bindgen::prelude::*;

use crate::client::{
    DynEndpoint, DynOutput, WasmClient, anchored, percent_encoding_query, request_options,
};
use crate::error::{get, get_string, set, to_js};

#[wasm_bindgen]
impl WasmClient {
    /// The pages of a paginated endpoint: the arguments of [`WasmClient::call`] (`options` may
    /// also hold `maxPages`, over the default 10,000), and whether the endpoint takes its page
    /// token in the JSON body rather than the query (the catalog's `pageTokenInBody` bit).
    #[allow(clippy::too_many_arguments)]
    pub fn pages(
        &self,
        spec: js_sys::Array,
        path_values: Vec<String>,
        query: Vec<String>,
        body: Option<String>,
        parts: JsValue,
        options: JsValue,
        page_token_in_body: bool,
    ) -> Result<WasmPages, JsValue> {
        let mut endpoint = DynEndpoint::new(&spec, &path_values, &query, body, &parts)?;
        endpoint.page_token_in_body = page_token_in_body;
        let options = request_options(&options)?;
        Ok(WasmPages {
            stream: Box::pin(self.client.pages_with(endpoint, options)),
        })
    }
}

/// The pages still to come of one [`WasmClient::pages`] walk.
#[wasm_bindgen]
pub struct WasmPages {
    stream: Pin<Box<dyn Stream<Item = lark_core::Result<DynOutput>>>>,
}

impl std::fmt::Debug for WasmPages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WasmPages").finish_non_exhaustive()
    }
}

#[wasm_bindgen]
impl WasmPages {
    /// The next page's payload as JSON text, or `undefined` after the last page. A failed
    /// page rejects with its LarkError and ends the walk; so do a page token seen before and
    /// the max-pages limit (kind `pagination`), after the pages before them.
    pub async fn next(&mut self) -> Result<Option<String>, JsValue> {
        let mut stream = self.stream.as_mut();
        match anchored(std::future::poll_fn(|cx| stream.as_mut().poll_next(cx))).await {
            None => Ok(None),
            Some(Ok(DynOutput::Json(text, _))) => Ok(Some(text)),
            // A JSON endpoint's answer without payload or JSON content type.
            Some(Ok(DynOutput::Binary(_))) => Ok(Some("null".to_owned())),
            Some(Err(error)) => Err(to_js(error)),
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
    /// Reads `{ has_more, page_token | next_page_token }` from a page's JSON; anything else
    /// (not an object, a non-string token) reads as the last page. JavaScript's own JSON
    /// parser reads it: no JSON decoder for it in the bundle.
    fn read(json: &str) -> Self {
        let page = js_sys::JSON::parse(json).unwrap_or(JsValue::NULL);
        let has_more = get(&page, "has_more").and_then(|v| v.as_bool());
        let token = |name: &str| get_string(&page, name).filter(|t| !t.is_empty());
        let token = token("page_token").or_else(|| token("next_page_token"));
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

/// `path` with `page_token=token` in place of any `page_token` its query has.
pub(crate) fn path_with_page_token(path: &str, token: &str) -> String {
    let (base, query) = path.split_once('?').unwrap_or((path, ""));
    let mut out = String::from(base);
    let mut separator = '?';
    for pair in query.split('&') {
        if pair.is_empty() || pair.split('=').next() == Some("page_token") {
            continue;
        }
        out.push(separator);
        out.push_str(pair);
        separator = '&';
    }
    out.push(separator);
    out.push_str("page_token=");
    out.extend(percent_encoding_query(token));
    out
}

/// `body` (a JSON object, or none) with its `page_token` field set to `token`, through
/// JavaScript's own JSON (no JSON object codec in the bundle).
pub(crate) fn body_with_page_token(body: &Body, token: &str) -> lark_core::Result<Body> {
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
    set(&fields, "page_token", token);
    js_sys::JSON::stringify(&fields)
        .ok()
        .and_then(|text| text.as_string())
        .map(|text| Body::Json(text.into_bytes()))
        .ok_or_else(not_object)
}
