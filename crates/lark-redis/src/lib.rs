//! Redis stores for the Feishu/Lark SDK, for an app that runs as several instances.
//!
//! - [`RedisTokenStore`]: the tenant and app access tokens, shared, and refreshed by ONE
//!   instance at a time (a lock key taken with `SET NX PX` and a random fencing value; the
//!   others wait for the token it stores).
//! - [`RedisAppTicketStore`]: a marketplace app's `app_ticket`, pushed to one instance and read
//!   by all.
//! - [`RedisDedupStore`]: event ids (`SET NX EX`), so an event re-delivered to another instance
//!   is handled once.
//!
//! Keys start with `lark:{app_id}:` unless [`RedisOptions::key_prefix`] says otherwise. Values
//! are never logged and never in `Debug`. When Redis cannot be reached the SDK keeps working:
//! each instance fetches and keeps its own tokens (a warning is logged once per outage, through
//! `tracing`), and de-duplication fails open (the default, with that warning) or closed, as
//! [`RedisOptions::dedup_on_outage`] says.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use lark_core::{Client, Config, event::Dispatcher};
//! use lark_reqwest::{ReqwestClient, SystemRuntime};
//!
//! let config = Config::new("cli_xxx", "secret").verification_token("v-token");
//! let stores = lark_redis::RedisStores::open("redis://127.0.0.1:6379/", &config.app_id)?;
//! let client = Client::builder(config.clone(), ReqwestClient::new(), SystemRuntime)
//!     .token_store(stores.token_store())
//!     .app_ticket_store(stores.app_ticket_store())
//!     .build();
//! let dispatcher = Dispatcher::from_config(&config)
//!     .dedup_store(stores.dedup_store())
//!     .app_ticket_to(client.clone());
//! # Ok(()) }
//! ```

mod dedup;
mod link;
mod ticket;
mod token;
mod user;

use std::time::Duration;

pub use dedup::RedisDedupStore;
pub use ticket::RedisAppTicketStore;
pub use token::RedisTokenStore;
pub use user::RedisUserTokenStore;

use link::Link;

/// What the de-duplication store does while Redis cannot be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum DedupOnOutage {
    /// Handles the event, remembering its id in the process only: an event re-delivered to
    /// another instance during the outage may be handled twice. A warning is logged.
    #[default]
    FailOpen,
    /// Does not handle the event: the dispatcher answers 503 and the platform re-delivers it
    /// later. No event is handled twice; none is handled while Redis is down.
    FailClosed,
}

/// How the stores use Redis.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RedisOptions {
    /// What every key starts with; `lark:{app_id}:` when `None`.
    pub key_prefix: Option<String>,
    /// How long one Redis command may take, connecting included, before it counts as failed.
    pub timeout: Duration,
    /// After a failure, how long commands fail at once before Redis is tried again.
    pub retry_after: Duration,
    /// What the de-duplication store does while Redis cannot be reached.
    pub dedup_on_outage: DedupOnOutage,
}

impl Default for RedisOptions {
    /// The `lark:{app_id}:` prefix, 500 ms per command, a retry after 1 s, de-duplication
    /// failing open.
    fn default() -> Self {
        Self {
            key_prefix: None,
            timeout: Duration::from_millis(500),
            retry_after: Duration::from_secs(1),
            dedup_on_outage: DedupOnOutage::FailOpen,
        }
    }
}

impl RedisOptions {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets what every key starts with (include a separator, such as `myapp:`).
    #[must_use]
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.key_prefix = Some(prefix.into());
        self
    }

    /// Sets how long one command may take.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets how long commands fail at once after a failure.
    #[must_use]
    pub fn retry_after(mut self, retry_after: Duration) -> Self {
        self.retry_after = retry_after;
        self
    }

    /// Sets what de-duplication does while Redis cannot be reached.
    #[must_use]
    pub fn dedup_on_outage(mut self, mode: DedupOnOutage) -> Self {
        self.dedup_on_outage = mode;
        self
    }
}

/// The three stores of one app over one Redis connection (multiplexed, reconnecting).
///
/// Cheap to clone; the stores it makes share its connection.
#[derive(Clone)]
pub struct RedisStores {
    link: Link,
    prefix: String,
    options: RedisOptions,
}

impl std::fmt::Debug for RedisStores {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStores")
            .field("prefix", &self.prefix)
            .field("timeout", &self.options.timeout)
            .field("retry_after", &self.options.retry_after)
            .field("dedup_on_outage", &self.options.dedup_on_outage)
            .finish_non_exhaustive()
    }
}

impl RedisStores {
    /// Stores for `app_id` at `url` (`redis://host:port/db`, or `rediss://` with the `tls`
    /// feature), with the default options. Nothing is connected yet: an unreachable Redis is
    /// not an error here, only a malformed URL is.
    pub fn open(url: &str, app_id: &str) -> redis::RedisResult<Self> {
        let client = redis::Client::open(url)?;
        Ok(Self::with_options(client, app_id, RedisOptions::default()))
    }

    /// Stores for `app_id` over `client`, with `options`. Connects on first use, from within
    /// a Tokio runtime.
    pub fn with_options(client: redis::Client, app_id: &str, options: RedisOptions) -> Self {
        let link = Link::new(client, options.timeout, options.retry_after);
        let prefix = options
            .key_prefix
            .clone()
            .unwrap_or_else(|| format!("lark:{app_id}:"));
        Self {
            link,
            prefix,
            options,
        }
    }

    /// What every key starts with.
    pub fn key_prefix(&self) -> &str {
        &self.prefix
    }

    /// The token store, for [`ClientBuilder::token_store`](lark_core::ClientBuilder::token_store).
    pub fn token_store(&self) -> RedisTokenStore {
        RedisTokenStore::new(self.link.clone(), self.prefix.clone())
    }

    /// The `app_ticket` store, for
    /// [`ClientBuilder::app_ticket_store`](lark_core::ClientBuilder::app_ticket_store) and
    /// [`Dispatcher::app_ticket_store`](lark_core::event::Dispatcher::app_ticket_store).
    pub fn app_ticket_store(&self) -> RedisAppTicketStore {
        RedisAppTicketStore::new(self.link.clone(), self.prefix.clone())
    }

    /// The signed-in users' token store, for
    /// [`ClientBuilder::user_token_store`](lark_core::ClientBuilder::user_token_store).
    pub fn user_token_store(&self) -> RedisUserTokenStore {
        RedisUserTokenStore::new(self.link.clone(), self.prefix.clone())
    }

    /// The event de-duplication store, for
    /// [`Dispatcher::dedup_store`](lark_core::event::Dispatcher::dedup_store).
    pub fn dedup_store(&self) -> RedisDedupStore {
        RedisDedupStore::new(
            self.link.clone(),
            self.prefix.clone(),
            self.options.dedup_on_outage,
        )
    }
}
