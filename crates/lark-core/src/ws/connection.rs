//! [`Connection`]: one open long connection as a state machine fed with bytes and the time.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use base64::Engine as _;
use serde_json::Value;

use super::config::ClientConfigUpdate;
use super::frame::{METHOD_CONTROL, METHOD_DATA, header};
use super::reassembly::Reassembly;
use super::{ClientConfig, EndpointAnswer, Frame, WsError};
use crate::event::EventError;

/// Bounds on what a connection keeps in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConnectionLimits {
    /// How long the fragments of a message may take to arrive, from the first one.
    pub fragment_ttl: Duration,
    /// The largest message, in bytes, all fragments together.
    pub max_message_bytes: usize,
    /// The most fragments one message may have.
    pub max_fragments: usize,
    /// The most messages waiting for fragments at once.
    pub max_pending_messages: usize,
    /// How long a delivered `message_id` is remembered, so a re-sent message is not handed
    /// out twice.
    pub recent_ttl: Duration,
    /// The most delivered `message_id`s remembered.
    pub recent_capacity: usize,
}

impl Default for ConnectionLimits {
    /// Fragments within 10 s, messages up to 4 MiB in at most 256 fragments, 64 messages
    /// waiting at once; 4,096 message ids remembered for 10 minutes.
    fn default() -> Self {
        Self {
            fragment_ttl: Duration::from_secs(10),
            max_message_bytes: 4 * 1024 * 1024,
            max_fragments: 256,
            max_pending_messages: 64,
            recent_ttl: Duration::from_secs(10 * 60),
            recent_capacity: 4096,
        }
    }
}

/// What a data frame carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MessageKind {
    /// An event or a `card.action.trigger` callback (`type: event`).
    Event,
    /// A card callback (`type: card`).
    Card,
}

/// A complete message to hand to the dispatcher
/// ([`Dispatcher::dispatch_frame_payload`](crate::event::Dispatcher::dispatch_frame_payload)),
/// then to ack with [`Connection::ack`] within 3 seconds.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Delivery {
    /// Event or card.
    pub kind: MessageKind,
    /// The `message_id` header.
    pub message_id: String,
    /// The whole payload (the fragments joined): event JSON, as an HTTP callback's body.
    pub payload: Vec<u8>,
    /// The frame to ack (the last fragment's, without its payload); its headers carry the
    /// `trace_id`.
    pub frame: Frame,
}

/// What the connection asks its driver to do.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Output {
    /// Send these bytes as one binary WebSocket message (a ping, or a repeated ack).
    Send(Vec<u8>),
    /// Hand a message to the dispatcher.
    Deliver(Delivery),
    /// A pong changed the settings; use its [`ClientConfig::reconnect_policy`] from now on.
    ClientConfig(ClientConfig),
    /// A fragmented message did not complete in time and was dropped (the platform
    /// re-delivers it, since it was not acked).
    FragmentsExpired {
        /// The `message_id` header.
        message_id: String,
    },
    /// Nothing arrived for about 2.5 ping intervals: the connection is dead though no close
    /// frame said so. Close the socket and reconnect; this connection does nothing more.
    LivenessLost {
        /// How long nothing arrived.
        silent_for: Duration,
    },
}

/// How a message was handled, for its ack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AckStatus {
    /// Handled (or a duplicate already handled): code 200.
    Handled,
    /// The handler failed: code 500, and the platform re-delivers.
    Failed,
}

impl AckStatus {
    /// The code in the ack's payload.
    pub fn code(self) -> u16 {
        match self {
            AckStatus::Handled => 200,
            AckStatus::Failed => 500,
        }
    }
}

