//! Signed-in users (feature `users`): the sign-in calls of `WasmClient.users` (begin and
//! finish a PKCE sign-in, sign out, a user's token, a login's status). Refreshes, the
//! one-at-a-time gate and the end of a login the platform refused are lark-core's managed user
//! tokens, kept in the JavaScript store of `user_store.rs`; this module only adapts.

use lark_core::oauth::{Authorization, Pkce};
use wasm_bindgen::prelude::*;

use crate::client::{WasmClient, promise};
use crate::error::{build_error, get, get_string, set, to_js};

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
