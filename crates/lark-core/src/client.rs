//! [`Client`]: endpoints in, typed answers out, tokens handled on the way.
//!
//! The client puts the pieces together: `request` builds a call, `auth` picks its token from
//! the token manager (`token::manager`), `retry` repeats it, `response` decodes the answer.

use std::sync::Arc;

use crate::auth::{self, Auth};
use crate::config::Config;
use crate::endpoint::Named;
use crate::endpoint::{Endpoint, ResponseKind, TokenKind};
use crate::error::Result;
use crate::idempotency;
use crate::multipart::Encoded;
use crate::observe::{Answered, Observer, Watch, keep_log_id};
use crate::options::RequestOptions;
use crate::response::{FromResponse, Shape, decode_parts};
use crate::retry::{self, Failed, RetryPolicy, reset_hint};
use crate::runtime::{HttpClient, Runtime};
use crate::secret::Secret;
use crate::ticket::{AppTicketStore, TicketsInTokenStore};
use crate::token::{MemoryTokenStore, TokenManager, TokenStore, UsedToken};
use crate::transport::{Transport, clone_request};

/// The Feishu/Lark client over any [`HttpClient`] backend.
///
/// Cheap to clone: clones share the token cache.
pub struct Client<H> {
    pub(crate) inner: Arc<Inner<H>>,
}

impl<H> Clone for Client<H> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<H> std::fmt::Debug for Client<H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

/// Builds a [`Client`] with stores of your choice; made by [`Client::builder`].
#[must_use]
pub struct ClientBuilder<H> {
    config: Config,
    http: H,
    runtime: Arc<dyn Runtime>,
    store: Option<Arc<dyn TokenStore>>,
    tickets: Option<Arc<dyn AppTicketStore>>,
    #[cfg(feature = "user-tokens")]
    users: Option<Arc<dyn crate::UserTokenStore>>,
    keyless: Option<crate::oauth::Keyless>,
    #[cfg(feature = "observe")]
    observer: Option<Arc<dyn Observer>>,
}

impl<H> std::fmt::Debug for ClientBuilder<H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut f = f.debug_struct("ClientBuilder");
        f.field("config", &self.config)
            .field("token_store", &self.store.is_some())
            .field("app_ticket_store", &self.tickets.is_some())
            .field("client_assertion", &self.keyless.is_some());
        #[cfg(feature = "observe")]
        f.field("observer", &self.observer.is_some());
        #[cfg(feature = "user-tokens")]
        f.field("user_token_store", &self.users.is_some());
        f.finish_non_exhaustive()
    }
}

impl<H: HttpClient> ClientBuilder<H> {
    /// Keeps tokens in `store` instead of the in-memory default.
    pub fn token_store(mut self, store: impl TokenStore + 'static) -> Self {
        self.store = Some(Arc::new(store));
        self
    }

    /// Keeps the marketplace `app_ticket` in `store`. Without one, the ticket is kept in the
    /// token store under `app_ticket:{app_id}`.
    pub fn app_ticket_store(mut self, store: impl AppTicketStore + 'static) -> Self {
        self.tickets = Some(Arc::new(store));
        self
    }

    /// Keeps signed-in users' tokens in `store` instead of the in-memory default (share one
    /// between processes to refresh each user once between them).
    #[cfg(feature = "user-tokens")]
    pub fn user_token_store(mut self, store: impl crate::UserTokenStore + 'static) -> Self {
        self.users = Some(Arc::new(store));
        self
    }

    /// Makes the app keyless: `provider` signs client assertions (RFC 7523), which the client
    /// trades for its tenant access token (the `jwt-bearer` grant at the accounts host's v3
    /// token endpoint) and sends instead of the app secret on user-token grants. The
    /// [`Config`]'s `app_secret` is then not used (leave it empty). A keyless app has tenant
    /// tokens only: endpoints that take nothing but an app access token, and marketplace apps,
    /// answer a clear error.
    pub fn client_assertion(
        mut self,
        provider: impl crate::oauth::ClientAssertionProvider + 'static,
    ) -> Self {
        self.keyless = Some(crate::oauth::keyless(provider));
        self
    }

    /// Tells `observer` of every attempt and every call (see [`crate::observe`]): metrics
    /// without `tracing`, in any runtime. A closure `Fn(&observe::Record)` is an observer.
    /// (Feature `observe`.)
    #[cfg(feature = "observe")]
    pub fn observer(mut self, observer: impl Observer + 'static) -> Self {
        self.observer = Some(Arc::new(observer));
        self
    }

