//! What the core needs from the outside world: an HTTP exchange, a clock and a timer.
//!
//! The core owns none of them. `lark-reqwest` provides them natively, `lark-fetch` in the
//! browser and in Workers, and a closure is enough for tests.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// `Send` off wasm32, nothing on wasm32, where futures hold `JsValue`s and are never `Send`.
#[cfg(not(target_arch = "wasm32"))]
pub trait MaybeSend: Send {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Send + ?Sized> MaybeSend for T {}

/// `Send` off wasm32, nothing on wasm32, where futures hold `JsValue`s and are never `Send`.
#[cfg(target_arch = "wasm32")]
pub trait MaybeSend {}
#[cfg(target_arch = "wasm32")]
impl<T: ?Sized> MaybeSend for T {}

/// `Sync` off wasm32, nothing on wasm32.
#[cfg(not(target_arch = "wasm32"))]
pub trait MaybeSync: Sync {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Sync + ?Sized> MaybeSync for T {}

/// `Sync` off wasm32, nothing on wasm32.
#[cfg(target_arch = "wasm32")]
pub trait MaybeSync {}
#[cfg(target_arch = "wasm32")]
impl<T: ?Sized> MaybeSync for T {}

/// A boxed future that is `Send` wherever futures can be.
#[cfg(not(target_arch = "wasm32"))]
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;
/// A boxed future that is `Send` wherever futures can be.
#[cfg(target_arch = "wasm32")]
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;

/// The error of one HTTP exchange, as a backend reports it.
#[derive(Debug)]
pub struct HttpError {
    kind: HttpErrorKind,
    source: Box<dyn std::error::Error + Send + Sync>,
}

/// What went wrong in an HTTP exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum HttpErrorKind {
    /// No connection could be made: the request never reached the server.
    Connect,
    /// The backend's own timeout fired.
    Timeout,
    /// Anything else: the request may or may not have reached the server.
    Other,
}

impl HttpError {
    /// A new error of `kind`.
    pub fn new(
        kind: HttpErrorKind,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self {
            kind,
            source: source.into(),
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> HttpErrorKind {
        self.kind
    }

    /// The backend's own error.
    pub fn into_source(self) -> Box<dyn std::error::Error + Send + Sync> {
        self.source
    }
}

impl fmt::Display for HttpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.source, f)
    }
}

impl std::error::Error for HttpError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.source)
    }
}

/// Sends one HTTP request and returns its response, whatever the status.
///
/// A closure `Fn(http::Request<Vec<u8>>) -> impl Future<Output = Result<http::Response<Vec<u8>>, HttpError>>`
/// implements it, which is how tests stand in for the network.
pub trait HttpClient: MaybeSend + MaybeSync {
    /// Sends `request`.
    fn execute(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> BoxFuture<'_, Result<http::Response<Vec<u8>>, HttpError>>;
}

impl<F, Fut> HttpClient for F
where
    F: Fn(http::Request<Vec<u8>>) -> Fut + MaybeSend + MaybeSync,
    Fut: Future<Output = Result<http::Response<Vec<u8>>, HttpError>> + MaybeSend + 'static,
{
    fn execute(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> BoxFuture<'_, Result<http::Response<Vec<u8>>, HttpError>> {
        Box::pin(self(request))
    }
}

impl<T: HttpClient + ?Sized> HttpClient for std::sync::Arc<T> {
    fn execute(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> BoxFuture<'_, Result<http::Response<Vec<u8>>, HttpError>> {
        (**self).execute(request)
    }
}

/// A clock and a timer, which the core cannot own: `SystemTime::now()` panics on wasm32.
pub trait Runtime: MaybeSend + MaybeSync {
    /// Milliseconds since the Unix epoch.
    fn now_millis(&self) -> u64;

    /// Completes after `duration`.
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()>;

    /// 64 random bits, for backoff jitter and idempotency keys.
    ///
    /// The default mixes the clock, a process-wide counter and std's per-process hash keys
    /// (random natively; fixed on wasm32, where backends should override it with the host's
    /// `crypto.getRandomValues`).
    fn random_u64(&self) -> u64 {
        use std::hash::{BuildHasher, Hasher};
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u64(self.now_millis());
        hasher.write_u64(COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed));
        hasher.finish()
    }
}

impl<T: Runtime + ?Sized> Runtime for std::sync::Arc<T> {
    fn now_millis(&self) -> u64 {
        (**self).now_millis()
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        (**self).sleep(duration)
    }

    fn random_u64(&self) -> u64 {
        (**self).random_u64()
    }
}

/// Virtual time for tests: the clock moves only when told to or when something sleeps, and a
/// sleep completes at once after moving the clock forward by its duration.
///
/// Backoff waits thus cost no real time, and tokens expire when the test says so. A timeout
/// races a request that is still pending and wins at once, so use it with backends that answer
/// without waiting (closures), not with real sockets.
#[derive(Debug, Default, Clone)]
pub struct ManualClock {
    now: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl ManualClock {
    /// A clock that reads `now_millis`.
    pub fn new(now_millis: u64) -> Self {
        Self {
            now: std::sync::Arc::new(std::sync::atomic::AtomicU64::new(now_millis)),
        }
    }

    /// Sets the time.
    pub fn set(&self, now_millis: u64) {
        self.now
            .store(now_millis, std::sync::atomic::Ordering::SeqCst);
    }

    /// Moves the time forward.
    pub fn advance(&self, by: Duration) {
        advance(&self.now, by);
    }
}

fn advance(now: &std::sync::atomic::AtomicU64, by: Duration) {
    let by = u64::try_from(by.as_millis()).unwrap_or(u64::MAX);
    now.fetch_add(by, std::sync::atomic::Ordering::SeqCst);
}

impl Runtime for ManualClock {
    fn now_millis(&self) -> u64 {
        self.now.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        // The clock moves when the sleep is first polled, not when it is made: a timeout that
        // loses its race to an answer never moves it.
        let now = std::sync::Arc::clone(&self.now);
        Box::pin(async move { advance(&now, duration) })
    }
}
