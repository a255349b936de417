//! User tokens as a managed kind of token: kept in a [`UserTokenStore`] under the app and a
//! user key the caller chooses (an open_id, an account name), refreshed before they expire by
//! one caller at a time — in the process (a gate per user) and across processes (a refresh
//! lease in the store, and the store read again after the claim, so a refresh token another
//! process already spent is never sent). Refresh tokens rotate and are single-use: spending a
//! stale one would end the login.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::store::RefreshLease;
use super::{UsedToken, refresh_lease};
use crate::error::{Error, Result};
use crate::oauth::{Grant, OAuthError, TokenEndpoint, UserToken, read_token_answer, token_request};
use crate::runtime::{BoxFuture, HttpClient, MaybeSend, MaybeSync};
use crate::secret::Secret;
use crate::store::StoreError;
use crate::transport::Transport;

/// A user's tokens as a [`UserTokenStore`] keeps them.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StoredUserToken {
    /// The user access token.
    pub access_token: Secret,
    /// The refresh token (single-use), when the sign-in granted `offline_access`.
    pub refresh_token: Option<Secret>,
    /// When the access token expires, in Unix milliseconds.
    pub expires_at_millis: u64,
    /// When the refresh token expires, in Unix milliseconds, when known.
    pub refresh_expires_at_millis: Option<u64>,
    /// The granted scope, space-separated.
    pub scope: String,
}

impl std::fmt::Debug for StoredUserToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredUserToken")
            .field("access_token", &self.access_token)
            .field("refresh_token", &self.refresh_token)
            .field("expires_at_millis", &self.expires_at_millis)
            .field("refresh_expires_at_millis", &self.refresh_expires_at_millis)
            .field("scope", &self.scope)
            .finish()
    }
}

impl StoredUserToken {
    /// An access token that expires at `expires_at_millis`, with no refresh token (set the
    /// other fields as needed).
    pub fn new(access_token: Secret, expires_at_millis: u64) -> Self {
        Self {
            access_token,
            refresh_token: None,
            expires_at_millis,
            refresh_expires_at_millis: None,
            scope: String::new(),
        }
    }
}

impl StoredUserToken {
    /// The login as JSON text (`access_token`, `refresh_token`, `expires_at_millis`,
    /// `refresh_expires_at_millis`, `scope`): the one form stores that keep text use (a file,
    /// a keyring entry, a Redis value). It holds the tokens: keep it where only the owner reads.
    pub fn to_json(&self) -> String {
        serde_json::json!({
            "access_token": self.access_token.expose(),
            "refresh_token": self.refresh_token.as_ref().map(Secret::expose),
            "expires_at_millis": self.expires_at_millis,
            "refresh_expires_at_millis": self.refresh_expires_at_millis,
            "scope": self.scope,
        })
        .to_string()
    }

    /// A login from [`StoredUserToken::to_json`]'s text; `None` when it is not one (a store
    /// treats that as no login, never as a panic).
    pub fn from_json(text: &str) -> Option<Self> {
        use serde_json::Value;
        let value: Value = serde_json::from_str(text).ok()?;
        let mut token = Self::new(
            Secret::new(value.get("access_token")?.as_str()?),
            value.get("expires_at_millis")?.as_u64()?,
        );
        token.refresh_token = value
            .get("refresh_token")
            .and_then(Value::as_str)
            .map(Secret::new);
        token.refresh_expires_at_millis = value
            .get("refresh_expires_at_millis")
            .and_then(Value::as_u64);
        value
            .get("scope")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .clone_into(&mut token.scope);
        Some(token)
    }
}

impl From<UserToken> for StoredUserToken {
    fn from(token: UserToken) -> Self {
        Self {
            access_token: token.access_token,
            refresh_token: token.refresh_token,
            expires_at_millis: token.expires_at_millis,
            refresh_expires_at_millis: token.refresh_expires_at_millis,
            scope: token.scope,
        }
    }
}

/// Keeps users' tokens, keyed by strings the client makes from the app id and the user key.
///
/// The default, [`MemoryUserTokenStore`], keeps them in the process. A store shared between
/// processes implements the refresh claim too ([`try_acquire_refresh`](Self::try_acquire_refresh),
/// [`release_refresh`](Self::release_refresh)), as [`TokenStore`](crate::TokenStore) does; it
/// matters more here: two processes refreshing one user at once spend one refresh token twice,
/// and the platform then refuses the second and ends the login.
pub trait UserTokenStore: MaybeSend + MaybeSync {
    /// The tokens stored under `key`.
    fn get<'a>(
        &'a self,
        key: &'a str,
    ) -> BoxFuture<'a, std::result::Result<Option<StoredUserToken>, StoreError>>;
    /// Stores `token` under `key`.
    fn set<'a>(
        &'a self,
        key: &'a str,
        token: StoredUserToken,
    ) -> BoxFuture<'a, std::result::Result<(), StoreError>>;
    /// Removes the tokens under `key` (a sign-out, or a login the platform ended).
    fn remove<'a>(&'a self, key: &'a str) -> BoxFuture<'a, std::result::Result<(), StoreError>>;

    /// Claims the refresh of `lease.key()` (see [`TokenStore::try_acquire_refresh`](crate::TokenStore::try_acquire_refresh)).
    /// The default grants every claim: the client's in-process gate is enough.
    fn try_acquire_refresh<'a>(
        &'a self,
        lease: &'a RefreshLease,
    ) -> BoxFuture<'a, std::result::Result<bool, StoreError>> {
        let _ = lease;
        Box::pin(async { Ok(true) })
    }

    /// Gives a claim up, only if it is still `lease`'s. The default does nothing.
    fn release_refresh<'a>(&'a self, lease: &'a RefreshLease) -> BoxFuture<'a, ()> {
        let _ = lease;
        Box::pin(async {})
    }
}

