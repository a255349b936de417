//! Stores kept by JavaScript, such as thin wrappers over Workers KV and a Durable Object (the
//! npm package's `stores.js`):
//!
//! - a token store: async `get(key)`, `set(key, token)`, `delete(key)`, and optionally
//!   `tryAcquireRefresh(lease)` / `releaseRefresh(lease)`, which make a refresh single-flight
//!   across every instance sharing the store (lark-core's [`TokenStore`] lease);
//! - an `app_ticket` store: async `get(appId)` and `set(appId, ticket)`;
//! - an event de-duplication store: async `firstSeen(eventId, ttlMs)` and `forget(eventId)`.
//!
//! Tokens travel as `{ value, expiresAt, refreshAt }` (Unix milliseconds), leases as
//! `{ key, fencing, ttlMs }`. A token store that throws or answers garbage costs a token fetch,
//! never a failed call: `get` then counts as a miss, a refused claim as "cannot tell". The
//! other two report a throw as a [`StoreError`], which the core turns into a token error or a
//! 503 (the platform then delivers the event again).

use lark_core::{BoxFuture, RefreshLease, Secret, StoreError, StoredToken, TokenStore};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::error::{get, get_string, lark_error, set};

/// A method of `object`, when it has one.
pub(crate) fn method(object: &JsValue, name: &str) -> Option<js_sys::Function> {
    get(object, name).and_then(|f| f.dyn_into().ok())
}

/// Awaits `value` when it is a promise.
async fn settle(value: JsValue) -> Result<JsValue, JsValue> {
    match value.dyn_into::<js_sys::Promise>() {
        Ok(promise) => JsFuture::from(promise).await,
        Err(value) => Ok(value),
    }
}

/// Calls `function` on `object` with `args` and awaits the answer; a throw or a rejection is a
/// [`StoreError`] saying which method failed (never what was stored).
pub(crate) async fn call(
    object: &JsValue,
    function: &js_sys::Function,
    name: &str,
    args: &[&JsValue],
) -> Result<JsValue, StoreError> {
    let list = js_sys::Array::new();
    for arg in args {
        list.push(arg);
    }
    let answer = match function.apply(object, &list) {
        Ok(value) => settle(value).await,
        Err(error) => Err(error),
    };
    answer.map_err(|error| {
        let why = get_string(&error, "message")
            .or_else(|| error.as_string())
            .unwrap_or_else(|| "it threw".to_owned());
        StoreError::new([name, ": ", &why].concat())
    })
}

pub(crate) struct JsTokenStore {
    object: JsValue,
    get: js_sys::Function,
    set: js_sys::Function,
    delete: Option<js_sys::Function>,
    /// `tryAcquireRefresh` and `releaseRefresh`, only together: a claim that is never released
    /// would make every other instance wait out its TTL.
    lease: Option<(js_sys::Function, js_sys::Function)>,
}

impl JsTokenStore {
    pub(crate) fn new(object: JsValue) -> Result<Self, JsValue> {
        let (Some(get_fn), Some(set_fn)) = (method(&object, "get"), method(&object, "set")) else {
            return Err(lark_error(
                "build",
                "`tokenStore` needs async `get(key)` and `set(key, token)` methods",
            ));
        };
        let lease = lease_methods(
            &object,
            "`tokenStore` needs both `tryAcquireRefresh(lease)` and `releaseRefresh(lease)`, or neither",
        )?;
        Ok(Self {
            delete: method(&object, "delete"),
            get: get_fn,
            set: set_fn,
            lease,
            object,
        })
    }

    async fn put(&self, key: &str, token: &JsValue) {
        if let Ok(called) = self.set.call2(&self.object, &JsValue::from_str(key), token) {
            let _ = settle(called).await;
        }
    }
}

fn decode(value: &JsValue) -> Option<StoredToken> {
    let value_field = get(value, "value")?.as_string()?;
    let millis = |name| {
        get(value, name)
            .and_then(|v| v.as_f64())
            .filter(|n| n.is_finite() && *n >= 0.0)
            // `as` saturates: the ticket's "never" (u64::MAX) comes back as u64::MAX.
            .map(|n| n as u64)
    };
    Some(StoredToken {
        value: Secret::new(value_field),
        expires_at_millis: millis("expiresAt")?,
        refresh_at_millis: millis("refreshAt")?,
    })
}

/// A lease as JavaScript sees it: `{ key, fencing, ttlMs }`.
fn lease_object(lease: &RefreshLease) -> JsValue {
    let js = js_sys::Object::new();
    set(&js, "key", lease.key());
    set(&js, "fencing", lease.fencing());
    set(&js, "ttlMs", lease.ttl().as_millis() as f64);
    js.into()
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
            self.put(key, &js).await;
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
                self.put(key, &js).await;
                return;
            };
            if let Ok(called) = delete.call1(&self.object, &JsValue::from_str(key)) {
                let _ = settle(called).await;
            }
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

