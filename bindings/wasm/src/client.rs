//! `WasmClient`: one app's credentials and token cache, and a generic call that the JavaScript
//! layer drives from the generated endpoint catalog.

use std::time::Duration;

use lark_core::{Client, RequestOptions};
use lark_fetch::{FetchClient, FetchRuntime};
use wasm_bindgen::prelude::*;

use crate::call::{DynEndpoint, DynOutput};
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
    /// optionally `tryAcquireRefresh`/`releaseRefresh`; `appTicketStore`: async `get`, `set`;
    /// with the `users` feature `userTokenStore`, see `users.rs`, and `accountsBaseUrl`, the
    /// OAuth host of a custom base URL), `fetch` (a function sending the requests in place of
    /// the global `fetch`: `lark_fetch::FetchClient::with_fetch`) and the rest of
    /// `LarkClientOptions`.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<WasmClient, JsValue> {
        let source = options;
        let (config, options) = crate::options::config(&source)?;
        #[cfg(feature = "users")]
        let config = match get_string(&source, "accountsBaseUrl") {
            Some(url) => {
                config.accounts_base_url(crate::options::http_url("accountsBaseUrl", url)?)
            }
            None => config,
        };
        // `fetch`: what sends the requests (the Node entries' node:http transport, or the
        // user's); the global `fetch` without one.
        let http = match get(&source, "fetch") {
            None => FetchClient::new(),
            Some(send) => FetchClient::with_fetch(
                send.dyn_into()
                    .map_err(|_| crate::read::wrong("fetch", "a function"))?,
            ),
        };
        let mut builder = Client::builder(config, http, FetchRuntime);
        #[cfg(feature = "users")]
        if let Some(store) = get(&source, "userTokenStore") {
            builder = builder.user_token_store(crate::user_store::JsUserTokenStore::new(store)?);
        }
        if let Some(store) = options.token_store {
            builder = builder.token_store(JsTokenStore::new(store)?);
        }
        if let Some(store) = options.app_ticket_store {
            builder = builder.app_ticket_store(JsAppTicketStore::new(store)?);
        }
        // The function `npm/src/observe.js` makes of `observer`, `logger` and `loggerLevel`.
        #[cfg(feature = "observe")]
        if let Some(observer) = get(&source, "observer") {
            builder = builder.observer(crate::observe::JsObserver::new(observer.unchecked_into()));
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
    /// `userAccessToken`, `asUser` (a user signed in through `users`), `tenantAccessToken`,
    /// `helpDesk` (`{ id, token }`), `tenantKey`, `headers` and `timeoutMs`.
    pub fn call(
        &self,
        spec: js_sys::Array,
        path_values: Vec<String>,
        query: Vec<String>,
        body: Option<String>,
        parts: JsValue,
        options: JsValue,
    ) -> js_sys::Promise {
        let client = self.client.clone();
        promise(Box::pin(async move {
            let endpoint = DynEndpoint::new(&spec, &path_values, &query, body, &parts)?;
            let options = request_options(&options)?;
            match client.send_with(&endpoint, &options).await {
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
        }))
    }

    /// The app's tokens, one export for three calls: `what` 0 resolves to the tenant access
    /// token, from the cache or freshly fetched (`arg`: a marketplace app's tenant key); 1 to
    /// the app access token; 2 stores `arg` as the `app_ticket` pushed to a marketplace app and
    /// resolves to `undefined`.
    pub fn token(&self, what: u8, arg: Option<String>) -> js_sys::Promise {
        let client = self.client.clone();
        promise(Box::pin(async move {
            let token = match what {
                2 => {
                    client.set_app_ticket(arg.unwrap_or_default()).await;
                    return Ok(JsValue::UNDEFINED);
                }
                1 => client.app_access_token().await,
                _ => client.tenant_access_token(arg.as_deref()).await,
            };
            token.map(|t| t.expose().into()).map_err(to_js)
        }))
    }
}

/// A call in flight, as every promise-returning export hands it to [`promise`].
pub(crate) type Work =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<JsValue, JsValue>>>>;

/// The promise of `work`, run [`anchored`]. Every export that goes through here shares one
/// copy of the promise code and of `anchored` in the wasm (an `async fn` export is a copy of
/// both for its own future type); its future holds a clone of the client (cheap: clones share
/// the token cache), so `free()` does not wait for it.
pub(crate) fn promise(work: Work) -> js_sys::Promise {
    wasm_bindgen_futures::future_to_promise(anchored(work))
}

#[cfg(feature = "fast-calls")]
#[wasm_bindgen]
extern "C" {
    /// `globalThis.WebSocketPair`: calls must be [`anchored`] only in workerd, the one runtime
    /// that ties a call's I/O to the request that started it, and this global names it
    /// whatever the compatibility flags. Elsewhere the anchoring is a promise and a timer per
    /// wake for nothing (about 30 µs a call in Node). Without `fast-calls`, every call is.
    #[wasm_bindgen(thread_local_v2, js_namespace = globalThis, js_name = WebSocketPair)]
    static ANCHOR: JsValue;
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
/// waits. Elsewhere (browsers, Node: no `ANCHOR`) the future runs as it is, in the builds with
/// `fast-calls`.
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
    #[cfg(feature = "fast-calls")]
    if ANCHOR.with(JsValue::is_undefined) {
        return std::future::poll_fn(|cx| {
            if poll(cx) {
                std::task::Poll::Ready(())
            } else {
                std::task::Poll::Pending
            }
        })
        .await;
    }
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
    #[cfg(feature = "users")]
    if let Some(user) = get_string(options, "asUser") {
        out = out.as_user(user);
    }
    #[cfg(not(feature = "users"))]
    if get(options, "asUser").is_some() {
        return Err(lark_error(
            "build",
            "asUser needs the full build: import lark-sdk",
        ));
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
