//! The user token store kept by JavaScript (feature `users`), for the signed-in users of
//! `users.rs`.
//!
//! A `userTokenStore` has async `get(key)`, `set(key, login)`, `delete(key)`, and optionally
//! `tryAcquireRefresh(lease)` / `releaseRefresh(lease)` (as the token store's). A login travels
//! as `{ accessToken, refreshToken, expiresAt, refreshExpiresAt, scope }` (Unix milliseconds;
//! `refreshToken` and `refreshExpiresAt` may be `null`). Unlike the app's token store, a throw
//! or an answer that is not a login is the call's error (a `token` LarkError naming the method,
//! never what was stored): a lost login cannot be fetched again.

use lark_core::{BoxFuture, RefreshLease, Secret, StoreError, StoredUserToken, UserTokenStore};
use wasm_bindgen::prelude::*;

use crate::error::{get, get_string, lark_error, set};
use crate::store::{call, claim, lease_methods, method, unclaim};

pub(crate) struct JsUserTokenStore {
    object: JsValue,
    get: js_sys::Function,
    set: js_sys::Function,
    delete: js_sys::Function,
    lease: Option<(js_sys::Function, js_sys::Function)>,
}

impl JsUserTokenStore {
    pub(crate) fn new(object: JsValue) -> Result<Self, JsValue> {
        let (Some(get_fn), Some(set_fn), Some(delete)) = (
            method(&object, "get"),
            method(&object, "set"),
            method(&object, "delete"),
        ) else {
            return Err(lark_error(
                "build",
                "`userTokenStore` needs async `get(key)`, `set(key, login)` and `delete(key)` methods",
            ));
        };
        let lease = lease_methods(
            &object,
            "`userTokenStore` needs both `tryAcquireRefresh(lease)` and `releaseRefresh(lease)`, or neither",
        )?;
        Ok(Self {
            object,
            get: get_fn,
            set: set_fn,
            delete,
            lease,
        })
    }
}

/// A number of Unix milliseconds.
fn millis(value: &JsValue) -> Option<u64> {
    value
        .as_f64()
        .filter(|n| n.is_finite() && *n >= 0.0)
        .map(|n| n as u64)
}

/// A stored login, or `None` for anything else (the caller says which method answered it).
fn decode(value: &JsValue) -> Option<StoredUserToken> {
    let access = get_string(value, "accessToken").filter(|t| !t.is_empty())?;
    let mut token = StoredUserToken::new(Secret::new(access), millis(&get(value, "expiresAt")?)?);
    if let Some(refresh) = get(value, "refreshToken") {
        token.refresh_token = Some(Secret::new(refresh.as_string()?));
    }
    if let Some(until) = get(value, "refreshExpiresAt") {
        token.refresh_expires_at_millis = Some(millis(&until)?);
    }
    if let Some(scope) = get(value, "scope") {
        token.scope = scope.as_string()?;
    }
    Some(token)
}

fn encode(token: &StoredUserToken) -> JsValue {
    let js: JsValue = js_sys::Object::new().into();
    set(&js, "accessToken", token.access_token.expose());
    set(
        &js,
        "refreshToken",
        token
            .refresh_token
            .as_ref()
            .map_or(JsValue::NULL, |t| t.expose().into()),
    );
    // Unix milliseconds stay exact in f64 until the year 287396.
    set(&js, "expiresAt", token.expires_at_millis as f64);
    set(
        &js,
        "refreshExpiresAt",
        token
            .refresh_expires_at_millis
            .map_or(JsValue::NULL, |t| (t as f64).into()),
    );
    set(&js, "scope", token.scope.as_str());
    js
}

impl UserTokenStore for JsUserTokenStore {
    fn get<'a>(
        &'a self,
        key: &'a str,
    ) -> BoxFuture<'a, Result<Option<StoredUserToken>, StoreError>> {
        Box::pin(async move {
            let answer = call(
                &self.object,
                &self.get,
                "userTokenStore.get",
                &[&JsValue::from_str(key)],
            )
            .await?;
            if answer.is_null() || answer.is_undefined() {
                return Ok(None);
            }
            decode(&answer).map(Some).ok_or_else(|| {
                StoreError::new(
                    "userTokenStore.get must answer null or { accessToken, refreshToken, expiresAt, refreshExpiresAt, scope }",
                )
            })
        })
    }

    fn set<'a>(
        &'a self,
        key: &'a str,
        token: StoredUserToken,
    ) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            call(
                &self.object,
                &self.set,
                "userTokenStore.set",
                &[&JsValue::from_str(key), &encode(&token)],
            )
            .await
            .map(|_| ())
        })
    }

    fn remove<'a>(&'a self, key: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            call(
                &self.object,
                &self.delete,
                "userTokenStore.delete",
                &[&JsValue::from_str(key)],
            )
            .await
            .map(|_| ())
        })
    }

    fn try_acquire_refresh<'a>(
        &'a self,
        lease: &'a RefreshLease,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(claim(&self.object, &self.lease, lease))
    }

    fn release_refresh<'a>(&'a self, lease: &'a RefreshLease) -> BoxFuture<'a, ()> {
        Box::pin(unclaim(&self.object, &self.lease, lease))
    }
}