    /// The client.
    // On wasm32 the stores need not be `Send`/`Sync` (one thread), so their `Arc` is not.
    #[cfg_attr(target_arch = "wasm32", allow(clippy::arc_with_non_send_sync))]
    pub fn build(self) -> Client<H> {
        let config = self.config;
        let store = self
            .store
            .unwrap_or_else(|| Arc::new(MemoryTokenStore::new()));
        let tickets = self
            .tickets
            .unwrap_or_else(|| Arc::new(TicketsInTokenStore(Arc::clone(&store))));
        Client {
            inner: Arc::new(Inner {
                tokens: TokenManager::new(
                    &config,
                    store,
                    tickets,
                    #[cfg(feature = "user-tokens")]
                    self.users
                        .unwrap_or_else(|| Arc::new(crate::MemoryUserTokenStore::new())),
                    self.keyless,
                ),
                config,
                http: self.http,
                runtime: self.runtime,
                #[cfg(feature = "observe")]
                observer: self.observer,
            }),
        }
    }
}

pub(crate) struct Inner<H> {
    pub(crate) config: Config,
    pub(crate) http: H,
    pub(crate) runtime: Arc<dyn Runtime>,
    /// Every managed token comes from here.
    pub(crate) tokens: TokenManager,
    /// Hears every attempt and call, when set.
    #[cfg(feature = "observe")]
    pub(crate) observer: Option<Arc<dyn Observer>>,
}

/// What a workflow knows about a call that its endpoint's metadata does not say, for
/// [`Client::send_hinted`]: a body already encoded, and whether the call may be repeated.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct CallHints<'a> {
    /// Sent in place of the endpoint's own body.
    pub body: Option<Encoded>,
    /// Whether a second copy of the call is harmless, whatever its method.
    pub idempotent: bool,
    /// Lark codes worth retrying on any HTTP status (only when `idempotent`).
    pub transient_codes: &'a [i64],
}

impl<'a> CallHints<'a> {
    /// No body, not idempotent, no transient codes.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sends `body` in place of the endpoint's own.
    #[must_use]
    pub fn body(mut self, body: Encoded) -> Self {
        self.body = Some(body);
        self
    }

    /// Says whether a second copy of the call is harmless.
    #[must_use]
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }

    /// Names Lark codes worth retrying on any HTTP status (when idempotent).
    #[must_use]
    pub fn transient_codes(mut self, codes: &'a [i64]) -> Self {
        self.transient_codes = codes;
        self
    }
}

/// The decoder's view of an endpoint's answer kind.
fn shape(kind: ResponseKind) -> Shape {
    match kind {
        ResponseKind::Json { envelope } => Shape::Json { envelope },
        ResponseKind::Binary => Shape::Binary,
    }
}

impl<H: HttpClient> Client<H> {
    /// A client for `config` sending through `http`, with `runtime`'s clock and timer, and an
    /// in-memory token store.
    pub fn new(config: Config, http: H, runtime: impl Runtime + 'static) -> Self {
        Self::with_token_store(config, http, runtime, MemoryTokenStore::new())
    }

    /// Like [`Client::new`], keeping tokens (and the `app_ticket`) in `store`.
    pub fn with_token_store(
        config: Config,
        http: H,
        runtime: impl Runtime + 'static,
        store: impl TokenStore + 'static,
    ) -> Self {
        Self::builder(config, http, runtime)
            .token_store(store)
            .build()
    }

