//! Keyless apps: the app proves itself with a client assertion (RFC 7523 `private_key_jwt`)
//! that the caller signs, instead of an app secret the SDK holds.
//!
//! The caller's [`ClientAssertionProvider`] signs a short-lived JWT for an audience (the
//! accounts host); the client trades it at the v3 token endpoint with the `jwt-bearer` grant for
//! its tenant access token, and sends a fresh one instead of `client_secret` on the user-token
//! grants (code exchange, refresh, device flow). Keys stay wherever the caller keeps them (a KMS,
//! an HSM, a platform identity): the SDK never sees one.

use std::sync::Arc;

use super::{ClientCredential, Grant, TokenEndpoint};
use crate::config::{AppType, Config};
use crate::endpoint::TokenKind;
use crate::error::{Error, Result};
use crate::runtime::{BoxFuture, MaybeSend, MaybeSync};
use crate::secret::Secret;

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
    let host = host_of(base);
    if host.is_empty() {
        return Err(Error::Build(format!(
            "the accounts base URL `{base}` names no host"
        )));
    }
    Ok(host.to_owned())
}

/// The `host[:port]` of a URL (empty when it names none).
pub(crate) fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    authority.rsplit('@').next().unwrap_or_default()
}

/// What the client does for a keyless app, behind a trait object: the value is made only by
/// [`ClientBuilder::client_assertion`](crate::ClientBuilder::client_assertion), so a build that
/// never calls it (the npm package's) carries none of this, only the calls through it.
pub(crate) trait KeylessApp: MaybeSend + MaybeSync {
    /// A fresh assertion, as the credential of a token request.
    fn credential<'a>(&'a self, config: &'a Config) -> BoxFuture<'a, Result<ClientCredential>>;

    /// The request that trades a fresh assertion for the app's `kind` of token (the
    /// `jwt-bearer` grant; a tenant token of a self-built app is all a keyless app has).
    fn token_request<'a>(
        &'a self,
        config: &'a Config,
        kind: TokenKind,
    ) -> BoxFuture<'a, Result<http::Request<Vec<u8>>>>;

    /// The token and its lifetime in seconds, from the answer to [`KeylessApp::token_request`].
    fn read_token(&self, status: u16, body: &[u8], now_millis: u64) -> Result<(Secret, u64)>;

    /// The caller's provider (for the long connection's endpoint request).
    fn provider(&self) -> Arc<dyn ClientAssertionProvider>;
}

/// A keyless app: the caller's provider, shared.
pub(crate) type Keyless = Arc<dyn KeylessApp>;

struct Provided(Arc<dyn ClientAssertionProvider>);

impl KeylessApp for Provided {
    fn credential<'a>(&'a self, config: &'a Config) -> BoxFuture<'a, Result<ClientCredential>> {
        Box::pin(async move {
            let audience = assertion_audience(config)?;
            let assertion = self
                .0
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
        })
    }

    fn token_request<'a>(
        &'a self,
        config: &'a Config,
        kind: TokenKind,
    ) -> BoxFuture<'a, Result<http::Request<Vec<u8>>>> {
        Box::pin(async move {
            if config.app_type != AppType::SelfBuilt || kind != TokenKind::Tenant {
                return Err(Error::Token {
                    message: "a keyless app (client assertion) has tenant access tokens only: \
                              no app access token, no marketplace tokens"
                        .to_owned(),
                    source: None,
                });
            }
            let credential = self.credential(config).await?;
            super::token_request(config, TokenEndpoint::V3, &Grant::JwtBearer, &credential)
        })
    }

    fn read_token(&self, status: u16, body: &[u8], now_millis: u64) -> Result<(Secret, u64)> {
        let token =
            super::read_token_answer(status, body, now_millis).map_err(|refused| Error::Token {
                message: "the accounts host refused the client assertion".to_owned(),
                source: Some(Box::new(refused.into())),
            })?;
        let lifetime = token.expires_at_millis.saturating_sub(now_millis) / 1000;
        Ok((token.access_token, lifetime))
    }

    fn provider(&self) -> Arc<dyn ClientAssertionProvider> {
        Arc::clone(&self.0)
    }
}

/// A keyless app of `provider`.
// On wasm32 the provider need not be `Send`/`Sync` (one thread), so its `Arc` is not.
#[cfg_attr(target_arch = "wasm32", allow(clippy::arc_with_non_send_sync))]
pub(crate) fn keyless(provider: impl ClientAssertionProvider + 'static) -> Keyless {
    Arc::new(Provided(Arc::new(provider)))
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
