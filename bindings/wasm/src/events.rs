//! `WasmEvents`: lark-core's event dispatcher (signature, freshness, decryption, token,
//! url_verification, de-duplication) with the handlers kept on the JavaScript side.

use lark_core::Secret;
use lark_core::event::{DedupStore, Dispatcher, Event, HandlerError, Schema};
use lark_core::{BoxFuture, Runtime};
use lark_fetch::FetchRuntime;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::error::{get, get_string, lark_error, set};

/// The event types whose sender waits for a response body.
const CALLBACK_TYPES: [&str; 3] = [
    "card.action.trigger",
    "url.preview.get",
    lark_core::event::CARD_LEGACY_EVENT_TYPE,
];

/// A dispatcher whose handlers are one JavaScript function, `dispatch(eventJson)`, that picks
/// the handler by type and resolves to the callback's reply as JSON text (or `undefined`).
#[wasm_bindgen]
pub struct WasmEvents {
    /// Shared with the long connection (`WasmWs`), which runs the same handlers.
    dispatcher: std::rc::Rc<Dispatcher>,
    /// The same checks without handlers or de-duplication, for `verifyAndDecrypt`.
    verifier: std::rc::Rc<Dispatcher>,
}

impl std::fmt::Debug for WasmEvents {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WasmEvents")
            .field("dispatcher", &self.dispatcher)
            .finish_non_exhaustive()
    }
}

/// Remembers nothing: `verifyAndDecrypt` must not mark an event as handled.
struct Forgetful;

impl DedupStore for Forgetful {
    fn insert<'a>(&'a self, _id: &'a str, _now_millis: u64) -> BoxFuture<'a, bool> {
        Box::pin(std::future::ready(true))
    }

    fn remove<'a>(&'a self, _id: &'a str) -> BoxFuture<'a, ()> {
        Box::pin(std::future::ready(()))
    }
}

fn schema(schema: Schema) -> &'static str {
    match schema {
        Schema::V1 => "1.0",
        Schema::V2 => "2.0",
        Schema::CardLegacy => "card",
        _ => "other",
    }
}

/// The event as JSON text for JavaScript: the envelope's facts and the payload.
fn event_json(event: &Event) -> String {
    serde_json::json!({
        "type": event.event_type,
        "id": event.event_id,
        "createTime": event.create_time,
        "appId": event.app_id,
        "tenantKey": event.tenant_key,
        "schema": schema(event.schema),
        "encrypted": event.encrypted,
        "payload": event.payload,
    })
    .to_string()
}

async fn run(dispatch: &js_sys::Function, event: &Event) -> Result<Option<String>, HandlerError> {
    let called = dispatch
        .call1(&JsValue::UNDEFINED, &JsValue::from(event_json(event)))
        .map_err(describe)?;
    let value = match called.dyn_into::<js_sys::Promise>() {
        Ok(promise) => JsFuture::from(promise).await.map_err(describe)?,
        Err(value) => value,
    };
    Ok(value.as_string())
}

fn describe(error: JsValue) -> HandlerError {
    let message = get_string(&error, "message")
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "the handler threw".to_owned());
    message.into()
}

fn request(
    method: &str,
    headers: &[String],
    body: Vec<u8>,
) -> Result<http::Request<Vec<u8>>, JsValue> {
    let mut builder = http::Request::builder().method(method).uri("/");
    // Only the headers the dispatcher reads, under names made at compile time: parsing each
    // name would link the `http` crate's run-time name parser (12 KB of wasm).
    for pair in headers.chunks_exact(2) {
        if let Some(name) = lark_core::event::REQUEST_HEADERS
            .into_iter()
            .find(|known| known.as_str().eq_ignore_ascii_case(&pair[0]))
        {
            builder = builder.header(name, pair[1].as_str());
        }
    }
    builder
        .body(body)
        .map_err(|e| lark_error("event", &format!("invalid request: {e}")))
}

