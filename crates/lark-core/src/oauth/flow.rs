//! The OAuth flows on a [`Client`]: the sans-IO requests of this module sent through the
//! client's backend, with its runtime's randomness, clock and timer.

use super::{
    Authorization, ClientCredential, DeviceAuthorization, DevicePoll, Grant, Pkce, PollStep,
    TokenEndpoint, UserToken, device_authorization_request, random_state,
    read_device_authorization, read_token_answer, token_request,
};
use crate::runtime::HttpClient;
use crate::{Client, Error, Result, Secret};

impl<H: HttpClient> Client<H> {
    /// Starts a sign-in for `redirect_uri` and `scopes`: the authorize URL to send the user to,
    /// with a fresh `state` and PKCE pair from the runtime's randomness. Keep the
    /// [`Authorization`] until the redirect comes back, then [`Client::exchange_code`].
    pub fn authorization(&self, redirect_uri: &str, scopes: &[&str]) -> Result<Authorization> {
        let random = |dest: &mut [u8]| self.runtime().fill_random(dest);
        let state = random_state(random).map_err(random_error)?;
        let pkce = Pkce::generate(random).map_err(random_error)?;
        Authorization::new(self.config(), redirect_uri, scopes, state, pkce)
    }

    /// Trades the code the redirect brought (see [`Authorization::code_from_redirect`]) for the
    /// user's tokens, at the v3 token endpoint with the app secret (or, for a keyless app, a
    /// client assertion).
    pub async fn exchange_code(
        &self,
        authorization: &Authorization,
        code: Secret,
    ) -> Result<UserToken> {
        let grant = Grant::AuthorizationCode {
            code,
            redirect_uri: authorization.redirect_uri.clone(),
            code_verifier: Some(authorization.pkce.verifier().clone()),
        };
        let credential = self.client_credential().await?;
        self.user_token_grant(TokenEndpoint::V3, &grant, &credential)
            .await
    }

    /// Trades a refresh token for fresh tokens (and the next refresh token: the one given stops
    /// working). An [`Error::OAuth`] whose
    /// [`must_reauthorize`](super::OAuthError::must_reauthorize) is true means the user has to sign in
    /// again.
    pub async fn refresh_user_token(&self, refresh_token: &Secret) -> Result<UserToken> {
        let grant = Grant::RefreshToken {
            refresh_token: refresh_token.clone(),
            scope: None,
        };
        let credential = self.client_credential().await?;
        self.user_token_grant(TokenEndpoint::V3, &grant, &credential)
            .await
    }

    /// Sends one token request and reads the answer; what the accounts host refused is an
    /// [`Error::OAuth`].
    pub async fn user_token_grant(
        &self,
        endpoint: TokenEndpoint,
        grant: &Grant,
        credential: &ClientCredential,
    ) -> Result<UserToken> {
        let request = token_request(self.config(), endpoint, grant, credential)?;
        let (status, body) = self.exchange(request).await?;
        let now = self.runtime().now_millis();
        read_token_answer(status, &body, now).map_err(Error::from)
    }

    /// Begins a device sign-in for `scopes`: show the answer's `verification_uri` (or
    /// `verification_uri_complete`) and `user_code`, then [`Client::poll_device`].
    pub async fn begin_device_authorization(&self, scopes: &[&str]) -> Result<DeviceAuthorization> {
        let credential = self.client_credential().await?;
        let request = device_authorization_request(self.config(), scopes, &credential)?;
        let (status, body) = self.exchange(request).await?;
        let now = self.runtime().now_millis();
        read_device_authorization(status, &body, now).map_err(Error::from)
    }

    /// Polls the token endpoint until the user approves (the tokens), denies or the code
    /// expires (an [`Error::OAuth`]), waiting `interval` between polls and 5 s more after each
    /// `slow_down`.
    pub async fn poll_device(&self, authorization: &DeviceAuthorization) -> Result<UserToken> {
        let mut poll = DevicePoll::new(authorization);
        let grant = Grant::DeviceCode {
            device_code: authorization.device_code.clone(),
        };
        loop {
            self.runtime().sleep(poll.interval()).await;
            // A keyless app signs each poll afresh: assertions are short-lived.
            let credential = self.client_credential().await?;
            let answer = match self
                .user_token_grant(TokenEndpoint::V3, &grant, &credential)
                .await
            {
                Ok(token) => Ok(token),
                Err(Error::OAuth(refused)) => Err(*refused),
                Err(other) => return Err(other),
            };
            match poll.step(answer, self.runtime().now_millis()) {
                PollStep::Done(token) => return Ok(token),
                PollStep::Wait(_) => {}
                PollStep::Failed(error) => return Err(error.into()),
            }
        }
    }

    /// How the app proves itself on a user-token grant: a fresh client assertion when it is
    /// keyless ([`ClientBuilder::client_assertion`](crate::ClientBuilder::client_assertion)), else
    /// the app secret.
    pub async fn client_credential(&self) -> Result<ClientCredential> {
        super::credential_for(self.inner.tokens.keyless(), self.config()).await
    }

    /// A keyless app's assertion provider (see
    /// [`ClientBuilder::client_assertion`](crate::ClientBuilder::client_assertion)), for code that
    /// proves the app elsewhere, such as the long connection's endpoint request.
    pub fn client_assertion_provider(
        &self,
    ) -> Option<std::sync::Arc<dyn super::ClientAssertionProvider>> {
        self.inner
            .tokens
            .keyless()
            .map(|keyless| keyless.provider())
    }

    /// Sends one accounts request under the client's timeout; the status and the body.
    async fn exchange(&self, request: http::Request<Vec<u8>>) -> Result<(u16, Vec<u8>)> {
        let response = self.transport().exchange(request, None).await?;
        Ok((response.status().as_u16(), response.into_body()))
    }
}

fn random_error(error: crate::runtime::RandomError) -> Error {
    Error::Build(format!("no randomness for the sign-in: {error}"))
}
