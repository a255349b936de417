//! `WasmClient`: one app's credentials and token cache, and a generic call that the JavaScript
//! layer drives from the generated endpoint catalog.

use std::time::Duration;

use lark_core::endpoint::{
    Answer, FromResponse, FromResponseError, IdempotencyKey, ResponseKind, fill_path,
};
use lark_core::{Body, Client, Download, Endpoint, EndpointMeta, File, Multipart, RequestOptions};
use lark_fetch::{FetchClient, FetchRuntime};
use wasm_bindgen::prelude::*;

use crate::bits::{Flags, key_name, token_kinds};
use crate::error::{build_error, get, get_string, lark_error, set, to_js};
use crate::store::{JsAppTicketStore, JsTokenStore};

/// An app's client: its configuration, its token cache (in the instance, or in a JavaScript
/// token store) and the `fetch` backend.
#[wasm_bindgen]
#[derive(Debug)]
pub struct WasmClient {
    pub(crate) client: Client<FetchClient>,
}

#[wasm_bindgen]
impl WasmClient {
    /// A client from the options of `new LarkClient(options)` (see `options.rs`): the app,
    /// where its requests go, its stores (`tokenStore`: async `get`, `set`, `delete`, and
    /// optionally `tryAcquireRefresh`/`releaseRefresh`; `appTicketStore`: async `get`, `set`)
    /// and the rest of `LarkClientOptions`.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<WasmClient, JsValue> {
        let (config, options) = crate::options::config(&options)?;
        let mut builder = Client::builder(config, FetchClient::new(), FetchRuntime);
        if let Some(store) = options.token_store {
            builder = builder.token_store(JsTokenStore::new(store)?);
        }
        if let Some(store) = options.app_ticket_store {
            builder = builder.app_ticket_store(JsAppTicketStore::new(store)?);
        }
        Ok(WasmClient {
            client: builder.build(),
        })
    }

    /// Sends one call and resolves to the JSON text of its payload (`"null"` when there is
    /// none), or, for a download, to `{ data: Uint8Array, contentType, fileName }`.
    ///
    /// `spec` is `[method, pathTemplate, tokenBits, flags, envelope]` from the catalog (or made
    /// by `request`); `pathValues` is `[name, value, ...]`; `query` is `[key, value, ...]`,
    /// already flattened; `body` is JSON text, or `undefined`; `parts` is a multipart form as
    /// `[[name, string | Uint8Array, fileName?, contentType?], ...]`; `options` holds
    /// `userAccessToken`, `tenantAccessToken`, `helpDesk` (`{ id, token }`), `tenantKey`,
    /// `headers` and `timeoutMs`.
    pub async fn call(
        &self,
        spec: js_sys::Array,
        path_values: Vec<String>,
        query: Vec<String>,
        body: Option<String>,
        parts: JsValue,
        options: JsValue,
    ) -> Result<JsValue, JsValue> {
        let endpoint = DynEndpoint::new(&spec, &path_values, &query, body, &parts)?;
        let options = request_options(&options)?;
        match anchored(self.client.send_with(&endpoint, &options)).await {
            Ok(DynOutput::Json(text, _)) => Ok(JsValue::from_str(&text)),
            Ok(DynOutput::Binary(download)) => {
                let out = js_sys::Object::new();
                set(
                    &out,
                    "data",
                    js_sys::Uint8Array::from(download.data.as_slice()),
                );
                set(
                    &out,
                    "contentType",
                    download.content_type.map_or(JsValue::NULL, JsValue::from),
                );
                set(
                    &out,
                    "fileName",
                    download.file_name.map_or(JsValue::NULL, JsValue::from),
                );
                Ok(out.into())
            }
            Err(e) => Err(to_js(e)),
        }
    }

    /// The app's tokens, one export for three calls (each async export is its own promise
    /// code in the wasm): `what` 0 resolves to the tenant access token, from the cache or
    /// freshly fetched (`arg`: a marketplace app's tenant key); 1 to the app access token; 2
    /// stores `arg` as the `app_ticket` pushed to a marketplace app and resolves to `undefined`.
    pub async fn token(&self, what: u8, arg: Option<String>) -> Result<Option<String>, JsValue> {
        if what == 2 {
            self.client.set_app_ticket(arg.unwrap_or_default()).await;
            return Ok(None);
        }
        anchored(async {
            if what == 1 {
                self.client.app_access_token().await
            } else {
                self.client.tenant_access_token(arg.as_deref()).await
            }
        })
        .await
        .map(|t| Some(t.expose().to_owned()))
        .map_err(to_js)
    }
}

