//! A wasm32 backend for `lark-core`: the platform's `fetch`, `Date.now()`, `setTimeout` and
//! `crypto.getRandomValues`.
//!
//! `fetch`, `Headers`, `Response` and `AbortController` are bound directly (no gloo-net or
//! web-sys wrappers), which keeps the glue small: the npm package uses this backend too.
//!
//! It runs wherever a global `fetch` exists: browsers, MV3 extension service workers,
//! Cloudflare Workers (workerd, no Node compatibility needed) and Node 20+ (which has the
//! global `crypto`). On every other
//! target this crate is empty, so a native `cargo build --workspace` still passes.
//!
//! The sketch below is not a doctest because doctests run natively, where this crate is empty;
//! the same calls are compiled and run on wasm32 by `tests/node.rs` and `tests/browser.rs`.
//!
//! ```ignore
//! # async fn run() -> lark_core::Result<()> {
//! let client = lark_fetch::client(lark_core::Config::new("cli_xxx", "secret"));
//! let message = client
//!     .send(&lark_api::im::v1::message::Get::new("om_xxx"))
//!     .await?;
//! # Ok(()) }
//! ```
#![cfg(target_arch = "wasm32")]

use std::time::Duration;

#[cfg(feature = "ws")]
pub mod ws;

use lark_core::{
    BodyStream, BoxFuture, ByteStream, Client, Config, HttpClient, HttpError, HttpErrorKind,
    RandomError, Runtime,
};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// A client over [`FetchClient`] with the [`FetchRuntime`] clock, timer and randomness.
pub fn client(config: Config) -> Client<FetchClient> {
    Client::new(config, FetchClient::new(), FetchRuntime)
}

/// [`HttpClient`] over the global `fetch`, or over a function of the same shape.
#[derive(Debug, Clone, Default)]
pub struct FetchClient {
    /// What sends the requests in place of the global `fetch`, when one was given.
    send: Option<js_sys::Function>,
    /// Whether `send` is the npm package's own transport (its `larkTransport`, with the
    /// `node-transport` feature): see [`FetchClient::with_fetch`].
    own: bool,
}

impl FetchClient {
    /// A client over the global `fetch`.
    pub fn new() -> Self {
        Self::default()
    }

    /// A client whose requests go through `send` instead of the global `fetch` (which stays
    /// untouched), called as `send(url, init)` the way this crate calls `fetch`: `init` has
    /// `method`, `headers` (`[name, value]` pairs), `body` (a `Uint8Array`, when there is one)
    /// and `signal` (aborted when the call times out or is dropped). It returns a `Response`,
    /// or a promise of one, or of an object with what this crate reads of it: `status`,
    /// `headers` (iterable as `[name, value]` pairs, names lower-case), `arrayBuffer()`
    /// (resolving to an `ArrayBuffer` or a `Uint8Array`) and `body` (`null`, or a stream with
    /// `getReader().read()`). The npm package's Node transport (node:http) comes in this way.
    ///
    /// With the `node-transport` feature, a sender whose `larkTransport` property is `true`
    /// (the npm package's node:http transport) is called the cheaper way: no `signal` (an
    /// `AbortController` costs Node about 50 µs a call), it sets `init.cancel` to a function
    /// that stops the request before it returns, which this crate calls where it would abort
    /// the signal; and a body that is UTF-8 text (every JSON body) comes as a string, not
    /// bytes.
    pub fn with_fetch(send: js_sys::Function) -> Self {
        let own = cfg!(feature = "node-transport")
            && js_sys::Reflect::get(&send, &JsValue::from_str("larkTransport"))
                .is_ok_and(|flag| flag.as_bool() == Some(true));
        Self {
            send: Some(send),
            own,
        }
    }
}

#[wasm_bindgen]
extern "C" {
    /// The global `fetch(url, init)`.
    #[wasm_bindgen(js_name = fetch, catch)]
    fn global_fetch(url: &str, init: &js_sys::Object) -> Result<js_sys::Promise, JsValue>;

    type AbortController;
    #[wasm_bindgen(constructor, catch)]
    fn new() -> Result<AbortController, JsValue>;
    #[wasm_bindgen(method, getter)]
    fn signal(this: &AbortController) -> JsValue;
    #[wasm_bindgen(method)]
    fn abort(this: &AbortController);

    type Response;
    #[wasm_bindgen(method, getter)]
    fn status(this: &Response) -> u16;
    #[wasm_bindgen(method, getter)]
    fn headers(this: &Response) -> JsValue;
    #[wasm_bindgen(method, catch, js_name = arrayBuffer)]
    fn array_buffer(this: &Response) -> Result<js_sys::Promise, JsValue>;
    /// The body as a `ReadableStream`, or `null` when there is none.
    #[wasm_bindgen(method, getter)]
    fn body(this: &Response) -> JsValue;

    type ReadableStream;
    #[wasm_bindgen(method, catch, js_name = getReader)]
    fn get_reader(this: &ReadableStream) -> Result<ReadableStreamReader, JsValue>;

    type ReadableStreamReader;
    /// Resolves to `{ done, value }`, `value` a `Uint8Array` for a fetch body.
    #[wasm_bindgen(method, catch)]
    fn read(this: &ReadableStreamReader) -> Result<js_sys::Promise, JsValue>;

    /// `Array.from(value)`, which throws for what is not iterable.
    #[wasm_bindgen(js_namespace = Array, js_name = from, catch)]
    fn array_from(value: &JsValue) -> Result<js_sys::Array, JsValue>;

    /// `crypto.getRandomValues(dest)`: the slice is copied out and back by the glue.
    #[wasm_bindgen(js_namespace = crypto, js_name = getRandomValues, catch)]
    fn get_random_values(dest: &mut [u8]) -> Result<JsValue, JsValue>;
}

