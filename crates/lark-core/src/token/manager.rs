//! The token manager: every managed token (tenant, app) comes from here, fresh from the store
//! or fetched by exactly one caller, and goes again when the platform rejects it.
//!
//! Its internal API is small: [`TokenManager::token`] (a token kind and, for a marketplace
//! app, a tenant key → a token), [`TokenManager::evict`] (forget a rejected token, so the next
//! [`TokenManager::token`] refreshes it), plus the marketplace `app_ticket`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::store::{StoredToken, TokenStore};
use super::wire::{
    APP_ACCESS_TOKEN, DEFAULT_TOKEN_LIFETIME_SECS, MARKETPLACE_APP_PATH, MARKETPLACE_TENANT_PATH,
    RESEND_APP_TICKET_PATH, SELF_BUILT_APP_PATH, SELF_BUILT_TENANT_PATH, TENANT_ACCESS_TOKEN,
    TokenAnswer, TokenRequest,
};
use super::{UsedToken, refresh_lease};
use crate::config::{AppType, Config};
use crate::endpoint::TokenKind;
use crate::error::{Error, Result};
use crate::response::{Shape, decode};
use crate::runtime::HttpClient;
use crate::secret::Secret;
use crate::ticket::AppTicketStore;
use crate::transport::Transport;

/// Fetches, keeps, refreshes and evicts the client's managed tokens.
pub(crate) struct TokenManager {
    store: Arc<dyn TokenStore>,
    tickets: Arc<dyn AppTicketStore>,
    /// Users' tokens, a managed kind of their own (refresh tokens, not app credentials).
    #[cfg(feature = "user-tokens")]
    users: super::user::UserTokens,
    /// A keyless app's assertion provider: its tenant token comes from the accounts host.
    keyless: Option<crate::oauth::Keyless>,
    /// One gate per token key: the first caller through refreshes, the others wait and then
    /// find the fresh token in the store (single-flight).
    gates: Mutex<HashMap<String, Arc<async_lock::Mutex<()>>>>,
    /// The store keys of the app's own tenant and app tokens, made once rather than per call.
    tenant_token_key: Arc<str>,
    app_token_key: Arc<str>,
}

impl TokenManager {
    /// A manager for the app of `config`, keeping tokens in `store` and the `app_ticket` in
    /// `tickets`.
    pub(crate) fn new(
        config: &Config,
        store: Arc<dyn TokenStore>,
        tickets: Arc<dyn AppTicketStore>,
        #[cfg(feature = "user-tokens")] users: Arc<dyn super::user::UserTokenStore>,
        keyless: Option<crate::oauth::Keyless>,
    ) -> Self {
        Self {
            #[cfg(feature = "user-tokens")]
            users: super::user::UserTokens::new(users, keyless.clone()),
            keyless,
            tenant_token_key: format!("tenant_access_token:{}", config.app_id).into(),
            app_token_key: format!("app_access_token:{}", config.app_id).into(),
            store,
            tickets,
            gates: Mutex::new(HashMap::new()),
        }
    }

    /// The store key of a token.
    fn key(&self, config: &Config, kind: TokenKind, tenant_key: Option<&str>) -> Arc<str> {
        let app_id = &config.app_id;
        match (kind, tenant_key) {
            (TokenKind::Tenant, Some(tenant)) if config.app_type == AppType::Marketplace => {
                format!("tenant_access_token:{app_id}:{tenant}").into()
            }
            (TokenKind::Tenant, _) => Arc::clone(&self.tenant_token_key),
            (TokenKind::App, _) => Arc::clone(&self.app_token_key),
            (kind, _) => format!("{}_access_token:{app_id}", kind.as_str()).into(),
        }
    }

