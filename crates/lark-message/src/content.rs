//! Message contents: every `msg_type` and the `content` the platform documents for it.
//!
//! One [`MessageContent`] serves both ways of sending:
//!
//! - the API (`im.v1.message` create, reply, update): `msg_type` plus `content`, a JSON
//!   **string** ([`MessageContent::content`]);
//! - the custom bot's webhook and the batch send API (`message/v4/batch_send`): `msg_type`
//!   plus `content` as a JSON **object**, or the card under `card`
//!   ([`MessageContent::webhook_form`]). These take fewer types (text, post, image,
//!   share_chat, interactive) and name a few fields differently; other types are refused
//!   with [`Error::Build`].
//!
//! | type | `msg_type` | API `content` | webhook form |
//! |---|---|---|---|
//! | [`Text`] | `text` | `{"text": "…"}` | `"content": {"text": "…"}` |
//! | [`Post`] | `post` | `{"zh_cn": {"title", "content"}}` | `"content": {"post": {"zh_cn": …}}` |
//! | [`Image`] | `image` | `{"image_key"}` | `"content": {"image_key"}` |
//! | [`File`] | `file` | `{"file_key"}` | — |
//! | [`Audio`] | `audio` | `{"file_key"}` | — |
//! | [`Media`] | `media` | `{"file_key", "image_key"}` | — |
//! | [`Sticker`] | `sticker` | `{"file_key"}` | — |
//! | [`ShareChat`] | `share_chat` | `{"chat_id"}` | `"content": {"share_chat_id"}` |
//! | [`ShareUser`] | `share_user` | `{"user_id"}` | — |
//! | [`System`] | `system` | `{"type": "divider", "params", "options"}` (p2p chats only) | — |
//! | [`Interactive`] | `interactive` | card JSON, `{"type": "template", …}` or `{"type": "card", …}` | `"card": …` |
//!
//! ```
//! use lark_message::content::{MessageContent, Text};
//! let content = MessageContent::from(Text::new("hi ").at("ou_1", "Tom"));
//! assert_eq!(content.msg_type(), "text");
//! assert_eq!(content.content().unwrap(), r#"{"text":"hi <at user_id=\"ou_1\">Tom</at>"}"#);
//! ```

use std::collections::BTreeMap;

use serde::ser::{SerializeMap, SerializeStruct};
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

use lark_core::{Error, Result};

use crate::card::Card;

/// The content of one message, of any type.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum MessageContent {
    /// `text`
    Text(Text),
    /// `post`: rich text
    Post(Post),
    /// `image`
    Image(Image),
    /// `file`
    File(File),
    /// `audio`
    Audio(Audio),
    /// `media`: a video
    Media(Media),
    /// `sticker`
    Sticker(Sticker),
    /// `share_chat`: a group's business card
    ShareChat(ShareChat),
    /// `share_user`: a user's business card
    ShareUser(ShareUser),
    /// `system`: a system divider (p2p chats only)
    System(System),
    /// `interactive`: a card
    Interactive(Interactive),
}

impl MessageContent {
    /// A text message.
    pub fn text(text: impl Into<Text>) -> Self {
        Self::Text(text.into())
    }

    /// An interactive card.
    pub fn card(card: Card) -> Self {
        Self::Interactive(Interactive::Card(Box::new(card)))
    }

