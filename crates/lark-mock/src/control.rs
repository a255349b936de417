//! The control API: `/_mock/…` on the mock's own port, JSON in and out, so a test in any
//! language (node-sdk, lark-oapi, curl) drives the mock as a Rust test drives [`MockServer`]:
//! it pushes events and card actions over the long connection or as signed callbacks and reads
//! what the bot answered, lists what the bot did, scripts faults and resets the state.
//!
//! Requests under `/_mock/` are not recorded and no fault hits them.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use http::StatusCode;
use serde_json::{Value, json};

use crate::callbacks::{Callback, Receives};
use crate::delivery::{self, Via};
use crate::fault::FaultRule;
use crate::mock::MockServer;
use crate::reply::lock;
use crate::state::Shared;

/// The prefix of every control route.
pub const PREFIX: &str = "/_mock";

/// The longest a delivery waits for its answers.
const MAX_WAIT: Duration = Duration::from_secs(60);
/// How long a delivery waits when the request does not say.
const DEFAULT_WAIT: Duration = Duration::from_secs(5);

pub(crate) fn routes(router: Router<Arc<Shared>>) -> Router<Arc<Shared>> {
    router
        .route("/_mock", get(info))
        .route("/_mock/events", post(events))
        .route("/_mock/people/messages", post(people_messages))
        .route(
            "/_mock/callbacks",
            get(list_callbacks)
                .post(add_callback)
                .delete(clear_callbacks),
        )
        .route("/_mock/messages", get(messages))
        .route("/_mock/sent", get(sent))
        .route("/_mock/uploads", get(uploads))
        .route("/_mock/chats", get(chats))
        .route("/_mock/cards", get(cards))
        .route("/_mock/acks", get(acks))
        .route("/_mock/requests", get(requests))
        .route("/_mock/bots/{token}/messages", get(bot_messages))
        .route("/_mock/faults", post(add_fault).delete(clear_faults))
        .route("/_mock/faults/{id}", delete(remove_fault))
        .route("/_mock/reset", post(reset))
}

fn bad(message: impl Into<String>) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(json!({"error": message.into()})),
    )
        .into_response()
}

fn ok(value: Value) -> Response {
    axum::Json(value).into_response()
}

fn parse(body: &[u8]) -> Result<Value, String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    serde_json::from_slice(body).map_err(|e| format!("the body is not JSON: {e}"))
}

/// `GET /_mock`: who the mock is: its URLs and the identities it starts with.
async fn info(State(shared): State<Arc<Shared>>) -> Response {
    let ws = crate::ws::WsMock::new(Arc::clone(&shared.ws));
    ok(json!({
        "base_url": shared.base_url(),
        "control_url": format!("{}{PREFIX}", shared.base_url()),
        "app_id": MockServer::APP_ID,
        "app_secret": MockServer::APP_SECRET,
        "legacy_app_id": MockServer::LEGACY_APP_ID,
        "tenant_key": MockServer::TENANT_KEY,
        "chat_id": MockServer::CHAT_ID,
        "user_open_id": MockServer::USER_OPEN_ID,
        "ws": {
            "open_connections": ws.open_connections(),
            "connections_accepted": ws.connections_accepted(),
        },
        "callbacks": lock(&shared.callbacks).iter().map(|c| c.url.clone()).collect::<Vec<_>>(),
    }))
}

/// `POST /_mock/events`: `{"event", "via": "ws" | "http", "fragments", "timeout_ms"}`.
async fn events(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let request = match parse(&body) {
        Ok(request) => request,
        Err(why) => return bad(why),
    };
    let Some(event) = request.get("event").filter(|e| e.is_object()) else {
        return bad("`event` must be the event's body, an object");
    };
    let fragments = match request.get("fragments") {
        None | Some(Value::Null) => 1,
        Some(n) => match n.as_u64() {
            Some(n @ 1..=64) => n as usize,
            _ => return bad("`fragments` must be a whole number from 1 to 64"),
        },
    };
    let via = match via(&request, fragments) {
        Ok(via) => via,
        Err(why) => return bad(why),
    };
    if via == Via::Http && fragments != 1 {
        return bad("`fragments` is for the long connection only");
    }
    let timeout = match wait(&request) {
        Ok(timeout) => timeout,
        Err(why) => return bad(why),
    };
    let delivered = delivery::deliver(&shared, event, via, timeout).await;
    ok(delivered.to_json(via))
}

