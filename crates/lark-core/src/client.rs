//! [`Client`]: endpoints in, typed answers out, tokens handled on the way.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use futures_util::future::{Either, select};
use futures_util::stream::{self, Stream};

use crate::config::{AppType, Config};
use crate::endpoint::{
    Base, Body, Endpoint, EndpointMeta, FromResponse, IdempotencyKey, Page, Paginated,
    ResponseKind, TokenKind,
};
use crate::error::{DecodeError, Error, Result};
use crate::response::{decode, decode_parts};
use crate::retry::{RetryPolicy, Verdict, reset_hint, verdict};
use crate::runtime::{BodyStream, HttpClient, HttpErrorKind, Runtime, random_u64};
use crate::secret::Secret;
use crate::ticket::{AppTicketStore, TicketsInTokenStore};
use crate::token::{MemoryTokenStore, RefreshLease, StoredToken, TOKEN_INVALID_CODES, TokenStore};

/// Per-call settings.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct RequestOptions {
    /// Acts for a user: sent when the endpoint accepts user access tokens.
    pub user_access_token: Option<Secret>,
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
    /// [`Client::pages_with`] stream.
    pub max_pages: Option<u32>,
    /// Values handed to the [`HttpClient`] in each attempt's
    /// [`http::Request::extensions`], for settings only a backend reads (lark-fetch's
    /// `ExtraHeaders`, for one).
    pub extensions: http::Extensions,
}

impl RequestOptions {
    /// No options.
    pub fn new() -> Self {
        Self::default()
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

    /// Adds a header. An invalid name or value is an [`Error::Build`] on send.
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

    /// Sets the most pages this [`Client::pages_with`] stream follows, over
    /// [`Config::max_pages`](crate::Config::max_pages).
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

/// The Feishu/Lark client over any [`HttpClient`] backend.
///
/// Cheap to clone: clones share the token cache.
pub struct Client<H> {
    inner: Arc<Inner<H>>,
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
}

impl<H> std::fmt::Debug for ClientBuilder<H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("config", &self.config)
            .field("token_store", &self.store.is_some())
            .field("app_ticket_store", &self.tickets.is_some())
            .finish_non_exhaustive()
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

    /// The client.
    // On wasm32 the stores need not be `Send`/`Sync` (one thread), so their `Arc` is not.
    #[cfg_attr(target_arch = "wasm32", allow(clippy::arc_with_non_send_sync))]
    pub fn build(self) -> Client<H> {
        let config = self.config;
        let tenant_token_key = format!("tenant_access_token:{}", config.app_id).into();
        let app_token_key = format!("app_access_token:{}", config.app_id).into();
        let store = self
            .store
            .unwrap_or_else(|| Arc::new(MemoryTokenStore::new()));
        let tickets = self
            .tickets
            .unwrap_or_else(|| Arc::new(TicketsInTokenStore(Arc::clone(&store))));
        Client {
            inner: Arc::new(Inner {
                tenant_token_key,
                app_token_key,
                config,
                http: self.http,
                runtime: self.runtime,
                store,
                tickets,
                gates: Mutex::new(HashMap::new()),
            }),
        }
    }
}

struct Inner<H> {
    config: Config,
    http: H,
    runtime: Arc<dyn Runtime>,
    store: Arc<dyn TokenStore>,
    tickets: Arc<dyn AppTicketStore>,
    /// One gate per token key: the first caller through refreshes, the others wait and then
    /// find the fresh token in the store (single-flight).
    gates: Mutex<HashMap<String, Arc<async_lock::Mutex<()>>>>,
    /// The store keys of the app's own tenant and app tokens, made once rather than per call.
    tenant_token_key: Arc<str>,
    app_token_key: Arc<str>,
}

/// The lifetime assumed for a token whose answer gives no `expire`.
const DEFAULT_TOKEN_LIFETIME_SECS: u64 = 30 * 60;

/// A download's request, built once and sent again from where a broken body stopped.
pub(crate) struct PreparedDownload {
    request: http::Request<Vec<u8>>,
    auth: Auth,
    options: RequestOptions,
}

/// How a call is authorised.
#[derive(Clone)]
enum Auth {
    None,
    /// A token the caller gave (a user's, or a tenant's got elsewhere): sent as it is.
    Given(Secret),
    Managed(TokenKind),
}

/// A failed attempt, with what the retry decision needs.
pub(crate) struct Failed {
    error: Error,
    /// The server's rate-limit reset hint.
    reset: Option<Duration>,
    /// The managed token the attempt carried.
    used: Option<UsedToken>,
}

/// The members of the JSON object `body` other than `name`, as `{` and the members' text
/// (each value copied as sent), when the object has no usable `name` (absent, `null` or
/// `""`; of repeated keys the last counts). `None` when it has one, or `body` is not a JSON
/// object.
fn members_without_key(body: &[u8], name: &str) -> Option<Vec<u8>> {
    struct Members<'n>(&'n str);

    impl<'de> serde::de::Visitor<'de> for Members<'_> {
        type Value = Option<Vec<u8>>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a map")
        }

        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> std::result::Result<Self::Value, A::Error> {
            let mut out = vec![b'{'];
            let mut present = false;
            while let Some(key) = map.next_key::<String>()? {
                let value: &'de serde_json::value::RawValue = map.next_value()?;
                if key == self.0 {
                    present = !matches!(value.get(), "null" | "\"\"");
                    continue;
                }
                if out.len() > 1 {
                    out.push(b',');
                }
                serde_json::to_writer(&mut out, &key).map_err(serde::de::Error::custom)?;
                out.push(b':');
                out.extend_from_slice(value.get().as_bytes());
            }
            Ok((!present).then_some(out))
        }
    }

    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let members = serde::Deserializer::deserialize_map(&mut deserializer, Members(name)).ok()?;
    deserializer.end().ok()?;
    members
}

/// The answer field of a tenant token.
const TENANT_ACCESS_TOKEN: &str = "tenant_access_token";

/// The JSON body of a token request: the fields given, in sorted order.
#[derive(Default, serde::Serialize)]
struct TokenRequest<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    app_access_token: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    app_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    app_secret: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    app_ticket: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tenant_key: Option<&'a str>,
}

/// The fields of a token answer the client reads. A field of another type counts as absent,
/// as a missing one does (`expire` must be a non-negative integer); of repeated keys the last
/// counts.
#[derive(Default)]
struct TokenAnswer {
    tenant_access_token: Option<String>,
    app_access_token: Option<String>,
    expire: Option<u64>,
}

