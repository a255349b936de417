//! What every handler answers with: a Lark envelope (`success`, `LarkError`), and the two
//! small helpers the whole mock leans on (a lock that survives a poisoned mutex, the wall clock
//! in milliseconds).

use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

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
