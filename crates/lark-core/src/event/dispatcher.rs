//! [`Dispatcher`]: an HTTP request in, an HTTP response out; verified, decrypted, answered,
//! de-duplicated and dispatched on the way. No IO of its own: any web framework or Worker wraps
//! it, and the time is passed in.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::EventType;
use super::crypto::{self, secrets_match};
use super::dedup::{EventDedupStore, MemoryDedupStore};
use super::envelope::{Envelope, Event, Schema, UrlVerification};
use super::error::EventError;
use super::reply::CardActionReply;
use crate::client::Client;
use crate::config::Config;
use crate::runtime::{BoxFuture, HttpClient, MaybeSend, MaybeSync};
use crate::secret::Secret;
use crate::ticket::AppTicketStore;

/// What a handler returns on failure; the dispatcher answers 500 and forgets the event id, so
/// the platform's re-delivery is handled again.
pub type HandlerError = Box<dyn std::error::Error + Send + Sync>;

type HandlerFuture = BoxFuture<'static, Result<Option<Value>, EventError>>;

/// A handler after type erasure: the event in, the callback's response body (if any) out.
/// `Send + Sync` off wasm32, like [`MaybeSend`].
#[cfg(not(target_arch = "wasm32"))]
type Handler = Arc<dyn Fn(Event) -> HandlerFuture + Send + Sync>;
#[cfg(target_arch = "wasm32")]
type Handler = Arc<dyn Fn(Event) -> HandlerFuture>;

#[cfg(not(target_arch = "wasm32"))]
type TicketSink = Arc<dyn Fn(String) -> BoxFuture<'static, ()> + Send + Sync>;
#[cfg(target_arch = "wasm32")]
type TicketSink = Arc<dyn Fn(String) -> BoxFuture<'static, ()>>;

/// The request header with the Unix timestamp (seconds) of a signed request.
pub const HEADER_TIMESTAMP: &str = "x-lark-request-timestamp";
/// The request header with the nonce of a signed request.
pub const HEADER_NONCE: &str = "x-lark-request-nonce";
/// The request header with the signature of a signed request.
pub const HEADER_SIGNATURE: &str = "x-lark-signature";
/// The request header with a legacy card callback's refresh token.
pub const HEADER_REFRESH_TOKEN: &str = "x-refresh-token";

/// Every request header [`Dispatcher::handle`] reads. A host that converts its own request
/// type into an `http::Request` may copy only these.
pub const REQUEST_HEADERS: [http::HeaderName; 4] = [
    http::HeaderName::from_static(HEADER_TIMESTAMP),
    http::HeaderName::from_static(HEADER_NONCE),
    http::HeaderName::from_static(HEADER_SIGNATURE),
    http::HeaderName::from_static(HEADER_REFRESH_TOKEN),
];

