//! A native backend for `lark-core`: reqwest over rustls, tokio's timer, the system clock and
//! the operating system's randomness.
//!
//! Native only: it sleeps on tokio and reads `SystemTime`, which panics on
//! `wasm32-unknown-unknown`. In browsers, extensions and Workers use `lark-fetch`.
//!
//! ```no_run
//! # async fn run() -> lark_core::Result<()> {
//! let client = lark_reqwest::client(lark_core::Config::new("cli_xxx", "secret"));
//! let chat = client
//!     .raw(http::Method::GET, "/open-apis/im/v1/chats/oc_xxx")
//!     .send()
//!     .await?;
//! # Ok(()) }
//! ```

#[cfg(target_arch = "wasm32")]
compile_error!("lark-reqwest is native-only (tokio, the system clock): on wasm32 use lark-fetch");

#[cfg(all(feature = "loopback", not(target_arch = "wasm32")))]
pub mod loopback;
#[cfg(feature = "ws")]
pub mod ws;

use std::time::Duration;

use lark_core::{
    BodyStream, BoxFuture, ByteStream, Client, Config, HttpClient, HttpError, HttpErrorKind,
    RandomError, Runtime,
};

/// A client over [`ReqwestClient`].
pub fn client(config: Config) -> Client<ReqwestClient> {
    Client::new(config, ReqwestClient::new(), SystemRuntime)
}

/// [`HttpClient`] over a `reqwest::Client`.
#[derive(Debug, Clone)]
pub struct ReqwestClient {
    inner: reqwest::Client,
}

impl Default for ReqwestClient {
    fn default() -> Self {
        Self::new()
    }
}

impl ReqwestClient {
    /// A client with rustls and reqwest's defaults.
    pub fn new() -> Self {
        Self {
            inner: reqwest::Client::new(),
        }
    }

    /// Wraps a configured `reqwest::Client` (proxies, pools, timeouts).
    pub fn from_reqwest(inner: reqwest::Client) -> Self {
        Self { inner }
    }

    /// The `reqwest::Client` inside.
    pub fn reqwest(&self) -> &reqwest::Client {
        &self.inner
    }

    /// Sends `request` and returns the answer's status, version and headers as a response
    /// builder, with the body still unread in the reqwest response.
    async fn exchange(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<(http::response::Builder, reqwest::Response), HttpError> {
        // One URL parse (reqwest's); headers, body and extensions move.
        let request =
            reqwest::Request::try_from(request.map(reqwest::Body::from)).map_err(classify)?;
        let mut response = self.inner.execute(request).await.map_err(classify)?;
        // The headers move over; only the body is left to read.
        let mut builder = http::Response::builder()
            .status(response.status())
            .version(response.version());
        if let Some(headers) = builder.headers_mut() {
            *headers = std::mem::take(response.headers_mut());
        }
        Ok((builder, response))
    }
}

/// A reqwest error as an [`HttpError`], without its URL.
///
/// reqwest's errors carry the request's URL and print it (`error sending request for url
/// (…)`, `url: Some(…)` in `Debug`), and some URLs are credentials: a custom-bot webhook's
/// path is its token. The URL is dropped before the error goes anywhere it may be logged.
fn classify(error: reqwest::Error) -> HttpError {
    let kind = if error.is_timeout() {
        HttpErrorKind::Timeout
    } else if error.is_connect() {
        HttpErrorKind::Connect
    } else {
        HttpErrorKind::Other
    };
    HttpError::new(kind, error.without_url())
}

impl HttpClient for ReqwestClient {
    fn execute(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> BoxFuture<'_, Result<http::Response<Vec<u8>>, HttpError>> {
        Box::pin(async move {
            let (builder, response) = self.exchange(request).await?;
            let body = response.bytes().await.map_err(classify)?;
            builder
                .body(Vec::from(body))
                .map_err(|e| HttpError::new(HttpErrorKind::Other, e))
        })
    }

    fn execute_streaming(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> BoxFuture<'_, Result<http::Response<BodyStream>, HttpError>> {
        Box::pin(async move {
            let (builder, response) = self.exchange(request).await?;
            builder
                .body(Box::new(ReqwestBody(response)) as BodyStream)
                .map_err(|e| HttpError::new(HttpErrorKind::Other, e))
        })
    }
}

/// A reqwest response's body, read as it arrives.
struct ReqwestBody(reqwest::Response);

impl ByteStream for ReqwestBody {
    fn next_chunk(&mut self) -> BoxFuture<'_, Option<Result<Vec<u8>, HttpError>>> {
        Box::pin(async move {
            match self.0.chunk().await {
                Ok(Some(chunk)) => Some(Ok(Vec::from(chunk))),
                Ok(None) => None,
                Err(error) => Some(Err(classify(error))),
            }
        })
    }
}

/// The system clock, tokio's timer and the operating system's randomness.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemRuntime;

impl Runtime for SystemRuntime {
    fn now_millis(&self) -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        Box::pin(tokio::time::sleep(duration))
    }

    fn fill_random(&self, dest: &mut [u8]) -> Result<(), RandomError> {
        getrandom::fill(dest).map_err(|e| RandomError::new(e.to_string()))
    }
}
