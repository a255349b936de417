//! Acting as a user: the platform's OAuth 2.0, sans IO.
//!
//! This module builds the requests and reads the answers; a backend sends them. Randomness and
//! time come from the caller (a [`Runtime`](crate::Runtime)'s `fill_random` and `now_millis`).
//!
//! - [`Authorization`]: the authorize page's URL with `state` and PKCE S256 (RFC 7636), for web
//!   apps, browser extensions and the loopback redirect of native apps (RFC 8252).
//! - [`token_request`] for the three grants ([`Grant`]): the code exchange, the refresh and the
//!   device code, at the v3 token endpoint on the accounts host or the v2 one on the Open API
//!   host ([`TokenEndpoint`]), with the app secret or a client assertion
//!   ([`ClientCredential`], RFC 7523); [`read_token_answer`] reads a [`UserToken`] or an
//!   [`OAuthError`].
//! - Keyless apps: a [`ClientAssertionProvider`] the caller implements signs assertions; the
//!   client trades one for its tenant access token (the `jwt-bearer` grant) and sends one
//!   instead of the secret on user-token grants.
//! - The device authorization flow (RFC 8628): [`device_authorization_request`],
//!   [`read_device_authorization`], then [`DevicePoll`] decides after each poll whether to wait
//!   (honouring `interval` and `slow_down`), stop, or take the token.
//!
//! On a [`Client`](crate::Client) the flows are methods that send these through its backend:
//! [`Client::authorization`](crate::Client::authorization) and
//! [`Client::exchange_code`](crate::Client::exchange_code),
//! [`Client::refresh_user_token`](crate::Client::refresh_user_token),
//! [`Client::begin_device_authorization`](crate::Client::begin_device_authorization) and
//! [`Client::poll_device`](crate::Client::poll_device).
//!
//! Hosts: the accounts host is `https://accounts.feishu.cn` or `https://accounts.larksuite.com`
//! for the two domains; a custom base URL (a proxy, lark-mock) must name its own with
//! [`Config::accounts_base_url`](crate::Config::accounts_base_url).
//!
//! Refresh tokens rotate and are single-use: every refresh answers a new one and the old one
//! stops working. A refresh token that is used, expired or revoked reads as an [`OAuthError`]
//! whose [`OAuthError::must_reauthorize`] is true: the user has to sign in again, and retrying
//! cannot help.

mod assertion;
mod device;
mod error;
mod flow;
mod pkce;
mod token;

#[cfg(feature = "ws")]
pub(crate) use assertion::host_of;
pub use assertion::{AssertionError, ClientAssertionProvider, assertion_audience};
pub(crate) use assertion::{Keyless, credential_for, keyless};
pub use device::{
    DeviceAuthorization, DevicePoll, PollStep, device_authorization_request,
    read_device_authorization,
};
pub use error::OAuthError;
pub use pkce::{Authorization, Pkce, random_state};
pub use token::{
    ClientCredential, Grant, TokenEndpoint, UserToken, read_token_answer, token_request,
};

/// The scope every sign-in asks for so the answer carries a refresh token.
pub const OFFLINE_ACCESS: &str = "offline_access";

/// `scopes` joined with spaces, `offline_access` added when missing, duplicates dropped.
pub(crate) fn scope_with_offline_access(scopes: &[&str]) -> String {
    let mut out: Vec<&str> = Vec::new();
    for scope in scopes.iter().flat_map(|s| s.split_whitespace()) {
        if !out.contains(&scope) {
            out.push(scope);
        }
    }
    if !out.contains(&OFFLINE_ACCESS) {
        out.push(OFFLINE_ACCESS);
    }
    out.join(" ")
}

/// The accounts host of `config`, or the error that says how to name it.
pub(crate) fn accounts_base(config: &crate::Config) -> crate::Result<&str> {
    config.accounts_base().ok_or_else(|| {
        crate::Error::Build(
            "a custom base URL has no accounts host for OAuth: name it with \
             Config::accounts_base_url"
                .into(),
        )
    })
}