/// Receives events and callbacks.
///
/// For each request, [`Dispatcher::handle`]:
/// 1. refuses a body over the size limit (413), and every request when it has neither a
///    verification token nor an encrypt key, unless told to [`allow_unverified`](Self::allow_unverified) (500);
/// 2. checks the signature headers over the raw body — SHA-256 with the encrypt key for events,
///    SHA-1 with the verification token for legacy card callbacks — in constant time, and the
///    timestamp against the freshness window (401). With an encrypt key set, every event must
///    be signed; with a verification token set, every legacy card callback must be;
/// 3. decrypts an `{"encrypt": ...}` body (400 when it cannot);
/// 4. answers a url_verification challenge with `{"challenge": ...}` after checking its token;
/// 5. checks the verification token of schema 1.0 and 2.0 events (401);
/// 6. drops an event whose id it has seen before (200, so the platform stops re-delivering);
/// 7. stores an `app_ticket` where it was told to ([`Dispatcher::app_ticket_to`]), from a
///    verified request only;
/// 8. runs the handler registered for the event type, or the fallback, and answers `{}` — or,
///    for a callback, the handler's reply.
///
/// The platform waits about 3 seconds for an answer: a handler with slow work should start it
/// in the background (`tokio::spawn`, `ctx.waitUntil`) and return.
///
/// ```
/// # futures_executor::block_on(async {
/// use lark_core::event::{Dispatcher, Event};
/// let dispatcher = Dispatcher::new()
///     .verification_token("v-token")
///     .on_raw("im.message.receive_v1", |event: Event| async move {
///         println!("{}", event.payload["message"]["content"]);
///         Ok(())
///     });
/// let request = http::Request::post("/webhook")
///     .body(br#"{"type":"url_verification","challenge":"c","token":"v-token"}"#.to_vec())
///     .unwrap();
/// let response = dispatcher.handle(request, 1_700_000_000_000).await;
/// assert_eq!(response.body(), br#"{"challenge":"c"}"#);
/// # });
/// ```
pub struct Dispatcher {
    verification_token: Option<Secret>,
    encrypt_key: Option<Secret>,
    freshness: Option<Duration>,
    body_limit: usize,
    dedup: Arc<dyn EventDedupStore>,
    dedup_ttl: Duration,
    handlers: HashMap<String, Handler>,
    fallback: Option<Handler>,
    app_ticket: Option<TicketSink>,
    allow_unverified: bool,
}

impl std::fmt::Debug for Dispatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut types: Vec<&str> = self.handlers.keys().map(String::as_str).collect();
        types.sort_unstable();
        f.debug_struct("Dispatcher")
            .field("verification_token", &self.verification_token)
            .field("encrypt_key", &self.encrypt_key)
            .field("freshness", &self.freshness)
            .field("body_limit", &self.body_limit)
            .field("dedup_ttl", &self.dedup_ttl)
            .field("handlers", &types)
            .field("fallback", &self.fallback.is_some())
            .field("app_ticket", &self.app_ticket.is_some())
            .field("allow_unverified", &self.allow_unverified)
            .finish_non_exhaustive()
    }
}

impl Default for Dispatcher {
    fn default() -> Self {
        Self::new()
    }
}

/// The result of [`Dispatcher::process`]: the response to send, and what was learned.
#[derive(Debug)]
#[non_exhaustive]
pub struct Handled {
    /// The response to send back, whatever happened.
    pub response: http::Response<Vec<u8>>,
    /// The decoded event, when the body got that far.
    pub event: Option<Event>,
    /// Why the request was rejected, found a duplicate, or failed in its handler.
    pub error: Option<EventError>,
}

/// The signature headers of a request.
struct Signed<'a> {
    timestamp: &'a str,
    nonce: &'a str,
    signature: &'a str,
}

/// The default body limit: events are a few kilobytes.
const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;
/// The default freshness window.
const DEFAULT_FRESHNESS: Duration = Duration::from_secs(5 * 60);
/// How long an event id is remembered by default: the platform's re-deliveries span about 7
/// hours.
const DEFAULT_DEDUP_TTL: Duration = Duration::from_secs(12 * 3600);

impl Dispatcher {
    /// A dispatcher that refuses every request until told which verification token or encrypt
    /// key to check (or, explicitly, to [`allow_unverified`](Self::allow_unverified)), keeps
    /// 10,000 event ids for 12 hours, accepts bodies up to 1 MiB and signatures up to 5
    /// minutes old.
    pub fn new() -> Self {
        Self {
            verification_token: None,
            encrypt_key: None,
            freshness: Some(DEFAULT_FRESHNESS),
            body_limit: DEFAULT_BODY_LIMIT,
            dedup: Arc::new(MemoryDedupStore::default()),
            dedup_ttl: DEFAULT_DEDUP_TTL,
            handlers: HashMap::new(),
            fallback: None,
            app_ticket: None,
            allow_unverified: false,
        }
    }

