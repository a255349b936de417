//! Sending typed messages through the API client in one line.
//!
//! Each request type here is an [`Endpoint`] that delegates to the generated one, so
//! `client.send(&SendMessage::text(ReceiveId::chat("oc_…"), "hi"))` works directly and
//! answers with the generated response type. `into_request` hands back the generated
//! request (`lark_api_im::v1::message::Create`, …) for anything this module does not set.
//!
//! | helper | endpoint |
//! |---|---|
//! | [`SendMessage`] | `im.v1.message.create`: `POST /open-apis/im/v1/messages` |
//! | [`ReplyMessage`] | `im.v1.message.reply`: `POST /open-apis/im/v1/messages/:message_id/reply` |
//! | [`UpdateMessage`] | `im.v1.message.update`: `PUT /open-apis/im/v1/messages/:message_id` (text and post) |
//! | [`PatchCard`] | `im.v1.message.patch`: `PATCH /open-apis/im/v1/messages/:message_id` (cards) |
//! | [`BatchSend`] | `message.v4.batchSend`: `POST /open-apis/message/v4/batch_send/` |
//!
//! A content that fails [`MessageContent::validate`] makes the request fail with
//! [`Error::Build`] before anything leaves the machine.
//!
//! ```no_run
//! # async fn run(client: lark_core::Client<lark_reqwest::ReqwestClient>) -> lark_core::Result<()> {
//! use lark_message::card::{Card, Element, Header};
//! use lark_message::{ReceiveId, SendMessage};
//!
//! client.send(&SendMessage::text(ReceiveId::chat("oc_1"), "hi")).await?;
//! let card = Card::new().header(Header::new("Weekly report")).element(Element::markdown("**ok**"));
//! let sent = client.send(&SendMessage::card(ReceiveId::open_id("ou_1"), card)).await?;
//! println!("{:?}", sent.message_id);
//! # Ok(()) }
//! ```

use lark_api_im::v1::message;
use lark_api_message::v4 as message_v4;
use lark_core::endpoint::{Body, Endpoint, EndpointMeta};
use lark_core::{Error, Result};

use crate::card::Card;
use crate::content::{
    Audio, CardTemplate, File, Image, Media, MessageContent, Post, ShareChat, ShareUser, Sticker,
    System, Text,
};

pub use lark_api_im::v1::message::ReceiveIdType;

/// Who receives a message: the `receive_id_type` and the `receive_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiveId {
    kind: ReceiveIdType,
    id: String,
}

impl ReceiveId {
    /// A receiver of any id type.
    pub fn new(kind: impl Into<ReceiveIdType>, id: impl Into<String>) -> Self {
        Self {
            kind: kind.into(),
            id: id.into(),
        }
    }

    /// A chat, by chat id (`oc_…`).
    pub fn chat(chat_id: impl Into<String>) -> Self {
        Self::new(ReceiveIdType::ChatId, chat_id)
    }

    /// A user, by open id (`ou_…`).
    pub fn open_id(open_id: impl Into<String>) -> Self {
        Self::new(ReceiveIdType::OpenId, open_id)
    }

    /// A user, by user id.
    pub fn user_id(user_id: impl Into<String>) -> Self {
        Self::new(ReceiveIdType::UserId, user_id)
    }

    /// A user, by union id (`on_…`).
    pub fn union_id(union_id: impl Into<String>) -> Self {
        Self::new(ReceiveIdType::UnionId, union_id)
    }

    /// A user, by email address.
    pub fn email(email: impl Into<String>) -> Self {
        Self::new(ReceiveIdType::Email, email)
    }

    /// The id type.
    pub fn kind(&self) -> &ReceiveIdType {
        &self.kind
    }

    /// The id.
    pub fn id(&self) -> &str {
        &self.id
    }
}

/// The generated request with the content's JSON, or the reason it could not be made.
/// The request is kept even then (with an empty content) so that `meta` can answer; the
/// error comes back from `path`, which the client calls first.
#[derive(Debug, Clone)]
struct Built<R> {
    request: R,
    error: Option<String>,
}

