//! What every handler answers with: a Lark envelope (`success`, `LarkError`), the readers of a
//! JSON request body that answer the platform's field-validation error, and the two small
//! helpers the whole mock leans on (a lock that survives a poisoned mutex, the wall clock in
//! milliseconds).

use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::codes;

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

pub(crate) fn now_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// A Lark error answer: `{"code":code,"msg":msg,"data":{}}` with `status`.
#[derive(Debug, Clone)]
pub(crate) struct LarkError {
    pub(crate) status: http::StatusCode,
    pub(crate) code: i64,
    pub(crate) msg: String,
}

impl LarkError {
    pub(crate) fn new(status: u16, code: i64, msg: impl Into<String>) -> Self {
        Self {
            status: http::StatusCode::from_u16(status).unwrap_or(http::StatusCode::BAD_REQUEST),
            code,
            msg: msg.into(),
        }
    }

    /// HTTP 400 with `code`.
    pub(crate) fn bad(code: i64, msg: impl Into<String>) -> Self {
        Self::new(400, code, msg)
    }
}

impl IntoResponse for LarkError {
    fn into_response(self) -> Response {
        let body = json!({"code": self.code, "msg": self.msg, "data": {}});
        (self.status, axum::Json(body)).into_response()
    }
}

/// `{"code":0,"msg":"success","data":data}`.
pub(crate) fn success(data: Value) -> Response {
    axum::Json(json!({"code": 0, "msg": "success", "data": data})).into_response()
}

pub(crate) type HandlerResult = Result<Response, LarkError>;

pub(crate) fn json_body(body: &[u8]) -> Result<serde_json::Map<String, Value>, LarkError> {
    if body.is_empty() {
        return Ok(serde_json::Map::new());
    }
    match serde_json::from_slice(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(invalid_field("the body must be a JSON object")),
        Err(e) => Err(invalid_field(&format!("the body is not valid JSON: {e}"))),
    }
}

pub(crate) fn invalid_field(detail: &str) -> LarkError {
    LarkError::bad(
        codes::FIELD_VALIDATION_FAILED,
        format!("field validation failed: {detail}"),
    )
}

pub(crate) fn required_str<'a>(
    map: &'a serde_json::Map<String, Value>,
    key: &str,
) -> Result<&'a str, LarkError> {
    map.get(key)
        .and_then(Value::as_str)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| invalid_field(&format!("{key} is required and must be a string")))
}

pub(crate) fn optional_str<'a>(
    map: &'a serde_json::Map<String, Value>,
    key: &str,
) -> Result<Option<&'a str>, LarkError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(invalid_field(&format!("{key} must be a string"))),
    }
}
