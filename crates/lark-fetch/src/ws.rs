//! The long connection on wasm32: the platform's `WebSocket` (browsers, extensions, Node 22+)
//! around the sans-IO [`lark_core::ws::Connection`], on one task.
//!
//! [`WsClient`] asks `/callback/ws/endpoint` where to connect (with `fetch`), opens the
//! `WebSocket`, feeds the core every frame and wake-up, runs each delivered event through the
//! [`Dispatcher`] concurrently with the others (all on the page's one thread: a handler that
//! awaits holds up nobody) and sends each ack as its handler finishes. A connection that closes,
//! fails or goes silent is reopened as the platform's `ClientConfig` says, with jitter from
//! `crypto.getRandomValues`; a fatal endpoint code (a wrong secret) ends the run with an error.
//!
//! A browser does not show a refused handshake's headers to the page, so a refusal that the
//! native driver knows is fatal (403, 514: too many connections) looks like a network error here
//! and is retried under the reconnect policy; a bounded `ReconnectCount` (or
//! [`WsClient::reconnect_policy`]) ends it. Cloudflare Workers keep HTTP callbacks: a Worker
//! cannot hold a connection open between requests.
//!
//! ```ignore
//! let dispatcher = lark_core::event::Dispatcher::new()
//!     .on_raw("im.message.receive_v1", |event| async move { Ok(()) });
//! lark_fetch::ws::WsClient::new(config, dispatcher)
//!     .run_until(stop_signal)
//!     .await?;
//! ```

use std::future::Future;
use std::rc::Rc;
use std::time::Duration;

use futures_channel::mpsc;
use futures_util::future::FutureExt as _;
use futures_util::stream::{FuturesUnordered, StreamExt as _};
use lark_core::event::{Dispatcher, EventError};
use lark_core::ws::{
    ClientConfig, Connection, EndpointAnswer, EndpointRequest, Frame, Output, ReconnectPolicy,
    WsError,
};
use lark_core::{Config, HttpClient, Runtime};
use serde_json::Value;
use wasm_bindgen::JsCast as _;
use wasm_bindgen::prelude::*;

use crate::{FetchClient, FetchRuntime};

/// How long the endpoint request and the opening of the socket may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
/// How long a graceful stop waits for running handlers' acks (the platform waits 3 s).
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

#[wasm_bindgen]
extern "C" {
    /// The platform's `WebSocket`.
    type WebSocket;
    #[wasm_bindgen(constructor, catch)]
    fn new(url: &str) -> Result<WebSocket, JsValue>;
    #[wasm_bindgen(method, setter = binaryType)]
    fn set_binary_type(this: &WebSocket, value: &str);
    #[wasm_bindgen(method, catch)]
    fn send(this: &WebSocket, data: &[u8]) -> Result<(), JsValue>;
    #[wasm_bindgen(method, catch)]
    fn close(this: &WebSocket) -> Result<(), JsValue>;
    #[wasm_bindgen(method, setter = onopen)]
    fn set_onopen(this: &WebSocket, handler: Option<&js_sys::Function>);
    #[wasm_bindgen(method, setter = onmessage)]
    fn set_onmessage(this: &WebSocket, handler: Option<&js_sys::Function>);
    #[wasm_bindgen(method, setter = onclose)]
    fn set_onclose(this: &WebSocket, handler: Option<&js_sys::Function>);
    #[wasm_bindgen(method, setter = onerror)]
    fn set_onerror(this: &WebSocket, handler: Option<&js_sys::Function>);

    type MessageEvent;
    #[wasm_bindgen(method, getter)]
    fn data(this: &MessageEvent) -> JsValue;

    type CloseEvent;
    #[wasm_bindgen(method, getter)]
    fn code(this: &CloseEvent) -> u16;
}

/// What the socket's callbacks report.
#[derive(Debug)]
enum SocketEvent {
    Open,
    Binary(Vec<u8>),
    Closed(String),
}

/// An open `WebSocket` with its callbacks; dropping it detaches them and closes the socket.
struct Socket {
    socket: WebSocket,
    _callbacks: Vec<Closure<dyn FnMut(JsValue)>>,
}

