//! Custom-bot webhooks: `POST /open-apis/bot/v2/hook/:token`.
//!
//! Like the platform, every answer is HTTP 200; the outcome is in `code`.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};

use crate::codes;
use crate::reply::now_millis;
use crate::state::Shared;

/// How far a signed request's timestamp may be from now.
const WINDOW_SECS: u64 = 3600;

fn fail(code: i64, msg: &str) -> Response {
    axum::Json(json!({"code": code, "msg": msg, "data": {}})).into_response()
}

fn bad_request(detail: &str) -> Response {
    fail(codes::BOT_BAD_REQUEST, &format!("Bad Request: {detail}"))
}

/// The signature the platform expects: base64(HMAC-SHA256(key = "{timestamp}\n{secret}", message = "")).
pub(crate) fn signature_ok(timestamp: &str, secret: &str, sign: &str) -> bool {
    let Ok(expected_mac) = base64::engine::general_purpose::STANDARD.decode(sign.trim()) else {
        return false;
    };
    let key = format!("{timestamp}\n{secret}");
    let Ok(mac) = Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()) else {
        return false;
    };
    // verify_slice compares in constant time.
    mac.verify_slice(&expected_mac).is_ok()
}

/// Checks `msg_type` and its content; the error is the detail of a 9499 answer.
fn check_content(body: &serde_json::Map<String, Value>) -> Result<(), String> {
    let msg_type = body
        .get("msg_type")
        .and_then(Value::as_str)
        .ok_or_else(|| "msg_type is required".to_owned())?;
    let content = body.get("content").and_then(Value::as_object);
    let has =
        |key: &str, pred: fn(&Value) -> bool| content.and_then(|c| c.get(key)).is_some_and(pred);
    let ok = match msg_type {
        "text" => has("text", Value::is_string),
        "post" => has("post", Value::is_object),
        "image" => has("image_key", Value::is_string),
        "share_chat" => has("share_chat_id", Value::is_string),
        "interactive" => {
            body.get("card")
                .is_some_and(|c| c.is_object() || c.is_string())
                || content.is_some()
        }
        _ => return Err(format!("unknown msg_type {msg_type}")),
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "the content of a {msg_type} message is missing or malformed"
        ))
    }
}

/// The webhook.
pub(crate) async fn hook(
    State(shared): State<Arc<Shared>>,
    Path(token): Path<String>,
    body: Bytes,
) -> Response {
    let Some((secret, keywords)) = shared
        .data()
        .bots
        .get(&token)
        .map(|b| (b.secret.clone(), b.keywords.clone()))
    else {
        return fail(
            codes::BOT_TOKEN_INVALID,
            "param invalid: incoming webhook access token invalid",
        );
    };
    let body = match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Object(map)) => map,
        _ => return bad_request("the body is not a JSON object"),
    };
    if let Some(secret) = secret {
        let sign_fail = || {
            fail(
                codes::BOT_SIGN_FAILED,
                "sign match fail or timestamp is not within one hour from current time",
            )
        };
        let timestamp = body.get("timestamp").and_then(|t| match t {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        });
        let sign = body.get("sign").and_then(Value::as_str);
        let (Some(timestamp), Some(sign)) = (timestamp, sign) else {
            return sign_fail();
        };
        let Ok(secs) = timestamp.parse::<u64>() else {
            return sign_fail();
        };
        let now = now_millis() / 1000;
        if now.abs_diff(secs) > WINDOW_SECS || !signature_ok(&timestamp, &secret, sign) {
            return sign_fail();
        }
    }
    if let Err(detail) = check_content(&body) {
        return bad_request(&detail);
    }
    if !keywords.is_empty() {
        let text = format!(
            "{} {}",
            body.get("content")
                .map(Value::to_string)
                .unwrap_or_default(),
            body.get("card").map(Value::to_string).unwrap_or_default()
        );
        if !keywords.iter().any(|k| text.contains(k.as_str())) {
            return fail(codes::BOT_KEYWORDS_NOT_FOUND, "Key Words Not Found");
        }
    }
    if let Some(bot) = shared.data().bots.get_mut(&token) {
        bot.messages.push(Value::Object(body));
    }
    axum::Json(json!({
        "StatusCode": 0,
        "StatusMessage": "success",
        "code": 0,
        "data": {},
        "msg": "success",
    }))
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sign(timestamp: &str, secret: &str) -> String {
        let key = format!("{timestamp}\n{secret}");
        let mac = Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).unwrap();
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    }

    #[test]
    fn signatures() {
        let s = sign("1599360473", "secret");
        assert!(signature_ok("1599360473", "secret", &s));
        assert!(!signature_ok("1599360474", "secret", &s));
        assert!(!signature_ok("1599360473", "other", &s));
        assert!(!signature_ok("1599360473", "secret", "not base64 !"));
        assert!(!signature_ok("1599360473", "secret", ""));
    }
}
