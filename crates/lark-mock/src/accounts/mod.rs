//! The accounts host (OAuth), on the mock's own port: the authorize page (auto-approving a
//! test user, or denying), the v3 and v2 token endpoints with PKCE checked at the exchange and
//! single-use rotating refresh tokens, and device authorization with its verification page.
//!
//! Point a client at it with `Config::accounts_base_url(mock.base_url())`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine as _;
use http::{HeaderMap, StatusCode, header};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use store::{Accounts, CodeGrant, DeviceGrant, DeviceState, RefreshGrant};
pub use store::{OAuthSettings, REFRESH_TOKEN_EXPIRED, REFRESH_TOKEN_INVALID, REFRESH_TOKEN_USED};

use crate::mock::MockServer;
use crate::reply::lock;
use crate::state::{Shared, UserToken};

mod assertion;
pub(crate) mod store;

impl MockServer {
    /// Sets how the accounts host behaves (the user it signs in, denial, token lifetimes, the
    /// device flow's pace).
    pub fn set_oauth(&self, settings: OAuthSettings) {
        lock(&self.shared.accounts).settings = settings;
    }

    /// How the accounts host behaves now.
    pub fn oauth(&self) -> OAuthSettings {
        lock(&self.shared.accounts).settings.clone()
    }

    /// How many requests the token endpoints (v3 and v2) answered, and how many of them were
    /// refreshes that issued tokens.
    pub fn oauth_token_requests(&self) -> (u64, u64) {
        let accounts = lock(&self.shared.accounts);
        (accounts.token_requests, accounts.refreshes)
    }
}

pub(crate) fn routes(router: Router<Arc<Shared>>) -> Router<Arc<Shared>> {
    router
        .route("/open-apis/authen/v1/authorize", get(authorize))
        .route("/oauth/v3/token", post(token))
        .route("/open-apis/authen/v2/oauth/token", post(token))
        .route("/oauth/v1/device_authorization", post(device_authorization))
        .route("/oauth/v1/device/verify", get(verify_device))
}

/// An OAuth error answer: HTTP 400, the platform's code, `error` and `error_description`.
fn refuse(code: i64, error: &str, description: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(json!({"code": code, "error": error, "error_description": description})),
    )
        .into_response()
}

/// Reads a JSON or form body into its fields.
fn fields(headers: &HeaderMap, body: &[u8]) -> Map<String, Value> {
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    if form {
        let text = String::from_utf8_lossy(body);
        text.split('&')
            .filter(|p| !p.is_empty())
            .map(|pair| {
                let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                let decode = |s: &str| {
                    percent_encoding::percent_decode_str(&s.replace('+', " "))
                        .decode_utf8_lossy()
                        .into_owned()
                };
                (decode(k), Value::from(decode(v)))
            })
            .collect()
    } else {
        match serde_json::from_slice(body) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        }
    }
}

fn text<'a>(fields: &'a Map<String, Value>, key: &str) -> &'a str {
    fields.get(key).and_then(Value::as_str).unwrap_or("")
}

/// Checks a keyless app's client assertion for `audience` (the host it was sent to): the app
/// must have registered a key, and each assertion is taken once.
pub(crate) fn verify_assertion(
    shared: &Shared,
    accounts: &mut Accounts,
    app_id: &str,
    assertion: &str,
    audience: &str,
) -> Result<(), &'static str> {
    let key = shared
        .data()
        .apps
        .get(app_id)
        .and_then(|app| app.assertion_key.clone())
        .ok_or("unknown client_id, or the app has no assertion key (not keyless)")?;
    assertion::verify(assertion, app_id, &key, audience, &mut accounts.assertions)
}

/// The host a request was sent to (`Host`): the audience its client assertion must name.
pub(crate) fn host(headers: &HeaderMap) -> &str {
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default()
}

/// How a token request's app proved itself.
#[derive(PartialEq, Eq)]
enum Proof {
    Secret,
    Assertion,
}

