//! Card callbacks, both ways: the payload typed ([`CardAction`]), and the reply
//! ([`CardReply`]: a toast and a card update built from a card type, not from hand-written
//! JSON). Both callback formats are served:
//!
//! | | `card.action.trigger` (current) | `card.action.trigger_v1` (legacy, message cards 1.0) |
//! |---|---|---|
//! | envelope | schema 2.0: `{schema, header, event}` | none: the body is the payload |
//! | verified by | the verification token in `header.token`, or the encrypt key's SHA-256 signature | the verification token's SHA-1 signature (`X-Lark-Signature`) |
//! | typed by | [`CardAction::from_payload`] | [`CardAction::from_legacy_payload`] |
//! | reply | `{toast, card: {type: "raw" \| "template", data}}` | `{toast, ...card JSON 1.0}` or `{toast, type: "template", data}` |
//! | handler | [`typed`] for [`Dispatcher::on_card_action`] | [`typed_legacy`] for [`Dispatcher::on_card_action_legacy`] |
//!
//! [`on_card_actions`] registers one handler for both: it gets the same [`CardAction`]
//! (with [`CardAction::format`] telling them apart) and returns the same [`CardReply`], which
//! is written in the shape the callback needs. A reply the legacy format cannot carry (a card
//! JSON 2.0 card) fails the callback with a [`CallbackError`] instead of being dropped.
//!
//! The same handler serves HTTP callbacks and the long connection, because both reach
//! [`Dispatcher::on_card_action`]:
//!
//! ```
//! # futures_executor::block_on(async {
//! use lark_core::event::Dispatcher;
//! use lark_message::callback::{self, CardReply, ToastKind};
//!
//! #[derive(serde::Deserialize)]
//! struct Vote {
//!     choice: String,
//! }
//!
//! let dispatcher = Dispatcher::new()
//!     .allow_unverified()
//!     .on_card_action(callback::typed(|action| async move {
//!         let vote: Vote = action.action.value()?;
//!         let who = action.operator.open_id.unwrap_or_default();
//!         Ok(CardReply::new().toast(ToastKind::Success, format!("{who} chose {}", vote.choice)))
//!     }));
//! let body = serde_json::json!({
//!     "schema": "2.0",
//!     "header": {"event_id": "e1", "event_type": "card.action.trigger", "token": "t"},
//!     "event": {
//!         "operator": {"open_id": "ou_1"},
//!         "action": {"tag": "button", "value": {"choice": "tea"}}
//!     }
//! });
//! let request = http::Request::post("/callback")
//!     .body(serde_json::to_vec(&body).unwrap())
//!     .unwrap();
//! let response = dispatcher.handle(request, 1_700_000_000_000).await;
//! assert_eq!(
//!     serde_json::from_slice::<serde_json::Value>(response.body()).unwrap(),
//!     serde_json::json!({"toast": {"type": "success", "content": "ou_1 chose tea"}})
//! );
//! # });
//! ```
//!
//! A bot whose cards are still message cards 1.0 registers the handler for both formats; a
//! card given in the 1.0 structure ([`Card::v1`](crate::card::Card::v1)) replaces the card
//! clicked:
//!
//! ```
//! # futures_executor::block_on(async {
//! use lark_core::event::{self, Dispatcher};
//! use lark_message::callback::{self, CallbackFormat, CardReply, ToastKind};
//! use lark_message::card::{Card, Element};
//!
//! let dispatcher = callback::on_card_actions(
//!     Dispatcher::new().verification_token("v-token"),
//!     |action| async move {
//!         assert_eq!(action.format, CallbackFormat::Legacy);
//!         let card = Card::v1().element(Element::markdown("Approved"));
//!         Ok(CardReply::new().toast(ToastKind::Success, "Done").card(&card)?)
//!     },
//! );
//! // The legacy callback: no envelope, signed with the verification token (SHA-1).
//! let body = serde_json::to_vec(&serde_json::json!({
//!     "open_id": "ou_1",
//!     "open_message_id": "om_1",
//!     "token": "c-update-token",
//!     "action": {"tag": "button", "value": {"verdict": "approve"}}
//! }))
//! .unwrap();
//! let signature = event::card_signature("1700000000", "nonce", "v-token", &body);
//! let request = http::Request::post("/callback")
//!     .header(event::HEADER_TIMESTAMP, "1700000000")
//!     .header(event::HEADER_NONCE, "nonce")
//!     .header(event::HEADER_SIGNATURE, signature)
//!     .body(body)
//!     .unwrap();
//! let response = dispatcher.handle(request, 1_700_000_000_000).await;
//! assert_eq!(
//!     serde_json::from_slice::<serde_json::Value>(response.body()).unwrap(),
//!     serde_json::json!({
//!         "toast": {"type": "success", "content": "Done"},
//!         "elements": [{"tag": "markdown", "content": "Approved"}]
//!     })
//! );
//! # });
//! ```
//!
//! The generated `lark_core::event::types::card::ActionTrigger` and `ActionTriggerV1`
//! (feature `event-types`) know only part of the payloads (no `input_value`, `options`,
//! `checked`, `timezone`, `union_id`, `open_chat_id`) and keep the callback token in plain
//! sight; [`CardAction`] reads the whole documented payload of either format and redacts the
//! token.
//!
//! [`Dispatcher::on_card_action`]: lark_core::event::Dispatcher::on_card_action
//! [`Dispatcher::on_card_action_legacy`]: lark_core::event::Dispatcher::on_card_action_legacy

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use lark_core::event::{CardActionReply, Dispatcher, Event, EventType, HandlerError, Schema};
use lark_core::{BoxFuture, MaybeSend, MaybeSync, Secret};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