/// An open long connection, without the socket: the driver feeds it every binary message it
/// receives ([`Connection::handle_frame`]) and wakes it at [`Connection::poll_timeout`]
/// ([`Connection::handle_timeout`]); it answers with [`Output`]s. It reads no clock: every
/// time is Unix milliseconds (or any other fixed origin, used consistently) passed in.
///
/// It pings right away and then every ping interval, takes a pong's ClientConfig, joins
/// fragments, hands each message out once, and reports [`Output::LivenessLost`] when the
/// server goes silent.
///
/// ```
/// use lark_core::ws::{ClientConfig, Connection, Output};
/// let mut connection = Connection::new(33, ClientConfig::default(), 0);
/// assert_eq!(connection.poll_timeout(), Some(0));
/// let outputs = connection.handle_timeout(0);
/// assert!(matches!(&outputs[..], [Output::Send(_)])); // the first ping
/// assert_eq!(connection.poll_timeout(), Some(120_000));
/// ```
#[derive(Debug)]
pub struct Connection {
    service_id: i32,
    config: ClientConfig,
    limits: ConnectionLimits,
    next_ping_at: u64,
    last_ping_at: Option<u64>,
    last_heard_at: u64,
    alive: bool,
    reassembly: Reassembly,
    recent: Recent,
}

impl Connection {
    /// A connection opened at `now_millis` for `service_id` (the URL's `service_id`).
    pub fn new(service_id: i32, config: ClientConfig, now_millis: u64) -> Self {
        Self {
            service_id,
            config,
            limits: ConnectionLimits::default(),
            next_ping_at: now_millis,
            last_ping_at: None,
            last_heard_at: now_millis,
            alive: true,
            reassembly: Reassembly::default(),
            recent: Recent::default(),
        }
    }

    /// A connection to the URL of `answer`, opened at `now_millis`.
    pub fn from_answer(answer: &EndpointAnswer, now_millis: u64) -> Self {
        Self::new(answer.service_id, answer.client_config, now_millis)
    }

    /// Replaces the memory bounds.
    #[must_use]
    pub fn with_limits(mut self, limits: ConnectionLimits) -> Self {
        self.limits = limits;
        self
    }

    /// The current settings (the endpoint's, then each pong's).
    pub fn client_config(&self) -> ClientConfig {
        self.config
    }

    /// The service id every frame carries.
    pub fn service_id(&self) -> i32 {
        self.service_id
    }

    /// Whether the connection is still considered open (liveness not lost).
    pub fn is_alive(&self) -> bool {
        self.alive
    }

    fn ping_millis(&self) -> u64 {
        u64::try_from(self.config.ping_interval().as_millis()).unwrap_or(u64::MAX)
    }

    fn liveness_deadline(&self) -> u64 {
        self.last_heard_at
            .saturating_add(self.ping_millis().saturating_mul(5) / 2)
    }

    /// Handles one binary WebSocket message received at `now_millis`.
    ///
    /// An `Err` means this frame was dropped (garbage, a bad fragment, an unreadable
    /// ClientConfig); the connection stays usable. Never panics, whatever the bytes.
    pub fn handle_frame(&mut self, bytes: &[u8], now_millis: u64) -> Result<Vec<Output>, WsError> {
        if !self.alive {
            return Ok(Vec::new());
        }
        // Any bytes at all show that the server is there.
        self.last_heard_at = self.last_heard_at.max(now_millis);
        let mut frame = Frame::decode_bytes(bytes)?;
        match frame.method {
            METHOD_CONTROL => self.handle_control(&frame),
            METHOD_DATA => {
                let kind = match frame.header(header::TYPE) {
                    Some("event") => MessageKind::Event,
                    Some("card") => MessageKind::Card,
                    _ => return Ok(Vec::new()),
                };
                let message_id = frame
                    .header(header::MESSAGE_ID)
                    .ok_or_else(|| WsError::Frame("a data frame without message_id".to_owned()))?
                    .to_owned();
                let number = |key: &str, default: usize| -> Result<usize, WsError> {
                    match frame.header(key) {
                        None => Ok(default),
                        Some(v) => v.trim().parse().map_err(|_| WsError::Fragment {
                            message_id: message_id.clone(),
                            reason: format!("the {key} header {v:?} is not a number"),
                        }),
                    }
                };
                let sum = number(header::SUM, 1)?;
                let seq = number(header::SEQ, 0)?;
                // An empty message is no event; handing it out would shadow the real one.
                let payload = frame
                    .payload
                    .take()
                    .filter(|p| !p.is_empty())
                    .ok_or_else(|| {
                        WsError::Frame(format!("data frame {message_id} has no payload"))
                    })?;
                let Some(payload) = self.reassembly.push(
                    &message_id,
                    sum,
                    seq,
                    payload,
                    now_millis,
                    &self.limits,
                )?
                else {
                    return Ok(Vec::new());
                };
                Ok(self.deliver(kind, message_id, payload, frame, now_millis))
            }
            _ => Ok(Vec::new()),
        }
    }

