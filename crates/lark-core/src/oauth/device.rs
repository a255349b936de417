//! The device authorization flow (RFC 8628), as a state machine: begin, then poll until the
//! user approves, denies, or the code expires.

use std::time::Duration;

use serde_json::{Map, Value};

use super::token::credential_fields;
use super::{ClientCredential, OAuthError, UserToken};
use crate::{Config, Secret};

/// How much `slow_down` adds to the polling interval (RFC 8628 §3.5).
const SLOW_DOWN_STEP: Duration = Duration::from_secs(5);
/// The interval when the answer gives none (RFC 8628 §3.2).
const DEFAULT_INTERVAL: Duration = Duration::from_secs(5);

/// The request that begins a device sign-in: `POST {accounts}/oauth/v1/device_authorization`
/// with the app's credential and the scopes (`offline_access` always asked).
pub fn device_authorization_request(
    config: &Config,
    scopes: &[&str],
    credential: &ClientCredential,
) -> crate::Result<http::Request<Vec<u8>>> {
    let base = super::accounts_base(config)?;
    let mut fields = Map::new();
    fields.insert(
        "scope".into(),
        Value::from(super::scope_with_offline_access(scopes)),
    );
    credential_fields(config, credential, &mut fields);
    super::token::json_post(&format!("{base}/oauth/v1/device_authorization"), &fields)
}

/// A device sign-in begun: show `verification_uri` and `user_code` to the user, then poll.
#[derive(Clone)]
#[non_exhaustive]
pub struct DeviceAuthorization {
    /// The code polled with; secret.
    pub device_code: Secret,
    /// The code the user types on the verification page.
    pub user_code: String,
    /// The page where the user approves.
    pub verification_uri: String,
    /// The page with the user code filled in, when the answer gave one.
    pub verification_uri_complete: Option<String>,
    /// When the codes expire, in Unix milliseconds.
    pub expires_at_millis: u64,
    /// How long to wait between polls.
    pub interval: Duration,
}

impl std::fmt::Debug for DeviceAuthorization {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceAuthorization")
            .field("device_code", &self.device_code)
            .field("user_code", &self.user_code)
            .field("verification_uri", &self.verification_uri)
            .field("verification_uri_complete", &self.verification_uri_complete)
            .field("expires_at_millis", &self.expires_at_millis)
            .field("interval", &self.interval)
            .finish()
    }
}

