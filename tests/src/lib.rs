//! Integration tests of the SDK against lark-mock, and shared helpers for them.
//!
//! Everything talks to a [`MockServer`] on 127.0.0.1 through the real reqwest backend.

pub mod fault_suite;

use std::sync::Arc;
use std::time::Duration;

use lark_core::{BoxFuture, Client, Config, HttpClient, HttpError};
use lark_mock::MockServer;
use lark_reqwest::{ReqwestClient, SystemRuntime};

/// A mock server with the default settings.
pub async fn mock() -> MockServer {
    MockServer::start().await.expect("bind 127.0.0.1")
}

/// The configuration of the mock's default self-built app, pointed at `mock`.
pub fn config(mock: &MockServer) -> Config {
    Config::new(MockServer::APP_ID, MockServer::APP_SECRET).base_url(mock.base_url())
}

/// The SDK over reqwest for the mock's default app.
pub fn client(mock: &MockServer) -> Client<ReqwestClient> {
    lark_reqwest::client(config(mock))
}

/// The SDK over reqwest for `config`.
pub fn client_with(config: Config) -> Client<ReqwestClient> {
    lark_reqwest::client(config)
}

/// An [`HttpClient`] that lets at most N exchanges run at once, so load tests stay within the
/// machine's file-descriptor limit whatever their concurrency.
#[derive(Debug, Clone)]
pub struct Limited<H> {
    inner: H,
    permits: Arc<tokio::sync::Semaphore>,
}

impl<H> Limited<H> {
    /// Wraps `inner`, allowing `max` exchanges at once.
    pub fn new(inner: H, max: usize) -> Self {
        Self {
            inner,
            permits: Arc::new(tokio::sync::Semaphore::new(max)),
        }
    }
}

impl<H: HttpClient> HttpClient for Limited<H> {
    fn execute(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> BoxFuture<'_, Result<http::Response<Vec<u8>>, HttpError>> {
        Box::pin(async move {
            let _permit = self
                .permits
                .acquire()
                .await
                .map_err(|e| HttpError::new(lark_core::HttpErrorKind::Other, e.to_string()))?;
            self.inner.execute(request).await
        })
    }
}

/// The SDK for `mock` with at most `max` exchanges in flight.
pub fn limited_client(mock: &MockServer, max: usize) -> Client<Limited<ReqwestClient>> {
    Client::new(
        config(mock),
        Limited::new(ReqwestClient::new(), max),
        SystemRuntime,
    )
}

/// Runs `future`, failing the test if it takes longer than `limit` (every test is bounded).
pub async fn within<F: std::future::Future>(limit: Duration, future: F) -> F::Output {
    tokio::time::timeout(limit, future)
        .await
        .expect("the test took too long")
}

/// A text message content for `text`.
pub fn text(text: &str) -> String {
    serde_json::json!({ "text": text }).to_string()
}