impl WasmClient {
    /// The client inside, for the event dispatcher.
    #[cfg(feature = "events")]
    pub(crate) fn inner(&self) -> &Client<FetchClient> {
        &self.client
    }
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &js_sys::Function, millis: i32) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);
}

thread_local! {
    /// The promise resolvers that wake anchored calls, by waker id (few: one per waiting call).
    static WAKERS: std::cell::RefCell<(u64, Vec<(u64, js_sys::Function)>)> =
        std::cell::RefCell::default();
}

fn take_waker(id: u64) -> Option<js_sys::Function> {
    WAKERS.with(|w| {
        let wakers = &mut w.borrow_mut().1;
        let at = wakers.iter().position(|(i, _)| *i == id)?;
        Some(wakers.swap_remove(at).1)
    })
}

/// A waker that resolves the promise its anchored call waits on (found by id: a JavaScript
/// function cannot sit in the `Send` waker itself).
struct PromiseWaker(u64);

impl std::task::Wake for PromiseWaker {
    fn wake(self: std::sync::Arc<Self>) {
        if let Some(resolve) = take_waker(self.0) {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        }
    }
}

/// Runs `future` in the JavaScript context of the call that started it.
///
/// Why: calls of one Worker isolate share the client, so one request can wait for a token
/// another request is fetching (the core's single-flight). The executor would then go on with
/// the waiting call from inside the request that woke it: workerd ties I/O to the request that
/// starts it, and cancels a request that has nothing of its own pending ("the code had hung").
/// Here each wake resolves a promise the call made in its own context, which workerd resumes in
/// that context, and a timer of its own (also a periodic re-poll) keeps it alive while it
/// waits. Elsewhere (browsers, Node) this costs a promise per wake.
pub(crate) async fn anchored<F: std::future::Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut output = None;
    loop {
        drive(&mut |cx| match future.as_mut().poll(cx) {
            std::task::Poll::Ready(value) => {
                output = Some(value);
                true
            }
            std::task::Poll::Pending => false,
        })
        .await;
        if let Some(value) = output.take() {
            return value;
        }
    }
}

