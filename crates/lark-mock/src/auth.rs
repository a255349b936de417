//! Token endpoints and the `Authorization` checks of every other endpoint.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use serde_json::{Value, json};

use crate::codes;
use crate::reply::{HandlerResult, LarkError};
use crate::state::{AppKind, IssuedToken, Shared};

/// A token kind an endpoint accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Tenant,
    User,
    App,
}

/// Who made an authorised call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Caller {
    Tenant { app_id: String, tenant_key: String },
    App { app_id: String },
    User { open_id: String },
}

impl Caller {
    /// The sender object of a message sent by this caller.
    pub(crate) fn sender(&self) -> Value {
        match self {
            Caller::Tenant { app_id, tenant_key } => json!({
                "id": app_id, "id_type": "app_id", "sender_type": "app", "tenant_key": tenant_key,
            }),
            Caller::App { app_id } => json!({
                "id": app_id, "id_type": "app_id", "sender_type": "app", "tenant_key": crate::mock::MockServer::TENANT_KEY,
            }),
            Caller::User { open_id } => json!({
                "id": open_id, "id_type": "open_id", "sender_type": "user", "tenant_key": crate::mock::MockServer::TENANT_KEY,
            }),
        }
    }

    /// A key identifying the caller, for `uuid` de-duplication.
    pub(crate) fn key(&self) -> String {
        match self {
            Caller::Tenant { app_id, tenant_key } => format!("t:{app_id}:{tenant_key}"),
            Caller::App { app_id } => format!("a:{app_id}"),
            Caller::User { open_id } => format!("u:{open_id}"),
        }
    }

    pub(crate) fn tenant_key(&self) -> &str {
        match self {
            Caller::Tenant { tenant_key, .. } => tenant_key,
            _ => crate::mock::MockServer::TENANT_KEY,
        }
    }
}

/// Checks `Authorization` (and, under `/open-apis/helpdesk/`, `X-Lark-Helpdesk-Authorization`)
/// against the issued tokens. Every failure is HTTP 400 with the platform's code, except a
/// helpdesk credential failure: HTTP 401, code 154001.
pub(crate) fn check(
    shared: &Shared,
    headers: &http::HeaderMap,
    path: &str,
    accepts: &[Kind],
) -> Result<Caller, LarkError> {
    let caller = check_token(shared, headers, accepts)?;
    if path.starts_with("/open-apis/helpdesk/") {
        check_helpdesk(shared, headers)?;
    }
    Ok(caller)
}

fn check_token(
    shared: &Shared,
    headers: &http::HeaderMap,
    accepts: &[Kind],
) -> Result<Caller, LarkError> {
    let Some(value) = headers.get(http::header::AUTHORIZATION) else {
        return Err(LarkError::bad(
            codes::MISSING_ACCESS_TOKEN,
            "Missing access token for authorization. Please make a request with token attached.",
        ));
    };
    let malformed = || {
        LarkError::bad(
            codes::MALFORMED_ACCESS_TOKEN,
            "Invalid access token for authorization. Please make a request with token attached \
             that starts with 't-', 'u-' or 'a-' after 'Bearer '.",
        )
    };
    let token = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or_else(malformed)?;
    let now = Instant::now();
    let data = shared.data();
    if token.starts_with("t-") {
        let invalid = || {
            LarkError::bad(
                codes::INVALID_TENANT_TOKEN,
                "Invalid access token for authorization. Please make a request with token attached.",
            )
        };
        let issued = data.tenant_tokens.get(token).ok_or_else(invalid)?;
        if issued.expires_at <= now {
            return Err(invalid());
        }
        if !accepts.contains(&Kind::Tenant) {
            return Err(LarkError::bad(
                codes::INVALID_TENANT_TOKEN,
                "this endpoint does not accept a tenant access token",
            ));
        }
        return Ok(Caller::Tenant {
            app_id: issued.app_id.clone(),
            tenant_key: issued.tenant_key.clone(),
        });
    }
    if token.starts_with("a-") {
        let invalid = |msg: &str| LarkError::bad(codes::INVALID_APP_TOKEN, msg);
        let issued = data
            .app_tokens
            .get(token)
            .filter(|t| t.expires_at > now)
            .ok_or_else(|| invalid("Invalid app access token for authorization."))?;
        if !accepts.contains(&Kind::App) {
            return Err(invalid("this endpoint does not accept an app access token"));
        }
        return Ok(Caller::App {
            app_id: issued.app_id.clone(),
        });
    }
    if token.starts_with("u-") {
        let invalid = |msg: &str| LarkError::bad(codes::INVALID_USER_TOKEN, msg);
        let user = data
            .user_tokens
            .get(token)
            .ok_or_else(|| invalid("Invalid user access token for authorization."))?;
        if user.expires_at.is_some_and(|at| at <= now) {
            return Err(LarkError::bad(
                codes::EXPIRED_USER_TOKEN,
                "Authentication token expired. Please make a request with a valid token.",
            ));
        }
        if !accepts.contains(&Kind::User) {
            return Err(invalid("this endpoint does not accept a user access token"));
        }
        return Ok(Caller::User {
            open_id: user.open_id.clone(),
        });
    }
    Err(malformed())
}

