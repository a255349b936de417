//! The envelopes events arrive in: schema 2.0, schema 1.0, legacy card callbacks, the
//! url_verification challenge, and the `encrypt` wrapper around any of them.

use serde_json::{Map, Value};

use super::crypto;
use super::error::EventError;
use crate::secret::Secret;

/// The event type the SDK gives legacy card callbacks, which carry no type on the wire.
pub const CARD_LEGACY_EVENT_TYPE: &str = "card.action.trigger_v1";

/// Event types the platform waits on for a response body that acts on the UI.
pub(crate) const CALLBACK_EVENT_TYPES: [&str; 3] = [
    "card.action.trigger",
    "url.preview.get",
    CARD_LEGACY_EVENT_TYPE,
];

/// Which envelope an event came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Schema {
    /// `{"uuid", "token", "ts", "type": "event_callback", "event": {"type", ...}}`.
    V1,
    /// `{"schema": "2.0", "header": {"event_id", "event_type", "token", ...}, "event": {...}}`.
    V2,
    /// A legacy card callback: the body is the payload itself, recognised by `open_message_id`.
    CardLegacy,
}

/// A decoded event or callback: the envelope's facts and the payload as raw JSON.
///
/// The payload is kept whole, so an event type the SDK does not know (or a field it does not
/// know) still reaches the handler. [`Event::parse`] turns it into a typed struct.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Event {
    /// The envelope.
    pub schema: Schema,
    /// The event type: `header.event_type` (2.0), `event.type` (1.0), or
    /// [`CARD_LEGACY_EVENT_TYPE`].
    pub event_type: String,
    /// The id the platform de-duplicates by: `header.event_id` (2.0) or `uuid` (1.0).
    pub event_id: Option<String>,
    /// `header.create_time` (2.0, milliseconds as a string) or `ts` (1.0).
    pub create_time: Option<String>,
    /// The app the event is for (2.0 header; 1.0 `event.app_id`).
    pub app_id: Option<String>,
    /// The tenant the event comes from (2.0 header; 1.0 and legacy cards: `tenant_key` in the
    /// payload).
    pub tenant_key: Option<String>,
    /// The payload: the envelope's `event` (a legacy card callback: the whole body, with
    /// `refresh_token` from the `X-Refresh-Token` header).
    pub payload: Value,
    /// Whether the body was encrypted.
    pub encrypted: bool,
    /// The verification token the envelope carried (2.0 `header.token`, 1.0 `token`).
    pub(crate) token: Option<Secret>,
}

impl Event {
    /// The payload as `T` (a generated event struct, or any type of your own).
    pub fn parse<T: serde::de::DeserializeOwned>(&self) -> Result<T, EventError> {
        T::deserialize(&self.payload)
            .map_err(|e| EventError::Malformed(format!("the {} payload: {e}", self.event_type)))
    }

    /// Whether the platform waits on this event for a response body (card actions, link
    /// previews).
    pub fn is_callback(&self) -> bool {
        CALLBACK_EVENT_TYPES.contains(&self.event_type.as_str())
    }
}

/// The url_verification challenge sent when an event or callback URL is saved.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UrlVerification {
    /// The value to echo back as `{"challenge": ...}`.
    pub challenge: String,
    /// Whether the body was encrypted.
    pub encrypted: bool,
    pub(crate) token: Option<Secret>,
}

/// A request body, opened: a challenge or an event.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Envelope {
    /// The url_verification challenge.
    UrlVerification(UrlVerification),
    /// An event or a callback.
    Event(Event),
}

impl Envelope {
    /// Opens a raw request body: decrypts an `{"encrypt": ...}` wrapper with `encrypt_key`, then
    /// recognises the envelope, in the platform's order (url_verification, schema 2.0, schema
    /// 1.0 by `uuid`, legacy card by `open_message_id`).
    ///
    /// This checks no signature and no token; the [`Dispatcher`](super::Dispatcher) does.
    pub fn open(body: &[u8], encrypt_key: Option<&str>) -> Result<Self, EventError> {
        Self::open_with(body, encrypt_key, None)
    }