    /// A dispatcher with the verification token and encrypt key of `config` (closed, like
    /// [`Dispatcher::new`], when `config` has neither).
    pub fn from_config(config: &Config) -> Self {
        let mut dispatcher = Self::new();
        dispatcher.verification_token = config.verification_token.clone();
        dispatcher.encrypt_key = config.encrypt_key.clone();
        dispatcher
    }

    /// Checks the verification token of challenges and events.
    #[must_use]
    pub fn verification_token(mut self, token: impl Into<Secret>) -> Self {
        self.verification_token = Some(token.into()).filter(|t: &Secret| !t.is_empty());
        self
    }

    /// Decrypts events and checks their signatures with the encrypt key.
    #[must_use]
    pub fn encrypt_key(mut self, key: impl Into<Secret>) -> Self {
        self.encrypt_key = Some(key.into()).filter(|k: &Secret| !k.is_empty());
        self
    }

    /// Accepts requests that nothing can verify when neither a verification token nor an
    /// encrypt key is set: anyone who can reach the endpoint can then post any event. For local
    /// experiments and for apps behind their own authentication. An `app_ticket` is still
    /// taken only from a verified request.
    #[must_use]
    pub fn allow_unverified(mut self) -> Self {
        self.allow_unverified = true;
        self
    }

    /// Whether requests are checked: a verification token or an encrypt key is set.
    fn verifies(&self) -> bool {
        self.verification_token.is_some() || self.encrypt_key.is_some()
    }

    /// How far a signed request's timestamp may be from now; `None` does not check it.
    #[must_use]
    pub fn freshness_window(mut self, window: Option<Duration>) -> Self {
        self.freshness = window;
        self
    }

    /// The largest body accepted, in bytes.
    #[must_use]
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// Remembers event ids in `store` instead of the in-memory default: any
    /// [`DedupStore`](super::DedupStore), or an [`EventDedupStore`] shared between instances
    /// (such as Redis), so an event re-delivered to another instance is handled once.
    #[must_use]
    pub fn dedup_store(mut self, store: impl EventDedupStore + 'static) -> Self {
        self.dedup = Arc::new(store);
        self
    }

    /// How long an [`EventDedupStore`] remembers an event id (12 hours by default). A
    /// [`DedupStore`](super::DedupStore) such as [`MemoryDedupStore`] keeps its own TTL.
    #[must_use]
    pub fn dedup_ttl(mut self, ttl: Duration) -> Self {
        self.dedup_ttl = ttl;
        self
    }

    /// Handles events of type `T` (a generated struct, or your own type implementing
    /// [`EventType`]). The payload that does not fit `T` is answered with 400.
    #[must_use]
    pub fn on<T, F, Fut>(self, handler: F) -> Self
    where
        T: EventType,
        F: Fn(T, Event) -> Fut + MaybeSend + MaybeSync + 'static,
        Fut: Future<Output = Result<(), HandlerError>> + MaybeSend + 'static,
    {
        let handler = Arc::new(handler);
        self.register(
            T::EVENT_TYPE,
            Arc::new(move |event: Event| {
                let handler = Arc::clone(&handler);
                Box::pin(async move {
                    let payload: T = event.parse()?;
                    handler(payload, event).await.map_err(handler_error)?;
                    Ok(None)
                })
            }),
        )
    }

    /// Handles callbacks of type `T`; the handler's reply, as JSON, is the response body.
    #[must_use]
    pub fn on_callback<T, R, F, Fut>(self, handler: F) -> Self
    where
        T: EventType,
        R: serde::Serialize + 'static,
        F: Fn(T, Event) -> Fut + MaybeSend + MaybeSync + 'static,
        Fut: Future<Output = Result<R, HandlerError>> + MaybeSend + 'static,
    {
        let handler = Arc::new(handler);
        self.register(
            T::EVENT_TYPE,
            Arc::new(move |event: Event| {
                let handler = Arc::clone(&handler);
                Box::pin(async move {
                    let payload: T = event.parse()?;
                    let reply = handler(payload, event).await.map_err(handler_error)?;
                    reply_value(&reply).map(Some)
                })
            }),
        )
    }

