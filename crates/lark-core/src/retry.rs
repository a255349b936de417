//! When a failed call is sent again, and how long to wait first.
//!
//! The core decides (`run` is the loop every call goes through); the backend's
//! [`Runtime`] sleeps.

use std::time::Duration;

use crate::error::{Error, Result};
use crate::observe::{Answered, Decision, Watch};
use crate::runtime::{HttpErrorKind, Runtime, random_u64};
use crate::token::{TOKEN_INVALID_CODES, TokenManager, UsedToken};
use crate::trace;

pub use crate::error::RATE_LIMIT_CODES;
pub use crate::response::RATE_LIMIT_RESET_HEADER;

/// How failed calls are retried: exponential backoff with full jitter, a maximum number of
/// attempts and an overall deadline.
///
/// A call is retried when it failed on the way (a connection that could not be made), was
/// turned away for going too fast (HTTP 429 or a [rate-limit code](RATE_LIMIT_CODES)), or
/// failed in a way that leaves its fate unknown (a dropped connection, a timeout, HTTP 5xx)
/// **and** sending it twice is harmless: its method is idempotent (GET, PUT, DELETE) or it
/// carries an idempotency key (`uuid`, `client_token`), which the client fills in when the caller
/// did not.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in all, the first included; `1` turns retrying off.
    pub max_attempts: u32,
    /// The backoff before the first retry; doubled for each later one.
    pub base_delay: Duration,
    /// The longest single wait.
    pub max_delay: Duration,
    /// No retry starts once this much time has passed since the first attempt, and no wait
    /// reaches past it.
    pub deadline: Option<Duration>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(10),
            deadline: Some(Duration::from_secs(60)),
        }
    }
}

impl RetryPolicy {
    /// Never retries.
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Sets the number of attempts (at least 1).
    #[must_use]
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Sets the first backoff.
    #[must_use]
    pub fn base_delay(mut self, delay: Duration) -> Self {
        self.base_delay = delay;
        self
    }

    /// Sets the longest single wait.
    #[must_use]
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// Sets the overall deadline.
    #[must_use]
    pub fn deadline(mut self, deadline: Option<Duration>) -> Self {
        self.deadline = deadline;
        self
    }

    /// The wait before retry number `retry` (1 for the first): a uniform draw in
    /// `[0, min(max_delay, base_delay * 2^(retry-1))]` from `random`.
    pub fn backoff(&self, retry: u32, random: u64) -> Duration {
        let exponent = retry.saturating_sub(1).min(31);
        let ceiling = self
            .base_delay
            .saturating_mul(1u32 << exponent)
            .min(self.max_delay);
        let ceiling_nanos = u64::try_from(ceiling.as_nanos()).unwrap_or(u64::MAX);
        match ceiling_nanos.checked_add(1) {
            Some(span) => Duration::from_nanos(random % span),
            None => ceiling,
        }
    }
}

/// Whether and when to retry a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Do not retry.
    Stop,
    /// Retry after the backoff.
    Backoff,
    /// Retry after the server's own wait.
    After(Duration),
}

/// The verdict on `error`. `idempotent` says whether a second copy of the request is harmless;
/// `reset` is the server's rate-limit reset hint, when it sent one.
pub(crate) fn verdict(error: &Error, idempotent: bool, reset: Option<Duration>) -> Verdict {
    let limited = || reset.map_or(Verdict::Backoff, Verdict::After);
    let unknown_fate = || {
        if idempotent {
            Verdict::Backoff
        } else {
            Verdict::Stop
        }
    };
    match error {
        Error::Transport(e) if e.kind() == HttpErrorKind::Connect => Verdict::Backoff,
        Error::Transport(_) | Error::Timeout(_) => unknown_fate(),
        Error::Api(api) if RATE_LIMIT_CODES.contains(&api.code) || api.http_status == 429 => {
            limited()
        }
        Error::Api(api) if api.http_status >= 500 => unknown_fate(),
        Error::Decode(d) if d.http_status == 429 => limited(),
        Error::Decode(d) if d.http_status >= 500 => unknown_fate(),
        // A body cut short or garbled on the way (not JSON at all, or empty): the call's fate
        // is unknown. A body that is JSON of the wrong shape would fail again: not retried.
        Error::Decode(d) if garbled(d) => unknown_fate(),
        // A token that could not be had: the token request is harmless to repeat.
        Error::Token {
            source: Some(source),
            ..
        } => match verdict(source, true, reset) {
            Verdict::Stop => Verdict::Stop,
            _ => Verdict::Backoff,
        },
        _ => Verdict::Stop,
    }
}