impl<'de> serde::Deserialize<'de> for TokenAnswer {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Self, D::Error> {
        struct Fields;

        impl<'de> serde::de::Visitor<'de> for Fields {
            type Value = TokenAnswer;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a map")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<TokenAnswer, A::Error> {
                let mut answer = TokenAnswer::default();
                while let Some(key) = map.next_key::<String>()? {
                    let slot = match key.as_str() {
                        TENANT_ACCESS_TOKEN => &mut answer.tenant_access_token,
                        "app_access_token" => &mut answer.app_access_token,
                        "expire" => {
                            let raw: Box<serde_json::value::RawValue> = map.next_value()?;
                            answer.expire = serde_json::from_slice(raw.get().as_bytes()).ok();
                            continue;
                        }
                        _ => {
                            map.next_value::<serde::de::IgnoredAny>()?;
                            continue;
                        }
                    };
                    let raw: Box<serde_json::value::RawValue> = map.next_value()?;
                    *slot = serde_json::from_slice(raw.get().as_bytes()).ok();
                }
                Ok(answer)
            }
        }

        deserializer.deserialize_map(Fields)
    }
}

/// Formats 128 random bits as a version-4 UUID.
fn uuid_v4(bytes: &[u8; 16]) -> String {
    let bits = u128::from_be_bytes(*bytes);
    let (a, b) = ((bits >> 64) as u64, bits as u64);
    let a = (a & 0xffff_ffff_ffff_0fff) | 0x0000_0000_0000_4000;
    let b = (b & 0x3fff_ffff_ffff_ffff) | 0x8000_0000_0000_0000;
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xffff,
        b >> 48,
        b & 0xffff_ffff_ffff
    )
}