    /// Handles events of `event_type` as raw JSON (any type, including ones the SDK does not
    /// know).
    #[must_use]
    pub fn on_raw<F, Fut>(self, event_type: impl Into<String>, handler: F) -> Self
    where
        F: Fn(Event) -> Fut + MaybeSend + MaybeSync + 'static,
        Fut: Future<Output = Result<(), HandlerError>> + MaybeSend + 'static,
    {
        self.register(event_type, erase(handler))
    }

    /// Handles callbacks of `event_type` as raw JSON; the handler's JSON is the response body.
    #[must_use]
    pub fn on_raw_callback<F, Fut>(self, event_type: impl Into<String>, handler: F) -> Self
    where
        F: Fn(Event) -> Fut + MaybeSend + MaybeSync + 'static,
        Fut: Future<Output = Result<Value, HandlerError>> + MaybeSend + 'static,
    {
        let handler = Arc::new(handler);
        self.register(
            event_type,
            Arc::new(move |event: Event| {
                let handler = Arc::clone(&handler);
                Box::pin(async move { handler(event).await.map(Some).map_err(handler_error) })
            }),
        )
    }

    /// Handles `card.action.trigger` callbacks (schema 2.0): the reply's toast and card are
    /// shown to the user who clicked.
    #[must_use]
    pub fn on_card_action<F, Fut>(self, handler: F) -> Self
    where
        F: Fn(Event) -> Fut + MaybeSend + MaybeSync + 'static,
        Fut: Future<Output = Result<CardActionReply, HandlerError>> + MaybeSend + 'static,
    {
        let handler = Arc::new(handler);
        self.register(
            "card.action.trigger",
            Arc::new(move |event: Event| {
                let handler = Arc::clone(&handler);
                Box::pin(async move {
                    let reply = handler(event).await.map_err(handler_error)?;
                    reply_value(&reply).map(Some)
                })
            }),
        )
    }

    /// Handles legacy card callbacks (no envelope, signed with the verification token): the
    /// handler's JSON is the response body — a new card to show, or `{}` to keep the card.
    #[must_use]
    pub fn on_card_action_legacy<F, Fut>(self, handler: F) -> Self
    where
        F: Fn(Event) -> Fut + MaybeSend + MaybeSync + 'static,
        Fut: Future<Output = Result<Value, HandlerError>> + MaybeSend + 'static,
    {
        self.on_raw_callback(super::CARD_LEGACY_EVENT_TYPE, handler)
    }

    /// Handles every event that has no handler of its own, known type or not.
    #[must_use]
    pub fn fallback<F, Fut>(mut self, handler: F) -> Self
    where
        F: Fn(Event) -> Fut + MaybeSend + MaybeSync + 'static,
        Fut: Future<Output = Result<(), HandlerError>> + MaybeSend + 'static,
    {
        self.fallback = Some(erase(handler));
        self
    }

    /// Calls `sink` with the ticket of every `app_ticket` event (marketplace apps), before any
    /// handler of the event.
    #[must_use]
    pub fn on_app_ticket<F, Fut>(mut self, sink: F) -> Self
    where
        F: Fn(String) -> Fut + MaybeSend + MaybeSync + 'static,
        Fut: Future<Output = ()> + MaybeSend + 'static,
    {
        self.app_ticket = Some(Arc::new(move |ticket| Box::pin(sink(ticket))));
        self
    }