    /// The `msg_type`.
    pub fn msg_type(&self) -> &'static str {
        match self {
            Self::Text(_) => "text",
            Self::Post(_) => "post",
            Self::Image(_) => "image",
            Self::File(_) => "file",
            Self::Audio(_) => "audio",
            Self::Media(_) => "media",
            Self::Sticker(_) => "sticker",
            Self::ShareChat(_) => "share_chat",
            Self::ShareUser(_) => "share_user",
            Self::System(_) => "system",
            Self::Interactive(_) => "interactive",
        }
    }

    /// Checks what the platform would reject for sure: empty texts and keys, @mentions
    /// that would break the text's markup, a raw card that is not an object.
    pub fn validate(&self) -> Result<()> {
        match self {
            Self::Text(text) => text.validate(),
            Self::Post(post) => post.validate(),
            Self::Image(image) => {
                non_empty(&image.image_key, "an image message needs an image_key")
            }
            Self::File(file) => non_empty(&file.file_key, "a file message needs a file_key"),
            Self::Audio(audio) => non_empty(&audio.file_key, "an audio message needs a file_key"),
            Self::Media(media) => non_empty(&media.file_key, "a media message needs a file_key"),
            Self::Sticker(sticker) => {
                non_empty(&sticker.file_key, "a sticker message needs a file_key")
            }
            Self::ShareChat(share) => {
                non_empty(&share.chat_id, "a share_chat message needs a chat id")
            }
            Self::ShareUser(share) => {
                non_empty(&share.user_id, "a share_user message needs a user id")
            }
            Self::System(system) => non_empty(&system.text, "a system divider needs a text"),
            Self::Interactive(interactive) => interactive.validate(),
        }
    }

    /// The API's `content` as JSON (an object).
    pub fn to_value(&self) -> Result<Value> {
        self.validate()?;
        serde_json::to_value(ApiContent(self)).map_err(serialize_error)
    }

    /// The API's `content`: the JSON text that `im.v1.message` create, reply and update
    /// take in their `content` field. Fails when [`validate`](Self::validate) does.
    pub fn content(&self) -> Result<String> {
        self.validate()?;
        serde_json::to_string(&ApiContent(self)).map_err(serialize_error)
    }

    /// Whether a custom bot's webhook (and the batch send API) takes this type: text,
    /// post, image, share_chat, and cards other than card entities.
    pub fn webhook_supported(&self) -> bool {
        match self {
            Self::Text(_) | Self::Post(_) | Self::Image(_) | Self::ShareChat(_) => true,
            Self::Interactive(interactive) => !matches!(interactive, Interactive::CardId(_)),
            _ => false,
        }
    }

    /// The form a custom bot's webhook and the batch send API take:
    /// `{"msg_type": …, "content": {…}}`, or `{"msg_type": "interactive", "card": {…}}`.
    /// Fails for the types those cannot send, and when [`validate`](Self::validate) does.
    pub fn webhook_form(&self) -> Result<WebhookForm<'_>> {
        if !self.webhook_supported() {
            return Err(Error::Build(format!(
                "a custom bot (and the batch send API) cannot send {} messages: it takes \
                 text, post, image, share_chat and interactive cards (not card entities)",
                self.msg_type()
            )));
        }
        self.validate()?;
        if let Self::Text(text) = self {
            text.check_webhook()?;
        }
        Ok(WebhookForm(self))
    }
}

/// The webhook and batch-send form of a message: serialises to `msg_type` then `content`
/// (an object) or `card`. Made by [`MessageContent::webhook_form`], which checked it.
#[derive(Debug, Clone, Copy)]
pub struct WebhookForm<'a>(&'a MessageContent);

impl WebhookForm<'_> {
    /// The `msg_type`.
    pub fn msg_type(&self) -> &'static str {
        self.0.msg_type()
    }

    /// The form as JSON.
    pub fn to_value(&self) -> Result<Value> {
        serde_json::to_value(self).map_err(serialize_error)
    }

    /// The form as JSON text.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string(self).map_err(serialize_error)
    }

    /// Whether the payload goes under `card` (interactive) rather than `content`.
    pub fn is_card(&self) -> bool {
        matches!(self.0, MessageContent::Interactive(_))
    }

    /// The payload alone: the value of `content` or of `card`.
    pub fn payload(&self) -> Result<Value> {
        match self.to_value()? {
            Value::Object(mut map) => Ok(map
                .remove(if self.is_card() { "card" } else { "content" })
                .unwrap_or(Value::Null)),
            _ => Err(Error::Build("the message is not a JSON object".to_owned())),
        }
    }
}

