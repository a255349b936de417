//! What the core needs from the outside world: an HTTP exchange, a clock, a timer and
//! randomness.
//!
//! The core owns none of them. `lark-reqwest` provides them natively, `lark-fetch` in the
//! browser and in Workers, and a closure (with a [`ManualClock`]) is enough for tests.

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

    /// Whether a GET request may carry a body. `fetch` refuses one, so the client turns such a
    /// call into a clear [`Error::Build`](crate::Error::Build) before it is sent.
    fn sends_get_bodies(&self) -> bool {
        true
    }

    /// Sends `request` and returns its response as soon as the headers are in, the body read
    /// chunk by chunk (downloads stream through this).
    ///
    /// The default sends with [`HttpClient::execute`] and hands the whole body over as one
    /// chunk, so every backend (closures included) works; backends that can stream override it.
    fn execute_streaming(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> BoxFuture<'_, Result<http::Response<BodyStream>, HttpError>> {
        let sending = self.execute(request);
        Box::pin(async move {
            let response = sending.await?;
            Ok(response.map(|body| Box::new(OneChunk(Some(body))) as BodyStream))
        })
    }
}

/// A response body read chunk by chunk.
pub trait ByteStream: MaybeSend {
    /// The next chunk; `None` once the body is over. Chunks may be of any length, empty ones
    /// included.
    fn next_chunk(&mut self) -> BoxFuture<'_, Option<Result<Vec<u8>, HttpError>>>;
}

/// A boxed [`ByteStream`].
pub type BodyStream = Box<dyn ByteStream>;

/// A body already read whole, handed over as one chunk.
struct OneChunk(Option<Vec<u8>>);

impl ByteStream for OneChunk {
    fn next_chunk(&mut self) -> BoxFuture<'_, Option<Result<Vec<u8>, HttpError>>> {
        let chunk = self.0.take().filter(|body| !body.is_empty()).map(Ok);
        Box::pin(std::future::ready(chunk))
    }
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

    fn sends_get_bodies(&self) -> bool {
        (**self).sends_get_bodies()
    }

    fn execute_streaming(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> BoxFuture<'_, Result<http::Response<BodyStream>, HttpError>> {
        (**self).execute_streaming(request)
    }
}

/// Randomness the platform could not give.
#[derive(Debug)]
pub struct RandomError {
    source: Box<dyn std::error::Error + Send + Sync>,
}

impl RandomError {
    /// Wraps the platform's own error.
    pub fn new(source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self {
            source: source.into(),
        }
    }
}

impl fmt::Display for RandomError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no randomness from the platform: {}", self.source)
    }
}

impl std::error::Error for RandomError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&*self.source)
    }
}

/// A clock, a timer and randomness, which the core cannot own: `SystemTime::now()` panics on
/// wasm32, and randomness must come from the platform.
pub trait Runtime: MaybeSend + MaybeSync {
    /// Milliseconds since the Unix epoch.
    fn now_millis(&self) -> u64;

    /// Completes after `duration`.
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()>;

    /// Fills `dest` with unpredictable bytes from the platform: the OS natively,
    /// `crypto.getRandomValues` on wasm32. Idempotency keys and backoff jitter come from here.
    ///
    /// Never derive them from the clock: two Worker isolates see the same frozen `Date.now()`
    /// during a request, and equal idempotency keys make the platform drop one caller's call
    /// while answering both with success.
    fn fill_random(&self, dest: &mut [u8]) -> Result<(), RandomError>;
}

impl<T: Runtime + ?Sized> Runtime for std::sync::Arc<T> {
    fn now_millis(&self) -> u64 {
        (**self).now_millis()
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        (**self).sleep(duration)
    }

    fn fill_random(&self, dest: &mut [u8]) -> Result<(), RandomError> {
        (**self).fill_random(dest)
    }
}

