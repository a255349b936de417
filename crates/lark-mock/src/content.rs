//! What a message's `content` must be for its `msg_type`, as the send and reply endpoints
//! check it: a JSON object of the right shape, within the platform's size limits (the request
//! body of a text message at most 150 KB, of a post or card 30 KB; the `im.v1.message.create`
//! reference). A bot whose message the mock takes is one the platform renders.

use serde_json::{Map, Value};

use crate::cardkit::store::Cards;
use crate::codes;
use crate::reply::LarkError;

/// The largest request body of a `text` message.
pub(crate) const TEXT_BODY_LIMIT: usize = 150 * 1024;
/// The largest request body of a `post` or `interactive` message.
pub(crate) const RICH_BODY_LIMIT: usize = 30 * 1024;

/// Every `msg_type` the API sends.
pub(crate) const MSG_TYPES: [&str; 11] = [
    "text",
    "post",
    "image",
    "file",
    "audio",
    "media",
    "sticker",
    "interactive",
    "share_chat",
    "share_user",
    "system",
];

/// The tags of a post's elements.
const POST_TAGS: [&str; 9] = [
    "text",
    "a",
    "at",
    "img",
    "media",
    "emotion",
    "code_block",
    "hr",
    "md",
];

fn invalid(detail: impl AsRef<str>) -> LarkError {
    LarkError::bad(
        codes::INVALID_PARAM,
        format!("invalid content: {}", detail.as_ref()),
    )
}

/// Checks `content` (the JSON string of the request) for `msg_type`, in a request body of
/// `body_len` bytes; answers the content parsed.
pub(crate) fn check(
    msg_type: &str,
    content: &str,
    body_len: usize,
    cards: &Cards,
) -> Result<Value, LarkError> {
    if !MSG_TYPES.contains(&msg_type) {
        return Err(LarkError::bad(
            codes::INVALID_PARAM,
            format!("invalid msg_type: {msg_type}"),
        ));
    }
    let limit = match msg_type {
        "text" => TEXT_BODY_LIMIT,
        "post" | "interactive" => RICH_BODY_LIMIT,
        _ => TEXT_BODY_LIMIT,
    };
    if body_len > limit {
        return Err(LarkError::bad(
            codes::CONTENT_TOO_LONG,
            format!(
                "the request body of a {msg_type} message is {body_len} bytes, more than {} KB",
                limit / 1024
            ),
        ));
    }
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(content) else {
        return Err(invalid("it must be a JSON object serialised as a string"));
    };
    match msg_type {
        "text" => string_field(&map, "text", true).map(drop),
        "post" => check_post(&map),
        "interactive" => check_card(&map, cards),
        "image" => string_field(&map, "image_key", false).map(drop),
        "file" | "audio" | "media" | "sticker" => string_field(&map, "file_key", false).map(drop),
        "share_chat" => string_field(&map, "chat_id", false).map(drop),
        "share_user" => string_field(&map, "user_id", false).map(drop),
        _ => Ok(()),
    }?;
    Ok(Value::Object(map))
}

/// The string `key` of `map` (non-empty unless `empty_ok`).
fn string_field<'a>(
    map: &'a Map<String, Value>,
    key: &str,
    empty_ok: bool,
) -> Result<&'a str, LarkError> {
    map.get(key)
        .and_then(Value::as_str)
        .filter(|v| empty_ok || !v.is_empty())
        .ok_or_else(|| invalid(format!("`{key}` is required and must be a string")))
}

/// A post: bodies by locale (`{"zh_cn": {"title", "content"}}`), or one body.
fn check_post(map: &Map<String, Value>) -> Result<(), LarkError> {
    if map.contains_key("content") {
        return check_post_body(map);
    }
    if map.is_empty() {
        return Err(invalid("a post needs a body in at least one locale"));
    }
    for (locale, body) in map {
        let Value::Object(body) = body else {
            return Err(invalid(format!(
                "the post body of {locale} must be an object"
            )));
        };
        check_post_body(body).map_err(|e| invalid(format!("{locale}: {}", e.msg)))?;
    }
    Ok(())
}

/// One body of a post: `content`, lines of elements, each with a known `tag`.
fn check_post_body(body: &Map<String, Value>) -> Result<(), LarkError> {
    if let Some(title) = body.get("title") {
        if !title.is_string() {
            return Err(invalid("`title` must be a string"));
        }
    }
    let Some(Value::Array(lines)) = body.get("content") else {
        return Err(invalid("`content` must be a list of lines"));
    };
    for line in lines {
        let Value::Array(elements) = line else {
            return Err(invalid("each line of `content` must be a list of elements"));
        };
        for element in elements {
            let tag = element.get("tag").and_then(Value::as_str).unwrap_or("");
            if !POST_TAGS.contains(&tag) {
                return Err(invalid(format!("unknown post element tag `{tag}`")));
            }
            let needs = match tag {
                "text" | "md" | "code_block" => Some("text"),
                "a" => Some("href"),
                "at" => Some("user_id"),
                "img" => Some("image_key"),
                "media" => Some("file_key"),
                "emotion" => Some("emoji_type"),
                _ => None,
            };
            if let Some(key) = needs {
                if !element.get(key).is_some_and(Value::is_string) {
                    return Err(invalid(format!(
                        "a `{tag}` element needs the string `{key}`"
                    )));
                }
            }
        }
    }
    Ok(())
}

