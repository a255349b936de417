//! What the mock keeps of what apps did through the API, for tests to read: the messages they
//! sent or replied with ([`SentMessage`], taken by `sent.rs`) and the images and files they
//! uploaded for messages ([`Upload`], taken by `uploads.rs`).

use serde_json::{Value, json};
use sha2::Digest as _;

use crate::cardkit::store::Cards;

/// A message the bot (or a user through a user access token) sent or replied with.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SentMessage {
    /// Its id (`om_…`).
    pub message_id: String,
    /// The chat it went to; empty for a reply to a message the mock does not hold (tests
    /// often push events for messages they never posted).
    pub chat_id: String,
    /// `text`, `post`, `interactive`, `image`, …
    pub msg_type: String,
    /// The content, parsed.
    pub content: Value,
    /// For a reply: the message replied to.
    pub reply_to: Option<String>,
    /// For a reply: whether it asked to go into the thread (`reply_in_thread`).
    pub reply_in_thread: bool,
    /// The thread it is in, when it is in one.
    pub thread_id: Option<String>,
    /// Who sent it: the app id, or a user's open id.
    pub sender_id: String,
    /// When the mock took it, in Unix milliseconds.
    pub at_unix_ms: u64,
}

impl SentMessage {
    /// The text of a `text` message.
    pub fn text(&self) -> Option<&str> {
        self.content.get("text").and_then(Value::as_str)
    }

    /// The CardKit card entity an `interactive` message shows (`{"type": "card", "data":
    /// {"card_id"}}`); [`crate::MockServer::cardkit_card`] has its updates.
    pub fn card_id(&self) -> Option<&str> {
        if self.msg_type != "interactive" || self.content["type"] != "card" {
            return None;
        }
        self.content
            .pointer("/data/card_id")
            .and_then(Value::as_str)
    }

    /// The card JSON of an `interactive` message that carries one (not an entity or a
    /// template).
    pub fn card_json(&self) -> Option<&Value> {
        (self.msg_type == "interactive" && self.content.get("type").is_none())
            .then_some(&self.content)
    }

    /// As the control API lists it, with the updates of the card entity it shows.
    pub(crate) fn to_json(&self, cards: &Cards) -> Value {
        let card = self
            .card_id()
            .and_then(|id| cards.get(id))
            .map(|entity| entity.to_json());
        json!({
            "message_id": self.message_id,
            "chat_id": self.chat_id,
            "msg_type": self.msg_type,
            "content": self.content,
            "reply_to": self.reply_to,
            "reply_in_thread": self.reply_in_thread,
            "thread_id": self.thread_id,
            "sender_id": self.sender_id,
            "at_unix_ms": self.at_unix_ms,
            "card": card,
        })
    }
}

/// Whether an upload is an image or a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UploadKind {
    /// `im/v1/images`: an `image_key` (`img_…`).
    Image,
    /// `im/v1/files`: a `file_key` (`file_…`).
    File,
}

/// An image or file uploaded for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Upload {
    /// The `image_key` or `file_key` it was answered with.
    pub key: String,
    /// Image or file.
    pub kind: UploadKind,
    /// The `image_type` (`message`, `avatar`) or `file_type` (`stream`, `pdf`, `mp4`, …).
    pub file_type: String,
    /// A file's `file_name`.
    pub file_name: Option<String>,
    /// The bytes.
    pub bytes: Vec<u8>,
    /// A video's or an audio file's `duration`, in milliseconds, when the upload gave one.
    pub duration_ms: Option<u64>,
    /// When the mock took it, in Unix milliseconds.
    pub at_unix_ms: u64,
}

impl Upload {
    /// As the control API lists it: the bytes as their size and SHA-256.
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "key": self.key,
            "kind": match self.kind { UploadKind::Image => "image", UploadKind::File => "file" },
            "type": self.file_type,
            "file_name": self.file_name,
            "duration_ms": self.duration_ms,
            "size": self.bytes.len(),
            "sha256": hex(&sha2::Sha256::digest(&self.bytes)),
            "at_unix_ms": self.at_unix_ms,
        })
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
