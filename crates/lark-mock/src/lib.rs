//! An embedded Feishu/Lark-compatible server for tests, demos and the quickstart.
//!
//! [`MockServer`] listens on `127.0.0.1` (port 0 by default) and answers like the Open Platform:
//!
//! - **Tokens**, with real expiry ([`MockServerBuilder::token_ttl`] shortens it):
//!   `POST /open-apis/auth/v3/tenant_access_token/internal` and `.../app_access_token/internal`
//!   for self-built apps; for marketplace apps `app_ticket/resend` (records a fresh ticket, read it
//!   with [`MockServer::app_ticket`]), `app_access_token` (with the ticket) and
//!   `tenant_access_token` (per tenant key). The fields sit at the top level next to `code`.
//! - **Auth checks** on every other endpoint; all answer HTTP 400 with the platform's code:
//!   no `Authorization` → 99991661, an unknown, expired or revoked `t-` token → 99991663, an `a-`
//!   token where none is accepted (or unknown) → 99991664, an unknown or revoked `u-` token →
//!   99991668, an expired one (a sign-in's, after
//!   [`OAuthSettings::access_token_ttl`](accounts::OAuthSettings::access_token_ttl)) → 99991677,
//!   anything but `Bearer t-…`/`u-…`/`a-…` → 99991671. Under `/open-apis/helpdesk/` the
//!   `X-Lark-Helpdesk-Authorization: base64("{id}:{token}")` header must also match registered
//!   helpdesk credentials, or the answer is HTTP 401 with code 154001.
//! - **Stateful handlers** answering `{"code":0,"msg":"success","data":{…}}`: send a message
//!   (`POST /open-apis/im/v1/messages`, de-duplicated by `uuid` for an hour) or reply to one
//!   (`…/messages/:message_id/reply`, in its thread on request), the content checked for its
//!   `msg_type` (text, post, card JSON or a CardKit card the mock made, …) and the platform's
//!   size limits (text 150 KB, post and card 30 KB; code 230025), every one kept as a
//!   [`SentMessage`] ([`MockServer::sent_messages`]); upload an image or a file for a message
//!   (`POST /open-apis/im/v1/images`, `…/files`, kept as an [`Upload`]); get one, list a
//!   chat's messages with real pagination, create and get chats, get users
//!   (`/open-apis/contact/v3/users/:user_id`), the calling user's own
//!   (`GET /open-apis/authen/v1/user_info`, user tokens only), and
//!   `POST /open-apis/helpdesk/v1/start_service`.
//! - **Every other endpoint of the SDK's catalog**: the request is checked against the spec
//!   (token kind, helpdesk header, required query parameters and body fields, their types) and
//!   answered with a well-formed envelope (`data: {}`), or HTTP 400 with code 99992402. A
//!   paginated endpoint answers two pages, under the names its catalog entry gives (`has_more`
//!   and `page_token`, or a cursor such as `next_cursor_id`), so a client's pagination walks.
//! - **Custom-bot webhooks** (`POST /open-apis/bot/v2/hook/:token`) with the signature check
//!   (HMAC-SHA256 keyed with `"{timestamp}\n{secret}"` over an empty message, a one-hour window)
//!   and optional keywords. Like the platform they always answer HTTP 200, the outcome in `code`:
//!   19001 unknown token, 19021 bad signature or timestamp, 19024 no keyword, 9499 bad body.
//! - **The long connection**: `POST /callback/ws/endpoint` hands out a WebSocket URL on the
//!   mock whose socket speaks the platform's frames; [`MockServer::ws`] pushes events and card
//!   actions, cuts connections, refuses handshakes and records acks.
//! - **Drive files and medias** (`/open-apis/drive/v1/{files,medias}/…`): `upload_all` (up to
//!   20 MiB), the three-step upload (`upload_prepare` → `upload_part` → `upload_finish`, block
//!   sizes, order, Adler-32 checksums, missing blocks and expiring upload ids checked, with the
//!   codes of [`drive_codes`]) and `:file_token/download` in chunks, with `Range: bytes=…`.
//!   [`MockServer::set_upload_block_size`] keeps multi-block tests small,
//!   [`MockServer::put_file`] seeds a file, [`MockServer::fail_upload_part`] fails one block.
//! - **Fault injection**: [`MockServer::inject`] a [`FaultRule`].
//! - **A control API** on the same port, `/_mock/…` (JSON over HTTP, for tests in any
//!   language): `POST /_mock/events` delivers an event over the long connection or as a signed,
//!   encrypted callback to a registered request URL and answers with what each client answered
//!   ([`MockServer::deliver`] in Rust); `/_mock/callbacks` registers request URLs (checked with
//!   the platform's challenge); `GET /_mock/messages`, `sent` (what the bot sent and replied,
//!   with the streaming updates of the cards it showed), `uploads`, `chats`, `cards`, `acks`,
//!   `requests` list what a bot did; `/_mock/faults` scripts faults; `POST /_mock/reset` puts the state
//!   back ([`MockServer::reset`]). Its requests are neither recorded nor faulted.
//! - Every answer carries a unique `X-Tt-Logid`, a JSON content type and CORS headers; `OPTIONS`
//!   preflights get HTTP 204. Unknown routes answer a Lark envelope with HTTP 404 (code 404).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> std::io::Result<()> {
//! use lark_mock::{Fault, FaultRule, MockServer};
//!
//! let mock = MockServer::start().await?;
//! // Point the SDK at mock.base_url() with MockServer::APP_ID / MockServer::APP_SECRET.
//! assert!(mock.base_url().starts_with("http://127.0.0.1:"));
//! mock.inject(FaultRule::new(Fault::rate_limited(2)).path("/open-apis/im/v1/messages").once());
//! assert_eq!(mock.tenant_token_requests(), 0);
//! mock.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! The library prints nothing; it reports through return values only.

