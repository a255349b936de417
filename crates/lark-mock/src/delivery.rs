//! Delivering an event as the platform does: over the long connection to every connected
//! client, or as an HTTP callback (signed, encrypted when the app has an encrypt key) to every
//! registered request URL; and what each of them answered.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use http::{Method, Request, header};
use http_body_util::{BodyExt as _, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use serde_json::{Map, Value, json};

use crate::callbacks::Callback;
use crate::mock::MockServer;
use crate::reply::{lock, now_millis};
use crate::state::Shared;

/// How [`MockServer::deliver`] delivers an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Via {
    /// Over the long connection, to every connected client (or the next one to connect), cut
    /// into this many frames (1: whole).
    Ws {
        /// How many frames (`sum`) the payload is cut into.
        fragments: usize,
    },
    /// As an HTTP callback to every registered [`Callback`].
    Http,
}

/// What one client or request URL answered.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Answer {
    /// Over the long connection: the connection that acked (1 for the first opened).
    pub connection: Option<u64>,
    /// Over HTTP: the request URL.
    pub url: Option<String>,
    /// Over HTTP: the status; `None` when the request failed (`error` says why).
    pub status: Option<u16>,
    /// Over the long connection: the ack's `code` (200 handled, 500 failed).
    pub code: Option<i64>,
    /// The reply: the ack's `data` decoded, or the HTTP answer's body (JSON when it is JSON,
    /// a string otherwise; `None` when empty). A card action's reply (a toast, a new card) is
    /// here.
    pub reply: Option<Value>,
    /// Why an HTTP delivery got no answer.
    pub error: Option<String>,
    /// From the push (or the request) to the ack (or the answer).
    pub elapsed: Duration,
}

impl Answer {
    pub(crate) fn to_json(&self) -> Value {
        let mut o = Map::new();
        if let Some(c) = self.connection {
            o.insert("connection".into(), json!(c));
        }
        if let Some(u) = &self.url {
            o.insert("url".into(), json!(u));
            o.insert("status".into(), json!(self.status));
        }
        if self.connection.is_some() {
            o.insert("code".into(), json!(self.code));
        }
        o.insert("reply".into(), self.reply.clone().unwrap_or(Value::Null));
        if let Some(e) = &self.error {
            o.insert("error".into(), json!(e));
        }
        o.insert(
            "elapsed_ms".into(),
            json!(u64::try_from(self.elapsed.as_millis()).unwrap_or(u64::MAX)),
        );
        Value::Object(o)
    }
}

/// What [`MockServer::deliver`] did.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Delivered {
    /// The event as sent, its header completed (see [`MockServer::deliver`]).
    pub event: Value,
    /// Over the long connection: the frames' `message_id`.
    pub message_id: Option<String>,
    /// One answer per client or request URL that answered in time.
    pub answers: Vec<Answer>,
    /// Whether some client or request URL had not answered when the wait ran out (or, over
    /// HTTP, there was no request URL to post to).
    pub timed_out: bool,
}

impl Delivered {
    pub(crate) fn to_json(&self, via: Via) -> Value {
        json!({
            "via": match via { Via::Ws { .. } => "ws", Via::Http => "http" },
            "event_id": self.event.pointer("/header/event_id").cloned().unwrap_or(Value::Null),
            "message_id": self.message_id,
            "answers": self.answers.iter().map(Answer::to_json).collect::<Vec<_>>(),
            "timed_out": self.timed_out,
        })
    }
}

impl MockServer {
    /// Registers a request URL for [`Via::Http`] deliveries (after the ones registered before);
    /// it gets the events, the callbacks or both, as its [`Callback::receives`] says.
    /// The platform checks a URL when it is saved; [`MockServer::verify_callback`] does the
    /// same.
    pub fn add_callback(&self, callback: Callback) {
        lock(&self.shared.callbacks).push(callback);
    }

    /// Forgets every request URL.
    pub fn clear_callbacks(&self) {
        lock(&self.shared.callbacks).clear();
    }

    /// The registered request URLs.
    pub fn callbacks(&self) -> Vec<Callback> {
        lock(&self.shared.callbacks).clone()
    }

