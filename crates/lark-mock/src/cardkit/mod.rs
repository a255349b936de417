//! CardKit v1 card entities, stateful: create one, stream text into an element, change its
//! settings, replace it; every operation after the create carries a `sequence` that must be
//! greater than the card's last one.
//!
//! The codes are the platform's (CardKit v1 reference pages): 300317 for a sequence that does
//! not increase, 200740 for an unknown card, 300309 for text streamed while `streaming_mode`
//! is off, 300310 for an element that is not `markdown` or `plain_text`, 300311 for a card of
//! another app, 300303 for an update that is not card JSON 2.0, 10002 for any other bad
//! parameter. A repeated `uuid` is an idempotent replay: answered with success, not applied
//! again.

use std::collections::HashSet;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, Uri};
use serde_json::{Map, Value, json};

pub(crate) mod store;

pub use store::{CardEntity, CardUpdate};

use crate::auth::{self, Caller, Kind};
use crate::reply::{HandlerResult, LarkError, success};
use crate::state::Shared;

/// CardKit's codes, as the mock answers them.
pub mod codes {
    /// A parameter is missing or malformed.
    pub const INVALID_PARAM: i64 = 10_002;
    /// No card entity has this id.
    pub const CARD_NOT_FOUND: i64 = 200_740;
    /// The card JSON cannot be turned into a card.
    pub const CARD_CONTENT_FAILED: i64 = 200_220;
    /// Only card JSON 2.0 can be used here.
    pub const SCHEMA_V2_ONLY: i64 = 300_303;
    /// Text was streamed while the card's `streaming_mode` is off.
    pub const STREAMING_CLOSED: i64 = 300_309;
    /// Text can be streamed only into `markdown` and `plain_text` elements.
    pub const ONLY_UPDATE_TEXT: i64 = 300_310;
    /// The card belongs to another app.
    pub const NO_PERMISSION: i64 = 300_311;
    /// The `sequence` is not greater than the card's last one.
    pub const SEQUENCE_NOT_INCREASING: i64 = 300_317;
}

fn invalid(detail: impl Into<String>) -> LarkError {
    LarkError::bad(codes::INVALID_PARAM, detail)
}

fn object_body(body: &[u8]) -> Result<Map<String, Value>, LarkError> {
    match serde_json::from_slice(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(invalid("the body must be a JSON object")),
        Err(e) => Err(invalid(format!("the body is not valid JSON: {e}"))),
    }
}

fn string_field<'a>(body: &'a Map<String, Value>, key: &str) -> Result<&'a str, LarkError> {
    body.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| invalid(format!("{key} is required and must be a non-empty string")))
}

fn uuid_field(body: &Map<String, Value>) -> Result<Option<String>, LarkError> {
    match body.get("uuid") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if !s.is_empty() && s.len() <= 64 => Ok(Some(s.clone())),
        Some(_) => Err(invalid("uuid must be a string of 1 to 64 characters")),
    }
}

/// `sequence`: a positive int32.
fn sequence_field(body: &Map<String, Value>) -> Result<i64, LarkError> {
    body.get("sequence")
        .and_then(Value::as_i64)
        .filter(|s| (1..=i64::from(i32::MAX)).contains(s))
        .ok_or_else(|| invalid("sequence is required and must be an integer in 1..=2147483647"))
}

/// A JSON object serialised in a string field (card JSON, settings).
fn json_object_in(text: &str, what: &str) -> Result<Map<String, Value>, LarkError> {
    match serde_json::from_str(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(LarkError::bad(
            codes::CARD_CONTENT_FAILED,
            format!("{what} must be a JSON object serialised as a string"),
        )),
        Err(e) => Err(LarkError::bad(
            codes::CARD_CONTENT_FAILED,
            format!("{what} is not valid JSON: {e}"),
        )),
    }
}

fn caller_app(caller: &Caller) -> String {
    match caller {
        Caller::Tenant { app_id, .. } | Caller::App { app_id } => app_id.clone(),
        Caller::User { open_id } => open_id.clone(),
    }
}

fn find_element_mut<'a>(value: &'a mut Value, element_id: &str) -> Option<&'a mut Value> {
    let found = match &*value {
        Value::Object(map) => map.get("element_id").and_then(Value::as_str) == Some(element_id),
        _ => false,
    };
    if found {
        return Some(value);
    }
    match value {
        Value::Object(map) => map
            .values_mut()
            .find_map(|v| find_element_mut(v, element_id)),
        Value::Array(items) => items
            .iter_mut()
            .find_map(|v| find_element_mut(v, element_id)),
        _ => None,
    }
}

