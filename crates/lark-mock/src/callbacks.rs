//! The request URLs the mock posts events to, as an app's console holds them: plain data, so
//! the server's state can keep them without knowing how they are delivered
//! ([`crate::delivery`] does that).

use serde_json::Value;

/// A request URL the mock posts events to, as an app's "event subscription" page holds it.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Callback {
    /// The URL (`http://127.0.0.1:PORT/webhook/event`).
    pub url: String,
    /// The verification token: the mock writes it into each event's `header.token` (and the
    /// `token` of a URL check) when the event has none.
    pub verification_token: Option<String>,
    /// The encrypt key: with one, the mock encrypts each body (`{"encrypt": …}`) and signs the
    /// request (`X-Lark-Signature`), as the platform does.
    pub encrypt_key: Option<String>,
    /// Which deliveries the URL gets: the platform keeps the events' request URL and the
    /// callbacks' (card actions, link previews) apart.
    pub receives: Receives,
}

/// Which deliveries a [`Callback`] gets. The platform's console has a request URL for events
/// ("Event configuration") and one for callbacks ("Callback configuration"); the same URL may
/// be saved in both.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Receives {
    /// Events and callbacks: the URL is saved in both places (the default).
    #[default]
    All,
    /// Events only: everything but callbacks.
    Events,
    /// Callbacks only: `card.action.trigger`, `url.preview.get` and legacy card actions, the
    /// deliveries whose answer acts on the UI.
    Callbacks,
}

impl Receives {
    /// `"all"`, `"events"` or `"callbacks"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Events => "events",
            Self::Callbacks => "callbacks",
        }
    }

    pub(crate) fn parse(text: &str) -> Option<Self> {
        match text {
            "all" => Some(Self::All),
            "events" => Some(Self::Events),
            "callbacks" => Some(Self::Callbacks),
            _ => None,
        }
    }

    pub(crate) fn accepts(self, event: &Value) -> bool {
        match self {
            Self::All => true,
            Self::Events => !is_callback(event),
            Self::Callbacks => is_callback(event),
        }
    }
}

/// Whether the platform sends `event` to the callbacks' request URL: a schema 2.0 card action
/// or link preview, or a legacy card action (no envelope, recognised by `open_message_id`).
fn is_callback(event: &Value) -> bool {
    match event.get("schema").and_then(Value::as_str) {
        Some(_) => matches!(
            event.pointer("/header/event_type").and_then(Value::as_str),
            Some("card.action.trigger" | "url.preview.get")
        ),
        None => event.get("uuid").is_none() && event.get("open_message_id").is_some(),
    }
}

impl std::fmt::Debug for Callback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Callback")
            .field("url", &self.url)
            .field(
                "verification_token",
                &self.verification_token.as_ref().map(|_| "***"),
            )
            .field("encrypt_key", &self.encrypt_key.as_ref().map(|_| "***"))
            .field("receives", &self.receives)
            .finish()
    }
}

impl Callback {
    /// Events go to `url` unsigned and in the clear.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            verification_token: None,
            encrypt_key: None,
            receives: Receives::All,
        }
    }

    /// Sets the verification token.
    #[must_use]
    pub fn verification_token(mut self, token: impl Into<String>) -> Self {
        self.verification_token = Some(token.into());
        self
    }

    /// Sets the encrypt key: bodies are encrypted and requests signed.
    #[must_use]
    pub fn encrypt_key(mut self, key: impl Into<String>) -> Self {
        self.encrypt_key = Some(key.into());
        self
    }

    /// Sets which deliveries the URL gets (by default, all).
    #[must_use]
    pub fn receives(mut self, receives: Receives) -> Self {
        self.receives = receives;
        self
    }
}
