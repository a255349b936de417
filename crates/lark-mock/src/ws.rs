//! The long connection: `POST /callback/ws/endpoint` hands out a WebSocket URL on the mock, and
//! the WebSocket there speaks the platform's pbbp2 frames. [`WsMock`] scripts it from a test.

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use http::{HeaderValue, StatusCode};
use lark_core::ws::{
    Frame, HEADER_HANDSHAKE_AUTH_ERRCODE, HEADER_HANDSHAKE_MSG, HEADER_HANDSHAKE_STATUS, Header,
    METHOD_CONTROL, METHOD_DATA, header,
};
use serde_json::{Value, json};
use tokio::sync::{mpsc, watch};

use crate::reply::lock;

/// The path of the WebSocket the endpoint's URLs point to.
pub const WS_PATH: &str = "/ws/v2";
/// The `service_id` of every URL the mock hands out.
pub const SERVICE_ID: i32 = 33_554_678;

/// The endpoint's codes.
pub mod codes {
    /// The app is unknown.
    pub const APP_NOT_FOUND: i64 = crate::codes::TOKEN_PARAM_INVALID;
    /// The app secret does not match (fatal: retrying cannot help).
    pub const APP_SECRET_INVALID: i64 = crate::codes::APP_SECRET_INVALID;
}

/// A refused WebSocket handshake, as [`WsMock::fail_next_handshake`] scripts it: an HTTP error
/// instead of `101 Switching Protocols`, with the platform's `Handshake-*` headers.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HandshakeFailure {
    /// The `Handshake-Status` header (403, 514, ...).
    pub status: i64,
    /// The `Handshake-Autherrcode` header, if any (1000040350: too many connections).
    pub auth_code: Option<i64>,
    /// The `Handshake-Msg` header.
    pub msg: String,
}

impl HandshakeFailure {
    /// A refusal with `Handshake-Status: status` and no auth code.
    pub fn new(status: i64, msg: impl Into<String>) -> Self {
        Self {
            status,
            auth_code: None,
            msg: msg.into(),
        }
    }

    /// Adds the `Handshake-Autherrcode` header.
    #[must_use]
    pub fn auth_code(mut self, code: i64) -> Self {
        self.auth_code = Some(code);
        self
    }

    /// `514` with auth code `1000040350`: the app has too many connections (fatal).
    pub fn too_many_connections() -> Self {
        Self::new(514, "exceed connection limit").auth_code(1_000_040_350)
    }

    /// `403`: forbidden (fatal).
    pub fn forbidden() -> Self {
        Self::new(403, "forbidden")
    }
}

/// An ack the client sent: the data frame echoed back with `biz_rt` and a response payload.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RecordedAck {
    /// Which connection it came on (1 for the first one opened, and so on).
    pub connection: u64,
    /// The frame as received.
    pub frame: Frame,
    /// Its `message_id` header.
    pub message_id: String,
    /// Its `biz_rt` header (the handler's milliseconds), when a number (node-sdk sends `-1`).
    pub biz_rt: Option<i64>,
    /// The payload's `code` (200 handled, 500 failed), a number or a numeric string.
    pub code: Option<i64>,
    /// The payload's `data`, base64-decoded and parsed as JSON: the card reply, if any.
    pub data: Option<Value>,
    /// The whole payload as JSON, when it is JSON.
    pub payload: Option<Value>,
    /// When the mock received it.
    pub received_at: Instant,
    /// When the message it acks was last pushed, if the mock pushed it.
    pub pushed_at: Option<Instant>,
}

impl RecordedAck {
    /// The time from the push to the ack, if the mock pushed the message.
    pub fn latency(&self) -> Option<Duration> {
        self.pushed_at
            .map(|p| self.received_at.saturating_duration_since(p))
    }
}

