//! What the client tells [`tracing`](https://docs.rs/tracing) (feature `tracing`): a `lark.call`
//! span per call (the official name, method and path template) with a `lark.attempt` child per
//! attempt (its number, HTTP status, Lark code, log id and time, and the retry decision with its
//! reason and delay), and events for managed tokens (fetched, evicted, waiting on another
//! process's refresh) and for the event dispatcher. Never a secret, a token, a signature or a
//! body: fields are names, numbers, codes and ids.
//!
//! Without the feature every function here is empty and the macro expands to nothing, so the
//! npm package's wasm builds carry none of it.

use crate::endpoint::Named;
use crate::error::Error;

/// An event at `level` with `fields` and a message (`tracing::event!`'s syntax); nothing
/// without the feature.
macro_rules! event {
    ($($arg:tt)*) => {
        #[cfg(feature = "tracing")]
        {
            tracing::event!($($arg)*);
        }
    };
}
pub(crate) use event;

/// The span of one call, entered around its retry loop.
#[cfg(feature = "tracing")]
pub(crate) type CallSpan = tracing::Span;
/// Nothing without the feature.
#[cfg(not(feature = "tracing"))]
#[derive(Clone, Copy)]
pub(crate) struct CallSpan;

/// The span of one call (`lark.call`): its official name, method and path template. A
/// download's span carries its endpoint's names too.
pub(crate) fn call_span(named: Named, method: &http::Method) -> CallSpan {
    #[cfg(feature = "tracing")]
    {
        tracing::info_span!(
            "lark.call",
            service = named.service,
            endpoint = named.endpoint,
            method = method.as_str(),
            path = named.path,
            attempts = tracing::field::Empty,
            code = tracing::field::Empty,
            log_id = tracing::field::Empty,
        )
    }
    #[cfg(not(feature = "tracing"))]
    {
        let _ = (named, method);
        CallSpan
    }
}

/// The span of attempt `number` (`lark.attempt`), a child of the current call's.
pub(crate) fn attempt_span(number: u32) -> CallSpan {
    #[cfg(feature = "tracing")]
    {
        tracing::debug_span!(
            "lark.attempt",
            attempt = number,
            status = tracing::field::Empty,
            code = tracing::field::Empty,
            log_id = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
        )
    }
    #[cfg(not(feature = "tracing"))]
    {
        let _ = number;
        CallSpan
    }
}

/// Records what came back on the current attempt's span: the HTTP status and log id.
#[cfg(feature = "tracing")]
pub(crate) fn answered(status: u16, log_id: Option<&str>) {
    let span = tracing::Span::current();
    span.record("status", status);
    if let Some(log_id) = log_id {
        span.record("log_id", log_id);
    }
}

/// Records a failed attempt's outcome on `span` (its status, code and log id) and its time.
pub(crate) fn attempt_failed(span: &CallSpan, error: &Error, elapsed_ms: u64) {
    #[cfg(feature = "tracing")]
    {
        if let Some(status) = error.http_status() {
            span.record("status", status);
        }
        if let Some(code) = error.code() {
            span.record("code", code);
        }
        if let Some(log_id) = error.log_id() {
            span.record("log_id", log_id);
        }
        span.record("elapsed_ms", elapsed_ms);
    }
    #[cfg(not(feature = "tracing"))]
    {
        let _ = (span, error, elapsed_ms);
    }
}

/// Records a successful attempt's time on `span`, and the call's attempts on `call`.
pub(crate) fn call_done(call: &CallSpan, attempt: &CallSpan, attempts: u32, elapsed_ms: u64) {
    #[cfg(feature = "tracing")]
    {
        attempt.record("elapsed_ms", elapsed_ms);
        call.record("attempts", attempts);
    }
    #[cfg(not(feature = "tracing"))]
    {
        let _ = (call, attempt, attempts, elapsed_ms);
    }
}

/// Records a failed call's last code and log id, and its attempts, on `call`.
pub(crate) fn call_failed(call: &CallSpan, error: &Error, attempts: u32) {
    #[cfg(feature = "tracing")]
    {
        call.record("attempts", attempts);
        if let Some(code) = error.code() {
            call.record("code", code);
        }
        if let Some(log_id) = error.log_id() {
            call.record("log_id", log_id);
        }
    }
    #[cfg(not(feature = "tracing"))]
    {
        let _ = (call, error, attempts);
    }
}

/// Runs `future` inside `span` (entered at each poll).
#[cfg(feature = "tracing")]
pub(crate) fn within<F: std::future::Future>(
    span: &CallSpan,
    future: F,
) -> tracing::instrument::Instrumented<F> {
    tracing::Instrument::instrument(future, span.clone())
}

/// `future` as it is, without the feature.
#[cfg(not(feature = "tracing"))]
pub(crate) fn within<F: std::future::Future>(span: &CallSpan, future: F) -> F {
    let _ = span;
    future
}

/// Milliseconds since `start` (a `Watch::clock` reading); 0 without one.
pub(crate) fn since(runtime: &dyn crate::runtime::Runtime, start: Option<u64>) -> u64 {
    start.map_or(0, |start| runtime.now_millis().saturating_sub(start))
}

/// A token kind, as events name it.
#[cfg(feature = "tracing")]
pub(crate) fn kind_name(kind: crate::endpoint::TokenKind) -> &'static str {
    match kind {
        crate::endpoint::TokenKind::Tenant => "tenant",
        crate::endpoint::TokenKind::App => "app",
        crate::endpoint::TokenKind::User => "user",
    }
}