/// `POST /_mock/people/messages`: a user posts a message (the fields of
/// [`UserMessage::from_json`](crate::people::UserMessage::from_json)) and the mock delivers it
/// to the bot, `times` times (re-deliveries of the same event, 1 by default), `via` `"ws"` or
/// `"http"`; the answer holds the event and what the bot answered to each delivery.
async fn people_messages(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let request = match parse(&body) {
        Ok(request) => request,
        Err(why) => return bad(why),
    };
    let message = match crate::people::UserMessage::from_json(&request) {
        Ok(message) => message,
        Err(why) => return bad(why),
    };
    let via = match via(&request, 1) {
        Ok(via) => via,
        Err(why) => return bad(why),
    };
    let times = match request.get("times") {
        None | Some(Value::Null) => 1,
        Some(n) => match n.as_u64() {
            Some(n @ 1..=16) => n,
            _ => return bad("`times` must be a whole number from 1 to 16"),
        },
    };
    let timeout = match wait(&request) {
        Ok(timeout) => timeout,
        Err(why) => return bad(why),
    };
    let mut event = crate::people::post(&shared, &message);
    let mut deliveries = Vec::new();
    for _ in 0..times {
        let delivered = delivery::deliver(&shared, &event, via, timeout).await;
        let answer = delivered.to_json(via);
        // A re-delivery is the same event: same event id.
        if let Some(id) = answer.get("event_id").cloned() {
            event["header"]["event_id"] = id;
        }
        deliveries.push(answer);
    }
    ok(json!({
        "message_id": event["event"]["message"]["message_id"],
        "chat_id": event["event"]["message"]["chat_id"],
        "event": event,
        "deliveries": deliveries,
    }))
}

/// A delivery's `via`: the long connection (`"ws"`, the default, in `fragments` frames) or the
/// HTTP callback (`"http"`).
fn via(request: &Value, fragments: usize) -> Result<Via, String> {
    match request.get("via").and_then(Value::as_str) {
        None | Some("ws") => Ok(Via::Ws { fragments }),
        Some("http") => Ok(Via::Http),
        Some(other) => Err(format!("`via` must be \"ws\" or \"http\", not {other:?}")),
    }
}

/// How long a delivery waits for its answers: `timeout_ms`, at most [`MAX_WAIT`].
fn wait(request: &Value) -> Result<Duration, String> {
    match request.get("timeout_ms") {
        None | Some(Value::Null) => Ok(DEFAULT_WAIT),
        Some(ms) => ms
            .as_u64()
            .map(|ms| Duration::from_millis(ms).min(MAX_WAIT))
            .ok_or_else(|| "`timeout_ms` must be a whole number of milliseconds".to_owned()),
    }
}

fn callback_json(c: &Callback) -> Value {
    json!({
        "url": c.url,
        "verification_token": c.verification_token.is_some(),
        "encrypt_key": c.encrypt_key.is_some(),
        "receives": c.receives.as_str(),
    })
}

/// `GET /_mock/callbacks`: the request URLs (whether each has a token and a key; not them).
async fn list_callbacks(State(shared): State<Arc<Shared>>) -> Response {
    let list: Vec<Value> = lock(&shared.callbacks).iter().map(callback_json).collect();
    ok(json!({ "callbacks": list }))
}

/// `POST /_mock/callbacks`: `{"url", "verification_token", "encrypt_key", "receives", "verify"}`.
/// `receives` is `"events"`, `"callbacks"` (card actions, link previews) or `"all"` (the
/// default). The URL is checked first with the platform's challenge unless `verify` is false.
async fn add_callback(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let request = match parse(&body) {
        Ok(request) => request,
        Err(why) => return bad(why),
    };
    let Some(url) = request.get("url").and_then(Value::as_str) else {
        return bad("`url` is required");
    };
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return bad("`url` must be an http:// URL");
    }
    let text = |key: &str| -> Result<Option<String>, String> {
        match request.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(format!("`{key}` must be a string")),
        }
    };
    let mut callback = Callback::new(url);
    match text("verification_token") {
        Ok(token) => callback.verification_token = token,
        Err(why) => return bad(why),
    }
    match text("encrypt_key") {
        Ok(key) => callback.encrypt_key = key,
        Err(why) => return bad(why),
    }
    match request.get("receives") {
        None | Some(Value::Null) => {}
        Some(kind) => match kind.as_str().and_then(Receives::parse) {
            Some(receives) => callback.receives = receives,
            None => return bad("`receives` must be \"events\", \"callbacks\" or \"all\""),
        },
    }
    let verify = request
        .get("verify")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    if verify {
        if let Err(e) = delivery::verify(&shared, &callback).await {
            return bad(format!("the URL check failed: {e}"));
        }
    }
    let answer = callback_json(&callback);
    lock(&shared.callbacks).push(callback);
    ok(json!({ "callback": answer, "verified": verify }))
}

/// `DELETE /_mock/callbacks`.
async fn clear_callbacks(State(shared): State<Arc<Shared>>) -> Response {
    lock(&shared.callbacks).clear();
    ok(json!({}))
}