    /// Feeds every `app_ticket` event to `client`'s token store, so a marketplace app gets its
    /// app access token without further code.
    #[must_use]
    pub fn app_ticket_to<H: HttpClient + 'static>(self, client: Client<H>) -> Self {
        self.on_app_ticket(move |ticket| {
            let client = client.clone();
            async move { client.set_app_ticket(ticket).await }
        })
    }

    /// Writes the ticket of every `app_ticket` event of `app_id` to `store`, where the clients
    /// of every instance read it ([`ClientBuilder::app_ticket_store`](crate::ClientBuilder::app_ticket_store)):
    /// for a process that receives events but sends no calls. A store that cannot take the
    /// ticket is ignored (the platform pushes it again within the hour).
    #[must_use]
    pub fn app_ticket_store(
        self,
        store: impl AppTicketStore + 'static,
        app_id: impl Into<String>,
    ) -> Self {
        let store = Arc::new(store);
        let app_id: Arc<str> = app_id.into().into();
        self.on_app_ticket(move |ticket| {
            let store = Arc::clone(&store);
            let app_id = Arc::clone(&app_id);
            async move {
                let _ = store.set(&app_id, Secret::new(ticket)).await;
            }
        })
    }

    fn register(mut self, event_type: impl Into<String>, handler: Handler) -> Self {
        self.handlers.insert(event_type.into(), handler);
        self
    }

    /// Handles one request and returns the response to send.
    ///
    /// `now_millis` is the current Unix time in milliseconds (the core reads no clock). Never
    /// panics, whatever the request.
    pub async fn handle(
        &self,
        request: http::Request<Vec<u8>>,
        now_millis: u64,
    ) -> http::Response<Vec<u8>> {
        self.process(request, now_millis).await.response
    }

    /// [`Dispatcher::handle`], also returning the decoded event and the error, if any (to log,
    /// or to act on after the response is sent).
    pub async fn process(&self, request: http::Request<Vec<u8>>, now_millis: u64) -> Handled {
        let (parts, body) = request.into_parts();
        let mut event = None;
        let result = self
            .process_body(&parts.headers, &body, now_millis, &mut event)
            .await;
        match result {
            Ok(response) => Handled {
                response,
                event,
                error: None,
            },
            Err(error) => Handled {
                response: error_response(&error),
                event,
                error: Some(error),
            },
        }
    }

    async fn process_body(
        &self,
        headers: &http::HeaderMap,
        body: &[u8],
        now_millis: u64,
        decoded: &mut Option<Event>,
    ) -> Result<http::Response<Vec<u8>>, EventError> {
        if body.len() > self.body_limit {
            return Err(EventError::TooLarge {
                limit: self.body_limit,
            });
        }
        if !self.verifies() && !self.allow_unverified {
            return Err(EventError::Config(
                "no verification token or encrypt key is set, so no request can be verified: \
                 set one (Config::verification_token / Config::encrypt_key), or call \
                 Dispatcher::allow_unverified() to accept unverified requests"
                    .to_owned(),
            ));
        }
        // Looked up by the names made at compile time: a `&str` would be parsed on each call.
        let [timestamp, nonce, signature, refresh_token] = &REQUEST_HEADERS;
        let header = |name: &http::HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
        let signed = match (header(timestamp), header(nonce), header(signature)) {
            (Some(timestamp), Some(nonce), Some(signature)) => Some(Signed {
                timestamp,
                nonce,
                signature,
            }),
            _ => None,
        };
        let key = self.encrypt_key.as_ref().map(Secret::expose);
        // An encrypted body is checked before it is decrypted, so forged bodies cost a hash.
        let mut signature_checked = false;
        if let (Some(key), Some(signed)) = (key, &signed) {
            if body_is_encrypted(body) {
                self.check_signature(signed, now_millis, |s| {
                    crypto::verify_event_signature(s.timestamp, s.nonce, key, body, s.signature)
                })?;
                signature_checked = true;
            }
        }
        let event = match Envelope::open_with(body, key, header(refresh_token))? {
            Envelope::UrlVerification(verification) => {
                return self.answer_challenge(&verification);
            }
            Envelope::Event(event) => event,
        };
        match event.schema {
            Schema::CardLegacy => {
                // Legacy card callbacks are signed with the verification token only: with an
                // encrypt key and no token, anyone could post one.
                if self.verification_token.is_none() && self.encrypt_key.is_some() {
                    return Err(EventError::Config(
                        "legacy card callbacks are signed with the verification token; set it"
                            .to_owned(),
                    ));
                }
                if let Some(token) = &self.verification_token {
                    let signed = signed.as_ref().ok_or_else(missing_signature)?;
                    self.check_signature(signed, now_millis, |s| {
                        crypto::verify_card_signature(
                            s.timestamp,
                            s.nonce,
                            token.expose(),
                            body,
                            s.signature,
                        )
                    })?;
                }
            }
            _ => {
                if let (Some(key), false) = (key, signature_checked) {
                    let signed = signed.as_ref().ok_or_else(missing_signature)?;
                    self.check_signature(signed, now_millis, |s| {
                        crypto::verify_event_signature(s.timestamp, s.nonce, key, body, s.signature)
                    })?;
                }
                self.check_token(event.token.as_ref())?;
            }
        }
        let verified = self.verifies();
        let reply = self
            .run(decoded.insert(event), now_millis, verified)
            .await?;
        Ok(json_response(
            http::StatusCode::OK,
            &reply.unwrap_or_else(|| Value::Object(serde_json::Map::new())),
        ))
    }

    /// Handles the payload of an event or card frame that arrived over the long connection
    /// (`lark_core::ws`, feature `ws`) and returns the handler's reply, if any, for the frame's ack.
    ///
    /// The long connection is opened with the app secret, so the payload is trusted as it is:
    /// no signature or verification token is checked, and a dispatcher with neither set does
    /// not refuse it. Event ids are still de-duplicated (across reconnects too), `app_ticket`
    /// events still reach [`Dispatcher::on_app_ticket`], and an encrypted payload is decrypted
    /// with the encrypt key. A re-delivered event is an [`EventError::Duplicate`]: ack it as
    /// handled. Never panics, whatever the payload.
    pub async fn dispatch_frame_payload(
        &self,
        payload: &[u8],
        now_millis: u64,
    ) -> Result<Option<Value>, EventError> {
        if payload.len() > self.body_limit {
            return Err(EventError::TooLarge {
                limit: self.body_limit,
            });
        }
        let key = self.encrypt_key.as_ref().map(Secret::expose);
        match Envelope::open_with(payload, key, None)? {
            Envelope::UrlVerification(_) => Err(EventError::Malformed(
                "a url_verification challenge cannot arrive over the long connection".to_owned(),
            )),
            Envelope::Event(event) => self.run(&event, now_millis, true).await,
        }
    }

    /// De-duplicates `event`, takes its `app_ticket` when `verified`, and runs its handler.
    async fn run(
        &self,
        event: &Event,
        now_millis: u64,
        verified: bool,
    ) -> Result<Option<Value>, EventError> {
        let dedup_id = match &event.event_id {
            Some(id) if !event.is_callback() => Some(id.clone()),
            _ => None,
        };
        if let Some(id) = &dedup_id {
            let first = self
                .dedup
                .first_seen(id, self.dedup_ttl, now_millis)
                .await
                .map_err(|e| EventError::Store(e.to_string()))?;
            if !first {
                crate::trace::event!(
                    tracing::Level::INFO,
                    event_type = event.event_type.as_str(),
                    event_id = id.as_str(),
                    "event de-duplicated"
                );
                return Err(EventError::Duplicate(id.clone()));
            }
        }
        crate::trace::event!(
            tracing::Level::DEBUG,
            event_type = event.event_type.as_str(),
            event_id = event.event_id.as_deref().unwrap_or(""),
            verified,
            "event dispatched"
        );
        if event.event_type == "app_ticket" {
            // A forged ticket would replace the real one and stop the app's tokens.
            if !verified {
                return Err(EventError::Config(
                    "an app_ticket is taken only from a verified request: set the verification \
                     token or the encrypt key"
                        .to_owned(),
                ));
            }
            if let (Some(sink), Some(ticket)) = (
                &self.app_ticket,
                event.payload.get("app_ticket").and_then(Value::as_str),
            ) {
                sink(ticket.to_owned()).await;
            }
        }
        let handler = self
            .handlers
            .get(&event.event_type)
            .or(self.fallback.as_ref());
        let reply = match handler {
            Some(handler) => match handler(event.clone()).await {
                Ok(reply) => reply,
                Err(error) => {
                    crate::trace::event!(
                        tracing::Level::WARN,
                        event_type = event.event_type.as_str(),
                        event_id = event.event_id.as_deref().unwrap_or(""),
                        "event handler failed"
                    );
                    if let Some(id) = &dedup_id {
                        // A store that cannot forget leaves the re-delivery dropped as a
                        // duplicate until the id's TTL ends.
                        let _ = self.dedup.forget(id).await;
                    }
                    return Err(error);
                }
            },
            None => None,
        };
        Ok(reply)
    }

    fn check_signature(
        &self,
        signed: &Signed<'_>,
        now_millis: u64,
        verify: impl FnOnce(&Signed<'_>) -> Result<(), EventError>,
    ) -> Result<(), EventError> {
        verify(signed)?;
        if let Some(window) = self.freshness {
            crypto::check_freshness(signed.timestamp, now_millis, window)?;
        }
        Ok(())
    }

    fn check_token(&self, given: Option<&Secret>) -> Result<(), EventError> {
        match (&self.verification_token, given) {
            (None, _) => Ok(()),
            (Some(expected), Some(given)) if secrets_match(expected.expose(), given.expose()) => {
                Ok(())
            }
            (Some(_), _) => Err(EventError::BadToken),
        }
    }

    fn answer_challenge(
        &self,
        verification: &UrlVerification,
    ) -> Result<http::Response<Vec<u8>>, EventError> {
        self.check_token(verification.token.as_ref())?;
        Ok(json_response(
            http::StatusCode::OK,
            &serde_json::json!({ "challenge": verification.challenge }),
        ))
    }
}

