//! What the shared stores (tokens, `app_ticket`, event ids) have in common: how they fail.
//!
//! The in-memory stores never fail. A store shared between processes (Redis, Workers KV) can be
//! unreachable; it says so with a [`StoreError`], and the caller degrades instead of failing:
//! the client fetches its own token, the dispatcher answers 503 so the platform re-delivers.

/// A store could not answer (unreachable, timed out, refused the command).
///
/// The message never carries a stored value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("store unavailable: {message}")]
pub struct StoreError {
    message: String,
}

impl StoreError {
    /// An error saying why the store could not answer.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }

    /// Why the store could not answer.
    pub fn message(&self) -> &str {
        &self.message
    }
}
