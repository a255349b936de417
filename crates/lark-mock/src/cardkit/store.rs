//! The card entities the mock holds, apart from the routes that change them (the server's
//! state keeps them; the routes in the parent module reach them through it).

use std::collections::{HashMap, HashSet};

use serde_json::Value;

/// A card entity as the mock holds it (see [`MockServer::cardkit_card`](crate::mock::MockServer::cardkit_card)).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CardEntity {
    /// The card id the create answered with.
    pub card_id: String,
    /// The card JSON as it stands after every accepted operation.
    pub card: Value,
    /// The last accepted sequence (0 before the first operation).
    pub sequence: i64,
    /// Every accepted sequence, oldest first.
    pub sequences: Vec<i64>,
    /// Accepted text streaming calls (`elements/:element_id/content`).
    pub content_updates: u64,
    /// Accepted settings calls.
    pub settings_updates: u64,
    /// Accepted full updates.
    pub card_updates: u64,
    /// Operations refused for their sequence (code 300317).
    pub refused_sequences: u64,
    /// Every accepted operation with its time, oldest first: what a test checks a streaming
    /// reply's pace against.
    pub updates: Vec<CardUpdate>,
    pub(super) owner: String,
    pub(super) uuids: HashSet<String>,
}

/// One accepted operation on a card entity.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CardUpdate {
    /// Its sequence.
    pub sequence: i64,
    /// `content` (text streamed into an element), `settings` or `card` (a full update).
    pub kind: &'static str,
    /// The element's text after a `content` update.
    pub content: Option<String>,
    /// When the mock took it, in Unix milliseconds.
    pub at_unix_ms: u64,
}

impl CardEntity {
    /// The `content` of the element `element_id`, wherever it sits in the card.
    pub fn element_content(&self, element_id: &str) -> Option<&str> {
        find_element(&self.card, element_id)?
            .get("content")?
            .as_str()
    }

    /// Whether the card's `config.streaming_mode` is on.
    pub fn streaming_mode(&self) -> bool {
        self.card
            .pointer("/config/streaming_mode")
            .and_then(Value::as_bool)
            .unwrap_or(false)
    }

    /// As the control API lists it: the card, its counts and its updates.
    pub(crate) fn to_json(&self) -> Value {
        serde_json::json!({
            "card_id": self.card_id,
            "card": self.card,
            "sequence": self.sequence,
            "sequences": self.sequences,
            "content_updates": self.content_updates,
            "settings_updates": self.settings_updates,
            "card_updates": self.card_updates,
            "refused_sequences": self.refused_sequences,
            "updates": self.updates.iter().map(|u| serde_json::json!({
                "sequence": u.sequence,
                "kind": u.kind,
                "content": u.content,
                "at_unix_ms": u.at_unix_ms,
            })).collect::<Vec<_>>(),
        })
    }

    /// The card's `config.summary.content`, when set.
    pub fn summary(&self) -> Option<&str> {
        self.card
            .pointer("/config/summary/content")
            .and_then(Value::as_str)
    }
}

/// Every card entity the mock made.
#[derive(Debug, Default)]
pub(crate) struct Cards {
    pub(super) cards: HashMap<String, CardEntity>,
    pub(super) next: u64,
}

impl Cards {
    pub(crate) fn get(&self, card_id: &str) -> Option<&CardEntity> {
        self.cards.get(card_id)
    }

    /// Every card with its updates, by card id: what the control API lists.
    pub(crate) fn to_json(&self) -> Vec<Value> {
        let mut cards: Vec<&CardEntity> = self.cards.values().collect();
        cards.sort_by(|a, b| a.card_id.cmp(&b.card_id));
        cards.into_iter().map(CardEntity::to_json).collect()
    }
}

/// The element whose `element_id` is `element_id`, depth first.
pub(super) fn find_element<'a>(value: &'a Value, element_id: &str) -> Option<&'a Value> {
    match value {
        Value::Object(map) => {
            if map.get("element_id").and_then(Value::as_str) == Some(element_id) {
                return Some(value);
            }
            map.values().find_map(|v| find_element(v, element_id))
        }
        Value::Array(items) => items.iter().find_map(|v| find_element(v, element_id)),
        _ => None,
    }
}
