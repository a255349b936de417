//! Client configuration: who the app is and where the platform lives.

use std::fmt;
use std::time::Duration;

use crate::retry::RetryPolicy;
use crate::secret::Secret;
use crate::token::RefreshLockPolicy;

/// Which platform the app talks to.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Domain {
    /// Feishu, `https://open.feishu.cn` (mainland China).
    Feishu,
    /// Lark, `https://open.larksuite.com` (international).
    Lark,
    /// Any other base URL, such as `lark-mock` on loopback or a proxy. Every endpoint, including
    /// the few that live on the `www` host, is sent to this base unless
    /// [`Config::www_base_url`] names another one for those.
    Custom(String),
}

impl Domain {
    /// The base URL of the Open API host, without a trailing slash.
    pub fn open_base(&self) -> &str {
        match self {
            Domain::Feishu => "https://open.feishu.cn",
            Domain::Lark => "https://open.larksuite.com",
            Domain::Custom(url) => url.trim_end_matches('/'),
        }
    }

    /// The base URL of the accounts host (OAuth: the authorize page, the v3 token endpoint,
    /// device authorization), for the platform's two domains; `None` for a custom base URL,
    /// which must name its own ([`Config::accounts_base_url`]): the SDK does not guess it.
    pub fn accounts_base(&self) -> Option<&str> {
        match self {
            Domain::Feishu => Some("https://accounts.feishu.cn"),
            Domain::Lark => Some("https://accounts.larksuite.com"),
            Domain::Custom(_) => None,
        }
    }

    /// The base URL of the `www` host that serves a few approval endpoints.
    pub fn www_base(&self) -> &str {
        match self {
            Domain::Feishu => "https://www.feishu.cn",
            Domain::Lark => "https://www.larksuite.com",
            Domain::Custom(url) => url.trim_end_matches('/'),
        }
    }
}

/// Whether the app is built by the tenant for itself or sold on the app marketplace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum AppType {
    /// A self-built (custom, internal) app: tokens come straight from the app id and secret.
    #[default]
    SelfBuilt,
    /// A marketplace (ISV) app: the platform pushes an `app_ticket`, which buys an app access
    /// token, which buys a tenant access token for each tenant key.
    Marketplace,
}

/// Helpdesk credentials, sent as `X-Lark-Helpdesk-Authorization` on helpdesk endpoints.
#[derive(Clone)]
pub struct Helpdesk {
    /// The helpdesk id.
    pub id: String,
    /// The helpdesk token.
    pub token: Secret,
}

impl fmt::Debug for Helpdesk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Helpdesk")
            .field("id", &self.id)
            .field("token", &self.token)
            .finish()
    }
}

/// Everything a [`Client`](crate::Client) needs to know about the app.
///
/// ```
/// use lark_core::{Config, Domain};
/// let config = Config::new("cli_a1b2", "secret").domain(Domain::Lark);
/// assert!(!format!("{config:?}").contains("secret\""));
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct Config {
    /// The app id, `cli_...`.
    pub app_id: String,
    /// The app secret.
    pub app_secret: Secret,
    /// Self-built or marketplace.
    pub app_type: AppType,
    /// Where requests go.
    pub domain: Domain,
    /// Where the endpoints of the `www` host go (a few approval endpoints), when not to the
    /// domain's own `www` base ([`Domain::www_base`]).
    pub www_base_url: Option<String>,
    /// Where the OAuth endpoints of the accounts host go, when not to the domain's own
    /// ([`Domain::accounts_base`]); required with a custom base URL.
    pub accounts_base_url: Option<String>,
    /// The most pages [`Client::pages`](crate::Client::pages) follows before it stops with
    /// [`Error::Pagination`](crate::Error::Pagination).
    pub max_pages: u32,
    /// Helpdesk credentials, for the helpdesk endpoints.
    pub helpdesk: Option<Helpdesk>,
    /// The event verification token, for events and callbacks.
    pub verification_token: Option<Secret>,
    /// The event encrypt key, for encrypted events and request signatures.
    pub encrypt_key: Option<Secret>,
    /// A token is refreshed this long before it expires.
    pub token_refresh_margin: Duration,
    /// How a token refresh is claimed and waited for across processes sharing a token store
    /// (see [`TokenStore`](crate::TokenStore)); the in-memory store grants every claim.
    pub token_refresh_lock: RefreshLockPolicy,
    /// The default timeout of one HTTP exchange; `None` waits as long as the backend does.
    pub timeout: Option<Duration>,
    /// How failed calls are retried; [`RetryPolicy::none`] turns retrying off.
    pub retry: RetryPolicy,
}

impl Config {
    /// A self-built app on Feishu.
    pub fn new(app_id: impl Into<String>, app_secret: impl Into<Secret>) -> Self {
        Self {
            app_id: app_id.into(),
            app_secret: app_secret.into(),
            app_type: AppType::SelfBuilt,
            domain: Domain::Feishu,
            www_base_url: None,
            accounts_base_url: None,
            max_pages: 10_000,
            helpdesk: None,
            verification_token: None,
            encrypt_key: None,
            token_refresh_margin: Duration::from_secs(180),
            token_refresh_lock: RefreshLockPolicy::default(),
            timeout: Some(Duration::from_secs(30)),
            retry: RetryPolicy::default(),
        }
    }

