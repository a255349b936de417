//! The messages a custom bot can post, and the JSON each one becomes.
//!
//! A custom bot posts five kinds of message. Each builder here serializes to exactly the
//! `msg_type` and `content` (or `card`) the webhook expects:
//!
//! | builder | `msg_type` | payload |
//! |---|---|---|
//! | [`Message::text`], [`Text`] | `text` | `"content": {"text": "…"}` |
//! | [`Message::post`], [`Post`] | `post` | `"content": {"post": {"zh_cn": {"title", "content"}}}` |
//! | [`Message::image`] | `image` | `"content": {"image_key": "…"}` |
//! | [`Message::share_chat`] | `share_chat` | `"content": {"share_chat_id": "…"}` |
//! | [`Message::card`], [`Message::card_template`] | `interactive` | `"card": {…}` |

use serde::ser::{SerializeMap, SerializeStruct};
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

use lark_core::{Error, Result};

/// One message for a custom bot's webhook.
///
/// ```
/// use lark_custom_bot::{Message, Text};
/// let message = Message::from(Text::new("deploy finished ").at_all());
/// assert_eq!(
///     message.to_json().unwrap(),
///     r#"{"msg_type":"text","content":{"text":"deploy finished <at user_id=\"all\">所有人</at>"}}"#,
/// );
/// ```
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub struct Message {
    kind: Kind,
}

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Text(Text),
    Post(Post),
    PostJson(Value),
    Image(String),
    ShareChat(String),
    Card(Value),
    Template(CardTemplate),
}

impl Message {
    /// A plain text message. For @mentions, build a [`Text`].
    pub fn text(text: impl Into<String>) -> Self {
        Text::new(text).into()
    }

    /// A rich-text (`post`) message.
    pub fn post(post: Post) -> Self {
        Self {
            kind: Kind::Post(post),
        }
    }

    /// A rich-text message from the JSON of `content.post`: an object keyed by locale, such
    /// as `{"zh_cn": {"title": "…", "content": [[{"tag": "text", "text": "…"}]]}}`. An object
    /// that is already wrapped as `{"post": {…}}` is accepted too.
    ///
    /// For tags the builders lack; checked at send time to be a non-empty object.
    pub fn post_json(post: Value) -> Self {
        let post = match post {
            Value::Object(mut map) if map.len() == 1 && map.contains_key("post") => {
                map.remove("post").unwrap_or(Value::Null)
            }
            other => other,
        };
        Self {
            kind: Kind::PostJson(post),
        }
    }

    /// An image, by the `image_key` of an image uploaded through the image upload API.
    pub fn image(image_key: impl Into<String>) -> Self {
        Self {
            kind: Kind::Image(image_key.into()),
        }
    }

    /// A group's business card, by the chat id (`oc_…`) of a group the bot is in.
    pub fn share_chat(share_chat_id: impl Into<String>) -> Self {
        Self {
            kind: Kind::ShareChat(share_chat_id.into()),
        }
    }

    /// An interactive card from its JSON (the card builder's output: `header`, `elements`,
    /// `config`, `i18n_elements`, or a schema 2.0 card). Checked at send time to be an
    /// object.
    pub fn card(card: Value) -> Self {
        Self {
            kind: Kind::Card(card),
        }
    }

    /// An interactive card from a card template made in the card builder.
    pub fn card_template(template: CardTemplate) -> Self {
        Self {
            kind: Kind::Template(template),
        }
    }