impl Serialize for WebhookForm<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Message", 2)?;
        s.serialize_field("msg_type", self.0.msg_type())?;
        match self.0 {
            MessageContent::Text(text) => s.serialize_field("content", &TextBody { text })?,
            MessageContent::Post(post) => s.serialize_field("content", &WrappedPost { post })?,
            MessageContent::Image(image) => s.serialize_field("content", image)?,
            MessageContent::ShareChat(share) => s.serialize_field(
                "content",
                &WebhookShareChat {
                    share_chat_id: &share.chat_id,
                },
            )?,
            MessageContent::Interactive(interactive) => s.serialize_field("card", interactive)?,
            other => {
                return Err(serde::ser::Error::custom(format!(
                    "a custom bot cannot send {} messages",
                    other.msg_type()
                )));
            }
        }
        s.end()
    }
}

/// The API's content object of a message.
struct ApiContent<'a>(&'a MessageContent);

impl Serialize for ApiContent<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        match self.0 {
            MessageContent::Text(text) => TextBody { text }.serialize(serializer),
            MessageContent::Post(post) => post.serialize(serializer),
            MessageContent::Image(image) => image.serialize(serializer),
            MessageContent::File(file) => file.serialize(serializer),
            MessageContent::Audio(audio) => audio.serialize(serializer),
            MessageContent::Media(media) => media.serialize(serializer),
            MessageContent::Sticker(sticker) => sticker.serialize(serializer),
            MessageContent::ShareChat(share) => share.serialize(serializer),
            MessageContent::ShareUser(share) => share.serialize(serializer),
            MessageContent::System(system) => system.serialize(serializer),
            MessageContent::Interactive(interactive) => interactive.serialize(serializer),
        }
    }
}

#[derive(Serialize)]
struct TextBody<'a> {
    text: &'a Text,
}

#[derive(Serialize)]
struct WrappedPost<'a> {
    post: &'a Post,
}

#[derive(Serialize)]
struct WebhookShareChat<'a> {
    share_chat_id: &'a str,
}

fn serialize_error(e: serde_json::Error) -> Error {
    Error::Build(format!("the message cannot be serialized: {e}"))
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

macro_rules! from_content {
    ($($ty:ident,)*) => {
        $(
            impl From<$ty> for MessageContent {
                fn from(value: $ty) -> Self {
                    MessageContent::$ty(value)
                }
            }
        )*
    };
}

from_content! {
    Text, Post, Image, File, Audio, Media, Sticker, ShareChat, ShareUser, System, Interactive,
}

impl From<Card> for MessageContent {
    fn from(card: Card) -> Self {
        Self::card(card)
    }
}

impl From<CardTemplate> for MessageContent {
    fn from(template: CardTemplate) -> Self {
        Self::Interactive(Interactive::Template(template))
    }
}

// ---------------------------------------------------------------------------------------
// text

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

/// The text of a `text` message: plain runs, @mentions and styled runs, joined as given.
///
/// The platform reads a little markup in the text: `<at user_id="ou_xxx">name</at>` mentions
/// a user (`user_id="all"` everyone), `<b>`, `<i>`, `<u>`, `<s>` style, `[text](url)` links.
/// The builders write that markup; plain runs go as given (so markup you write yourself is
/// read too). Newlines are `\n`. Nothing is inserted between parts: put the spaces you want
/// in the text. The JSON escaping of `content` (a JSON text inside a JSON body) is done for
/// you. Styles and links are for the API only: a custom bot refuses them.
///
/// ```
/// use lark_message::content::Text;
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
    Styled { tag: &'static str, text: String },
    Link { text: String, url: String },
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

    /// Appends an @mention of one user by id (open id `ou_…`, or the id type the message
    /// is sent with), shown as `name`.
    pub fn at(mut self, user_id: impl Into<String>, name: impl Into<String>) -> Self {
        self.parts.push(TextPart::At {
            user_id: user_id.into(),
            name: name.into(),
        });
        self
    }

    /// Appends an @mention of everyone in the group (the bot must be allowed to).
    pub fn at_all(mut self) -> Self {
        self.parts.push(TextPart::AtAll);
        self
    }

    fn styled(mut self, tag: &'static str, text: impl Into<String>) -> Self {
        self.parts.push(TextPart::Styled {
            tag,
            text: text.into(),
        });
        self
    }

    /// Appends bold text (`<b>…</b>`).
    pub fn bold(self, text: impl Into<String>) -> Self {
        self.styled("b", text)
    }

    /// Appends italic text (`<i>…</i>`).
    pub fn italic(self, text: impl Into<String>) -> Self {
        self.styled("i", text)
    }

    /// Appends underlined text (`<u>…</u>`).
    pub fn underline(self, text: impl Into<String>) -> Self {
        self.styled("u", text)
    }

    /// Appends struck-through text (`<s>…</s>`).
    pub fn strikethrough(self, text: impl Into<String>) -> Self {
        self.styled("s", text)
    }

    /// Appends a link (`[text](url)`).
    pub fn link(mut self, text: impl Into<String>, url: impl Into<String>) -> Self {
        self.parts.push(TextPart::Link {
            text: text.into(),
            url: url.into(),
        });
        self
    }

    /// Checks the parts: some text, mention ids and names that keep the markup intact.
    pub fn validate(&self) -> Result<()> {
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
                TextPart::Styled { tag, text } => {
                    if text.contains(&format!("</{tag}>")) {
                        return Err(Error::Build(format!(
                            "styled text {text:?} must not contain `</{tag}>`"
                        )));
                    }
                    empty &= text.is_empty();
                }
                TextPart::Link { text, url } => {
                    non_empty(url, "a link in a text needs a URL")?;
                    if text.contains([']', '[']) || url.contains([')', '(', ' ']) {
                        return Err(Error::Build(format!(
                            "the link [{text}]({url}) would break: no brackets in the text, \
                             no parentheses or spaces in the URL"
                        )));
                    }
                    empty = false;
                }
            }
        }
        if empty {
            return Err(build("a text message needs some text"));
        }
        Ok(())
    }
}