/// A store's `tryAcquireRefresh` and `releaseRefresh`: both, neither (`None`), or the error
/// `needs_both` (a claim that is never released would make every other instance wait out its
/// TTL).
pub(crate) fn lease_methods(
    object: &JsValue,
    needs_both: &str,
) -> Result<Option<(js_sys::Function, js_sys::Function)>, JsValue> {
    match (
        method(object, "tryAcquireRefresh"),
        method(object, "releaseRefresh"),
    ) {
        (Some(acquire), Some(release)) => Ok(Some((acquire, release))),
        (None, None) => Ok(None),
        _ => Err(lark_error("build", needs_both)),
    }
}

/// Claims a refresh through a store's `tryAcquireRefresh`, shared by the token stores.
pub(crate) async fn claim(
    object: &JsValue,
    methods: &Option<(js_sys::Function, js_sys::Function)>,
    lease: &RefreshLease,
) -> Result<bool, StoreError> {
    let Some((acquire, _)) = methods else {
        // No shared claim: the client's in-process single-flight is all there is.
        return Ok(true);
    };
    let answer = call(
        object,
        acquire,
        "tryAcquireRefresh",
        &[&lease_object(lease)],
    )
    .await?;
    answer
        .as_bool()
        .ok_or_else(|| StoreError::new("tryAcquireRefresh must answer true or false"))
}

/// Gives a claim up through a store's `releaseRefresh`.
pub(crate) async fn unclaim(
    object: &JsValue,
    methods: &Option<(js_sys::Function, js_sys::Function)>,
    lease: &RefreshLease,
) {
    if let Some((_, release)) = methods {
        // A claim that cannot be released lapses after its TTL.
        let _ = call(object, release, "releaseRefresh", &[&lease_object(lease)]).await;
    }
}

/// An `app_ticket` store kept by JavaScript: async `get(appId)` resolving to the ticket (a
/// string) or `null`, and `set(appId, ticket)`.
pub(crate) struct JsAppTicketStore {
    object: JsValue,
    get: js_sys::Function,
    set: js_sys::Function,
}

impl JsAppTicketStore {
    pub(crate) fn new(object: JsValue) -> Result<Self, JsValue> {
        let (Some(get_fn), Some(set_fn)) = (method(&object, "get"), method(&object, "set")) else {
            return Err(lark_error(
                "build",
                "`appTicketStore` needs async `get(appId)` and `set(appId, ticket)` methods",
            ));
        };
        Ok(Self {
            object,
            get: get_fn,
            set: set_fn,
        })
    }
}

impl lark_core::AppTicketStore for JsAppTicketStore {
    fn get<'a>(&'a self, app_id: &'a str) -> BoxFuture<'a, Result<Option<Secret>, StoreError>> {
        Box::pin(async move {
            let answer = call(
                &self.object,
                &self.get,
                "appTicketStore.get",
                &[&JsValue::from_str(app_id)],
            )
            .await?;
            if answer.is_null() || answer.is_undefined() {
                return Ok(None);
            }
            match answer.as_string() {
                Some(ticket) if !ticket.is_empty() => Ok(Some(Secret::new(ticket))),
                Some(_) => Ok(None),
                None => Err(StoreError::new(
                    "appTicketStore.get must answer a string or null",
                )),
            }
        })
    }

    fn set<'a>(&'a self, app_id: &'a str, ticket: Secret) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            call(
                &self.object,
                &self.set,
                "appTicketStore.set",
                &[
                    &JsValue::from_str(app_id),
                    &JsValue::from_str(ticket.expose()),
                ],
            )
            .await
            .map(|_| ())
        })
    }
}

/// An event de-duplication store kept by JavaScript: async `firstSeen(eventId, ttlMs)`
/// resolving to `true` the first time and `false` after, and `forget(eventId)`.
#[cfg(feature = "events")]
pub(crate) struct JsEventDedupStore {
    object: JsValue,
    first_seen: js_sys::Function,
    forget: js_sys::Function,
}

#[cfg(feature = "events")]
impl JsEventDedupStore {
    pub(crate) fn new(object: JsValue) -> Result<Self, JsValue> {
        let (Some(first_seen), Some(forget)) =
            (method(&object, "firstSeen"), method(&object, "forget"))
        else {
            return Err(lark_error(
                "build",
                "`dedupStore` needs async `firstSeen(eventId, ttlMs)` and `forget(eventId)` methods",
            ));
        };
        Ok(Self {
            object,
            first_seen,
            forget,
        })
    }
}

#[cfg(feature = "events")]
impl lark_core::event::EventDedupStore for JsEventDedupStore {
    fn first_seen<'a>(
        &'a self,
        event_id: &'a str,
        ttl: std::time::Duration,
        _now_millis: u64,
    ) -> BoxFuture<'a, Result<bool, StoreError>> {
        Box::pin(async move {
            let answer = call(
                &self.object,
                &self.first_seen,
                "dedupStore.firstSeen",
                &[
                    &JsValue::from_str(event_id),
                    &JsValue::from(ttl.as_millis() as f64),
                ],
            )
            .await?;
            answer
                .as_bool()
                .ok_or_else(|| StoreError::new("dedupStore.firstSeen must answer true or false"))
        })
    }

    fn forget<'a>(&'a self, event_id: &'a str) -> BoxFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            call(
                &self.object,
                &self.forget,
                "dedupStore.forget",
                &[&JsValue::from_str(event_id)],
            )
            .await
            .map(|_| ())
        })
    }
}
