//! Why an event did not reach the handler.

use std::fmt;

/// Why the channel dropped an event instead of handing it to the handler.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RejectReason {
    /// The payload is not what the platform sends (a field missing, content that is not JSON).
    Malformed(String),
    /// A direct message, and direct messages are [`DmMode::Disabled`](crate::DmMode::Disabled).
    DmDisabled,
    /// A direct message from a sender not on the allowlist.
    DmNotAllowed,
    /// A message in a group not on the allowlist.
    GroupNotAllowed,
    /// A group message that does not @mention the bot, when a mention is required.
    NotMentioned,
    /// A message older than the channel's maximum age (typically delivered after a reconnect).
    Stale {
        /// How old it was, in milliseconds.
        age_millis: u64,
    },
    /// The chat's queue is full: the handler is too far behind.
    QueueFull,
    /// A chat type the policy does not handle.
    UnsupportedChatType(String),
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed(why) => write!(f, "malformed event: {why}"),
            Self::DmDisabled => f.write_str("direct messages are disabled"),
            Self::DmNotAllowed => f.write_str("the sender is not on the direct-message allowlist"),
            Self::GroupNotAllowed => f.write_str("the group is not on the allowlist"),
            Self::NotMentioned => f.write_str("the bot was not mentioned"),
            Self::Stale { age_millis } => write!(f, "the message is {age_millis} ms old"),
            Self::QueueFull => f.write_str("the chat's queue is full"),
            Self::UnsupportedChatType(t) => write!(f, "unsupported chat type {t:?}"),
        }
    }
}

/// An event the channel dropped, and why: what the rejected-event hook receives.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Rejected {
    /// Why.
    pub reason: RejectReason,
    /// The event type.
    pub event_type: String,
    /// The event id, when it had one.
    pub event_id: Option<String>,
    /// The chat, when known.
    pub chat_id: Option<String>,
    /// The message, when known.
    pub message_id: Option<String>,
    /// The message's sender ([`Sender::id`](crate::Sender::id)), when known.
    pub sender_id: Option<String>,
}

impl fmt::Display for Rejected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} rejected: {}", self.event_type, self.reason)
    }
}
