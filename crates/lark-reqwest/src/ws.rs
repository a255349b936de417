//! The native long-connection driver: tokio and tokio-tungstenite (rustls) around the sans-IO
//! [`lark_core::ws::Connection`].
//!
//! [`WsClient`] asks `/callback/ws/endpoint` where to connect, opens the WebSocket, feeds the
//! core every frame and wake-up, runs each delivered event through the [`Dispatcher`] in a task
//! of its own (so a slow handler holds up nobody) and sends each ack as its handler finishes.
//! When the connection ends or goes silent it reconnects as the platform's ClientConfig says
//! (with jitter from the [`Runtime`]'s randomness); a fatal endpoint code or handshake refusal
//! ends it with an error instead. It logs through `tracing`, never the app secret or the
//! connection URL's ticket.
//!
//! ```no_run
//! # async fn run() -> Result<(), lark_reqwest::ws::WsClientError> {
//! use lark_core::event::{Dispatcher, Event};
//! use lark_reqwest::ws::WsClient;
//!
//! let dispatcher = Dispatcher::new().on_raw("im.message.receive_v1", |event: Event| async move {
//!     println!("{}", event.payload["message"]["content"]);
//!     Ok(())
//! });
//! WsClient::new(lark_core::Config::new("cli_xxx", "secret"), dispatcher)
//!     .run_until(async { tokio::signal::ctrl_c().await.ok(); })
//!     .await
//! # }
//! ```

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt as _, StreamExt as _};
use lark_core::event::{Dispatcher, EventError};
use lark_core::ws::{
    ClientConfig, Connection, Delivery, EndpointAnswer, EndpointRequest, Frame, Output,
    ReconnectPolicy, WsError, handshake_error,
};
use lark_core::{Client, Config, HttpClient, Runtime};
use serde_json::Value;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::{self, Message};

use crate::{ReqwestClient, SystemRuntime};

/// How long the endpoint request and the WebSocket handshake may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
/// How long a graceful shutdown waits for running handlers' acks (the platform waits 3 s).
const SHUTDOWN_GRACE: Duration = Duration::from_secs(3);

/// Why [`WsClient::run_until`] stopped without being told to.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WsClientError {
    /// Retrying cannot help: a fatal endpoint code (a wrong secret, an app without the long
    /// connection) or a fatal handshake refusal (403, 514 with 1000040350: too many
    /// connections).
    #[error("the long connection cannot be opened: {0}")]
    Fatal(WsError),
    /// The ClientConfig's `ReconnectCount` attempts all failed.
    #[error(
        "the long connection gave up after {attempts} reconnect attempts; the last error: {last_error}"
    )]
    ReconnectsExhausted {
        /// How many attempts were made.
        attempts: u32,
        /// Why the last one failed.
        last_error: String,
    },
}

/// The native long-connection client. See the [module docs](self).
///
/// `Debug` shows no secret.
pub struct WsClient {
    config: Config,
    http: ReqwestClient,
    runtime: Arc<dyn Runtime>,
    dispatcher: Arc<Dispatcher>,
    policy: Option<ReconnectPolicy>,
    /// A keyless app's assertion provider: the endpoint request carries a fresh assertion
    /// instead of the secret.
    assertion: Option<Arc<dyn lark_core::oauth::ClientAssertionProvider>>,
}

impl std::fmt::Debug for WsClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WsClient")
            .field("config", &self.config)
            .field("dispatcher", &self.dispatcher)
            .field("policy", &self.policy)
            .field("client_assertion", &self.assertion.is_some())
            .finish_non_exhaustive()
    }
}

/// `client.ws(dispatcher)`: the long connection of a [`Client`]'s app.
pub trait ClientWsExt {
    /// A [`WsClient`] with this client's configuration and HTTP backend.
    fn ws(&self, dispatcher: Dispatcher) -> WsClient;
}

impl ClientWsExt for Client<ReqwestClient> {
    fn ws(&self, dispatcher: Dispatcher) -> WsClient {
        let ws = WsClient::new(self.config().clone(), dispatcher).http(self.http().clone());
        match self.client_assertion_provider() {
            Some(provider) => ws.client_assertion(provider),
            None => ws,
        }
    }
}

/// How one connection ended.
enum Ended {
    /// The shutdown signal fired.
    Shutdown,
    /// The connection was lost (closed, cut, silent); reconnect.
    Lost(String),
}