/// What [`WsMock::push_event_and_wait`] saw.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Pushed {
    /// The frames' `message_id`.
    pub message_id: String,
    /// The connections the frames went to; empty when none was open (the next one gets them).
    pub connections: Vec<u64>,
    /// Their acks, one per connection, in connection order.
    pub acks: Vec<RecordedAck>,
    /// Whether the wait ran out before every connection acked.
    pub timed_out: bool,
}

/// A `card.action.trigger` event (schema 2.0) as the platform pushes it when a user clicks a
/// card's button: `operator` the user's ids, `action.value` what the button carries,
/// `context` the message and chat. `event_id`, `app_id` and the times are the mock's.
pub fn card_action_event(
    app_id: &str,
    open_id: &str,
    chat_id: &str,
    message_id: &str,
    value: Value,
) -> Value {
    json!({
        "schema": "2.0",
        "header": {
            "event_id": format!("mock_card_{message_id}_{}", crate::reply::now_millis()),
            "token": "",
            "create_time": crate::reply::now_millis().to_string(),
            "event_type": "card.action.trigger",
            "tenant_key": crate::identity::TENANT_KEY,
            "app_id": app_id,
        },
        "event": {
            "operator": {"tenant_key": crate::identity::TENANT_KEY, "open_id": open_id, "union_id": "", "user_id": ""},
            "token": format!("c-{message_id}"),
            "action": {"value": value, "tag": "button"},
            "host": "im_message",
            "context": {"open_message_id": message_id, "open_chat_id": chat_id},
        },
    })
}

/// A bounded wait of [`WsMock`] ran out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitTimeout {
    what: String,
}

impl std::fmt::Display for WaitTimeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "timed out waiting for {}", self.what)
    }
}

impl std::error::Error for WaitTimeout {}

enum Command {
    Send(Vec<u8>),
    Cut,
}

/// What pongs carry.
#[derive(Debug, Clone)]
enum PongConfig {
    /// The ClientConfig the endpoint hands out, as the platform's pongs carry it.
    Endpoint,
    /// This JSON.
    Custom(Value),
    /// Nothing: an empty payload.
    Empty,
}

struct Inner {
    addr: Option<SocketAddr>,
    endpoint_config: Value,
    endpoint_failures: VecDeque<(i64, String)>,
    pong_config: PongConfig,
    answer_pings: bool,
    handshake_failures: VecDeque<HandshakeFailure>,
    tickets: HashSet<String>,
    next_connection: u64,
    open: HashMap<u64, mpsc::UnboundedSender<Command>>,
    queued: Vec<Vec<u8>>,
    pushed_at: HashMap<String, Instant>,
    acks: Vec<RecordedAck>,
    pings: u64,
    handshakes: u64,
    next_seq: u64,
}

/// The long connection's state, shared by the routes and every [`WsMock`] handle.
pub(crate) struct WsState {
    inner: Mutex<Inner>,
    /// Bumped on every change a test may wait for.
    changed: watch::Sender<u64>,
    /// Set when the server stops: every connection ends.
    stop: watch::Sender<bool>,
}

impl std::fmt::Debug for WsState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WsState").finish_non_exhaustive()
    }
}

impl Default for WsState {
    fn default() -> Self {
        Self {
            inner: Mutex::new(Inner {
                addr: None,
                endpoint_config: json!({
                    "ReconnectCount": -1,
                    "ReconnectInterval": 120,
                    "ReconnectNonce": 30,
                    "PingInterval": 120,
                }),
                endpoint_failures: VecDeque::new(),
                pong_config: PongConfig::Endpoint,
                answer_pings: true,
                handshake_failures: VecDeque::new(),
                tickets: HashSet::new(),
                next_connection: 0,
                open: HashMap::new(),
                queued: Vec::new(),
                pushed_at: HashMap::new(),
                acks: Vec::new(),
                pings: 0,
                handshakes: 0,
                next_seq: 0,
            }),
            changed: watch::channel(0).0,
            stop: watch::channel(false).0,
        }
    }
}