    /// A client whose stores can be chosen: [`ClientBuilder::token_store`],
    /// [`ClientBuilder::app_ticket_store`].
    pub fn builder(config: Config, http: H, runtime: impl Runtime + 'static) -> ClientBuilder<H> {
        ClientBuilder {
            config,
            http,
            runtime: Arc::new(runtime),
            store: None,
            tickets: None,
            #[cfg(feature = "user-tokens")]
            users: None,
            keyless: None,
            #[cfg(feature = "observe")]
            observer: None,
        }
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// The backend.
    pub fn http(&self) -> &H {
        &self.inner.http
    }

    /// The clock and timer.
    pub fn runtime(&self) -> &dyn Runtime {
        &*self.inner.runtime
    }

    /// Sends `endpoint` with the default options.
    pub async fn send<E: Endpoint>(&self, endpoint: &E) -> Result<E::Output> {
        self.send_with(endpoint, &RequestOptions::default()).await
    }

    /// Sends `endpoint` with `options`, retrying as the [`RetryPolicy`] allows.
    pub async fn send_with<E: Endpoint>(
        &self,
        endpoint: &E,
        options: &RequestOptions,
    ) -> Result<E::Output> {
        let meta = endpoint.meta();
        let mut request = self.build_request(endpoint, options, None)?;
        let policy = self.policy(options);
        if policy.max_attempts > 1 {
            if let Some(key) = meta.idempotency_key {
                idempotency::fill(&mut request, key, &*self.inner.runtime)?;
            }
        }
        let idempotent =
            idempotency::is_idempotent(request.method(), meta.idempotency_key.is_some());
        self.send_built(endpoint, request, options, idempotent, &[])
            .await
    }

    /// Sends `endpoint` as [`Client::send_with`] does, with what `hints` say in place of what
    /// the endpoint's metadata would: a body already encoded (so a large one is not copied),
    /// whether a second copy is harmless, and Lark codes worth retrying on any HTTP status.
    /// No idempotency key is filled in. Workflows over several calls (lark-files' uploads)
    /// use it.
    pub async fn send_hinted<E: Endpoint>(
        &self,
        endpoint: &E,
        options: &RequestOptions,
        hints: CallHints<'_>,
    ) -> Result<E::Output> {
        let request = self.build_request(endpoint, options, hints.body)?;
        self.send_built(
            endpoint,
            request,
            options,
            hints.idempotent,
            hints.transient_codes,
        )
        .await
    }

    /// The retry loop around attempts of a built request.
    async fn send_built<E: Endpoint>(
        &self,
        endpoint: &E,
        request: http::Request<Vec<u8>>,
        options: &RequestOptions,
        idempotent: bool,
        transient_codes: &[i64],
    ) -> Result<E::Output> {
        let meta = endpoint.meta();
        let auth = auth::choose(meta, options, &self.inner.config)?;
        let kind = shape(meta.response);
        let (request, auth) = (&request, &auth);
        let watch = self.watch(Named::of(meta), request.method());
        crate::trace::within(
            &watch.span,
            retry::run(
                self.policy(options),
                &*self.inner.runtime,
                &self.inner.tokens,
                idempotent,
                transient_codes,
                &watch,
                move |now| self.attempt::<E::Output>(request, auth, options, kind, now),
            ),
        )
        .await
    }

    /// The span and observer of a call of `named` with `method`.
    pub(crate) fn watch<'a>(&'a self, named: Named, method: &'a http::Method) -> Watch<'a> {
        let span = crate::trace::call_span(named, method);
        Watch::new(span, self.observer(), named, method)
    }

    /// The client's observer: always `None` without the `observe` feature, so that the code
    /// telling one compiles away.
    pub(crate) fn observer(&self) -> Option<&dyn Observer> {
        #[cfg(feature = "observe")]
        return self.inner.observer.as_deref();
        #[cfg(not(feature = "observe"))]
        None
    }

    /// One attempt: authorise, exchange, decode.
    async fn attempt<T: FromResponse>(
        &self,
        request: &http::Request<Vec<u8>>,
        auth: &Auth,
        options: &RequestOptions,
        kind: Shape,
        now: Option<u64>,
    ) -> std::result::Result<Answered<T>, Failed> {
        let (request, used) = self.authorized(request, auth, options, now).await?;
        let response = match self.transport().exchange(request, options.timeout).await {
            Ok(response) => response,
            Err(error) => return Err(Failed::new(error, used)),
        };
        let (parts, body) = response.into_parts();
        let decoded = decode_parts(&parts, body, kind);
        // A failed attempt's status and log id come from its error (`retry::run`).
        #[cfg(feature = "tracing")]
        if decoded.is_ok() {
            crate::trace::answered(
                parts.status.as_u16(),
                parts
                    .headers
                    .get(const { http::HeaderName::from_static(crate::response::LOG_ID_HEADER) })
                    .and_then(|v| v.to_str().ok()),
            );
        }
        match decoded {
            Ok(output) => {
                let log_id = keep_log_id(&parts.headers, self.observer().is_some());
                Ok(Answered::new(output, parts.status, log_id))
            }
            Err(error) => Err(Failed {
                error,
                reset: reset_hint(&parts.headers),
                used,
            }),
        }
    }

    /// A copy of `request` for one attempt, with its `Authorization` set (and the managed
    /// token it carries, for the evict-and-retry decision).
    pub(crate) async fn authorized(
        &self,
        request: &http::Request<Vec<u8>>,
        auth: &Auth,
        options: &RequestOptions,
        now: Option<u64>,
    ) -> std::result::Result<(http::Request<Vec<u8>>, Option<UsedToken>), Failed> {
        let mut request = clone_request(request);
        let tokens = &self.inner.tokens;
        match auth::authorize(&mut request, auth, options, tokens, &self.transport(), now).await {
            Ok(used) => Ok((request, used)),
            Err(error) => Err(Failed::new(error, None)),
        }
    }

    /// The retry policy of a call: its own, else the client's.
    pub(crate) fn policy<'a>(&'a self, options: &'a RequestOptions) -> &'a RetryPolicy {
        options.retry.as_ref().unwrap_or(&self.inner.config.retry)
    }

    /// The request of `endpoint`, with `body` in place of its own when given.
    pub(crate) fn build_request<E: Endpoint>(
        &self,
        endpoint: &E,
        options: &RequestOptions,
        body: Option<Encoded>,
    ) -> Result<http::Request<Vec<u8>>> {
        crate::request::build(
            &self.inner.config,
            self.inner.http.sends_get_bodies(),
            endpoint,
            options,
            body,
        )
    }

    /// The client's backend, clock and settings, for one exchange.
    pub(crate) fn transport(&self) -> Transport<'_, H> {
        Transport {
            config: &self.inner.config,
            http: &self.inner.http,
            runtime: &*self.inner.runtime,
        }
    }