/// The app the request's credential proves, or why not (answered as `invalid_client`): its
/// secret, or for a keyless app a client assertion for `audience` (the Host it was sent to).
fn client(
    shared: &Shared,
    accounts: &mut Accounts,
    fields: &Map<String, Value>,
    audience: &str,
) -> Result<(String, Proof), &'static str> {
    let app_id = text(fields, "client_id");
    let secret = text(fields, "client_secret");
    let assertion = text(fields, "client_assertion");
    if !assertion.is_empty() {
        if text(fields, "client_assertion_type") != assertion::JWT_ASSERTION {
            return Err("client_assertion_type must be the jwt-bearer assertion type");
        }
        verify_assertion(shared, accounts, app_id, assertion, audience)?;
        return Ok((app_id.to_owned(), Proof::Assertion));
    }
    let known = shared
        .data()
        .apps
        .get(app_id)
        .is_some_and(|app| !secret.is_empty() && app.secret == secret);
    if known {
        Ok((app_id.to_owned(), Proof::Secret))
    } else {
        Err("unknown client_id or wrong client_secret")
    }
}

/// `GET /open-apis/authen/v1/authorize`: signs the test user in and redirects with a code, or
/// with `error=access_denied` when set to deny.
async fn authorize(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let get = |k: &str| query.get(k).map(String::as_str).unwrap_or("");
    let app_id = get("client_id");
    let redirect_uri = get("redirect_uri");
    if !shared.data().apps.contains_key(app_id) {
        return refuse(20_001, "invalid_client", "unknown client_id");
    }
    if get("response_type") != "code" || redirect_uri.is_empty() {
        return refuse(
            20_002,
            "invalid_request",
            "response_type=code and a redirect_uri are required",
        );
    }
    let challenge = match (get("code_challenge"), get("code_challenge_method")) {
        ("", _) => None,
        (c, "S256") => Some(c.to_owned()),
        _ => return refuse(20_002, "invalid_request", "only code_challenge_method=S256"),
    };
    let mut location = redirect_uri.to_owned();
    location.push(if location.contains('?') { '&' } else { '?' });
    let mut accounts = lock(&shared.accounts);
    if accounts.settings.deny {
        location.push_str("error=access_denied");
    } else {
        let code = shared.new_id("code_");
        let open_id = accounts.settings.user_open_id.clone();
        accounts.codes.insert(
            code.clone(),
            CodeGrant {
                app_id: app_id.to_owned(),
                redirect_uri: redirect_uri.to_owned(),
                challenge,
                scope: get("scope").to_owned(),
                open_id,
                expires_at: Instant::now() + Duration::from_secs(300),
            },
        );
        location.push_str("code=");
        location.push_str(&code);
    }
    let state = get("state");
    if !state.is_empty() {
        location.push_str("&state=");
        location.extend(percent_encoding::utf8_percent_encode(
            state,
            percent_encoding::NON_ALPHANUMERIC,
        ));
    }
    (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
}

/// Issues a user's tokens: the access token honoured by the API, a refresh token when the scope
/// has `offline_access`.
fn issue(
    shared: &Shared,
    accounts: &mut Accounts,
    app_id: &str,
    open_id: &str,
    scope: &str,
) -> Response {
    let access = shared.new_id("u-");
    let settings = &accounts.settings;
    shared.data().user_tokens.insert(
        access.clone(),
        UserToken {
            open_id: open_id.to_owned(),
            expires_at: Some(Instant::now() + settings.access_token_ttl),
        },
    );
    let mut answer = json!({
        "code": 0,
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": settings.access_token_ttl.as_secs(),
        "scope": scope,
    });
    if scope.split_whitespace().any(|s| s == "offline_access") {
        let refresh = shared.new_id("r-");
        answer["refresh_token"] = Value::from(refresh.clone());
        answer["refresh_token_expires_in"] = Value::from(settings.refresh_token_ttl.as_secs());
        let expires_at = Instant::now() + settings.refresh_token_ttl;
        accounts.refresh.insert(
            refresh,
            RefreshGrant {
                app_id: app_id.to_owned(),
                open_id: open_id.to_owned(),
                scope: scope.to_owned(),
                expires_at,
                used: false,
            },
        );
    }
    axum::Json(answer).into_response()
}

fn s256(verifier: &str) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// `POST /oauth/v3/token` and `POST /open-apis/authen/v2/oauth/token`.
async fn token(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    let fields = fields(&headers, &body);
    let mut accounts = lock(&shared.accounts);
    accounts.token_requests += 1;
    let audience = host(&headers);
    let (app_id, proof) = match client(&shared, &mut accounts, &fields, audience) {
        Ok(client) => client,
        Err(why) => return refuse(20_001, "invalid_client", why),
    };
    let now = Instant::now();
    match text(&fields, "grant_type") {
        "urn:ietf:params:oauth:grant-type:jwt-bearer" => {
            if proof != Proof::Assertion {
                return refuse(
                    20_001,
                    "invalid_client",
                    "the jwt-bearer grant takes a client assertion",
                );
            }
            drop(accounts);
            let (token, issued) =
                crate::auth::issue(&shared, "t-", &app_id, MockServer::TENANT_KEY);
            let expires_in = issued
                .expires_at
                .saturating_duration_since(Instant::now())
                .as_secs();
            shared.data().tenant_tokens.insert(token.clone(), issued);
            axum::Json(json!({
                "code": 0,
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": expires_in,
            }))
            .into_response()
        }
        "authorization_code" => {
            let Some(grant) = accounts.codes.remove(text(&fields, "code")) else {
                return refuse(20_003, "invalid_grant", "the code is unknown or was used");
            };
            if grant.app_id != app_id || grant.expires_at <= now {
                return refuse(
                    20_003,
                    "invalid_grant",
                    "the code is expired or not this app's",
                );
            }
            if grant.redirect_uri != text(&fields, "redirect_uri") {
                return refuse(
                    20_003,
                    "invalid_grant",
                    "redirect_uri differs from the authorize request's",
                );
            }
            if let Some(challenge) = &grant.challenge {
                let verifier = text(&fields, "code_verifier");
                if verifier.is_empty() || s256(verifier) != *challenge {
                    return refuse(
                        20_003,
                        "invalid_grant",
                        "code_verifier does not match the code_challenge",
                    );
                }
            }
            issue(
                &shared,
                &mut accounts,
                &app_id,
                &grant.open_id,
                &grant.scope,
            )
        }
        "refresh_token" => {
            let token = text(&fields, "refresh_token");
            let Some(grant) = accounts.refresh.get_mut(token) else {
                return refuse(
                    REFRESH_TOKEN_INVALID,
                    "invalid_grant",
                    "the refresh token is invalid",
                );
            };
            if grant.used {
                return refuse(
                    REFRESH_TOKEN_USED,
                    "invalid_grant",
                    "the refresh token has been used",
                );
            }
            if grant.app_id != app_id {
                return refuse(
                    REFRESH_TOKEN_INVALID,
                    "invalid_grant",
                    "the refresh token is not this app's",
                );
            }
            if grant.expires_at <= now {
                return refuse(
                    REFRESH_TOKEN_EXPIRED,
                    "invalid_grant",
                    "the refresh token has expired",
                );
            }
            grant.used = true;
            let (open_id, mut scope) = (grant.open_id.clone(), grant.scope.clone());
            let narrower = text(&fields, "scope");
            if !narrower.is_empty() {
                scope = narrower.to_owned();
            }
            accounts.refreshes += 1;
            issue(&shared, &mut accounts, &app_id, &open_id, &scope)
        }
        "urn:ietf:params:oauth:grant-type:device_code" => {
            let settings = accounts.settings.clone();
            let Some(device) = accounts.devices.get_mut(text(&fields, "device_code")) else {
                return refuse(20_003, "invalid_grant", "the device code is unknown");
            };
            if device.app_id != app_id {
                return refuse(20_003, "invalid_grant", "the device code is not this app's");
            }
            if device.expires_at <= now {
                return refuse(20_004, "expired_token", "the device code has expired");
            }
            let too_fast = device
                .last_poll
                .is_some_and(|last| now.duration_since(last) < device.interval);
            device.last_poll = Some(now);
            device.polls += 1;
            if too_fast && device.state == DeviceState::Pending {
                device.interval += Duration::from_secs(5);
                return refuse(20_005, "slow_down", "polled faster than the interval");
            }
            if device.state == DeviceState::Pending
                && settings
                    .device_approve_after_polls
                    .is_some_and(|n| device.polls > n)
            {
                device.state = DeviceState::Approved;
            }
            match device.state {
                DeviceState::Pending => refuse(
                    20_006,
                    "authorization_pending",
                    "the user has not approved yet",
                ),
                DeviceState::Denied => refuse(20_007, "access_denied", "the user denied"),
                DeviceState::Done => refuse(20_003, "invalid_grant", "the device code was used"),
                DeviceState::Approved => {
                    device.state = DeviceState::Done;
                    let scope = device.scope.clone();
                    issue(
                        &shared,
                        &mut accounts,
                        &app_id,
                        &settings.user_open_id,
                        &scope,
                    )
                }
            }
        }
        other => refuse(
            20_002,
            "unsupported_grant_type",
            &format!("grant_type {other:?}"),
        ),
    }
}

/// `POST /oauth/v1/device_authorization`: begins a device sign-in.
async fn device_authorization(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let fields = fields(&headers, &body);
    let audience = host(&headers);
    let proven = client(&shared, &mut lock(&shared.accounts), &fields, audience);
    let app_id = match proven {
        Ok((app_id, _)) => app_id,
        Err(why) => return refuse(20_001, "invalid_client", why),
    };
    let device_code = shared.new_id("dc_");
    let user_code = {
        let id = shared.new_id("");
        format!("{}-{}", &id[..4], &id[4..8]).to_ascii_uppercase()
    };
    let mut accounts = lock(&shared.accounts);
    let settings = accounts.settings.clone();
    accounts.devices.insert(
        device_code.clone(),
        DeviceGrant {
            app_id,
            user_code: user_code.clone(),
            scope: text(&fields, "scope").to_owned(),
            state: DeviceState::Pending,
            interval: settings.device_interval,
            polls: 0,
            last_poll: None,
            expires_at: Instant::now() + settings.device_code_ttl,
        },
    );
    let verify = format!("{}/oauth/v1/device/verify", shared.base_url());
    axum::Json(json!({
        "device_code": device_code,
        "user_code": user_code,
        "verification_uri": verify,
        "verification_uri_complete": format!("{verify}?user_code={user_code}"),
        "expires_in": settings.device_code_ttl.as_secs(),
        "interval": settings.device_interval.as_secs().max(1),
    }))
    .into_response()
}

/// `GET /oauth/v1/device/verify?user_code=…`: the test user approves (or denies, when set to).
async fn verify_device(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let user_code = query.get("user_code").map(String::as_str).unwrap_or("");
    let mut accounts = lock(&shared.accounts);
    let deny = accounts.settings.deny;
    let Some(device) = accounts
        .devices
        .values_mut()
        .find(|d| d.user_code.eq_ignore_ascii_case(user_code) && d.state == DeviceState::Pending)
    else {
        return (StatusCode::NOT_FOUND, "no pending sign-in with that code").into_response();
    };
    device.state = if deny {
        DeviceState::Denied
    } else {
        DeviceState::Approved
    };
    let done = if deny { "denied" } else { "approved" };
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("sign-in {done}"),
    )
        .into_response()
}
