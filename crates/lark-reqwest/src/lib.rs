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

    /// Sends `request` and returns the answer with its status, version and headers, and the
    /// body still to read in the reqwest response.
    async fn exchange(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<(http::Response<()>, reqwest::Response), HttpError> {
        let request = convert(request)?;
        let mut response = self.inner.execute(request).await.map_err(classify)?;
        // The headers move over; only the body is left to read.
        let mut answer = http::Response::new(());
        *answer.status_mut() = response.status();
        *answer.version_mut() = response.version();
        *answer.headers_mut() = std::mem::take(response.headers_mut());
        Ok((answer, response))
    }
}

/// `request` as a reqwest request: one URL parse (reqwest's own builder makes one too); the
/// method, headers, body and extensions move.
fn convert(request: http::Request<Vec<u8>>) -> Result<reqwest::Request, HttpError> {
    if !request.extensions().is_empty() {
        // Only reqwest's own conversion carries extensions over.
        return reqwest::Request::try_from(request.map(reqwest::Body::from)).map_err(classify);
    }
    let (parts, body) = request.into_parts();
    // The URL's text put together directly, without the formatting machinery of
    // `Uri::to_string` (which reqwest's conversion uses).
    let uri = &parts.uri;
    let (scheme, authority) = match (uri.scheme_str(), uri.authority()) {
        (Some(scheme), Some(authority)) => (scheme, authority.as_str()),
        _ => {
            return Err(HttpError::new(
                HttpErrorKind::Other,
                "the request URI is not absolute",
            ));
        }
    };
    let rest = uri.path_and_query().map_or("/", |p| p.as_str());
    let mut text = String::with_capacity(scheme.len() + 3 + authority.len() + rest.len());
    text.push_str(scheme);
    text.push_str("://");
    text.push_str(authority);
    text.push_str(rest);
    let url = reqwest::Url::parse(&text).map_err(|e| HttpError::new(HttpErrorKind::Other, e))?;
    let mut converted = reqwest::Request::new(parts.method, url);
    *converted.headers_mut() = parts.headers;
    *converted.version_mut() = parts.version;
    *converted.body_mut() = Some(reqwest::Body::from(body));
    Ok(converted)
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
            let (answer, response) = self.exchange(request).await?;
            let body = response.bytes().await.map_err(classify)?;
            Ok(answer.map(|()| Vec::from(body)))
        })
    }

    fn execute_streaming(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> BoxFuture<'_, Result<http::Response<BodyStream>, HttpError>> {
        Box::pin(async move {
            let (answer, response) = self.exchange(request).await?;
            Ok(answer.map(|()| Box::new(ReqwestBody(response)) as BodyStream))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn request(uri: &str) -> http::Request<Vec<u8>> {
        http::Request::post(uri)
            .header("authorization", "Bearer t-1")
            .body(b"{}".to_vec())
            .unwrap()
    }

    #[test]
    fn conversion_keeps_the_url_method_headers_and_body() {
        let uri = "https://open.feishu.cn:8443/open-apis/im/v1/messages/om%2F1?receive_id_type=chat_id&a=b%20c";
        for mut request in [request(uri), {
            // With extensions the conversion is reqwest's own: the same result.
            let mut r = request(uri);
            r.extensions_mut().insert(7u8);
            r
        }] {
            request.headers_mut().append("x-two", "1".parse().unwrap());
            request.headers_mut().append("x-two", "2".parse().unwrap());
            let converted = convert(request).unwrap();
            assert_eq!(converted.url().as_str(), uri);
            assert_eq!(converted.method(), http::Method::POST);
            assert_eq!(converted.headers()["authorization"], "Bearer t-1");
            assert_eq!(converted.headers().get_all("x-two").iter().count(), 2);
            assert_eq!(
                converted.body().and_then(|b| b.as_bytes()),
                Some(&b"{}"[..])
            );
        }
        let converted = convert(request("http://127.0.0.1:9")).unwrap();
        assert_eq!(converted.url().as_str(), "http://127.0.0.1:9/");
    }

    #[test]
    fn a_relative_uri_is_an_error() {
        let error = convert(request("/open-apis/im/v1/messages")).unwrap_err();
        assert_eq!(error.kind(), HttpErrorKind::Other);
    }
}
