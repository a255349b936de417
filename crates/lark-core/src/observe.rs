//! Metrics without `tracing`: an [`Observer`] set on the client (`ClientBuilder::observer`,
//! feature `observe`) hears every attempt and every
//! call as a plain record — the endpoint's official name, the attempt's status, Lark code, log
//! id and time, whether it was retried, why and after what wait — so a user can count 429s per
//! endpoint or feed latency to a metrics system, in any runtime (times come from the client's
//! [`Runtime`], never from a clock of the core's own).
//!
//! A closure `Fn(&Record)` is an observer. Records hold names, numbers, codes and ids: never a
//! token, a secret or a body. A client without an observer builds no record and reads the clock
//! no more than it must for its retry deadline.
//!
//! ```
//! use std::sync::atomic::{AtomicU64, Ordering};
//! use std::sync::Arc;
//! use lark_core::observe::Record;
//!
//! let limited = Arc::new(AtomicU64::new(0));
//! let seen = Arc::clone(&limited);
//! let observer = move |record: &Record<'_>| {
//!     if let Record::Attempt(attempt) = record {
//!         if attempt.status == Some(429) {
//!             seen.fetch_add(1, Ordering::Relaxed);
//!         }
//!     }
//! };
//! # fn takes(_: impl lark_core::observe::Observer) {}
//! # takes(observer);
//! // Client::builder(config, http, runtime).observer(observer).build()
//! ```

use std::time::Duration;

use crate::endpoint::Named;
use crate::error::Error;
use crate::runtime::{MaybeSend, MaybeSync, Runtime};
use crate::trace;

/// Hears every attempt and every call a client makes. Both methods do nothing by default.
///
/// Called on the task that makes the call, between its attempts: keep it quick (count, add,
/// hand off to a channel). A panic in it unwinds through the call.
pub trait Observer: MaybeSend + MaybeSync {
    /// After each attempt, with the retry decision taken on it.
    fn on_attempt(&self, attempt: &AttemptRecord<'_>) {
        let _ = attempt;
    }

    /// After each call, once, when its last attempt is over.
    fn on_call(&self, call: &CallRecord<'_>) {
        let _ = call;
    }
}

/// A shared observer: the client holds one handle, the program keeps another to read it.
impl<T: Observer + ?Sized> Observer for std::sync::Arc<T> {
    fn on_attempt(&self, attempt: &AttemptRecord<'_>) {
        (**self).on_attempt(attempt);
    }

    fn on_call(&self, call: &CallRecord<'_>) {
        (**self).on_call(call);
    }
}

/// A closure hears both kinds of record.
impl<F> Observer for F
where
    F: Fn(&Record<'_>) + MaybeSend + MaybeSync,
{
    fn on_attempt(&self, attempt: &AttemptRecord<'_>) {
        self(&Record::Attempt(*attempt));
    }

    fn on_call(&self, call: &CallRecord<'_>) {
        self(&Record::Call(*call));
    }
}

/// Either record, for a closure observer; serialized with a `kind` tag (`"attempt"`, `"call"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Record<'a> {
    /// An attempt is over.
    Attempt(AttemptRecord<'a>),
    /// A call is over.
    Call(CallRecord<'a>),
}

/// One attempt of a call: what came back and what was decided.
///
/// Attempts are numbered from 1 and counted as sent: the attempt made again after a rejected
/// token has its own number (the same numbering as the `lark.attempt` spans).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct AttemptRecord<'a> {
    /// The service, as the platform names it (`im`); `raw` for [`Client::raw`](crate::Client::raw).
    pub service: &'static str,
    /// The rest of the official name (`v1.message.create`); `raw` for a raw request.
    pub endpoint: &'static str,
    /// The HTTP method.
    pub method: &'a str,
    /// The path template (`/open-apis/im/v1/messages/:message_id`); empty for a raw request,
    /// whose path may carry ids.
    pub path: &'static str,
    /// The attempt's number, from 1.
    pub attempt: u32,
    /// Whether the attempt succeeded.
    pub ok: bool,
    /// The HTTP status, when an answer came back.
    pub status: Option<u16>,
    /// Lark's non-zero code, when the answer (or the token request's) carried one.
    pub code: Option<i64>,
    /// The platform's log id (`X-Tt-Logid`), when an answer carried one.
    pub log_id: Option<&'a str>,
    /// What kind of error the attempt failed with ([`error_kind`]); `None` on success.
    pub error: Option<&'static str>,
    /// Milliseconds from the attempt's start to its end, by the client's runtime clock.
    pub elapsed_ms: u64,
    /// Whether the call is tried again.
    pub retried: bool,
    /// Why it is tried again (`token rejected`, `server error`, `rate limited`, `rate limited
    /// (reset hint)`, `connect failed`, `transport failed`, `timed out`, `token unavailable`,
    /// `transient code`), or why not (`attempts exhausted`, `not retryable`, `deadline`);
    /// `None` on success.
    pub reason: Option<&'static str>,
    /// Milliseconds waited before the next attempt; 0 when there is none.
    pub delay_ms: u64,
}

impl AttemptRecord<'_> {
    /// The attempt's time.
    pub fn elapsed(&self) -> Duration {
        Duration::from_millis(self.elapsed_ms)
    }

    /// The wait before the next attempt.
    pub fn delay(&self) -> Duration {
        Duration::from_millis(self.delay_ms)
    }

    /// Whether the platform turned the attempt away for going too fast: HTTP 429 or a
    /// [rate-limit code](crate::error::RATE_LIMIT_CODES).
    pub fn rate_limited(&self) -> bool {
        self.status == Some(429)
            || self
                .code
                .is_some_and(|code| crate::error::RATE_LIMIT_CODES.contains(&code))
    }
}