    /// A token of `kind` (for a marketplace app's tenant token, of `tenant_key`): from the
    /// store when fresh, else fetched by exactly one caller. `now` is a clock reading the
    /// caller already has.
    pub(crate) async fn token<H: HttpClient>(
        &self,
        io: &Transport<'_, H>,
        kind: TokenKind,
        tenant_key: Option<&str>,
        now: Option<u64>,
    ) -> Result<UsedToken> {
        let key = self.key(io.config, kind, tenant_key);
        let now = now.unwrap_or_else(|| io.runtime.now_millis());
        if let Some(token) = self.store.get(&key).await {
            if token.is_fresh(now) {
                return Ok(UsedToken {
                    key,
                    value: token.value,
                });
            }
        }
        let gate = {
            let mut gates = self.gates.lock().unwrap_or_else(|e| e.into_inner());
            Arc::clone(gates.entry(key.to_string()).or_default())
        };
        let result = {
            let _guard = gate.lock().await;
            self.refresh_gated(io, kind, tenant_key, &key).await
        };
        // A gate nobody else holds or waits for goes: a marketplace app meets many tenants.
        let mut gates = self.gates.lock().unwrap_or_else(|e| e.into_inner());
        let ours = gates.get(&*key).is_some_and(|g| Arc::ptr_eq(g, &gate));
        if ours && Arc::strong_count(&gate) == 2 {
            gates.remove(&*key);
        }
        drop(gates);
        result.map(|value| UsedToken { key, value })
    }

    /// A keyless app's assertion provider, when the app is keyless.
    pub(crate) fn keyless(&self) -> Option<&crate::oauth::Keyless> {
        self.keyless.as_ref()
    }

    /// Users' tokens.
    #[cfg(feature = "user-tokens")]
    pub(crate) fn users(&self) -> &super::user::UserTokens {
        &self.users
    }

    /// Forgets `used`, which the platform rejected, unless a concurrent caller has already
    /// stored another token in its place.
    pub(crate) async fn evict(&self, used: &UsedToken) {
        #[cfg(feature = "user-tokens")]
        if super::user::is_user_key(&used.key) {
            return self.users.evict(used).await;
        }
        if let Some(stored) = self.store.get(&used.key).await {
            if stored.value == used.value {
                crate::trace::event!(
                    tracing::Level::INFO,
                    store_key = &*used.key,
                    "token rejected by the platform: evicted"
                );
                self.store.remove(&used.key).await;
            }
        }
    }

    /// Under the token's gate: the token another caller (of this process or another one
    /// sharing the store) just stored, or a fetched one.
    ///
    /// The refresh is claimed in the store first (see [`TokenStore`]): the holder fetches, the
    /// others wait for its token, bounded by [`RefreshLockPolicy::max_wait`](crate::RefreshLockPolicy).
    async fn refresh_gated<H: HttpClient>(
        &self,
        io: &Transport<'_, H>,
        kind: TokenKind,
        tenant_key: Option<&str>,
        key: &str,
    ) -> Result<Secret> {
        let runtime = io.runtime;
        let store = &*self.store;
        let policy = io.config.token_refresh_lock;
        let started = runtime.now_millis();
        let max_wait = u64::try_from(policy.max_wait.as_millis()).unwrap_or(u64::MAX);
        let lease = refresh_lease(io.runtime, key, policy.ttl);
        loop {
            let now = runtime.now_millis();
            let stored = store.get(key).await;
            if let Some(token) = &stored {
                if token.is_fresh(now) {
                    return Ok(token.value.clone());
                }
            }
            // Without randomness there is no fencing value to claim the refresh with.
            let Some(lease) = &lease else { break };
            match store.try_acquire_refresh(lease).await {
                Ok(true) => {
                    // Another process may have stored its token and released the claim
                    // between our look and our claim.
                    if let Some(token) = store.get(key).await {
                        if token.is_fresh(runtime.now_millis()) {
                            store.release_refresh(lease).await;
                            return Ok(token.value);
                        }
                    }
                    let fetched = self.fetch(io, kind, tenant_key).await;
                    if let Ok(token) = &fetched {
                        store.set(key, token.clone()).await;
                    }
                    crate::trace::event!(
                        tracing::Level::INFO,
                        kind = crate::trace::kind_name(kind),
                        app_id = io.config.app_id.as_str(),
                        ok = fetched.is_ok(),
                        "token fetched"
                    );
                    store.release_refresh(lease).await;
                    return fetched.map(|token| token.value);
                }
                Ok(false) => {
                    // Another process is refreshing. A token still valid (inside the refresh
                    // margin) serves now rather than after a wait.
                    if let Some(token) = stored {
                        if now < token.expires_at_millis {
                            return Ok(token.value);
                        }
                    }
                    if now.saturating_sub(started) >= max_wait {
                        crate::trace::event!(
                            tracing::Level::WARN,
                            kind = crate::trace::kind_name(kind),
                            app_id = io.config.app_id.as_str(),
                            "waited too long on another process's refresh: fetching"
                        );
                        break;
                    }
                    crate::trace::event!(
                        tracing::Level::DEBUG,
                        kind = crate::trace::kind_name(kind),
                        app_id = io.config.app_id.as_str(),
                        "waiting on another process's refresh"
                    );
                    runtime.sleep(policy.poll_interval).await;
                }
                // The store cannot tell: fetch our own token rather than fail the call.
                Err(_) => break,
            }
        }
        let token = self.fetch(io, kind, tenant_key).await?;
        store.set(key, token.clone()).await;
        crate::trace::event!(
            tracing::Level::INFO,
            kind = crate::trace::kind_name(kind),
            app_id = io.config.app_id.as_str(),
            ok = true,
            "token fetched"
        );
        Ok(token.value)
    }

