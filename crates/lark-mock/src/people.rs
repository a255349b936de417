//! The people of the mock: messages users post into chats, as the platform pushes them to the
//! bot (`im.message.receive_v1`) — text, rich text (post), images and files, mentions of the bot
//! and of others, `@all`, replies in a thread, messages sent a while ago (stale after a
//! reconnect) — kept in the chat's history like the bot's own, then delivered over the long
//! connection or as a signed HTTP callback. [`MockServer::say`] in Rust, `POST
//! /_mock/people/messages` over HTTP.

use std::time::Duration;

use serde_json::{Value, json};

use crate::delivery::{Delivered, Via};
use crate::handlers::p2p_chat;
use crate::mock::MockServer;
use crate::reply::now_millis;
use crate::state::Shared;

/// Someone mentioned in a message.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Mention {
    open_id: String,
    name: String,
}

/// What a message holds.
#[derive(Debug, Clone, PartialEq)]
enum Body {
    Text(String),
    Post { title: String, text: String },
    Image(String),
    File { key: String, name: String },
    Other { msg_type: String, content: Value },
}

/// Where a message goes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum To {
    Chat(String),
    /// The one-to-one chat of the sender and the bot.
    Bot,
}

/// A message a user posts (see the module docs). Built with the constructors and the
/// `mention…`, `from`, `in_thread` and `sent_ago` methods; [`MockServer::say`] delivers it.
///
/// ```
/// use lark_mock::people::UserMessage;
/// let hello = UserMessage::text("oc_chat", "what is the weather").mention_bot();
/// let dm = UserMessage::text_to_bot("hi").from("ou_someone");
/// ```
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub struct UserMessage {
    to: To,
    from: String,
    body: Body,
    mentions: Vec<Mention>,
    mention_all: bool,
    root_id: Option<String>,
    age: Duration,
}

impl UserMessage {
    fn new(to: To, body: Body) -> Self {
        Self {
            to,
            from: MockServer::USER_OPEN_ID.to_owned(),
            body,
            mentions: Vec::new(),
            mention_all: false,
            root_id: None,
            age: Duration::ZERO,
        }
    }

    /// A text message into `chat_id`.
    pub fn text(chat_id: impl Into<String>, text: impl Into<String>) -> Self {
        Self::new(To::Chat(chat_id.into()), Body::Text(text.into()))
    }

    /// A text message to the bot, in the sender's one-to-one chat with it.
    pub fn text_to_bot(text: impl Into<String>) -> Self {
        Self::new(To::Bot, Body::Text(text.into()))
    }

    /// A rich-text (`post`) message with a title and one paragraph of text.
    pub fn post(
        chat_id: impl Into<String>,
        title: impl Into<String>,
        text: impl Into<String>,
    ) -> Self {
        Self::new(
            To::Chat(chat_id.into()),
            Body::Post {
                title: title.into(),
                text: text.into(),
            },
        )
    }

    /// An image message (`image_key`).
    pub fn image(chat_id: impl Into<String>, image_key: impl Into<String>) -> Self {
        Self::new(To::Chat(chat_id.into()), Body::Image(image_key.into()))
    }

    /// A file message (`file_key` and its name).
    pub fn file(
        chat_id: impl Into<String>,
        file_key: impl Into<String>,
        name: impl Into<String>,
    ) -> Self {
        Self::new(
            To::Chat(chat_id.into()),
            Body::File {
                key: file_key.into(),
                name: name.into(),
            },
        )
    }

    /// Any other message type, its content as the platform spells it.
    pub fn other(chat_id: impl Into<String>, msg_type: impl Into<String>, content: Value) -> Self {
        Self::new(
            To::Chat(chat_id.into()),
            Body::Other {
                msg_type: msg_type.into(),
                content,
            },
        )
    }

    /// Sent by the user `open_id` (the mock's user, [`MockServer::USER_OPEN_ID`], by default).
    pub fn from(mut self, open_id: impl Into<String>) -> Self {
        self.from = open_id.into();
        self
    }

    /// Mentions the bot (`@Mock Bot`), before the text.
    pub fn mention_bot(self) -> Self {
        self.mention(MockServer::BOT_OPEN_ID, crate::identity::BOT_NAME)
    }

    /// Mentions `open_id` by `name`, before the text (after earlier mentions).
    pub fn mention(mut self, open_id: impl Into<String>, name: impl Into<String>) -> Self {
        self.mentions.push(Mention {
            open_id: open_id.into(),
            name: name.into(),
        });
        self
    }