impl Socket {
    fn open(url: &str) -> Result<(Self, mpsc::UnboundedReceiver<SocketEvent>), String> {
        let socket = WebSocket::new(url).map_err(|e| js_text(&e))?;
        socket.set_binary_type("arraybuffer");
        let (tx, rx) = mpsc::unbounded();
        let on = |map: fn(JsValue) -> Option<SocketEvent>| {
            let tx = tx.clone();
            Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
                if let Some(event) = map(event) {
                    let _ = tx.unbounded_send(event);
                }
            })
        };
        let open = on(|_| Some(SocketEvent::Open));
        let message = on(|event| {
            let data = event.unchecked_into::<MessageEvent>().data();
            // Text frames are not part of the protocol: dropped.
            data.dyn_into::<js_sys::ArrayBuffer>()
                .ok()
                .map(|buffer| SocketEvent::Binary(js_sys::Uint8Array::new(&buffer).to_vec()))
        });
        let close = on(|event| {
            let code = event.unchecked_into::<CloseEvent>().code();
            Some(SocketEvent::Closed(format!(
                "the connection closed (code {code})"
            )))
        });
        let error = on(|_| Some(SocketEvent::Closed("the connection failed".to_owned())));
        socket.set_onopen(Some(open.as_ref().unchecked_ref()));
        socket.set_onmessage(Some(message.as_ref().unchecked_ref()));
        socket.set_onclose(Some(close.as_ref().unchecked_ref()));
        socket.set_onerror(Some(error.as_ref().unchecked_ref()));
        Ok((
            Self {
                socket,
                _callbacks: vec![open, message, close, error],
            },
            rx,
        ))
    }

    fn send(&self, bytes: &[u8]) -> Result<(), String> {
        self.socket.send(bytes).map_err(|e| js_text(&e))
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.socket.set_onopen(None);
        self.socket.set_onmessage(None);
        self.socket.set_onclose(None);
        self.socket.set_onerror(None);
        let _ = self.socket.close();
    }
}

fn js_text(value: &JsValue) -> String {
    match value.dyn_ref::<js_sys::Error>() {
        Some(error) => String::from(error.message()),
        None => value
            .as_string()
            .unwrap_or_else(|| "an error without a message".to_owned()),
    }
}

/// Why [`WsClient::run_until`] stopped without being told to.
#[derive(Debug)]
#[non_exhaustive]
pub enum WsClientError {
    /// Retrying cannot help: a fatal endpoint code (a wrong secret, an app without the long
    /// connection).
    Fatal(WsError),
    /// The platform has no `WebSocket` (Node before 22 without `--experimental-websocket`).
    NoWebSocket,
    /// The reconnect policy's attempts all failed.
    ReconnectsExhausted {
        /// How many reconnects were tried.
        attempts: u32,
        /// Why the last one failed.
        last_error: String,
    },
}

impl std::fmt::Display for WsClientError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WsClientError::Fatal(error) => {
                write!(f, "the long connection cannot be opened: {error}")
            }
            WsClientError::NoWebSocket => f.write_str(
                "this platform has no WebSocket (Node 20 needs --experimental-websocket)",
            ),
            WsClientError::ReconnectsExhausted {
                attempts,
                last_error,
            } => write!(
                f,
                "the long connection was lost and {attempts} reconnects failed; the last: {last_error}"
            ),
        }
    }
}

impl std::error::Error for WsClientError {}

/// The long-connection client: receives events for `dispatcher` until stopped.
pub struct WsClient {
    config: Config,
    dispatcher: Rc<Dispatcher>,
    http: FetchClient,
    policy: Option<ReconnectPolicy>,
}

impl std::fmt::Debug for WsClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The config's Debug masks the secret.
        f.debug_struct("WsClient")
            .field("config", &self.config)
            .field("policy", &self.policy)
            .finish_non_exhaustive()
    }
}

/// How one connection ended.
enum Ended {
    Shutdown,
    Lost(String),
}

/// A handler that finished: its frame and result, for the ack.
struct Finished {
    frame: Frame,
    result: Result<Option<Value>, EventError>,
    handler_millis: u64,
}

/// The stop signal, fused and pinned so every `select!` can poll it.
trait Stop: futures_util::future::FusedFuture<Output = ()> + Unpin {}

impl<T: futures_util::future::FusedFuture<Output = ()> + Unpin> Stop for T {}