/// Users' tokens in the process: the default [`UserTokenStore`].
#[derive(Debug, Default)]
pub struct MemoryUserTokenStore {
    tokens: Mutex<HashMap<String, StoredUserToken>>,
}

impl MemoryUserTokenStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, StoredUserToken>> {
        self.tokens.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl UserTokenStore for MemoryUserTokenStore {
    fn get<'a>(
        &'a self,
        key: &'a str,
    ) -> BoxFuture<'a, std::result::Result<Option<StoredUserToken>, StoreError>> {
        let token = self.map().get(key).cloned();
        Box::pin(async move { Ok(token) })
    }

    fn set<'a>(
        &'a self,
        key: &'a str,
        token: StoredUserToken,
    ) -> BoxFuture<'a, std::result::Result<(), StoreError>> {
        self.map().insert(key.to_owned(), token);
        Box::pin(async { Ok(()) })
    }

    fn remove<'a>(&'a self, key: &'a str) -> BoxFuture<'a, std::result::Result<(), StoreError>> {
        self.map().remove(key);
        Box::pin(async { Ok(()) })
    }
}

/// The users' tokens of one client: the store and the per-user gates.
pub(crate) struct UserTokens {
    store: Arc<dyn UserTokenStore>,
    /// A keyless app signs its refresh grants with an assertion instead of the secret.
    keyless: Option<crate::oauth::Keyless>,
    gates: Mutex<HashMap<String, Arc<async_lock::Mutex<()>>>>,
}

/// The store key of a user's tokens.
pub(crate) fn user_key(app_id: &str, user: &str) -> String {
    format!("user_access_token:{app_id}:{user}")
}

/// Whether a managed token's key is a user's.
pub(crate) fn is_user_key(key: &str) -> bool {
    key.starts_with("user_access_token:")
}

fn store_error(e: StoreError) -> Error {
    Error::Token {
        message: format!("the user token store cannot answer: {e}"),
        source: None,
    }
}

/// The error of a user who is not signed in (or whose login the platform ended).
fn not_signed_in(user: &str) -> Error {
    Error::OAuth(Box::new(OAuthError {
        status: 0,
        code: None,
        error: Some("invalid_grant".into()),
        description: Some(format!("no sign-in is stored for the user `{user}`")),
    }))
}

impl UserTokens {
    pub(crate) fn new(
        store: Arc<dyn UserTokenStore>,
        keyless: Option<crate::oauth::Keyless>,
    ) -> Self {
        Self {
            store,
            keyless,
            gates: Mutex::new(HashMap::new()),
        }
    }

    /// Stores a user's tokens (after a sign-in).
    pub(crate) async fn sign_in(&self, key: &str, token: StoredUserToken) -> Result<()> {
        self.store.set(key, token).await.map_err(store_error)
    }

    /// A user's stored tokens, as they are.
    pub(crate) async fn stored(&self, key: &str) -> Result<Option<StoredUserToken>> {
        self.store.get(key).await.map_err(store_error)
    }

    /// Forgets a user's tokens.
    pub(crate) async fn sign_out(&self, key: &str) -> Result<()> {
        self.store.remove(key).await.map_err(store_error)
    }

    /// The user's access token: stored and fresh (`margin` before expiry), else refreshed by
    /// one caller at a time.
    pub(crate) async fn token<H: HttpClient>(
        &self,
        io: &Transport<'_, H>,
        user: &str,
        now: Option<u64>,
    ) -> Result<UsedToken> {
        let key: Arc<str> = user_key(&io.config.app_id, user).into();
        let now = now.unwrap_or_else(|| io.runtime.now_millis());
        let margin = margin_millis(io);
        if let Some(token) = self.store.get(&key).await.map_err(store_error)? {
            if now.saturating_add(margin) < token.expires_at_millis {
                return Ok(UsedToken {
                    key,
                    value: token.access_token,
                });
            }
        }
        let gate = {
            let mut gates = self.gates.lock().unwrap_or_else(|e| e.into_inner());
            Arc::clone(gates.entry(key.to_string()).or_default())
        };
        let result = {
            let _guard = gate.lock().await;
            self.refresh_gated(io, user, &key).await
        };
        let mut gates = self.gates.lock().unwrap_or_else(|e| e.into_inner());
        let ours = gates.get(&*key).is_some_and(|g| Arc::ptr_eq(g, &gate));
        if ours && Arc::strong_count(&gate) == 2 {
            gates.remove(&*key);
        }
        drop(gates);
        result.map(|value| UsedToken { key, value })
    }

