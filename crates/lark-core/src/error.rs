//! The one error type of the SDK.

use std::fmt::{self, Write as _};

use crate::runtime::HttpError;

/// Codes with which the platform turns a call away for going too fast. The call was not
/// carried out, so it is always safe to send again.
pub const RATE_LIMIT_CODES: [i64; 4] = [
    99_991_400, // the app's request frequency limit (any endpoint)
    11_232,     // the message service's frequency limit (100 per minute, 5 per second)
    230_020,    // the per-chat message frequency limit
    1_470_450,  // task: too many concurrent requests
];

/// Anything that can go wrong on a call.
///
/// The variant tells whether the request left the machine and what came back:
/// [`Error::Build`] never left, [`Error::Transport`] and [`Error::Timeout`] may or may not have
/// reached the server, [`Error::Api`] and [`Error::Decode`] were answered.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request could not be built from its parameters; nothing was sent.
    #[error("invalid request: {0}")]
    Build(String),
    /// The HTTP exchange failed.
    #[error("transport error: {0}")]
    Transport(#[source] HttpError),
    /// The call did not finish within its timeout.
    #[error("timed out after {}", ShownDuration(*.0))]
    Timeout(std::time::Duration),
    /// The platform answered with a non-zero code.
    #[error("{0}")]
    Api(Box<ApiError>),
    /// The answer could not be decoded; the raw body is kept.
    #[error("{0}")]
    Decode(Box<DecodeError>),
    /// No access token could be had for the call.
    #[error("access token: {message}")]
    Token {
        /// What went wrong.
        message: String,
        /// The error of the token request, when there was one.
        #[source]
        source: Option<Box<Error>>,
    },
    /// An event or callback was rejected.
    #[error("event: {0}")]
    Event(crate::event::EventError),
    /// A pagination stream stopped: the server's page tokens went round in a cycle, or the
    /// pages exceeded [`Config::max_pages`](crate::Config::max_pages). The pages before were
    /// delivered.
    #[error("pagination: {0}")]
    Pagination(String),
    /// The accounts host refused an OAuth grant (a code exchange, a refresh, a device poll).
    /// [`OAuthError::must_reauthorize`](crate::oauth::OAuthError::must_reauthorize) tells
    /// whether the user has to sign in again.
    #[error("oauth: {0}")]
    OAuth(Box<crate::oauth::OAuthError>),
}

impl From<crate::event::EventError> for Error {
    fn from(error: crate::event::EventError) -> Self {
        Error::Event(error)
    }
}

impl Error {
    /// Lark's code, for [`Error::Api`] (and a token request's API error).
    pub fn code(&self) -> Option<i64> {
        match self {
            Error::Api(api) => Some(api.code),
            Error::Token {
                source: Some(source),
                ..
            } => source.code(),
            _ => None,
        }
    }

    /// The request's log id (`X-Tt-Logid`), when an answer came back.
    pub fn log_id(&self) -> Option<&str> {
        match self {
            Error::Api(api) => api.log_id.as_deref(),
            Error::Decode(decode) => decode.log_id.as_deref(),
            _ => None,
        }
    }

    /// The HTTP status, when an answer came back.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Error::Api(api) => Some(api.http_status),
            Error::Decode(decode) => Some(decode.http_status),
            _ => None,
        }
    }
}

/// A non-zero `code` from the platform.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    /// Lark's error code.
    pub code: i64,
    /// Lark's message.
    pub msg: String,
    /// `X-Tt-Logid`, which Lark's support asks for.
    pub log_id: Option<String>,
    /// The HTTP status.
    pub http_status: u16,
    /// The raw response body.
    pub body: Vec<u8>,
}

impl ApiError {
    /// A new API error.
    pub fn new(
        code: i64,
        msg: impl Into<String>,
        log_id: Option<String>,
        http_status: u16,
        body: Vec<u8>,
    ) -> Self {
        Self {
            code,
            msg: msg.into(),
            log_id,
            http_status,
            body,
        }
    }
}

impl fmt::Debug for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiError")
            .field("code", &self.code)
            .field("msg", &self.msg)
            .field("log_id", &self.log_id)
            .field("http_status", &self.http_status)
            .field("body", &String::from_utf8_lossy(&self.body))
            .finish()
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Lark API error {}: {} (HTTP {}",
            self.code, self.msg, self.http_status
        )?;
        if let Some(log_id) = &self.log_id {
            write!(f, ", log id {log_id}")?;
        }
        f.write_str(")")
    }
}

/// An answer that is not what the endpoint promises: not JSON, the wrong shape, or an error
/// page in place of an envelope. The body is kept whole.
#[non_exhaustive]
pub struct DecodeError {
    /// What did not fit.
    pub message: String,
    /// The HTTP status.
    pub http_status: u16,
    /// `X-Tt-Logid`, when the answer had one.
    pub log_id: Option<String>,
    /// The raw response body.
    pub body: Vec<u8>,
    /// The JSON error, when there was one.
    pub source: Option<serde_json::Error>,
}