fn erase<F, Fut>(handler: F) -> Handler
where
    F: Fn(Event) -> Fut + MaybeSend + MaybeSync + 'static,
    Fut: Future<Output = Result<(), HandlerError>> + MaybeSend + 'static,
{
    let handler = Arc::new(handler);
    Arc::new(move |event: Event| {
        let handler = Arc::clone(&handler);
        Box::pin(async move {
            handler(event).await.map_err(handler_error)?;
            Ok(None)
        })
    })
}

fn handler_error(error: HandlerError) -> EventError {
    EventError::Handler(error.to_string())
}

fn reply_value<R: serde::Serialize>(reply: &R) -> Result<Value, EventError> {
    serde_json::to_value(reply)
        .map_err(|e| EventError::Handler(format!("the reply cannot be serialised: {e}")))
}

fn missing_signature() -> EventError {
    EventError::BadSignature(
        "the X-Lark-Request-Timestamp, X-Lark-Request-Nonce and X-Lark-Signature headers are required"
            .to_owned(),
    )
}

/// Whether the body looks like `{"encrypt": ...}`, without a full parse.
fn body_is_encrypted(body: &[u8]) -> bool {
    #[derive(serde::Deserialize)]
    struct Sealed<'a> {
        #[serde(borrow)]
        encrypt: Option<&'a serde_json::value::RawValue>,
    }
    serde_json::from_slice::<Sealed<'_>>(body).is_ok_and(|s| s.encrypt.is_some())
}

fn json_response(status: http::StatusCode, value: &Value) -> http::Response<Vec<u8>> {
    let body = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
    let mut response = http::Response::new(body);
    *response.status_mut() = status;
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}

fn error_response(error: &EventError) -> http::Response<Vec<u8>> {
    let status = error.http_status();
    if status == http::StatusCode::OK {
        return json_response(status, &Value::Object(serde_json::Map::new()));
    }
    json_response(status, &serde_json::json!({ "error": error.to_string() }))
}