impl<R> Built<R> {
    fn new(content: &MessageContent, make: impl FnOnce(&'static str, String) -> R) -> Self {
        match content.content() {
            Ok(json) => Self {
                request: make(content.msg_type(), json),
                error: None,
            },
            Err(e) => Self {
                request: make(content.msg_type(), String::new()),
                error: Some(match e {
                    Error::Build(m) => m,
                    other => other.to_string(),
                }),
            },
        }
    }

    fn check(&self) -> Result<()> {
        match &self.error {
            Some(m) => Err(Error::Build(m.clone())),
            None => Ok(()),
        }
    }

    fn into_request(self) -> Result<R> {
        self.check()?;
        Ok(self.request)
    }
}

/// Implements [`Endpoint`] for a wrapper by delegating to its `built.request`.
macro_rules! delegate_endpoint {
    ($wrapper:ty => $inner:ty) => {
        impl Endpoint for $wrapper {
            type Output = <$inner as Endpoint>::Output;

            fn meta(&self) -> &EndpointMeta {
                self.built.request.meta()
            }

            fn path(&self) -> Result<String> {
                self.built.check()?;
                self.built.request.path()
            }

            fn query(&self, query: &mut Vec<(&'static str, String)>) {
                self.built.request.query(query)
            }

            fn headers(&self, headers: &mut http::HeaderMap) -> Result<()> {
                self.built.request.headers(headers)
            }

            fn body(&self) -> Result<Body> {
                self.built.check()?;
                self.built.request.body()
            }
        }
    };
}

/// `im.v1.message.create`: sends a message to a chat or a user.
///
/// `client.send(&SendMessage::text(ReceiveId::chat("oc_1"), "hi"))` answers with
/// [`message::CreateResponse`]. It is the typed form of [`message::Create`], which takes the
/// `msg_type` and the `content` JSON as strings: this one writes both from a typed content.
#[derive(Debug, Clone)]
#[must_use]
pub struct SendMessage {
    built: Built<message::Create>,
}

impl SendMessage {
    /// Sends `content` to `to`.
    pub fn new(to: ReceiveId, content: impl Into<MessageContent>) -> Self {
        let content = content.into();
        Self {
            built: Built::new(&content, |msg_type, json| {
                message::Create::new(to.kind, to.id, msg_type, json)
            }),
        }
    }

    /// A `text` message.
    pub fn text(to: ReceiveId, text: impl Into<Text>) -> Self {
        Self::new(to, text.into())
    }

    /// A `post` (rich-text) message.
    pub fn post(to: ReceiveId, post: Post) -> Self {
        Self::new(to, post)
    }

    /// An `image` message.
    pub fn image(to: ReceiveId, image_key: impl Into<String>) -> Self {
        Self::new(to, Image::new(image_key))
    }

    /// A `file` message.
    pub fn file(to: ReceiveId, file_key: impl Into<String>) -> Self {
        Self::new(to, File::new(file_key))
    }

    /// An `audio` message.
    pub fn audio(to: ReceiveId, file_key: impl Into<String>) -> Self {
        Self::new(to, Audio::new(file_key))
    }

    /// A `media` (video) message.
    pub fn media(to: ReceiveId, media: Media) -> Self {
        Self::new(to, media)
    }

    /// A `sticker` message.
    pub fn sticker(to: ReceiveId, file_key: impl Into<String>) -> Self {
        Self::new(to, Sticker::new(file_key))
    }

    /// A `share_chat` message: a group's business card.
    pub fn share_chat(to: ReceiveId, chat_id: impl Into<String>) -> Self {
        Self::new(to, ShareChat::new(chat_id))
    }

    /// A `share_user` message: a user's business card.
    pub fn share_user(to: ReceiveId, user_id: impl Into<String>) -> Self {
        Self::new(to, ShareUser::new(user_id))
    }

    /// A `system` divider (p2p chats only).
    pub fn system(to: ReceiveId, system: System) -> Self {
        Self::new(to, system)
    }

    /// An `interactive` card.
    pub fn card(to: ReceiveId, card: Card) -> Self {
        Self::new(to, card)
    }

    /// An `interactive` card from a template.
    pub fn template(to: ReceiveId, template: CardTemplate) -> Self {
        Self::new(to, template)
    }

    /// Sets the idempotency key `uuid` (the client fills one in when retries are on).
    pub fn uuid(mut self, uuid: impl Into<String>) -> Self {
        self.built.request = self.built.request.uuid(uuid);
        self
    }

    /// The generated request, or the content's build error.
    pub fn into_request(self) -> Result<message::Create> {
        self.built.into_request()
    }
}

delegate_endpoint!(SendMessage => message::Create);

impl TryFrom<SendMessage> for message::Create {
    type Error = Error;

    fn try_from(value: SendMessage) -> Result<Self> {
        value.into_request()
    }
}

/// `im.v1.message.reply`: replies to a message, in the chat or in its thread.
#[derive(Debug, Clone)]
#[must_use]
pub struct ReplyMessage {
    built: Built<message::Reply>,
}

impl ReplyMessage {
    /// Replies to `message_id` with `content`.
    pub fn new(message_id: impl Into<String>, content: impl Into<MessageContent>) -> Self {
        let content = content.into();
        let message_id = message_id.into();
        Self {
            built: Built::new(&content, |msg_type, json| {
                message::Reply::new(message_id, json, msg_type)
            }),
        }
    }

    /// Replies with a text.
    pub fn text(message_id: impl Into<String>, text: impl Into<Text>) -> Self {
        Self::new(message_id, text.into())
    }

    /// Replies with a card.
    pub fn card(message_id: impl Into<String>, card: Card) -> Self {
        Self::new(message_id, card)
    }

    /// Replies in the message's thread.
    pub fn in_thread(mut self, in_thread: bool) -> Self {
        self.built.request = self.built.request.reply_in_thread(in_thread);
        self
    }

    /// Sets the idempotency key `uuid`.
    pub fn uuid(mut self, uuid: impl Into<String>) -> Self {
        self.built.request = self.built.request.uuid(uuid);
        self
    }

    /// The generated request, or the content's build error.
    pub fn into_request(self) -> Result<message::Reply> {
        self.built.into_request()
    }
}

delegate_endpoint!(ReplyMessage => message::Reply);

/// `im.v1.message.update`: edits a sent `text` or `post` message.
#[derive(Debug, Clone)]
#[must_use]
pub struct UpdateMessage {
    built: Built<message::Update>,
}

impl UpdateMessage {
    /// Replaces the content of `message_id`. Only `text` and `post` messages can be edited;
    /// other types fail with [`Error::Build`] (cards are updated with [`PatchCard`]).
    pub fn new(message_id: impl Into<String>, content: impl Into<MessageContent>) -> Self {
        let content = content.into();
        let message_id = message_id.into();
        let mut built = Built::new(&content, |msg_type, json| {
            message::Update::new(message_id, msg_type, json)
        });
        if !matches!(content, MessageContent::Text(_) | MessageContent::Post(_)) {
            built.error = Some(format!(
                "only text and post messages can be edited, not {}; update a card with PatchCard",
                content.msg_type()
            ));
        }
        Self { built }
    }

    /// The generated request, or the content's build error.
    pub fn into_request(self) -> Result<message::Update> {
        self.built.into_request()
    }
}

delegate_endpoint!(UpdateMessage => message::Update);

/// `im.v1.message.patch`: replaces the card of a sent card message (a shared card shows
/// the new card to everyone).
#[derive(Debug, Clone)]
#[must_use]
pub struct PatchCard {
    built: Built<message::Patch>,
}

impl PatchCard {
    /// Replaces the card of `message_id` with `card`.
    pub fn new(message_id: impl Into<String>, card: Card) -> Self {
        Self::content(message_id, card)
    }

    /// Replaces the card of `message_id` with a template or any other interactive content.
    /// Non-interactive contents fail with [`Error::Build`].
    pub fn content(message_id: impl Into<String>, content: impl Into<MessageContent>) -> Self {
        let content = content.into();
        let message_id = message_id.into();
        let mut built = Built::new(&content, |_, json| message::Patch::new(message_id, json));
        if !matches!(content, MessageContent::Interactive(_)) {
            built.error = Some(format!(
                "only cards can be patched, not {} messages",
                content.msg_type()
            ));
        }
        Self { built }
    }

    /// The generated request, or the content's build error.
    pub fn into_request(self) -> Result<message::Patch> {
        self.built.into_request()
    }
}

delegate_endpoint!(PatchCard => message::Patch);

/// `message.v4.batchSend`: one message to many users and departments at once.
///
/// The batch API takes the webhook form (`content` as an object, cards under `card`) and the
/// same types as a custom bot: text, post, image, share_chat, interactive.
#[derive(Debug, Clone)]
#[must_use]
pub struct BatchSend {
    built: Built<message_v4::BatchSend>,
}

impl BatchSend {
    /// Sends `content` to the receivers set next (`open_ids`, `user_ids`, `union_ids`,
    /// `department_ids`).
    pub fn new(content: impl Into<MessageContent>) -> Self {
        let content = content.into();
        let msg_type = content.msg_type();
        let form = content.webhook_form().and_then(|form| {
            let payload = form.payload()?;
            Ok((form.is_card(), payload))
        });
        let built = match form {
            Ok((true, card)) => Built {
                request: message_v4::BatchSend::new(msg_type).card(card),
                error: None,
            },
            Ok((false, payload)) => Built {
                request: message_v4::BatchSend::new(msg_type).content(payload),
                error: None,
            },
            Err(e) => Built {
                request: message_v4::BatchSend::new(msg_type),
                error: Some(match e {
                    Error::Build(m) => m,
                    other => other.to_string(),
                }),
            },
        };
        Self { built }
    }

    /// Sends to these users by open id.
    pub fn open_ids(mut self, ids: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.built.request = self.built.request.open_ids(ids);
        self
    }

    /// Sends to these users by user id.
    pub fn user_ids(mut self, ids: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.built.request = self.built.request.user_ids(ids);
        self
    }

    /// Sends to these users by union id.
    pub fn union_ids(mut self, ids: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.built.request = self.built.request.union_ids(ids);
        self
    }

    /// Sends to everyone in these departments.
    pub fn department_ids(mut self, ids: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.built.request = self.built.request.department_ids(ids);
        self
    }

    /// The generated request, or the content's build error.
    pub fn into_request(self) -> Result<message_v4::BatchSend> {
        self.built.into_request()
    }
}

delegate_endpoint!(BatchSend => message_v4::BatchSend);