fn check_helpdesk(shared: &Shared, headers: &http::HeaderMap) -> Result<(), LarkError> {
    let unauthorized = || {
        LarkError::new(
            401,
            codes::HELPDESK_UNAUTHORIZED,
            "Unauthorized, please check you have the correct access",
        )
    };
    let decoded = headers
        .get("x-lark-helpdesk-authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            base64::engine::general_purpose::STANDARD
                .decode(v.trim())
                .ok()
        })
        .and_then(|v| String::from_utf8(v).ok())
        .ok_or_else(unauthorized)?;
    let (id, token) = decoded.split_once(':').ok_or_else(unauthorized)?;
    match shared.data().helpdesks.get(id) {
        Some(expected) if expected == token => Ok(()),
        _ => Err(unauthorized()),
    }
}

/// The fields of a token request body; a missing or non-string field is `None`.
fn fields<const N: usize>(body: &[u8], names: [&str; N]) -> Result<[String; N], LarkError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| LarkError::bad(codes::TOKEN_PARAM_INVALID, format!("invalid param: {e}")))?;
    let mut out: [String; N] = std::array::from_fn(|_| String::new());
    for (slot, name) in out.iter_mut().zip(names) {
        match value.get(name).and_then(Value::as_str) {
            Some(v) if !v.is_empty() => *slot = v.to_owned(),
            _ => {
                return Err(LarkError::bad(
                    codes::TOKEN_PARAM_INVALID,
                    format!("invalid param: {name} is required"),
                ));
            }
        }
    }
    Ok(out)
}

/// The app behind `app_id` when `secret` is its secret.
fn app_kind(shared: &Shared, app_id: &str, secret: &str) -> Result<AppKind, LarkError> {
    let data = shared.data();
    let app = data.apps.get(app_id).ok_or_else(|| {
        LarkError::bad(
            codes::TOKEN_PARAM_INVALID,
            format!("invalid param: app_id {app_id} does not exist"),
        )
    })?;
    if app.secret != secret {
        return Err(LarkError::bad(
            codes::APP_SECRET_INVALID,
            "app secret invalid",
        ));
    }
    Ok(app.kind)
}

fn token_answer(field: &str, token: &str, shared: &Shared) -> Response {
    let ttl = shared.token_ttl();
    let expire = ttl.as_secs() + u64::from(ttl.subsec_nanos() > 0);
    let mut body = serde_json::Map::new();
    body.insert("code".into(), json!(0));
    body.insert("msg".into(), json!("ok"));
    body.insert(field.into(), json!(token));
    body.insert("expire".into(), json!(expire));
    axum::Json(Value::Object(body)).into_response()
}

pub(crate) fn issue(
    shared: &Shared,
    prefix: &str,
    app_id: &str,
    tenant_key: &str,
) -> (String, IssuedToken) {
    let token = shared.new_id(prefix);
    let issued = IssuedToken {
        app_id: app_id.to_owned(),
        tenant_key: tenant_key.to_owned(),
        expires_at: Instant::now() + shared.token_ttl(),
    };
    (token, issued)
}