pub use lark_core::event::{CARD_LEGACY_EVENT_TYPE, Toast, ToastKind};

/// The event type of card callbacks in card JSON 2.0 (schema 2.0 envelopes).
pub const CARD_ACTION_EVENT_TYPE: &str = "card.action.trigger";

/// The format a card callback arrived in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CallbackFormat {
    /// `card.action.trigger`: a schema 2.0 envelope; the reply is
    /// `{toast, card: {type, data}}`.
    #[default]
    V2,
    /// [`CARD_LEGACY_EVENT_TYPE`] (`card.action.trigger_v1`), the callback of message cards
    /// 1.0: no envelope, signed with the verification token; the reply is the card JSON 1.0
    /// itself (or a template), with the toast beside it.
    Legacy,
}

/// A card callback: who acted, on which card, and what they did.
///
/// Read from a `card.action.trigger` payload ([`CardAction::from_payload`]) or a legacy
/// `card.action.trigger_v1` one ([`CardAction::from_legacy_payload`]); [`CardAction::format`]
/// says which. The legacy payload is flat; it lands in the same fields: `open_id`, `user_id`,
/// `union_id` and `tenant_key` in [`CardAction::operator`], `open_message_id` and
/// `open_chat_id` in [`CardAction::context`], `token` in [`CardAction::token`], `action` in
/// [`CardAction::action`]. It has no `host` or `delivery_type`.
///
/// Every field the platform may leave out is optional or empty, so a sparse payload still
/// parses; a field of the wrong type is an error.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct CardAction {
    /// The user who acted.
    #[serde(default, deserialize_with = "null_as_default")]
    pub operator: Operator,
    /// The callback token (`c-…`), with which the card can be updated later (delayed update):
    /// redacted in `Debug`.
    #[serde(default, deserialize_with = "secret")]
    pub token: Option<Secret>,
    /// What was done.
    #[serde(default, deserialize_with = "null_as_default")]
    pub action: Action,
    /// Where the card is: `im_message`, `im_top_notice`, …
    #[serde(default, deserialize_with = "string_like")]
    pub host: Option<String>,
    /// How the card was delivered, when not as a message (`url_preview`).
    #[serde(default, deserialize_with = "string_like")]
    pub delivery_type: Option<String>,
    /// The message, chat or link the card belongs to.
    #[serde(default, deserialize_with = "null_as_default")]
    pub context: Context,
    /// Legacy callbacks only: the `X-Refresh-Token` request header's value, redacted in
    /// `Debug`.
    #[serde(skip)]
    pub refresh_token: Option<Secret>,
    /// The format the callback arrived in, which decides the shape of the reply.
    #[serde(skip)]
    pub format: CallbackFormat,
}