/// 64 random bits from `runtime`.
pub(crate) fn random_u64(runtime: &dyn Runtime) -> Result<u64, RandomError> {
    let mut bytes = [0; 8];
    runtime.fill_random(&mut bytes)?;
    Ok(u64::from_le_bytes(bytes))
}

/// Virtual time for tests: the clock moves only when told to or when something sleeps, and a
/// sleep completes at once after moving the clock forward by its duration.
///
/// Backoff waits thus cost no real time, and tokens expire when the test says so. A timeout
/// races a request that is still pending and wins at once, so use it with backends that answer
/// without waiting (closures), not with real sockets.
///
/// Its randomness is a fixed pseudo-random sequence (SplitMix64), shared by clones, so tests
/// replay exactly; two clocks made apart give the SAME sequence. Where that matters (two
/// clients standing for two processes), take real randomness from a backend's runtime with
/// [`ManualClock::with_random`].
#[derive(Clone, Default)]
pub struct ManualClock {
    now: std::sync::Arc<std::sync::atomic::AtomicU64>,
    random: Randomness,
}

#[derive(Clone)]
enum Randomness {
    /// The state of a SplitMix64 sequence.
    Sequence(std::sync::Arc<std::sync::atomic::AtomicU64>),
    /// Another runtime's randomness.
    From(std::sync::Arc<dyn Runtime>),
}

impl Default for Randomness {
    fn default() -> Self {
        Self::Sequence(std::sync::Arc::default())
    }
}

impl fmt::Debug for ManualClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let random = match self.random {
            Randomness::Sequence(_) => "sequence",
            Randomness::From(_) => "runtime",
        };
        f.debug_struct("ManualClock")
            .field("now", &self.now)
            .field("random", &random)
            .finish()
    }
}

impl ManualClock {
    /// A clock that reads `now_millis`.
    pub fn new(now_millis: u64) -> Self {
        Self {
            now: std::sync::Arc::new(std::sync::atomic::AtomicU64::new(now_millis)),
            random: Randomness::default(),
        }
    }

    /// This clock, with `runtime`'s randomness instead of the fixed sequence (e.g.
    /// `lark_reqwest::SystemRuntime` or `lark_fetch::FetchRuntime`).
    #[must_use]
    pub fn with_random(mut self, runtime: impl Runtime + 'static) -> Self {
        self.random = Randomness::From(std::sync::Arc::new(runtime));
        self
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

/// The next value of the SplitMix64 sequence whose state is `state`.
fn splitmix64(state: &std::sync::atomic::AtomicU64) -> u64 {
    const GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut z = state
        .fetch_add(GAMMA, std::sync::atomic::Ordering::Relaxed)
        .wrapping_add(GAMMA);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
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

    fn fill_random(&self, dest: &mut [u8]) -> Result<(), RandomError> {
        match &self.random {
            Randomness::Sequence(state) => {
                for chunk in dest.chunks_mut(8) {
                    let bytes = splitmix64(state).to_le_bytes();
                    chunk.copy_from_slice(&bytes[..chunk.len()]);
                }
                Ok(())
            }
            Randomness::From(runtime) => runtime.fill_random(dest),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_manual_sequence_is_shared_by_clones_and_replays_in_a_new_clock() {
        let clock = ManualClock::new(0);
        let clone = clock.clone();
        let a = random_u64(&clock).unwrap();
        let b = random_u64(&clone).unwrap();
        assert_ne!(a, b);
        let fresh = ManualClock::new(0);
        assert_eq!(random_u64(&fresh).unwrap(), a);
        assert_eq!(random_u64(&fresh).unwrap(), b);
    }

    #[test]
    fn fill_random_fills_every_byte_of_an_odd_length() {
        let clock = ManualClock::new(0);
        let mut bytes = [0u8; 13];
        clock.fill_random(&mut bytes).unwrap();
        // SplitMix64 of the first states has no zero byte in its tail.
        assert_ne!(bytes[8..], [0; 5]);
    }
}
