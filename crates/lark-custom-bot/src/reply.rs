//! Decoding the webhook's answer.
//!
//! The webhook answers `{"code": 0, "msg": "success", "data": {}}`, or, on older
//! deployments, `{"StatusCode": 0, "StatusMessage": "success", "Extra": null}`. A non-zero
//! code becomes [`lark_core::Error::Api`] carrying the code and message; an answer that is
//! neither becomes [`lark_core::Error::Decode`] with the raw body.

use serde::Deserialize;
use serde_json::Value;

use lark_core::{ApiError, DecodeError, Error, Result};

/// Codes the webhook answers with, named.
pub mod codes {
    /// The request body is malformed (not JSON, a wrong `msg_type`, a missing field).
    pub const BAD_REQUEST: i64 = 9499;
    /// The bot is disabled in the group.
    pub const BOT_NOT_ENABLED: i64 = 19007;
    /// The signature does not match, or the timestamp is more than an hour from the
    /// platform's clock.
    pub const SIGNATURE_MISMATCH: i64 = 19021;
    /// The caller's IP address is not on the bot's allow list.
    pub const IP_NOT_ALLOWED: i64 = 19022;
    /// The message contains none of the bot's keywords.
    pub const KEYWORD_MISMATCH: i64 = 19024;
    /// Too many messages: a custom bot may post 100 per minute and 5 per second.
    pub const RATE_LIMITED: i64 = 11232;
}

/// The header carrying the request's log id.
const LOG_ID_HEADER: &str = "x-tt-logid";

/// A successful answer of the webhook.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Reply {
    /// The platform's message, usually `success`.
    pub msg: String,
    /// The `data` object, when the answer had a non-null one.
    pub data: Option<Value>,
    /// The HTTP status.
    pub http_status: u16,
    /// `X-Tt-Logid`, which Lark's support asks for.
    pub log_id: Option<String>,
}

#[derive(Deserialize)]
struct Wire {
    code: Option<i64>,
    msg: Option<String>,
    #[serde(default)]
    data: Option<Value>,
    #[serde(rename = "StatusCode")]
    status_code: Option<i64>,
    #[serde(rename = "StatusMessage")]
    status_message: Option<String>,
}

/// Decodes the webhook's HTTP answer: a [`Reply`] for code 0, [`Error::Api`] with the code and
/// message otherwise, [`Error::Decode`] (raw body kept) for anything that is not a reply.
pub fn decode_reply(response: http::Response<Vec<u8>>) -> Result<Reply> {
    let (parts, body) = response.into_parts();
    let status = parts.status;
    let log_id = parts
        .headers
        .get(LOG_ID_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let decode_error = |message: String, source: Option<serde_json::Error>, body: Vec<u8>| {
        Error::Decode(Box::new(DecodeError::new(
            message,
            status.as_u16(),
            log_id.clone(),
            body,
            source,
        )))
    };
    let http_problem = if status.is_success() {
        String::new()
    } else {
        format!("HTTP {} and ", status.as_u16())
    };

    let wire: Wire = match serde_json::from_slice(&body) {
        Ok(wire) => wire,
        Err(e) => {
            let what = if body.is_empty() {
                "an empty body"
            } else {
                "a body that is not a JSON reply"
            };
            return Err(decode_error(
                format!("the webhook answered {http_problem}{what}"),
                Some(e),
                body,
            ));
        }
    };
    let (code, msg) = match (wire.code, wire.status_code) {
        (Some(code), _) => (code, wire.msg.or(wire.status_message)),
        (None, Some(code)) => (code, wire.status_message.or(wire.msg)),
        (None, None) => {
            return Err(decode_error(
                format!("the webhook answered {http_problem}JSON without `code` or `StatusCode`"),
                None,
                body,
            ));
        }
    };
    let msg = msg.unwrap_or_default();
    if code != 0 {
        return Err(Error::Api(Box::new(ApiError::new(
            code,
            msg,
            log_id,
            status.as_u16(),
            body,
        ))));
    }
    if !status.is_success() {
        return Err(decode_error(
            format!("the webhook answered HTTP {} with code 0", status.as_u16()),
            None,
            body,
        ));
    }
    Ok(Reply {
        msg,
        data: wire.data.filter(|d| !d.is_null()),
        http_status: status.as_u16(),
        log_id,
    })
}