/// What an operation does to the card once its checks pass.
enum Operation {
    Content { element_id: String, content: String },
    Settings(Map<String, Value>),
    Replace(Value),
}

/// Checks the card, its owner, the uuid and the sequence, then applies `operation`.
fn operate(
    shared: &Shared,
    caller: &Caller,
    card_id: &str,
    body: &Map<String, Value>,
    operation: Operation,
) -> HandlerResult {
    let sequence = sequence_field(body)?;
    let uuid = uuid_field(body)?;
    let mut data = shared.data();
    let card = data.cardkit.cards.get_mut(card_id).ok_or_else(|| {
        LarkError::bad(
            codes::CARD_NOT_FOUND,
            format!("card entity {card_id} does not exist"),
        )
    })?;
    if card.owner != caller_app(caller) {
        return Err(LarkError::bad(
            codes::NO_PERMISSION,
            "The current application does not have permission to update/use this card",
        ));
    }
    if let Some(uuid) = &uuid {
        if card.uuids.contains(uuid) {
            // The platform carries out one operation per uuid: a retry is answered, not redone.
            return Ok(success(json!({})));
        }
    }
    if sequence <= card.sequence {
        card.refused_sequences += 1;
        return Err(LarkError::bad(
            codes::SEQUENCE_NOT_INCREASING,
            format!(
                "The sequence number for operating on the card did not increment consecutively: \
                 {sequence} after {}",
                card.sequence
            ),
        ));
    }
    let mut streamed = None;
    let kind = match operation {
        Operation::Content {
            element_id,
            content,
        } => {
            if !card.streaming_mode() {
                return Err(LarkError::bad(
                    codes::STREAMING_CLOSED,
                    "Card streaming closed: set config.streaming_mode to true first",
                ));
            }
            let element = find_element_mut(&mut card.card, &element_id).ok_or_else(|| {
                invalid(format!(
                    "the card has no element with element_id {element_id}"
                ))
            })?;
            let tag = element.get("tag").and_then(Value::as_str).unwrap_or("");
            if tag != "markdown" && tag != "plain_text" {
                return Err(LarkError::bad(
                    codes::ONLY_UPDATE_TEXT,
                    format!(
                        "Only update text: element {element_id} is `{tag}`, not markdown or plain_text"
                    ),
                ));
            }
            streamed = Some(content.clone());
            element["content"] = Value::String(content);
            card.content_updates += 1;
            "content"
        }
        Operation::Settings(settings) => {
            if !card.card.is_object() {
                card.card = json!({});
            }
            if let Some(config) = settings.get("config") {
                let Value::Object(config) = config else {
                    return Err(invalid("settings.config must be an object"));
                };
                let target = card
                    .card
                    .as_object_mut()
                    .map(|c| c.entry("config").or_insert_with(|| json!({})));
                if let Some(target) = target {
                    if !target.is_object() {
                        *target = json!({});
                    }
                    if let Some(target) = target.as_object_mut() {
                        for (key, value) in config {
                            target.insert(key.clone(), value.clone());
                        }
                    }
                }
            }
            if let (Some(link), Some(card)) = (settings.get("card_link"), card.card.as_object_mut())
            {
                card.insert("card_link".to_owned(), link.clone());
            }
            card.settings_updates += 1;
            "settings"
        }
        Operation::Replace(new_card) => {
            card.card = new_card;
            card.card_updates += 1;
            "card"
        }
    };
    card.sequence = sequence;
    card.sequences.push(sequence);
    card.updates.push(CardUpdate {
        sequence,
        kind,
        content: streamed,
        at_unix_ms: std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
    });
    if let Some(uuid) = uuid {
        card.uuids.insert(uuid);
    }
    Ok(success(json!({})))
}

/// Whether `card_id` has the shape of the ids this mock issues (digits after a `7`). Other ids
/// belong to cards the mock never made (a user's sample values, an id from another run): the
/// spec-driven handler answers those, as it does for every endpoint the mock does not model.
fn issued(shared: &Shared, card_id: &str) -> bool {
    card_id.starts_with('7') && card_id.bytes().all(|b| b.is_ascii_digit())
        || shared.data().cardkit.cards.contains_key(card_id)
}

