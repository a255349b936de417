//! Why the long connection could not be opened, or why a frame was dropped.

/// A long-connection error.
///
/// Only [`WsError::is_fatal`] errors should stop a driver: every other one means "log it and
/// go on" for a frame, or "try again after the [`ReconnectPolicy`](super::ReconnectPolicy)
/// delay" for a connection attempt. Messages never contain the app secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WsError {
    /// The bytes are not a pbbp2 frame (truncated, garbage, a wrong wire type).
    #[error("not a long-connection frame: {0}")]
    Frame(String),
    /// A fragment contradicts its message (bad `sum`/`seq`), or the message is too large.
    #[error("bad fragment of message {message_id}: {reason}")]
    Fragment {
        /// The `message_id` header.
        message_id: String,
        /// What is wrong.
        reason: String,
    },
    /// A pong carried a ClientConfig that is not JSON of the expected shape; the settings did
    /// not change.
    #[error("the pong's ClientConfig cannot be read: {0}")]
    ClientConfig(String),
    /// The endpoint request cannot be built (a base URL that is not a URL).
    #[error("cannot build the endpoint request: {0}")]
    Build(String),
    /// The endpoint (`/callback/ws/endpoint`) answered with a non-zero code.
    #[error("the long-connection endpoint answered code {code}: {msg}")]
    Endpoint {
        /// Lark's code: 1 (busy) and 1000040343 (internal error) are worth retrying.
        code: i64,
        /// Lark's message.
        msg: String,
        /// Whether another attempt may succeed.
        retryable: bool,
    },
    /// The endpoint's answer is not what it should be (an HTTP error, not JSON, no URL).
    #[error("unexpected answer from the long-connection endpoint (HTTP {status}): {reason}")]
    EndpointAnswer {
        /// The HTTP status.
        status: u16,
        /// What is wrong.
        reason: String,
    },
    /// The WebSocket handshake was refused.
    #[error(
        "the long-connection handshake was refused: status {status:?}, auth code {auth_code:?}: {msg}"
    )]
    Handshake {
        /// The `Handshake-Status` header: 403 (forbidden) and 514 (auth failed).
        status: Option<i64>,
        /// The `Handshake-Autherrcode` header: 1000040350 is "too many connections".
        auth_code: Option<i64>,
        /// The `Handshake-Msg` header.
        msg: String,
        /// Whether another attempt may succeed.
        retryable: bool,
    },
}

impl WsError {
    /// Whether retrying cannot help: a fatal endpoint code (bad credentials, an app without the
    /// long connection enabled) or a fatal handshake refusal. A driver ends with this error
    /// instead of looping.
    pub fn is_fatal(&self) -> bool {
        match self {
            WsError::Endpoint { retryable, .. } | WsError::Handshake { retryable, .. } => {
                !retryable
            }
            WsError::Build(_) => true,
            _ => false,
        }
    }
}
