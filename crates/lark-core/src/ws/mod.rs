//! The long connection (WebSocket) protocol, sans-IO: events without a public URL.
//!
//! The platform pushes events and card callbacks over a WebSocket the app opens itself, so a
//! bot behind NAT hears them. This module is the protocol without the socket, like quinn-proto:
//! it reads no clock, draws no random numbers and opens nothing; a driver (native or browser)
//! does the IO and feeds it bytes and the time.
//!
//! 1. [`EndpointRequest`] builds `POST /callback/ws/endpoint`; [`EndpointAnswer::parse`]
//!    reads the URL, `device_id`, `service_id` and [`ClientConfig`] from the answer, and tells
//!    fatal codes from retryable ones ([`WsError::is_fatal`]).
//! 2. The driver opens the WebSocket; a refused handshake becomes a [`WsError`] through
//!    [`handshake_error`].
//! 3. A [`Connection`] takes each binary message ([`Connection::handle_frame`]) and the
//!    wake-ups it asks for ([`Connection::poll_timeout`], [`Connection::handle_timeout`]), and
//!    answers with [`Output`]s: bytes to send (pings), complete messages to deliver,
//!    new settings, lost liveness.
//! 4. A delivered payload goes to the same [`Dispatcher`](crate::event::Dispatcher) as HTTP
//!    callbacks, through
//!    [`dispatch_frame_payload`](crate::event::Dispatcher::dispatch_frame_payload); its result
//!    becomes the ack ([`Connection::ack_dispatched`]), sent within 3 s.
//! 5. When the connection ends, [`ReconnectPolicy::delay_before`] says how long to wait
//!    before each attempt, from a random value the driver draws.

mod config;
mod connection;
mod endpoint;
mod error;
mod frame;
mod handshake;
mod reassembly;

pub use config::{ClientConfig, ReconnectPolicy};
pub use connection::{AckStatus, Connection, ConnectionLimits, Delivery, MessageKind, Output};
pub use endpoint::{CODE_BUSY, CODE_INTERNAL, ENDPOINT_PATH, EndpointAnswer, EndpointRequest};
pub use error::WsError;
pub use frame::{Frame, Header, METHOD_CONTROL, METHOD_DATA, header};
pub use handshake::{
    AUTH_EXCEEDED_CONNECTION_LIMIT, HEADER_HANDSHAKE_AUTH_ERRCODE, HEADER_HANDSHAKE_MSG,
    HEADER_HANDSHAKE_STATUS, STATUS_AUTH_FAILED, STATUS_FORBIDDEN, handshake_error,
};
