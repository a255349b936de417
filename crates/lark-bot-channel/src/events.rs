//! [`ChannelEvent`]: what else happens in a chat, normalized.

use lark_core::event::Event;
use lark_core::event::types::im::{
    ChatMemberBotAddedV1, ChatMemberBotDeletedV1, MessageReactionCreatedV1,
};
use lark_message::callback::CardAction;

use crate::error::RejectReason;

/// The event types the channel registers on the dispatcher.
pub(crate) const MESSAGE_RECEIVE: &str = "im.message.receive_v1";
pub(crate) const REACTION_CREATED: &str = "im.message.reaction.created_v1";
pub(crate) const BOT_ADDED: &str = "im.chat.member.bot.added_v1";
pub(crate) const BOT_REMOVED: &str = "im.chat.member.bot.deleted_v1";

/// A user's ids, as events carry them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct UserIds {
    /// `ou_…`
    pub open_id: Option<String>,
    /// `on_…`
    pub union_id: Option<String>,
    /// The tenant's user id.
    pub user_id: Option<String>,
}

/// [`UserIds`] from a typed event's id struct (each event type has its own, of one shape).
macro_rules! user_ids {
    ($ids:expr) => {{
        let ids = $ids;
        UserIds {
            open_id: ids.open_id,
            union_id: ids.union_id,
            user_id: ids.user_id,
        }
    }};
}

/// An event of the channel other than a message.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum ChannelEvent {
    /// `im.message.reaction.created_v1`: someone added a reaction to a message.
    Reaction {
        /// The message reacted to.
        message_id: String,
        /// The emoji (`THUMBSUP`, `SMILE`, …).
        emoji_type: String,
        /// Who reacted.
        operator: UserIds,
        /// `user` or `app`.
        operator_type: String,
        /// When, in Unix milliseconds.
        action_time: Option<u64>,
    },
    /// `im.chat.member.bot.added_v1`: the bot joined a chat.
    BotAdded {
        /// The chat.
        chat_id: String,
        /// Who added it.
        operator: UserIds,
        /// The chat's name.
        name: Option<String>,
    },
    /// `im.chat.member.bot.deleted_v1`: the bot was removed from a chat.
    BotRemoved {
        /// The chat.
        chat_id: String,
        /// Who removed it.
        operator: UserIds,
        /// The chat's name.
        name: Option<String>,
    },
    /// `card.action.trigger`: a button, a select, a form on one of the bot's cards. The
    /// platform got an empty reply (the card stays); update the card from the handler.
    CardAction(Box<CardAction>),
}

impl ChannelEvent {
    /// The chat the event belongs to, when it says (a reaction names only its message).
    pub fn chat_id(&self) -> Option<&str> {
        match self {
            Self::BotAdded { chat_id, .. } | Self::BotRemoved { chat_id, .. } => Some(chat_id),
            Self::CardAction(action) => action.context.open_chat_id.as_deref(),
            Self::Reaction { .. } => None,
        }
    }

    /// Normalizes a reaction, bot added or bot removed event.
    pub fn from_event(event: &Event) -> Result<Self, RejectReason> {
        let malformed = |e: lark_core::event::EventError| RejectReason::Malformed(e.to_string());
        match event.event_type.as_str() {
            REACTION_CREATED => {
                let r: MessageReactionCreatedV1 = event.parse().map_err(malformed)?;
                let user = r.user_id.unwrap_or_default();
                Ok(Self::Reaction {
                    message_id: required(r.message_id, "message_id")?,
                    emoji_type: r
                        .reaction_type
                        .and_then(|t| t.emoji_type)
                        .unwrap_or_default(),
                    operator: user_ids!(user),
                    operator_type: r.operator_type.unwrap_or_default(),
                    action_time: r.action_time.and_then(|t| t.parse().ok()),
                })
            }
            BOT_ADDED => {
                let e: ChatMemberBotAddedV1 = event.parse().map_err(malformed)?;
                let op = e.operator_id.unwrap_or_default();
                Ok(Self::BotAdded {
                    chat_id: required(e.chat_id, "chat_id")?,
                    operator: user_ids!(op),
                    name: e.name,
                })
            }
            BOT_REMOVED => {
                let e: ChatMemberBotDeletedV1 = event.parse().map_err(malformed)?;
                let op = e.operator_id.unwrap_or_default();
                Ok(Self::BotRemoved {
                    chat_id: required(e.chat_id, "chat_id")?,
                    operator: user_ids!(op),
                    name: e.name,
                })
            }
            other => Err(RejectReason::Malformed(format!(
                "{other} is not an event of the channel"
            ))),
        }
    }
}

fn required(value: Option<String>, field: &str) -> Result<String, RejectReason> {
    value
        .filter(|v| !v.is_empty())
        .ok_or_else(|| RejectReason::Malformed(format!("the event has no {field}")))
}
