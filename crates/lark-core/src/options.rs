//! [`RequestOptions`]: what one call may set over the client's own settings.

use std::time::Duration;

use crate::retry::RetryPolicy;
use crate::secret::Secret;

/// Per-call settings.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct RequestOptions {
    /// Acts for a user: sent when the endpoint accepts user access tokens.
    pub user_access_token: Option<Secret>,
    /// Acts for a signed-in user: the client takes the token stored under this user key
    /// ([`Client::sign_in_user`](crate::Client::sign_in_user)) and refreshes it as needed.
    #[cfg(feature = "user-tokens")]
    pub as_user: Option<String>,
    /// A tenant access token got elsewhere, sent instead of the client's own. The client does
    /// not own it, so a rejected one is the call's error, not refreshed.
    pub tenant_access_token: Option<Secret>,
    /// Helpdesk credentials for this call, over [`Config::helpdesk`](crate::Config::helpdesk).
    pub helpdesk: Option<crate::config::Helpdesk>,
    /// The tenant of a marketplace app.
    pub tenant_key: Option<String>,
    /// Extra headers.
    pub headers: http::HeaderMap,
    /// Overrides the client's timeout for this call.
    pub timeout: Option<Duration>,
    /// Overrides the client's retry policy for this call.
    pub retry: Option<RetryPolicy>,
    /// Overrides [`Config::max_pages`](crate::Config::max_pages) for this
    /// [`Client::pages_with`](crate::Client::pages_with) stream.
    pub max_pages: Option<u32>,
    /// Values handed to the [`HttpClient`](crate::HttpClient) in each attempt's
    /// [`http::Request::extensions`], for settings only a backend reads (lark-fetch's
    /// `ExtraHeaders`, for one).
    pub extensions: http::Extensions,
}

impl RequestOptions {
    /// No options.
    pub fn new() -> Self {
        Self::default()
    }

    /// Acts for the signed-in user `user` (the key the tokens were stored under): the client
    /// uses the stored token, refreshing it before it expires and once more when the platform
    /// rejects it.
    #[must_use]
    #[cfg(feature = "user-tokens")]
    pub fn as_user(mut self, user: impl Into<String>) -> Self {
        self.as_user = Some(user.into());
        self
    }

    /// Acts for a user.
    #[must_use]
    pub fn user_access_token(mut self, token: impl Into<Secret>) -> Self {
        self.user_access_token = Some(token.into());
        self
    }

    /// Sends `token` as the tenant access token of this call, instead of the client's own
    /// (see [`RequestOptions::tenant_access_token`]).
    #[must_use]
    pub fn tenant_access_token(mut self, token: impl Into<Secret>) -> Self {
        self.tenant_access_token = Some(token.into());
        self
    }

    /// Sends these helpdesk credentials on this call's helpdesk endpoint, over the client's.
    #[must_use]
    pub fn helpdesk(mut self, id: impl Into<String>, token: impl Into<Secret>) -> Self {
        self.helpdesk = Some(crate::config::Helpdesk {
            id: id.into(),
            token: token.into(),
        });
        self
    }

    /// Sets the tenant of a marketplace app.
    #[must_use]
    pub fn tenant_key(mut self, tenant_key: impl Into<String>) -> Self {
        self.tenant_key = Some(tenant_key.into());
        self
    }

    /// Adds a header. An invalid name or value is an [`Error::Build`](crate::Error::Build) on send.
    #[must_use]
    pub fn header(mut self, name: http::HeaderName, value: http::HeaderValue) -> Self {
        self.headers.append(name, value);
        self
    }

    /// Sets this call's timeout.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sets this call's retry policy.
    #[must_use]
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = Some(retry);
        self
    }

    /// Sets the most pages this [`Client::pages_with`](crate::Client::pages_with) stream
    /// follows, over [`Config::max_pages`](crate::Config::max_pages).
    #[must_use]
    pub fn max_pages(mut self, max_pages: u32) -> Self {
        self.max_pages = Some(max_pages);
        self
    }

    /// Hands `value` to the backend with each attempt's request (see
    /// [`RequestOptions::extensions`]); a second value of the same type replaces the first.
    #[must_use]
    pub fn extension<T: Clone + Send + Sync + 'static>(mut self, value: T) -> Self {
        self.extensions.insert(value);
        self
    }
}