/// What came back from one managed-token exchange, for the evict-and-retry decision.
struct UsedToken {
    key: Arc<str>,
    value: Secret,
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
        let mut request = self.build(endpoint, options)?;
        let auth = self.auth(meta, options)?;
        let policy = options.retry.as_ref().unwrap_or(&self.inner.config.retry);
        if policy.max_attempts > 1 {
            if let Some(key) = meta.idempotency_key {
                self.fill_idempotency_key(&mut request, key)?;
            }
        }
        let idempotent = meta.idempotency_key.is_some()
            || matches!(
                *request.method(),
                http::Method::GET
                    | http::Method::HEAD
                    | http::Method::PUT
                    | http::Method::DELETE
                    | http::Method::OPTIONS
            );
        let kind = meta.response;
        let request = &request;
        let auth = &auth;
        self.with_retries(options, idempotent, &[], move |now| {
            self.attempt::<E::Output>(request, auth, options, kind, now)
        })
        .await
    }

    /// Sends `endpoint` as [`Client::send_with`] does, with `body` in place of the endpoint's
    /// own (so a large one is not copied), `idempotent` saying whether a second copy is
    /// harmless, and `transient_codes` naming Lark codes worth retrying on any HTTP status.
    pub(crate) async fn send_prepared<E: Endpoint>(
        &self,
        endpoint: &E,
        options: &RequestOptions,
        body: Option<Encoded>,
        idempotent: bool,
        transient_codes: &[i64],
    ) -> Result<E::Output> {
        let meta = endpoint.meta();
        let request = self.build_with_body(endpoint, options, body)?;
        let auth = self.auth(meta, options)?;
        let kind = meta.response;
        let request = &request;
        let auth = &auth;
        self.with_retries(options, idempotent, transient_codes, move |now| {
            self.attempt::<E::Output>(request, auth, options, kind, now)
        })
        .await
    }

    /// Builds the request of `endpoint` (a download) once, to be sent by
    /// [`Client::send_download`] as often as a broken body needs.
    pub(crate) fn prepare_download<E: Endpoint>(
        &self,
        endpoint: &E,
        options: &RequestOptions,
    ) -> Result<PreparedDownload> {
        let request = self.build(endpoint, options)?;
        let auth = self.auth(endpoint.meta(), options)?;
        Ok(PreparedDownload {
            request,
            auth,
            options: options.clone(),
        })
    }

    /// Sends a prepared download and returns the answer once its headers are in, with its
    /// body still streaming, retrying as the [`RetryPolicy`] allows until then. `range_start`
    /// above 0 asks for the bytes from there on (`Range: bytes={start}-`), and `if_range`
    /// (the first answer's `ETag`) makes a changed file answer whole rather than in part.
    ///
    /// Error answers (not 2xx, or a 2xx JSON envelope with a non-zero `code`) are read whole
    /// and become the usual errors; a `416` is handed back for the caller to judge.
    pub(crate) async fn send_download(
        &self,
        prepared: &PreparedDownload,
        range_start: u64,
        if_range: Option<&http::HeaderValue>,
    ) -> Result<StreamedAnswer> {
        let mut request = clone_request(&prepared.request);
        if range_start > 0 {
            let value = http::HeaderValue::try_from(format!("bytes={range_start}-"))
                .map_err(|e| Error::Build(e.to_string()))?;
            request.headers_mut().insert(http::header::RANGE, value);
            if let Some(tag) = if_range {
                request
                    .headers_mut()
                    .insert(http::header::IF_RANGE, tag.clone());
            }
        }
        let idempotent = matches!(*request.method(), http::Method::GET | http::Method::HEAD);
        let request = &request;
        let options = &prepared.options;
        let auth = &prepared.auth;
        self.with_retries(options, idempotent, &[], move |now| {
            self.attempt_streaming(request, auth, options, now)
        })
        .await
    }

    /// The retry loop around `attempt`, which is called with a clock reading for the first
    /// attempt's token check and `None` after.
    async fn with_retries<T, F, Fut>(
        &self,
        options: &RequestOptions,
        idempotent: bool,
        transient_codes: &[i64],
        mut attempt_once: F,
    ) -> Result<T>
    where
        F: FnMut(Option<u64>) -> Fut,
        Fut: std::future::Future<Output = std::result::Result<T, Failed>>,
    {
        let policy = options.retry.as_ref().unwrap_or(&self.inner.config.retry);
        let started = self.inner.runtime.now_millis();
        let mut attempt = 1;
        let mut token_refreshed = false;
        // The first attempt checks the token's freshness against `started`: one clock read.
        let mut now = Some(started);
        loop {
            let failed = match attempt_once(now.take()).await {
                Ok(output) => return Ok(output),
                Err(failed) => failed,
            };
            if let (Error::Api(api), Some(used)) = (&failed.error, &failed.used) {
                if !token_refreshed && TOKEN_INVALID_CODES.contains(&api.code) {
                    // Evict only the token that was rejected: a concurrent caller may already
                    // have stored a fresh one.
                    if let Some(stored) = self.inner.store.get(&used.key).await {
                        if stored.value == used.value {
                            self.inner.store.remove(&used.key).await;
                        }
                    }
                    token_refreshed = true;
                    continue;
                }
            }
            if attempt >= policy.max_attempts {
                return Err(failed.error);
            }
            let transient = idempotent
                && matches!(&failed.error, Error::Api(api) if transient_codes.contains(&api.code));
            let judged = if transient {
                Verdict::Backoff
            } else {
                verdict(&failed.error, idempotent, failed.reset)
            };
            let wait = match judged {
                Verdict::Stop => return Err(failed.error),
                // Without randomness the wait is the whole span: no jitter, still bounded.
                Verdict::Backoff => policy.backoff(
                    attempt,
                    random_u64(&*self.inner.runtime).unwrap_or(u64::MAX),
                ),
                Verdict::After(wait) => wait,
            };
            if let Some(deadline) = policy.deadline {
                let elapsed = self.inner.runtime.now_millis().saturating_sub(started);
                let wait_millis = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
                let deadline_millis = u64::try_from(deadline.as_millis()).unwrap_or(u64::MAX);
                if elapsed.saturating_add(wait_millis) >= deadline_millis {
                    return Err(failed.error);
                }
            }
            self.inner.runtime.sleep(wait).await;
            attempt += 1;
            // A new attempt may meet a token that expired while the last one failed and
            // waited: it gets its own evict-and-retry. A fresh token rejected at once is still
            // returned, and attempts stay bounded by the policy.
            token_refreshed = false;
        }
    }

    /// One attempt: authorise, exchange, decode.
    async fn attempt<T: FromResponse>(
        &self,
        request: &http::Request<Vec<u8>>,
        auth: &Auth,
        options: &RequestOptions,
        kind: ResponseKind,
        now: Option<u64>,
    ) -> std::result::Result<T, Failed> {
        let failed = |error, used| Failed {
            error,
            reset: None,
            used,
        };
        let mut request = clone_request(request);
        let used = self
            .authorize(&mut request, auth, options, now)
            .await
            .map_err(|e| failed(e, None))?;
        let response = match self.exchange(request, options.timeout).await {
            Ok(response) => response,
            Err(e) => return Err(failed(e, used)),
        };
        let (parts, body) = response.into_parts();
        decode_parts(&parts, body, kind).map_err(|error| Failed {
            error,
            reset: reset_hint(&parts.headers),
            used,
        })
    }

    /// One streaming attempt: authorise, exchange until the headers are in, read an error
    /// answer whole.
    async fn attempt_streaming(
        &self,
        request: &http::Request<Vec<u8>>,
        auth: &Auth,
        options: &RequestOptions,
        now: Option<u64>,
    ) -> std::result::Result<StreamedAnswer, Failed> {
        let failed = |error, used| Failed {
            error,
            reset: None,
            used,
        };
        let mut request = clone_request(request);
        let used = self
            .authorize(&mut request, auth, options, now)
            .await
            .map_err(|e| failed(e, None))?;
        let timeout = options.timeout.or(self.inner.config.timeout);
        let response = match self.exchange_streaming(request, timeout).await {
            Ok(response) => response,
            Err(e) => return Err(failed(e, used)),
        };
        let (parts, mut body) = response.into_parts();
        let json = parts
            .headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim_start().starts_with("application/json"));
        let status = parts.status;
        if status == http::StatusCode::RANGE_NOT_SATISFIABLE {
            // Judged by the caller, which knows the range it asked for; the body is an
            // explanation at most.
            return Ok(StreamedAnswer {
                parts,
                prefix: Vec::new(),
                rest: None,
            });
        }
        let judged_here = !status.is_success();
        if !judged_here && !json {
            return Ok(StreamedAnswer {
                parts,
                prefix: Vec::new(),
                rest: Some(body),
            });
        }
        // An error answer, or a JSON one that may be an error envelope: read up to a bound.
        let mut prefix = Vec::new();
        let mut ended = false;
        while prefix.len() <= ERROR_BODY_LIMIT {
            match next_chunk_within(&mut body, &*self.inner.runtime, timeout).await {
                Ok(Some(chunk)) => prefix.extend_from_slice(&chunk),
                Ok(None) => {
                    ended = true;
                    break;
                }
                Err(e) => return Err(failed(e, used)),
            }
        }
        if judged_here {
            let error = match decode_parts::<crate::endpoint::Download>(
                &parts,
                prefix,
                ResponseKind::Binary,
            ) {
                Err(error) => error,
                // A JSON `code` 0 on an error status: still an error.
                Ok(download) => Error::Decode(Box::new(DecodeError::new(
                    format!("HTTP {} on a download", status.as_u16()),
                    status.as_u16(),
                    crate::response::log_id(&parts.headers),
                    download.data,
                    None,
                ))),
            };
            return Err(Failed {
                error,
                reset: reset_hint(&parts.headers),
                used,
            });
        }
        if ended {
            // A whole JSON body: an envelope with a non-zero `code` is the platform's error;
            // anything else is the file itself.
            match decode_parts::<crate::endpoint::Download>(&parts, prefix, ResponseKind::Binary) {
                Ok(download) => prefix = download.data,
                Err(error) => {
                    return Err(Failed {
                        error,
                        reset: reset_hint(&parts.headers),
                        used,
                    });
                }
            }
        }
        Ok(StreamedAnswer {
            parts,
            prefix,
            rest: (!ended).then_some(body),
        })
    }

    /// One streaming HTTP exchange; `timeout` bounds the wait for the headers.
    async fn exchange_streaming(
        &self,
        request: http::Request<Vec<u8>>,
        timeout: Option<Duration>,
    ) -> Result<http::Response<BodyStream>> {
        let sending = self.inner.http.execute_streaming(request);
        match timeout {
            None => sending.await.map_err(|e| transport(e, None)),
            Some(limit) => match select(sending, self.inner.runtime.sleep(limit)).await {
                Either::Left((result, _)) => result.map_err(|e| transport(e, Some(limit))),
                Either::Right(((), _)) => Err(Error::Timeout(limit)),
            },
        }
    }

    /// The clock and timer, shared.
    pub(crate) fn runtime_arc(&self) -> Arc<dyn Runtime> {
        Arc::clone(&self.inner.runtime)
    }

    /// Puts an idempotency key into `request` unless the caller set one.
    fn fill_idempotency_key(
        &self,
        request: &mut http::Request<Vec<u8>>,
        key: IdempotencyKey,
    ) -> Result<()> {
        let fresh = || -> Result<String> {
            let mut bytes = [0; 16];
            self.inner.runtime.fill_random(&mut bytes).map_err(|e| {
                Error::Build(format!("cannot make an idempotency key for a retry: {e}"))
            })?;
            Ok(uuid_v4(&bytes))
        };
        match key {
            IdempotencyKey::Query(name) => {
                let uri = request.uri().to_string();
                let (base, query) = uri.split_once('?').unwrap_or((&uri, ""));
                let given = |pair: &&str| pair.split('=').next() == Some(name);
                let present = query
                    .split('&')
                    .any(|pair| given(&pair) && pair.len() > name.len() + 1);
                if !present {
                    // An empty `name=` the caller sent is replaced, not repeated.
                    let mut pairs: Vec<&str> = query
                        .split('&')
                        .filter(|pair| !pair.is_empty() && !given(pair))
                        .collect();
                    let key = format!("{name}={}", fresh()?);
                    pairs.push(&key);
                    let uri = format!("{base}?{}", pairs.join("&"));
                    *request.uri_mut() = uri
                        .parse()
                        .map_err(|e| Error::Build(format!("invalid URL: {e}")))?;
                }
            }
            IdempotencyKey::Body(name) => {
                // The body's text is kept: the key is appended to its other members (read as
                // raw JSON, not rebuilt as a `serde_json::Value`, which costs the wasm builds
                // about 12 KB).
                if let Some(mut members) = members_without_key(request.body(), name) {
                    if members.len() > 1 {
                        members.push(b',');
                    }
                    serde_json::to_writer(&mut members, name)
                        .map_err(|e| Error::Build(format!("cannot serialise the body: {e}")))?;
                    members.extend_from_slice(b":\"");
                    members.extend_from_slice(fresh()?.as_bytes());
                    members.extend_from_slice(b"\"}");
                    *request.body_mut() = members;
                }
            }
        }
        Ok(())
    }

    /// A request to any path, for endpoints the typed API lacks. Its output is the whole JSON
    /// body, after the `code` check.
    pub fn raw(&self, method: http::Method, path: impl Into<String>) -> RawRequest<'_, H> {
        RawRequest {
            client: self,
            endpoint: RawEndpoint {
                meta: EndpointMeta::new(
                    "raw",
                    "raw",
                    method,
                    "",
                    &[TokenKind::Tenant, TokenKind::User],
                )
                .response(ResponseKind::Json { envelope: None }),
                path: path.into(),
                query: Vec::new(),
                body: None,
            },
            options: RequestOptions::default(),
        }
    }

    /// Every page of a paginated endpoint, following `page_token` until `has_more` is false.
    ///
    /// The stream ends after the first error. A server whose page tokens go round in a cycle
    /// (A → B → A), or more than [`Config::max_pages`] pages, end it with
    /// [`Error::Pagination`] after the pages before.
    pub fn pages<E>(&self, endpoint: E) -> impl Stream<Item = Result<E::Output>> + use<H, E>
    where
        E: Paginated + 'static,
        E::Output: Page,
    {
        self.pages_with(endpoint, RequestOptions::default())
    }

    /// [`Client::pages`] with options ([`RequestOptions::max_pages`] overrides
    /// [`Config::max_pages`]). The stream holds a clone of the client, so it may outlive this
    /// borrow (the wasm bindings keep one between JavaScript calls).
    pub fn pages_with<E>(
        &self,
        endpoint: E,
        options: RequestOptions,
    ) -> impl Stream<Item = Result<E::Output>> + use<H, E>
    where
        E: Paginated + 'static,
        E::Output: Page,
    {
        struct Cursor<E> {
            endpoint: E,
            options: RequestOptions,
            seen: std::collections::HashSet<String>,
            pages: u32,
        }
        enum State<E> {
            Next(Box<Cursor<E>>),
            Failed(Error),
        }
        let (max_pages, limit) = match options.max_pages {
            Some(n) => (n, "RequestOptions::max_pages"),
            None => (self.inner.config.max_pages, "Config::max_pages"),
        };
        let first = State::Next(Box::new(Cursor {
            endpoint,
            options,
            seen: std::collections::HashSet::new(),
            pages: 0,
        }));
        let client = self.clone();
        stream::unfold(Some(first), move |state| {
            let client = client.clone();
            async move {
                let mut cursor = match state? {
                    State::Next(cursor) => cursor,
                    State::Failed(error) => return Some((Err(error), None)),
                };
                if cursor.pages >= max_pages {
                    let error =
                        Error::Pagination(format!("stopped after {max_pages} pages ({limit})"));
                    return Some((Err(error), None));
                }
                let result = client.send_with(&cursor.endpoint, &cursor.options).await;
                cursor.pages += 1;
                let next = match &result {
                    Ok(page) if page.has_more() => match page.next_page_token() {
                        Some(token) if !token.is_empty() => {
                            if cursor.seen.insert(token.to_owned()) {
                                cursor.endpoint.set_page_token(Some(token.to_owned()));
                                Some(State::Next(cursor))
                            } else {
                                Some(State::Failed(Error::Pagination(format!(
                                    "page {} points to a page token seen before: the server's \
                                     page tokens go round in a cycle",
                                    cursor.pages
                                ))))
                            }
                        }
                        _ => None,
                    },
                    _ => None,
                };
                Some((result, next))
            }
        })
    }

    /// The tenant access token, from the store or freshly fetched. Marketplace apps name the
    /// tenant.
    pub async fn tenant_access_token(&self, tenant_key: Option<&str>) -> Result<Secret> {
        Ok(self
            .managed_token(TokenKind::Tenant, tenant_key, None)
            .await?
            .value)
    }

    /// The app access token, from the store or freshly fetched.
    pub async fn app_access_token(&self) -> Result<Secret> {
        Ok(self.managed_token(TokenKind::App, None, None).await?.value)
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
        self.inner.tickets.set(app_id, ticket.into()).await
    }

    /// Asks the platform to push the `app_ticket` again.
    pub async fn resend_app_ticket(&self) -> Result<()> {
        #[derive(serde::Deserialize)]
        struct Empty {}
        let body = TokenRequest {
            app_id: Some(&self.inner.config.app_id),
            app_secret: Some(self.inner.config.app_secret.expose()),
            ..TokenRequest::default()
        };
        let _: Empty = self
            .post_unauthenticated("/open-apis/auth/v3/app_ticket/resend", &body)
            .await?;
        Ok(())
    }

    fn build<E: Endpoint>(
        &self,
        endpoint: &E,
        options: &RequestOptions,
    ) -> Result<http::Request<Vec<u8>>> {
        self.build_with_body(endpoint, options, None)
    }

    /// [`Client::build`], with `body` (when given) in place of the endpoint's own.
    fn build_with_body<E: Endpoint>(
        &self,
        endpoint: &E,
        options: &RequestOptions,
        body: Option<Encoded>,
    ) -> Result<http::Request<Vec<u8>>> {
        let meta = endpoint.meta();
        let base = match meta.base {
            Base::OpenApis => self.inner.config.domain.open_base(),
            Base::Www => self.inner.config.www_base(),
        };
        let path = endpoint.path()?;
        let mut url = String::with_capacity(base.len() + path.len() + 64);
        url.push_str(base);
        url.push_str(&path);
        let mut query = Vec::new();
        endpoint.query(&mut query);
        if !query.is_empty() {
            let mut serializer =
                form_urlencoded_like::Serializer::new(&mut url, path.contains('?'));
            for (k, v) in &query {
                serializer.append(k, v);
            }
        }
        let mut builder = http::Request::builder()
            .method(meta.method.clone())
            .uri(url);
        if !options.extensions.is_empty() {
            if let Some(extensions) = builder.extensions_mut() {
                extensions.extend(options.extensions.clone());
            }
        }
        let headers = builder
            .headers_mut()
            .ok_or_else(|| Error::Build("invalid method or URL".to_owned()))?;
        endpoint.headers(headers)?;
        for (name, value) in &options.headers {
            headers.append(name, value.clone());
        }
        let body = match body {
            Some(Encoded {
                content_type,
                bytes,
            }) => Ok((content_type, bytes)),
            None => Err(endpoint.body()?),
        };
        let body = match body {
            Ok((content_type, bytes)) => {
                headers.insert(
                    http::header::CONTENT_TYPE,
                    http::HeaderValue::try_from(content_type)
                        .map_err(|e| Error::Build(e.to_string()))?,
                );
                bytes
            }
            Err(Body::None) => Vec::new(),
            Err(Body::Json(bytes)) => {
                headers.insert(
                    http::header::CONTENT_TYPE,
                    http::HeaderValue::from_static("application/json; charset=utf-8"),
                );
                bytes
            }
            Err(Body::Multipart(form)) => {
                form.validate()?;
                let (content_type, bytes) = form.encode();
                headers.insert(
                    http::header::CONTENT_TYPE,
                    http::HeaderValue::try_from(content_type)
                        .map_err(|e| Error::Build(e.to_string()))?,
                );
                bytes
            }
        };
        if !body.is_empty()
            && matches!(meta.method, http::Method::GET | http::Method::HEAD)
            && !self.inner.http.sends_get_bodies()
        {
            let route = path.split('?').next().unwrap_or_default();
            return Err(Error::Build(format!(
                "{}.{} ({} {route}) sends a body with {}, which this backend (fetch) cannot send",
                meta.service, meta.name, meta.method, meta.method
            )));
        }
        if meta.helpdesk {
            let helpdesk = options
                .helpdesk
                .as_ref()
                .or(self.inner.config.helpdesk.as_ref())
                .ok_or_else(|| {
                    Error::Build(format!(
                        "{}.{} needs helpdesk credentials: set Config::helpdesk (or \
                         RequestOptions::helpdesk)",
                        meta.service, meta.name
                    ))
                })?;
            let encoded = base64::engine::general_purpose::STANDARD.encode(format!(
                "{}:{}",
                helpdesk.id,
                helpdesk.token.expose()
            ));
            let mut value =
                http::HeaderValue::try_from(encoded).map_err(|e| Error::Build(e.to_string()))?;
            value.set_sensitive(true);
            headers.insert(
                const { http::HeaderName::from_static("x-lark-helpdesk-authorization") },
                value,
            );
        }
        builder
            .body(body)
            .map_err(|e| Error::Build(format!("invalid request: {e}")))
    }

    fn auth(&self, meta: &EndpointMeta, options: &RequestOptions) -> Result<Auth> {
        let accepts = |kind| meta.tokens.contains(&kind);
        if meta.tokens.is_empty() {
            return Ok(Auth::None);
        }
        if options.user_access_token.is_some() && options.tenant_access_token.is_some() {
            return Err(Error::Build(
                "a call takes a user access token or a tenant access token, not both".to_owned(),
            ));
        }
        if let Some(user) = &options.user_access_token {
            if accepts(TokenKind::User) {
                return Ok(Auth::Given(user.clone()));
            }
            return Err(Error::Build(format!(
                "{}.{} does not accept a user access token",
                meta.service, meta.name
            )));
        }
        if let Some(tenant) = &options.tenant_access_token {
            if accepts(TokenKind::Tenant) {
                return Ok(Auth::Given(tenant.clone()));
            }
            return Err(Error::Build(format!(
                "{}.{} does not accept a tenant access token",
                meta.service, meta.name
            )));
        }
        if accepts(TokenKind::Tenant) {
            if self.inner.config.app_type == AppType::Marketplace && options.tenant_key.is_none() {
                return Err(Error::Build(
                    "a marketplace app needs RequestOptions::tenant_key for a tenant access token"
                        .to_owned(),
                ));
            }
            return Ok(Auth::Managed(TokenKind::Tenant));
        }
        if accepts(TokenKind::App) {
            return Ok(Auth::Managed(TokenKind::App));
        }
        Err(Error::Build(format!(
            "{}.{} needs a user access token: set RequestOptions::user_access_token",
            meta.service, meta.name
        )))
    }

    async fn authorize(
        &self,
        request: &mut http::Request<Vec<u8>>,
        auth: &Auth,
        options: &RequestOptions,
        now: Option<u64>,
    ) -> Result<Option<UsedToken>> {
        match auth {
            Auth::None => Ok(None),
            Auth::Given(token) => {
                set_bearer(request, token)?;
                Ok(None)
            }
            Auth::Managed(kind) => {
                let used = self
                    .managed_token(*kind, options.tenant_key.as_deref(), now)
                    .await?;
                set_bearer(request, &used.value)?;
                Ok(Some(used))
            }
        }
    }

    fn token_key(&self, kind: TokenKind, tenant_key: Option<&str>) -> Arc<str> {
        let app_id = &self.inner.config.app_id;
        match (kind, tenant_key) {
            (TokenKind::Tenant, Some(tenant))
                if self.inner.config.app_type == AppType::Marketplace =>
            {
                format!("tenant_access_token:{app_id}:{tenant}").into()
            }
            (TokenKind::Tenant, _) => Arc::clone(&self.inner.tenant_token_key),
            (TokenKind::App, _) => Arc::clone(&self.inner.app_token_key),
            (kind, _) => format!("{}_access_token:{app_id}", kind.as_str()).into(),
        }
    }

    /// A tenant or app token: from the store when fresh, else fetched by exactly one caller.
    /// `now` is a clock reading the caller already has.
    async fn managed_token(
        &self,
        kind: TokenKind,
        tenant_key: Option<&str>,
        now: Option<u64>,
    ) -> Result<UsedToken> {
        let key = self.token_key(kind, tenant_key);
        let now = now.unwrap_or_else(|| self.inner.runtime.now_millis());
        if let Some(token) = self.inner.store.get(&key).await {
            if token.is_fresh(now) {
                return Ok(UsedToken {
                    key,
                    value: token.value,
                });
            }
        }
        let gate = {
            let mut gates = self.inner.gates.lock().unwrap_or_else(|e| e.into_inner());
            Arc::clone(gates.entry(key.to_string()).or_default())
        };
        let result = {
            let _guard = gate.lock().await;
            self.refresh_token(kind, tenant_key, &key).await
        };
        // A gate nobody else holds or waits for goes: a marketplace app meets many tenants.
        let mut gates = self.inner.gates.lock().unwrap_or_else(|e| e.into_inner());
        let ours = gates.get(&*key).is_some_and(|g| Arc::ptr_eq(g, &gate));
        if ours && Arc::strong_count(&gate) == 2 {
            gates.remove(&*key);
        }
        drop(gates);
        result.map(|value| UsedToken { key, value })
    }

    /// Under the token's gate: the token another caller (of this process or another one
    /// sharing the store) just stored, or a fetched one.
    ///
    /// The refresh is claimed in the store first (see [`TokenStore`]): the holder fetches, the
    /// others wait for its token, bounded by [`RefreshLockPolicy::max_wait`](crate::RefreshLockPolicy).
    async fn refresh_token(
        &self,
        kind: TokenKind,
        tenant_key: Option<&str>,
        key: &str,
    ) -> Result<Secret> {
        let runtime = &*self.inner.runtime;
        let store = &*self.inner.store;
        let policy = self.inner.config.token_refresh_lock;
        let started = runtime.now_millis();
        let max_wait = u64::try_from(policy.max_wait.as_millis()).unwrap_or(u64::MAX);
        let lease = self.refresh_lease(key, policy.ttl);
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
                    let fetched = self.fetch_token(kind, tenant_key).await;
                    if let Ok(token) = &fetched {
                        store.set(key, token.clone()).await;
                    }
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
                        break;
                    }
                    runtime.sleep(policy.poll_interval).await;
                }
                // The store cannot tell: fetch our own token rather than fail the call.
                Err(_) => break,
            }
        }
        let token = self.fetch_token(kind, tenant_key).await?;
        store.set(key, token.clone()).await;
        Ok(token.value)
    }

    /// A claim on refreshing `key`, with 128 random bits as its fencing value.
    fn refresh_lease(&self, key: &str, ttl: Duration) -> Option<RefreshLease> {
        let mut bytes = [0u8; 16];
        self.inner.runtime.fill_random(&mut bytes).ok()?;
        let fencing: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        Some(RefreshLease::new(key, fencing, ttl))
    }

    async fn fetch_token(&self, kind: TokenKind, tenant_key: Option<&str>) -> Result<StoredToken> {
        let config = &self.inner.config;
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
        let (path, body, field) = match (config.app_type, kind) {
            (AppType::SelfBuilt, TokenKind::Tenant) => (
                "/open-apis/auth/v3/tenant_access_token/internal",
                app_credentials,
                TENANT_ACCESS_TOKEN,
            ),
            (AppType::SelfBuilt, _) => (
                "/open-apis/auth/v3/app_access_token/internal",
                app_credentials,
                "app_access_token",
            ),
            (_, TokenKind::Tenant) => {
                let tenant_key = tenant_key.ok_or_else(|| Error::Token {
                    message: "a marketplace app needs a tenant key".to_owned(),
                    source: None,
                })?;
                app_token = Box::pin(self.managed_token(TokenKind::App, None, None)).await?;
                (
                    "/open-apis/auth/v3/tenant_access_token",
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
                    self.inner
                        .tickets
                        .get(&config.app_id)
                        .await
                        .map_err(|e| Error::Token {
                            message: format!("cannot read the app_ticket: {e}"),
                            source: None,
                        })?;
                let Some(stored) = stored else {
                    // The platform pushes a ticket every hour; ask for one now.
                    let resend = self.resend_app_ticket().await;
                    return Err(Error::Token {
                        message: "no app_ticket has arrived yet; asked the platform to resend it, \
                                  try again once the app_ticket event is handled"
                            .to_owned(),
                        source: resend.err().map(Box::new),
                    });
                };
                ticket = stored;
                (
                    "/open-apis/auth/v3/app_access_token",
                    TokenRequest {
                        app_ticket: Some(ticket.expose()),
                        ..app_credentials
                    },
                    "app_access_token",
                )
            }
        };
        let answer: TokenAnswer = self
            .post_unauthenticated(path, &body)
            .await
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
        // The platform's tokens live two hours; an answer without a usable `expire` is kept for
        // a conservative half hour rather than refetched on every call.
        let expire_secs = answer
            .expire
            .filter(|&secs| secs > 0)
            .unwrap_or(DEFAULT_TOKEN_LIFETIME_SECS);
        let now = self.inner.runtime.now_millis();
        let lifetime = expire_secs.saturating_mul(1000);
        let margin = u64::try_from(config.token_refresh_margin.as_millis())
            .unwrap_or(u64::MAX)
            .min(lifetime / 2);
        Ok(StoredToken {
            value: Secret::new(value),
            expires_at_millis: now.saturating_add(lifetime),
            refresh_at_millis: now.saturating_add(lifetime - margin),
        })
    }

    async fn post_unauthenticated<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        body: &TokenRequest<'_>,
    ) -> Result<T> {
        let url = format!("{}{path}", self.inner.config.domain.open_base());
        let request = http::Request::post(url)
            .header(
                http::header::CONTENT_TYPE,
                "application/json; charset=utf-8",
            )
            .body(serde_json::to_vec(body).map_err(|e| Error::Build(e.to_string()))?)
            .map_err(|e| Error::Build(e.to_string()))?;
        let response = self.exchange(request, None).await?;
        decode(response, ResponseKind::Json { envelope: None })
    }

    /// One HTTP exchange under the call's timeout.
    async fn exchange(
        &self,
        request: http::Request<Vec<u8>>,
        timeout: Option<Duration>,
    ) -> Result<http::Response<Vec<u8>>> {
        let map = |e: crate::runtime::HttpError| match e.kind() {
            HttpErrorKind::Timeout => {
                Error::Timeout(timeout.or(self.inner.config.timeout).unwrap_or_default())
            }
            _ => Error::Transport(e),
        };
        let sending = self.inner.http.execute(request);
        match timeout.or(self.inner.config.timeout) {
            None => sending.await.map_err(map),
            Some(limit) => match select(sending, self.inner.runtime.sleep(limit)).await {
                Either::Left((result, _)) => result.map_err(map),
                Either::Right(((), _)) => Err(Error::Timeout(limit)),
            },
        }
    }
}

