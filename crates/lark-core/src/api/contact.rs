//! Users (`contact/v3/users`).

use serde::Deserialize;

use crate::endpoint::{Endpoint, EndpointMeta, TokenKind, fill_path};
use crate::error::Result;

static GET_USER: EndpointMeta = EndpointMeta::new(
    "contact",
    "GetUser",
    http::Method::GET,
    "/open-apis/contact/v3/users/:user_id",
    &[TokenKind::Tenant, TokenKind::User],
)
.doc_url("https://open.feishu.cn/document/uAjLw4CM/ukTMukTMukTM/reference/contact-v3/user/get");

/// Reads a user.
#[derive(Debug, Clone)]
#[must_use]
pub struct GetUser {
    user_id: String,
    user_id_type: Option<String>,
    department_id_type: Option<String>,
}

impl GetUser {
    /// Reads `user_id`.
    pub fn new(user_id: impl Into<String>) -> Self {
        Self {
            user_id: user_id.into(),
            user_id_type: None,
            department_id_type: None,
        }
    }

    /// The kind of `user_id`: `open_id` (default), `union_id`, `user_id`.
    pub fn user_id_type(mut self, v: impl Into<String>) -> Self {
        self.user_id_type = Some(v.into());
        self
    }

    /// The kind of department ids returned.
    pub fn department_id_type(mut self, v: impl Into<String>) -> Self {
        self.department_id_type = Some(v.into());
        self
    }
}

/// The answer of [`GetUser`].
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[non_exhaustive]
pub struct GetUserOutput {
    /// The user.
    pub user: Option<User>,
}

/// A user.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[non_exhaustive]
pub struct User {
    /// The open id.
    pub open_id: Option<String>,
    /// The union id.
    pub union_id: Option<String>,
    /// The user id.
    pub user_id: Option<String>,
    /// The name.
    pub name: Option<String>,
    /// The English name.
    pub en_name: Option<String>,
    /// The email.
    pub email: Option<String>,
    /// The mobile number.
    pub mobile: Option<String>,
    /// The departments.
    pub department_ids: Option<Vec<String>>,
}

impl Endpoint for GetUser {
    type Output = GetUserOutput;

    fn meta(&self) -> &EndpointMeta {
        &GET_USER
    }

    fn path(&self) -> Result<String> {
        fill_path(GET_USER.path, &[("user_id", &self.user_id)])
    }

    fn query(&self, query: &mut Vec<(&'static str, String)>) {
        if let Some(v) = &self.user_id_type {
            query.push(("user_id_type", v.clone()));
        }
        if let Some(v) = &self.department_id_type {
            query.push(("department_id_type", v.clone()));
        }
    }
}