    /// Sends `callback` the platform's URL check (`{"type": "url_verification", "challenge",
    /// "token"}`, encrypted with its key if it has one) and checks that it answers the
    /// challenge back. Errors with what went wrong.
    pub async fn verify_callback(&self, callback: &Callback) -> Result<(), String> {
        verify(&self.shared, callback).await
    }

    /// Delivers `event` (a body exactly as the platform pushes it, schema 2.0 or 1.0) and waits,
    /// at most `timeout`, for every client or request URL to answer. Over HTTP it goes to every
    /// request URL that [receives](Callback::receives) it: a callback (card action, link
    /// preview) to those of callbacks, any other event to those of events.
    ///
    /// The header of a schema 2.0 event is completed where it lacks a field, as the platform
    /// always fills it: `event_id` (a fresh one), `create_time` (now), `app_id`
    /// ([`MockServer::APP_ID`]), `tenant_key` ([`MockServer::TENANT_KEY`]) and, over HTTP,
    /// `token` (the request URL's verification token).
    pub async fn deliver(&self, event: &Value, via: Via, timeout: Duration) -> Delivered {
        deliver(&self.shared, event, via, timeout).await
    }
}

/// The header fields the platform always sends, where `event` lacks them.
fn complete(shared: &Shared, event: &Value, token: Option<&str>) -> Value {
    let mut event = event.clone();
    if event.get("schema").and_then(Value::as_str) != Some("2.0") {
        return event;
    }
    let Some(header) = event.get_mut("header").and_then(Value::as_object_mut) else {
        return event;
    };
    let mut fill = |key: &str, value: String| {
        let missing = match header.get(key) {
            None | Some(Value::Null) => true,
            Some(Value::String(s)) => s.is_empty(),
            Some(_) => false,
        };
        if missing {
            header.insert(key.to_owned(), Value::from(value));
        }
    };
    fill("event_id", shared.new_id("mock_ev_"));
    fill("create_time", now_millis().to_string());
    fill("app_id", MockServer::APP_ID.to_owned());
    fill("tenant_key", MockServer::TENANT_KEY.to_owned());
    if let Some(token) = token {
        fill("token", token.to_owned());
    }
    event
}

pub(crate) async fn deliver(
    shared: &Arc<Shared>,
    event: &Value,
    via: Via,
    timeout: Duration,
) -> Delivered {
    match via {
        Via::Ws { fragments } => {
            let event = complete(shared, event, None);
            let pushed = crate::ws::WsMock::new(Arc::clone(&shared.ws))
                .push_event_and_wait(&event, fragments, timeout)
                .await;
            let answers = pushed
                .acks
                .iter()
                .map(|ack| Answer {
                    connection: Some(ack.connection),
                    url: None,
                    status: None,
                    code: ack.code,
                    reply: ack.data.clone(),
                    error: None,
                    elapsed: ack.latency().unwrap_or_default(),
                })
                .collect();
            Delivered {
                event,
                message_id: Some(pushed.message_id),
                answers,
                timed_out: pushed.timed_out,
            }
        }
        Via::Http => {
            let callbacks: Vec<Callback> = lock(&shared.callbacks)
                .iter()
                .filter(|c| c.receives.accepts(event))
                .cloned()
                .collect();
            // One event id for every request URL: the same event, as the platform sends it.
            let event = complete(shared, event, None);
            let mut answers = Vec::new();
            let mut timed_out = callbacks.is_empty();
            let deadline = Instant::now() + timeout;
            for callback in &callbacks {
                let body = complete(shared, &event, callback.verification_token.as_deref());
                let left = deadline.saturating_duration_since(Instant::now());
                let answer = post(shared, callback, &body, left).await;
                if answer.error.as_deref() == Some(TIMED_OUT) {
                    timed_out = true;
                }
                answers.push(answer);
            }
            let event = match callbacks.first() {
                Some(first) => complete(shared, &event, first.verification_token.as_deref()),
                None => event,
            };
            Delivered {
                event,
                message_id: None,
                answers,
                timed_out,
            }
        }
    }
}

const TIMED_OUT: &str = "no answer in time";