/// A request body already encoded, with its `Content-Type`, handed to
/// [`Client::send_prepared`] in place of the endpoint's own (a large one is then never
/// copied while it is built).
pub(crate) struct Encoded {
    pub(crate) content_type: String,
    pub(crate) bytes: Vec<u8>,
}

/// How much of an error answer to a download is read: enough for any envelope or error page.
const ERROR_BODY_LIMIT: usize = 1 << 20;

/// A download's answer with its headers in and its body still streaming.
pub(crate) struct StreamedAnswer {
    /// The status and headers.
    pub(crate) parts: http::response::Parts,
    /// The first bytes of the body, already read (to tell a JSON error from a JSON file).
    pub(crate) prefix: Vec<u8>,
    /// The rest of the body; `None` when `prefix` is all of it.
    pub(crate) rest: Option<BodyStream>,
}

/// A backend's error as the client reports it; `timeout` is the call's own.
fn transport(error: crate::runtime::HttpError, timeout: Option<Duration>) -> Error {
    match error.kind() {
        HttpErrorKind::Timeout => Error::Timeout(timeout.unwrap_or_default()),
        _ => Error::Transport(error),
    }
}

/// The next chunk of `body`, failing with [`Error::Timeout`] when none comes within
/// `timeout` (an idle limit, not one on the whole body).
pub(crate) async fn next_chunk_within(
    body: &mut BodyStream,
    runtime: &dyn Runtime,
    timeout: Option<Duration>,
) -> Result<Option<Vec<u8>>> {
    let next = body.next_chunk();
    let result = match timeout {
        None => next.await,
        Some(limit) => match select(next, runtime.sleep(limit)).await {
            Either::Left((result, _)) => result,
            Either::Right(((), _)) => return Err(Error::Timeout(limit)),
        },
    };
    result.transpose().map_err(|e| transport(e, timeout))
}