    /// The tenant access token, from the store or freshly fetched. Marketplace apps name the
    /// tenant.
    pub async fn tenant_access_token(&self, tenant_key: Option<&str>) -> Result<Secret> {
        let io = self.transport();
        let used = self
            .inner
            .tokens
            .token(&io, TokenKind::Tenant, tenant_key, None)
            .await?;
        Ok(used.value)
    }

    /// The app access token, from the store or freshly fetched.
    pub async fn app_access_token(&self) -> Result<Secret> {
        let io = self.transport();
        let used = self
            .inner
            .tokens
            .token(&io, TokenKind::App, None, None)
            .await?;
        Ok(used.value)
    }

    /// Stores the `app_ticket` the platform pushed to a marketplace app (the events dispatcher
    /// calls this for `app_ticket` events). A store that cannot take it is ignored here; see
    /// [`Client::try_set_app_ticket`].
    pub async fn set_app_ticket(&self, ticket: impl Into<Secret>) {
        let _ = self.try_set_app_ticket(ticket).await;
    }

    /// [`Client::set_app_ticket`], telling whether the [`AppTicketStore`] took the ticket.
    pub async fn try_set_app_ticket(
        &self,
        ticket: impl Into<Secret>,
    ) -> std::result::Result<(), crate::StoreError> {
        let app_id = &self.inner.config.app_id;
        self.inner
            .tokens
            .set_app_ticket(app_id, ticket.into())
            .await
    }

    /// Stores a user's tokens (from [`Client::exchange_code`], [`Client::poll_device`]) under
    /// `user`, a key of your choosing (an open_id, an account name): calls with
    /// [`RequestOptions::as_user`] then act for that user, refreshed as needed.
    #[cfg(feature = "user-tokens")]
    pub async fn sign_in_user(&self, user: &str, token: crate::oauth::UserToken) -> Result<()> {
        let key = crate::token::user_key(&self.inner.config.app_id, user);
        self.inner.tokens.users().sign_in(&key, token.into()).await
    }

    /// A user's stored tokens as they are, without refreshing (to show a login's scope and
    /// expiry); `None` when the user is not signed in.
    #[cfg(feature = "user-tokens")]
    pub async fn stored_user_token(&self, user: &str) -> Result<Option<crate::StoredUserToken>> {
        let key = crate::token::user_key(&self.inner.config.app_id, user);
        self.inner.tokens.users().stored(&key).await
    }

    /// Forgets a user's tokens.
    #[cfg(feature = "user-tokens")]
    pub async fn sign_out_user(&self, user: &str) -> Result<()> {
        let key = crate::token::user_key(&self.inner.config.app_id, user);
        self.inner.tokens.users().sign_out(&key).await
    }

    /// A signed-in user's access token: the stored one, or a refreshed one (one refresh at a
    /// time per user). An [`Error::OAuth`](crate::Error::OAuth) whose `must_reauthorize()` is true means the user
    /// has to sign in again (the stored tokens are gone).
    #[cfg(feature = "user-tokens")]
    pub async fn user_access_token(&self, user: &str) -> Result<Secret> {
        let io = self.transport();
        let used = self.inner.tokens.users().token(&io, user, None).await?;
        Ok(used.value)
    }

    /// Asks the platform to push the `app_ticket` again.
    pub async fn resend_app_ticket(&self) -> Result<()> {
        self.inner.tokens.resend_app_ticket(&self.transport()).await
    }
}