impl Text {
    /// Styles and links in a text are API-only: a custom bot and the batch send API would
    /// show their markup as typed.
    fn check_webhook(&self) -> Result<()> {
        if self
            .parts
            .iter()
            .any(|part| matches!(part, TextPart::Styled { .. } | TextPart::Link { .. }))
        {
            return Err(build(
                "a custom bot and the batch send API do not render styles or links in a text \
                 message; use a post (rich text) or a card",
            ));
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
                TextPart::Styled { tag, text } => write!(f, "<{tag}>{text}</{tag}>")?,
                TextPart::Link { text, url } => write!(f, "[{text}]({url})")?,
            }
        }
        Ok(())
    }
}

impl Serialize for Text {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
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

// ---------------------------------------------------------------------------------------
// post

lark_core::string_enum! {
    /// A language of a rich-text message or an i18n text. A post carries one body per
    /// locale; the client shows the one matching the reader's language.
    Locale {
        ZhCn = "zh_cn",
        EnUs = "en_us",
        JaJp = "ja_jp",
        ZhHk = "zh_hk",
        ZhTw = "zh_tw",
        IdId = "id_id",
        ViVn = "vi_vn",
        ThTh = "th_th",
        PtBr = "pt_br",
        EsEs = "es_es",
        KoKr = "ko_kr",
        DeDe = "de_de",
        FrFr = "fr_fr",
        ItIt = "it_it",
        RuRu = "ru_ru",
        MsMy = "ms_my",
    }
}

/// A rich-text (`post`) message: one [`PostContent`] per locale, in the order added.
///
/// ```
/// use lark_message::content::{Post, PostContent, PostElement};
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
    pub fn locale(mut self, locale: impl Into<Locale>, content: PostContent) -> Self {
        let locale = locale.into();
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

    /// The bodies, in order.
    pub fn locales(&self) -> impl Iterator<Item = (&Locale, &PostContent)> {
        self.locales.iter().map(|(l, c)| (l, c))
    }

    /// Checks every body.
    pub fn validate(&self) -> Result<()> {
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
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
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
        for line in &self.content {
            for element in line {
                element.validate()?;
                if element.needs_own_line() && line.len() > 1 {
                    return Err(build(
                        "img, media and md elements need a paragraph (line) of their own",
                    ));
                }
            }
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

/// One element of a post's line: `text`, `a`, `at`, `img`, `media`, `emotion`,
/// `code_block`, `hr` or `md`.
///
/// `code_block`, `hr` and `md` are block elements: each needs a line of its own. `md` (a
/// markdown paragraph) is for the API; the platform turns it into the other tags.
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
    #[serde(rename = "media")]
    Media {
        file_key: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        image_key: Option<String>,
    },
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
    #[serde(rename = "md")]
    Markdown { text: String },
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

    /// An @mention of a user by id (`ou_…`).
    pub fn at(user_id: impl Into<String>) -> Self {
        Self(Element::At {
            user_id: user_id.into(),
            user_name: None,
            style: Vec::new(),
        })
    }

    /// An @mention of a user by id, with the name to show.
    pub fn at_named(user_id: impl Into<String>, user_name: impl Into<String>) -> Self {
        Self(Element::At {
            user_id: user_id.into(),
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

    /// A video, by the `file_key` of an uploaded mp4, with an optional cover `image_key`
    /// (empty: none).
    pub fn media(file_key: impl Into<String>, image_key: impl Into<String>) -> Self {
        let image_key = image_key.into();
        Self(Element::Media {
            file_key: file_key.into(),
            image_key: (!image_key.is_empty()).then_some(image_key),
        })
    }

    /// An emoji, by its `emoji_type` (`SMILE`, `THUMBSUP`, `OK`, …).
    pub fn emotion(emoji_type: impl Into<String>) -> Self {
        Self(Element::Emotion {
            emoji_type: emoji_type.into(),
        })
    }

    /// A code block in `language` (`RUST`, `GO`, `PYTHON`, …; empty: none). Give it a line
    /// of its own.
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

    /// A markdown paragraph (`md`). Give it a line of its own.
    pub fn md(text: impl Into<String>) -> Self {
        Self(Element::Markdown { text: text.into() })
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

    /// The docs put images, videos and markdown in a paragraph of their own.
    fn needs_own_line(&self) -> bool {
        matches!(
            self.0,
            Element::Image { .. } | Element::Media { .. } | Element::Markdown { .. }
        )
    }

    fn validate(&self) -> Result<()> {
        match &self.0 {
            Element::Link { href, .. } => non_empty(href, "a link needs an href"),
            Element::At { user_id, .. } => check_user_id(user_id),
            Element::Image { image_key } => non_empty(image_key, "an img needs an image_key"),
            Element::Media { file_key, .. } => non_empty(file_key, "a media needs a file_key"),
            Element::Emotion { emoji_type } => {
                non_empty(emoji_type, "an emotion needs an emoji_type")
            }
            Element::Text { .. }
            | Element::CodeBlock { .. }
            | Element::Rule
            | Element::Markdown { .. } => Ok(()),
        }
    }
}

// ---------------------------------------------------------------------------------------
// resources and business cards

macro_rules! key_content {
    ($(#[$meta:meta])* $name:ident { $field:ident }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Serialize)]
        #[must_use]
        pub struct $name {
            $field: String,
        }

        impl $name {
            #[doc = concat!("A message by `", stringify!($field), "`.")]
            pub fn new($field: impl Into<String>) -> Self {
                Self { $field: $field.into() }
            }

            #[doc = concat!("The `", stringify!($field), "`.")]
            pub fn $field(&self) -> &str {
                &self.$field
            }
        }
    };
}

key_content! {
    /// `image`: an image uploaded through the image upload API (`img_…`).
    Image { image_key }
}

key_content! {
    /// `file`: a file uploaded through the file upload API (`file_…`).
    File { file_key }
}

key_content! {
    /// `audio`: an opus audio uploaded through the file upload API.
    Audio { file_key }
}

key_content! {
    /// `sticker`: a sticker, by the `file_key` of one received in a message (stickers
    /// cannot be uploaded).
    Sticker { file_key }
}

key_content! {
    /// `share_chat`: a group's business card, by chat id (`oc_…`). The webhook form names
    /// the field `share_chat_id`.
    ShareChat { chat_id }
}

key_content! {
    /// `share_user`: a user's business card, by open id (`ou_…`).
    ShareUser { user_id }
}

/// `media`: a video (an uploaded mp4) with an optional cover image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[must_use]
pub struct Media {
    file_key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    image_key: Option<String>,
}

impl Media {
    /// A video by `file_key`.
    pub fn new(file_key: impl Into<String>) -> Self {
        Self {
            file_key: file_key.into(),
            image_key: None,
        }
    }

    /// Sets the cover image.
    pub fn cover(mut self, image_key: impl Into<String>) -> Self {
        self.image_key = Some(image_key.into());
        self
    }

    /// The video's `file_key`.
    pub fn file_key(&self) -> &str {
        &self.file_key
    }
}

/// `system`: a divider in a p2p chat with a text, such as "New session" for a bot.
///
/// Serialises to `{"type": "divider", "params": {"divider_text": {"text", "i18n_text"}},
/// "options": {"need_rollup"}}`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub struct System {
    text: String,
    i18n_text: BTreeMap<String, String>,
    need_rollup: Option<bool>,
}

impl System {
    /// A divider showing `text`.
    pub fn divider(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            i18n_text: BTreeMap::new(),
            need_rollup: None,
        }
    }

    /// The text for a locale, keyed as the docs do (`zh_CN`, `en_US`, `ja_JP`).
    pub fn i18n(mut self, locale: impl Into<String>, text: impl Into<String>) -> Self {
        self.i18n_text.insert(locale.into(), text.into());
        self
    }

    /// Whether earlier messages fold away above the divider.
    pub fn need_rollup(mut self, need_rollup: bool) -> Self {
        self.need_rollup = Some(need_rollup);
        self
    }
}

impl Serialize for System {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct DividerText<'a> {
            text: &'a str,
            #[serde(skip_serializing_if = "BTreeMap::is_empty")]
            i18n_text: &'a BTreeMap<String, String>,
        }
        #[derive(Serialize)]
        struct Params<'a> {
            divider_text: DividerText<'a>,
        }
        #[derive(Serialize)]
        struct Options {
            need_rollup: bool,
        }
        let mut s = serializer.serialize_struct("System", 3)?;
        s.serialize_field("type", "divider")?;
        s.serialize_field(
            "params",
            &Params {
                divider_text: DividerText {
                    text: &self.text,
                    i18n_text: &self.i18n_text,
                },
            },
        )?;
        if let Some(need_rollup) = self.need_rollup {
            s.serialize_field("options", &Options { need_rollup })?;
        }
        s.end()
    }
}

// ---------------------------------------------------------------------------------------
// interactive

/// `interactive`: a card, a card template with variables, a card entity made with CardKit,
/// or card JSON given as is.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Interactive {
    /// A card built with [`Card`].
    Card(Box<Card>),
    /// A template made in the card builder tool.
    Template(CardTemplate),
    /// A card entity by `card_id` (CardKit; API only): `{"type": "card", "data": {"card_id"}}`.
    CardId(String),
    /// Card JSON as is (checked to be a non-empty object).
    Raw(Value),
}

impl Interactive {
    fn validate(&self) -> Result<()> {
        match self {
            Self::Card(_) => Ok(()),
            Self::Template(template) => template.validate(),
            Self::CardId(id) => non_empty(id, "a card entity needs a card_id"),
            Self::Raw(card) => match card {
                Value::Object(map) if !map.is_empty() => Ok(()),
                _ => Err(build("a card must be a non-empty JSON object")),
            },
        }
    }
}

impl Serialize for Interactive {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            Self::Card(card) => card.serialize(serializer),
            Self::Template(template) => template.serialize(serializer),
            Self::CardId(card_id) => {
                #[derive(Serialize)]
                struct Data<'a> {
                    card_id: &'a str,
                }
                let mut s = serializer.serialize_struct("Interactive", 2)?;
                s.serialize_field("type", "card")?;
                s.serialize_field("data", &Data { card_id })?;
                s.end()
            }
            Self::Raw(value) => value.serialize(serializer),
        }
    }
}

/// An interactive card made from a template in the card builder, by id and variables.
///
/// Serialises to `{"type": "template", "data": {"template_id", "template_version_name",
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

    /// The template id.
    pub fn template_id(&self) -> &str {
        &self.template_id
    }

    /// Checks the template id.
    pub fn validate(&self) -> Result<()> {
        non_empty(&self.template_id, "a card template needs a template_id")
    }
}

impl Serialize for CardTemplate {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
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
