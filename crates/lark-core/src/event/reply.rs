//! Replies to callbacks: the response body the platform applies to the user's screen.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

/// The reply to a `card.action.trigger` callback: a toast, an updated card, both or neither.
///
/// ```
/// use lark_core::event::{CardActionReply, ToastKind};
/// let reply = CardActionReply::new()
///     .toast(ToastKind::Success, "Approved")
///     .raw_card(serde_json::json!({"elements": []}));
/// assert_eq!(
///     serde_json::to_value(&reply).unwrap(),
///     serde_json::json!({
///         "toast": {"type": "success", "content": "Approved"},
///         "card": {"type": "raw", "data": {"elements": []}}
///     })
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[must_use]
pub struct CardActionReply {
    #[serde(skip_serializing_if = "Option::is_none")]
    toast: Option<Toast>,
    #[serde(skip_serializing_if = "Option::is_none")]
    card: Option<CardUpdate>,
}

/// A toast shown to the user who clicked.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[must_use]
pub struct Toast {
    #[serde(rename = "type")]
    kind: ToastKind,
    content: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    i18n: BTreeMap<String, String>,
}

/// The look of a toast.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum ToastKind {
    /// Neutral.
    Info,
    /// Green.
    Success,
    /// Red.
    Error,
    /// Orange.
    Warning,
}

/// The card that replaces the one clicked.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", content = "data", rename_all = "lowercase")]
enum CardUpdate {
    Raw(Value),
    Template(CardTemplate),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
struct CardTemplate {
    template_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    template_version_name: Option<String>,
    #[serde(skip_serializing_if = "serde_json::Map::is_empty")]
    template_variable: serde_json::Map<String, Value>,
}

impl Toast {
    /// A toast of `kind` saying `content`.
    pub fn new(kind: ToastKind, content: impl Into<String>) -> Self {
        Self {
            kind,
            content: content.into(),
            i18n: BTreeMap::new(),
        }
    }

    /// Adds the text for a locale such as `en_us` or `zh_cn`.
    pub fn i18n(mut self, locale: impl Into<String>, content: impl Into<String>) -> Self {
        self.i18n.insert(locale.into(), content.into());
        self
    }
}

impl CardActionReply {
    /// An empty reply: nothing changes on screen.
    pub fn new() -> Self {
        Self::default()
    }

    /// Shows a toast.
    pub fn toast(self, kind: ToastKind, content: impl Into<String>) -> Self {
        self.with_toast(Toast::new(kind, content))
    }

    /// Shows a toast built with [`Toast`] (for i18n texts).
    pub fn with_toast(mut self, toast: Toast) -> Self {
        self.toast = Some(toast);
        self
    }

    /// Replaces the card with this card JSON.
    pub fn raw_card(mut self, card: Value) -> Self {
        self.card = Some(CardUpdate::Raw(card));
        self
    }

    /// Replaces the card with a card template and its variables.
    pub fn template_card(
        mut self,
        template_id: impl Into<String>,
        version_name: Option<String>,
        variables: serde_json::Map<String, Value>,
    ) -> Self {
        self.card = Some(CardUpdate::Template(CardTemplate {
            template_id: template_id.into(),
            template_version_name: version_name,
            template_variable: variables,
        }));
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_reply_shape() {
        let mut vars = serde_json::Map::new();
        vars.insert("n".into(), 1.into());
        let reply = CardActionReply::new()
            .with_toast(Toast::new(ToastKind::Info, "hi").i18n("en_us", "hi"))
            .template_card("ctp_1", Some("1.0.0".into()), vars);
        assert_eq!(
            serde_json::to_value(&reply).unwrap(),
            serde_json::json!({
                "toast": {"type": "info", "content": "hi", "i18n": {"en_us": "hi"}},
                "card": {"type": "template", "data": {
                    "template_id": "ctp_1",
                    "template_version_name": "1.0.0",
                    "template_variable": {"n": 1}
                }}
            })
        );
        assert_eq!(
            serde_json::to_value(CardActionReply::new()).unwrap(),
            serde_json::json!({})
        );
    }
}