    /// The `msg_type` of the message.
    pub fn msg_type(&self) -> &'static str {
        match &self.kind {
            Kind::Text(_) => "text",
            Kind::Post(_) | Kind::PostJson(_) => "post",
            Kind::Image(_) => "image",
            Kind::ShareChat(_) => "share_chat",
            Kind::Card(_) | Kind::Template(_) => "interactive",
        }
    }

    /// Checks what the webhook would reject for sure: empty text or keys, a card that is not
    /// an object, an @mention that would break the text's markup.
    pub fn validate(&self) -> Result<()> {
        match &self.kind {
            Kind::Text(text) => text.validate(),
            Kind::Post(post) => post.validate(),
            Kind::PostJson(value) => match value {
                Value::Object(map) if !map.is_empty() => Ok(()),
                _ => Err(build(
                    "a post's JSON must be a non-empty object keyed by locale",
                )),
            },
            Kind::Image(key) => non_empty(key, "an image message needs an image_key"),
            Kind::ShareChat(id) => non_empty(id, "a share_chat message needs a chat id"),
            Kind::Card(card) => match card {
                Value::Object(map) if !map.is_empty() => Ok(()),
                _ => Err(build("a card must be a non-empty JSON object")),
            },
            Kind::Template(template) => template.validate(),
        }
    }

    /// The message as the webhook's JSON text (`msg_type`, then `content` or `card`),
    /// without the signature. Fails when [`Message::validate`] does.
    pub fn to_json(&self) -> Result<String> {
        self.validate()?;
        serde_json::to_string(self)
            .map_err(|e| build(&format!("the message cannot be serialized: {e}")))
    }
}

impl Serialize for Message {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Message", 2)?;
        s.serialize_field("msg_type", self.msg_type())?;
        match &self.kind {
            Kind::Text(text) => s.serialize_field("content", &TextContent { text })?,
            Kind::Post(post) => s.serialize_field("content", &PostContentRef { post })?,
            Kind::PostJson(post) => s.serialize_field("content", &PostContentRef { post })?,
            Kind::Image(image_key) => s.serialize_field("content", &ImageContent { image_key })?,
            Kind::ShareChat(share_chat_id) => {
                s.serialize_field("content", &ShareChatContent { share_chat_id })?;
            }
            Kind::Card(card) => s.serialize_field("card", card)?,
            Kind::Template(template) => s.serialize_field("card", template)?,
        }
        s.end()
    }
}

#[derive(Serialize)]
struct TextContent<'a> {
    text: &'a Text,
}

#[derive(Serialize)]
struct PostContentRef<'a, P: Serialize> {
    post: &'a P,
}

#[derive(Serialize)]
struct ImageContent<'a> {
    image_key: &'a str,
}

#[derive(Serialize)]
struct ShareChatContent<'a> {
    share_chat_id: &'a str,
}

impl From<Text> for Message {
    fn from(text: Text) -> Self {
        Self {
            kind: Kind::Text(text),
        }
    }
}

impl From<Post> for Message {
    fn from(post: Post) -> Self {
        Self::post(post)
    }
}

impl From<CardTemplate> for Message {
    fn from(template: CardTemplate) -> Self {
        Self::card_template(template)
    }
}

fn build(message: &str) -> Error {
    Error::Build(message.to_owned())
}

fn non_empty(value: &str, message: &str) -> Result<()> {
    if value.trim().is_empty() {
        Err(build(message))
    } else {
        Ok(())
    }
}

/// The id of "everyone" in @mentions.
const ALL: &str = "all";

/// A user id fit for an `<at user_id="…">` attribute: non-empty, no quote or angle bracket.
fn check_user_id(user_id: &str) -> Result<()> {
    if user_id.is_empty() || user_id.contains(['"', '<', '>']) || user_id.trim() != user_id {
        return Err(Error::Build(format!(
            "{user_id:?} is not a user id for an @mention (want an open id such as ou_xxx)"
        )));
    }
    Ok(())
}

/// The text of a `text` message: plain runs and @mentions, joined as given.
///
/// @mentions render as `<at user_id="ou_xxx">name</at>` (by open id) and
/// `<at user_id="all">所有人</at>` (everyone). Nothing is inserted between parts: put the
/// spaces you want in the text.
///
/// ```
/// use lark_custom_bot::Text;
/// let text = Text::new("build #42 failed, ").at("ou_1a2b", "Ann").push(" please look");
/// assert_eq!(
///     text.to_string(),
///     r#"build #42 failed, <at user_id="ou_1a2b">Ann</at> please look"#,
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[must_use]
pub struct Text {
    parts: Vec<TextPart>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum TextPart {
    Plain(String),
    At { user_id: String, name: String },
    AtAll,
}

impl Text {
    /// Text starting with `text`.
    pub fn new(text: impl Into<String>) -> Self {
        Self {
            parts: vec![TextPart::Plain(text.into())],
        }
    }