/// The legacy payload as it is on the wire (flat), before it is moved into a [`CardAction`].
#[derive(Deserialize)]
struct LegacyPayload {
    #[serde(default, deserialize_with = "string_like")]
    open_id: Option<String>,
    #[serde(default, deserialize_with = "string_like")]
    user_id: Option<String>,
    #[serde(default, deserialize_with = "string_like")]
    union_id: Option<String>,
    #[serde(default, deserialize_with = "string_like")]
    tenant_key: Option<String>,
    #[serde(default, deserialize_with = "secret")]
    token: Option<Secret>,
    #[serde(default, deserialize_with = "secret")]
    refresh_token: Option<Secret>,
    #[serde(default, deserialize_with = "string_like")]
    open_message_id: Option<String>,
    #[serde(default, deserialize_with = "string_like")]
    open_chat_id: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    action: Action,
}

impl From<LegacyPayload> for CardAction {
    fn from(legacy: LegacyPayload) -> Self {
        Self {
            operator: Operator {
                tenant_key: legacy.tenant_key,
                user_id: legacy.user_id,
                open_id: legacy.open_id,
                union_id: legacy.union_id,
            },
            token: legacy.token,
            action: legacy.action,
            host: None,
            delivery_type: None,
            context: Context {
                url: None,
                preview_token: None,
                open_message_id: legacy.open_message_id,
                open_chat_id: legacy.open_chat_id,
            },
            refresh_token: legacy.refresh_token,
            format: CallbackFormat::Legacy,
        }
    }
}

/// The user who acted on a card.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Operator {
    /// The tenant of the user.
    #[serde(default, deserialize_with = "string_like")]
    pub tenant_key: Option<String>,
    /// The user's id in the tenant (present when the app may read it).
    #[serde(default, deserialize_with = "string_like")]
    pub user_id: Option<String>,
    /// The user's open id for this app.
    #[serde(default, deserialize_with = "string_like")]
    pub open_id: Option<String>,
    /// The user's union id across the developer's apps.
    #[serde(default, deserialize_with = "string_like")]
    pub union_id: Option<String>,
}

/// The interaction itself.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[non_exhaustive]
pub struct Action {
    /// The `value` the component was given in the card (an object or a string).
    #[serde(default)]
    pub value: Option<Value>,
    /// The component's tag: `button`, `select_static`, `input`, `checker`, `date_picker`, …
    #[serde(default, deserialize_with = "string_like")]
    pub tag: Option<String>,
    /// The option chosen in a single-choice component.
    #[serde(default, deserialize_with = "string_like")]
    pub option: Option<String>,
    /// The options chosen in a multi-choice component.
    #[serde(default, deserialize_with = "strings")]
    pub options: Vec<String>,
    /// The component's `name` (set on components inside a form).
    #[serde(default, deserialize_with = "string_like")]
    pub name: Option<String>,
    /// What a form submitted: each component's `name` to its value.
    #[serde(default, deserialize_with = "null_as_default")]
    pub form_value: Map<String, Value>,
    /// The text of an input component.
    #[serde(default, deserialize_with = "string_like")]
    pub input_value: Option<String>,
    /// The state of a checker component after the click.
    #[serde(default)]
    pub checked: Option<bool>,
    /// The user's time zone, sent with date and time pickers.
    #[serde(default, deserialize_with = "string_like")]
    pub timezone: Option<String>,
}

/// The message, chat or link preview a card belongs to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Context {
    /// The link of a link preview.
    #[serde(default, deserialize_with = "string_like")]
    pub url: Option<String>,
    /// The token of a link preview.
    #[serde(default, deserialize_with = "string_like")]
    pub preview_token: Option<String>,
    /// The message that carries the card (`om_…`).
    #[serde(default, deserialize_with = "string_like")]
    pub open_message_id: Option<String>,
    /// The chat of that message (`oc_…`).
    #[serde(default, deserialize_with = "string_like")]
    pub open_chat_id: Option<String>,
}

impl EventType for CardAction {
    const EVENT_TYPE: &'static str = CARD_ACTION_EVENT_TYPE;
    const SCHEMA: Schema = Schema::V2;
}