/// One call, once its last attempt is over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct CallRecord<'a> {
    /// The service, as in [`AttemptRecord::service`].
    pub service: &'static str,
    /// The rest of the official name, as in [`AttemptRecord::endpoint`].
    pub endpoint: &'static str,
    /// The HTTP method.
    pub method: &'a str,
    /// The path template, as in [`AttemptRecord::path`].
    pub path: &'static str,
    /// Attempts sent, as numbered in [`AttemptRecord::attempt`].
    pub attempts: u32,
    /// Whether the call succeeded.
    pub ok: bool,
    /// The last attempt's HTTP status, when an answer came back.
    pub status: Option<u16>,
    /// The last attempt's Lark code, when it carried a non-zero one.
    pub code: Option<i64>,
    /// The last attempt's log id.
    pub log_id: Option<&'a str>,
    /// What kind of error the call failed with ([`error_kind`]); `None` on success.
    pub error: Option<&'static str>,
    /// Milliseconds from the first attempt's start to the last one's end, waits included.
    pub elapsed_ms: u64,
}

impl CallRecord<'_> {
    /// The call's time, waits included.
    pub fn elapsed(&self) -> Duration {
        Duration::from_millis(self.elapsed_ms)
    }
}

/// A short name of `error`'s kind, as records carry it: `transport`, `timeout`, `api`,
/// `decode`, `token`, `oauth`, `build`, `event`, `pagination`.
pub fn error_kind(error: &Error) -> &'static str {
    match error {
        Error::Build(_) => "build",
        Error::Transport(_) => "transport",
        Error::Timeout(_) => "timeout",
        Error::Api(_) => "api",
        Error::Decode(_) => "decode",
        Error::Token { .. } => "token",
        Error::Event(_) => "event",
        Error::Pagination(_) => "pagination",
        Error::OAuth(_) => "oauth",
    }
}

/// What an attempt's answer said, for its record, when it succeeded.
pub(crate) struct Answered<T> {
    pub(crate) output: T,
    pub(crate) status: u16,
    /// Kept only when the client has an observer.
    pub(crate) log_id: Option<http::HeaderValue>,
}

impl<T> Answered<T> {
    /// `output`, from an answer with `status` and `log_id` ([`keep_log_id`]).
    pub(crate) fn new(
        output: T,
        status: http::StatusCode,
        log_id: Option<http::HeaderValue>,
    ) -> Self {
        Self {
            output,
            status: status.as_u16(),
            log_id,
        }
    }
}

/// The log id of an answer with `headers`, kept for an observer (`observed`), else not looked up.
pub(crate) fn keep_log_id(headers: &http::HeaderMap, observed: bool) -> Option<http::HeaderValue> {
    if observed {
        headers
            .get(const { http::HeaderName::from_static(crate::response::LOG_ID_HEADER) })
            .cloned()
    } else {
        None
    }
}

/// The retry decision on a failed attempt, for its record.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Decision {
    pub(crate) retried: bool,
    pub(crate) reason: &'static str,
    pub(crate) delay_ms: u64,
}

/// Who watches one call: its `tracing` span and the client's observer.
pub(crate) struct Watch<'a> {
    pub(crate) span: trace::CallSpan,
    observer: Option<&'a dyn Observer>,
    named: Named,
    method: &'a str,
}

impl<'a> Watch<'a> {
    pub(crate) fn new(
        span: trace::CallSpan,
        observer: Option<&'a dyn Observer>,
        named: Named,
        method: &'a http::Method,
    ) -> Self {
        Self {
            span,
            observer,
            named,
            method: method.as_str(),
        }
    }