    /// Buys a token from the platform.
    async fn fetch<H: HttpClient>(
        &self,
        io: &Transport<'_, H>,
        kind: TokenKind,
        tenant_key: Option<&str>,
    ) -> Result<StoredToken> {
        let config = io.config;
        let keyless = self.keyless.as_ref();
        let wrap = |what: &str, e: Error| Error::Token {
            message: format!("cannot get the {what}"),
            source: Some(Box::new(e)),
        };
        let app_credentials = TokenRequest {
            app_id: Some(&config.app_id),
            app_secret: Some(config.app_secret.expose()),
            ..TokenRequest::default()
        };
        // Held here so the marketplace bodies can borrow them.
        let app_token;
        let ticket;
        let (request, path, field) = if let Some(keyless) = keyless {
            (keyless.token_request(config, kind).await?, "", "")
        } else {
            let (path, body, field) = match (config.app_type, kind) {
                (AppType::SelfBuilt, TokenKind::Tenant) => {
                    (SELF_BUILT_TENANT_PATH, app_credentials, TENANT_ACCESS_TOKEN)
                }
                (AppType::SelfBuilt, _) => (SELF_BUILT_APP_PATH, app_credentials, APP_ACCESS_TOKEN),
                (_, TokenKind::Tenant) => {
                    let tenant_key = tenant_key.ok_or_else(|| Error::Token {
                        message: "a marketplace app needs a tenant key".to_owned(),
                        source: None,
                    })?;
                    app_token = Box::pin(self.token(io, TokenKind::App, None, None)).await?;
                    (
                        MARKETPLACE_TENANT_PATH,
                        TokenRequest {
                            app_access_token: Some(app_token.value.expose()),
                            tenant_key: Some(tenant_key),
                            ..TokenRequest::default()
                        },
                        TENANT_ACCESS_TOKEN,
                    )
                }
                (_, _) => {
                    let stored =
                        self.tickets
                            .get(&config.app_id)
                            .await
                            .map_err(|e| Error::Token {
                                message: format!("cannot read the app_ticket: {e}"),
                                source: None,
                            })?;
                    let Some(stored) = stored else {
                        // The platform pushes a ticket every hour; ask for one now.
                        let resend = self.resend_app_ticket(io).await;
                        return Err(Error::Token {
                            message:
                                "no app_ticket has arrived yet; asked the platform to resend it, \
                                  try again once the app_ticket event is handled"
                                    .to_owned(),
                            source: resend.err().map(Box::new),
                        });
                    };
                    ticket = stored;
                    (
                        MARKETPLACE_APP_PATH,
                        TokenRequest {
                            app_ticket: Some(ticket.expose()),
                            ..app_credentials
                        },
                        APP_ACCESS_TOKEN,
                    )
                }
            };
            (token_post(config, path, &body)?, path, field)
        };
        // One exchange for both kinds of app: a keyless branch adds no second copy of the
        // transport's future to every build.
        let response = io.exchange(request, None).await;
        if let Some(keyless) = keyless {
            let response = response?;
            let now = io.runtime.now_millis();
            let (value, expire_secs) =
                keyless.read_token(response.status().as_u16(), response.body(), now)?;
            return Ok(stored_token(io, value, expire_secs));
        }
        let answer: TokenAnswer = response
            .and_then(|response| decode(response, Shape::Json { envelope: None }))
            .map_err(|e| wrap(field, e))?;
        let value = if field == TENANT_ACCESS_TOKEN {
            answer.tenant_access_token
        } else {
            answer.app_access_token
        };
        let value = value
            .filter(|v| !v.is_empty())
            .ok_or_else(|| Error::Token {
                message: format!("the answer of {path} has no {field}"),
                source: None,
            })?;
        // The platform's tokens live two hours; see `stored_token` for an answer without one.
        let expire_secs = answer.expire.unwrap_or(0);
        Ok(stored_token(io, Secret::new(value), expire_secs))
    }