/// Sets `Authorization: Bearer <token>`, marked sensitive.
fn set_bearer(request: &mut http::Request<Vec<u8>>, token: &Secret) -> Result<()> {
    let token = token.expose();
    let mut value = Vec::with_capacity(7 + token.len());
    value.extend_from_slice(b"Bearer ");
    value.extend_from_slice(token.as_bytes());
    let mut header = http::HeaderValue::try_from(value)
        .map_err(|_| Error::Build("the access token is not a valid header value".to_owned()))?;
    header.set_sensitive(true);
    request
        .headers_mut()
        .insert(http::header::AUTHORIZATION, header);
    Ok(())
}

fn clone_request(request: &http::Request<Vec<u8>>) -> http::Request<Vec<u8>> {
    let mut copy = http::Request::new(request.body().clone());
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.headers_mut() = request.headers().clone();
    *copy.version_mut() = request.version();
    *copy.extensions_mut() = request.extensions().clone();
    copy
}

/// A request built by [`Client::raw`].
#[must_use]
pub struct RawRequest<'c, H> {
    client: &'c Client<H>,
    endpoint: RawEndpoint,
    options: RequestOptions,
}

impl<H> std::fmt::Debug for RawRequest<'_, H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawRequest")
            .field("method", &self.endpoint.meta.method)
            .field("path", &self.endpoint.path)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone)]