/// `POST /open-apis/auth/v3/tenant_access_token/internal`.
pub(crate) async fn tenant_token_internal(
    State(shared): State<Arc<Shared>>,
    body: Bytes,
) -> HandlerResult {
    let [app_id, secret] = fields(&body, ["app_id", "app_secret"])?;
    if app_kind(&shared, &app_id, &secret)? != AppKind::SelfBuilt {
        return Err(LarkError::bad(
            codes::TOKEN_PARAM_INVALID,
            "invalid param: a marketplace app gets its tenant access token from \
             /open-apis/auth/v3/tenant_access_token",
        ));
    }
    let (token, issued) = issue(&shared, "t-", &app_id, crate::mock::MockServer::TENANT_KEY);
    shared.data().tenant_tokens.insert(token.clone(), issued);
    Ok(token_answer("tenant_access_token", &token, &shared))
}

/// `POST /open-apis/auth/v3/app_access_token/internal`.
pub(crate) async fn app_token_internal(
    State(shared): State<Arc<Shared>>,
    body: Bytes,
) -> HandlerResult {
    let [app_id, secret] = fields(&body, ["app_id", "app_secret"])?;
    if app_kind(&shared, &app_id, &secret)? != AppKind::SelfBuilt {
        return Err(LarkError::bad(
            codes::TOKEN_PARAM_INVALID,
            "invalid param: a marketplace app gets its app access token from \
             /open-apis/auth/v3/app_access_token with an app_ticket",
        ));
    }
    let (token, issued) = issue(&shared, "a-", &app_id, crate::mock::MockServer::TENANT_KEY);
    shared.data().app_tokens.insert(token.clone(), issued);
    Ok(token_answer("app_access_token", &token, &shared))
}

/// `POST /open-apis/auth/v3/app_ticket/resend`: records a fresh ticket, as if the platform
/// had pushed it in an `app_ticket` event.
pub(crate) async fn resend_app_ticket(
    State(shared): State<Arc<Shared>>,
    body: Bytes,
) -> HandlerResult {
    let [app_id, secret] = fields(&body, ["app_id", "app_secret"])?;
    if app_kind(&shared, &app_id, &secret)? != AppKind::Marketplace {
        return Err(LarkError::bad(
            codes::TOKEN_PARAM_INVALID,
            "invalid param: only marketplace apps receive an app_ticket",
        ));
    }
    let ticket = shared.new_id("tk-");
    if let Some(app) = shared.data().apps.get_mut(&app_id) {
        app.tickets.push(ticket);
    }
    Ok(axum::Json(json!({"code": 0, "msg": "ok"})).into_response())
}

/// `POST /open-apis/auth/v3/app_access_token` (marketplace apps, with the app_ticket).
pub(crate) async fn app_token_marketplace(
    State(shared): State<Arc<Shared>>,
    body: Bytes,
) -> HandlerResult {
    let [app_id, secret, ticket] = fields(&body, ["app_id", "app_secret", "app_ticket"])?;
    if app_kind(&shared, &app_id, &secret)? != AppKind::Marketplace {
        return Err(LarkError::bad(
            codes::TOKEN_PARAM_INVALID,
            "invalid param: a self-built app gets its app access token from \
             /open-apis/auth/v3/app_access_token/internal",
        ));
    }
    let known = shared
        .data()
        .apps
        .get(&app_id)
        .is_some_and(|app| app.tickets.contains(&ticket));
    if !known {
        return Err(LarkError::bad(
            codes::APP_TICKET_INVALID,
            "app ticket invalid",
        ));
    }
    let (token, issued) = issue(&shared, "a-", &app_id, "");
    shared.data().app_tokens.insert(token.clone(), issued);
    Ok(token_answer("app_access_token", &token, &shared))
}

/// `POST /open-apis/auth/v3/tenant_access_token` (marketplace apps, per tenant).
pub(crate) async fn tenant_token_marketplace(
    State(shared): State<Arc<Shared>>,
    body: Bytes,
) -> HandlerResult {
    let [app_token, tenant_key] = fields(&body, ["app_access_token", "tenant_key"])?;
    let app_id = {
        let data = shared.data();
        let issued = data
            .app_tokens
            .get(&app_token)
            .filter(|t| t.expires_at > Instant::now())
            .ok_or_else(|| LarkError::bad(codes::INVALID_APP_TOKEN, "app access token invalid"))?;
        issued.app_id.clone()
    };
    let (token, issued) = issue(&shared, "t-", &app_id, &tenant_key);
    shared.data().tenant_tokens.insert(token.clone(), issued);
    Ok(token_answer("tenant_access_token", &token, &shared))
}
