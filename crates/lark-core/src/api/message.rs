//! Messages (`im/v1/messages`).

use serde::{Deserialize, Serialize};

use crate::endpoint::{Body, Endpoint, EndpointMeta, Page, Paginated, TokenKind, fill_path};
use crate::error::Result;

/// A message as the platform returns it.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[non_exhaustive]
pub struct Message {
    /// `om_...`.
    pub message_id: Option<String>,
    /// The root message of a reply chain.
    pub root_id: Option<String>,
    /// The message replied to.
    pub parent_id: Option<String>,
    /// `text`, `post`, `image`, `interactive`, ...
    pub msg_type: Option<String>,
    /// Milliseconds since the epoch, as a string.
    pub create_time: Option<String>,
    /// Milliseconds since the epoch, as a string.
    pub update_time: Option<String>,
    /// Whether it was recalled.
    pub deleted: Option<bool>,
    /// Whether it was edited.
    pub updated: Option<bool>,
    /// The chat it is in.
    pub chat_id: Option<String>,
    /// Who sent it.
    pub sender: Option<Sender>,
    /// Its content.
    pub body: Option<MessageBody>,
}

/// The sender of a message.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[non_exhaustive]
pub struct Sender {
    /// The id.
    pub id: Option<String>,
    /// The kind of id.
    pub id_type: Option<String>,
    /// `app` or `user`.
    pub sender_type: Option<String>,
    /// The sender's tenant.
    pub tenant_key: Option<String>,
}

/// The content of a message.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[non_exhaustive]
pub struct MessageBody {
    /// JSON text, shaped by `msg_type`.
    pub content: Option<String>,
}

static SEND_RAW_MESSAGE: EndpointMeta = EndpointMeta::new(
    "message",
    "SendRawMessage",
    http::Method::POST,
    "/open-apis/im/v1/messages",
    &[TokenKind::Tenant],
)
.doc_url("https://open.feishu.cn/document/uAjLw4CM/ukTMukTMukTM/reference/im-v1/message/create");

/// Sends a message to a user or a chat.
#[derive(Debug, Clone, Serialize)]
#[must_use]
pub struct SendRawMessage {
    #[serde(skip)]
    receive_id_type: String,
    receive_id: String,
    msg_type: String,
    content: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uuid: Option<String>,
}

impl SendRawMessage {
    /// A message of `msg_type` with JSON `content` to `receive_id` (of `receive_id_type`:
    /// `open_id`, `user_id`, `union_id`, `email`, `chat_id`).
    pub fn new(
        receive_id_type: impl Into<String>,
        receive_id: impl Into<String>,
        msg_type: impl Into<String>,
        content: impl Into<String>,
    ) -> Self {
        Self {
            receive_id_type: receive_id_type.into(),
            receive_id: receive_id.into(),
            msg_type: msg_type.into(),
            content: content.into(),
            uuid: None,
        }
    }

    /// A de-duplication key: the platform sends one message per uuid within an hour.
    pub fn uuid(mut self, uuid: impl Into<String>) -> Self {
        self.uuid = Some(uuid.into());
        self
    }
}

impl Endpoint for SendRawMessage {
    type Output = Message;

    fn meta(&self) -> &EndpointMeta {
        &SEND_RAW_MESSAGE
    }

    fn path(&self) -> Result<String> {
        Ok(SEND_RAW_MESSAGE.path.to_owned())
    }

    fn query(&self, query: &mut Vec<(&'static str, String)>) {
        query.push(("receive_id_type", self.receive_id_type.clone()));
    }

    fn body(&self) -> Result<Body> {
        Body::json(self)
    }
}

static GET_MESSAGE: EndpointMeta = EndpointMeta::new(
    "message",
    "GetMessage",
    http::Method::GET,
    "/open-apis/im/v1/messages/:message_id",
    &[TokenKind::Tenant],
)
.doc_url("https://open.feishu.cn/document/uAjLw4CM/ukTMukTMukTM/reference/im-v1/message/get");

/// Reads one message.
#[derive(Debug, Clone)]
#[must_use]
pub struct GetMessage {
    message_id: String,
    user_id_type: Option<String>,
}

impl GetMessage {
    /// Reads `message_id`.
    pub fn new(message_id: impl Into<String>) -> Self {
        Self {
            message_id: message_id.into(),
            user_id_type: None,
        }
    }

