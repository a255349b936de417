//! Group chats (`im/v1/chats`).

use serde::{Deserialize, Serialize};

use crate::endpoint::{Body, Endpoint, EndpointMeta, TokenKind, fill_path};
use crate::error::Result;

static CREATE_CHAT: EndpointMeta = EndpointMeta::new(
    "chat",
    "CreateChat",
    http::Method::POST,
    "/open-apis/im/v1/chats",
    &[TokenKind::Tenant],
)
.doc_url("https://open.feishu.cn/document/uAjLw4CM/ukTMukTMukTM/reference/im-v1/chat/create");

/// Creates a group chat with the bot in it.
#[derive(Debug, Clone, Default, Serialize)]
#[must_use]
pub struct CreateChat {
    #[serde(skip)]
    user_id_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    owner_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user_id_list: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    chat_type: Option<String>,
}

impl CreateChat {
    /// An empty chat; set its name and members with the setters.
    pub fn new() -> Self {
        Self::default()
    }

    /// The kind of user ids given and returned.
    pub fn user_id_type(mut self, v: impl Into<String>) -> Self {
        self.user_id_type = Some(v.into());
        self
    }

    /// The name.
    pub fn name(mut self, v: impl Into<String>) -> Self {
        self.name = Some(v.into());
        self
    }

    /// The description.
    pub fn description(mut self, v: impl Into<String>) -> Self {
        self.description = Some(v.into());
        self
    }

    /// The owner.
    pub fn owner_id(mut self, v: impl Into<String>) -> Self {
        self.owner_id = Some(v.into());
        self
    }

    /// The members.
    pub fn user_id_list(mut self, v: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.user_id_list = Some(v.into_iter().map(Into::into).collect());
        self
    }

    /// `private` or `public`.
    pub fn chat_type(mut self, v: impl Into<String>) -> Self {
        self.chat_type = Some(v.into());
        self
    }
}

/// A chat as the platform returns it.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[non_exhaustive]
pub struct Chat {
    /// `oc_...` (absent in [`GetChat`]'s answer, which is addressed by it).
    pub chat_id: Option<String>,
    /// The name.
    pub name: Option<String>,
    /// The description.
    pub description: Option<String>,
    /// The owner.
    pub owner_id: Option<String>,
    /// The kind of owner id.
    pub owner_id_type: Option<String>,
    /// `private` or `public`.
    pub chat_mode: Option<String>,
    /// `private` or `public`.
    pub chat_type: Option<String>,
    /// The tenant.
    pub tenant_key: Option<String>,
    /// The number of users, as a string.
    pub user_count: Option<String>,
}

impl Endpoint for CreateChat {
    type Output = Chat;

    fn meta(&self) -> &EndpointMeta {
        &CREATE_CHAT
    }

    fn path(&self) -> Result<String> {
        Ok(CREATE_CHAT.path.to_owned())
    }

    fn query(&self, query: &mut Vec<(&'static str, String)>) {
        if let Some(v) = &self.user_id_type {
            query.push(("user_id_type", v.clone()));
        }
    }

    fn body(&self) -> Result<Body> {
        Body::json(self)
    }
}

static GET_CHAT: EndpointMeta = EndpointMeta::new(
    "chat",
    "GetChat",
    http::Method::GET,
    "/open-apis/im/v1/chats/:chat_id",
    &[TokenKind::Tenant, TokenKind::User],
)
.doc_url("https://open.feishu.cn/document/uAjLw4CM/ukTMukTMukTM/reference/im-v1/chat/get");

/// Reads a chat.
#[derive(Debug, Clone)]
#[must_use]
pub struct GetChat {
    chat_id: String,
    user_id_type: Option<String>,
}

impl GetChat {
    /// Reads `chat_id`.
    pub fn new(chat_id: impl Into<String>) -> Self {
        Self {
            chat_id: chat_id.into(),
            user_id_type: None,
        }
    }

    /// The kind of user ids returned.
    pub fn user_id_type(mut self, v: impl Into<String>) -> Self {
        self.user_id_type = Some(v.into());
        self
    }
}

impl Endpoint for GetChat {
    type Output = Chat;

    fn meta(&self) -> &EndpointMeta {
        &GET_CHAT
    }

    fn path(&self) -> Result<String> {
        fill_path(GET_CHAT.path, &[("chat_id", &self.chat_id)])
    }

    fn query(&self, query: &mut Vec<(&'static str, String)>) {
        if let Some(v) = &self.user_id_type {
            query.push(("user_id_type", v.clone()));
        }
    }
}