impl WsClient {
    /// A client for the app in `config` (its `base_url` or domain decides where the endpoint
    /// is asked), delivering to `dispatcher`.
    pub fn new(config: Config, dispatcher: Dispatcher) -> Self {
        Self {
            config,
            dispatcher: Rc::new(dispatcher),
            http: FetchClient::new(),
            policy: None,
        }
    }

    /// A client delivering to a dispatcher that also serves HTTP callbacks (the npm package's
    /// `EventDispatcher`): both share its handlers and its de-duplication.
    pub fn shared(config: Config, dispatcher: Rc<Dispatcher>) -> Self {
        Self {
            config,
            dispatcher,
            http: FetchClient::new(),
            policy: None,
        }
    }

    /// Reconnects under `policy` instead of the platform's `ClientConfig`.
    #[must_use]
    pub fn reconnect_policy(mut self, policy: ReconnectPolicy) -> Self {
        self.policy = Some(policy);
        self
    }

    /// Runs until a fatal error, forever otherwise.
    pub async fn start(self) -> Result<(), WsClientError> {
        self.run_until(std::future::pending()).await
    }

    /// Runs until `stop` completes, then stops reading, waits up to 3 s for running handlers'
    /// acks and closes the connection. Ends with an error at once on a fatal endpoint code, and
    /// when the reconnect attempts are used up.
    pub async fn run_until(self, stop: impl Future<Output = ()>) -> Result<(), WsClientError> {
        let global = js_sys::global();
        if !js_sys::Reflect::has(&global, &JsValue::from_str("WebSocket")).unwrap_or(false) {
            return Err(WsClientError::NoWebSocket);
        }
        let mut stop = Box::pin(stop).fuse();
        let mut config = ClientConfig::default();
        let mut attempt: u32 = 0;
        loop {
            let last_error = match self.connect(&mut stop).await {
                Ok(None) => return Ok(()),
                Ok(Some((answer, socket, events))) => {
                    attempt = 0;
                    config = answer.client_config;
                    match self
                        .serve(&answer, socket, events, &mut stop, &mut config)
                        .await
                    {
                        Ended::Shutdown => return Ok(()),
                        Ended::Lost(reason) => reason,
                    }
                }
                Err(Attempt::Protocol(error)) if error.is_fatal() => {
                    return Err(WsClientError::Fatal(error));
                }
                Err(Attempt::Protocol(error)) => error.to_string(),
                Err(Attempt::Network(reason)) => reason,
            };
            let policy = self.policy.unwrap_or_else(|| config.reconnect_policy());
            let Some(delay) = policy.delay_before(attempt, random()) else {
                return Err(WsClientError::ReconnectsExhausted {
                    attempts: attempt,
                    last_error,
                });
            };
            attempt = attempt.saturating_add(1);
            let mut wait = FetchRuntime.sleep(delay).fuse();
            futures_util::select_biased! {
                () = stop => return Ok(()),
                () = wait => {}
            }
        }
    }

    /// Asks the endpoint for a URL and opens the socket; `None` when stopped meanwhile.
    async fn connect(
        &self,
        mut stop: &mut impl Stop,
    ) -> Result<Option<(EndpointAnswer, Socket, mpsc::UnboundedReceiver<SocketEvent>)>, Attempt>
    {
        let attempt = async {
            let request = EndpointRequest::from_config(&self.config)
                .build()
                .map_err(Attempt::Protocol)?;
            let response = self
                .http
                .execute(request)
                .await
                .map_err(|e| Attempt::Network(format!("the endpoint request failed: {e}")))?;
            let answer = EndpointAnswer::parse(&response).map_err(Attempt::Protocol)?;
            let (socket, mut events) = Socket::open(answer.url.as_str())
                .map_err(|e| Attempt::Network(format!("the WebSocket could not be made: {e}")))?;
            match events.next().await {
                Some(SocketEvent::Open) => Ok((answer, socket, events)),
                Some(SocketEvent::Closed(reason)) => Err(Attempt::Network(format!(
                    "the WebSocket did not open: {reason}"
                ))),
                Some(SocketEvent::Binary(_)) | None => {
                    Err(Attempt::Network("the WebSocket did not open".to_owned()))
                }
            }
        };
        let mut attempt = Box::pin(attempt.fuse());
        let mut timeout = FetchRuntime.sleep(CONNECT_TIMEOUT).fuse();
        futures_util::select_biased! {
            () = stop => Ok(None),
            result = attempt => result.map(Some),
            () = timeout => {
                Err(Attempt::Network("opening the long connection timed out".to_owned()))
            }
        }
    }