impl CardAction {
    /// The callback carried by `event`, in either format: a `card.action.trigger` event is
    /// read with [`CardAction::from_payload`], a [`CARD_LEGACY_EVENT_TYPE`] one with
    /// [`CardAction::from_legacy_payload`]. An error when `event` is another event type or its
    /// payload does not fit.
    pub fn from_event(event: &Event) -> Result<Self, CallbackError> {
        match event.event_type.as_str() {
            CARD_ACTION_EVENT_TYPE => Self::from_payload(&event.payload),
            CARD_LEGACY_EVENT_TYPE => Self::from_legacy_payload(&event.payload),
            other => Err(CallbackError::new(format!(
                "expected a {CARD_ACTION_EVENT_TYPE} or {CARD_LEGACY_EVENT_TYPE} callback, got \
                 {other}"
            ))),
        }
    }

    /// The callback from its `card.action.trigger` payload (the envelope's `event` object).
    pub fn from_payload(payload: &Value) -> Result<Self, CallbackError> {
        Self::deserialize(payload)
            .map_err(|e| CallbackError::new(format!("the {CARD_ACTION_EVENT_TYPE} payload: {e}")))
    }

    /// The callback from a legacy `card.action.trigger_v1` payload (the whole request body,
    /// plus `refresh_token` when the dispatcher took it from the `X-Refresh-Token` header).
    ///
    /// ```
    /// use lark_message::callback::{CallbackFormat, CardAction};
    /// let action = CardAction::from_legacy_payload(&serde_json::json!({
    ///     "open_id": "ou_1",
    ///     "open_message_id": "om_1",
    ///     "open_chat_id": "oc_1",
    ///     "token": "c-update-token",
    ///     "action": {"tag": "select_static", "option": "b"}
    /// }))
    /// .unwrap();
    /// assert_eq!(action.format, CallbackFormat::Legacy);
    /// assert_eq!(action.operator.open_id.as_deref(), Some("ou_1"));
    /// assert_eq!(action.context.open_chat_id.as_deref(), Some("oc_1"));
    /// assert_eq!(action.action.option.as_deref(), Some("b"));
    /// assert!(!format!("{action:?}").contains("c-update-token"));
    /// ```
    pub fn from_legacy_payload(payload: &Value) -> Result<Self, CallbackError> {
        LegacyPayload::deserialize(payload)
            .map(Self::from)
            .map_err(|e| CallbackError::new(format!("the {CARD_LEGACY_EVENT_TYPE} payload: {e}")))
    }

    /// Whether the callback came in the legacy format, whose reply is card JSON 1.0.
    pub fn is_legacy(&self) -> bool {
        self.format == CallbackFormat::Legacy
    }
}

impl Action {
    /// The component's `value` as `T` (what the card was built with). An error when there is
    /// none or it does not fit `T`.
    pub fn value<T: DeserializeOwned>(&self) -> Result<T, CallbackError> {
        let value = self
            .value
            .as_ref()
            .ok_or_else(|| CallbackError::new("the action has no value"))?;
        T::deserialize(value).map_err(|e| CallbackError::new(format!("the action's value: {e}")))
    }

    /// The text at `key` of an object `value`.
    pub fn value_str(&self, key: &str) -> Option<&str> {
        self.value.as_ref()?.get(key)?.as_str()
    }

    /// The whole submitted form as `T` (a struct with a field per component `name`).
    pub fn form<T: DeserializeOwned>(&self) -> Result<T, CallbackError> {
        T::deserialize(Value::Object(self.form_value.clone()))
            .map_err(|e| CallbackError::new(format!("the form: {e}")))
    }

    /// The value of the form component `name` as `T`; `Ok(None)` when the form has no such
    /// component.
    pub fn form_field<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, CallbackError> {
        self.form_value
            .get(name)
            .map(|value| {
                T::deserialize(value)
                    .map_err(|e| CallbackError::new(format!("the form field `{name}`: {e}")))
            })
            .transpose()
    }

    /// The text of the form component `name` (an input, a single choice, a date).
    pub fn form_str(&self, name: &str) -> Option<&str> {
        self.form_value.get(name)?.as_str()
    }

