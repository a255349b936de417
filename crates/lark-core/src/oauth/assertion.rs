//! Keyless apps: the app proves itself with a client assertion (RFC 7523 `private_key_jwt`)
//! that the caller signs, instead of an app secret the SDK holds.
//!
//! The caller's [`ClientAssertionProvider`] signs a short-lived JWT for an audience (the
//! accounts host); the client trades it at the v3 token endpoint with the `jwt-bearer` grant for
//! its tenant access token, and sends a fresh one instead of `client_secret` on the user-token
//! grants (code exchange, refresh, device flow). Keys stay wherever the caller keeps them (a KMS,
//! an HSM, a platform identity): the SDK never sees one.

use std::sync::Arc;

use super::{ClientCredential, Grant, OAuthError, TokenEndpoint, UserToken};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::runtime::{BoxFuture, HttpClient, MaybeSend, MaybeSync};
use crate::secret::Secret;
use crate::transport::Transport;

/// Why a [`ClientAssertionProvider`] could not sign.
pub type AssertionError = Box<dyn std::error::Error + Send + Sync>;

/// Signs client assertions for a keyless app (set with
/// [`ClientBuilder::client_assertion`](crate::ClientBuilder::client_assertion)).
///
/// Each call returns a fresh, short-lived JWT whose `aud` is `audience` (the host of the
/// accounts server, `accounts.feishu.cn` for Feishu) and whose issuer and subject are the app
/// id, signed with the app's private key.
pub trait ClientAssertionProvider: MaybeSend + MaybeSync {
    /// A signed assertion for `audience`.
    fn assertion<'a>(&'a self, audience: &'a str) -> BoxFuture<'a, Result<Secret, AssertionError>>;
}

/// The audience of the app's assertions: the accounts host of `config`, as `host[:port]`.
pub fn assertion_audience(config: &Config) -> Result<String> {
    let base = super::accounts_base(config)?;
    let rest = base.split_once("://").map_or(base, |(_, rest)| rest);
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() {
        return Err(Error::Build(format!(
            "the accounts base URL `{base}` names no host"
        )));
    }
    Ok(host.to_owned())
}

/// A keyless app's provider and what the client does with it. The request and the answer's
/// reader are reached only through this value, so a build that never makes one (no
/// [`ClientBuilder::client_assertion`](crate::ClientBuilder::client_assertion)) leaves them out.
#[derive(Clone)]
pub(crate) struct Keyless {
    provider: Arc<dyn ClientAssertionProvider>,
    request:
        fn(&Config, TokenEndpoint, &Grant, &ClientCredential) -> Result<http::Request<Vec<u8>>>,
    read: fn(u16, &[u8], u64) -> std::result::Result<UserToken, OAuthError>,
}

impl Keyless {
    // On wasm32 the provider need not be `Send`/`Sync` (one thread), so its `Arc` is not.
    #[cfg_attr(target_arch = "wasm32", allow(clippy::arc_with_non_send_sync))]
    pub(crate) fn new(provider: impl ClientAssertionProvider + 'static) -> Self {
        Self {
            provider: Arc::new(provider),
            request: super::token_request,
            read: super::read_token_answer,
        }
    }

    /// A fresh assertion, as the credential of a token request.
    pub(crate) async fn credential(&self, config: &Config) -> Result<ClientCredential> {
        let audience = assertion_audience(config)?;
        let assertion = self
            .provider
            .assertion(&audience)
            .await
            .map_err(|e| Error::Token {
                message: format!("the client assertion provider could not sign: {e}"),
                source: None,
            })?;
        if assertion.expose().is_empty() {
            return Err(Error::Token {
                message: "the client assertion provider gave an empty assertion".to_owned(),
                source: None,
            });
        }
        Ok(ClientCredential::Assertion(assertion))
    }

    /// The app's tenant access token for a fresh assertion (the `jwt-bearer` grant), with its
    /// lifetime in seconds.
    pub(crate) async fn tenant_token<H: HttpClient>(
        &self,
        io: &Transport<'_, H>,
    ) -> Result<(Secret, u64)> {
        let credential = self.credential(io.config).await?;
        let request = (self.request)(io.config, TokenEndpoint::V3, &Grant::JwtBearer, &credential)?;
        let response = io.exchange(request, None).await?;
        let status = response.status().as_u16();
        let now = io.runtime.now_millis();
        let token = (self.read)(status, response.body(), now).map_err(|refused| Error::Token {
            message: "the accounts host refused the client assertion".to_owned(),
            source: Some(Box::new(refused.into())),
        })?;
        let lifetime = token.expires_at_millis.saturating_sub(now) / 1000;
        Ok((token.access_token, lifetime))
    }
}

/// The credential of a user-token grant: a fresh assertion for a keyless app, else the secret.
pub(crate) async fn credential_for(
    keyless: Option<&Keyless>,
    config: &Config,
) -> Result<ClientCredential> {
    match keyless {
        Some(keyless) => keyless.credential(config).await,
        None => Ok(ClientCredential::Secret),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_audience_is_the_accounts_host() {
        let feishu = Config::new("cli_a", "");
        assert_eq!(assertion_audience(&feishu).unwrap(), "accounts.feishu.cn");
        let lark = Config::new("cli_a", "").domain(crate::Domain::Lark);
        assert_eq!(assertion_audience(&lark).unwrap(), "accounts.larksuite.com");
        let mock = Config::new("cli_a", "")
            .base_url("http://127.0.0.1:9")
            .accounts_base_url("http://127.0.0.1:9/");
        assert_eq!(assertion_audience(&mock).unwrap(), "127.0.0.1:9");
        // A custom base without an accounts host says how to name one.
        let custom = Config::new("cli_a", "").base_url("https://proxy.example");
        let err = assertion_audience(&custom).unwrap_err().to_string();
        assert!(err.contains("accounts_base_url"), "{err}");
    }
}