/// Posts `body` to one request URL as the platform does; never fails: what went wrong is in
/// the answer.
async fn post(shared: &Shared, callback: &Callback, body: &Value, timeout: Duration) -> Answer {
    let started = Instant::now();
    let mut answer = Answer {
        connection: None,
        url: Some(callback.url.clone()),
        status: None,
        code: None,
        reply: None,
        error: None,
        elapsed: Duration::ZERO,
    };
    let plain = serde_json::to_vec(body).unwrap_or_default();
    let timestamp = (now_millis() / 1000).to_string();
    let nonce = shared.new_id("");
    let (bytes, signature) = match &callback.encrypt_key {
        Some(key) => {
            let iv = iv(shared);
            let sealed = serde_json::to_vec(&json!({
                "encrypt": lark_core::event::encrypt(key, &plain, iv)
            }))
            .unwrap_or_default();
            let signature = lark_core::event::event_signature(&timestamp, &nonce, key, &sealed);
            (sealed, Some(signature))
        }
        None => (plain, None),
    };
    let mut request = Request::builder()
        .method(Method::POST)
        .uri(&callback.url)
        .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
        .header("X-Lark-Request-Timestamp", &timestamp)
        .header("X-Lark-Request-Nonce", &nonce)
        .header("X-Request-Id", shared.new_id("mock_req_"));
    if let Some(signature) = &signature {
        request = request.header("X-Lark-Signature", signature);
    }
    let request = match request.body(Full::new(Bytes::from(bytes))) {
        Ok(request) => request,
        Err(e) => {
            answer.error = Some(format!("not a request URL: {e}"));
            return answer;
        }
    };
    // Header names as the platform writes them (`X-Lark-Signature`, not hyper's lowercase):
    // names are case-insensitive, but a bot that reads them from a plain dict (lark-oapi's
    // `RawRequest.headers` filled from `http.server`) only finds them so.
    let client: Client<_, Full<Bytes>> = Client::builder(TokioExecutor::new())
        .http1_title_case_headers(true)
        .build_http();
    let sent = tokio::time::timeout(timeout, async {
        let response = client.request(request).await.map_err(|e| e.to_string())?;
        let status = response.status().as_u16();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        Ok::<_, String>((status, body))
    })
    .await;
    answer.elapsed = started.elapsed();
    match sent {
        Err(_) => answer.error = Some(TIMED_OUT.to_owned()),
        Ok(Err(e)) => answer.error = Some(e),
        Ok(Ok((status, body))) => {
            answer.status = Some(status);
            answer.reply = reply_of(&body);
        }
    }
    answer
}

fn reply_of(body: &[u8]) -> Option<Value> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    Some(
        serde_json::from_slice(body)
            .unwrap_or_else(|_| Value::from(String::from_utf8_lossy(body).into_owned())),
    )
}

/// A fresh IV: not secret, only never repeated within a run.
fn iv(shared: &Shared) -> [u8; 16] {
    let id = shared.new_id("");
    let mut iv = [0u8; 16];
    for (i, pair) in id.as_bytes().chunks(2).take(16).enumerate() {
        let text = std::str::from_utf8(pair).unwrap_or("0");
        iv[i] = u8::from_str_radix(text, 16).unwrap_or(0);
    }
    iv
}

pub(crate) async fn verify(shared: &Shared, callback: &Callback) -> Result<(), String> {
    let challenge = shared.new_id("challenge_");
    let body = json!({
        "challenge": challenge,
        "token": callback.verification_token.clone().unwrap_or_default(),
        "type": "url_verification",
    });
    let answer = post(shared, callback, &body, Duration::from_secs(10)).await;
    if let Some(e) = answer.error {
        return Err(format!("{}: {e}", callback.url));
    }
    let echoed = answer
        .reply
        .as_ref()
        .and_then(|r| r.get("challenge"))
        .and_then(Value::as_str);
    match (answer.status, echoed) {
        (Some(200), Some(c)) if c == challenge => Ok(()),
        (status, _) => Err(format!(
            "{} did not answer the URL check with its challenge (HTTP {}, {})",
            callback.url,
            status.map_or_else(|| "-".to_owned(), |s| s.to_string()),
            answer.reply.unwrap_or(Value::Null)
        )),
    }
}
