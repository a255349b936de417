//! SDK errors as JavaScript `Error`s that keep Lark's code, message, log id, status and body.

use wasm_bindgen::{JsCast, JsValue};

/// Sets `name` on `target`; a failure (a frozen object) only loses the property.
pub(crate) fn set(target: &JsValue, name: &str, value: impl Into<JsValue>) {
    let _ = js_sys::Reflect::set(target, &JsValue::from_str(name), &value.into());
}

/// A property of `source`, when it is there and not `undefined`/`null`.
#[cfg_attr(not(feature = "client"), allow(dead_code))]
pub(crate) fn get(source: &JsValue, name: &str) -> Option<JsValue> {
    // `Reflect.get` throws on anything else, and a thrown error costs its stack trace.
    if !source.is_object() && !source.is_function() {
        return None;
    }
    js_sys::Reflect::get(source, &JsValue::from_str(name))
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

/// A string property of `source`.
#[cfg_attr(not(feature = "client"), allow(dead_code))]
pub(crate) fn get_string(source: &JsValue, name: &str) -> Option<String> {
    get(source, name).and_then(|v| v.as_string())
}

/// A `build` LarkError whose message is `parts` joined: no `format!` per message (each is its
/// own formatting code in the wasm).
#[cfg_attr(not(feature = "client"), allow(dead_code))]
pub(crate) fn build_error(parts: &[&str]) -> JsValue {
    lark_error("build", &parts.concat())
}

/// A `LarkError` of `kind` with `message`.
pub(crate) fn lark_error(kind: &str, message: &str) -> JsValue {
    let error = js_sys::Error::new(message);
    error.set_name("LarkError");
    let error: JsValue = error.unchecked_into();
    set(&error, "kind", kind);
    error
}

/// Turns an SDK error into a `LarkError` whose `kind` says what happened: `build` (nothing was
/// sent), `transport`, `timeout`, `api` (with `code`, `msg`, `logId`, `httpStatus`, `body`),
/// `decode` (with `httpStatus` and the raw `body`), `token`, `event`, `pagination`, and with
/// the `users` feature `oauth` (a refused sign-in or refresh, with `mustReauthorize`).
pub(crate) fn to_js(error: lark_core::Error) -> JsValue {
    let kind = match &error {
        lark_core::Error::Build(_) => "build",
        lark_core::Error::Transport(_) => "transport",
        lark_core::Error::Timeout(_) => "timeout",
        lark_core::Error::Api(_) => "api",
        lark_core::Error::Decode(_) => "decode",
        lark_core::Error::Token { .. } => "token",
        lark_core::Error::Event(_) => "event",
        lark_core::Error::Pagination(_) => "pagination",
        #[cfg(feature = "users")]
        lark_core::Error::OAuth(_) => "oauth",
        _ => "other",
    };
    let js = lark_error(kind, &error.to_string());
    if let Some(code) = error.code() {
        // Lark's codes fit in f64's exact range.
        set(&js, "code", code as f64);
    }
    if let Some(log_id) = error.log_id() {
        set(&js, "logId", log_id);
    }
    if let Some(status) = error.http_status() {
        // `status` as node-sdk users read it off an HTTP error; `httpStatus` as before.
        set(&js, "status", status);
        set(&js, "httpStatus", status);
    }
    match &error {
        // A login the platform ended (or none stored): the user has to sign in again.
        #[cfg(feature = "users")]
        lark_core::Error::OAuth(oauth) => {
            set(&js, "mustReauthorize", oauth.must_reauthorize());
        }
        lark_core::Error::Api(api) => {
            set(&js, "msg", api.msg.as_str());
            set(&js, "body", String::from_utf8_lossy(&api.body).as_ref());
        }
        lark_core::Error::Decode(decode) => {
            set(&js, "body", String::from_utf8_lossy(&decode.body).as_ref());
        }
        lark_core::Error::Token {
            source: Some(source),
            ..
        } => {
            if let lark_core::Error::Api(api) = &**source {
                set(&js, "msg", api.msg.as_str());
            }
        }
        _ => {}
    }
    js
}