    /// Appends plain text.
    pub fn push(mut self, text: impl Into<String>) -> Self {
        self.parts.push(TextPart::Plain(text.into()));
        self
    }

    /// Appends an @mention of one user by open id (`ou_…`), shown as `name`.
    pub fn at(mut self, open_id: impl Into<String>, name: impl Into<String>) -> Self {
        self.parts.push(TextPart::At {
            user_id: open_id.into(),
            name: name.into(),
        });
        self
    }

    /// Appends an @mention of everyone in the group (the bot must be allowed to).
    pub fn at_all(mut self) -> Self {
        self.parts.push(TextPart::AtAll);
        self
    }

    fn validate(&self) -> Result<()> {
        let mut empty = true;
        for part in &self.parts {
            match part {
                TextPart::Plain(text) => empty &= text.is_empty(),
                TextPart::At { user_id, name } => {
                    check_user_id(user_id)?;
                    if name.contains(['<', '>']) {
                        return Err(Error::Build(format!(
                            "the @mention name {name:?} must not contain `<` or `>`"
                        )));
                    }
                    empty = false;
                }
                TextPart::AtAll => empty = false,
            }
        }
        if empty {
            return Err(build("a text message needs some text"));
        }
        Ok(())
    }
}

impl std::fmt::Display for Text {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for part in &self.parts {
            match part {
                TextPart::Plain(text) => f.write_str(text)?,
                TextPart::At { user_id, name } => {
                    write!(f, "<at user_id=\"{user_id}\">{name}</at>")?
                }
                TextPart::AtAll => write!(f, "<at user_id=\"{ALL}\">所有人</at>")?,
            }
        }
        Ok(())
    }
}

impl Serialize for Text {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Self {
        Self::new(text)
    }
}

impl From<String> for Text {
    fn from(text: String) -> Self {
        Self::new(text)
    }
}

/// A language of a rich-text message. A post carries one body per locale; the client shows
/// the one matching the reader's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Locale {
    /// Simplified Chinese, `zh_cn`.
    ZhCn,
    /// English, `en_us`.
    EnUs,
    /// Japanese, `ja_jp`.
    JaJp,
}

impl Locale {
    /// The key in the post's JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Locale::ZhCn => "zh_cn",
            Locale::EnUs => "en_us",
            Locale::JaJp => "ja_jp",
        }
    }
}

/// A rich-text (`post`) message: one [`PostContent`] per locale, in the order added.
///
/// ```
/// use lark_custom_bot::{Post, PostContent, PostElement};
/// let post = Post::new().zh_cn(
///     PostContent::new("上线通知")
///         .line([PostElement::text("版本 1.2 已上线 "), PostElement::link("详情", "https://example.com")]),
/// );
/// assert_eq!(
///     serde_json::to_string(&post).unwrap(),
///     r#"{"zh_cn":{"title":"上线通知","content":[[{"tag":"text","text":"版本 1.2 已上线 "},{"tag":"a","text":"详情","href":"https://example.com"}]]}}"#,
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
#[must_use]
pub struct Post {
    locales: Vec<(Locale, PostContent)>,
}

impl Post {
    /// A post with no locale yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the body for `locale`, replacing an earlier one.
    pub fn locale(mut self, locale: Locale, content: PostContent) -> Self {
        match self.locales.iter_mut().find(|(l, _)| *l == locale) {
            Some(slot) => slot.1 = content,
            None => self.locales.push((locale, content)),
        }
        self
    }

    /// Sets the Simplified Chinese body.
    pub fn zh_cn(self, content: PostContent) -> Self {
        self.locale(Locale::ZhCn, content)
    }

    /// Sets the English body.
    pub fn en_us(self, content: PostContent) -> Self {
        self.locale(Locale::EnUs, content)
    }

    /// Sets the Japanese body.
    pub fn ja_jp(self, content: PostContent) -> Self {
        self.locale(Locale::JaJp, content)
    }