impl WsState {
    pub(crate) fn set_addr(&self, addr: SocketAddr) {
        lock(&self.inner).addr = Some(addr);
    }

    /// Ends every connection (the server is stopping).
    pub(crate) fn stop(&self) {
        self.stop.send_replace(true);
    }

    fn bump(&self) {
        self.changed.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// Sends `bytes` to every open connection, or keeps them for the next one; returns the
    /// connections it went to (none: kept).
    fn send(&self, bytes: Vec<u8>) -> Vec<u64> {
        let mut inner = lock(&self.inner);
        inner.open.retain(|_, tx| !tx.is_closed());
        if inner.open.is_empty() {
            inner.queued.push(bytes);
            return Vec::new();
        }
        let mut sent = Vec::new();
        for (id, tx) in &inner.open {
            if tx.send(Command::Send(bytes.clone())).is_ok() {
                sent.push(*id);
            }
        }
        sent.sort_unstable();
        sent
    }
}

/// Scripts the mock's long connection: pushes events and card actions, answers (or ignores)
/// pings, cuts connections, refuses handshakes, and records every ack. Get one from
/// [`MockServer::ws`](crate::mock::MockServer::ws); clones share the server.
///
/// A message pushed while no client is connected waits for the next connection. Every wait is
/// bounded by the timeout it is given.
#[derive(Clone)]
pub struct WsMock {
    state: Arc<WsState>,
}

impl std::fmt::Debug for WsMock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let inner = lock(&self.state.inner);
        f.debug_struct("WsMock")
            .field("open_connections", &inner.open.len())
            .field("acks", &inner.acks.len())
            .finish_non_exhaustive()
    }
}

impl WsMock {
    pub(crate) fn new(state: Arc<WsState>) -> Self {
        Self { state }
    }

    // ----- settings -----

    /// The ClientConfig the endpoint answers with (PascalCase keys: `ReconnectCount`,
    /// `ReconnectInterval`, `ReconnectNonce`, `PingInterval`, in seconds). By default the
    /// platform's: -1, 120, 30, 120.
    pub fn set_client_config(&self, config: Value) {
        lock(&self.state.inner).endpoint_config = config;
    }

    /// The ClientConfig JSON every pong carries; `None` sends empty pongs. By default pongs
    /// carry the ClientConfig the endpoint hands out (see [`WsMock::set_client_config`]), as
    /// the platform's do.
    pub fn set_pong_config(&self, config: Option<Value>) {
        lock(&self.state.inner).pong_config = match config {
            Some(config) => PongConfig::Custom(config),
            None => PongConfig::Empty,
        };
    }

    /// Whether pings are answered (on by default). Off, the connection stays open but silent,
    /// as a dead link looks to the client.
    pub fn answer_pings(&self, answer: bool) {
        lock(&self.state.inner).answer_pings = answer;
    }

    /// Makes the next handshake fail; call again to fail more. Each queued failure refuses one
    /// handshake.
    pub fn fail_next_handshake(&self, failure: HandshakeFailure) {
        lock(&self.state.inner)
            .handshake_failures
            .push_back(failure);
    }

    /// Makes the next endpoint request answer `code` (1 and 1000040343 are retryable, any
    /// other non-zero code fatal).
    pub fn fail_next_endpoint(&self, code: i64, msg: impl Into<String>) {
        lock(&self.state.inner)
            .endpoint_failures
            .push_back((code, msg.into()));
    }

    // ----- pushing -----

    /// Pushes an event (schema 2.0 or 1.0 JSON, as an HTTP callback's body) in one frame;
    /// returns its `message_id`.
    pub fn push_event(&self, event: &Value) -> String {
        let id = self.new_message_id();
        self.push_in_parts("event", &id, &to_bytes(event), 1, &[0]);
        id
    }