    /// Sets the domain.
    #[must_use]
    pub fn domain(mut self, domain: Domain) -> Self {
        self.domain = domain;
        self
    }

    /// Sends every request to `base_url` (the mock, a proxy).
    #[must_use]
    pub fn base_url(self, base_url: impl Into<String>) -> Self {
        self.domain(Domain::Custom(base_url.into()))
    }

    /// Sends the endpoints of the `www` host to `base_url` (the domain's own `www` base by
    /// default).
    #[must_use]
    pub fn www_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.www_base_url = Some(base_url.into());
        self
    }

    /// The base URL of the `www` endpoints, without a trailing slash.
    pub fn www_base(&self) -> &str {
        match &self.www_base_url {
            Some(url) => url.trim_end_matches('/'),
            None => self.domain.www_base(),
        }
    }

    /// Sends the OAuth endpoints of the accounts host to `base_url` (the domain's own accounts
    /// host by default; a custom base URL has none, so a proxy or a mock names it here).
    #[must_use]
    pub fn accounts_base_url(mut self, base_url: impl Into<String>) -> Self {
        self.accounts_base_url = Some(base_url.into());
        self
    }

    /// The base URL of the accounts host, without a trailing slash; `None` with a custom base
    /// URL and no [`Config::accounts_base_url`].
    pub fn accounts_base(&self) -> Option<&str> {
        match &self.accounts_base_url {
            Some(url) => Some(url.trim_end_matches('/')),
            None => self.domain.accounts_base(),
        }
    }

    /// Sets the most pages a pagination stream follows.
    #[must_use]
    pub fn max_pages(mut self, max_pages: u32) -> Self {
        self.max_pages = max_pages;
        self
    }

    /// Sets the app type.
    #[must_use]
    pub fn app_type(mut self, app_type: AppType) -> Self {
        self.app_type = app_type;
        self
    }

    /// Sets the helpdesk credentials.
    #[must_use]
    pub fn helpdesk(mut self, id: impl Into<String>, token: impl Into<Secret>) -> Self {
        self.helpdesk = Some(Helpdesk {
            id: id.into(),
            token: token.into(),
        });
        self
    }

    /// Sets the event verification token.
    #[must_use]
    pub fn verification_token(mut self, token: impl Into<Secret>) -> Self {
        self.verification_token = Some(token.into());
        self
    }

    /// Sets the event encrypt key.
    #[must_use]
    pub fn encrypt_key(mut self, key: impl Into<Secret>) -> Self {
        self.encrypt_key = Some(key.into());
        self
    }

    /// Sets how long before expiry a token is refreshed.
    #[must_use]
    pub fn token_refresh_margin(mut self, margin: Duration) -> Self {
        self.token_refresh_margin = margin;
        self
    }

    /// Sets how a token refresh is claimed and waited for across processes.
    #[must_use]
    pub fn token_refresh_lock(mut self, policy: RefreshLockPolicy) -> Self {
        self.token_refresh_lock = policy;
        self
    }

    /// Sets the default timeout of one HTTP exchange.
    #[must_use]
    pub fn timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the retry policy.
    #[must_use]
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("app_id", &self.app_id)
            .field("app_secret", &self.app_secret)
            .field("app_type", &self.app_type)
            .field("domain", &self.domain)
            .field("www_base_url", &self.www_base_url)
            .field("accounts_base_url", &self.accounts_base_url)
            .field("max_pages", &self.max_pages)
            .field("helpdesk", &self.helpdesk)
            .field("verification_token", &self.verification_token)
            .field("encrypt_key", &self.encrypt_key)
            .field("token_refresh_margin", &self.token_refresh_margin)
            .field("token_refresh_lock", &self.token_refresh_lock)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_redacts_every_secret() {
        let config = Config::new("cli_x", "app-secret-1")
            .helpdesk("hd", "helpdesk-token-2")
            .verification_token("verify-3")
            .encrypt_key("encrypt-4");
        let shown = format!("{config:?} {config:#?}");
        for secret in ["app-secret-1", "helpdesk-token-2", "verify-3", "encrypt-4"] {
            assert!(!shown.contains(secret), "{secret} leaked: {shown}");
        }
        assert!(shown.contains("cli_x"));
    }

    #[test]
    fn domains() {
        assert_eq!(Domain::Feishu.open_base(), "https://open.feishu.cn");
        assert_eq!(Domain::Lark.open_base(), "https://open.larksuite.com");
        assert_eq!(Domain::Lark.www_base(), "https://www.larksuite.com");
        let custom = Domain::Custom("http://127.0.0.1:9/".into());
        assert_eq!(custom.open_base(), "http://127.0.0.1:9");
        assert_eq!(custom.www_base(), "http://127.0.0.1:9");
        let config = Config::new("cli_x", "s").base_url("http://127.0.0.1:9");
        assert_eq!(config.www_base(), "http://127.0.0.1:9");
        let config = config.www_base_url("http://127.0.0.1:10/");
        assert_eq!(config.www_base(), "http://127.0.0.1:10");
        assert_eq!(
            Config::new("cli_x", "s").domain(Domain::Lark).www_base(),
            "https://www.larksuite.com"
        );
    }
}