    /// The kind of user id in the answer.
    pub fn user_id_type(mut self, user_id_type: impl Into<String>) -> Self {
        self.user_id_type = Some(user_id_type.into());
        self
    }
}

/// The answer of [`GetMessage`].
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[non_exhaustive]
pub struct GetMessageOutput {
    /// The message (several for a merged forward).
    pub items: Option<Vec<Message>>,
}

impl Endpoint for GetMessage {
    type Output = GetMessageOutput;

    fn meta(&self) -> &EndpointMeta {
        &GET_MESSAGE
    }

    fn path(&self) -> Result<String> {
        fill_path(GET_MESSAGE.path, &[("message_id", &self.message_id)])
    }

    fn query(&self, query: &mut Vec<(&'static str, String)>) {
        if let Some(v) = &self.user_id_type {
            query.push(("user_id_type", v.clone()));
        }
    }
}

static GET_MESSAGE_LIST: EndpointMeta = EndpointMeta::new(
    "message",
    "GetMessageList",
    http::Method::GET,
    "/open-apis/im/v1/messages",
    &[TokenKind::Tenant],
)
.paginated(true)
.doc_url("https://open.feishu.cn/document/uAjLw4CM/ukTMukTMukTM/reference/im-v1/message/list");

/// Lists the messages of a chat.
#[derive(Debug, Clone)]
#[must_use]
pub struct GetMessageList {
    container_id_type: String,
    container_id: String,
    start_time: Option<String>,
    end_time: Option<String>,
    sort_type: Option<String>,
    page_size: Option<i64>,
    page_token: Option<String>,
}

impl GetMessageList {
    /// The messages of `container_id` (of `container_id_type`, `chat` or `thread`).
    pub fn new(container_id_type: impl Into<String>, container_id: impl Into<String>) -> Self {
        Self {
            container_id_type: container_id_type.into(),
            container_id: container_id.into(),
            start_time: None,
            end_time: None,
            sort_type: None,
            page_size: None,
            page_token: None,
        }
    }

    /// From this time on (seconds, as a string).
    pub fn start_time(mut self, v: impl Into<String>) -> Self {
        self.start_time = Some(v.into());
        self
    }

    /// Up to this time (seconds, as a string).
    pub fn end_time(mut self, v: impl Into<String>) -> Self {
        self.end_time = Some(v.into());
        self
    }

    /// `ByCreateTimeAsc` or `ByCreateTimeDesc`.
    pub fn sort_type(mut self, v: impl Into<String>) -> Self {
        self.sort_type = Some(v.into());
        self
    }

    /// Items per page.
    pub fn page_size(mut self, v: i64) -> Self {
        self.page_size = Some(v);
        self
    }

    /// The page to read.
    pub fn page_token(mut self, v: impl Into<String>) -> Self {
        self.page_token = Some(v.into());
        self
    }
}

/// The answer of [`GetMessageList`].
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[non_exhaustive]
pub struct GetMessageListOutput {
    /// Whether more pages follow.
    pub has_more: Option<bool>,
    /// The next page.
    pub page_token: Option<String>,
    /// The messages.
    pub items: Option<Vec<Message>>,
}

impl Page for GetMessageListOutput {
    fn has_more(&self) -> bool {
        self.has_more.unwrap_or(false)
    }

    fn next_page_token(&self) -> Option<&str> {
        self.page_token.as_deref()
    }
}

impl Endpoint for GetMessageList {
    type Output = GetMessageListOutput;

    fn meta(&self) -> &EndpointMeta {
        &GET_MESSAGE_LIST
    }

    fn path(&self) -> Result<String> {
        Ok(GET_MESSAGE_LIST.path.to_owned())
    }

    fn query(&self, query: &mut Vec<(&'static str, String)>) {
        query.push(("container_id_type", self.container_id_type.clone()));
        query.push(("container_id", self.container_id.clone()));
        let optional = [
            ("start_time", self.start_time.clone()),
            ("end_time", self.end_time.clone()),
            ("sort_type", self.sort_type.clone()),
            ("page_size", self.page_size.map(|v| v.to_string())),
            ("page_token", self.page_token.clone()),
        ];
        for (key, value) in optional {
            if let Some(value) = value {
                query.push((key, value));
            }
        }
    }
}

impl Paginated for GetMessageList {
    fn set_page_token(&mut self, token: Option<String>) {
        self.page_token = token;
    }
}