/// `GET /_mock/messages`: every message sent through the API, oldest first, as the API returns
/// them.
async fn messages(State(shared): State<Arc<Shared>>) -> Response {
    ok(json!({ "items": shared.data().messages.clone() }))
}

/// `GET /_mock/sent`: what was sent and replied through the API, oldest first, each with the
/// CardKit card it shows (its updates timed) under `card`. `?reply_to=om_…` keeps the replies
/// to one message.
async fn sent(
    State(shared): State<Arc<Shared>>,
    Query(query): Query<std::collections::HashMap<String, String>>,
) -> Response {
    let data = shared.data();
    let reply_to = query.get("reply_to");
    let items: Vec<Value> = data
        .sent
        .iter()
        .filter(|m| reply_to.is_none_or(|id| m.reply_to.as_ref() == Some(id)))
        .map(|m| m.to_json(&data.cardkit))
        .collect();
    ok(json!({ "items": items }))
}

/// `GET /_mock/uploads`: the images and files uploaded for messages (size and SHA-256 of the
/// bytes), oldest first.
async fn uploads(State(shared): State<Arc<Shared>>) -> Response {
    let items: Vec<Value> = shared.data().uploads.iter().map(|u| u.to_json()).collect();
    ok(json!({ "items": items }))
}

/// `GET /_mock/chats`.
async fn chats(State(shared): State<Arc<Shared>>) -> Response {
    let mut chats: Vec<Value> = shared.data().chats.values().cloned().collect();
    chats.sort_by(|a, b| a["chat_id"].as_str().cmp(&b["chat_id"].as_str()));
    ok(json!({ "items": chats }))
}

/// `GET /_mock/cards`: the CardKit card entities with their updates.
async fn cards(State(shared): State<Arc<Shared>>) -> Response {
    let items = shared.data().cardkit.to_json();
    ok(json!({ "items": items }))
}

/// `GET /_mock/acks`: every long-connection ack, oldest first.
async fn acks(State(shared): State<Arc<Shared>>) -> Response {
    let acks = crate::ws::WsMock::new(Arc::clone(&shared.ws)).acks();
    let items: Vec<Value> = acks
        .iter()
        .map(|a| {
            json!({
                "connection": a.connection,
                "message_id": a.message_id,
                "type": a.frame.header(lark_core::ws::header::TYPE),
                "code": a.code,
                "reply": a.data,
                "biz_rt": a.biz_rt,
                "latency_ms": a.latency().map(|l| u64::try_from(l.as_millis()).unwrap_or(u64::MAX)),
            })
        })
        .collect();
    ok(json!({ "items": items }))
}

/// `GET /_mock/requests`: the API requests received (method, path, query, body), oldest first.
async fn requests(State(shared): State<Arc<Shared>>) -> Response {
    let items: Vec<Value> = lock(&shared.requests)
        .iter()
        .map(|r| {
            json!({
                "method": r.method.as_str(),
                "path": r.path,
                "query": r.query,
                "body": r.json().unwrap_or(Value::Null),
            })
        })
        .collect();
    ok(json!({ "items": items }))
}

/// `GET /_mock/bots/{token}/messages`: what was posted to a custom bot's webhook.
async fn bot_messages(State(shared): State<Arc<Shared>>, Path(token): Path<String>) -> Response {
    let messages = shared
        .data()
        .bots
        .get(&token)
        .map(|bot| bot.messages.clone());
    match messages {
        Some(items) => ok(json!({ "items": items })),
        None => (
            StatusCode::NOT_FOUND,
            axum::Json(json!({"error": "no custom bot with that token"})),
        )
            .into_response(),
    }
}

/// `POST /_mock/faults`: a fault rule (see [`FaultRule::from_json`]); answers its `id`.
async fn add_fault(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    let rule = match parse(&body).and_then(|v| FaultRule::from_json(&v)) {
        Ok(rule) => rule,
        Err(why) => return bad(why),
    };
    let id = lock(&shared.faults).add(rule);
    ok(json!({ "id": id.0 }))
}

/// `DELETE /_mock/faults`.
async fn clear_faults(State(shared): State<Arc<Shared>>) -> Response {
    lock(&shared.faults).clear();
    ok(json!({}))
}

/// `DELETE /_mock/faults/{id}`.
async fn remove_fault(State(shared): State<Arc<Shared>>, Path(id): Path<u64>) -> Response {
    lock(&shared.faults).remove(crate::fault::FaultId(id));
    ok(json!({}))
}

/// `POST /_mock/reset`.
async fn reset(State(shared): State<Arc<Shared>>) -> Response {
    crate::seed::reset(&shared);
    ok(json!({}))
}