pub mod accounts;
mod auth;
mod bot;
mod callbacks;
pub mod cardkit;
pub mod codes;
mod content;
mod control;
mod delivery;
mod fault;
mod files;
mod handlers;
mod identity;
mod kept;
mod mock;
pub mod people;
mod reply;
mod seed;
mod sent;
mod server;
mod spec;
mod state;
mod uploads;
pub mod ws;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::watch;

pub use callbacks::{Callback, Receives};
pub use control::PREFIX as CONTROL_PREFIX;
pub use delivery::{Answer, Delivered, Via};
pub use fault::{Fault, FaultId, FaultRule, When};
pub use files::{MockFile, drive_codes};
pub use kept::SentMessage;
pub use kept::{Upload, UploadKind};
pub use mock::MockServer;
pub use spec::SECOND_PAGE;
pub use state::{MockUser, RecordedRequest};

use reply::lock;
use state::{App, AppKind, Bot, Shared, UserToken};

/// Settings for a [`MockServer`].
#[derive(Debug, Clone)]
#[must_use]
pub struct MockServerBuilder {
    port: u16,
    token_ttl: Duration,
    record_requests: bool,
}

impl Default for MockServerBuilder {
    fn default() -> Self {
        Self {
            port: 0,
            token_ttl: Duration::from_secs(7200),
            record_requests: true,
        }
    }
}

impl MockServerBuilder {
    /// Listens on `127.0.0.1:port`; 0 (the default) picks a free port.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// How long issued tokens live (2 hours by default, as on the platform). The `expire` field
    /// is this in whole seconds, rounded up.
    pub fn token_ttl(mut self, ttl: Duration) -> Self {
        self.token_ttl = ttl;
        self
    }

    /// Whether [`MockServer::requests`] keeps every request (on by default). Counters such as
    /// [`MockServer::request_count`] work either way; turn it off for long load runs.
    pub fn record_requests(mut self, record: bool) -> Self {
        self.record_requests = record;
        self
    }

    /// Binds the port and starts serving on the current tokio runtime.
    pub async fn start(self) -> std::io::Result<MockServer> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", self.port)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::new(self.token_ttl, self.record_requests));
        seed::seed(&shared);
        shared.ws.set_addr(addr);
        let _ = shared.base_url.set(format!("http://{addr}"));
        let (stop, stopped) = watch::channel(());
        let task = tokio::spawn(server::accept_loop(listener, Arc::clone(&shared), stopped));
        Ok(MockServer {
            addr,
            base_url: format!("http://{addr}"),
            shared,
            stop: Some(stop),
            task: Some(task),
        })
    }
}

const TENANT_TOKEN_PATHS: [&str; 2] = [
    "/open-apis/auth/v3/tenant_access_token/internal",
    "/open-apis/auth/v3/tenant_access_token",
];
const APP_TOKEN_PATHS: [&str; 2] = [
    "/open-apis/auth/v3/app_access_token/internal",
    "/open-apis/auth/v3/app_access_token",
];

impl MockServer {
    /// A server on a free port with the default settings.
    pub async fn start() -> std::io::Result<MockServer> {
        MockServer::builder().start().await
    }

