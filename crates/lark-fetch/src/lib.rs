//! A wasm32 backend for `lark-core`: the platform's `fetch`, `Date.now()` and `setTimeout`.
//!
//! It runs wherever a global `fetch` exists: browsers, MV3 extension service workers,
//! Cloudflare Workers (workerd, no Node compatibility needed) and Node 18+. On every other
//! target this crate is empty, so a native `cargo build --workspace` still passes.
//!
//! The sketch below is not a doctest because doctests run natively, where this crate is empty;
//! the same calls are compiled and run on wasm32 by `tests/node.rs` and `tests/browser.rs`.
//!
//! ```ignore
//! # async fn run() -> lark_core::Result<()> {
//! let client = lark_fetch::client(lark_core::Config::new("cli_xxx", "secret"));
//! let message = client
//!     .send(&lark_core::api::message::GetMessage::new("om_xxx"))
//!     .await?;
//! # Ok(()) }
//! ```
#![cfg(target_arch = "wasm32")]

use std::time::Duration;

use lark_core::{BoxFuture, Client, Config, HttpClient, HttpError, HttpErrorKind, Runtime};

/// A client over [`FetchClient`] with the [`FetchRuntime`] clock and timer.
pub fn client(config: Config) -> Client<FetchClient> {
    Client::new(config, FetchClient::new(), FetchRuntime)
}

/// [`HttpClient`] over the global `fetch`.
#[derive(Debug, Clone, Copy, Default)]
pub struct FetchClient {
    _private: (),
}

impl FetchClient {
    /// A client over the global `fetch`.
    pub fn new() -> Self {
        Self::default()
    }
}

/// A `fetch` failure. The message is all the platform tells: a network error, a CORS refusal
/// and a refused connection all look alike to a page.
#[derive(Debug)]
struct FetchError(String);

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "fetch failed: {}", self.0)
    }
}

impl std::error::Error for FetchError {}

fn fetch_error(error: gloo_net::Error) -> HttpError {
    HttpError::new(HttpErrorKind::Other, FetchError(error.to_string()))
}

impl HttpClient for FetchClient {
    fn execute(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> BoxFuture<'_, Result<http::Response<Vec<u8>>, HttpError>> {
        Box::pin(send(request))
    }
}

/// Aborts the fetch when the call is dropped before it finished (its timeout fired, or the
/// caller gave up), so no request lingers in the runtime.
struct AbortOnDrop(Option<web_sys::AbortController>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(controller) = self.0.take() {
            controller.abort();
        }
    }
}

async fn send(request: http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, HttpError> {
    let (parts, body) = request.into_parts();
    // Every runtime this crate targets has AbortController; without one the call still works,
    // it just cannot be cancelled.
    let mut abort = AbortOnDrop(web_sys::AbortController::new().ok());
    let signal = abort.0.as_ref().map(web_sys::AbortController::signal);
    let method = gloo_net::http::Method::from_bytes(parts.method.as_str().as_bytes())
        .map_err(|e| HttpError::new(HttpErrorKind::Other, FetchError(e.to_string())))?;
    let headers = gloo_net::http::Headers::new();
    for (name, value) in &parts.headers {
        let value = value.to_str().map_err(|_| {
            HttpError::new(
                HttpErrorKind::Other,
                FetchError(format!("the header `{name}` is not visible ASCII")),
            )
        })?;
        headers.append(name.as_str(), value);
    }
    let builder = gloo_net::http::RequestBuilder::new(&parts.uri.to_string())
        .method(method)
        .headers(headers)
        .abort_signal(signal.as_ref());
    let request = if body.is_empty() {
        builder.build()
    } else {
        builder.body(js_sys::Uint8Array::from(body.as_slice()))
    }
    .map_err(fetch_error)?;
    let response = request.send().await.map_err(fetch_error)?;
    let mut answer = http::Response::builder().status(response.status());
    if let Some(map) = answer.headers_mut() {
        for (name, value) in response.headers().entries() {
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
    let bytes = response.binary().await.map_err(fetch_error)?;
    // Finished: nothing left to abort.
    abort.0 = None;
    answer
        .body(bytes)
        .map_err(|e| HttpError::new(HttpErrorKind::Other, FetchError(e.to_string())))
}

/// `Date.now()` as the clock and `setTimeout` as the timer.
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
}
