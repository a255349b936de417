//! Stateful handlers: messages, chats, users, and a helpdesk endpoint.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, Uri};
use axum::response::IntoResponse as _;
use base64::Engine as _;
use serde_json::{Value, json};

use crate::auth::{self, Caller, Kind};
use crate::codes;
use crate::reply::{
    HandlerResult, LarkError, invalid_field, json_body, optional_str, required_str, success,
};
use crate::state::{Data, MockUser, Shared};

fn query(uri: &Uri) -> Result<HashMap<String, String>, LarkError> {
    Query::<HashMap<String, String>>::try_from_uri(uri)
        .map(|q| q.0)
        .map_err(|e| invalid_field(&format!("the query cannot be read: {e}")))
}

fn required<'a>(map: &'a HashMap<String, String>, key: &str) -> Result<&'a str, LarkError> {
    map.get(key)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| invalid_field(&format!("{key} is required")))
}

/// A chat object as `im/v1/chats` returns it.
#[allow(clippy::too_many_arguments)]
pub(crate) fn chat_json(
    chat_id: &str,
    name: &str,
    description: &str,
    owner_id: &str,
    chat_mode: &str,
    chat_type: &str,
    tenant_key: &str,
    user_count: usize,
) -> Value {
    json!({
        "chat_id": chat_id,
        "avatar": "",
        "name": name,
        "description": description,
        "i18n_names": {},
        "owner_id": owner_id,
        "owner_id_type": "open_id",
        "add_member_permission": "all_members",
        "share_card_permission": "allowed",
        "at_all_permission": "all_members",
        "edit_permission": "all_members",
        "chat_mode": chat_mode,
        "chat_type": chat_type,
        "chat_tag": "inner",
        "external": false,
        "tenant_key": tenant_key,
        "user_count": user_count.to_string(),
        "bot_count": "1",
    })
}

/// Where a message to `receive_id` of `id_type` lands: a chat id, creating the p2p chat of a
/// user on first use.
fn resolve_chat(data: &mut Data, id_type: &str, receive_id: &str) -> Result<String, LarkError> {
    if id_type == "chat_id" {
        return if data.chats.contains_key(receive_id) {
            Ok(receive_id.to_owned())
        } else {
            Err(LarkError::bad(
                codes::BOT_NOT_IN_CHAT,
                format!("Bot/User can NOT be out of the chat: {receive_id}"),
            ))
        };
    }
    if !["open_id", "user_id", "union_id", "email"].contains(&id_type) {
        return Err(invalid_field(&format!(
            "receive_id_type must be one of open_id, user_id, union_id, email, chat_id, not {id_type}"
        )));
    }
    let user = data
        .users
        .iter()
        .find(|u| u.id_of(id_type) == Some(receive_id))
        .cloned()
        .ok_or_else(|| {
            LarkError::bad(
                codes::INVALID_PARAM,
                format!("invalid receive_id: no user with {id_type} {receive_id}"),
            )
        })?;
    Ok(p2p_chat(data, &user))
}

/// The one-to-one chat of the bot and `user`, made on first use.
pub(crate) fn p2p_chat(data: &mut Data, user: &MockUser) -> String {
    let chat_id = format!("oc_p2p_{}", user.user_id);
    data.chats.entry(chat_id.clone()).or_insert_with(|| {
        chat_json(
            &chat_id,
            &user.name,
            "",
            &user.open_id,
            "p2p",
            "private",
            crate::mock::MockServer::TENANT_KEY,
            2,
        )
    });
    chat_id
}

