//! Why an event or callback was rejected.

/// Why an event or callback request was rejected, or why its handler failed.
///
/// Messages never contain a secret: not the encrypt key, not the verification token, not the
/// expected signature.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EventError {
    /// The body is larger than the dispatcher accepts.
    #[error("the request body is larger than {limit} bytes")]
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The signature headers are missing, malformed or do not match the body.
    #[error("bad signature: {0}")]
    BadSignature(String),
    /// The request timestamp is outside the freshness window (a replay, or a clock far off).
    #[error("stale request: its timestamp is {age_secs} s away from now (window {window_secs} s)")]
    Stale {
        /// How far the timestamp is from now, in seconds (either direction).
        age_secs: u64,
        /// The accepted window, in seconds.
        window_secs: u64,
    },
    /// The verification token of the event does not match the configured one.
    #[error("the verification token does not match")]
    BadToken,
    /// The `encrypt` payload cannot be decrypted: not base64, truncated, wrong key or bad
    /// padding.
    #[error("cannot decrypt the event: {0}")]
    Decrypt(String),
    /// The body is not an event envelope the SDK knows.
    #[error("malformed event: {0}")]
    Malformed(String),
    /// The event id was seen before: the platform re-delivered it, or someone replays it.
    #[error("duplicate event {0}")]
    Duplicate(String),
    /// The dispatcher is missing a setting the request needs (such as the encrypt key).
    #[error("event dispatcher configuration: {0}")]
    Config(String),
    /// A handler returned an error.
    #[error("event handler failed: {0}")]
    Handler(String),
    /// The de-duplication store could not tell whether the event is new (and is set to fail
    /// closed): the event is not handled now, and the 503 makes the platform re-deliver it.
    #[error("event store unavailable: {0}")]
    Store(String),
}

impl EventError {
    /// The HTTP status the dispatcher answers with.
    ///
    /// A duplicate is answered with 200, so the platform stops re-delivering an event that was
    /// already handled; a handler failure with 500, so the platform tries again later.
    pub fn http_status(&self) -> http::StatusCode {
        match self {
            EventError::TooLarge { .. } => http::StatusCode::PAYLOAD_TOO_LARGE,
            EventError::BadSignature(_) | EventError::Stale { .. } | EventError::BadToken => {
                http::StatusCode::UNAUTHORIZED
            }
            EventError::Decrypt(_) | EventError::Malformed(_) => http::StatusCode::BAD_REQUEST,
            EventError::Duplicate(_) => http::StatusCode::OK,
            EventError::Config(_) | EventError::Handler(_) => {
                http::StatusCode::INTERNAL_SERVER_ERROR
            }
            EventError::Store(_) => http::StatusCode::SERVICE_UNAVAILABLE,
        }
    }
}
