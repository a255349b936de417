//! [`ChannelMessage`]: an `im.message.receive_v1` event, normalized.

use lark_core::event::Event;
use lark_core::event::types::im::{MessageReceiveV1, MessageReceiveV1MessageMention};
use lark_message::content::{
    Audio, File, Image, Interactive, Media, MessageContent, ShareChat, ShareUser, Sticker, Text,
};
use serde_json::Value;

use crate::error::RejectReason;

/// The key the platform writes in a text for an @all mention.
const MENTION_ALL_KEY: &str = "@_all";

/// Whether a chat is a one-to-one chat with the bot or a group.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ChatType {
    /// A direct message (`p2p`).
    P2p,
    /// A group chat (`group`; topic groups too).
    Group,
    /// A chat type this crate does not know, as the platform names it.
    Other(String),
}

impl ChatType {
    fn from_wire(value: &str) -> Self {
        match value {
            "p2p" => Self::P2p,
            "group" | "topic_group" => Self::Group,
            other => Self::Other(other.to_owned()),
        }
    }
}

/// Who sent a message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Sender {
    /// `ou_…`: the user's id within this app.
    pub open_id: Option<String>,
    /// `on_…`: the user's id across the developer's apps.
    pub union_id: Option<String>,
    /// The user's id within the tenant (needs the permission to read it).
    pub user_id: Option<String>,
    /// `user`, `app`, …
    pub sender_type: String,
    /// The sender's tenant.
    pub tenant_key: Option<String>,
}

impl Sender {
    /// The best id to tell senders apart: the open id, else the union id, else the user id.
    pub fn id(&self) -> Option<&str> {
        self.open_id
            .as_deref()
            .or(self.union_id.as_deref())
            .or(self.user_id.as_deref())
    }
}

/// Someone @mentioned in a message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Mention {
    /// The placeholder in the text: `@_user_1`.
    pub key: String,
    /// The display name.
    pub name: String,
    /// The mentioned user's (or bot's) open id.
    pub open_id: Option<String>,
    /// The union id.
    pub union_id: Option<String>,
    /// The user id.
    pub user_id: Option<String>,
    /// Whether this is the bot itself.
    pub is_bot: bool,
}

/// What kind of file a [`Resource`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ResourceKind {
    /// An image (`image_key`): download with `type=image`.
    Image,
    /// A file (`file_key`): download with `type=file`.
    File,
    /// An audio clip (`file_key`).
    Audio,
    /// A video (`file_key`; its cover is an [`ResourceKind::Image`]).
    Video,
    /// A sticker (`file_key`).
    Sticker,
}

/// A file a message carries, to fetch with `im.v1.message_resource.get`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Resource {
    /// What it is.
    pub kind: ResourceKind,
    /// Its `image_key` or `file_key`.
    pub key: String,
    /// The file's name, when the message says.
    pub name: Option<String>,
}

/// An inbound message, normalized from `im.message.receive_v1`.
///
/// `text` is what a user would read: mention placeholders (`@_user_1`) replaced by `@name`,
/// the bot's own mention removed. A burst merged by the channel is one `ChannelMessage` whose
/// `text` joins the parts with newlines and whose `merged_ids` names the later messages.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ChannelMessage {
    /// The message id (`om_…`); of the first message, for a merged burst.
    pub message_id: String,
    /// The chat (`oc_…`).
    pub chat_id: String,
    /// A one-to-one chat or a group.
    pub chat_type: ChatType,
    /// The thread (`omt_…`), when the message is in one.
    pub thread_id: Option<String>,
    /// The root message of the reply chain.
    pub root_id: Option<String>,
    /// The message this one replies to.
    pub parent_id: Option<String>,
    /// Who sent it.
    pub sender: Sender,
    /// The `message_type`: `text`, `post`, `image`, …
    pub message_type: String,
    /// The readable text (see above); empty for a message without text.
    pub text: String,
    /// The content as lark-message's type, when it has one (`None` for `post`, `system`,
    /// `merge_forward` and types this crate does not know: read `content_json`).
    pub content: Option<MessageContent>,
    /// The `content` JSON as the platform sent it.
    pub content_json: Value,
    /// Images, files, audio, video and stickers the message carries.
    pub resources: Vec<Resource>,
    /// Everyone @mentioned, in order.
    pub mentions: Vec<Mention>,
    /// Whether the message @mentions everyone.
    pub mention_all: bool,
    /// Whether the message @mentions the bot.
    pub mentioned_bot: bool,
    /// When it was sent, in Unix milliseconds.
    pub create_time: Option<u64>,
    /// The event id it arrived under.
    pub event_id: Option<String>,
    /// The ids of messages merged into this one after the first (a burst).
    pub merged_ids: Vec<String>,
    /// The raw event payload, when the channel was told to keep it.
    pub raw: Option<Value>,
}