    /// Pushes an event cut into `fragments` frames (1 for a whole one) to every open connection
    /// (or the next one to open) and waits, at most `timeout`, for each of those connections
    /// to ack it. The acks that came, in connection order; `timed_out` tells whether some did
    /// not.
    pub async fn push_event_and_wait(
        &self,
        event: &Value,
        fragments: usize,
        timeout: Duration,
    ) -> Pushed {
        let id = self.new_message_id();
        let payload = to_bytes(event);
        let order: Vec<usize> = (0..fragments.clamp(1, payload.len().max(1))).collect();
        let sent_to = self.push_in_parts("event", &id, &payload, order.len(), &order);
        // Kept for the next connection: that one answers.
        let wanted = sent_to.len().max(1);
        let acked = |i: &Inner| -> Vec<RecordedAck> {
            let mut acks: Vec<RecordedAck> = i
                .acks
                .iter()
                .filter(|a| a.message_id == id)
                .filter(|a| sent_to.is_empty() || sent_to.contains(&a.connection))
                .cloned()
                .collect();
            acks.sort_by_key(|a| a.connection);
            acks.dedup_by_key(|a| a.connection);
            acks
        };
        let waited = self
            .wait(timeout, format!("the acks of {id}"), |i| {
                let acks = acked(i);
                (acks.len() >= wanted).then_some(acks)
            })
            .await;
        match waited {
            Ok(acks) => Pushed {
                message_id: id,
                connections: sent_to,
                acks,
                timed_out: false,
            },
            Err(_) => Pushed {
                acks: acked(&lock(&self.state.inner)),
                message_id: id,
                connections: sent_to,
                timed_out: true,
            },
        }
    }

    /// Pushes an event cut into `parts` fragments (`sum` = `parts`), sent in `order` (indexes
    /// from 0; an index may repeat or be left out, to test duplicates and loss). Returns the
    /// `message_id`.
    pub fn push_event_in_parts(&self, event: &Value, parts: usize, order: &[usize]) -> String {
        let id = self.new_message_id();
        self.push_in_parts("event", &id, &to_bytes(event), parts, order);
        id
    }

    /// Pushes an event with a given `message_id` in one frame: a platform re-delivery.
    pub fn push_event_with_id(&self, message_id: &str, event: &Value) {
        self.push_in_parts("event", message_id, &to_bytes(event), 1, &[0]);
    }

    /// Pushes a card action as the platform delivers it over the long connection: a
    /// `card.action.trigger` event (schema 2.0, the body of [`card_action_event`]) in a
    /// `type: event` frame. Returns its `message_id`; the client's ack carries the card reply
    /// (a toast, a new card) in its `data`.
    pub fn push_card(&self, card_action: &Value) -> String {
        self.push_event(card_action)
    }

    /// Pushes a legacy card callback's JSON in a `type: card` frame. The platform does not
    /// deliver card actions this way over the long connection and the official SDKs drop such
    /// a frame unacked; it is here to test that a client copes with one.
    pub fn push_card_frame(&self, card: &Value) -> String {
        let id = self.new_message_id();
        self.push_in_parts("card", &id, &to_bytes(card), 1, &[0]);
        id
    }

    /// Sends raw bytes as one binary message (garbage, hand-built frames).
    pub fn push_raw(&self, bytes: Vec<u8>) {
        self.state.send(bytes);
    }

    /// Forgets the acks, the pushes and the messages kept for the next connection, and puts
    /// the settings back (answered pings, pongs with the ClientConfig, the platform's
    /// ClientConfig, no scripted failures). Open connections stay open.
    pub fn reset(&self) {
        let fresh = WsState::default();
        let mut inner = lock(&self.state.inner);
        let defaults = lock(&fresh.inner);
        inner.endpoint_config = defaults.endpoint_config.clone();
        inner.endpoint_failures.clear();
        inner.pong_config = PongConfig::Endpoint;
        inner.answer_pings = true;
        inner.handshake_failures.clear();
        inner.queued.clear();
        inner.pushed_at.clear();
        inner.acks.clear();
        drop(defaults);
        drop(inner);
        self.state.bump();
    }