    /// The choices of the form component `name` (a multi-choice component); `None` when it
    /// is absent or not a list of texts.
    pub fn form_strings(&self, name: &str) -> Option<Vec<&str>> {
        self.form_value
            .get(name)?
            .as_array()?
            .iter()
            .map(Value::as_str)
            .collect()
    }

    /// The state of the form checker `name`.
    pub fn form_bool(&self, name: &str) -> Option<bool> {
        self.form_value.get(name)?.as_bool()
    }
}

/// The reply to a card callback: a toast, a new card, both or neither. It serialises to the
/// same JSON as [`CardActionReply`] (the `card.action.trigger` reply), and converts into one
/// for [`Dispatcher::on_card_action`](lark_core::event::Dispatcher::on_card_action); for a
/// legacy callback, [`CardReply::into_legacy_reply`] writes the legacy shape.
///
/// ```
/// use lark_message::callback::{CardReply, Toast, ToastKind};
/// let card = serde_json::json!({"schema": "2.0", "body": {"elements": []}});
/// let reply = CardReply::new()
///     .with_toast(Toast::new(ToastKind::Info, "已保存").i18n("en_us", "Saved"))
///     .card(&card)
///     .unwrap();
/// assert_eq!(
///     serde_json::to_value(&reply).unwrap(),
///     serde_json::json!({
///         "toast": {"type": "info", "content": "已保存", "i18n": {"en_us": "Saved"}},
///         "card": {"type": "raw", "data": {"schema": "2.0", "body": {"elements": []}}}
///     })
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(transparent)]
#[must_use]
pub struct CardReply {
    reply: CardActionReply,
}

impl CardReply {
    /// An empty reply: the card stays as it is.
    pub fn new() -> Self {
        Self::default()
    }

    /// Shows a toast of `kind` to the user who acted.
    pub fn toast(mut self, kind: ToastKind, content: impl Into<String>) -> Self {
        self.reply = self.reply.toast(kind, content);
        self
    }

    /// Shows a toast with texts per locale (built with [`Toast::i18n`]).
    pub fn with_toast(mut self, toast: Toast) -> Self {
        self.reply = self.reply.with_toast(toast);
        self
    }

    /// Replaces the card with `card`: a `lark_message::card::Card`, or any type serialising
    /// to card JSON. An error when `card` cannot be serialised or is not a JSON object.
    pub fn card(mut self, card: &impl Serialize) -> Result<Self, CallbackError> {
        let card = serde_json::to_value(card)
            .map_err(|e| CallbackError::new(format!("the card cannot be serialised: {e}")))?;
        if !card.is_object() {
            return Err(CallbackError::new("a card must serialise to a JSON object"));
        }
        self.reply = self.reply.raw_card(card);
        Ok(self)
    }

    /// Replaces the card with the template `template_id` (its latest version, or
    /// `version_name`) filled with `variables`, which must serialise to a JSON object.
    pub fn template(
        mut self,
        template_id: impl Into<String>,
        version_name: Option<String>,
        variables: &impl Serialize,
    ) -> Result<Self, CallbackError> {
        let variables = match serde_json::to_value(variables) {
            Ok(Value::Object(map)) => map,
            Ok(Value::Null) => Map::new(),
            Ok(_) => {
                return Err(CallbackError::new(
                    "template variables must serialise to a JSON object",
                ));
            }
            Err(e) => {
                return Err(CallbackError::new(format!(
                    "the template variables cannot be serialised: {e}"
                )));
            }
        };
        self.reply = self
            .reply
            .template_card(template_id, version_name, variables);
        Ok(self)
    }

    /// The reply as lark-core's type.
    pub fn into_reply(self) -> CardActionReply {
        self.reply
    }

    /// The reply in the shape `format` takes: [`CallbackFormat::V2`] is this reply's own JSON,
    /// [`CallbackFormat::Legacy`] is [`CardReply::into_legacy_reply`].
    pub fn into_body(self, format: CallbackFormat) -> Result<Value, CallbackError> {
        match format {
            CallbackFormat::V2 => serde_json::to_value(&self.reply)
                .map_err(|e| CallbackError::new(format!("the reply cannot be serialised: {e}"))),
            CallbackFormat::Legacy => self.into_legacy_reply(),
        }
    }