    fn handle_control(&mut self, frame: &Frame) -> Result<Vec<Output>, WsError> {
        if frame.header(header::TYPE) != Some("pong") {
            return Ok(Vec::new());
        }
        let Some(payload) = frame.payload.as_deref().filter(|p| !p.is_empty()) else {
            return Ok(Vec::new());
        };
        let update: ClientConfigUpdate =
            serde_json::from_slice(payload).map_err(|e| WsError::ClientConfig(e.to_string()))?;
        let before = self.config;
        self.config.update(&update);
        if self.config == before {
            return Ok(Vec::new());
        }
        if self.config.ping_interval != before.ping_interval {
            if let Some(last) = self.last_ping_at {
                self.next_ping_at = last.saturating_add(self.ping_millis());
            }
        }
        Ok(vec![Output::ClientConfig(self.config)])
    }

    fn deliver(
        &mut self,
        kind: MessageKind,
        message_id: String,
        payload: Vec<u8>,
        frame: Frame,
        now_millis: u64,
    ) -> Vec<Output> {
        match self.recent.get(&message_id) {
            Some(Seen::InFlight) => Vec::new(),
            Some(Seen::Acked(ack)) => vec![Output::Send(ack.clone())],
            None => {
                let ttl = u64::try_from(self.limits.recent_ttl.as_millis()).unwrap_or(u64::MAX);
                self.recent.insert(
                    message_id.clone(),
                    now_millis,
                    ttl,
                    self.limits.recent_capacity,
                );
                vec![Output::Deliver(Delivery {
                    kind,
                    message_id,
                    payload,
                    frame,
                })]
            }
        }
    }

    /// When to call [`Connection::handle_timeout`] next (Unix milliseconds), or `None` once
    /// liveness is lost.
    pub fn poll_timeout(&self) -> Option<u64> {
        if !self.alive {
            return None;
        }
        let mut at = self.next_ping_at.min(self.liveness_deadline());
        if let Some(expiry) = self.reassembly.next_expiry() {
            at = at.min(expiry);
        }
        Some(at)
    }

    /// Does what is due at `now_millis`: reports lost liveness, drops expired fragments,
    /// sends the ping.
    pub fn handle_timeout(&mut self, now_millis: u64) -> Vec<Output> {
        if !self.alive {
            return Vec::new();
        }
        if now_millis >= self.liveness_deadline() {
            self.alive = false;
            return vec![Output::LivenessLost {
                silent_for: Duration::from_millis(now_millis.saturating_sub(self.last_heard_at)),
            }];
        }
        let mut outputs: Vec<Output> = self
            .reassembly
            .expire(now_millis)
            .into_iter()
            .map(|message_id| Output::FragmentsExpired { message_id })
            .collect();
        if now_millis >= self.next_ping_at {
            outputs.push(Output::Send(Frame::ping(self.service_id).encode_bytes()));
            self.last_ping_at = Some(now_millis);
            self.next_ping_at = now_millis.saturating_add(self.ping_millis());
        }
        outputs
    }