    /// [`Envelope::open`], adding the `X-Refresh-Token` header's value to a legacy card
    /// callback's payload.
    pub fn open_with(
        body: &[u8],
        encrypt_key: Option<&str>,
        refresh_token: Option<&str>,
    ) -> Result<Self, EventError> {
        let outer = parse_object(body)?;
        match outer.get("encrypt") {
            Some(Value::String(sealed)) => {
                let key = encrypt_key.ok_or_else(|| {
                    EventError::Config(
                        "the event is encrypted but no encrypt key is configured".to_owned(),
                    )
                })?;
                let plain = crypto::decrypt(key, sealed)?;
                let inner = parse_object(&plain)?;
                if inner.contains_key("encrypt") {
                    return Err(EventError::Malformed(
                        "an encrypted event inside an encrypted event".to_owned(),
                    ));
                }
                Self::recognise(inner, true, refresh_token)
            }
            Some(_) => Err(EventError::Malformed(
                "`encrypt` is not a string".to_owned(),
            )),
            None => Self::recognise(outer, false, refresh_token),
        }
    }

    /// Recognises a plaintext envelope.
    fn recognise(
        mut body: Map<String, Value>,
        encrypted: bool,
        refresh_token: Option<&str>,
    ) -> Result<Self, EventError> {
        if str_at(&body, "type") == Some("url_verification") {
            let challenge = str_at(&body, "challenge")
                .ok_or_else(|| {
                    EventError::Malformed("url_verification without a challenge".to_owned())
                })?
                .to_owned();
            return Ok(Envelope::UrlVerification(UrlVerification {
                challenge,
                encrypted,
                token: str_at(&body, "token").map(Secret::new),
            }));
        }
        if let Some(schema) = body.get("schema") {
            if schema.as_str() != Some("2.0") {
                return Err(EventError::Malformed(format!(
                    "unknown event schema {schema}"
                )));
            }
            let header = match body.get("header") {
                Some(Value::Object(header)) => header,
                _ => {
                    return Err(EventError::Malformed(
                        "a schema 2.0 event without a header object".to_owned(),
                    ));
                }
            };
            let event_type = non_empty(header, "event_type")
                .ok_or_else(|| {
                    EventError::Malformed("a schema 2.0 event without header.event_type".to_owned())
                })?
                .to_owned();
            let owned = |key| non_empty(header, key).map(str::to_owned);
            let event_id = owned("event_id");
            let create_time = owned("create_time");
            let app_id = owned("app_id");
            let tenant_key = owned("tenant_key");
            let token = str_at(header, "token").map(Secret::new);
            return Ok(Envelope::Event(Event {
                schema: Schema::V2,
                event_type,
                event_id,
                create_time,
                app_id,
                tenant_key,
                payload: body.remove("event").unwrap_or(Value::Null),
                encrypted,
                token,
            }));
        }
        if let Some(uuid) = non_empty(&body, "uuid") {
            let uuid = uuid.to_owned();
            let payload = body.remove("event").unwrap_or(Value::Null);
            let Value::Object(fields) = &payload else {
                return Err(EventError::Malformed(
                    "a schema 1.0 event without an event object".to_owned(),
                ));
            };
            let event_type = non_empty(fields, "type")
                .ok_or_else(|| {
                    EventError::Malformed("a schema 1.0 event without event.type".to_owned())
                })?
                .to_owned();
            let app_id = non_empty(fields, "app_id").map(str::to_owned);
            let tenant_key = non_empty(fields, "tenant_key").map(str::to_owned);
            return Ok(Envelope::Event(Event {
                schema: Schema::V1,
                event_type,
                event_id: Some(uuid),
                create_time: scalar_text(body.get("ts")),
                app_id,
                tenant_key,
                payload,
                encrypted,
                token: str_at(&body, "token").map(Secret::new),
            }));
        }
        if non_empty(&body, "open_message_id").is_some() {
            if let Some(refresh_token) = refresh_token {
                body.entry("refresh_token")
                    .or_insert_with(|| Value::String(refresh_token.to_owned()));
            }
            let tenant_key = non_empty(&body, "tenant_key").map(str::to_owned);
            return Ok(Envelope::Event(Event {
                schema: Schema::CardLegacy,
                event_type: CARD_LEGACY_EVENT_TYPE.to_owned(),
                event_id: None,
                create_time: None,
                app_id: None,
                tenant_key,
                payload: Value::Object(body),
                encrypted,
                // The `token` of a legacy card callback is the card's update token, not the
                // verification token: these callbacks are authenticated by their signature.
                token: None,
            }));
        }
        Err(EventError::Malformed(
            "not an event envelope (no schema, uuid, open_message_id or url_verification type)"
                .to_owned(),
        ))
    }
}