/// [`anchored`]'s loop, once for every future type: polls through `poll` (true when done)
/// until it is done.
async fn drive(poll: &mut dyn FnMut(&mut std::task::Context<'_>) -> bool) {
    loop {
        let mut resolver = None;
        let woken = js_sys::Promise::new(&mut |resolve, _reject| resolver = Some(resolve));
        let id = WAKERS.with(|w| {
            let mut w = w.borrow_mut();
            w.0 += 1;
            let id = w.0;
            if let Some(resolve) = &resolver {
                w.1.push((id, resolve.clone()));
            }
            id
        });
        let waker = std::task::Waker::from(std::sync::Arc::new(PromiseWaker(id)));
        if poll(&mut std::task::Context::from_waker(&waker)) {
            take_waker(id);
            return;
        }
        let Some(resolve) = resolver else {
            // `new Promise` did not run its executor (it always does): yield, then poll again.
            let _ =
                wasm_bindgen_futures::JsFuture::from(js_sys::Promise::resolve(&JsValue::UNDEFINED))
                    .await;
            continue;
        };
        let timer = set_timeout(&resolve, 1000);
        let _ = wasm_bindgen_futures::JsFuture::from(woken).await;
        clear_timeout(&timer);
        take_waker(id);
    }
}

pub(crate) fn request_options(options: &JsValue) -> Result<RequestOptions, JsValue> {
    let mut out = RequestOptions::new();
    if options.is_undefined() || options.is_null() {
        return Ok(out);
    }
    if let Some(token) = get_string(options, "userAccessToken") {
        out = out.user_access_token(token);
    }
    if let Some(token) = get_string(options, "tenantAccessToken") {
        out = out.tenant_access_token(token);
    }
    if let Some(helpdesk) = get(options, "helpDesk") {
        let (Some(id), Some(token)) = (get_string(&helpdesk, "id"), get_string(&helpdesk, "token"))
        else {
            return Err(lark_error(
                "build",
                "helpDesk needs an id and a token (withHelpDeskCredential(id, token))",
            ));
        };
        out = out.helpdesk(id, token);
    }
    if let Some(tenant) = get_string(options, "tenantKey") {
        out = out.tenant_key(tenant);
    }
    if let Some(ms) = get(options, "timeoutMs").and_then(|v| v.as_f64()) {
        if ms > 0.0 {
            out = out.timeout(Duration::from_millis(ms as u64));
        }
    }
    if let Some(max) = get(options, "maxPages") {
        match max.as_f64() {
            Some(n) if n.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&n) => {
                out = out.max_pages(n as u32);
            }
            _ => return Err(lark_error("build", "`maxPages` must be a whole number")),
        }
    }
    if let Some(headers) = get(options, "headers") {
        let entries = js_sys::Object::entries(&headers.unchecked_into());
        let mut extra = Vec::with_capacity(entries.length() as usize);
        for entry in entries.iter() {
            let entry: js_sys::Array = entry.unchecked_into();
            let (Some(name), Some(value)) = (entry.get(0).as_string(), entry.get(1).as_string())
            else {
                return Err(lark_error("build", "header values must be strings"));
            };
            // Checked here, so a bad header fails before anything is sent; the names are not
            // made into `http::HeaderName`s (see `lark_fetch::ExtraHeaders`).
            if !is_header_name(&name) {
                return Err(build_error(&["invalid header name `", &name, "`"]));
            }
            if http::HeaderValue::try_from(value.as_str()).is_err() {
                return Err(build_error(&["invalid value of header `", &name, "`"]));
            }
            extra.push((name, value));
        }
        if !extra.is_empty() {
            out = out.extension(lark_fetch::ExtraHeaders(extra));
        }
    }
    Ok(out)
}

/// An HTTP field name: one or more token characters (RFC 9110, section 5.6.2).
fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// One call described at run time.
#[derive(Clone)]
pub(crate) struct DynEndpoint {
    meta: EndpointMeta,
    path: String,
    body: Body,
    /// The page token of the next page, set by lark-core's pagination (`pages.rs`).
    pub(crate) page_token: Option<String>,
    /// Whether the page token goes in the JSON body rather than the query.
    pub(crate) page_token_in_body: bool,
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
        let response = if flags.binary() {
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
            Some(name) if flags.key_in_query() => Some(IdempotencyKey::Query(name)),
            Some(name) if flags.key_in_body() => Some(IdempotencyKey::Body(name)),
            _ => None,
        };
        let mut meta = EndpointMeta::new("api", "call", method, "", token_kinds(token_bits))
            .helpdesk(flags.helpdesk())
            .base(if flags.www() {
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
            page_token_in_body: false,
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
                crate::pages::path_with_page_token(&self.path, token)
            }
            _ => self.path.clone(),
        })
    }

    fn body(&self) -> lark_core::Result<Body> {
        match &self.page_token {
            Some(token) if self.page_token_in_body => {
                crate::pages::body_with_page_token(&self.body, token)
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
    Json(String, crate::pages::LazyPageFields),
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