    /// Marks `used`, which the platform rejected, as expired (unless another caller already
    /// stored newer tokens), so the next call refreshes it. Its refresh token stays.
    pub(crate) async fn evict(&self, used: &UsedToken) {
        if let Ok(Some(mut stored)) = self.store.get(&used.key).await {
            if stored.access_token == used.value {
                stored.expires_at_millis = 0;
                let _ = self.store.set(&used.key, stored).await;
            }
        }
    }

    /// Under the user's gate: the tokens another caller (here or in another process) just
    /// stored, or a refresh.
    async fn refresh_gated<H: HttpClient>(
        &self,
        io: &Transport<'_, H>,
        user: &str,
        key: &str,
    ) -> Result<Secret> {
        let runtime = io.runtime;
        let store = &*self.store;
        let policy = io.config.token_refresh_lock;
        let margin = margin_millis(io);
        let started = runtime.now_millis();
        let max_wait = u64::try_from(policy.max_wait.as_millis()).unwrap_or(u64::MAX);
        let lease = refresh_lease(io.runtime, key, policy.ttl).ok_or_else(|| {
            Error::Build("no randomness for a refresh claim's fencing value".into())
        })?;
        loop {
            let now = runtime.now_millis();
            let Some(stored) = store.get(key).await.map_err(store_error)? else {
                return Err(not_signed_in(user));
            };
            if now.saturating_add(margin) < stored.expires_at_millis {
                return Ok(stored.access_token);
            }
            if store
                .try_acquire_refresh(&lease)
                .await
                .map_err(store_error)?
            {
                // Read again under the claim: a refresh token another process has spent
                // since our look must not be sent.
                let result = match store.get(key).await.map_err(store_error) {
                    Err(e) => Err(e),
                    Ok(None) => Err(not_signed_in(user)),
                    Ok(Some(current)) if now.saturating_add(margin) < current.expires_at_millis => {
                        Ok(current.access_token)
                    }
                    Ok(Some(current)) => self.refresh(io, user, key, current).await,
                };
                store.release_refresh(&lease).await;
                return result;
            }
            // Another process is refreshing: a token not yet expired serves now; otherwise
            // wait for the one it stores.
            if now < stored.expires_at_millis {
                return Ok(stored.access_token);
            }
            if now.saturating_sub(started) >= max_wait {
                return Err(Error::Token {
                    message: format!(
                        "another process has been refreshing the user `{user}` for too long"
                    ),
                    source: None,
                });
            }
            runtime.sleep(policy.poll_interval).await;
        }
    }

    /// Spends `current`'s refresh token; stores what comes back. A grant the platform will
    /// never take again ends the login: the stored tokens go, and the error says to sign in.
    async fn refresh<H: HttpClient>(
        &self,
        io: &Transport<'_, H>,
        user: &str,
        key: &str,
        current: StoredUserToken,
    ) -> Result<Secret> {
        let Some(refresh_token) = current.refresh_token else {
            return Err(not_signed_in(user));
        };
        let grant = Grant::RefreshToken {
            refresh_token,
            scope: None,
        };
        let credential = crate::oauth::credential_for(self.keyless.as_ref(), io.config).await?;
        let request = token_request(io.config, TokenEndpoint::V3, &grant, &credential)?;
        let response = io.exchange(request, None).await?;
        let status = response.status().as_u16();
        match read_token_answer(status, response.body(), io.runtime.now_millis()) {
            Ok(token) => {
                crate::trace::event!(
                    tracing::Level::INFO,
                    user = user,
                    app_id = io.config.app_id.as_str(),
                    "user token refreshed"
                );
                let access = token.access_token.clone();
                self.store
                    .set(key, token.into())
                    .await
                    .map_err(store_error)?;
                Ok(access)
            }
            Err(refused) => {
                if refused.must_reauthorize() {
                    crate::trace::event!(
                        tracing::Level::WARN,
                        user = user,
                        app_id = io.config.app_id.as_str(),
                        "the platform ended the user's login: removed, the user must sign in again"
                    );
                    let _ = self.store.remove(key).await;
                }
                Err(refused.into())
            }
        }
    }
}

fn margin_millis<H>(io: &Transport<'_, H>) -> u64 {
    u64::try_from(io.config.token_refresh_margin.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_login_round_trips_as_json_and_other_text_is_no_login() {
        let mut token = StoredUserToken::new(Secret::new("u-1"), 9);
        token.refresh_token = Some(Secret::new("r-1"));
        token.refresh_expires_at_millis = Some(99);
        token.scope = "a b".into();
        assert_eq!(StoredUserToken::from_json(&token.to_json()), Some(token));
        for bad in [
            "",
            "{}",
            "[]",
            r#"{"access_token":"u"}"#,
            r#"{"expires_at_millis":1}"#,
        ] {
            assert_eq!(StoredUserToken::from_json(bad), None, "{bad}");
        }
    }
}
