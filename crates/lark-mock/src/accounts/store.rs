//! The accounts host's state: plain data the server's state keeps (the routes in the parent
//! module act on it).

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// The platform's code for a refresh token used before (refresh tokens are single-use).
pub const REFRESH_TOKEN_USED: i64 = 20_073;
/// The platform's code for an unknown or malformed refresh token.
pub const REFRESH_TOKEN_INVALID: i64 = 20_026;
/// The platform's code for an expired refresh token.
pub const REFRESH_TOKEN_EXPIRED: i64 = 20_037;

/// How the accounts host behaves; see [`MockServer::oauth`](crate::mock::MockServer::oauth).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct OAuthSettings {
    /// The user the authorize page and the device verification page sign in (and approve for).
    pub user_open_id: String,
    /// Whether the user denies instead (`error=access_denied`).
    pub deny: bool,
    /// How long user access tokens live (2 hours by default, as on the platform).
    pub access_token_ttl: Duration,
    /// How long refresh tokens live.
    pub refresh_token_ttl: Duration,
    /// The device flow's polling interval.
    pub device_interval: Duration,
    /// How long device codes live.
    pub device_code_ttl: Duration,
    /// After how many polls a device sign-in is approved without a visit to the verification
    /// page (`None`: only the visit approves).
    pub device_approve_after_polls: Option<u32>,
}

impl Default for OAuthSettings {
    fn default() -> Self {
        Self {
            user_open_id: crate::identity::USER_OPEN_ID.to_owned(),
            deny: false,
            access_token_ttl: Duration::from_secs(7200),
            refresh_token_ttl: Duration::from_secs(30 * 24 * 3600),
            device_interval: Duration::from_secs(5),
            device_code_ttl: Duration::from_secs(300),
            device_approve_after_polls: None,
        }
    }
}

#[derive(Debug)]
pub(crate) struct CodeGrant {
    pub(crate) app_id: String,
    pub(crate) redirect_uri: String,
    pub(crate) challenge: Option<String>,
    pub(crate) scope: String,
    pub(crate) open_id: String,
    pub(crate) expires_at: Instant,
}

#[derive(Debug)]
pub(crate) struct RefreshGrant {
    pub(crate) app_id: String,
    pub(crate) open_id: String,
    pub(crate) scope: String,
    pub(crate) expires_at: Instant,
    pub(crate) used: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DeviceState {
    Pending,
    Approved,
    Denied,
    /// Its tokens were handed out: the device code is spent.
    Done,
}

#[derive(Debug)]
pub(crate) struct DeviceGrant {
    pub(crate) app_id: String,
    pub(crate) user_code: String,
    pub(crate) scope: String,
    pub(crate) state: DeviceState,
    pub(crate) interval: Duration,
    pub(crate) polls: u32,
    pub(crate) last_poll: Option<Instant>,
    pub(crate) expires_at: Instant,
}

/// The accounts host's state.
#[derive(Debug, Default)]
pub(crate) struct Accounts {
    pub(crate) settings: OAuthSettings,
    pub(crate) codes: HashMap<String, CodeGrant>,
    pub(crate) refresh: HashMap<String, RefreshGrant>,
    pub(crate) devices: HashMap<String, DeviceGrant>,
    pub(crate) token_requests: u64,
    pub(crate) refreshes: u64,
    /// `app_id:jti` of the client assertions taken: each is taken once.
    pub(crate) assertions: std::collections::HashSet<String>,
}
