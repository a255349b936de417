//! The package's `fetch` backend: the same job as `lark_fetch::FetchClient`, bound straight to
//! the global `fetch`, `Headers`, `Response` and `AbortController` instead of going through
//! gloo-net and web-sys, which keeps about 2 KB gzip of glue and wrappers out of every build.
//!
//! `lark-fetch` stays the backend for Rust users on wasm32 and its tests; this one is only for
//! the npm package, whose tests run it in Node, Chromium, workerd and an MV3 extension.

use lark_core::{BoxFuture, HttpClient, HttpError, HttpErrorKind};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::error::set;

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
}

/// [`HttpClient`] over the global `fetch`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct JsFetch;

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
struct AbortOnDrop(Option<AbortController>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(controller) = self.0.take() {
            controller.abort();
        }
    }
}

impl HttpClient for JsFetch {
    fn execute(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> BoxFuture<'_, Result<http::Response<Vec<u8>>, HttpError>> {
        Box::pin(send(request))
    }
}

async fn send(request: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, HttpError> {
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
    set(&init, "headers", headers);
    if !body.is_empty() {
        set(&init, "body", js_sys::Uint8Array::from(body.as_slice()));
    }
    // Every runtime the package targets has AbortController; without one the call still works,
    // it just cannot be cancelled.
    let mut abort = AbortOnDrop(AbortController::new().ok());
    if let Some(controller) = &abort.0 {
        set(&init, "signal", controller.signal());
    }
    let promise = global_fetch(&parts.uri.to_string(), &init).map_err(js_error)?;
    let response: Response = JsFuture::from(promise)
        .await
        .map_err(js_error)?
        .unchecked_into();
    let mut answer = http::Response::builder().status(response.status());
    if let Some(map) = answer.headers_mut() {
        // `Headers` is iterable as `[name, value]` pairs (names lower-cased, repeats joined).
        for pair in js_sys::Array::from(&response.headers()).iter() {
            let pair: js_sys::Array = pair.unchecked_into();
            let (Some(name), Some(value)) = (pair.get(0).as_string(), pair.get(1).as_string())
            else {
                continue;
            };
            // A header the `http` crate refuses is dropped rather than failing the call: the
            // platform's answers never need one.
            if let (Ok(name), Ok(value)) = (
                http::HeaderName::try_from(name),
                http::HeaderValue::try_from(value),
            ) {
                map.append(name, value);
            }
        }
    }
    let bytes = JsFuture::from(response.array_buffer().map_err(js_error)?)
        .await
        .map_err(js_error)?;
    let bytes = js_sys::Uint8Array::new(&bytes).to_vec();
    // Finished: nothing left to abort.
    abort.0 = None;
    answer
        .body(bytes)
        .map_err(|_| other("the response status is out of range"))
}
