//! The messages a custom bot can post, and the JSON each one becomes.
//!
//! The content types live in [`lark_message`] and are shared with the API client; this
//! module wraps one in a [`Message`] that only a webhook can carry. A custom bot posts five
//! kinds of message:
//!
//! | builder | `msg_type` | payload |
//! |---|---|---|
//! | [`Message::text`], [`Text`] | `text` | `"content": {"text": "…"}` |
//! | [`Message::post`], [`Post`] | `post` | `"content": {"post": {"zh_cn": {"title", "content"}}}` |
//! | [`Message::image`] | `image` | `"content": {"image_key": "…"}` |
//! | [`Message::share_chat`] | `share_chat` | `"content": {"share_chat_id": "…"}` |
//! | [`Message::card`], [`Message::interactive`], [`Message::card_template`] | `interactive` | `"card": {…}` |
//!
//! Any other [`MessageContent`] (file, audio, media, sticker, share_user, system, card
//! entities) is refused with [`Error::Build`]: webhooks do not take them.

use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};
use serde_json::Value;

use lark_core::{Error, Result};
use lark_message::Card;
use lark_message::content::{
    CardTemplate, Image, Interactive, MessageContent, Post, ShareChat, Text,
};

/// One message for a custom bot's webhook.
///
/// ```
/// use lark_custom_bot::{Message, Text};
/// let message = Message::from(Text::new("deploy finished ").at_all());
/// assert_eq!(
///     message.to_json().unwrap(),
///     r#"{"msg_type":"text","content":{"text":"deploy finished <at user_id=\"all\">所有人</at>"}}"#,
/// );
/// ```
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub struct Message {
    kind: Kind,
}

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Content(MessageContent),
    PostJson(Value),
}

impl Message {
    /// A message of any content; checked at send time to be one a webhook takes.
    pub fn new(content: impl Into<MessageContent>) -> Self {
        Self {
            kind: Kind::Content(content.into()),
        }
    }

    /// A plain text message. For @mentions, build a [`Text`].
    pub fn text(text: impl Into<String>) -> Self {
        Text::new(text).into()
    }

    /// A rich-text (`post`) message.
    pub fn post(post: Post) -> Self {
        Self::new(post)
    }

    /// A rich-text message from the JSON of `content.post`: an object keyed by locale, such
    /// as `{"zh_cn": {"title": "…", "content": [[{"tag": "text", "text": "…"}]]}}`. An object
    /// that is already wrapped as `{"post": {…}}` is accepted too.
    ///
    /// For tags the builders lack; checked at send time to be a non-empty object.
    pub fn post_json(post: Value) -> Self {
        let post = match post {
            Value::Object(mut map) if map.len() == 1 && map.contains_key("post") => {
                map.remove("post").unwrap_or(Value::Null)
            }
            other => other,
        };
        Self {
            kind: Kind::PostJson(post),
        }
    }

    /// An image, by the `image_key` of an image uploaded through the image upload API.
    pub fn image(image_key: impl Into<String>) -> Self {
        Self::new(Image::new(image_key))
    }

    /// A group's business card, by the chat id (`oc_…`) of a group the bot is in.
    pub fn share_chat(share_chat_id: impl Into<String>) -> Self {
        Self::new(ShareChat::new(share_chat_id))
    }

    /// An interactive card from its JSON (`header`, `elements`, `config`, `i18n_elements`,
    /// or a schema 2.0 card). Checked at send time to be an object. Prefer
    /// [`Message::interactive`] with a typed [`Card`].
    pub fn card(card: Value) -> Self {
        Self::new(Interactive::Raw(card))
    }

    /// An interactive card built with [`lark_message::card`].
    pub fn interactive(card: Card) -> Self {
        Self::new(card)
    }

    /// An interactive card from a card template made in the card builder.
    pub fn card_template(template: CardTemplate) -> Self {
        Self::new(template)
    }

    /// The `msg_type` of the message.
    pub fn msg_type(&self) -> &'static str {
        match &self.kind {
            Kind::Content(content) => content.msg_type(),
            Kind::PostJson(_) => "post",
        }
    }

    /// Checks what the webhook would reject for sure: a type a webhook does not take, empty
    /// text or keys, a card that is not an object, an @mention that would break the text's
    /// markup.
    pub fn validate(&self) -> Result<()> {
        match &self.kind {
            Kind::Content(content) => content.webhook_form().map(|_| ()),
            Kind::PostJson(value) => match value {
                Value::Object(map) if !map.is_empty() => Ok(()),
                _ => Err(Error::Build(
                    "a post's JSON must be a non-empty object keyed by locale".to_owned(),
                )),
            },
        }
    }

    /// The message as the webhook's JSON text (`msg_type`, then `content` or `card`),
    /// without the signature. Fails when [`Message::validate`] does.
    pub fn to_json(&self) -> Result<String> {
        self.validate()?;
        serde_json::to_string(self)
            .map_err(|e| Error::Build(format!("the message cannot be serialized: {e}")))
    }
}