/// A `fetch` failure, with the platform's message (a network error, a CORS refusal and a
/// refused connection all look alike to a page).
#[derive(Debug)]
struct FetchError(String);

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("fetch failed: ")?;
        f.write_str(&self.0)
    }
}

impl std::error::Error for FetchError {}

fn other(message: impl Into<String>) -> HttpError {
    HttpError::new(HttpErrorKind::Other, FetchError(message.into()))
}

/// What a sender given through [`FetchClient::with_fetch`] answered when it is not a `Response`
/// (not an object, headers that are not `[name, value]` pairs, a body that is not bytes).
const NOT_A_RESPONSE: &str = "the answer is not a Response";

/// Sets `target[name] = value`.
fn set(target: &JsValue, name: &str, value: impl Into<JsValue>) {
    let _ = js_sys::Reflect::set(target, &JsValue::from_str(name), &value.into());
}

/// A thrown JavaScript value as text: an `Error`'s message, or the value's own string form.
fn js_error(value: JsValue) -> HttpError {
    let message = match value.dyn_ref::<js_sys::Error>() {
        Some(error) => String::from(error.message()),
        None => value
            .as_string()
            .unwrap_or_else(|| String::from(js_sys::JsString::from(value))),
    };
    other(message)
}

/// Aborts the fetch when the call is dropped before it finished (its timeout fired, or the
/// caller gave up), so no request lingers in the runtime.
struct AbortOnDrop(Option<Abort>);

/// How a fetch in flight is stopped: its signal's controller, or the sender's `init.cancel`.
enum Abort {
    Controller(AbortController),
    Cancel(js_sys::Function),
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        match self.0.take() {
            Some(Abort::Controller(controller)) => controller.abort(),
            Some(Abort::Cancel(cancel)) => {
                let _ = cancel.call0(&JsValue::UNDEFINED);
            }
            None => {}
        }
    }
}

impl HttpClient for FetchClient {
    fn execute(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> BoxFuture<'_, Result<http::Response<Vec<u8>>, HttpError>> {
        Box::pin(send(self, request))
    }

    fn sends_get_bodies(&self) -> bool {
        // fetch refuses a GET or HEAD request with a body.
        false
    }

    fn execute_streaming(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> BoxFuture<'_, Result<http::Response<BodyStream>, HttpError>> {
        Box::pin(send_streaming(self, request))
    }
}

async fn send(
    client: &FetchClient,
    request: http::Request<Vec<u8>>,
) -> Result<http::Response<Vec<u8>>, HttpError> {
    let (response, mut abort, answer) = start(client, request).await?;
    let bytes = JsFuture::from(response.array_buffer().map_err(js_error)?)
        .await
        .map_err(js_error)?;
    // fetch's `ArrayBuffer`, or bytes from a sender given through `FetchClient::with_fetch`.
    let bytes = if let Some(view) = bytes.dyn_ref::<js_sys::Uint8Array>() {
        view.to_vec()
    } else if bytes.is_instance_of::<js_sys::ArrayBuffer>() {
        js_sys::Uint8Array::new(&bytes).to_vec()
    } else {
        return Err(other(NOT_A_RESPONSE));
    };
    // Finished: nothing left to abort.
    abort.0 = None;
    answer
        .body(bytes)
        .map_err(|_| other("the response status is out of range"))
}

/// Sends `request` and hands its body over as the `ReadableStream` delivers it.
async fn send_streaming(
    client: &FetchClient,
    request: http::Request<Vec<u8>>,
) -> Result<http::Response<BodyStream>, HttpError> {
    let (response, abort, answer) = start(client, request).await?;
    let body = response.body();
    let reader = if body.is_null() || body.is_undefined() {
        None
    } else {
        Some(
            body.unchecked_into::<ReadableStream>()
                .get_reader()
                .map_err(js_error)?,
        )
    };
    answer
        .body(Box::new(FetchBody { reader, abort }) as BodyStream)
        .map_err(|_| other("the response status is out of range"))
}