/// A card: a CardKit entity the mock made (`{"type": "card", "data": {"card_id"}}`), a
/// template (`{"type": "template", "data": {"template_id"}}`), or card JSON (2.0 with
/// `body.elements`, or 1.0 with `elements`, `i18n_elements` or only a header), each element an
/// object with a `tag`.
fn check_card(map: &Map<String, Value>, cards: &Cards) -> Result<(), LarkError> {
    match map.get("type").and_then(Value::as_str) {
        Some("card") => {
            let card_id = map
                .get("data")
                .and_then(|d| d.get("card_id"))
                .and_then(Value::as_str)
                .unwrap_or("");
            return if cards.get(card_id).is_some() {
                Ok(())
            } else {
                Err(invalid(format!("no card entity with card_id `{card_id}`")))
            };
        }
        Some("template") => {
            let has_id = map
                .get("data")
                .and_then(|d| d.get("template_id"))
                .and_then(Value::as_str)
                .is_some_and(|id| !id.is_empty());
            return if has_id {
                Ok(())
            } else {
                Err(invalid("a template card needs `data.template_id`"))
            };
        }
        _ => {}
    }
    let elements: Vec<&Value> = if map.get("schema").and_then(Value::as_str) == Some("2.0") {
        match map.get("body").and_then(|b| b.get("elements")) {
            Some(Value::Array(elements)) => elements.iter().collect(),
            _ => return Err(invalid("a card JSON 2.0 needs `body.elements`, a list")),
        }
    } else {
        match (map.get("elements"), map.get("i18n_elements")) {
            (Some(Value::Array(elements)), _) => elements.iter().collect(),
            (None, Some(Value::Object(locales))) => locales
                .values()
                .filter_map(Value::as_array)
                .flatten()
                .collect(),
            (None, None) if map.contains_key("header") => Vec::new(),
            _ => {
                return Err(invalid(
                    "a card needs `elements` (1.0) or `body.elements` (2.0)",
                ));
            }
        }
    };
    for element in elements {
        if !element.get("tag").is_some_and(Value::is_string) {
            return Err(invalid("every card element needs a `tag`"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(msg_type: &str, content: &str) -> bool {
        check(msg_type, content, content.len() + 100, &Cards::default()).is_ok()
    }

    #[test]
    fn each_type_needs_its_fields() {
        assert!(ok("text", r#"{"text":"hi"}"#));
        assert!(!ok("text", r#"{"txt":"hi"}"#));
        assert!(!ok("text", "not json"));
        assert!(!ok("bogus", r#"{"text":"hi"}"#));
        assert!(ok("image", r#"{"image_key":"img_1"}"#));
        assert!(!ok("image", r#"{"image_key":""}"#));
        assert!(ok("file", r#"{"file_key":"file_1"}"#));
    }

    #[test]
    fn posts_by_locale_or_one_body() {
        assert!(ok(
            "post",
            r#"{"zh_cn":{"title":"","content":[[{"tag":"md","text":"**hi**"}]]}}"#
        ));
        assert!(ok(
            "post",
            r#"{"title":"t","content":[[{"tag":"text","text":"x"}]]}"#
        ));
        assert!(!ok("post", r#"{"zh_cn":{"content":[[{"tag":"blink"}]]}}"#));
        assert!(!ok("post", r#"{"zh_cn":{"content":[[{"tag":"md"}]]}}"#));
        assert!(!ok("post", r#"{"zh_cn":{"content":"x"}}"#));
        assert!(!ok("post", "{}"));
    }

    #[test]
    fn cards_as_json_template_or_entity() {
        assert!(ok(
            "interactive",
            r###"{"schema":"2.0","body":{"elements":[{"tag":"markdown","content":"## hi"}]}}"###
        ));
        assert!(ok("interactive", r#"{"elements":[{"tag":"div"}]}"#));
        assert!(!ok("interactive", r#"{"schema":"2.0","elements":[]}"#));
        assert!(!ok("interactive", r#"{"elements":[{"content":"no tag"}]}"#));
        assert!(ok(
            "interactive",
            r#"{"type":"template","data":{"template_id":"AAq"}}"#
        ));
        assert!(!ok(
            "interactive",
            r#"{"type":"card","data":{"card_id":"7x"}}"#
        ));
    }

    #[test]
    fn size_limits_follow_the_type() {
        let text = r#"{"text":"x"}"#;
        assert!(check("text", text, TEXT_BODY_LIMIT, &Cards::default()).is_ok());
        let error = check("text", text, TEXT_BODY_LIMIT + 1, &Cards::default()).unwrap_err();
        assert_eq!(error.code, codes::CONTENT_TOO_LONG);
        let card = r#"{"elements":[]}"#;
        assert!(check("interactive", card, RICH_BODY_LIMIT + 1, &Cards::default()).is_err());
    }
}
