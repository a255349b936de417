//! The handle of a running mock server and the fixed identities every server starts with.
//!
//! The handle's methods are spread over the modules that own what they control (the server's
//! life in lib.rs, drive files in `files`); the struct itself sits low, beside the state it
//! points to, so those modules can extend it without reaching up to the crate root.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::state::Shared;

/// A running mock server. Dropping it (or [`MockServer::shutdown`]) stops it and closes every
/// connection.
///
/// It starts with one self-built app ([`MockServer::APP_ID`] / [`MockServer::APP_SECRET`], and
/// under its former id [`MockServer::LEGACY_APP_ID`]), one
/// user ([`MockServer::USER_OPEN_ID`]), one chat ([`MockServer::CHAT_ID`]) and one set of helpdesk
/// credentials ([`MockServer::HELPDESK_ID`] / [`MockServer::HELPDESK_TOKEN`]).
#[derive(Debug)]
pub struct MockServer {
    pub(crate) addr: SocketAddr,
    pub(crate) base_url: String,
    pub(crate) shared: Arc<Shared>,
    pub(crate) stop: Option<watch::Sender<()>>,
    pub(crate) task: Option<JoinHandle<()>>,
}

impl MockServer {
    /// The id of the self-built app every mock server knows, of the platform's shape (`cli_`
    /// and 16 hex digits, which node-sdk's long-connection client insists on).
    pub const APP_ID: &'static str = crate::identity::APP_ID;
    /// Its secret (also [`MockServer::LEGACY_APP_ID`]'s).
    pub const APP_SECRET: &'static str = crate::identity::APP_SECRET;
    /// The default app id of earlier versions, still accepted with the same secret.
    pub const LEGACY_APP_ID: &'static str = crate::identity::LEGACY_APP_ID;
    /// The tenant of self-built apps.
    pub const TENANT_KEY: &'static str = crate::identity::TENANT_KEY;
    /// The chat every mock server starts with.
    pub const CHAT_ID: &'static str = crate::identity::CHAT_ID;
    /// The user every mock server starts with (user id `mock_user`, union id `on_mock_user`,
    /// email `mock_user@example.com`).
    pub const USER_OPEN_ID: &'static str = crate::identity::USER_OPEN_ID;
    /// The open id of the app's bot (`GET /open-apis/bot/v3/info`), the one people mention.
    pub const BOT_OPEN_ID: &'static str = crate::identity::BOT_OPEN_ID;
    /// The helpdesk id every mock server knows.
    pub const HELPDESK_ID: &'static str = crate::identity::HELPDESK_ID;
    /// Its token.
    pub const HELPDESK_TOKEN: &'static str = crate::identity::HELPDESK_TOKEN;
}

impl Drop for MockServer {
    fn drop(&mut self) {
        // Dropping the sender stops the accept loop, which closes the listener and every
        // connection; nothing keeps running after the handle is gone.
        self.stop.take();
        self.shared.ws.stop();
    }
}