struct RawEndpoint {
    meta: EndpointMeta,
    path: String,
    query: Vec<(String, String)>,
    body: Option<serde_json::Value>,
}

impl Endpoint for RawEndpoint {
    type Output = serde_json::Value;

    fn meta(&self) -> &EndpointMeta {
        &self.meta
    }

    fn path(&self) -> Result<String> {
        if !self.path.starts_with('/') {
            return Err(Error::Build(format!(
                "the path `{}` must start with `/`",
                self.path
            )));
        }
        Ok(self.path.clone())
    }

    fn query(&self, _query: &mut Vec<(&'static str, String)>) {}

    fn body(&self) -> Result<Body> {
        match &self.body {
            Some(value) => Body::json(value),
            None => Ok(Body::None),
        }
    }
}

impl<H: HttpClient> RawRequest<'_, H> {
    /// Adds a query parameter.
    pub fn query(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.endpoint.query.push((key.into(), value.into()));
        self
    }

    /// Sets a JSON body.
    pub fn json(mut self, body: serde_json::Value) -> Self {
        self.endpoint.body = Some(body);
        self
    }

    /// Which tokens the endpoint accepts; by default tenant (or user, when one is given).
    pub fn tokens(mut self, tokens: &'static [TokenKind]) -> Self {
        self.endpoint.meta.tokens = tokens;
        self
    }

    /// Sets the options.
    pub fn options(mut self, options: RequestOptions) -> Self {
        self.options = options;
        self
    }

    /// Sends the request; the answer is the whole JSON body.
    pub async fn send(self) -> Result<serde_json::Value> {
        let mut endpoint = self.endpoint;
        if !endpoint.query.is_empty() {
            let mut path = std::mem::take(&mut endpoint.path);
            let mut serializer =
                form_urlencoded_like::Serializer::new(&mut path, path_has_query(&endpoint));
            for (k, v) in &endpoint.query {
                serializer.append(k, v);
            }
            endpoint.path = path;
            endpoint.query.clear();
        }
        self.client.send_with(&endpoint, &self.options).await
    }
}

fn path_has_query(endpoint: &RawEndpoint) -> bool {
    endpoint.path.contains('?')
}

/// `application/x-www-form-urlencoded` query building, appended to a URL in place.
mod form_urlencoded_like {
    use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