impl DecodeError {
    /// A new decode error.
    pub fn new(
        message: impl Into<String>,
        http_status: u16,
        log_id: Option<String>,
        body: Vec<u8>,
        source: Option<serde_json::Error>,
    ) -> Self {
        Self {
            message: message.into(),
            http_status,
            log_id,
            body,
            source,
        }
    }

    /// The body as text, with invalid UTF-8 replaced.
    pub fn body_text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }
}

impl fmt::Debug for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecodeError")
            .field("message", &self.message)
            .field("http_status", &self.http_status)
            .field("log_id", &self.log_id)
            .field("body", &self.body_text())
            .field("source", &self.source)
            .finish()
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "cannot decode the response (HTTP {}): {}",
            self.http_status, self.message
        )?;
        if let Some(source) = &self.source {
            write!(f, ": {source}")?;
        }
        const SHOWN: usize = 200;
        let text = self.body_text();
        let shown: String = text.chars().take(SHOWN).collect();
        f.write_str("; body: ")?;
        write_quoted(f, &shown)?;
        if text.chars().count() > SHOWN {
            f.write_str("…")?;
        }
        Ok(())
    }
}

impl std::error::Error for DecodeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_ref().map(|e| e as _)
    }
}

/// A duration written as `Duration`'s `Debug` writes it (`30s`, `1.5s`, `250ms`, `7µs`,
/// `12ns`) without pulling that formatter (and its float-style rounding) into a wasm bundle.
struct ShownDuration(std::time::Duration);

impl fmt::Display for ShownDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (secs, nanos) = (self.0.as_secs(), u64::from(self.0.subsec_nanos()));
        // The whole part, the fraction, the place value of its first digit, the unit.
        let (whole, mut fraction, mut place, unit) = if secs > 0 {
            (secs, nanos, 100_000_000, "s")
        } else if nanos >= 1_000_000 {
            (nanos / 1_000_000, nanos % 1_000_000, 100_000, "ms")
        } else if nanos >= 1_000 {
            (nanos / 1_000, nanos % 1_000, 100, "µs")
        } else {
            (nanos, 0, 1, "ns")
        };
        write!(f, "{whole}")?;
        if fraction > 0 {
            f.write_str(".")?;
            while fraction > 0 && place > 0 {
                let digit = (fraction / place) as u8;
                f.write_char(char::from(b'0' + digit))?;
                fraction %= place;
                place /= 10;
            }
        }
        f.write_str(unit)
    }
}

/// `text` in double quotes, with quotes, backslashes and control characters escaped (as
/// `str`'s `Debug` does, without its Unicode printability tables: other characters are kept).
fn write_quoted(f: &mut fmt::Formatter<'_>, text: &str) -> fmt::Result {
    f.write_str("\"")?;
    for c in text.chars() {
        match c {
            '"' => f.write_str("\\\"")?,
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\r' => f.write_str("\\r")?,
            '\t' => f.write_str("\\t")?,
            '\0' => f.write_str("\\0")?,
            c if c.is_control() => write!(f, "\\u{{{:x}}}", u32::from(c))?,
            c => f.write_char(c)?,
        }
    }
    f.write_str("\"")
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn durations_read_as_their_debug_form() {
        for duration in [
            Duration::ZERO,
            Duration::from_nanos(1),
            Duration::from_nanos(999),
            Duration::from_nanos(1_000),
            Duration::from_nanos(1_001),
            Duration::from_nanos(123_456),
            Duration::from_nanos(999_999),
            Duration::from_millis(1),
            Duration::from_nanos(1_000_001),
            Duration::from_millis(250),
            Duration::from_nanos(999_999_999),
            Duration::from_secs(1),
            Duration::from_millis(1_500),
            Duration::from_nanos(1_000_000_001),
            Duration::from_secs(30),
            Duration::from_millis(60_010),
            Duration::new(u64::MAX, 999_999_999),
        ] {
            assert_eq!(
                Error::Timeout(duration).to_string(),
                format!("timed out after {duration:?}")
            );
        }
    }

    #[test]
    fn decode_errors_quote_the_body() {
        let shown = |body: &str| {
            DecodeError::new("bad", 502, None, body.as_bytes().to_vec(), None).to_string()
        };
        for body in [
            "<html>",
            "a \"b\" \\ c\n\r\t\0 \u{1}\u{7f}\u{9f}",
            "飞书 ✓ é",
            "",
        ] {
            assert_eq!(
                shown(body),
                format!("cannot decode the response (HTTP 502): bad; body: {body:?}")
            );
        }
        let long = "x".repeat(300);
        assert_eq!(
            shown(&long),
            format!(
                "cannot decode the response (HTTP 502): bad; body: {:?}…",
                "x".repeat(200)
            )
        );
    }
}