/// A fetch body read from its stream. Dropped before the end, it aborts the fetch.
struct FetchBody {
    reader: Option<ReadableStreamReader>,
    abort: AbortOnDrop,
}

impl ByteStream for FetchBody {
    fn next_chunk(&mut self) -> BoxFuture<'_, Option<Result<Vec<u8>, HttpError>>> {
        Box::pin(async move {
            let promise = match self.reader.as_ref()?.read() {
                Ok(promise) => promise,
                Err(e) => {
                    self.reader = None;
                    return Some(Err(js_error(e)));
                }
            };
            let result = match JsFuture::from(promise).await {
                Ok(result) => result,
                Err(e) => {
                    self.reader = None;
                    return Some(Err(js_error(e)));
                }
            };
            let field = |name: &str| js_sys::Reflect::get(&result, &JsValue::from_str(name));
            let done = field("done").ok().and_then(|v| v.as_bool()).unwrap_or(true);
            if done {
                // Finished: nothing left to abort.
                self.reader = None;
                self.abort.0 = None;
                return None;
            }
            match field("value") {
                Ok(value) if value.is_instance_of::<js_sys::Uint8Array>() => {
                    Some(Ok(value.unchecked_into::<js_sys::Uint8Array>().to_vec()))
                }
                _ => {
                    self.reader = None;
                    Some(Err(other(
                        "the body stream gave something other than bytes",
                    )))
                }
            }
        })
    }
}

/// Headers a request sends as given, with names not known at compile time: put them in
/// [`lark_core::RequestOptions::extension`]. They reach the runtime's `Headers` without an
/// `http::HeaderName`, so the `http` crate's run-time name parser stays out of the build. A
/// name the request already has (the SDK's `Authorization` or `Content-Type`) is not sent
/// again, as with `RequestOptions::header`, where the SDK's value wins too. The runtime checks
/// them: a bad one fails the call.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExtraHeaders(pub Vec<(String, String)>);

/// An answer's headers that are not in its `http::HeaderMap`, as the runtime gave them (names
/// lower-cased), in the response's extensions. Only without the `any-header` feature, which
/// puts every header in the map; without it the map holds those lark-core reads
/// ([`lark_core::response::RESPONSE_HEADERS`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnparsedHeaders(pub Vec<(String, String)>);

/// Sends `request` through `send`, or the global `fetch` when there is none; returns the
/// response once its headers are in, the abort guard of the fetch, and the headers copied into
/// an `http` builder.
async fn start(
    client: &FetchClient,
    request: http::Request<Vec<u8>>,
) -> Result<(Response, AbortOnDrop, http::response::Builder), HttpError> {
    let (parts, body) = request.into_parts();
    let init = js_sys::Object::new();
    set(&init, "method", parts.method.as_str());
    // `[[name, value], ...]` keeps repeated headers.
    let headers = js_sys::Array::new();
    for (name, value) in &parts.headers {
        let value = value
            .to_str()
            .map_err(|_| other("a header value is not visible ASCII"))?;
        headers.push(&js_sys::Array::of2(
            &JsValue::from_str(name.as_str()),
            &JsValue::from_str(value),
        ));
    }
    if let Some(ExtraHeaders(extra)) = parts.extensions.get::<ExtraHeaders>() {
        for (name, value) in extra {
            if parts
                .headers
                .keys()
                .any(|own| own.as_str().eq_ignore_ascii_case(name))
            {
                continue;
            }
            headers.push(&js_sys::Array::of2(
                &JsValue::from_str(name),
                &JsValue::from_str(value),
            ));
        }
    }
    set(&init, "headers", headers);
    let own = cfg!(feature = "node-transport") && client.own;
    if !body.is_empty() {
        // To the package's own transport, text as one string crossing, where bytes are an
        // ArrayBuffer to allocate and collect.
        let text = if own {
            std::str::from_utf8(&body).ok()
        } else {
            None
        };
        match text {
            Some(text) => set(&init, "body", text),
            None => set(&init, "body", js_sys::Uint8Array::from(body.as_slice())),
        }
    }
    // Every runtime this crate targets has AbortController; without one the call still works,
    // it just cannot be cancelled.
    let mut abort = AbortOnDrop(None);
    if !own {
        if let Ok(controller) = AbortController::new() {
            set(&init, "signal", controller.signal());
            abort.0 = Some(Abort::Controller(controller));
        }
    }
    let url = parts.uri.to_string();
    let promise = match &client.send {
        // A plain answer works as well as a promise of one.
        Some(send) => send
            .call2(&JsValue::UNDEFINED, &JsValue::from_str(&url), &init)
            .map(|answer| js_sys::Promise::resolve(&answer)),
        None => global_fetch(&url, &init),
    }
    .map_err(js_error)?;
    if own {
        abort.0 = js_sys::Reflect::get(&init, &JsValue::from_str("cancel"))
            .ok()
            .filter(JsValue::is_function)
            .map(|cancel| Abort::Cancel(cancel.unchecked_into()));
    }
    let response = JsFuture::from(promise).await.map_err(js_error)?;
    // A sender given through `FetchClient::with_fetch` may answer anything: reading a field of
    // what is not an object would throw through the wasm.
    if !response.is_object() {
        return Err(other(NOT_A_RESPONSE));
    }
    let response: Response = response.unchecked_into();
    let mut answer = http::Response::builder().status(response.status());
    let mut unparsed = Vec::new();
    if let Some(map) = answer.headers_mut() {
        // `Headers` is iterable as `[name, value]` pairs (names lower-cased, repeats joined).
        let pairs = array_from(&response.headers()).map_err(|_| other(NOT_A_RESPONSE))?;
        for pair in pairs.iter() {
            if !js_sys::Array::is_array(&pair) {
                continue;
            }
            let pair: js_sys::Array = pair.unchecked_into();
            let (Some(name), Some(value)) = (pair.get(0).as_string(), pair.get(1).as_string())
            else {
                continue;
            };
            let known = lark_core::response::response_header_name(&name);
            #[cfg(feature = "any-header")]
            let known = known.or_else(|| http::HeaderName::try_from(name.as_str()).ok());
            // A header the `http` crate refuses is dropped rather than failing the call: the
            // platform's answers never need one.
            match (known, http::HeaderValue::try_from(value.as_str())) {
                (Some(name), Ok(value)) => {
                    map.append(name, value);
                }
                (None, _) if cfg!(not(feature = "any-header")) => unparsed.push((name, value)),
                _ => {}
            }
        }
    }
    if !unparsed.is_empty() {
        answer = answer.extension(UnparsedHeaders(unparsed));
    }
    Ok((response, abort, answer))
}