    fn validate(&self) -> Result<()> {
        if self.locales.is_empty() {
            return Err(build("a post needs a body in at least one locale"));
        }
        for (locale, content) in &self.locales {
            content.validate().map_err(|e| match e {
                Error::Build(m) => Error::Build(format!("post {}: {m}", locale.as_str())),
                other => other,
            })?;
        }
        Ok(())
    }
}

impl Serialize for Post {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.locales.len()))?;
        for (locale, content) in &self.locales {
            map.serialize_entry(locale.as_str(), content)?;
        }
        map.end()
    }
}

/// One locale's body of a post: a title and lines (paragraphs) of elements.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[must_use]
pub struct PostContent {
    title: String,
    content: Vec<Vec<PostElement>>,
}

impl PostContent {
    /// A body with `title` (may be empty) and no lines yet.
    pub fn new(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            content: Vec::new(),
        }
    }

    /// Appends a line of elements.
    pub fn line(mut self, elements: impl IntoIterator<Item = PostElement>) -> Self {
        self.content.push(elements.into_iter().collect());
        self
    }

    fn validate(&self) -> Result<()> {
        if self.content.iter().all(Vec::is_empty) && self.title.is_empty() {
            return Err(build("the body has neither a title nor any element"));
        }
        for element in self.content.iter().flatten() {
            element.validate()?;
        }
        Ok(())
    }
}

/// The inline style of a `text`, `a` or `at` element.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[non_exhaustive]
pub enum TextStyle {
    /// `bold`
    #[serde(rename = "bold")]
    Bold,
    /// `italic`
    #[serde(rename = "italic")]
    Italic,
    /// `underline`
    #[serde(rename = "underline")]
    Underline,
    /// `lineThrough`
    #[serde(rename = "lineThrough")]
    LineThrough,
}

/// One element of a post's line: `text`, `a`, `at`, `img`, `emotion`, `code_block` or `hr`.
///
/// `code_block` and `hr` are block elements: give each a line of its own.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[must_use]
pub struct PostElement(Element);

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "tag")]
enum Element {
    #[serde(rename = "text")]
    Text {
        text: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        un_escape: Option<bool>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        style: Vec<TextStyle>,
    },
    #[serde(rename = "a")]
    Link {
        text: String,
        href: String,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        style: Vec<TextStyle>,
    },
    #[serde(rename = "at")]
    At {
        user_id: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        user_name: Option<String>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        style: Vec<TextStyle>,
    },
    #[serde(rename = "img")]
    Image { image_key: String },
    #[serde(rename = "emotion")]
    Emotion { emoji_type: String },
    #[serde(rename = "code_block")]
    CodeBlock {
        #[serde(skip_serializing_if = "Option::is_none")]
        language: Option<String>,
        text: String,
    },
    #[serde(rename = "hr")]
    Rule,
}

impl PostElement {
    /// Plain text.
    pub fn text(text: impl Into<String>) -> Self {
        Self(Element::Text {
            text: text.into(),
            un_escape: None,
            style: Vec::new(),
        })
    }

    /// Text whose HTML entities (`&nbsp;`, `&lt;`, …) the client decodes (`un_escape: true`).
    pub fn unescaped_text(text: impl Into<String>) -> Self {
        Self(Element::Text {
            text: text.into(),
            un_escape: Some(true),
            style: Vec::new(),
        })
    }

    /// A hyperlink showing `text`.
    pub fn link(text: impl Into<String>, href: impl Into<String>) -> Self {
        Self(Element::Link {
            text: text.into(),
            href: href.into(),
            style: Vec::new(),
        })
    }

    /// An @mention of a user by open id (`ou_…`).
    pub fn at(open_id: impl Into<String>) -> Self {
        Self(Element::At {
            user_id: open_id.into(),
            user_name: None,
            style: Vec::new(),
        })
    }

    /// An @mention of a user by open id, with the name to show.
    pub fn at_named(open_id: impl Into<String>, user_name: impl Into<String>) -> Self {
        Self(Element::At {
            user_id: open_id.into(),
            user_name: Some(user_name.into()),
            style: Vec::new(),
        })
    }