    /// The response body for a legacy `card.action.trigger_v1` callback, as its docs define
    /// it: the toast as `toast`, beside the new card's own fields — a card JSON 1.0
    /// (`header`, `elements` or `i18n_elements`, `config`, `card_link`) at the top level, or a
    /// template as `type: "template"` and `data`. An empty reply is `{}` (the card stays as it
    /// is).
    ///
    /// An error for a card the legacy reply cannot carry, rather than a reply that silently
    /// loses it: a card JSON 2.0 card (`schema` or `body`; send it with the 2.0 callback, or
    /// build the card with [`Card::v1`](crate::card::Card::v1)), an empty card (it would read
    /// as "keep the card"), and a card with a top-level `toast`, `type` or `data` (the legacy
    /// reply's own fields).
    ///
    /// ```
    /// use lark_message::callback::{CardReply, ToastKind};
    /// use lark_message::card::{Card, Element};
    /// let card = Card::v1().element(Element::markdown("Approved"));
    /// let reply = CardReply::new().toast(ToastKind::Info, "Saved").card(&card).unwrap();
    /// assert_eq!(
    ///     reply.into_legacy_reply().unwrap(),
    ///     serde_json::json!({
    ///         "toast": {"type": "info", "content": "Saved"},
    ///         "elements": [{"tag": "markdown", "content": "Approved"}]
    ///     })
    /// );
    /// let v2 = CardReply::new().card(&Card::new()).unwrap();
    /// assert!(v2.into_legacy_reply().is_err());
    /// ```
    pub fn into_legacy_reply(self) -> Result<Value, CallbackError> {
        let mut reply = match serde_json::to_value(&self.reply) {
            Ok(Value::Object(reply)) => reply,
            Ok(other) => {
                return Err(CallbackError::new(format!(
                    "the reply serialised to {}, not an object",
                    kind_of(&other)
                )));
            }
            Err(e) => {
                return Err(CallbackError::new(format!(
                    "the reply cannot be serialised: {e}"
                )));
            }
        };
        let mut body = Map::new();
        if let Some(toast) = reply.remove("toast") {
            body.insert("toast".to_owned(), toast);
        }
        let Some(card) = reply.remove("card") else {
            return Ok(Value::Object(body));
        };
        let Value::Object(mut card) = card else {
            return Err(CallbackError::new("the reply's card is not an object"));
        };
        let kind = card.remove("type");
        let data = card.remove("data");
        match (kind.as_ref().and_then(Value::as_str), data) {
            (Some("template"), Some(data)) => {
                body.insert("type".to_owned(), Value::from("template"));
                body.insert("data".to_owned(), data);
            }
            (Some("raw"), Some(Value::Object(card))) => {
                check_legacy_card(&card)?;
                body.extend(card);
            }
            _ => {
                return Err(CallbackError::new(
                    "the reply's card is neither a card JSON object nor a template",
                ));
            }
        }
        Ok(Value::Object(body))
    }
}

/// Refuses a card the legacy reply cannot carry (see [`CardReply::into_legacy_reply`]).
fn check_legacy_card(card: &Map<String, Value>) -> Result<(), CallbackError> {
    if card.contains_key("schema") || card.contains_key("body") {
        return Err(CallbackError::new(format!(
            "a card JSON 2.0 card (schema {}) cannot be the reply to a legacy \
             {CARD_LEGACY_EVENT_TYPE} callback, which takes card JSON 1.0: build the card with \
             Card::v1(), reply with a template, or move the app to the {CARD_ACTION_EVENT_TYPE} \
             callback",
            card.get("schema")
                .and_then(Value::as_str)
                .unwrap_or("absent, with a body")
        )));
    }
    if card.is_empty() {
        return Err(CallbackError::new(
            "an empty card cannot be the reply to a legacy callback: `{}` keeps the card as it \
             is (reply with CardReply::new() for that)",
        ));
    }
    if let Some(key) = ["toast", "type", "data"]
        .into_iter()
        .find(|key| card.contains_key(*key))
    {
        return Err(CallbackError::new(format!(
            "the card has a top-level `{key}`, which the legacy reply reads as its own field"
        )));
    }
    Ok(())
}