    /// Settings for a server.
    pub fn builder() -> MockServerBuilder {
        MockServerBuilder::default()
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, closes every connection and waits until the port is released.
    pub async fn shutdown(mut self) {
        self.stop.take();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    /// Serves until `signal` completes (for example `tokio::signal::ctrl_c()`), then shuts down.
    pub async fn serve_until<F: Future>(self, signal: F) {
        signal.await;
        self.shutdown().await;
    }

    // ----- requests -----

    /// Every request received so far (when recording is on), oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.requests).clone()
    }

    /// The recorded requests to exactly `path`.
    pub fn requests_to(&self, path: &str) -> Vec<RecordedRequest> {
        lock(&self.shared.requests)
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }

    /// How many requests arrived for exactly `path` (counted even when recording is off, and
    /// including requests a fault answered or dropped).
    pub fn request_count(&self, path: &str) -> u64 {
        lock(&self.shared.path_counts)
            .get(path)
            .copied()
            .unwrap_or(0)
    }

    /// How many tenant access token requests arrived (self-built and marketplace).
    pub fn tenant_token_requests(&self) -> u64 {
        TENANT_TOKEN_PATHS
            .iter()
            .map(|p| self.request_count(p))
            .sum()
    }

    /// How many app access token requests arrived (self-built and marketplace).
    pub fn app_token_requests(&self) -> u64 {
        APP_TOKEN_PATHS.iter().map(|p| self.request_count(p)).sum()
    }

    /// Forgets the recorded requests and resets the counters.
    pub fn clear_requests(&self) {
        lock(&self.shared.requests).clear();
        lock(&self.shared.path_counts).clear();
    }

    // ----- apps, tokens, users -----

    /// Registers a self-built app.
    pub fn add_app(&self, app_id: impl Into<String>, app_secret: impl Into<String>) {
        self.add(app_id.into(), app_secret.into(), AppKind::SelfBuilt);
    }

    /// Registers a marketplace (ISV) app. It has no app ticket until one is resent through
    /// `/open-apis/auth/v3/app_ticket/resend` or pushed with [`MockServer::push_app_ticket`].
    pub fn add_marketplace_app(&self, app_id: impl Into<String>, app_secret: impl Into<String>) {
        self.add(app_id.into(), app_secret.into(), AppKind::Marketplace);
    }

    /// Registers a keyless self-built app: no secret, and client assertions (ES256 JWTs, RFC
    /// 7523) that must verify with `public_key` (X.509 SubjectPublicKeyInfo DER, or an
    /// uncompressed P-256 point). Its tenant access token comes from the accounts host's v3
    /// token endpoint (the `jwt-bearer` grant), and its user-token grants carry an assertion
    /// instead of `client_secret`. An assertion's `aud` must be the mock's host (`127.0.0.1:port`),
    /// its `iss` and `sub` the app id, its `exp` within the hour, and its `jti` new.
    pub fn add_keyless_app(&self, app_id: impl Into<String>, public_key: impl Into<Vec<u8>>) {
        self.shared.data().apps.insert(
            app_id.into(),
            App {
                secret: String::new(),
                kind: AppKind::SelfBuilt,
                assertion_key: Some(public_key.into()),
                tickets: Vec::new(),
            },
        );
    }

    fn add(&self, app_id: String, secret: String, kind: AppKind) {
        self.shared.data().apps.insert(
            app_id,
            App {
                secret,
                kind,
                assertion_key: None,
                tickets: Vec::new(),
            },
        );
    }

    /// The newest app ticket issued to a marketplace app, as the platform would push it in an
    /// `app_ticket` event.
    pub fn app_ticket(&self, app_id: &str) -> Option<String> {
        self.shared
            .data()
            .apps
            .get(app_id)
            .and_then(|app| app.tickets.last().cloned())
    }

    /// Issues a fresh app ticket to a marketplace app, as the hourly push does; `None` for an
    /// unknown or self-built app.
    pub fn push_app_ticket(&self, app_id: &str) -> Option<String> {
        let ticket = self.shared.new_id("tk-");
        let mut data = self.shared.data();
        let app = data
            .apps
            .get_mut(app_id)
            .filter(|a| a.kind == AppKind::Marketplace)?;
        app.tickets.push(ticket.clone());
        Some(ticket)
    }

    /// Registers helpdesk credentials.
    pub fn add_helpdesk(&self, id: impl Into<String>, token: impl Into<String>) {
        self.shared.data().helpdesks.insert(id.into(), token.into());
    }

    /// Accepts `token` (`u-…`) as the user access token of `open_id`, until revoked: unlike
    /// the tokens a sign-in issues, it never expires.
    pub fn add_user_token(&self, token: impl Into<String>, open_id: impl Into<String>) {
        self.shared.data().user_tokens.insert(
            token.into(),
            UserToken {
                open_id: open_id.into(),
                expires_at: None,
            },
        );
    }

    /// Adds a user the contact endpoint returns and messages can be sent to.
    pub fn add_user(&self, user: MockUser) {
        self.shared.data().users.push(user);
    }

    /// Creates a group chat named `name`; returns its `oc_…` id.
    pub fn add_chat(&self, name: &str) -> String {
        let chat_id = self.shared.new_id("oc_");
        let chat = handlers::chat_json(
            &chat_id,
            name,
            "",
            MockServer::USER_OPEN_ID,
            "group",
            "private",
            MockServer::TENANT_KEY,
            2,
        );
        self.shared.data().chats.insert(chat_id.clone(), chat);
        chat_id
    }

    /// Every message sent so far, oldest first, as the API returns them.
    pub fn messages(&self) -> Vec<Value> {
        self.shared.data().messages.clone()
    }

    /// Expires every tenant and app access token issued so far: the next call with one gets
    /// 99991663 (or 99991664).
    pub fn expire_tokens(&self) {
        let now = Instant::now();
        let mut data = self.shared.data();
        let data = &mut *data;
        for token in data
            .tenant_tokens
            .values_mut()
            .chain(data.app_tokens.values_mut())
        {
            token.expires_at = now;
        }
    }

    /// Forgets every tenant and app access token issued so far.
    pub fn revoke_tokens(&self) {
        let mut data = self.shared.data();
        data.tenant_tokens.clear();
        data.app_tokens.clear();
    }

    /// Revokes every user access token issued so far (those added with
    /// [`MockServer::add_user_token`] and those a sign-in issued): the next call with one gets
    /// 99991668. Refresh tokens stay good.
    pub fn revoke_user_tokens(&self) {
        self.shared.data().user_tokens.clear();
    }

    /// Changes the lifetime of tokens issued from now on.
    pub fn set_token_ttl(&self, ttl: Duration) {
        *lock(&self.shared.token_ttl) = ttl;
    }

    // ----- custom bots -----

    /// Registers a custom bot webhook `token`; with a `secret`, requests must be signed.
    pub fn add_bot(&self, token: impl Into<String>, secret: Option<&str>) {
        self.shared.data().bots.insert(
            token.into(),
            Bot {
                secret: secret.map(str::to_owned),
                keywords: Vec::new(),
                messages: Vec::new(),
            },
        );
    }

    /// Makes the bot accept only messages containing one of `keywords` (code 19024 otherwise).
    pub fn set_bot_keywords<I, S>(&self, token: &str, keywords: I)
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        if let Some(bot) = self.shared.data().bots.get_mut(token) {
            bot.keywords = keywords.into_iter().map(Into::into).collect();
        }
    }

