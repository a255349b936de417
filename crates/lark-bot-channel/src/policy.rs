//! [`Policy`]: which messages reach the handler.

use std::collections::HashSet;

use crate::error::RejectReason;
use crate::message::{ChannelMessage, ChatType};

/// Who may talk to the bot in direct messages.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum DmMode {
    /// Anyone.
    #[default]
    Open,
    /// Only these senders (open ids, union ids or user ids).
    Allowlist(HashSet<String>),
    /// Nobody: direct messages are rejected.
    Disabled,
}

impl DmMode {
    /// An allowlist of sender ids (open, union or user ids).
    pub fn allowlist(ids: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Self::Allowlist(ids.into_iter().map(Into::into).collect())
    }
}

/// Which messages reach the handler. By default: every direct message, every group, and in
/// groups only messages that @mention the bot (an @all does not count).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
#[must_use]
pub struct Policy {
    /// Direct messages.
    pub dm: DmMode,
    /// The groups the bot answers in; `None` for every group.
    pub groups: Option<HashSet<String>>,
    /// Whether a group message must @mention the bot.
    pub require_mention: bool,
    /// Whether an @all counts as a mention of the bot.
    pub mention_all_counts: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            dm: DmMode::Open,
            groups: None,
            require_mention: true,
            mention_all_counts: false,
        }
    }
}

impl Policy {
    /// The defaults (see the type).
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets who may send direct messages.
    pub fn dm(mut self, mode: DmMode) -> Self {
        self.dm = mode;
        self
    }

    /// Answers only in these groups (chat ids).
    pub fn group_allowlist(
        mut self,
        chat_ids: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        self.groups = Some(chat_ids.into_iter().map(Into::into).collect());
        self
    }

    /// Sets whether a group message must @mention the bot.
    pub fn require_mention(mut self, required: bool) -> Self {
        self.require_mention = required;
        self
    }

    /// Sets whether an @all counts as a mention of the bot.
    pub fn mention_all_counts(mut self, counts: bool) -> Self {
        self.mention_all_counts = counts;
        self
    }

    /// `Ok` when `message` may reach the handler, or the reason it may not.
    pub fn check(&self, message: &ChannelMessage) -> Result<(), RejectReason> {
        match &message.chat_type {
            ChatType::P2p => match &self.dm {
                DmMode::Open => Ok(()),
                DmMode::Disabled => Err(RejectReason::DmDisabled),
                DmMode::Allowlist(ids) => {
                    let s = &message.sender;
                    let allowed = [&s.open_id, &s.union_id, &s.user_id]
                        .into_iter()
                        .flatten()
                        .any(|id| ids.contains(id));
                    if allowed {
                        Ok(())
                    } else {
                        Err(RejectReason::DmNotAllowed)
                    }
                }
            },
            ChatType::Group => {
                if let Some(groups) = &self.groups {
                    if !groups.contains(&message.chat_id) {
                        return Err(RejectReason::GroupNotAllowed);
                    }
                }
                let mentioned =
                    message.mentioned_bot || (self.mention_all_counts && message.mention_all);
                if self.require_mention && !mentioned {
                    return Err(RejectReason::NotMentioned);
                }
                Ok(())
            }
            ChatType::Other(other) => Err(RejectReason::UnsupportedChatType(other.clone())),
        }
    }
}