/// Why one connection attempt failed.
enum AttemptError {
    /// The platform said no (an endpoint code, a handshake refusal), or answered nonsense.
    Protocol(WsError),
    /// The network failed (no connection, a timeout, a TLS error): retry.
    Network(String),
}

impl std::fmt::Display for AttemptError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AttemptError::Protocol(e) => std::fmt::Display::fmt(e, f),
            AttemptError::Network(reason) => f.write_str(reason),
        }
    }
}

impl From<WsError> for AttemptError {
    fn from(error: WsError) -> Self {
        AttemptError::Protocol(error)
    }
}

/// `error` and its sources, joined with `: ` ("error sending request" alone hides the refused
/// connection).
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    // Bounded: error chains are short, but a cyclic one must not spin.
    for _ in 0..8 {
        let Some(e) = cause else { break };
        let part = e.to_string();
        if !part.is_empty() && !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        cause = e.source();
    }
    text
}

/// A handler's result, back from its task.
struct Finished {
    frame: Frame,
    result: Result<Option<Value>, EventError>,
    handler_millis: u64,
}

type Shutdown<'a> = Pin<&'a mut (dyn Future<Output = ()> + Send)>;

impl WsClient {
    /// A client for the app of `config` (its domain, or custom base URL, and credentials)
    /// handing events to `dispatcher`.
    pub fn new(config: Config, dispatcher: Dispatcher) -> Self {
        Self {
            config,
            http: ReqwestClient::new(),
            runtime: Arc::new(SystemRuntime),
            dispatcher: Arc::new(dispatcher),
            policy: None,
            assertion: None,
        }
    }

    /// Proves a keyless app with a client assertion from `provider` on every endpoint request,
    /// signed for the Open API host, instead of the secret. [`ClientWsExt::ws`] sets the
    /// client's own.
    #[must_use]
    pub fn client_assertion(
        mut self,
        provider: Arc<dyn lark_core::oauth::ClientAssertionProvider>,
    ) -> Self {
        self.assertion = Some(provider);
        self
    }

    /// Sends the endpoint request through `http` (proxies, a configured reqwest client).
    #[must_use]
    pub fn http(mut self, http: ReqwestClient) -> Self {
        self.http = http;
        self
    }

    /// Takes the time, the timers and the randomness (reconnect jitter) from `runtime`.
    #[must_use]
    pub fn runtime(mut self, runtime: impl Runtime + 'static) -> Self {
        self.runtime = Arc::new(runtime);
        self
    }

    /// Reconnects as `policy` says, whatever the platform's ClientConfig.
    #[must_use]
    pub fn reconnect_policy(mut self, policy: ReconnectPolicy) -> Self {
        self.policy = Some(policy);
        self
    }

    /// Runs until a fatal error, forever otherwise (reconnecting as needed).
    pub async fn start(self) -> Result<(), WsClientError> {
        self.run_until(std::future::pending()).await
    }