    /// The JSON bodies the bot accepted, oldest first (empty for an unknown token).
    pub fn bot_messages(&self, token: &str) -> Vec<Value> {
        self.shared
            .data()
            .bots
            .get(token)
            .map(|b| b.messages.clone())
            .unwrap_or_default()
    }

    /// The CardKit card entity `card_id` as it stands (its card JSON, last sequence and
    /// operation counts), or `None` when the mock made no such card.
    pub fn cardkit_card(&self, card_id: &str) -> Option<cardkit::CardEntity> {
        self.shared.data().cardkit.get(card_id).cloned()
    }

    // ----- long connection -----

    /// Scripts the long connection (`/callback/ws/endpoint` and its WebSocket): push events
    /// and card actions, cut connections, refuse handshakes, read the acks.
    pub fn ws(&self) -> ws::WsMock {
        ws::WsMock::new(std::sync::Arc::clone(&self.shared.ws))
    }

    // ----- faults -----

    /// Adds a fault rule after the existing ones (the first rule that fires on a request wins).
    pub fn inject(&self, rule: FaultRule) -> FaultId {
        lock(&self.shared.faults).add(rule)
    }

    /// Removes one rule.
    pub fn remove_fault(&self, id: FaultId) {
        lock(&self.shared.faults).remove(id);
    }

    /// Removes every rule.
    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
    }

    /// Puts the state a test changes back as the server started: the messages, the chats (the
    /// one it starts with stays), CardKit cards, what custom bots received, the long
    /// connection's acks and settings, the request URLs, the fault rules and the recorded
    /// requests. Apps, users, bots, issued tokens and open connections stay, so clients go on
    /// without logging in again. `POST /_mock/reset` does the same.
    pub fn reset(&self) {
        seed::reset(&self.shared);
    }

    /// How many requests the rule has hit so far.
    pub fn fault_hits(&self, id: FaultId) -> u64 {
        lock(&self.shared.faults)
            .rules
            .iter()
            .find(|r| r.id == id)
            .map_or(0, |r| r.hits)
    }
}