impl ChannelMessage {
    /// Normalizes an `im.message.receive_v1` event. `bot_open_id` is the bot's own open id
    /// (its mention is stripped and sets `mentioned_bot`). A payload without a message id or
    /// chat id, or whose `content` is not JSON, is an `Err` with the reason; never panics.
    pub fn from_event(event: &Event, bot_open_id: Option<&str>) -> Result<Self, RejectReason> {
        let payload: MessageReceiveV1 = event
            .parse()
            .map_err(|e| RejectReason::Malformed(e.to_string()))?;
        let message = payload
            .message
            .ok_or_else(|| RejectReason::Malformed("the event has no message".to_owned()))?;
        let message_id = non_empty(message.message_id, "message_id")?;
        let chat_id = non_empty(message.chat_id, "chat_id")?;
        let sender = payload.sender.unwrap_or_default();
        let sender_id = sender.sender_id.unwrap_or_default();
        let sender = Sender {
            open_id: sender_id.open_id.filter(|s| !s.is_empty()),
            union_id: sender_id.union_id.filter(|s| !s.is_empty()),
            user_id: sender_id.user_id.filter(|s| !s.is_empty()),
            sender_type: sender.sender_type.unwrap_or_default(),
            tenant_key: sender.tenant_key,
        };
        let message_type = message.message_type.unwrap_or_default();
        let raw_content = message.content.unwrap_or_default();
        let content_json: Value = if raw_content.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&raw_content).map_err(|e| {
                RejectReason::Malformed(format!("the message content is not JSON: {e}"))
            })?
        };
        let mentions: Vec<Mention> = message
            .mentions
            .unwrap_or_default()
            .into_iter()
            .map(|m| mention(m, bot_open_id))
            .collect();
        let mentioned_bot = mentions.iter().any(|m| m.is_bot);
        let mut mention_all = mentions.iter().any(|m| m.key == MENTION_ALL_KEY);

        let mut resources = Vec::new();
        let text = match message_type.as_str() {
            "text" => {
                let raw = str_field(&content_json, "text").unwrap_or_default();
                mention_all |= raw.contains(MENTION_ALL_KEY);
                resolve_mentions(raw, &mentions)
            }
            "post" => post_text(&content_json, &mentions, &mut resources, &mut mention_all),
            _ => String::new(),
        };
        collect_resources(&message_type, &content_json, &mut resources);
        let content = typed_content(&message_type, &content_json);
        let create_time = message
            .create_time
            .as_deref()
            .or(event.create_time.as_deref())
            .and_then(|t| t.trim().parse::<u64>().ok());
        Ok(Self {
            message_id,
            chat_id,
            chat_type: ChatType::from_wire(message.chat_type.as_deref().unwrap_or("")),
            thread_id: message.thread_id.filter(|s| !s.is_empty()),
            root_id: message.root_id.filter(|s| !s.is_empty()),
            parent_id: message.parent_id.filter(|s| !s.is_empty()),
            sender,
            message_type,
            text,
            content,
            content_json,
            resources,
            mentions,
            mention_all,
            mentioned_bot,
            create_time,
            event_id: event.event_id.clone(),
            merged_ids: Vec::new(),
            raw: None,
        })
    }

    /// Whether the message is in a one-to-one chat.
    pub fn is_direct(&self) -> bool {
        self.chat_type == ChatType::P2p
    }

    /// Appends `next` (a later message of the same burst) to this one.
    pub(crate) fn absorb(&mut self, next: ChannelMessage) {
        if !next.text.is_empty() {
            if !self.text.is_empty() {
                self.text.push('\n');
            }
            self.text.push_str(&next.text);
        }
        self.resources.extend(next.resources);
        self.mentions.extend(next.mentions);
        self.mention_all |= next.mention_all;
        self.mentioned_bot |= next.mentioned_bot;
        self.merged_ids.push(next.message_id);
        self.merged_ids.extend(next.merged_ids);
    }
}

fn non_empty(value: Option<String>, field: &str) -> Result<String, RejectReason> {
    value
        .filter(|v| !v.is_empty())
        .ok_or_else(|| RejectReason::Malformed(format!("the message has no {field}")))
}

fn mention(m: MessageReceiveV1MessageMention, bot_open_id: Option<&str>) -> Mention {
    let id = m.id.unwrap_or_default();
    let open_id = id.open_id.filter(|s| !s.is_empty());
    let is_bot = matches!((&open_id, bot_open_id), (Some(a), Some(b)) if a == b);
    Mention {
        key: m.key.unwrap_or_default(),
        name: m.name.unwrap_or_default(),
        open_id,
        union_id: id.union_id.filter(|s| !s.is_empty()),
        user_id: id.user_id.filter(|s| !s.is_empty()),
        is_bot,
    }
}

fn str_field<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str)
}

/// Replaces each mention's placeholder with `@name` (the bot's own with nothing) and
/// `@_all` with `@all`, then tidies the spaces the removal leaves.
fn resolve_mentions(text: &str, mentions: &[Mention]) -> String {
    let mut sorted: Vec<&Mention> = mentions.iter().filter(|m| !m.key.is_empty()).collect();
    // `@_user_10` before `@_user_1`, so a shorter key never eats part of a longer one.
    sorted.sort_by_key(|m| std::cmp::Reverse(m.key.len()));
    let mut out = text.to_owned();
    for m in sorted {
        let replacement = if m.is_bot {
            String::new()
        } else if m.key == MENTION_ALL_KEY {
            "@all".to_owned()
        } else {
            format!("@{}", m.name)
        };
        out = out.replace(&m.key, &replacement);
    }
    out = out.replace(MENTION_ALL_KEY, "@all");
    tidy(&out)
}