    fn new_message_id(&self) -> String {
        let mut inner = lock(&self.state.inner);
        inner.next_seq += 1;
        format!("mock_msg_{:08}", inner.next_seq)
    }

    /// Sends the frames; returns the connections they went to (none: kept for the next one).
    fn push_in_parts(
        &self,
        kind: &str,
        id: &str,
        payload: &[u8],
        parts: usize,
        order: &[usize],
    ) -> Vec<u64> {
        let parts = parts.clamp(1, payload.len().max(1));
        let size = payload.len().div_ceil(parts).max(1);
        let chunks: Vec<&[u8]> = payload.chunks(size).collect();
        let sum = chunks.len();
        let frames: Vec<Vec<u8>> = {
            let mut inner = lock(&self.state.inner);
            inner.pushed_at.insert(id.to_owned(), Instant::now());
            order
                .iter()
                .filter_map(|&seq| chunks.get(seq).map(|chunk| (seq, *chunk)))
                .map(|(seq, chunk)| {
                    inner.next_seq += 1;
                    let n = inner.next_seq;
                    let mut frame = Frame::ping(SERVICE_ID);
                    frame.seq_id = n;
                    frame.log_id = n;
                    frame.method = METHOD_DATA;
                    frame.headers = [
                        (header::TYPE, kind.to_owned()),
                        (header::MESSAGE_ID, id.to_owned()),
                        (header::SUM, sum.to_string()),
                        (header::SEQ, seq.to_string()),
                        (header::TRACE_ID, format!("mock_trace_{n}")),
                    ]
                    .into_iter()
                    .map(|(key, value)| Header {
                        key: key.to_owned(),
                        value,
                    })
                    .collect();
                    frame.payload = Some(chunk.to_vec());
                    frame.encode_bytes()
                })
                .collect()
        };
        let mut sent_to = Vec::new();
        for frame in frames {
            sent_to = self.state.send(frame);
        }
        sent_to
    }

    // ----- connections -----

    /// Closes every open connection abruptly: the TCP socket goes away with no close frame,
    /// as when a network link dies.
    pub fn cut(&self) {
        let mut inner = lock(&self.state.inner);
        for (_, tx) in inner.open.drain() {
            let _ = tx.send(Command::Cut);
        }
        drop(inner);
        self.state.bump();
    }

    /// How many connections are open now.
    pub fn open_connections(&self) -> usize {
        let mut inner = lock(&self.state.inner);
        inner.open.retain(|_, tx| !tx.is_closed());
        inner.open.len()
    }

    /// How many WebSocket connections were accepted so far.
    pub fn connections_accepted(&self) -> u64 {
        lock(&self.state.inner).next_connection
    }

    /// How many handshakes were attempted so far (accepted or refused).
    pub fn handshakes(&self) -> u64 {
        lock(&self.state.inner).handshakes
    }

    /// How many pings arrived so far.
    pub fn pings(&self) -> u64 {
        lock(&self.state.inner).pings
    }

    /// Every ack received so far, oldest first.
    pub fn acks(&self) -> Vec<RecordedAck> {
        lock(&self.state.inner).acks.clone()
    }

    // ----- bounded waits -----

    /// Waits until `count` connections were accepted in all.
    pub async fn wait_for_connections(
        &self,
        count: u64,
        timeout: Duration,
    ) -> Result<(), WaitTimeout> {
        self.wait(timeout, format!("{count} connections"), |i| {
            (i.next_connection >= count).then_some(())
        })
        .await
    }

    /// Waits until exactly `count` connections are open (0: the client closed its socket).
    pub async fn wait_for_open_connections(
        &self,
        count: usize,
        timeout: Duration,
    ) -> Result<(), WaitTimeout> {
        self.wait(timeout, format!("{count} open connections"), |i| {
            (i.open.len() == count).then_some(())
        })
        .await
    }

