//! The platform's `ClientConfig` (from the endpoint answer and from pongs) and the reconnect
//! policy it implies.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// The connection settings the platform sends, in seconds. A field it leaves out keeps its
/// current value when a pong updates the settings (`ClientConfig::update`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
#[non_exhaustive]
pub struct ClientConfig {
    /// How many reconnect attempts to make; -1 (any negative value) is unlimited.
    pub reconnect_count: i64,
    /// Seconds between reconnect attempts.
    pub reconnect_interval: i64,
    /// Up to how many seconds of random delay before the first reconnect attempt, so that
    /// many clients cut at once do not come back at once.
    pub reconnect_nonce: i64,
    /// Seconds between pings.
    pub ping_interval: i64,
}

impl Default for ClientConfig {
    /// The platform's defaults: unlimited reconnects 120 s apart after up to 30 s of jitter, a
    /// ping every 120 s.
    fn default() -> Self {
        Self {
            reconnect_count: -1,
            reconnect_interval: 120,
            reconnect_nonce: 30,
            ping_interval: 120,
        }
    }
}

/// A ClientConfig as sent: any field may be missing.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ClientConfigUpdate {
    reconnect_count: Option<i64>,
    reconnect_interval: Option<i64>,
    reconnect_nonce: Option<i64>,
    ping_interval: Option<i64>,
}

impl ClientConfig {
    /// Applies the fields of `update` that are present and sensible (a ping interval or a
    /// reconnect interval under 1 s, or a negative nonce, is ignored: it would spin).
    pub(crate) fn update(&mut self, update: &ClientConfigUpdate) {
        if let Some(count) = update.reconnect_count {
            self.reconnect_count = count;
        }
        if let Some(interval) = update.reconnect_interval.filter(|s| *s >= 1) {
            self.reconnect_interval = interval;
        }
        if let Some(nonce) = update.reconnect_nonce.filter(|s| *s >= 0) {
            self.reconnect_nonce = nonce;
        }
        if let Some(ping) = update.ping_interval.filter(|s| *s >= 1) {
            self.ping_interval = ping;
        }
    }

    /// The defaults updated with the ClientConfig JSON `value` (from the endpoint's answer).
    pub(crate) fn from_json(value: &serde_json::Value) -> Result<Self, serde_json::Error> {
        let update = ClientConfigUpdate::deserialize(value)?;
        let mut config = Self::default();
        config.update(&update);
        Ok(config)
    }

    /// The time between pings.
    pub fn ping_interval(&self) -> Duration {
        Duration::from_secs(u64::try_from(self.ping_interval).unwrap_or(1).max(1))
    }

    /// The reconnect policy these settings describe.
    pub fn reconnect_policy(&self) -> ReconnectPolicy {
        let secs = |s: i64| Duration::from_secs(u64::try_from(s).unwrap_or(0));
        ReconnectPolicy {
            max_attempts: u32::try_from(self.reconnect_count).ok(),
            interval: secs(self.reconnect_interval).max(Duration::from_secs(1)),
            first_jitter: secs(self.reconnect_nonce),
        }
    }
}

/// When to try again after a connection was lost or could not be opened.
///
/// The first attempt waits a random part of the jitter, the following ones the interval; after
/// `max_attempts` attempts (if bounded) the driver gives up. A fatal error
/// ([`WsError::is_fatal`](super::WsError::is_fatal)) ends it at once. Reset the attempt count
/// once a connection is open.
///
/// ```
/// use std::time::Duration;
/// use lark_core::ws::ClientConfig;
/// let policy = ClientConfig::default().reconnect_policy();
/// let first = policy.delay_before(0, 0x1234_5678).unwrap();
/// assert!(first < Duration::from_secs(30));
/// assert_eq!(policy.delay_before(1, 0), Some(Duration::from_secs(120)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReconnectPolicy {
    /// How many attempts to make; `None` is unlimited.
    pub max_attempts: Option<u32>,
    /// The time between attempts.
    pub interval: Duration,
    /// The largest random delay before the first attempt.
    pub first_jitter: Duration,
}

impl Default for ReconnectPolicy {
    fn default() -> Self {
        ClientConfig::default().reconnect_policy()
    }
}

impl ReconnectPolicy {
    /// How long to wait before reconnect attempt `attempt` (from 0), or `None` to give up.
    /// `random` is any uniformly random value from the caller (the core has no randomness of
    /// its own); it picks the first attempt's jitter, in whole milliseconds below
    /// `first_jitter`.
    pub fn delay_before(&self, attempt: u32, random: u64) -> Option<Duration> {
        if self.max_attempts.is_some_and(|max| attempt >= max) {
            return None;
        }
        if attempt > 0 {
            return Some(self.interval);
        }
        let jitter_millis = u64::try_from(self.first_jitter.as_millis()).unwrap_or(u64::MAX);
        Some(match jitter_millis {
            0 => Duration::ZERO,
            max => Duration::from_millis(random % max),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        let config = ClientConfig::default();
        assert_eq!(config.ping_interval(), Duration::from_secs(120));
        let policy = config.reconnect_policy();
        assert_eq!(policy.max_attempts, None);
        assert_eq!(policy.interval, Duration::from_secs(120));
        assert_eq!(policy.first_jitter, Duration::from_secs(30));
        assert_eq!(policy, ReconnectPolicy::default());
    }

    #[test]
    fn reconnect_delays_and_jitter_bounds() {
        let policy = ClientConfig::default().reconnect_policy();
        for random in [0, 1, 29_999, 30_000, u64::MAX, 0xdead_beef] {
            let first = policy.delay_before(0, random).unwrap();
            assert!(first < Duration::from_secs(30), "{first:?}");
        }
        assert_eq!(
            policy.delay_before(0, 30_001),
            Some(Duration::from_millis(1))
        );
        assert_eq!(policy.delay_before(1, 7), Some(Duration::from_secs(120)));
        assert_eq!(
            policy.delay_before(u32::MAX, 7),
            Some(Duration::from_secs(120))
        );

        let bounded = ClientConfig {
            reconnect_count: 2,
            reconnect_interval: 5,
            reconnect_nonce: 0,
            ping_interval: 10,
        }
        .reconnect_policy();
        assert_eq!(bounded.delay_before(0, 999), Some(Duration::ZERO));
        assert_eq!(bounded.delay_before(1, 999), Some(Duration::from_secs(5)));
        assert_eq!(bounded.delay_before(2, 999), None);

        let none = ClientConfig {
            reconnect_count: 0,
            ..ClientConfig::default()
        };
        assert_eq!(none.reconnect_policy().delay_before(0, 1), None);
    }

    #[test]
    fn update_keeps_missing_and_nonsense_fields() {
        let mut config = ClientConfig::default();
        let update: ClientConfigUpdate =
            serde_json::from_str(r#"{"PingInterval":0,"ReconnectCount":3,"ReconnectInterval":-5}"#)
                .unwrap();
        config.update(&update);
        assert_eq!(config.ping_interval, 120);
        assert_eq!(config.reconnect_count, 3);
        assert_eq!(config.reconnect_interval, 120);
        assert_eq!(config.reconnect_nonce, 30);
    }
}