    /// Mentions everyone (`@_all`).
    pub fn mention_all(mut self) -> Self {
        self.mention_all = true;
        self
    }

    /// A reply in the thread of the message `root_id`.
    pub fn in_thread(mut self, root_id: impl Into<String>) -> Self {
        self.root_id = Some(root_id.into());
        self
    }

    /// Sent `age` ago: its `create_time` is that far in the past (a message the platform
    /// delivers late, after a reconnect).
    pub fn sent_ago(mut self, age: Duration) -> Self {
        self.age = age;
        self
    }

    /// A message from the control API's JSON: `{"chat_id" | "to_bot": true, "from", "text" |
    /// "post": {"title", "text"} | "image_key" | "file": {"key", "name"}, "mentions": ["bot" |
    /// {"open_id", "name"}], "mention_all", "thread", "sent_ago_ms"}`.
    pub fn from_json(value: &Value) -> Result<Self, String> {
        let text_of = |key: &str| value.get(key).and_then(Value::as_str);
        let chat = match (
            text_of("chat_id"),
            value.get("to_bot").and_then(Value::as_bool),
        ) {
            (Some(chat), None | Some(false)) => To::Chat(chat.to_owned()),
            (None, Some(true)) => To::Bot,
            _ => return Err("say where: `chat_id`, or `to_bot: true`".into()),
        };
        let body = if let Some(text) = text_of("text") {
            Body::Text(text.to_owned())
        } else if let Some(post) = value.get("post") {
            let field = |key: &str| {
                post.get(key)
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned()
            };
            Body::Post {
                title: field("title"),
                text: field("text"),
            }
        } else if let Some(key) = text_of("image_key") {
            Body::Image(key.to_owned())
        } else if let Some(file) = value.get("file") {
            let field = |key: &str| {
                file.get(key)
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned()
            };
            Body::File {
                key: field("key"),
                name: field("name"),
            }
        } else {
            return Err("say what: `text`, `post`, `image_key` or `file`".into());
        };
        let mut message = Self::new(chat, body);
        if let Some(from) = text_of("from") {
            message.from = from.to_owned();
        }
        for mention in value
            .get("mentions")
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice)
        {
            message = match mention {
                Value::String(s) if s == "bot" => message.mention_bot(),
                Value::Object(_) => {
                    let field = |key: &str| mention.get(key).and_then(Value::as_str);
                    let Some(open_id) = field("open_id") else {
                        return Err("a mention needs an `open_id`".into());
                    };
                    let name = field("name").unwrap_or(open_id).to_owned();
                    message.mention(open_id, name)
                }
                _ => return Err("a mention is \"bot\" or {\"open_id\", \"name\"}".into()),
            };
        }
        if value.get("mention_all").and_then(Value::as_bool) == Some(true) {
            message = message.mention_all();
        }
        if let Some(root) = text_of("thread") {
            message = message.in_thread(root);
        }
        match value.get("sent_ago_ms") {
            None | Some(Value::Null) => {}
            Some(ms) => {
                let ms = ms
                    .as_u64()
                    .ok_or("`sent_ago_ms` must be a whole number of milliseconds")?;
                message = message.sent_ago(Duration::from_millis(ms));
            }
        }
        Ok(message)
    }

    /// `msg_type` and `content` as the platform spells them, placeholders for the mentions
    /// (`@_user_1`, …, `@_all`) before the text.
    fn content(&self) -> (&str, Value) {
        let mut prefix: Vec<String> = (1..=self.mentions.len())
            .map(|n| format!("@_user_{n}"))
            .collect();
        if self.mention_all {
            prefix.push("@_all".to_owned());
        }
        let with_mentions = |text: &str| {
            if prefix.is_empty() {
                text.to_owned()
            } else {
                format!("{} {text}", prefix.join(" "))
            }
        };
        match &self.body {
            Body::Text(text) => ("text", json!({ "text": with_mentions(text) })),
            Body::Post { title, text } => {
                let mut line: Vec<Value> = self
                    .mentions
                    .iter()
                    .enumerate()
                    .map(|(n, m)| {
                        json!({"tag": "at", "user_id": format!("@_user_{}", n + 1), "user_name": m.name})
                    })
                    .collect();
                if self.mention_all {
                    line.push(json!({"tag": "at", "user_id": "@_all", "user_name": "所有人"}));
                }
                line.push(json!({"tag": "text", "text": text}));
                ("post", json!({ "title": title, "content": [line] }))
            }
            Body::Image(key) => ("image", json!({ "image_key": key })),
            Body::File { key, name } => ("file", json!({ "file_key": key, "file_name": name })),
            Body::Other { msg_type, content } => (msg_type.as_str(), content.clone()),
        }
    }
}