/// `GET /open-apis/bot/v3/info`: the app's bot ([`MockServer::BOT_OPEN_ID`](crate::MockServer::BOT_OPEN_ID)),
/// the one people mention.
pub(crate) async fn bot_info(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<axum::response::Response, LarkError> {
    auth::check(&shared, &headers, uri.path(), &[Kind::Tenant])?;
    Ok(axum::Json(json!({
        "code": 0,
        "msg": "ok",
        "bot": {
            "activate_status": 2,
            "app_name": crate::identity::BOT_NAME,
            "avatar_url": "",
            "ip_white_list": [],
            "open_id": crate::identity::BOT_OPEN_ID,
        },
    }))
    .into_response())
}

/// `POST /open-apis/im/v1/messages?receive_id_type=…`.
pub(crate) async fn send_message(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    uri: Uri,
    raw: Bytes,
) -> HandlerResult {
    let caller = auth::check(&shared, &headers, uri.path(), &[Kind::Tenant, Kind::User])?;
    let q = query(&uri)?;
    let id_type = required(&q, "receive_id_type")?;
    let body = json_body(&raw)?;
    let receive_id = required_str(&body, "receive_id")?;
    let msg_type = required_str(&body, "msg_type")?;
    let content = required_str(&body, "content")?;
    let uuid = optional_str(&body, "uuid")?;
    let mut data = shared.data();
    let parsed = crate::content::check(msg_type, content, raw.len(), &data.cardkit)?;
    if let Some(message) = crate::sent::replayed(&data, &caller, uuid) {
        return Ok(success(message));
    }
    let chat_id = resolve_chat(&mut data, id_type, receive_id)?;
    let new = crate::sent::NewMessage {
        chat_id,
        msg_type,
        content,
        parsed,
        reply_to: None,
        root_id: String::new(),
        reply_in_thread: false,
        thread_id: String::new(),
    };
    let message = crate::sent::keep(&shared, &mut data, &caller, new, uuid);
    Ok(success(message))
}

/// `GET /open-apis/im/v1/messages/:message_id`.
pub(crate) async fn get_message(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    uri: Uri,
    Path(message_id): Path<String>,
) -> HandlerResult {
    auth::check(&shared, &headers, uri.path(), &[Kind::Tenant, Kind::User])?;
    let data = shared.data();
    let message = data
        .message_index
        .get(&message_id)
        .map(|&i| data.messages[i].clone())
        .ok_or_else(|| {
            LarkError::bad(
                codes::INVALID_PARAM,
                format!("invalid message_id: {message_id} does not exist"),
            )
        })?;
    Ok(success(json!({"items": [message]})))
}

fn encode_page_token(index: usize) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("mock-page:{index}"))
}

fn decode_page_token(token: &str) -> Option<usize> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token)
        .ok()?;
    String::from_utf8(bytes)
        .ok()?
        .strip_prefix("mock-page:")?
        .parse()
        .ok()
}

/// `GET /open-apis/im/v1/messages?container_id_type=chat&container_id=…`.
pub(crate) async fn list_messages(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    uri: Uri,
) -> HandlerResult {
    auth::check(&shared, &headers, uri.path(), &[Kind::Tenant, Kind::User])?;
    let q = query(&uri)?;
    let container_type = required(&q, "container_id_type")?;
    let container_id = required(&q, "container_id")?;
    if container_type != "chat" && container_type != "thread" {
        return Err(invalid_field("container_id_type must be chat or thread"));
    }
    let page_size = match q.get("page_size") {
        None => 20,
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=50).contains(n))
            .ok_or_else(|| invalid_field("page_size must be between 1 and 50"))?,
    };
    let seconds = |key: &str| -> Result<Option<u64>, LarkError> {
        q.get(key)
            .map(|v| {
                v.parse::<u64>()
                    .map_err(|_| invalid_field(&format!("{key} must be Unix seconds")))
            })
            .transpose()
    };
    let (start, end) = (seconds("start_time")?, seconds("end_time")?);
    let descending = match q.get("sort_type").map(String::as_str) {
        None | Some("ByCreateTimeAsc") => false,
        Some("ByCreateTimeDesc") => true,
        Some(other) => return Err(invalid_field(&format!("invalid sort_type {other}"))),
    };
    let offset = match q.get("page_token").filter(|t| !t.is_empty()) {
        None => 0,
        Some(token) => decode_page_token(token)
            .ok_or_else(|| LarkError::bad(codes::INVALID_PARAM, "invalid page_token"))?,
    };
    let data = shared.data();
    if container_type == "chat" && !data.chats.contains_key(container_id) {
        return Err(LarkError::bad(
            codes::BOT_NOT_IN_CHAT,
            format!("Bot/User can NOT be out of the chat: {container_id}"),
        ));
    }
    let field = if container_type == "chat" {
        "chat_id"
    } else {
        "thread_id"
    };
    let mut matching: Vec<&Value> = data
        .messages
        .iter()
        .filter(|m| m[field].as_str() == Some(container_id))
        .filter(|m| {
            let secs = m["create_time"]
                .as_str()
                .and_then(|t| t.parse::<u64>().ok())
                .map_or(0, |ms| ms / 1000);
            start.is_none_or(|s| secs >= s) && end.is_none_or(|e| secs <= e)
        })
        .collect();
    if descending {
        matching.reverse();
    }
    let items: Vec<Value> = matching
        .iter()
        .skip(offset)
        .take(page_size)
        .map(|m| (*m).clone())
        .collect();
    let next = offset + items.len();
    let has_more = next < matching.len();
    let mut answer = json!({"has_more": has_more, "items": items});
    if has_more {
        answer["page_token"] = json!(encode_page_token(next));
    }
    Ok(success(answer))
}