    const QUERY: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');

    pub(super) struct Serializer<'a> {
        out: &'a mut String,
        first: bool,
    }

    impl<'a> Serializer<'a> {
        pub(super) fn new(out: &'a mut String, has_query: bool) -> Self {
            Self {
                out,
                first: !has_query,
            }
        }

        pub(super) fn append(&mut self, key: &str, value: &str) {
            self.out.push(if self.first { '?' } else { '&' });
            self.first = false;
            self.out.extend(utf8_percent_encode(key, QUERY));
            self.out.push('=');
            self.out.extend(utf8_percent_encode(value, QUERY));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::{HttpError, ManualClock};
    use std::sync::atomic::{AtomicUsize, Ordering};

    type Answer = std::future::Ready<std::result::Result<http::Response<Vec<u8>>, HttpError>>;

    /// A backend answering every token request with `answer`, counting them.
    fn token_backend(
        answer: &'static str,
        count: Arc<AtomicUsize>,
    ) -> impl Fn(http::Request<Vec<u8>>) -> Answer {
        move |_request| {
            count.fetch_add(1, Ordering::SeqCst);
            std::future::ready(Ok(http::Response::new(answer.as_bytes().to_vec())))
        }
    }

    #[test]
    fn a_body_key_is_appended_unless_the_body_has_a_usable_one() {
        let members = |body: &str| {
            members_without_key(body.as_bytes(), "uuid").map(|m| String::from_utf8(m).unwrap())
        };
        // The other members are copied as sent, whitespace inside values included.
        assert_eq!(
            members(r#" {"text": "h\u0069", "n": [1, 2.50], "o": {"uuid": null}} "#).as_deref(),
            Some(r#"{"text":"h\u0069","n":[1, 2.50],"o":{"uuid": null}"#)
        );
        assert_eq!(members("{}").as_deref(), Some("{"));
        // `null` and `""` are no key: dropped, so the fresh one replaces them.
        assert_eq!(
            members(r#"{"uuid":null,"a":1}"#).as_deref(),
            Some(r#"{"a":1"#)
        );
        assert_eq!(
            members(r#"{"a":1,"uuid":""}"#).as_deref(),
            Some(r#"{"a":1"#)
        );
        assert_eq!(members(r#"{"uu\u0069d":""}"#).as_deref(), Some("{"));
        // A key the caller sent is kept, whatever its type.
        for body in [
            r#"{"uuid":"mine"}"#,
            r#"{"uuid":0}"#,
            r#"{"uuid":false}"#,
            r#"{"uuid":" "}"#,
            r#"{"uuid":{}}"#,
        ] {
            assert_eq!(members(body), None, "{body}");
        }
        // Of repeated keys the last counts.
        assert_eq!(
            members(r#"{"uuid":"mine","uuid":null}"#).as_deref(),
            Some("{")
        );
        assert_eq!(members(r#"{"uuid":null,"uuid":"mine"}"#), None);
        // Not a JSON object: left alone.
        for body in ["", "[]", "\"x\"", "null", "{", r#"{"a":1}x"#, r#"{"a":}"#] {
            assert_eq!(members(body), None, "{body}");
        }
    }

    #[test]
    fn a_token_answer_reads_its_fields_leniently() {
        let read = |text: &str| serde_json::from_str::<TokenAnswer>(text);
        let answer =
            read(r#"{"code":0,"tenant_access_token":"t\u002d1","expire":7200,"x":[{}]}"#).unwrap();
        assert_eq!(answer.tenant_access_token.as_deref(), Some("t-1"));
        assert_eq!(answer.app_access_token, None);
        assert_eq!(answer.expire, Some(7200));
        // Fields of another type are absent.
        let answer =
            read(r#"{"app_access_token":5,"tenant_access_token":null,"expire":1.5}"#).unwrap();
        assert_eq!(answer.app_access_token, None);
        assert_eq!(answer.tenant_access_token, None);
        assert_eq!(answer.expire, None);
        for expire in ["-1", "\"7200\"", "1e3", "18446744073709551616"] {
            let text = format!(r#"{{"expire":{expire}}}"#);
            assert_eq!(read(&text).unwrap().expire, None, "{expire}");
        }
        // The last of repeated keys counts.
        let answer = read(r#"{"app_access_token":"a","app_access_token":"b"}"#).unwrap();
        assert_eq!(answer.app_access_token.as_deref(), Some("b"));
        // Not an object: an error, as before.
        let err = read("[]").err().unwrap().to_string();
        assert!(err.contains("expected a map"), "{err}");
    }

    #[test]
    fn a_token_without_expire_is_kept_not_refetched_per_call() {
        let count = Arc::new(AtomicUsize::new(0));
        let answer = r#"{"code":0,"msg":"ok","tenant_access_token":"t-1"}"#;
        let client = Client::new(
            Config::new("cli_x", "s"),
            token_backend(answer, Arc::clone(&count)),
            ManualClock::new(1_000),
        );
        for _ in 0..3 {
            let token = futures_executor::block_on(client.tenant_access_token(None)).unwrap();
            assert_eq!(token.expose(), "t-1");
        }
        assert_eq!(count.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn single_flight_gates_are_pruned_after_the_refresh() {
        let count = Arc::new(AtomicUsize::new(0));
        let answer = r#"{"code":0,"tenant_access_token":"t-1","expire":7200}"#;
        let client = Client::new(
            Config::new("cli_x", "s"),
            token_backend(answer, Arc::clone(&count)),
            ManualClock::new(1_000),
        );
        let calls = (0..8).map(|_| client.tenant_access_token(None));
        let results = futures_executor::block_on(futures_util::future::join_all(calls));
        assert!(results.iter().all(Result::is_ok));
        assert_eq!(count.load(Ordering::SeqCst), 1);
        assert!(client.inner.gates.lock().unwrap().is_empty());
    }

    #[test]
    fn uuids_have_the_v4_shape() {
        let id = uuid_v4(&[0xff; 16]);
        assert_eq!(id, "ffffffff-ffff-4fff-bfff-ffffffffffff");
        let id = uuid_v4(&[0; 16]);
        assert_eq!(id, "00000000-0000-4000-8000-000000000000");
        let bytes: [u8; 16] = std::array::from_fn(|i| i as u8 * 17);
        assert_eq!(uuid_v4(&bytes), "00112233-4455-4677-8899-aabbccddeeff");
    }
}