fn parse_object(bytes: &[u8]) -> Result<Map<String, Value>, EventError> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(EventError::Malformed(
            "the body is not a JSON object".to_owned(),
        )),
        Err(e) => Err(EventError::Malformed(format!("the body is not JSON: {e}"))),
    }
}

fn str_at<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    map.get(key).and_then(Value::as_str)
}

fn non_empty<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    str_at(map, key).filter(|s| !s.is_empty())
}

/// A string or a number as text (`ts` has been sent as both).
fn scalar_text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(body: &str) -> Result<Envelope, EventError> {
        Envelope::open(body.as_bytes(), Some("k"))
    }

    #[test]
    fn recognises_each_envelope() {
        let Envelope::UrlVerification(v) =
            open(r#"{"type":"url_verification","challenge":"c1","token":"t"}"#).unwrap()
        else {
            panic!("not a challenge")
        };
        assert_eq!(v.challenge, "c1");

        let Envelope::Event(e) = open(
            r#"{"schema":"2.0","header":{"event_id":"e1","event_type":"im.message.receive_v1","token":"t","app_id":"cli","tenant_key":"tk","create_time":"1"},"event":{"a":1}}"#,
        )
        .unwrap() else {
            panic!("not an event")
        };
        assert_eq!(
            (e.schema, e.event_type.as_str(), e.event_id.as_deref()),
            (Schema::V2, "im.message.receive_v1", Some("e1"))
        );
        assert_eq!(e.payload, serde_json::json!({"a": 1}));

        let Envelope::Event(e) = open(
            r#"{"uuid":"u1","token":"t","ts":"1.5","type":"event_callback","event":{"type":"app_ticket","app_id":"cli","app_ticket":"x"}}"#,
        )
        .unwrap() else {
            panic!("not an event")
        };
        assert_eq!(
            (e.schema, e.event_type.as_str(), e.event_id.as_deref()),
            (Schema::V1, "app_ticket", Some("u1"))
        );

        let Envelope::Event(e) = Envelope::open_with(
            br#"{"open_id":"ou","open_message_id":"om","token":"c-1","action":{"tag":"button"}}"#,
            None,
            Some("rt"),
        )
        .unwrap() else {
            panic!("not an event")
        };
        assert_eq!(e.schema, Schema::CardLegacy);
        assert_eq!(e.payload["refresh_token"], "rt");
        assert!(e.is_callback());
    }

    #[test]
    fn rejects_what_is_not_an_envelope() {
        for body in [
            "",
            "[]",
            "null",
            "{}",
            r#"{"schema":"3.0"}"#,
            r#"{"schema":"2.0","header":{}}"#,
            r#"{"uuid":"u","event":{}}"#,
            r#"{"uuid":"u","event":[]}"#,
            r#"{"encrypt":1}"#,
            r#"{"type":"url_verification"}"#,
        ] {
            assert!(
                matches!(open(body), Err(EventError::Malformed(_))),
                "{body}: {:?}",
                open(body)
            );
        }
        assert!(matches!(
            Envelope::open(br#"{"encrypt":"AAAA"}"#, None),
            Err(EventError::Config(_))
        ));
    }
}