/// `POST /open-apis/im/v1/chats`.
pub(crate) async fn create_chat(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> HandlerResult {
    let caller = auth::check(&shared, &headers, uri.path(), &[Kind::Tenant, Kind::User])?;
    let body = json_body(&body)?;
    let name = optional_str(&body, "name")?.unwrap_or("");
    let description = optional_str(&body, "description")?.unwrap_or("");
    let owner_id = optional_str(&body, "owner_id")?.unwrap_or("");
    let chat_type = optional_str(&body, "chat_type")?.unwrap_or("private");
    if chat_type != "private" && chat_type != "public" {
        return Err(invalid_field("chat_type must be private or public"));
    }
    let members = match body.get("user_id_list") {
        None | Some(Value::Null) => 0,
        Some(Value::Array(list)) if list.iter().all(Value::is_string) => list.len(),
        Some(_) => return Err(invalid_field("user_id_list must be a list of strings")),
    };
    let chat_id = shared.new_id("oc_");
    let chat = chat_json(
        &chat_id,
        name,
        description,
        owner_id,
        "group",
        chat_type,
        caller.tenant_key(),
        members + usize::from(!owner_id.is_empty()),
    );
    shared.data().chats.insert(chat_id, chat.clone());
    Ok(success(chat))
}

/// `GET /open-apis/im/v1/chats/:chat_id`. Like the platform, the answer does not repeat the
/// chat id.
pub(crate) async fn get_chat(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    uri: Uri,
    Path(chat_id): Path<String>,
) -> HandlerResult {
    auth::check(&shared, &headers, uri.path(), &[Kind::Tenant, Kind::User])?;
    let mut chat = shared.data().chats.get(&chat_id).cloned().ok_or_else(|| {
        LarkError::bad(
            codes::INVALID_CHAT_ID,
            format!("invalid chat_id: {chat_id}"),
        )
    })?;
    if let Some(map) = chat.as_object_mut() {
        map.remove("chat_id");
    }
    Ok(success(chat))
}

/// `GET /open-apis/contact/v3/users/:user_id?user_id_type=…` (open_id by default).
pub(crate) async fn get_user(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    uri: Uri,
    Path(user_id): Path<String>,
) -> HandlerResult {
    auth::check(&shared, &headers, uri.path(), &[Kind::Tenant, Kind::User])?;
    let q = query(&uri)?;
    let id_type = q.get("user_id_type").map_or("open_id", String::as_str);
    if !["open_id", "union_id", "user_id"].contains(&id_type) {
        return Err(invalid_field(
            "user_id_type must be open_id, union_id or user_id",
        ));
    }
    let data = shared.data();
    let user = data
        .users
        .iter()
        .find(|u| u.id_of(id_type) == Some(user_id.as_str()))
        .ok_or_else(|| {
            LarkError::bad(
                codes::NO_USER_AUTHORITY,
                format!("no user authority error: no user with {id_type} {user_id}"),
            )
        })?;
    Ok(success(json!({"user": user.to_json()})))
}

/// `GET /open-apis/authen/v1/user_info`: the user the calling user access token was issued
/// for. A user the mock knows ([`MockServer::add_user`](crate::MockServer::add_user)) answers
/// with its ids, name and email; any other open id with ids and an email derived from it.
pub(crate) async fn user_info(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    uri: Uri,
) -> HandlerResult {
    let Caller::User { open_id } = auth::check(&shared, &headers, uri.path(), &[Kind::User])?
    else {
        return Err(LarkError::bad(
            codes::INVALID_USER_TOKEN,
            "this endpoint accepts only a user access token",
        ));
    };
    let user = shared.data().user_or_derived(&open_id);
    Ok(success(json!({
        "name": user.name,
        "en_name": user.name,
        "avatar_url": "",
        "avatar_thumb": "",
        "avatar_middle": "",
        "avatar_big": "",
        "open_id": user.open_id,
        "union_id": user.union_id,
        "email": user.email,
        "enterprise_email": "",
        "user_id": user.user_id,
        "mobile": "",
        "tenant_key": crate::mock::MockServer::TENANT_KEY,
        "employee_no": "",
    })))
}

/// `POST /open-apis/helpdesk/v1/start_service`: opens a helpdesk chat for `open_id`.
pub(crate) async fn start_helpdesk_service(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> HandlerResult {
    let caller: Caller = auth::check(&shared, &headers, uri.path(), &[Kind::Tenant])?;
    let body = json_body(&body)?;
    let open_id = required_str(&body, "open_id")?;
    let chat_id = shared.new_id("oc_");
    let chat = chat_json(
        &chat_id,
        "Helpdesk",
        "",
        open_id,
        "group",
        "private",
        caller.tenant_key(),
        2,
    );
    shared.data().chats.insert(chat_id.clone(), chat);
    Ok(success(json!({"chat_id": chat_id})))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_tokens_round_trip() {
        for i in [0, 1, 49, 1_000_000] {
            assert_eq!(decode_page_token(&encode_page_token(i)), Some(i));
        }
        assert_eq!(decode_page_token("garbage!"), None);
        assert_eq!(decode_page_token(""), None);
    }
}