impl Serialize for Message {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        match &self.kind {
            Kind::Content(content) => content
                .webhook_form()
                .map_err(serde::ser::Error::custom)?
                .serialize(serializer),
            Kind::PostJson(post) => {
                #[derive(Serialize)]
                struct Wrapped<'a> {
                    post: &'a Value,
                }
                let mut s = serializer.serialize_struct("Message", 2)?;
                s.serialize_field("msg_type", "post")?;
                s.serialize_field("content", &Wrapped { post })?;
                s.end()
            }
        }
    }
}

impl From<MessageContent> for Message {
    fn from(content: MessageContent) -> Self {
        Self::new(content)
    }
}

impl From<Text> for Message {
    fn from(text: Text) -> Self {
        Self::new(text)
    }
}

impl From<Post> for Message {
    fn from(post: Post) -> Self {
        Self::new(post)
    }
}

impl From<CardTemplate> for Message {
    fn from(template: CardTemplate) -> Self {
        Self::new(template)
    }
}

impl From<Card> for Message {
    fn from(card: Card) -> Self {
        Self::new(card)
    }
}

/// What a webhook post carries: a `msg_type` with its `content` (or `card`), written flat next
/// to the signature. [`Message`] is the typed one; [`WebhookJson`] carries JSON built elsewhere.
pub trait WebhookPayload: Serialize {
    /// Checks what the webhook would refuse for sure, before anything is sent.
    fn validate(&self) -> Result<()>;
}

impl WebhookPayload for Message {
    fn validate(&self) -> Result<()> {
        Message::validate(self)
    }
}

/// A webhook message whose JSON was built elsewhere, such as by the npm package's JavaScript
/// builders: `{"msg_type": "text", "content": {...}}`, or `{"msg_type": "interactive", "card":
/// {...}}`. Sending it needs none of the typed builders' serialisers, which keeps a wasm build
/// that only forwards JSON small.
///
/// ```
/// use lark_custom_bot::WebhookJson;
/// let message = WebhookJson::content("image", serde_json::json!({"image_key": "img_1"}));
/// assert_eq!(
///     serde_json::to_string(&message).unwrap(),
///     r#"{"msg_type":"image","content":{"image_key":"img_1"}}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub struct WebhookJson {
    msg_type: String,
    card: bool,
    value: Value,
}

/// The message types a custom bot's webhook takes.
const WEBHOOK_TYPES: &[&str] = &["text", "post", "image", "share_chat", "interactive"];

impl WebhookJson {
    /// A message of `msg_type` with `content` (an object: `{"text": "…"}`, `{"post": {…}}`,
    /// `{"image_key": "…"}`, `{"share_chat_id": "…"}`).
    pub fn content(msg_type: impl Into<String>, content: Value) -> Self {
        Self {
            msg_type: msg_type.into(),
            card: false,
            value: content,
        }
    }

    /// An interactive card from its JSON, sent under `card`.
    pub fn card(card: Value) -> Self {
        Self {
            msg_type: "interactive".to_owned(),
            card: true,
            value: card,
        }
    }
}

impl WebhookPayload for WebhookJson {
    fn validate(&self) -> Result<()> {
        if !WEBHOOK_TYPES.contains(&self.msg_type.as_str()) {
            return Err(Error::Build(format!(
                "a custom bot cannot send msg_type {}: it takes text, post, image, share_chat \
                 and interactive",
                self.msg_type
            )));
        }
        let what = if self.card { "card" } else { "content" };
        match &self.value {
            Value::Object(map) if !map.is_empty() => {
                if let Some((key, _)) = map.iter().find(|(_, v)| v.as_str() == Some("")) {
                    return Err(Error::Build(format!(
                        "the {} message's {what}.{key} is empty",
                        self.msg_type
                    )));
                }
                Ok(())
            }
            _ => Err(Error::Build(format!(
                "the {} message's {what} must be a non-empty JSON object",
                self.msg_type
            ))),
        }
    }
}

impl Serialize for WebhookJson {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Message", 2)?;
        s.serialize_field("msg_type", &self.msg_type)?;
        if self.card {
            s.serialize_field("card", &self.value)?;
        } else {
            s.serialize_field("content", &self.value)?;
        }
        s.end()
    }
}