#[wasm_bindgen]
impl WasmEvents {
    /// A dispatcher. `options` holds `encryptKey`, `verificationToken`, `allowUnverified`
    /// (without a token or key every request is refused unless it is `true`), `freshnessSecs`
    /// (0 turns the window off), `dedupStore` (async `firstSeen(eventId, ttlMs)`, `forget(eventId)`;
    /// in the instance by default), `dedupTtlSecs` (12 hours by default), `appTicketStore` with
    /// `appId` (where pushed `app_ticket`s go) and `dispatch`.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<WasmEvents, JsValue> {
        let dispatch: js_sys::Function = get(&options, "dispatch")
            .and_then(|f| f.dyn_into().ok())
            .ok_or_else(|| lark_error("build", "`dispatch` must be a function"))?;
        let configure = |mut d: Dispatcher| {
            if let Some(key) = get_string(&options, "encryptKey") {
                d = d.encrypt_key(Secret::new(key));
            }
            if let Some(token) = get_string(&options, "verificationToken") {
                d = d.verification_token(Secret::new(token));
            }
            if get(&options, "allowUnverified").and_then(|v| v.as_bool()) == Some(true) {
                d = d.allow_unverified();
            }
            if let Some(secs) = get(&options, "freshnessSecs").and_then(|v| v.as_f64()) {
                d = d.freshness_window(
                    (secs > 0.0).then(|| std::time::Duration::from_secs(secs as u64)),
                );
            }
            d
        };
        let mut dispatcher = configure(Dispatcher::new());
        if let Some(store) = get(&options, "dedupStore") {
            dispatcher = dispatcher.dedup_store(crate::store::JsEventDedupStore::new(store)?);
        }
        if let Some(secs) = get(&options, "dedupTtlSecs").and_then(|v| v.as_f64()) {
            if secs.is_finite() && secs > 0.0 {
                dispatcher = dispatcher.dedup_ttl(std::time::Duration::from_secs(secs as u64));
            }
        }
        if let Some(store) = get(&options, "appTicketStore") {
            let app_id = get_string(&options, "appId")
                .filter(|id| !id.is_empty())
                .ok_or_else(|| lark_error("build", "`appTicketStore` needs `appId`"))?;
            dispatcher =
                dispatcher.app_ticket_store(crate::store::JsAppTicketStore::new(store)?, app_id);
        }
        for event_type in CALLBACK_TYPES {
            let dispatch = dispatch.clone();
            dispatcher = dispatcher.on_raw_callback(event_type, move |event: Event| {
                let dispatch = dispatch.clone();
                async move {
                    let reply = run(&dispatch, &event).await?;
                    match reply {
                        Some(text) => serde_json::from_slice(text.as_bytes())
                            .map_err(|e| HandlerError::from(format!("the reply is not JSON: {e}"))),
                        None => Ok(serde_json::Value::Object(serde_json::Map::new())),
                    }
                }
            });
        }
        dispatcher = dispatcher.fallback(move |event: Event| {
            let dispatch = dispatch.clone();
            async move { run(&dispatch, &event).await.map(|_| ()) }
        });
        let verifier = configure(Dispatcher::new()).dedup_store(Forgetful);
        Ok(WasmEvents {
            dispatcher: std::rc::Rc::new(dispatcher),
            verifier: std::rc::Rc::new(verifier),
        })
    }

    /// Stores pushed `app_ticket`s in `client`'s token store (marketplace apps).
    #[wasm_bindgen(js_name = ticketsTo)]
    pub fn tickets_to(&mut self, client: &crate::client::WasmClient) -> Result<(), JsValue> {
        let client = client.inner().clone();
        self.extend(|dispatcher| dispatcher.app_ticket_to(client))
    }

    /// Rebuilds the dispatcher with `with` (the ticket sink, a channel's handlers), before any
    /// long connection shares it.
    pub(crate) fn extend(
        &mut self,
        with: impl FnOnce(Dispatcher) -> Dispatcher,
    ) -> Result<(), JsValue> {
        let shared = std::mem::take(&mut self.dispatcher);
        match std::rc::Rc::try_unwrap(shared) {
            Ok(dispatcher) => {
                self.dispatcher = std::rc::Rc::new(with(dispatcher));
                Ok(())
            }
            Err(shared) => {
                self.dispatcher = shared;
                Err(lark_error(
                    "build",
                    "the dispatcher is already in use by a long connection",
                ))
            }
        }
    }

    /// The dispatcher, for the long connection.
    #[cfg(feature = "ws")]
    pub(crate) fn shared(&self) -> std::rc::Rc<Dispatcher> {
        std::rc::Rc::clone(&self.dispatcher)
    }

    /// Handles one request: `headers` is `[name, value, ...]`. Resolves to
    /// `{ status, headers: [name, value, ...], body: Uint8Array, error }`.
    pub fn handle(&self, method: String, headers: Vec<String>, body: Vec<u8>) -> js_sys::Promise {
        let dispatcher = std::rc::Rc::clone(&self.dispatcher);
        crate::client::promise(Box::pin(async move {
            let request = request(&method, &headers, body)?;
            let handled = dispatcher.process(request, FetchRuntime.now_millis()).await;
            let (parts, body) = handled.response.into_parts();
            let out = js_sys::Object::new();
            set(&out, "status", parts.status.as_u16());
            let flat = js_sys::Array::new();
            for (name, value) in &parts.headers {
                if let Ok(value) = value.to_str() {
                    flat.push(&JsValue::from(name.as_str()));
                    flat.push(&JsValue::from(value));
                }
            }
            set(&out, "headers", flat);
            set(&out, "body", js_sys::Uint8Array::from(body.as_slice()));
            set(
                &out,
                "error",
                handled
                    .error
                    .map_or(JsValue::NULL, |e| JsValue::from(e.to_string())),
            );
            Ok(out.into())
        }))
    }

    /// Checks and opens one request without running handlers: resolves to the event as JSON
    /// text, or `{"type":"url_verification","challenge":...}`; rejects with a `LarkError` of
    /// kind `event` (and its `httpStatus`) when the request must be refused.
    #[wasm_bindgen(js_name = verifyAndDecrypt)]
    pub fn verify_and_decrypt(&self, headers: Vec<String>, body: Vec<u8>) -> js_sys::Promise {
        let verifier = std::rc::Rc::clone(&self.verifier);
        crate::client::promise(Box::pin(async move {
            let request = request("POST", &headers, body)?;
            let handled = verifier.process(request, FetchRuntime.now_millis()).await;
            if let Some(error) = handled.error {
                let js = lark_error("event", &error.to_string());
                set(&js, "httpStatus", error.http_status().as_u16());
                return Err(js);
            }
            match &handled.event {
                Some(event) => Ok(event_json(event).into()),
                None => {
                    // A url_verification challenge: the response body is `{"challenge": ...}`.
                    let answer: serde_json::Value = serde_json::from_slice(handled.response.body())
                        .map_err(|e| lark_error("event", &e.to_string()))?;
                    Ok(serde_json::json!({
                        "type": "url_verification",
                        "challenge": answer.get("challenge"),
                    })
                    .to_string()
                    .into())
                }
            }
        }))
    }
}