/// Why a failed attempt is tried again, in words a dashboard can group by.
pub(crate) fn retry_reason(error: &Error, transient: bool, verdict: Verdict) -> &'static str {
    if transient {
        return "transient code";
    }
    if matches!(verdict, Verdict::After(_)) {
        return "rate limited (reset hint)";
    }
    match error {
        Error::Api(api) if RATE_LIMIT_CODES.contains(&api.code) || api.http_status == 429 => {
            "rate limited"
        }
        Error::Decode(d) if d.http_status == 429 => "rate limited",
        Error::Transport(e) if e.kind() == HttpErrorKind::Connect => "connect failed",
        Error::Transport(_) => "transport failed",
        Error::Timeout(_) => "timed out",
        Error::Token { .. } => "token unavailable",
        Error::Api(_) | Error::Decode(_) => "server error",
        _ => "retryable",
    }
}

fn garbled(decode: &crate::error::DecodeError) -> bool {
    use serde_json::error::Category;
    decode.body.is_empty()
        || decode
            .source
            .as_ref()
            .is_some_and(|e| matches!(e.classify(), Category::Syntax | Category::Eof))
}

/// Reads the rate-limit reset hint: `x-ogw-ratelimit-reset`, else `Retry-After`, in seconds.
pub(crate) fn reset_hint(headers: &http::HeaderMap) -> Option<Duration> {
    // Names made at compile time: looking up by `&str` would parse them on every call.
    [
        const { http::HeaderName::from_static(RATE_LIMIT_RESET_HEADER) },
        http::header::RETRY_AFTER,
    ]
    .iter()
    .filter_map(|name| headers.get(name))
    .filter_map(|v| v.to_str().ok())
    .find_map(|v| v.trim().parse::<u64>().ok())
    .map(Duration::from_secs)
}

/// A failed attempt, with what the retry decision needs.
pub(crate) struct Failed {
    pub(crate) error: Error,
    /// The server's rate-limit reset hint.
    pub(crate) reset: Option<Duration>,
    /// The managed token the attempt carried.
    pub(crate) used: Option<UsedToken>,
}

impl Failed {
    /// `error`, without a reset hint, after an attempt that carried `used`.
    pub(crate) fn new(error: Error, used: Option<UsedToken>) -> Self {
        Self {
            error,
            reset: None,
            used,
        }
    }
}