    /// Runs until `shutdown` completes (for example `tokio::signal::ctrl_c()`), then stops
    /// reading, waits up to 3 s for running handlers to be acked, closes the connection and
    /// returns `Ok`. Returns an `Err` at once on a fatal endpoint code or handshake refusal,
    /// and when a bounded `ReconnectCount` is used up.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send,
    ) -> Result<(), WsClientError> {
        let mut shutdown = std::pin::pin!(shutdown);
        let mut shutdown: Shutdown<'_> = shutdown.as_mut();
        let mut config = ClientConfig::default();
        let mut attempt: u32 = 0;
        loop {
            let last_error = match self.connect(&mut shutdown).await {
                Ok(None) => return Ok(()),
                Ok(Some((answer, socket))) => {
                    attempt = 0;
                    config = answer.client_config;
                    match self
                        .serve(&answer, socket, &mut shutdown, &mut config)
                        .await
                    {
                        Ended::Shutdown => return Ok(()),
                        Ended::Lost(reason) => reason,
                    }
                }
                Err(AttemptError::Protocol(error)) if error.is_fatal() => {
                    tracing::error!(%error, "long connection: fatal, not retrying");
                    return Err(WsClientError::Fatal(error));
                }
                Err(error) => error.to_string(),
            };
            let policy = self.policy.unwrap_or_else(|| config.reconnect_policy());
            let random = self.random();
            let Some(delay) = policy.delay_before(attempt, random) else {
                tracing::error!(
                    attempts = attempt,
                    "long connection: no reconnect attempts left"
                );
                return Err(WsClientError::ReconnectsExhausted {
                    attempts: attempt,
                    last_error,
                });
            };
            attempt = attempt.saturating_add(1);
            tracing::warn!(
                reason = %last_error,
                attempt,
                delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                "long connection: reconnecting"
            );
            tokio::select! {
                () = self.runtime.sleep(delay) => {}
                () = &mut shutdown => return Ok(()),
            }
        }
    }

    fn random(&self) -> u64 {
        let mut bytes = [0; 8];
        match self.runtime.fill_random(&mut bytes) {
            Ok(()) => u64::from_le_bytes(bytes),
            Err(error) => {
                tracing::warn!(%error, "long connection: no randomness for the jitter");
                0
            }
        }
    }

    /// Asks the endpoint for a URL and opens the WebSocket; `None` when shut down meanwhile.
    async fn connect(
        &self,
        shutdown: &mut Shutdown<'_>,
    ) -> Result<Option<(EndpointAnswer, Socket)>, AttemptError> {
        let attempt = async {
            let mut endpoint = EndpointRequest::from_config(&self.config);
            if let Some(provider) = &self.assertion {
                // A signer that cannot sign now (a KMS unreachable) is retried like the network.
                let signed = provider.assertion(endpoint.audience()).await.map_err(|e| {
                    network(&format!(
                        "the client assertion provider could not sign: {e}"
                    ))
                })?;
                endpoint = endpoint.client_assertion(signed);
            }
            let request = endpoint.build()?;
            let response = tokio::time::timeout(CONNECT_TIMEOUT, self.http.execute(request))
                .await
                .map_err(|_| network("the endpoint request timed out"))?
                .map_err(|e| {
                    network(&format!("the endpoint request failed: {}", with_causes(&e)))
                })?;
            let answer = EndpointAnswer::parse(&response)?;
            let socket = tokio::time::timeout(
                CONNECT_TIMEOUT,
                tokio_tungstenite::connect_async(answer.url.as_str()),
            )
            .await
            .map_err(|_| network("the WebSocket handshake timed out"))?
            .map_err(handshake_failed)?
            .0;
            Ok((answer, socket))
        };
        tokio::select! {
            result = attempt => result.map(Some),
            () = shutdown => Ok(None),
        }
    }

    /// Runs one open connection until it is lost or shut down.
    async fn serve(
        &self,
        answer: &EndpointAnswer,
        socket: Socket,
        shutdown: &mut Shutdown<'_>,
        config: &mut ClientConfig,
    ) -> Ended {
        tracing::info!(
            device_id = %answer.device_id,
            service_id = answer.service_id,
            ping_interval_s = answer.client_config.ping_interval,
            "long connection: open"
        );
        let (mut sink, mut stream) = socket.split();
        let mut connection = Connection::from_answer(answer, self.runtime.now_millis());
        let (done_tx, mut done_rx) = mpsc::unbounded_channel::<Finished>();
        let mut in_flight: usize = 0;
        loop {
            let now = self.runtime.now_millis();
            let wake = connection
                .poll_timeout()
                .map_or(Duration::from_secs(3600), |at| {
                    Duration::from_millis(at.saturating_sub(now))
                });
            let outputs = tokio::select! {
                () = &mut *shutdown => {
                    self.shut_down(&mut connection, &mut sink, &mut done_rx, in_flight).await;
                    return Ended::Shutdown;
                }
                message = stream.next() => match message {
                    Some(Ok(Message::Binary(bytes))) => {
                        match connection.handle_frame(&bytes, self.runtime.now_millis()) {
                            Ok(outputs) => outputs,
                            Err(error) => {
                                tracing::debug!(%error, "long connection: frame dropped");
                                Vec::new()
                            }
                        }
                    }
                    Some(Ok(Message::Close(_))) | None => {
                        return Ended::Lost("the server closed the connection".to_owned());
                    }
                    Some(Ok(_)) => Vec::new(),
                    Some(Err(error)) => return Ended::Lost(format!("the connection failed: {error}")),
                },
                () = self.runtime.sleep(wake) => connection.handle_timeout(self.runtime.now_millis()),
                Some(finished) = done_rx.recv() => {
                    in_flight = in_flight.saturating_sub(1);
                    let ack = connection.ack_dispatched(
                        &finished.frame,
                        &finished.result,
                        finished.handler_millis,
                    );
                    vec![Output::Send(ack)]
                }
            };
            for output in outputs {
                match output {
                    Output::Send(bytes) => {
                        if let Err(error) = sink.send(Message::Binary(bytes.into())).await {
                            return Ended::Lost(format!("sending failed: {error}"));
                        }
                    }
                    Output::Deliver(delivery) => {
                        in_flight += 1;
                        self.spawn_handler(delivery, done_tx.clone());
                    }
                    Output::ClientConfig(new) => {
                        tracing::info!(
                            ping_interval_s = new.ping_interval,
                            reconnect_interval_s = new.reconnect_interval,
                            reconnect_count = new.reconnect_count,
                            "long connection: new settings from the server"
                        );
                        *config = new;
                    }
                    Output::FragmentsExpired { message_id } => {
                        tracing::warn!(%message_id, "long connection: fragments expired");
                    }
                    Output::LivenessLost { silent_for } => {
                        let silent_ms = u64::try_from(silent_for.as_millis()).unwrap_or(u64::MAX);
                        tracing::warn!(silent_ms, "long connection: liveness lost");
                        return Ended::Lost(format!("nothing heard for {silent_ms} ms"));
                    }
                    _ => {}
                }
            }
        }
    }

    fn spawn_handler(&self, delivery: Delivery, done: mpsc::UnboundedSender<Finished>) {
        let dispatcher = Arc::clone(&self.dispatcher);
        let runtime = Arc::clone(&self.runtime);
        tokio::spawn(async move {
            let started = Instant::now();
            let result = dispatcher
                .dispatch_frame_payload(&delivery.payload, runtime.now_millis())
                .await;
            let handler_millis = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
            match &result {
                Err(EventError::Duplicate(id)) => {
                    tracing::debug!(event_id = %id, "long connection: duplicate event");
                }
                Err(error) => {
                    tracing::warn!(message_id = %delivery.message_id, %error, "long connection: handler failed");
                }
                Ok(_) => {}
            }
            // A closed channel means the connection is gone: the platform re-delivers.
            let _ = done.send(Finished {
                frame: delivery.frame,
                result,
                handler_millis,
            });
        });
    }

    /// Acks what finishes within the grace period, then closes the connection.
    async fn shut_down(
        &self,
        connection: &mut Connection,
        sink: &mut SocketSink,
        done: &mut mpsc::UnboundedReceiver<Finished>,
        mut in_flight: usize,
    ) {
        tracing::info!(in_flight, "long connection: shutting down");
        let deadline = tokio::time::Instant::now() + SHUTDOWN_GRACE;
        while in_flight > 0 {
            let Ok(Some(finished)) = tokio::time::timeout_at(deadline, done.recv()).await else {
                break;
            };
            in_flight -= 1;
            let ack = connection.ack_dispatched(
                &finished.frame,
                &finished.result,
                finished.handler_millis,
            );
            if sink.send(Message::Binary(ack.into())).await.is_err() {
                return;
            }
        }
        let _ = tokio::time::timeout(Duration::from_secs(1), sink.close()).await;
    }
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;
type SocketSink = futures_util::stream::SplitSink<Socket, Message>;

fn network(reason: &str) -> AttemptError {
    AttemptError::Network(reason.to_owned())
}

/// A failed handshake: a refusal with the platform's headers, or a network error.
fn handshake_failed(error: tungstenite::Error) -> AttemptError {
    AttemptError::Protocol(match error {
        tungstenite::Error::Http(response) => {
            let status = response.status();
            match handshake_error(response.headers()) {
                WsError::Handshake {
                    status: None,
                    auth_code,
                    msg,
                    retryable,
                } if msg.is_empty() => WsError::Handshake {
                    status: None,
                    auth_code,
                    msg: format!("HTTP {status}"),
                    retryable,
                },
                other => other,
            }
        }
        // The error's text holds no URL (tungstenite's URL errors name only the part that is
        // wrong), so it can be logged.
        other => {
            return network(&format!(
                "the WebSocket could not be opened: {}",
                with_causes(&other)
            ));
        }
    })
}
