//! What the bot said: every message sent (`POST /open-apis/im/v1/messages`) or replied
//! (`POST /open-apis/im/v1/messages/:message_id/reply`) through the API, kept in the chat's
//! history and in a record a test reads ([`MockServer::sent_messages`], `GET /_mock/sent`),
//! with the CardKit card a message shows and that card's streaming updates.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Uri};
use serde_json::{Value, json};

use crate::auth::{self, Caller, Kind};
use crate::codes;
use crate::kept::SentMessage;
use crate::mock::MockServer;
use crate::reply::{HandlerResult, LarkError, now_millis, success};
use crate::state::{Data, Shared};

/// How long a `uuid` makes a repeated send or reply answer with the first message.
pub(crate) const UUID_WINDOW: Duration = Duration::from_secs(3600);

/// A message about to be kept.
pub(crate) struct NewMessage<'a> {
    pub(crate) chat_id: String,
    pub(crate) msg_type: &'a str,
    /// The request's JSON string, and the same parsed.
    pub(crate) content: &'a str,
    pub(crate) parsed: Value,
    pub(crate) reply_to: Option<String>,
    pub(crate) root_id: String,
    pub(crate) reply_in_thread: bool,
    pub(crate) thread_id: String,
}

/// Keeps `new` in the chat's history and in the record of what was sent; answers the
/// message as the API returns it.
pub(crate) fn keep(
    shared: &Shared,
    data: &mut Data,
    caller: &Caller,
    new: NewMessage<'_>,
    uuid: Option<&str>,
) -> Value {
    let message_id = shared.new_id("om_");
    let at = now_millis();
    let millis = at.to_string();
    let sender = caller.sender();
    let message = json!({
        "message_id": message_id,
        "root_id": new.root_id,
        "parent_id": new.reply_to.clone().unwrap_or_default(),
        "thread_id": new.thread_id,
        "msg_type": new.msg_type,
        "create_time": millis,
        "update_time": millis,
        "deleted": false,
        "updated": false,
        "chat_id": new.chat_id,
        "sender": sender,
        "body": {"content": new.content},
        "mentions": [],
    });
    let index = data.messages.len();
    data.messages.push(message.clone());
    data.message_index.insert(message_id.clone(), index);
    if let Some(uuid) = uuid {
        data.uuids
            .insert((caller.key(), uuid.to_owned()), (index, Instant::now()));
    }
    data.sent.push(SentMessage {
        message_id,
        chat_id: new.chat_id,
        msg_type: new.msg_type.to_owned(),
        content: new.parsed,
        reply_to: new.reply_to,
        reply_in_thread: new.reply_in_thread,
        thread_id: Some(new.thread_id).filter(|t| !t.is_empty()),
        sender_id: sender["id"].as_str().unwrap_or_default().to_owned(),
        at_unix_ms: at,
    });
    message
}

/// The message a repeated `uuid` of `caller` sent within the hour, if any.
pub(crate) fn replayed(data: &Data, caller: &Caller, uuid: Option<&str>) -> Option<Value> {
    let (index, at) = data.uuids.get(&(caller.key(), uuid?.to_owned()))?;
    (at.elapsed() < UUID_WINDOW).then(|| data.messages[*index].clone())
}

/// `POST /open-apis/im/v1/messages/:message_id/reply`: `{"msg_type", "content",
/// "reply_in_thread", "uuid"}`. The reply lands in the chat of the message replied to, in its
/// thread when it has one or when `reply_in_thread` starts one. A message the mock does not
/// hold may be replied to (tests push events for messages they never posted): the reply then
/// has no chat.
pub(crate) async fn reply_message(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    uri: Uri,
    Path(message_id): Path<String>,
    body: Bytes,
) -> HandlerResult {
    let caller = auth::check(&shared, &headers, uri.path(), &[Kind::Tenant, Kind::User])?;
    let request = crate::reply::json_body(&body)?;
    let msg_type = crate::reply::required_str(&request, "msg_type")?;
    let content = crate::reply::required_str(&request, "content")?;
    let uuid = crate::reply::optional_str(&request, "uuid")?;
    let reply_in_thread = match request.get("reply_in_thread") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(LarkError::bad(
                codes::FIELD_VALIDATION_FAILED,
                "field validation failed: reply_in_thread must be a boolean",
            ));
        }
    };
    let mut data = shared.data();
    let parsed = crate::content::check(msg_type, content, body.len(), &data.cardkit)?;
    if let Some(message) = replayed(&data, &caller, uuid) {
        return Ok(success(message));
    }
    let parent = data
        .message_index
        .get(&message_id)
        .map(|&i| data.messages[i].clone());
    let text = |key: &str| {
        parent
            .as_ref()
            .and_then(|p| p[key].as_str())
            .unwrap_or_default()
            .to_owned()
    };
    let root_id = Some(text("root_id"))
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| message_id.clone());
    let thread_id = match text("thread_id") {
        t if !t.is_empty() => t,
        _ if reply_in_thread => format!("omt_{}", root_id.trim_start_matches("om_")),
        _ => String::new(),
    };
    let new = NewMessage {
        chat_id: text("chat_id"),
        msg_type,
        content,
        parsed,
        reply_to: Some(message_id),
        root_id,
        reply_in_thread,
        thread_id,
    };
    let message = keep(&shared, &mut data, &caller, new, uuid);
    Ok(success(message))
}

impl MockServer {
    /// Every message sent or replied through the API, oldest first: what the bot said.
    pub fn sent_messages(&self) -> Vec<SentMessage> {
        self.shared.data().sent.clone()
    }

    /// The replies to `message_id`, oldest first.
    pub fn replies_to(&self, message_id: &str) -> Vec<SentMessage> {
        self.shared
            .data()
            .sent
            .iter()
            .filter(|m| m.reply_to.as_deref() == Some(message_id))
            .cloned()
            .collect()
    }
}