    /// Waits until `count` handshakes were attempted in all.
    pub async fn wait_for_handshakes(
        &self,
        count: u64,
        timeout: Duration,
    ) -> Result<(), WaitTimeout> {
        self.wait(timeout, format!("{count} handshakes"), |i| {
            (i.handshakes >= count).then_some(())
        })
        .await
    }

    /// Waits until `count` pings arrived in all.
    pub async fn wait_for_pings(&self, count: u64, timeout: Duration) -> Result<(), WaitTimeout> {
        self.wait(timeout, format!("{count} pings"), |i| {
            (i.pings >= count).then_some(())
        })
        .await
    }

    /// Waits until `count` acks arrived in all; returns them all.
    pub async fn wait_for_acks(
        &self,
        count: usize,
        timeout: Duration,
    ) -> Result<Vec<RecordedAck>, WaitTimeout> {
        self.wait(timeout, format!("{count} acks"), |i| {
            (i.acks.len() >= count).then(|| i.acks.clone())
        })
        .await
    }

    /// Waits for the first ack of `message_id`.
    pub async fn wait_for_ack(
        &self,
        message_id: &str,
        timeout: Duration,
    ) -> Result<RecordedAck, WaitTimeout> {
        self.wait(timeout, format!("the ack of {message_id}"), |i| {
            i.acks.iter().find(|a| a.message_id == message_id).cloned()
        })
        .await
    }

    async fn wait<T>(
        &self,
        timeout: Duration,
        what: String,
        mut ready: impl FnMut(&Inner) -> Option<T>,
    ) -> Result<T, WaitTimeout> {
        let mut changed = self.state.changed.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(value) = ready(&lock(&self.state.inner)) {
                return Ok(value);
            }
            match tokio::time::timeout_at(deadline, changed.changed()).await {
                Ok(Ok(())) => {}
                _ => return Err(WaitTimeout { what }),
            }
        }
    }
}

fn to_bytes(value: &Value) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_default()
}

// ----- the routes -----

/// `POST /callback/ws/endpoint`: `{"AppID", "AppSecret"}` (or, for a keyless app, an empty
/// `AppSecret` and a `ClientAssertion`) → the URL and the ClientConfig. `prove` checks the app
/// id, secret and assertion (the code and message of a refusal); `new_id` makes the device id
/// and the ticket.
pub(crate) fn endpoint(
    ws: &WsState,
    body: &[u8],
    prove: impl FnOnce(&str, &str, &str) -> Result<(), (i64, &'static str)>,
    new_id: impl Fn(&str) -> String,
) -> Response {
    let answer = |code: i64, msg: &str, data: Value| {
        axum::Json(json!({"code": code, "msg": msg, "data": data})).into_response()
    };
    let request: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let field = |name: &str| request.get(name).and_then(Value::as_str).unwrap_or("");
    let (app_id, secret) = (field("AppID"), field("AppSecret"));
    if let Err((code, msg)) = prove(app_id, secret, field("ClientAssertion")) {
        return answer(code, msg, json!({}));
    }
    let mut inner = lock(&ws.inner);
    if let Some((code, msg)) = inner.endpoint_failures.pop_front() {
        return answer(code, &msg, json!({}));
    }
    let Some(addr) = inner.addr else {
        return answer(1, "the mock is starting", json!({}));
    };
    let device_id = new_id("dev_");
    let ticket = new_id("tkt_");
    inner.tickets.insert(ticket.clone());
    let url = format!(
        "ws://{addr}{WS_PATH}?fpid=493&aid=552564&device_id={device_id}&access_key=mock\
         &service_id={SERVICE_ID}&ticket={ticket}"
    );
    let config = inner.endpoint_config.clone();
    drop(inner);
    answer(0, "ok", json!({"URL": url, "ClientConfig": config}))
}

/// `GET /ws/v2?device_id&service_id&ticket`: the WebSocket.
pub(crate) fn socket(
    ws: Arc<WsState>,
    query: &HashMap<String, String>,
    upgrade: WebSocketUpgrade,
) -> Response {
    let refusal = {
        let mut inner = lock(&ws.inner);
        inner.handshakes += 1;
        let known = query
            .get("ticket")
            .is_some_and(|t| inner.tickets.contains(t))
            && query.get("device_id").is_some_and(|d| !d.is_empty())
            && query.get("service_id").map(String::as_str) == Some(&SERVICE_ID.to_string());
        match inner.handshake_failures.pop_front() {
            Some(failure) => Some(failure),
            None if !known => Some(HandshakeFailure::forbidden()),
            None => None,
        }
    };
    ws.bump();
    if let Some(failure) = refusal {
        return refuse(&failure);
    }
    upgrade.on_upgrade(move |socket| serve(socket, ws))
}

fn refuse(failure: &HandshakeFailure) -> Response {
    let mut response = StatusCode::FORBIDDEN.into_response();
    let headers = response.headers_mut();
    let mut set = |name: &'static str, value: String| {
        if let Ok(value) = HeaderValue::try_from(value) {
            headers.insert(name, value);
        }
    };
    set(HEADER_HANDSHAKE_STATUS, failure.status.to_string());
    set(HEADER_HANDSHAKE_MSG, failure.msg.clone());
    if let Some(code) = failure.auth_code {
        set(HEADER_HANDSHAKE_AUTH_ERRCODE, code.to_string());
    }
    response
}