    /// The ack of a delivered message: its frame echoed with the `biz_rt` header
    /// (`handler_millis`) and the payload `{"code": 200|500, "headers": {}, "data":
    /// base64(reply JSON)}`. Send it as one binary message within 3 s of the delivery.
    ///
    /// A failed message is forgotten, so the platform's re-delivery is handed out again; a
    /// handled one is remembered with this ack, which answers a re-delivery at once.
    pub fn ack(
        &mut self,
        frame: &Frame,
        status: AckStatus,
        reply: Option<&Value>,
        handler_millis: u64,
    ) -> Vec<u8> {
        let mut body = serde_json::Map::new();
        body.insert("code".to_owned(), status.code().into());
        body.insert("headers".to_owned(), Value::Object(serde_json::Map::new()));
        if let Some(reply) = reply {
            let json = serde_json::to_vec(reply).unwrap_or_else(|_| b"{}".to_vec());
            let data = base64::engine::general_purpose::STANDARD.encode(json);
            body.insert("data".to_owned(), Value::String(data));
        }
        let mut ack = frame.clone();
        ack.set_header(header::BIZ_RT, handler_millis.to_string());
        ack.payload = Some(serde_json::to_vec(&Value::Object(body)).unwrap_or_default());
        let bytes = ack.encode_bytes();
        if let Some(message_id) = frame.header(header::MESSAGE_ID) {
            match status {
                AckStatus::Failed => self.recent.remove(message_id),
                AckStatus::Handled => self.recent.acked(message_id, &bytes),
            }
        }
        bytes
    }

    /// [`Connection::ack`] for the result of
    /// [`Dispatcher::dispatch_frame_payload`](crate::event::Dispatcher::dispatch_frame_payload):
    /// a reply goes in the data, a duplicate is acked as handled, any other error as failed.
    pub fn ack_dispatched(
        &mut self,
        frame: &Frame,
        result: &Result<Option<Value>, EventError>,
        handler_millis: u64,
    ) -> Vec<u8> {
        match result {
            Ok(reply) => self.ack(frame, AckStatus::Handled, reply.as_ref(), handler_millis),
            Err(EventError::Duplicate(_)) => {
                self.ack(frame, AckStatus::Handled, None, handler_millis)
            }
            Err(_) => self.ack(frame, AckStatus::Failed, None, handler_millis),
        }
    }
}

/// What is known of a delivered message id.
#[derive(Debug)]
enum Seen {
    /// Handed out, not acked yet.
    InFlight,
    /// Acked with these bytes.
    Acked(Vec<u8>),
}

/// Delivered message ids, bounded in number and time.
#[derive(Debug, Default)]
struct Recent {
    seen: HashMap<String, (u64, Seen)>,
    /// Ids in delivery order with their time; an entry whose time differs from the map's was
    /// removed and delivered again, and is skipped.
    order: VecDeque<(String, u64)>,
    ttl_millis: u64,
}

impl Recent {
    fn get(&self, id: &str) -> Option<&Seen> {
        self.seen.get(id).map(|(_, seen)| seen)
    }

    fn insert(&mut self, id: String, now_millis: u64, ttl_millis: u64, capacity: usize) {
        self.ttl_millis = ttl_millis;
        while let Some((old, at)) = self.order.front() {
            let live = self.seen.get(old).is_some_and(|(t, _)| t == at);
            let expired = at.saturating_add(self.ttl_millis) <= now_millis;
            if live && !expired && self.seen.len() < capacity.max(1) {
                break;
            }
            if live {
                self.seen.remove(old);
            }
            self.order.pop_front();
        }
        self.seen.insert(id.clone(), (now_millis, Seen::InFlight));
        self.order.push_back((id, now_millis));
    }

    fn acked(&mut self, id: &str, ack: &[u8]) {
        if let Some((_, seen)) = self.seen.get_mut(id) {
            *seen = Seen::Acked(ack.to_vec());
        }
    }

    fn remove(&mut self, id: &str) {
        self.seen.remove(id);
    }
}
