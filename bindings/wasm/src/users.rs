//! Signed-in users (feature `users`): a user token store kept by JavaScript, and the sign-in
//! calls of `WasmClient.users`. Refreshes, the one-at-a-time gate and the end of a login the
//! platform refused are lark-core's managed user tokens; this module only adapts.
//!
//! A `userTokenStore` has async `get(key)`, `set(key, login)`, `delete(key)`, and optionally
//! `tryAcquireRefresh(lease)` / `releaseRefresh(lease)` (as the token store's). A login travels
//! as `{ accessToken, refreshToken, expiresAt, refreshExpiresAt, scope }` (Unix milliseconds;
//! `refreshToken` and `refreshExpiresAt` may be `null`). Unlike the app's token store, a throw
//! or an answer that is not a login is the call's error (a `token` LarkError naming the method,
//! never what was stored): a lost login cannot be fetched again.

use lark_core::oauth::{Authorization, Pkce};
use lark_core::{BoxFuture, RefreshLease, Secret, StoreError, StoredUserToken, UserTokenStore};
use wasm_bindgen::prelude::*;

use crate::client::{WasmClient, promise};
use crate::error::{build_error, get, get_string, lark_error, set, to_js};
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

/// The query of a redirect: what follows `?` in a URL (without a `#fragment`), or `text` as it
/// is when it has no `?`.
fn redirect_query(text: &str) -> &str {
    let query = text.split_once('?').map_or(text, |(_, q)| q);
    query.split_once('#').map_or(query, |(q, _)| q)
}

/// `{ scope, expiresAt, refreshExpiresAt }` of a login (no token).
fn status(scope: &str, expires_at: u64, refresh_expires_at: Option<u64>) -> JsValue {
    let js: JsValue = js_sys::Object::new().into();
    set(&js, "scope", scope);
    set(&js, "expiresAt", expires_at as f64);
    set(
        &js,
        "refreshExpiresAt",
        refresh_expires_at.map_or(JsValue::NULL, |t| (t as f64).into()),
    );
    js
}

#[wasm_bindgen]
impl WasmClient {
    /// Signed-in users, one export for five calls (each async export is its own promise code):
    ///
    /// - `what` 0 begins a sign-in: `arg` is `{ redirectUri, scopes }`; resolves to `{ url,
    ///   state, codeVerifier, redirectUri }`, to keep until the redirect comes back;
    /// - 1 finishes it for `user`: `arg` is that object, `redirect` the redirect's URL or query;
    ///   checks the state, trades the code with the PKCE verifier, stores the login; resolves
    ///   to `{ scope, expiresAt, refreshExpiresAt }`;
    /// - 2 signs `user` out;
    /// - 3 resolves to `user`'s access token, refreshed when due;
    /// - 4 resolves to `user`'s `{ scope, expiresAt, refreshExpiresAt }`, or `null`.
    pub fn users(
        &self,
        what: u8,
        user: String,
        arg: JsValue,
        redirect: Option<String>,
    ) -> js_sys::Promise {
        let client = self.client.clone();
        promise(Box::pin(async move {
            let client = &client;
            match what {
                0 => begin(client, &arg),
                1 => {
                    let (Some(state), Some(verifier), Some(redirect_uri), Some(redirect)) = (
                        get_string(&arg, "state"),
                        get_string(&arg, "codeVerifier"),
                        get_string(&arg, "redirectUri"),
                        redirect,
                    ) else {
                        return Err(build_error(&[
                            "finishSignIn needs the pending sign-in { state, codeVerifier, redirectUri } and the redirect URL",
                        ]));
                    };
                    let sign_in = Authorization::new(
                        client.config(),
                        &redirect_uri,
                        &[],
                        state,
                        Pkce::from_verifier(verifier),
                    )
                    .map_err(to_js)?;
                    let code = sign_in
                        .code_from_redirect(redirect_query(&redirect))
                        .map_err(|e| to_js(e.into()))?;
                    let token = client.exchange_code(&sign_in, code).await.map_err(to_js)?;
                    let answer = status(
                        &token.scope,
                        token.expires_at_millis,
                        token.refresh_expires_at_millis,
                    );
                    client.sign_in_user(&user, token).await.map_err(to_js)?;
                    Ok(answer)
                }
                2 => client
                    .sign_out_user(&user)
                    .await
                    .map(|()| JsValue::UNDEFINED)
                    .map_err(to_js),
                3 => client
                    .user_access_token(&user)
                    .await
                    .map(|t| t.expose().into())
                    .map_err(to_js),
                _ => client
                    .stored_user_token(&user)
                    .await
                    .map(|t| {
                        t.map_or(JsValue::NULL, |t| {
                            status(&t.scope, t.expires_at_millis, t.refresh_expires_at_millis)
                        })
                    })
                    .map_err(to_js),
            }
        }))
    }
}

/// Starts a sign-in: `arg` is `{ redirectUri, scopes }`.
fn begin(
    client: &lark_core::Client<lark_fetch::FetchClient>,
    arg: &JsValue,
) -> Result<JsValue, JsValue> {
    let (Some(redirect_uri), Some(scopes)) = (
        get_string(arg, "redirectUri"),
        get(arg, "scopes").filter(js_sys::Array::is_array),
    ) else {
        return Err(build_error(&[
            "beginSignIn needs { redirectUri, scopes: [...] }",
        ]));
    };
    let scopes: Vec<String> = js_sys::Array::from(&scopes)
        .iter()
        .filter_map(|s| s.as_string())
        .collect();
    let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
    let sign_in = client
        .authorization(&redirect_uri, &scopes)
        .map_err(to_js)?;
    let js: JsValue = js_sys::Object::new().into();
    set(&js, "url", sign_in.url);
    set(&js, "state", sign_in.state);
    set(&js, "codeVerifier", sign_in.pkce.verifier().expose());
    set(&js, "redirectUri", sign_in.redirect_uri);
    Ok(js)
}