impl From<CardReply> for CardActionReply {
    fn from(reply: CardReply) -> Self {
        reply.reply
    }
}

impl From<CardActionReply> for CardReply {
    fn from(reply: CardActionReply) -> Self {
        Self { reply }
    }
}

/// The future of a handler made by [`typed`].
pub type CardActionFuture = BoxFuture<'static, Result<CardActionReply, HandlerError>>;

/// The future of a handler made by [`typed_legacy`]: the legacy reply's JSON.
pub type LegacyCardActionFuture = BoxFuture<'static, Result<Value, HandlerError>>;

/// Turns a handler of typed callbacks into one for
/// [`Dispatcher::on_card_action`](lark_core::event::Dispatcher::on_card_action): the payload
/// is parsed into a [`CardAction`] (a payload that does not fit fails the callback, answered
/// with HTTP 500 or a failed ack), and the [`CardReply`] becomes the response body.
///
/// It takes `card.action.trigger` events only: a legacy callback needs [`typed_legacy`] (or
/// [`on_card_actions`] for both).
pub fn typed<F, Fut>(
    handler: F,
) -> impl Fn(Event) -> CardActionFuture + MaybeSend + MaybeSync + 'static
where
    F: Fn(CardAction) -> Fut + MaybeSend + MaybeSync + 'static,
    Fut: Future<Output = Result<CardReply, HandlerError>> + MaybeSend + 'static,
{
    move |event: Event| {
        // The handler is called before the future is boxed, so the future owns nothing of it.
        let reply = parse_as(&event, CallbackFormat::V2).map(&handler);
        Box::pin(async move {
            let reply = reply?.await?;
            Ok(reply.into())
        })
    }
}

/// Turns a handler of typed callbacks into one for legacy card callbacks
/// ([`Dispatcher::on_card_action_legacy`](lark_core::event::Dispatcher::on_card_action_legacy)):
/// the flat payload is parsed into a [`CardAction`] with [`CallbackFormat::Legacy`], and the
/// [`CardReply`] is written with [`CardReply::into_legacy_reply`]. A payload that does not fit,
/// or a reply the legacy format cannot carry, fails the callback (HTTP 500, the error in the
/// body's `error`).
///
/// It takes [`CARD_LEGACY_EVENT_TYPE`] events only.
pub fn typed_legacy<F, Fut>(
    handler: F,
) -> impl Fn(Event) -> LegacyCardActionFuture + MaybeSend + MaybeSync + 'static
where
    F: Fn(CardAction) -> Fut + MaybeSend + MaybeSync + 'static,
    Fut: Future<Output = Result<CardReply, HandlerError>> + MaybeSend + 'static,
{
    move |event: Event| {
        let reply = parse_as(&event, CallbackFormat::Legacy).map(&handler);
        Box::pin(async move {
            let reply = reply?.await?;
            Ok(reply.into_legacy_reply()?)
        })
    }
}

/// Registers `handler` on `dispatcher` for both card callback formats: `card.action.trigger`
/// through [`typed`] and the legacy `card.action.trigger_v1` through [`typed_legacy`]. The
/// handler sees the format in [`CardAction::format`]; its [`CardReply`] is written in the
/// shape each format takes.
///
/// This replaces any handler registered before for either event type.
#[must_use]
pub fn on_card_actions<F, Fut>(dispatcher: Dispatcher, handler: F) -> Dispatcher
where
    F: Fn(CardAction) -> Fut + MaybeSend + MaybeSync + 'static,
    Fut: Future<Output = Result<CardReply, HandlerError>> + MaybeSend + 'static,
{
    let handler = Arc::new(handler);
    let legacy = Arc::clone(&handler);
    dispatcher
        .on_card_action(typed(move |action| handler(action)))
        .on_card_action_legacy(typed_legacy(move |action| legacy(action)))
}