/// Reads the device authorization answer at `now_millis`.
pub fn read_device_authorization(
    status: u16,
    body: &[u8],
    now_millis: u64,
) -> Result<DeviceAuthorization, OAuthError> {
    let fields =
        &super::error::read_answer(status, body, "device authorization answer", "device_code")?;
    let text = |key: &str| {
        fields
            .get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let (Some(device_code), Some(user_code), Some(verification_uri)) = (
        text("device_code"),
        text("user_code"),
        text("verification_uri").or_else(|| text("verification_url")),
    ) else {
        return Err(OAuthError::invalid_response(
            status,
            "the device authorization answer lacks device_code, user_code or verification_uri",
        ));
    };
    let seconds = |key: &str| fields.get(key).and_then(Value::as_u64);
    Ok(DeviceAuthorization {
        device_code: Secret::new(device_code),
        user_code,
        verification_uri,
        verification_uri_complete: text("verification_uri_complete"),
        expires_at_millis: now_millis
            .saturating_add(seconds("expires_in").unwrap_or(300).saturating_mul(1000)),
        interval: seconds("interval")
            .map(Duration::from_secs)
            .filter(|i| !i.is_zero())
            .unwrap_or(DEFAULT_INTERVAL),
    })
}

/// What to do after a poll.
#[derive(Debug)]
#[non_exhaustive]
pub enum PollStep {
    /// The user approved: the tokens.
    Done(UserToken),
    /// Not yet: poll again after this long (the interval, grown by each `slow_down`).
    Wait(Duration),
    /// It is over without tokens: denied (`access_denied`), expired (`expired_token`, or the
    /// codes' lifetime passed), or refused for another reason. Polling again cannot help.
    Failed(OAuthError),
}

/// The polling side of a device sign-in: feed it each poll's answer, do what it says.
#[derive(Debug, Clone)]
pub struct DevicePoll {
    interval: Duration,
    expires_at_millis: u64,
}

impl DevicePoll {
    /// Polling for `authorization`.
    pub fn new(authorization: &DeviceAuthorization) -> Self {
        Self {
            interval: authorization.interval,
            expires_at_millis: authorization.expires_at_millis,
        }
    }

    /// The wait before the next poll.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// What to do after a poll that answered `answer` (from
    /// [`read_token_answer`](super::read_token_answer)) at `now_millis`.
    pub fn step(&mut self, answer: Result<UserToken, OAuthError>, now_millis: u64) -> PollStep {
        match answer {
            Ok(token) => PollStep::Done(token),
            Err(error) => match error.error.as_deref() {
                Some("slow_down") => {
                    self.interval += SLOW_DOWN_STEP;
                    self.wait_or_expire(error, now_millis)
                }
                Some("authorization_pending") => self.wait_or_expire(error, now_millis),
                _ => PollStep::Failed(error),
            },
        }
    }

    fn wait_or_expire(&self, last: OAuthError, now_millis: u64) -> PollStep {
        let next = now_millis.saturating_add(self.interval.as_millis() as u64);
        if next >= self.expires_at_millis {
            PollStep::Failed(OAuthError {
                error: Some("expired_token".into()),
                description: Some("the device code expired before the user approved".into()),
                ..last
            })
        } else {
            PollStep::Wait(self.interval)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn begun() -> DeviceAuthorization {
        let answer = br#"{"device_code":"dc-1","user_code":"ABCD-EFGH","verification_uri":"https://accounts.feishu.cn/oauth/v1/device/verify",
            "verification_uri_complete":"https://accounts.feishu.cn/oauth/v1/device/verify?user_code=ABCD-EFGH","expires_in":60,"interval":2}"#;
        read_device_authorization(200, answer, 10_000).unwrap()
    }

    fn refused(error: &str) -> Result<UserToken, OAuthError> {
        Err(OAuthError {
            status: 400,
            code: None,
            error: Some(error.into()),
            description: None,
        })
    }

    #[test]
    fn the_begin_request_and_answer() {
        let config = Config::new("cli_a", "app-secret");
        let request =
            device_authorization_request(&config, &["im:message"], &ClientCredential::Secret)
                .unwrap();
        assert_eq!(
            request.uri(),
            "https://accounts.feishu.cn/oauth/v1/device_authorization"
        );
        let body: Value = serde_json::from_slice(request.body()).unwrap();
        assert_eq!(body["scope"], "im:message offline_access");
        assert_eq!(body["client_id"], "cli_a");
        let begun = begun();
        assert_eq!(begun.user_code, "ABCD-EFGH");
        assert_eq!(begun.expires_at_millis, 70_000);
        assert_eq!(begun.interval, Duration::from_secs(2));
        assert!(!format!("{begun:?}").contains("dc-1"));
        assert!(read_device_authorization(200, br#"{"user_code":"x"}"#, 0).is_err());
        let refused =
            read_device_authorization(400, br#"{"code":20001,"error":"invalid_client"}"#, 0)
                .unwrap_err();
        assert_eq!(refused.error.as_deref(), Some("invalid_client"));
    }

    #[test]
    fn polling_honours_pending_slow_down_denial_and_expiry() {
        let mut poll = DevicePoll::new(&begun());
        assert!(
            matches!(poll.step(refused("authorization_pending"), 12_000), PollStep::Wait(w) if w == Duration::from_secs(2))
        );
        // slow_down adds 5 s, and it sticks.
        assert!(
            matches!(poll.step(refused("slow_down"), 14_000), PollStep::Wait(w) if w == Duration::from_secs(7))
        );
        assert!(
            matches!(poll.step(refused("authorization_pending"), 21_000), PollStep::Wait(w) if w == Duration::from_secs(7))
        );
        assert_eq!(poll.interval(), Duration::from_secs(7));
        // Past the codes' lifetime, pending means expired.
        match poll.step(refused("authorization_pending"), 65_000) {
            PollStep::Failed(e) => {
                assert_eq!(e.error.as_deref(), Some("expired_token"));
                assert!(e.must_reauthorize());
            }
            other => panic!("{other:?}"),
        }
        let mut poll = DevicePoll::new(&begun());
        for stop in ["access_denied", "expired_token", "invalid_client"] {
            assert!(
                matches!(poll.step(refused(stop), 12_000), PollStep::Failed(_)),
                "{stop}"
            );
        }
        let token =
            crate::oauth::read_token_answer(200, br#"{"access_token":"u-1","expires_in":60}"#, 0);
        assert!(matches!(poll.step(token, 12_000), PollStep::Done(_)));
    }
}