/// Collapses the runs of spaces a removed mention leaves and trims the ends.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last_space = false;
    for c in text.chars() {
        if c == ' ' {
            if !last_space {
                out.push(c);
            }
            last_space = true;
        } else {
            out.push(c);
            last_space = false;
        }
    }
    out.trim().to_owned()
}

/// The text of a post (the title, then each paragraph on a line), its images and videos.
fn post_text(
    content: &Value,
    mentions: &[Mention],
    resources: &mut Vec<Resource>,
    mention_all: &mut bool,
) -> String {
    // A received post is `{"title", "content": [[...]]}`; a locale wrapper is tolerated.
    let body = if content.get("content").is_some() {
        content
    } else {
        content
            .as_object()
            .and_then(|o| o.values().find(|v| v.get("content").is_some()))
            .unwrap_or(content)
    };
    let mut lines = Vec::new();
    if let Some(title) = str_field(body, "title").filter(|t| !t.is_empty()) {
        lines.push(title.to_owned());
    }
    for paragraph in body
        .get("content")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let mut line = String::new();
        for element in paragraph.as_array().into_iter().flatten() {
            match str_field(element, "tag").unwrap_or("") {
                "text" | "md" => line.push_str(str_field(element, "text").unwrap_or("")),
                "a" => line.push_str(
                    str_field(element, "text")
                        .or(str_field(element, "href"))
                        .unwrap_or(""),
                ),
                "at" => {
                    let key = str_field(element, "user_id").unwrap_or("");
                    if key == MENTION_ALL_KEY || key == "all" {
                        *mention_all = true;
                        line.push_str("@all");
                    } else if let Some(m) = mentions.iter().find(|m| m.key == key) {
                        if !m.is_bot {
                            line.push('@');
                            line.push_str(&m.name);
                        }
                    } else if let Some(name) = str_field(element, "user_name") {
                        line.push('@');
                        line.push_str(name);
                    }
                }
                "code_block" => line.push_str(str_field(element, "text").unwrap_or("")),
                "img" => {
                    if let Some(key) = str_field(element, "image_key") {
                        resources.push(resource(ResourceKind::Image, key, None));
                    }
                }
                "media" => {
                    if let Some(key) = str_field(element, "file_key") {
                        resources.push(resource(ResourceKind::Video, key, None));
                    }
                    if let Some(key) = str_field(element, "image_key") {
                        resources.push(resource(ResourceKind::Image, key, None));
                    }
                }
                _ => {}
            }
        }
        let line = tidy(&line);
        if !line.is_empty() {
            lines.push(line);
        }
    }
    lines.join("\n")
}

fn resource(kind: ResourceKind, key: &str, name: Option<&str>) -> Resource {
    Resource {
        kind,
        key: key.to_owned(),
        name: name.map(str::to_owned),
    }
}

fn collect_resources(message_type: &str, content: &Value, resources: &mut Vec<Resource>) {
    let name = str_field(content, "file_name");
    let mut push = |kind, field: &str| {
        if let Some(key) = str_field(content, field).filter(|k| !k.is_empty()) {
            resources.push(resource(kind, key, name));
        }
    };
    match message_type {
        "image" => push(ResourceKind::Image, "image_key"),
        "file" => push(ResourceKind::File, "file_key"),
        "audio" => push(ResourceKind::Audio, "file_key"),
        "sticker" => push(ResourceKind::Sticker, "file_key"),
        "media" => {
            push(ResourceKind::Video, "file_key");
            push(ResourceKind::Image, "image_key");
        }
        _ => {}
    }
}

fn typed_content(message_type: &str, content: &Value) -> Option<MessageContent> {
    let field = |key: &str| str_field(content, key).map(str::to_owned);
    Some(match message_type {
        "text" => MessageContent::Text(Text::new(field("text")?)),
        "image" => MessageContent::Image(Image::new(field("image_key")?)),
        "file" => MessageContent::File(File::new(field("file_key")?)),
        "audio" => MessageContent::Audio(Audio::new(field("file_key")?)),
        "sticker" => MessageContent::Sticker(Sticker::new(field("file_key")?)),
        "media" => {
            let mut media = Media::new(field("file_key")?);
            if let Some(cover) = field("image_key") {
                media = media.cover(cover);
            }
            MessageContent::Media(media)
        }
        "share_chat" => MessageContent::ShareChat(ShareChat::new(field("chat_id")?)),
        "share_user" => MessageContent::ShareUser(ShareUser::new(field("user_id")?)),
        "interactive" if content.is_object() => {
            MessageContent::Interactive(Interactive::Raw(content.clone()))
        }
        _ => return None,
    })
}