    /// Stores the `app_ticket` the platform pushed to a marketplace app.
    pub(crate) async fn set_app_ticket(
        &self,
        app_id: &str,
        ticket: Secret,
    ) -> std::result::Result<(), crate::StoreError> {
        self.tickets.set(app_id, ticket).await
    }

    /// Asks the platform to push the `app_ticket` again.
    pub(crate) async fn resend_app_ticket<H: HttpClient>(
        &self,
        io: &Transport<'_, H>,
    ) -> Result<()> {
        #[derive(serde::Deserialize)]
        struct Empty {}
        let body = TokenRequest {
            app_id: Some(&io.config.app_id),
            app_secret: Some(io.config.app_secret.expose()),
            ..TokenRequest::default()
        };
        let _: Empty = post_unauthenticated(io, RESEND_APP_TICKET_PATH, &body).await?;
        Ok(())
    }
}

/// `POST {open}{path}` with `body` as JSON.
fn token_post(
    config: &Config,
    path: &str,
    body: &TokenRequest<'_>,
) -> Result<http::Request<Vec<u8>>> {
    let url = format!("{}{path}", config.domain.open_base());
    http::Request::post(url)
        .header(
            http::header::CONTENT_TYPE,
            "application/json; charset=utf-8",
        )
        .body(serde_json::to_vec(body).map_err(|e| Error::Build(e.to_string()))?)
        .map_err(|e| Error::Build(e.to_string()))
}

/// A token bought now that lives `expire_secs` (a conservative half hour when the answer gave
/// none: kept rather than refetched on every call), refreshed the configured margin early.
fn stored_token<H>(io: &Transport<'_, H>, value: Secret, expire_secs: u64) -> StoredToken {
    let expire_secs = if expire_secs > 0 {
        expire_secs
    } else {
        DEFAULT_TOKEN_LIFETIME_SECS
    };
    let now = io.runtime.now_millis();
    let lifetime = expire_secs.saturating_mul(1000);
    let margin = u64::try_from(io.config.token_refresh_margin.as_millis())
        .unwrap_or(u64::MAX)
        .min(lifetime / 2);
    StoredToken {
        value,
        expires_at_millis: now.saturating_add(lifetime),
        refresh_at_millis: now.saturating_add(lifetime - margin),
    }
}

