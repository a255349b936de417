//! A token store kept by JavaScript: an object with async `get(key)`, `set(key, token)` and
//! `delete(key)`, such as a thin wrapper over Workers KV.
//!
//! Tokens travel as `{ value, expiresAt, refreshAt }` (Unix milliseconds). A store that throws
//! or answers garbage costs a token fetch, never a failed call: `get` then counts as a miss.

use lark_core::{BoxFuture, Secret, StoredToken, TokenStore};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::error::{get, lark_error, set};

pub(crate) struct JsTokenStore {
    object: JsValue,
    get: js_sys::Function,
    set: js_sys::Function,
    delete: Option<js_sys::Function>,
}

impl JsTokenStore {
    pub(crate) fn new(object: JsValue) -> Result<Self, JsValue> {
        let function = |name: &str| get(&object, name).and_then(|f| f.dyn_into().ok());
        let (Some(get_fn), Some(set_fn)) = (function("get"), function("set")) else {
            return Err(lark_error(
                "build",
                "`tokenStore` needs async `get(key)` and `set(key, token)` methods",
            ));
        };
        Ok(Self {
            delete: function("delete"),
            get: get_fn,
            set: set_fn,
            object,
        })
    }
}

/// Awaits `value` when it is a promise.
async fn settle(value: JsValue) -> Result<JsValue, JsValue> {
    match value.dyn_into::<js_sys::Promise>() {
        Ok(promise) => JsFuture::from(promise).await,
        Err(value) => Ok(value),
    }
}

fn decode(value: &JsValue) -> Option<StoredToken> {
    let value_field = get(value, "value")?.as_string()?;
    let millis = |name| {
        get(value, name)
            .and_then(|v| v.as_f64())
            .filter(|n| n.is_finite() && *n >= 0.0)
            .map(|n| n as u64)
    };
    Some(StoredToken {
        value: Secret::new(value_field),
        expires_at_millis: millis("expiresAt")?,
        refresh_at_millis: millis("refreshAt")?,
    })
}

impl TokenStore for JsTokenStore {
    fn get<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Option<StoredToken>> {
        Box::pin(async move {
            let called = self.get.call1(&self.object, &JsValue::from_str(key)).ok()?;
            decode(&settle(called).await.ok()?)
        })
    }

    fn set<'a>(&'a self, key: &'a str, token: StoredToken) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let js = js_sys::Object::new();
            set(&js, "value", token.value.expose());
            // Unix milliseconds stay exact in f64 until the year 287396.
            set(&js, "expiresAt", token.expires_at_millis as f64);
            set(&js, "refreshAt", token.refresh_at_millis as f64);
            if let Ok(called) = self.set.call2(&self.object, &JsValue::from_str(key), &js) {
                let _ = settle(called).await;
            }
        })
    }

    fn remove<'a>(&'a self, key: &'a str) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            let Some(delete) = &self.delete else {
                // Without `delete`, an already expired entry does the same job.
                let js = js_sys::Object::new();
                set(&js, "value", "");
                set(&js, "expiresAt", 0);
                set(&js, "refreshAt", 0);
                if let Ok(called) = self.set.call2(&self.object, &JsValue::from_str(key), &js) {
                    let _ = settle(called).await;
                }
                return;
            };
            if let Ok(called) = delete.call1(&self.object, &JsValue::from_str(key)) {
                let _ = settle(called).await;
            }
        })
    }
}