    /// The observer: always `None` without the `observe` feature, so that the code telling one
    /// compiles away.
    fn observer(&self) -> Option<&'a dyn Observer> {
        if cfg!(feature = "observe") {
            self.observer
        } else {
            None
        }
    }

    /// Whether attempts are timed: when traced or observed.
    pub(crate) fn timed(&self) -> bool {
        cfg!(feature = "tracing") || self.observer().is_some()
    }

    /// A clock reading for an attempt's start, taken only when attempts are timed.
    pub(crate) fn clock(&self, runtime: &dyn Runtime) -> Option<u64> {
        self.timed().then(|| runtime.now_millis())
    }

    /// Tells the observer of a successful attempt `number`, answered with `status` and
    /// `log_id`, and of its call, which took `call_ms` in all.
    pub(crate) fn succeeded(
        &self,
        number: u32,
        status: u16,
        log_id: Option<&http::HeaderValue>,
        elapsed_ms: u64,
        call_ms: u64,
    ) {
        let Some(observer) = self.observer() else {
            return;
        };
        let log_id = log_id.and_then(|v| v.to_str().ok());
        let status = Some(status);
        observer.on_attempt(&AttemptRecord {
            service: self.named.service,
            endpoint: self.named.endpoint,
            method: self.method,
            path: self.named.path,
            attempt: number,
            ok: true,
            status,
            code: None,
            log_id,
            error: None,
            elapsed_ms,
            retried: false,
            reason: None,
            delay_ms: 0,
        });
        observer.on_call(&CallRecord {
            service: self.named.service,
            endpoint: self.named.endpoint,
            method: self.method,
            path: self.named.path,
            attempts: number,
            ok: true,
            status,
            code: None,
            log_id,
            error: None,
            elapsed_ms: call_ms,
        });
    }

    /// Tells the observer of failed attempt `number` and what was decided on it.
    pub(crate) fn failed(&self, number: u32, error: &Error, elapsed_ms: u64, decision: Decision) {
        let Some(observer) = self.observer() else {
            return;
        };
        observer.on_attempt(&AttemptRecord {
            service: self.named.service,
            endpoint: self.named.endpoint,
            method: self.method,
            path: self.named.path,
            attempt: number,
            ok: false,
            status: error.http_status(),
            code: error.code(),
            log_id: error.log_id(),
            error: Some(error_kind(error)),
            elapsed_ms,
            retried: decision.retried,
            reason: Some(decision.reason),
            delay_ms: decision.delay_ms,
        });
    }

    /// Tells the observer of a call that failed with `error` after `attempts`, taking
    /// `call_ms` in all.
    pub(crate) fn call_failed(&self, attempts: u32, error: &Error, call_ms: u64) {
        let Some(observer) = self.observer() else {
            return;
        };
        observer.on_call(&CallRecord {
            service: self.named.service,
            endpoint: self.named.endpoint,
            method: self.method,
            path: self.named.path,
            attempts,
            ok: false,
            status: error.http_status(),
            code: error.code(),
            log_id: error.log_id(),
            error: Some(error_kind(error)),
            elapsed_ms: call_ms,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_serialize_with_their_kind_and_flat_fields() {
        let attempt = AttemptRecord {
            service: "im",
            endpoint: "v1.message.create",
            method: "POST",
            path: "/open-apis/im/v1/messages",
            attempt: 2,
            ok: false,
            status: Some(429),
            code: Some(99_991_400),
            log_id: Some("2026"),
            error: Some("api"),
            elapsed_ms: 12,
            retried: true,
            reason: Some("rate limited"),
            delay_ms: 300,
        };
        assert!(attempt.rate_limited());
        assert_eq!(attempt.delay(), Duration::from_millis(300));
        let json = serde_json::to_value(Record::Attempt(attempt)).unwrap();
        assert_eq!(json["kind"], "attempt");
        assert_eq!(json["endpoint"], "v1.message.create");
        assert_eq!(json["code"], 99_991_400);
        assert_eq!(json["delay_ms"], 300);
        assert!(json["retried"].as_bool().unwrap());
    }

    #[test]
    #[cfg(feature = "observe")]
    fn a_closure_hears_both_records() {
        let heard = std::sync::Mutex::new(Vec::new());
        let observer = |record: &Record<'_>| {
            heard.lock().unwrap().push(match record {
                Record::Attempt(a) => format!("attempt {} {:?}", a.attempt, a.reason),
                Record::Call(c) => format!("call {} {}", c.attempts, c.ok),
            });
        };
        let meta = crate::endpoint::EndpointMeta::new(
            "im",
            "v1.message.get",
            http::Method::GET,
            "/open-apis/im/v1/messages/:message_id",
            &[],
        );
        let span = trace::call_span(Named::of(&meta), &meta.method);
        let watch = Watch::new(span, Some(&observer), Named::of(&meta), &meta.method);
        let error = Error::Api(Box::new(crate::error::ApiError::new(
            1,
            "m",
            None,
            500,
            Vec::new(),
        )));
        let decision = Decision {
            retried: true,
            reason: "server error",
            delay_ms: 5,
        };
        watch.failed(1, &error, 3, decision);
        watch.succeeded(2, 200, None, 4, 12);
        assert_eq!(
            *heard.lock().unwrap(),
            [
                "attempt 1 Some(\"server error\")",
                "attempt 2 None",
                "call 2 true"
            ]
        );
        assert_eq!(error_kind(&error), "api");
    }
}