/// The callback of `event`, which must be of `format`'s event type.
fn parse_as(event: &Event, format: CallbackFormat) -> Result<CardAction, CallbackError> {
    let expected = match format {
        CallbackFormat::V2 => CARD_ACTION_EVENT_TYPE,
        CallbackFormat::Legacy => CARD_LEGACY_EVENT_TYPE,
    };
    if event.event_type != expected {
        return Err(CallbackError::new(format!(
            "expected a {expected} callback, got {}",
            event.event_type
        )));
    }
    match format {
        CallbackFormat::V2 => CardAction::from_payload(&event.payload),
        CallbackFormat::Legacy => CardAction::from_legacy_payload(&event.payload),
    }
}

/// A callback that cannot be read or a reply that cannot be built.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackError {
    message: String,
}

impl CallbackError {
    fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

impl fmt::Display for CallbackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "card callback: {}", self.message)
    }
}

impl std::error::Error for CallbackError {}

/// `null` reads as the type's default, like a missing field.
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

/// A text field that may arrive as a number or a boolean (ids, options).
fn string_like<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    match Option::<Value>::deserialize(deserializer)? {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(Value::Bool(b)) => Ok(Some(b.to_string())),
        Some(other) => Err(serde::de::Error::custom(format!(
            "expected a string, got {}",
            kind_of(&other)
        ))),
    }
}

fn strings<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    Ok(Option::<Vec<String>>::deserialize(deserializer)?.unwrap_or_default())
}

fn secret<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<Secret>, D::Error> {
    Ok(string_like(deserializer)?
        .filter(|s| !s.is_empty())
        .map(Secret::new))
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sparse_payload_parses_and_a_wrong_type_is_an_error() {
        let action = CardAction::from_payload(&serde_json::json!({})).unwrap();
        assert_eq!(action, CardAction::default());
        let action =
            CardAction::from_payload(&serde_json::json!({"action": null, "operator": null}))
                .unwrap();
        assert_eq!(action.action, Action::default());
        let error = CardAction::from_payload(&serde_json::json!({"action": {"tag": []}}))
            .unwrap_err()
            .to_string();
        assert!(error.contains("expected a string, got an array"), "{error}");
        assert!(CardAction::from_payload(&serde_json::json!([1])).is_err());
    }

    #[test]
    fn the_token_is_redacted() {
        let action =
            CardAction::from_payload(&serde_json::json!({"token": "c-secret-token"})).unwrap();
        assert_eq!(
            action.token.as_ref().map(Secret::expose),
            Some("c-secret-token")
        );
        assert!(!format!("{action:?}").contains("c-secret-token"));
    }

    #[test]
    fn a_sparse_legacy_payload_parses_into_the_same_type() {
        let action = CardAction::from_legacy_payload(&serde_json::json!({})).unwrap();
        assert_eq!(
            action,
            CardAction {
                format: CallbackFormat::Legacy,
                ..CardAction::default()
            }
        );
        let action = CardAction::from_legacy_payload(&serde_json::json!({
            "open_id": 7, "action": null, "token": "", "refresh_token": "rt"
        }))
        .unwrap();
        assert_eq!(action.operator.open_id.as_deref(), Some("7"));
        assert_eq!(action.token, None);
        assert_eq!(
            action.refresh_token.as_ref().map(Secret::expose),
            Some("rt")
        );
        assert!(!format!("{action:?}").contains("\"rt\""));
        let error = CardAction::from_legacy_payload(&serde_json::json!({"action": 1}))
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with("card callback: the card.action.trigger_v1 payload"),
            "{error}"
        );
        assert!(CardAction::from_legacy_payload(&serde_json::json!("text")).is_err());
    }

    #[test]
    fn a_v2_payload_is_marked_v2() {
        let action = CardAction::from_payload(&serde_json::json!({"token": "c-1"})).unwrap();
        assert_eq!(action.format, CallbackFormat::V2);
        assert!(!action.is_legacy());
        assert_eq!(action.refresh_token, None);
    }

    #[test]
    fn replies_that_are_not_cards_are_refused() {
        assert!(CardReply::new().card(&"text").is_err());
        assert!(CardReply::new().template("ctp", None, &[1, 2]).is_err());
        let reply = CardReply::new().template("ctp", None, &()).unwrap();
        assert_eq!(
            serde_json::to_value(&reply).unwrap(),
            serde_json::json!({"card": {"type": "template", "data": {"template_id": "ctp"}}})
        );
    }
}