/// One open connection: sends what tests push, answers pings, records acks.
async fn serve(mut socket: WebSocket, ws: Arc<WsState>) {
    let (tx, mut commands) = mpsc::unbounded_channel();
    let id = {
        let mut inner = lock(&ws.inner);
        inner.next_connection += 1;
        let id = inner.next_connection;
        for bytes in std::mem::take(&mut inner.queued) {
            let _ = tx.send(Command::Send(bytes));
        }
        inner.open.insert(id, tx);
        id
    };
    ws.bump();
    let mut stop = ws.stop.subscribe();
    loop {
        tokio::select! {
            _ = async { stop.wait_for(|stopped| *stopped).await.map(|_| ()) } => break,
            command = commands.recv() => match command {
                Some(Command::Send(bytes)) => {
                    if socket.send(Message::Binary(bytes.into())).await.is_err() {
                        break;
                    }
                }
                // Dropping the socket closes TCP with no close frame.
                Some(Command::Cut) | None => break,
            },
            message = socket.recv() => match message {
                Some(Ok(Message::Binary(bytes))) => {
                    if let Some(reply) = received(&ws, id, &bytes) {
                        if socket.send(Message::Binary(reply.into())).await.is_err() {
                            break;
                        }
                    }
                }
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
        }
    }
    lock(&ws.inner).open.remove(&id);
    ws.bump();
}

/// Handles one frame from the client; returns the pong to send, if any.
fn received(ws: &WsState, connection: u64, bytes: &[u8]) -> Option<Vec<u8>> {
    let frame = Frame::decode_bytes(bytes).ok()?;
    let reply = {
        let mut inner = lock(&ws.inner);
        match frame.method {
            METHOD_CONTROL if frame.header(header::TYPE) == Some("ping") => {
                inner.pings += 1;
                inner.answer_pings.then(|| {
                    let mut pong = Frame::ping(frame.service);
                    pong.set_header(header::TYPE, "pong");
                    pong.payload = match &inner.pong_config {
                        PongConfig::Endpoint => Some(to_bytes(&inner.endpoint_config)),
                        PongConfig::Custom(config) => Some(to_bytes(config)),
                        PongConfig::Empty => None,
                    };
                    pong.encode_bytes()
                })
            }
            METHOD_DATA => {
                let message_id = frame.header(header::MESSAGE_ID).unwrap_or("").to_owned();
                let payload: Option<Value> = frame
                    .payload
                    .as_deref()
                    .and_then(|p| serde_json::from_slice(p).ok());
                let code = payload
                    .as_ref()
                    .and_then(|p| p.get("code"))
                    .and_then(|c| c.as_i64().or_else(|| c.as_str()?.trim().parse().ok()));
                let data = payload
                    .as_ref()
                    .and_then(|p| p.get("data"))
                    .and_then(Value::as_str)
                    .and_then(|d| base64::engine::general_purpose::STANDARD.decode(d).ok())
                    .and_then(|d| serde_json::from_slice(&d).ok());
                let ack = RecordedAck {
                    connection,
                    biz_rt: frame
                        .header(header::BIZ_RT)
                        .and_then(|v| v.trim().parse().ok()),
                    pushed_at: inner.pushed_at.get(&message_id).copied(),
                    message_id,
                    code,
                    data,
                    payload,
                    received_at: Instant::now(),
                    frame,
                };
                inner.acks.push(ack);
                None
            }
            _ => None,
        }
    };
    ws.bump();
    reply
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ping() -> Vec<u8> {
        let mut ping = Frame::ping(SERVICE_ID);
        ping.set_header(header::TYPE, "ping");
        ping.encode_bytes()
    }

    fn pong_payload(ws: &WsState) -> Option<Value> {
        let pong = Frame::decode_bytes(&received(ws, 1, &ping()).expect("a pong")).unwrap();
        assert_eq!(pong.header(header::TYPE), Some("pong"));
        pong.payload
            .as_deref()
            .map(|p| serde_json::from_slice(p).unwrap())
    }

    #[test]
    fn pongs_carry_the_client_config_unless_told_otherwise() {
        let ws = Arc::new(WsState::default());
        let mock = WsMock::new(Arc::clone(&ws));
        assert_eq!(
            pong_payload(&ws),
            Some(
                json!({"ReconnectCount": -1, "ReconnectInterval": 120, "ReconnectNonce": 30, "PingInterval": 120})
            )
        );
        // They follow the endpoint's ClientConfig.
        mock.set_client_config(json!({"PingInterval": 5}));
        assert_eq!(pong_payload(&ws), Some(json!({"PingInterval": 5})));
        mock.set_pong_config(Some(json!({"PingInterval": 1})));
        assert_eq!(pong_payload(&ws), Some(json!({"PingInterval": 1})));
        mock.set_pong_config(None);
        assert_eq!(pong_payload(&ws), None);
        mock.reset();
        assert_eq!(pong_payload(&ws).unwrap()["PingInterval"], 120);
        assert_eq!(mock.pings(), 5);
    }

    #[test]
    fn acks_are_read_leniently() {
        let ws = Arc::new(WsState::default());
        let mock = WsMock::new(Arc::clone(&ws));
        let mut ack = Frame::ping(SERVICE_ID);
        ack.method = METHOD_DATA;
        ack.set_header(header::TYPE, "event");
        ack.set_header(header::MESSAGE_ID, "m1");
        // node-sdk's: `biz_rt` -1 and the code as a number.
        ack.set_header(header::BIZ_RT, "-1");
        ack.payload = Some(br#"{"code":200}"#.to_vec());
        assert!(received(&ws, 1, &ack.encode_bytes()).is_none());
        // A code as a string, a data field holding base64 JSON.
        ack.set_header(header::MESSAGE_ID, "m2");
        ack.set_header(header::BIZ_RT, " 12 ");
        ack.payload = Some(br#"{"code":"200","data":"eyJ0b2FzdCI6MX0="}"#.to_vec());
        received(&ws, 1, &ack.encode_bytes());
        let acks = mock.acks();
        assert_eq!(acks.len(), 2);
        assert_eq!((acks[0].biz_rt, acks[0].code), (Some(-1), Some(200)));
        assert_eq!((acks[1].biz_rt, acks[1].code), (Some(12), Some(200)));
        assert_eq!(acks[1].data, Some(json!({"toast": 1})));
    }
}