impl MockServer {
    /// Posts `message` into its chat: kept in the chat's history (the bot can read it back and
    /// reply to it), returned as the `im.message.receive_v1` event the platform pushes, its
    /// header left for the delivery to complete.
    pub fn post_user_message(&self, message: &UserMessage) -> Value {
        post(&self.shared, message)
    }

    /// Posts `message` and delivers it to the bot `via` the long connection or its HTTP
    /// callback, waiting up to `timeout` for the answers.
    pub async fn say(&self, message: &UserMessage, via: Via, timeout: Duration) -> Delivered {
        let event = self.post_user_message(message);
        self.deliver(&event, via, timeout).await
    }
}

/// [`MockServer::post_user_message`] on the mock's state.
pub(crate) fn post(shared: &Shared, message: &UserMessage) -> Value {
    {
        let mut data = shared.data();
        let sender = data.user_or_derived(&message.from);
        let chat_id = match &message.to {
            To::Chat(chat_id) => chat_id.clone(),
            To::Bot => p2p_chat(&mut data, &sender),
        };
        let chat_type = match data
            .chats
            .get(&chat_id)
            .and_then(|c| c["chat_mode"].as_str())
        {
            Some("p2p") => "p2p",
            _ => "group",
        };
        let message_id = shared.new_id("om_");
        let age = u64::try_from(message.age.as_millis()).unwrap_or(u64::MAX);
        let created = now_millis().saturating_sub(age).to_string();
        let (msg_type, content) = message.content();
        let content = content.to_string();
        let mentions: Vec<Value> = message
            .mentions
            .iter()
            .enumerate()
            .map(|(n, m)| {
                // The bot has an open id only.
                let (union_id, user_id) = if m.open_id == MockServer::BOT_OPEN_ID {
                    (String::new(), String::new())
                } else {
                    let user = data.user_or_derived(&m.open_id);
                    (user.union_id, user.user_id)
                };
                json!({
                    "key": format!("@_user_{}", n + 1),
                    "id": {"open_id": m.open_id, "union_id": union_id, "user_id": user_id},
                    "name": m.name,
                    "tenant_key": MockServer::TENANT_KEY,
                })
            })
            .collect();
        let root = message.root_id.clone().unwrap_or_default();
        let thread_id = if root.is_empty() {
            String::new()
        } else {
            format!("omt_{}", root.trim_start_matches("om_"))
        };
        let sender_id = json!({
            "open_id": sender.open_id,
            "union_id": sender.union_id,
            "user_id": sender.user_id,
        });
        let stored = json!({
            "message_id": message_id,
            "root_id": root,
            "parent_id": root,
            "thread_id": thread_id,
            "msg_type": msg_type,
            "create_time": created,
            "update_time": created,
            "deleted": false,
            "updated": false,
            "chat_id": chat_id,
            "sender": {"id": sender.open_id, "id_type": "open_id", "sender_type": "user", "tenant_key": MockServer::TENANT_KEY},
            "body": {"content": content},
            "mentions": mentions.iter().map(|m| json!({
                "key": m["key"], "id": m["id"]["open_id"], "id_type": "open_id", "name": m["name"], "tenant_key": MockServer::TENANT_KEY,
            })).collect::<Vec<_>>(),
        });
        let index = data.messages.len();
        data.messages.push(stored);
        data.message_index.insert(message_id.clone(), index);
        drop(data);
        json!({
            "schema": "2.0",
            "header": {"event_type": "im.message.receive_v1", "create_time": created},
            "event": {
                "sender": {"sender_id": sender_id, "sender_type": "user", "tenant_key": MockServer::TENANT_KEY},
                "message": {
                    "message_id": message_id,
                    "root_id": root,
                    "parent_id": root,
                    "thread_id": thread_id,
                    "create_time": created,
                    "update_time": created,
                    "chat_id": chat_id,
                    "chat_type": chat_type,
                    "message_type": msg_type,
                    "content": content,
                    "mentions": mentions,
                    "user_agent": "Mozilla/5.0 (lark-mock)",
                },
            },
        })
    }
}