/// Posts a token request (no `Authorization`) and reads its top-level answer.
async fn post_unauthenticated<H: HttpClient, T: serde::de::DeserializeOwned>(
    io: &Transport<'_, H>,
    path: &str,
    body: &TokenRequest<'_>,
) -> Result<T> {
    let request = token_post(io.config, path, body)?;
    let response = io.exchange(request, None).await?;
    decode(response, Shape::Json { envelope: None })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::{BoxFuture, HttpError, ManualClock};
    use crate::ticket::MemoryAppTicketStore;
    use crate::token::MemoryTokenStore;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A backend answering every token request with `answer`, counting them.
    struct Counting {
        answer: &'static str,
        count: AtomicUsize,
    }

    impl Counting {
        fn count(&self) -> usize {
            self.count.load(Ordering::SeqCst)
        }
    }

    impl HttpClient for Counting {
        fn execute(
            &self,
            _request: http::Request<Vec<u8>>,
        ) -> BoxFuture<'_, std::result::Result<http::Response<Vec<u8>>, HttpError>> {
            self.count.fetch_add(1, Ordering::SeqCst);
            let response = http::Response::new(self.answer.as_bytes().to_vec());
            Box::pin(std::future::ready(Ok(response)))
        }
    }

    /// Runs `test` with a manager of in-memory stores, over a backend answering `answer`.
    fn with_manager<R>(
        answer: &'static str,
        test: impl FnOnce(&TokenManager, &Transport<'_, Counting>) -> R,
    ) -> R {
        let config = Config::new("cli_x", "s");
        let http = Counting {
            answer,
            count: AtomicUsize::new(0),
        };
        let clock = ManualClock::new(1_000);
        let io = Transport {
            config: &config,
            http: &http,
            runtime: &clock,
        };
        let tokens = TokenManager::new(
            &config,
            Arc::new(MemoryTokenStore::new()),
            Arc::new(MemoryAppTicketStore::new()),
            #[cfg(feature = "user-tokens")]
            Arc::new(crate::MemoryUserTokenStore::new()),
            None,
        );
        test(&tokens, &io)
    }

    fn tenant(tokens: &TokenManager, io: &Transport<'_, Counting>) -> UsedToken {
        futures_executor::block_on(tokens.token(io, TokenKind::Tenant, None, None)).unwrap()
    }

    const ANSWER: &str = r#"{"code":0,"tenant_access_token":"t-1","expire":7200}"#;

    #[test]
    fn a_token_without_expire_is_kept_not_refetched_per_call() {
        let answer = r#"{"code":0,"msg":"ok","tenant_access_token":"t-1"}"#;
        with_manager(answer, |tokens, io| {
            for _ in 0..3 {
                assert_eq!(tenant(tokens, io).value.expose(), "t-1");
            }
            assert_eq!(io.http.count(), 1);
        });
    }

    #[test]
    fn single_flight_gates_are_pruned_after_the_refresh() {
        with_manager(ANSWER, |tokens, io| {
            let calls = (0..8).map(|_| tokens.token(io, TokenKind::Tenant, None, None));
            let results = futures_executor::block_on(futures_util::future::join_all(calls));
            assert!(results.iter().all(Result::is_ok));
            assert_eq!(io.http.count(), 1);
            assert!(tokens.gates.lock().unwrap().is_empty());
        });
    }

    #[test]
    fn eviction_makes_the_next_call_fetch_a_new_token() {
        with_manager(ANSWER, |tokens, io| {
            let used = tenant(tokens, io);
            futures_executor::block_on(tokens.evict(&used));
            assert_eq!(tenant(tokens, io).value.expose(), "t-1");
            assert_eq!(io.http.count(), 2);
            // A token that is no longer the stored one is not evicted.
            let stale = UsedToken {
                key: Arc::clone(&used.key),
                value: Secret::new("t-0"),
            };
            futures_executor::block_on(tokens.evict(&stale));
            tenant(tokens, io);
            assert_eq!(io.http.count(), 2);
        });
    }
}