    /// Runs one open connection until it is lost or stopped.
    async fn serve(
        &self,
        answer: &EndpointAnswer,
        socket: Socket,
        mut events: mpsc::UnboundedReceiver<SocketEvent>,
        mut stop: &mut impl Stop,
        config: &mut ClientConfig,
    ) -> Ended {
        let mut connection = Connection::from_answer(answer, FetchRuntime.now_millis());
        let mut handlers = FuturesUnordered::new();
        loop {
            let now = FetchRuntime.now_millis();
            let wake = connection
                .poll_timeout()
                .map_or(Duration::from_secs(3600), |at| {
                    Duration::from_millis(at.saturating_sub(now))
                });
            let mut wake = FetchRuntime.sleep(wake).fuse();
            let mut next_event = events.next();
            let outputs = futures_util::select_biased! {
                () = stop => {
                    shut_down(&mut connection, &socket, &mut handlers).await;
                    return Ended::Shutdown;
                }
                finished = handlers.select_next_some() => {
                    let finished: Finished = finished;
                    vec![Output::Send(connection.ack_dispatched(
                        &finished.frame,
                        &finished.result,
                        finished.handler_millis,
                    ))]
                }
                event = next_event => match event {
                    Some(SocketEvent::Binary(bytes)) => connection
                        .handle_frame(&bytes, FetchRuntime.now_millis())
                        .unwrap_or_default(),
                    Some(SocketEvent::Open) => Vec::new(),
                    Some(SocketEvent::Closed(reason)) => return Ended::Lost(reason),
                    None => return Ended::Lost("the connection went away".to_owned()),
                },
                () = wake => connection.handle_timeout(FetchRuntime.now_millis()),
            };
            for output in outputs {
                match output {
                    Output::Send(bytes) => {
                        if let Err(error) = socket.send(&bytes) {
                            return Ended::Lost(format!("sending failed: {error}"));
                        }
                    }
                    Output::Deliver(delivery) => {
                        let dispatcher = Rc::clone(&self.dispatcher);
                        handlers.push(async move {
                            let started = FetchRuntime.now_millis();
                            let result = dispatcher
                                .dispatch_frame_payload(&delivery.payload, started)
                                .await;
                            Finished {
                                frame: delivery.frame,
                                result,
                                handler_millis: FetchRuntime.now_millis().saturating_sub(started),
                            }
                        });
                    }
                    Output::ClientConfig(new) => *config = new,
                    Output::LivenessLost { silent_for } => {
                        // As u64: formatting a u128 links its own Display.
                        let millis = u64::try_from(silent_for.as_millis()).unwrap_or(u64::MAX);
                        return Ended::Lost(format!("nothing heard for {millis} ms"));
                    }
                    _ => {}
                }
            }
        }
    }
}

/// Acks what finishes within the grace period; the socket closes when it is dropped.
async fn shut_down<F: Future<Output = Finished>>(
    connection: &mut Connection,
    socket: &Socket,
    handlers: &mut FuturesUnordered<F>,
) {
    let deadline = FetchRuntime.now_millis() + SHUTDOWN_GRACE.as_millis() as u64;
    while !handlers.is_empty() {
        let left = deadline.saturating_sub(FetchRuntime.now_millis());
        let mut grace = FetchRuntime.sleep(Duration::from_millis(left)).fuse();
        let finished = futures_util::select_biased! {
            finished = handlers.select_next_some() => finished,
            () = grace => return,
        };
        let ack =
            connection.ack_dispatched(&finished.frame, &finished.result, finished.handler_millis);
        if socket.send(&ack).is_err() {
            return;
        }
    }
}

/// Why one connection attempt failed.
enum Attempt {
    Protocol(WsError),
    Network(String),
}

/// Jitter from `crypto.getRandomValues`; none (the full wait) when it is missing.
fn random() -> u64 {
    let mut bytes = [0; 8];
    match FetchRuntime.fill_random(&mut bytes) {
        Ok(()) => u64::from_le_bytes(bytes),
        Err(_) => 0,
    }
}