/// `Date.now()` as the clock, `setTimeout` as the timer and `crypto.getRandomValues` as the
/// randomness.
///
/// A dropped sleep clears its timer, so a finished call leaves no timer behind to keep Node
/// alive or to bill a Worker for.
#[derive(Debug, Clone, Copy, Default)]
pub struct FetchRuntime;

impl Runtime for FetchRuntime {
    fn now_millis(&self) -> u64 {
        // Date.now() is a whole number of milliseconds well inside f64's exact range.
        let now = js_sys::Date::now();
        if now.is_finite() && now > 0.0 {
            now as u64
        } else {
            0
        }
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        // setTimeout takes an i32 of milliseconds; longer waits are chained.
        let mut left = u64::try_from(duration.as_millis()).unwrap_or(u64::MAX);
        Box::pin(async move {
            loop {
                let step = left.min(i32::MAX as u64);
                gloo_timers::future::TimeoutFuture::new(step as u32).await;
                left -= step;
                if left == 0 {
                    break;
                }
            }
        })
    }

    fn fill_random(&self, dest: &mut [u8]) -> Result<(), RandomError> {
        // Small requests (an idempotency key a call) come from a pool filled 4,096 bytes at a
        // time: a `getRandomValues` crossing costs more than the bytes. Each byte is handed
        // out once, and zeroed in the pool.
        if dest.len() <= RANDOM_POOL / 4 {
            return RANDOM.with(|pool| {
                let (bytes, used) = &mut *pool.borrow_mut();
                if RANDOM_POOL - *used < dest.len() {
                    // Marked empty first, so a failed fill hands nothing out.
                    *used = RANDOM_POOL;
                    get_random_values(bytes).map_err(|e| RandomError::new(js_error(e)))?;
                    *used = 0;
                }
                let end = *used + dest.len();
                dest.copy_from_slice(&bytes[*used..end]);
                bytes[*used..end].fill(0);
                *used = end;
                Ok(())
            });
        }
        // getRandomValues takes at most 65,536 bytes a call.
        for chunk in dest.chunks_mut(65_536) {
            get_random_values(chunk).map_err(|e| RandomError::new(js_error(e)))?;
        }
        Ok(())
    }
}

/// The size of the pool of random bytes small requests are served from.
const RANDOM_POOL: usize = 4096;

thread_local! {
    /// Random bytes from `crypto.getRandomValues`, and how many of them were handed out.
    static RANDOM: std::cell::RefCell<([u8; RANDOM_POOL], usize)> =
        const { std::cell::RefCell::new(([0; RANDOM_POOL], RANDOM_POOL)) };
}