    /// An @mention of everyone in the group.
    pub fn at_all() -> Self {
        Self(Element::At {
            user_id: ALL.to_owned(),
            user_name: Some("所有人".to_owned()),
            style: Vec::new(),
        })
    }

    /// An image, by `image_key`.
    pub fn image(image_key: impl Into<String>) -> Self {
        Self(Element::Image {
            image_key: image_key.into(),
        })
    }

    /// An emoji, by its `emoji_type` (`SMILE`, `THUMBSUP`, `OK`, …).
    pub fn emotion(emoji_type: impl Into<String>) -> Self {
        Self(Element::Emotion {
            emoji_type: emoji_type.into(),
        })
    }

    /// A code block in `language` (`RUST`, `GO`, `PYTHON`, …). Give it a line of its own.
    pub fn code_block(language: impl Into<String>, code: impl Into<String>) -> Self {
        let language = language.into();
        Self(Element::CodeBlock {
            language: (!language.is_empty()).then_some(language),
            text: code.into(),
        })
    }

    /// A horizontal rule. Give it a line of its own.
    pub fn hr() -> Self {
        Self(Element::Rule)
    }

    /// Adds an inline style to a `text`, `a` or `at` element; other elements ignore it.
    pub fn style(mut self, style: TextStyle) -> Self {
        if let Element::Text { style: s, .. }
        | Element::Link { style: s, .. }
        | Element::At { style: s, .. } = &mut self.0
        {
            if !s.contains(&style) {
                s.push(style);
            }
        }
        self
    }

    fn validate(&self) -> Result<()> {
        match &self.0 {
            Element::Link { href, .. } => non_empty(href, "a link needs an href"),
            Element::At { user_id, .. } => check_user_id(user_id),
            Element::Image { image_key } => non_empty(image_key, "an img needs an image_key"),
            Element::Emotion { emoji_type } => {
                non_empty(emoji_type, "an emotion needs an emoji_type")
            }
            Element::Text { .. } | Element::CodeBlock { .. } | Element::Rule => Ok(()),
        }
    }
}

/// An interactive card made from a template in the card builder, by id and variables.
///
/// Serializes to `{"type": "template", "data": {"template_id", "template_version_name",
/// "template_variable"}}`.
#[derive(Debug, Clone, PartialEq)]
#[must_use]
pub struct CardTemplate {
    template_id: String,
    version_name: Option<String>,
    variables: Map<String, Value>,
}

impl CardTemplate {
    /// The template `template_id` (`AAq…`), at its latest published version.
    pub fn new(template_id: impl Into<String>) -> Self {
        Self {
            template_id: template_id.into(),
            version_name: None,
            variables: Map::new(),
        }
    }

    /// Pins a published version, such as `1.0.2`.
    pub fn version(mut self, version_name: impl Into<String>) -> Self {
        self.version_name = Some(version_name.into());
        self
    }

    /// Sets the template variable `name`.
    pub fn variable(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.variables.insert(name.into(), value.into());
        self
    }

    /// Sets every variable of `variables`, keeping the ones set before unless replaced.
    pub fn variables(mut self, variables: Map<String, Value>) -> Self {
        self.variables.extend(variables);
        self
    }

    fn validate(&self) -> Result<()> {
        non_empty(&self.template_id, "a card template needs a template_id")
    }
}

impl Serialize for CardTemplate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct Data<'a> {
            template_id: &'a str,
            #[serde(skip_serializing_if = "Option::is_none")]
            template_version_name: Option<&'a str>,
            #[serde(skip_serializing_if = "Map::is_empty")]
            template_variable: &'a Map<String, Value>,
        }
        let mut s = serializer.serialize_struct("CardTemplate", 2)?;
        s.serialize_field("type", "template")?;
        s.serialize_field(
            "data",
            &Data {
                template_id: &self.template_id,
                template_version_name: self.version_name.as_deref(),
                template_variable: &self.variables,
            },
        )?;
        s.end()
    }
}
