//! Card callbacks, both ways: the `card.action.trigger` payload typed ([`CardAction`]), and the
//! reply ([`CardReply`]: a toast and a card update built from a card type, not from
//! hand-written JSON).
//!
//! The same handler serves HTTP callbacks and the long connection, because both reach
//! [`Dispatcher::on_card_action`](lark_core::event::Dispatcher::on_card_action):
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
//! The generated `lark_core::event::types::card::ActionTrigger` (feature `event-types`) knows
//! only part of the payload (no `input_value`, `options`, `checked`, `timezone`, `union_id`)
//! and keeps the callback token in plain sight; [`CardAction`] reads the whole documented
//! payload and redacts the token.

use std::fmt;
use std::future::Future;

use lark_core::event::{CardActionReply, Event, EventType, HandlerError, Schema};
use lark_core::{BoxFuture, MaybeSend, MaybeSync, Secret};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

pub use lark_core::event::{Toast, ToastKind};

/// The event type of card callbacks in card JSON 2.0 (schema 2.0 envelopes).
pub const CARD_ACTION_EVENT_TYPE: &str = "card.action.trigger";

/// A `card.action.trigger` callback: who acted, on which card, and what they did.
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
    /// The callback carried by `event`; an error when `event` is another event type or its
    /// payload does not fit.
    pub fn from_event(event: &Event) -> Result<Self, CallbackError> {
        if event.event_type != CARD_ACTION_EVENT_TYPE {
            return Err(CallbackError::new(format!(
                "expected a {CARD_ACTION_EVENT_TYPE} callback, got {}",
                event.event_type
            )));
        }
        Self::from_payload(&event.payload)
    }

    /// The callback from its payload (the envelope's `event` object).
    pub fn from_payload(payload: &Value) -> Result<Self, CallbackError> {
        Self::deserialize(payload)
            .map_err(|e| CallbackError::new(format!("the {CARD_ACTION_EVENT_TYPE} payload: {e}")))
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
/// same JSON as [`CardActionReply`], and converts into one for
/// [`Dispatcher::on_card_action`](lark_core::event::Dispatcher::on_card_action).
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

/// Turns a handler of typed callbacks into one for
/// [`Dispatcher::on_card_action`](lark_core::event::Dispatcher::on_card_action): the payload
/// is parsed into a [`CardAction`] (a payload that does not fit fails the callback, answered
/// with HTTP 500 or a failed ack), and the [`CardReply`] becomes the response body.
pub fn typed<F, Fut>(
    handler: F,
) -> impl Fn(Event) -> CardActionFuture + MaybeSend + MaybeSync + 'static
where
    F: Fn(CardAction) -> Fut + MaybeSend + MaybeSync + 'static,
    Fut: Future<Output = Result<CardReply, HandlerError>> + MaybeSend + 'static,
{
    move |event: Event| {
        // The handler is called before the future is boxed, so the future owns nothing of it.
        let reply = CardAction::from_event(&event).map(&handler);
        Box::pin(async move {
            let reply = reply?.await?;
            Ok(reply.into())
        })
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