/// The retry loop around `attempt`, which is called with a clock reading for the first
/// attempt's token check and `None` after.
///
/// `idempotent` says whether a second copy of the request is harmless; `transient_codes` names
/// Lark codes worth retrying (on any HTTP status) when it is. A managed token the platform
/// rejects ([`TOKEN_INVALID_CODES`]) is evicted and the attempt made once more, outside the
/// count. `watch` hears each attempt and the call's end.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn run<T, F, Fut>(
    policy: &RetryPolicy,
    runtime: &dyn Runtime,
    tokens: &TokenManager,
    idempotent: bool,
    transient_codes: &[i64],
    watch: &Watch<'_>,
    mut attempt_once: F,
) -> Result<T>
where
    F: FnMut(Option<u64>) -> Fut,
    Fut: std::future::Future<Output = std::result::Result<Answered<T>, Failed>>,
{
    let started = runtime.now_millis();
    let mut attempt = 1;
    // Every attempt, the one after a token refresh included (the spans' numbering).
    let mut tries = 0u32;
    let mut token_refreshed = false;
    // The first attempt checks the token's freshness against `started`: one clock read.
    let mut now = Some(started);
    loop {
        tries += 1;
        let span = trace::attempt_span(tries);
        // The first attempt starts when the call does: no second reading.
        let attempt_started = if tries == 1 {
            watch.timed().then_some(started)
        } else {
            watch.clock(runtime)
        };
        let outcome = trace::within(&span, attempt_once(now.take())).await;
        let elapsed = trace::since(runtime, attempt_started);
        // The call's time so far, from the same reading.
        let call_ms =
            attempt_started.map_or(0, |at| at.saturating_add(elapsed).saturating_sub(started));
        let failed = match outcome {
            Ok(answered) => {
                trace::call_done(&watch.span, &span, tries, elapsed);
                let log_id = answered.log_id.as_ref();
                watch.succeeded(tries, answered.status, log_id, elapsed, call_ms);
                return Ok(answered.output);
            }
            Err(failed) => failed,
        };
        trace::attempt_failed(&span, &failed.error, elapsed);
        // The decision: a retry with its reason and wait, or why not. One path out each way,
        // so the loop stays small where it is inlined.
        let mut fresh_token = false;
        let decided: std::result::Result<(&'static str, Duration), &'static str> = 'decide: {
            if let (Error::Api(api), Some(used)) = (&failed.error, &failed.used) {
                if !token_refreshed && TOKEN_INVALID_CODES.contains(&api.code) {
                    // Evict only the token that was rejected: a concurrent caller may already
                    // have stored a fresh one.
                    tokens.evict(used).await;
                    fresh_token = true;
                    break 'decide Ok(("token rejected", Duration::ZERO));
                }
            }
            if attempt >= policy.max_attempts {
                break 'decide Err("attempts exhausted");
            }
            let transient = idempotent
                && matches!(&failed.error, Error::Api(api) if transient_codes.contains(&api.code));
            let judged = if transient {
                Verdict::Backoff
            } else {
                verdict(&failed.error, idempotent, failed.reset)
            };
            let wait = match judged {
                Verdict::Stop => break 'decide Err("not retryable"),
                // Without randomness the wait is the whole span: no jitter, still bounded.
                Verdict::Backoff => {
                    policy.backoff(attempt, random_u64(runtime).unwrap_or(u64::MAX))
                }
                Verdict::After(wait) => wait,
            };
            if let Some(deadline) = policy.deadline {
                let elapsed = runtime.now_millis().saturating_sub(started);
                let wait_millis = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
                let deadline_millis = u64::try_from(deadline.as_millis()).unwrap_or(u64::MAX);
                if elapsed.saturating_add(wait_millis) >= deadline_millis {
                    break 'decide Err("deadline");
                }
            }
            // Only spans and observers read the reason.
            let reason = if cfg!(any(feature = "tracing", feature = "observe")) {
                retry_reason(&failed.error, transient, judged)
            } else {
                ""
            };
            Ok((reason, wait))
        };
        let (reason, wait) = match decided {
            Ok(next) => next,
            Err(why) => {
                trace::event!(parent: &span, tracing::Level::INFO, retry = false, reason = why, "not retried");
                trace::call_failed(&watch.span, &failed.error, tries);
                let decision = Decision {
                    retried: false,
                    reason: why,
                    delay_ms: 0,
                };
                watch.failed(tries, &failed.error, elapsed, decision);
                watch.call_failed(tries, &failed.error, call_ms);
                return Err(failed.error);
            }
        };
        let delay_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
        if fresh_token {
            trace::event!(parent: &span, tracing::Level::INFO, retry = true, reason = reason, delay_ms = delay_ms, "retrying with a fresh token");
        } else {
            trace::event!(parent: &span, tracing::Level::INFO, retry = true, reason = reason, delay_ms = delay_ms, "retrying");
        }
        let decision = Decision {
            retried: true,
            reason,
            delay_ms,
        };
        watch.failed(tries, &failed.error, elapsed, decision);
        if fresh_token {
            // Made again at once with a fresh token, outside the count.
            token_refreshed = true;
            continue;
        }
        runtime.sleep(wait).await;
        attempt += 1;
        // A new attempt may meet a token that expired while the last one failed and
        // waited: it gets its own evict-and-retry. A fresh token rejected at once is still
        // returned, and attempts stay bounded by the policy.
        token_refreshed = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ApiError, DecodeError};
    use crate::runtime::HttpError;

    fn api(code: i64, status: u16) -> Error {
        Error::Api(Box::new(ApiError::new(code, "m", None, status, Vec::new())))
    }

    fn decode(status: u16) -> Error {
        Error::Decode(Box::new(DecodeError::new(
            "m",
            status,
            None,
            Vec::new(),
            None,
        )))
    }

    fn garbled_json() -> Error {
        let source = serde_json::from_str::<serde_json::Value>("{\"code\":0,").unwrap_err();
        Error::Decode(Box::new(DecodeError::new(
            "m",
            200,
            None,
            b"{\"code\":0,".to_vec(),
            Some(source),
        )))
    }

    fn shaped_wrong() -> Error {
        let source = serde_json::from_str::<u32>("\"x\"").unwrap_err();
        Error::Decode(Box::new(DecodeError::new(
            "m",
            200,
            None,
            b"{\"code\":0}".to_vec(),
            Some(source),
        )))
    }

    #[test]
    fn verdicts() {
        let connect = Error::Transport(HttpError::new(HttpErrorKind::Connect, "refused"));
        let dropped = Error::Transport(HttpError::new(HttpErrorKind::Other, "reset"));
        let hint = Some(Duration::from_secs(3));
        for idempotent in [false, true] {
            assert_eq!(verdict(&connect, idempotent, None), Verdict::Backoff);
            for code in RATE_LIMIT_CODES {
                assert_eq!(verdict(&api(code, 400), idempotent, None), Verdict::Backoff);
                assert_eq!(
                    verdict(&api(code, 400), idempotent, hint),
                    Verdict::After(Duration::from_secs(3))
                );
            }
            assert_eq!(
                verdict(&decode(429), idempotent, hint),
                Verdict::After(Duration::from_secs(3))
            );
            assert_eq!(verdict(&api(230_001, 400), idempotent, None), Verdict::Stop);
            assert_eq!(verdict(&shaped_wrong(), idempotent, None), Verdict::Stop);
            assert_eq!(
                verdict(&Error::Build("x".into()), idempotent, None),
                Verdict::Stop
            );
        }
        for unknown in [
            dropped,
            Error::Timeout(Duration::from_secs(1)),
            api(1, 500),
            decode(200),
            garbled_json(),
            decode(502),
        ] {
            assert_eq!(verdict(&unknown, false, None), Verdict::Stop, "{unknown:?}");
            assert_eq!(
                verdict(&unknown, true, None),
                Verdict::Backoff,
                "{unknown:?}"
            );
        }
        let token = Error::Token {
            message: "x".into(),
            source: Some(Box::new(decode(503))),
        };
        assert_eq!(verdict(&token, false, None), Verdict::Backoff);
        let token = Error::Token {
            message: "x".into(),
            source: Some(Box::new(api(10_014, 400))),
        };
        assert_eq!(verdict(&token, true, None), Verdict::Stop);
    }

    #[test]
    fn backoff_is_full_jitter_under_a_doubling_ceiling() {
        let policy = RetryPolicy::default()
            .base_delay(Duration::from_millis(100))
            .max_delay(Duration::from_millis(350));
        assert_eq!(policy.backoff(1, 0), Duration::ZERO);
        assert_eq!(policy.backoff(1, 100_000_000), Duration::from_millis(100));
        assert_eq!(policy.backoff(2, 200_000_000), Duration::from_millis(200));
        assert_eq!(policy.backoff(2, 200_000_001), Duration::ZERO);
        assert_eq!(policy.backoff(9, 350_000_000), Duration::from_millis(350));
        assert_eq!(policy.backoff(99, u64::MAX), policy.backoff(99, u64::MAX));
        for r in [1, 12_345, u64::MAX / 3, u64::MAX] {
            assert!(policy.backoff(40, r) <= Duration::from_millis(350));
        }
    }

    #[test]
    fn reset_hints() {
        let mut headers = http::HeaderMap::new();
        assert_eq!(reset_hint(&headers), None);
        headers.insert("retry-after", "7".parse().unwrap());
        assert_eq!(reset_hint(&headers), Some(Duration::from_secs(7)));
        headers.insert(RATE_LIMIT_RESET_HEADER, " 2 ".parse().unwrap());
        assert_eq!(reset_hint(&headers), Some(Duration::from_secs(2)));
        headers.insert(RATE_LIMIT_RESET_HEADER, "soon".parse().unwrap());
        assert_eq!(reset_hint(&headers), Some(Duration::from_secs(7)));
    }
}