/// `POST /open-apis/cardkit/v1/cards`: `{"type": "card_json", "data": "<card JSON>"}`.
pub(crate) async fn create(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> HandlerResult {
    let caller = auth::check(&shared, &headers, uri.path(), &[Kind::Tenant])?;
    let raw = body;
    let body = object_body(&raw)?;
    match body.get("type").and_then(Value::as_str) {
        Some("card_json") => {}
        Some("template") => {
            return Err(invalid(
                "type `template`: the mock makes card entities from card_json only",
            ));
        }
        // A type the platform does not document: the spec-driven handler answers, as for
        // every request the mock does not model.
        _ => return crate::spec::unmodelled(shared, Method::POST, uri, headers, raw).await,
    }
    let card = json_object_in(string_field(&body, "data")?, "data")?;
    let mut data = shared.data();
    data.cardkit.next += 1;
    // Card ids are decimal strings of at most 20 characters on the platform.
    let card_id = format!("7{:018}", data.cardkit.next);
    data.cardkit.cards.insert(
        card_id.clone(),
        CardEntity {
            card_id: card_id.clone(),
            card: Value::Object(card),
            sequence: 0,
            sequences: Vec::new(),
            content_updates: 0,
            settings_updates: 0,
            card_updates: 0,
            refused_sequences: 0,
            updates: Vec::new(),
            owner: caller_app(&caller),
            uuids: HashSet::new(),
        },
    );
    Ok(success(json!({ "card_id": card_id })))
}

/// `PUT /open-apis/cardkit/v1/cards/:card_id/elements/:element_id/content`.
pub(crate) async fn content(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    uri: Uri,
    Path((card_id, element_id)): Path<(String, String)>,
    body: Bytes,
) -> HandlerResult {
    let caller = auth::check(&shared, &headers, uri.path(), &[Kind::Tenant])?;
    if !issued(&shared, &card_id) {
        return crate::spec::unmodelled(shared, Method::PUT, uri, headers, body).await;
    }
    let body = object_body(&body)?;
    let content = body
        .get("content")
        .and_then(Value::as_str)
        .filter(|c| (1..=100_000).contains(&c.chars().count()))
        .ok_or_else(|| invalid("content is required: a string of 1 to 100000 characters"))?
        .to_owned();
    operate(
        &shared,
        &caller,
        &card_id,
        &body,
        Operation::Content {
            element_id,
            content,
        },
    )
}

/// `PATCH /open-apis/cardkit/v1/cards/:card_id/settings`: `settings` is a JSON string with
/// `config` (merged into the card's) and `card_link` (replaced).
pub(crate) async fn settings(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    uri: Uri,
    Path(card_id): Path<String>,
    body: Bytes,
) -> HandlerResult {
    let caller = auth::check(&shared, &headers, uri.path(), &[Kind::Tenant])?;
    if !issued(&shared, &card_id) {
        return crate::spec::unmodelled(shared, Method::PATCH, uri, headers, body).await;
    }
    let body = object_body(&body)?;
    let settings = json_object_in(string_field(&body, "settings")?, "settings")?;
    operate(
        &shared,
        &caller,
        &card_id,
        &body,
        Operation::Settings(settings),
    )
}

/// `PUT /open-apis/cardkit/v1/cards/:card_id`: `card` is `{"type": "card_json", "data": ...}`
/// with card JSON 2.0.
pub(crate) async fn update(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    uri: Uri,
    Path(card_id): Path<String>,
    body: Bytes,
) -> HandlerResult {
    let caller = auth::check(&shared, &headers, uri.path(), &[Kind::Tenant])?;
    if !issued(&shared, &card_id) {
        return crate::spec::unmodelled(shared, Method::PUT, uri, headers, body).await;
    }
    let body = object_body(&body)?;
    let Some(Value::Object(card)) = body.get("card") else {
        return Err(invalid("card is required and must be an object"));
    };
    if string_field(card, "type")? != "card_json" {
        return Err(invalid("card.type must be card_json"));
    }
    let new_card = json_object_in(string_field(card, "data")?, "card.data")?;
    if new_card.get("schema").and_then(Value::as_str) != Some("2.0") {
        return Err(LarkError::bad(
            codes::SCHEMA_V2_ONLY,
            "Only schema 2.0 is supported",
        ));
    }
    operate(
        &shared,
        &caller,
        &card_id,
        &body,
        Operation::Replace(Value::Object(new_card)),
    )
}
