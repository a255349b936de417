//! `new LarkClient(options)` and `new WSClient(options)`: the options object, declared in
//! lark-codegen's table and read by the generated [`crate::client_options`], turned into a
//! `lark_core::Config` by lark-core's domain rules.

use std::time::Duration;

use lark_core::{AppType, Config, Domain, RefreshLockPolicy};
use wasm_bindgen::JsValue;

use crate::client_options::{ClientOptions, RefreshLockOptions};
use crate::error::build_error;
use crate::read::wrong;

/// An `http://` or `https://` URL.
pub(crate) fn http_url(name: &str, url: String) -> Result<String, JsValue> {
    if url.starts_with("https://") || url.starts_with("http://") {
        Ok(url)
    } else {
        Err(wrong(name, "an http(s) URL"))
    }
}

/// The domain of a base URL: the platform's own hosts keep their `www` host (for the approval
/// endpoints); any other URL serves every endpoint.
fn base_url_domain(url: String) -> Domain {
    let trimmed = url.trim_end_matches('/');
    if trimmed == Domain::Feishu.open_base() {
        Domain::Feishu
    } else if trimmed == Domain::Lark.open_base() {
        Domain::Lark
    } else {
        Domain::Custom(url)
    }
}

/// Reads `source` into the app's `Config` and the options the caller still needs (the stores).
///
/// Where requests go: `baseUrl` when given, else `domain`: `feishu` (the default), `lark`, or a
/// base URL (as node-sdk takes it); `wwwBaseUrl` sends the `www` endpoints elsewhere.
pub(crate) fn config(source: &JsValue) -> Result<(Config, ClientOptions), JsValue> {
    if !source.is_object() {
        return Err(build_error(&[
            "the client needs an options object: { appId, appSecret, ... }",
        ]));
    }
    let mut error = None;
    let mut options = ClientOptions::read(source, &mut error);
    if let Some(error) = error {
        return Err(error);
    }
    let domain = match (options.base_url.take(), options.domain.take()) {
        (Some(url), _) => base_url_domain(http_url("baseUrl", url)?),
        (None, None) => Domain::Feishu,
        (None, Some(domain)) => match domain.as_str() {
            "feishu" => Domain::Feishu,
            "lark" => Domain::Lark,
            _ if domain.starts_with("https://") || domain.starts_with("http://") => {
                base_url_domain(domain)
            }
            _ => {
                return Err(build_error(&[
                    "unknown domain `",
                    &domain,
                    "`: use 'feishu', 'lark' or baseUrl",
                ]));
            }
        },
    };
    let mut config = Config::new(options.app_id.clone(), options.app_secret.clone()).domain(domain);
    if let Some(www) = options.www_base_url.take() {
        config = config.www_base_url(http_url("wwwBaseUrl", www)?);
    }
    if options.app_type.as_deref() == Some("marketplace") {
        config = config.app_type(AppType::Marketplace);
    }
    if let Some(ms) = options.timeout_ms {
        if !(ms >= 0.0 && ms.is_finite()) {
            return Err(wrong("timeoutMs", "a number of milliseconds (0 for none)"));
        }
        config = config.timeout((ms > 0.0).then(|| Duration::from_millis(ms as u64)));
    }
    if let Some(helpdesk) = options.helpdesk.take() {
        config = config.helpdesk(helpdesk.id, helpdesk.token);
    }
    if let Some(key) = options.encrypt_key.take() {
        config = config.encrypt_key(key);
    }
    if let Some(token) = options.verification_token.take() {
        config = config.verification_token(token);
    }
    if let Some(lock) = &options.token_refresh_lock {
        config = config.token_refresh_lock(refresh_lock_policy(lock));
    }
    Ok((config, options))
}

/// `{ ttlMs, maxWaitMs, pollIntervalMs }`: how a refresh shared through the token store's
/// `tryAcquireRefresh` is claimed and waited for; what is missing (or not a positive number)
/// keeps lark-core's default.
fn refresh_lock_policy(lock: &RefreshLockOptions) -> RefreshLockPolicy {
    let millis = |ms: Option<f64>| {
        ms.filter(|n| n.is_finite() && *n > 0.0)
            .map(|n| Duration::from_millis(n as u64))
    };
    let mut policy = RefreshLockPolicy::new();
    if let Some(ttl) = millis(lock.ttl_ms) {
        policy = policy.ttl(ttl);
    }
    if let Some(wait) = millis(lock.max_wait_ms) {
        policy = policy.max_wait(wait);
    }
    if let Some(interval) = millis(lock.poll_interval_ms) {
        policy = policy.poll_interval(interval);
    }
    policy
}
