//! Cards: a typed builder for card JSON 2.0 (and the 1.0 structure where it differs).
//!
//! A [`Card`] serialises to the card JSON the platform documents: `schema: "2.0"`, `config`,
//! `card_link`, `header` and `body.elements`. Each body component is an [`Element`] variant
//! with a struct holding the fields the docs list; values the docs give as a closed set
//! (colours, widths, sizes, alignments) are string enums with an `Other(String)` fallback, and
//! [`Element::raw`] carries any component newer than this crate. Fields a struct does not
//! model are kept in its `extra` map, so a card read from JSON writes back the same JSON.
//!
//! ```
//! use lark_message::card::{Button, ButtonType, Card, CardText, Element, Header, HeaderTemplate};
//!
//! let card = Card::new()
//!     .header(Header::new("Deploy finished").template(HeaderTemplate::Green))
//!     .element(Element::markdown("**api** v1.2 is live"))
//!     .element(Element::Button(
//!         Button::new(CardText::plain("Roll back"))
//!             .kind(ButtonType::Danger)
//!             .callback(serde_json::json!({"action": "rollback"})),
//!     ));
//! let json = card.to_value().unwrap();
//! assert_eq!(json["schema"], "2.0");
//! assert_eq!(json["body"]["elements"][1]["behaviors"][0]["type"], "callback");
//! assert_eq!(Card::from_value(json).unwrap(), card);
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use lark_core::{Error, Result};

/// Defines a card struct: public fields (the required ones plain, the optional ones
/// `Option`s skipped when unset), an `extra` map for fields not modelled, and a setter per
/// optional field.
macro_rules! card_struct {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$req_meta:meta])* $req:ident : $req_ty:ty, )*
        }
        optional {
            $( $(#[$opt_meta:meta])* $opt:ident $(= $rename:literal)? : $opt_ty:ty, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
        #[non_exhaustive]
        #[must_use]
        pub struct $name {
            $( $(#[$req_meta])* pub $req: $req_ty, )*
            $(
                $(#[$opt_meta])*
                #[serde(default, skip_serializing_if = "Option::is_none")]
                $( #[serde(rename = $rename)] )?
                pub $opt: Option<$opt_ty>,
            )*
            /// Fields this crate does not model, written back as read.
            #[serde(flatten)]
            pub extra: Map<String, Value>,
        }

        impl $name {
            $(
                #[doc = concat!("Sets `", card_struct!(@wire $opt $(= $rename)?), "`.")]
                pub fn $opt(mut self, value: impl Into<$opt_ty>) -> Self {
                    self.$opt = Some(value.into());
                    self
                }
            )*

            /// Sets a field this crate does not model (a newer one), written as given.
            pub fn field(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
                self.extra.insert(key.into(), value.into());
                self
            }
        }

        impl Inspect for $name {
            fn inspect(&self, path: &str, out: &mut Vec<String>) {
                for key in self.extra.keys() {
                    out.push(format!("{path}.{key}"));
                }
                $( self.$req.inspect(&format!("{path}.{}", stringify!($req)), out); )*
                $(
                    if let Some(value) = &self.$opt {
                        value.inspect(
                            &format!("{path}.{}", card_struct!(@wire $opt $(= $rename)?)),
                            out,
                        );
                    }
                )*
            }
        }
    };
    (@wire $opt:ident = $rename:literal) => { $rename };
    (@wire $opt:ident) => { stringify!($opt) };
}

/// Lists what a value holds that this crate does not model: fields kept in an `extra` map,
/// components kept as [`Element::Raw`], behaviours kept as [`Behavior::Raw`].
trait Inspect {
    fn inspect(&self, path: &str, out: &mut Vec<String>);
}

/// Leaves: nothing inside them can be unknown.
macro_rules! inspect_leaf {
    ($($ty:ty),* $(,)?) => {
        $( impl Inspect for $ty { fn inspect(&self, _: &str, _: &mut Vec<String>) {} } )*
    };
}

inspect_leaf!(String, bool, u32, i32, Value, serde_json::Number);

impl<T: Inspect> Inspect for Vec<T> {
    fn inspect(&self, path: &str, out: &mut Vec<String>) {
        for (index, item) in self.iter().enumerate() {
            item.inspect(&format!("{path}[{index}]"), out);
        }
    }
}

impl<T: Inspect> Inspect for BTreeMap<String, T> {
    fn inspect(&self, path: &str, out: &mut Vec<String>) {
        for (key, item) in self {
            item.inspect(&format!("{path}.{key}"), out);
        }
    }
}

impl<T: Inspect> Inspect for Box<T> {
    fn inspect(&self, path: &str, out: &mut Vec<String>) {
        (**self).inspect(path, out);
    }
}

lark_core::string_enum! {
    /// The colour theme of a card's header (`header.template`).
    HeaderTemplate {
        Default = "default",
        Blue = "blue",
        Wathet = "wathet",
        Turquoise = "turquoise",
        Green = "green",
        Yellow = "yellow",
        Orange = "orange",
        Red = "red",
        Carmine = "carmine",
        Violet = "violet",
        Purple = "purple",
        Indigo = "indigo",
        Grey = "grey",
    }
}

lark_core::string_enum! {
    /// The colour of a text tag in the header (`text_tag.color`).
    TagColor {
        Neutral = "neutral",
        Blue = "blue",
        Turquoise = "turquoise",
        Lime = "lime",
        Orange = "orange",
        Violet = "violet",
        Indigo = "indigo",
        Wathet = "wathet",
        Green = "green",
        Yellow = "yellow",
        Red = "red",
        Purple = "purple",
        Carmine = "carmine",
    }
}

lark_core::string_enum! {
    /// A text colour (`text_color`, icon `color`): `default`, a palette colour, or an
    /// `Other` such as `rgba(…)` or a custom colour name from `config.style.color`.
    Color {
        Default = "default",
        Grey = "grey",
        Blue = "blue",
        Wathet = "wathet",
        Turquoise = "turquoise",
        Green = "green",
        Lime = "lime",
        Yellow = "yellow",
        Orange = "orange",
        Red = "red",
        Carmine = "carmine",
        Violet = "violet",
        Purple = "purple",
        Indigo = "indigo",
        White = "white",
        Black = "black",
    }
}

lark_core::string_enum! {
    /// The width of a card (`config.width_mode`).
    WidthMode {
        Default = "default",
        Compact = "compact",
        Fill = "fill",
    }
}

lark_core::string_enum! {
    /// A text size (`text_size`); `Other` for a custom size name from `config.style`.
    TextSize {
        Normal = "normal",
        Heading0 = "heading-0",
        Heading1 = "heading-1",
        Heading2 = "heading-2",
        Heading3 = "heading-3",
        Heading4 = "heading-4",
        Heading = "heading",
        Notation = "notation",
        XxxxLarge = "xxxx-large",
        XxxLarge = "xxx-large",
        XxLarge = "xx-large",
        XLarge = "x-large",
        Large = "large",
        Medium = "medium",
        Small = "small",
        XSmall = "x-small",
    }
}

lark_core::string_enum! {
    /// Horizontal alignment (`text_align`, `horizontal_align`).
    HorizontalAlign {
        Left = "left",
        Center = "center",
        Right = "right",
    }
}

lark_core::string_enum! {
    /// Vertical alignment (`vertical_align`).
    VerticalAlign {
        Top = "top",
        Center = "center",
        Bottom = "bottom",
    }
}

lark_core::string_enum! {
    /// How a container lays out its children (`direction`).
    Direction {
        Vertical = "vertical",
        Horizontal = "horizontal",
    }
}

lark_core::string_enum! {
    /// The style of a button (`button.type`).
    ButtonType {
        Default = "default",
        Primary = "primary",
        Danger = "danger",
        Text = "text",
        PrimaryText = "primary_text",
        DangerText = "danger_text",
        PrimaryFilled = "primary_filled",
        DangerFilled = "danger_filled",
        Laser = "laser",
    }
}

lark_core::string_enum! {
    /// The size of a button (`button.size`).
    ButtonSize {
        Medium = "medium",
        Tiny = "tiny",
        Small = "small",
        Large = "large",
    }
}

lark_core::string_enum! {
    /// The width of a button or an input-like component: `default`, `fill`, or a pixel
    /// width such as `Other("200px")`.
    Width {
        Default = "default",
        Fill = "fill",
        Auto = "auto",
    }
}

lark_core::string_enum! {
    /// The width of a column (`column.width`): `auto`, `weighted` (with `weight`), or a
    /// pixel width such as `Other("100px")`.
    ColumnWidth {
        Auto = "auto",
        Weighted = "weighted",
    }
}

lark_core::string_enum! {
    /// How a column set adapts to narrow screens (`column_set.flex_mode`).
    FlexMode {
        None = "none",
        Stretch = "stretch",
        Flow = "flow",
        Bisect = "bisect",
        Trisect = "trisect",
    }
}

lark_core::string_enum! {
    /// A container's background (`background_style`): `default`, `grey`, a palette colour,
    /// or an `Other` custom colour.
    BackgroundStyle {
        Default = "default",
        Grey = "grey",
    }
}

lark_core::string_enum! {
    /// How an image fills its box (`img.scale_type`).
    ImageScaleType {
        CropCenter = "crop_center",
        CropTop = "crop_top",
        FitHorizontal = "fit_horizontal",
    }
}

lark_core::string_enum! {
    /// The size of an image (`img.size`): a preset, or `Other("100px 100px")`.
    ImageSize {
        Large = "large",
        Medium = "medium",
        Small = "small",
        Tiny = "tiny",
        StretchWithoutPadding = "stretch_without_padding",
        Stretch = "stretch",
    }
}

lark_core::string_enum! {
    /// What an input takes (`input.input_type`).
    InputType {
        Text = "text",
        MultilineText = "multiline_text",
        Password = "password",
    }
}

lark_core::string_enum! {
    /// Where a label sits (`label_position`).
    LabelPosition {
        Top = "top",
        Left = "left",
    }
}

lark_core::string_enum! {
    /// The look of a select menu (`select_static.type`).
    SelectType {
        Default = "default",
        Text = "text",
    }
}

lark_core::string_enum! {
    /// What a button in a form does (`form_action_type`).
    FormActionType {
        Submit = "submit",
        Reset = "reset",
    }
}

lark_core::string_enum! {
    /// The height of a table's rows (`table.row_height`): a preset, or `Other("40px")`.
    RowHeight {
        Low = "low",
        Middle = "middle",
        High = "high",
        Auto = "auto",
    }
}

lark_core::string_enum! {
    /// The data type of a table column (`columns[].data_type`).
    TableDataType {
        Text = "text",
        LarkMd = "lark_md",
        Options = "options",
        Number = "number",
        Persons = "persons",
        Date = "date",
        Markdown = "markdown",
    }
}

lark_core::string_enum! {
    /// The aspect ratio of a chart (`chart.aspect_ratio`).
    AspectRatio {
        Square = "1:1",
        TwoToOne = "2:1",
        FourToThree = "4:3",
        SixteenToNine = "16:9",
    }
}

lark_core::string_enum! {
    /// The colour theme of a chart (`chart.color_theme`).
    ChartColorTheme {
        Brand = "brand",
        Rainbow = "rainbow",
        Complementary = "complementary",
        Converse = "converse",
        Primary = "primary",
    }
}

lark_core::string_enum! {
    /// Whether a text is plain or Lark markdown (`tag` of a text object; a collapsible
    /// panel's title also takes `markdown`).
    TextTag {
        PlainText = "plain_text",
        LarkMd = "lark_md",
        Markdown = "markdown",
    }
}

lark_core::string_enum! {
    /// Where a collapsible panel's header icon sits (`icon_position`).
    IconPosition {
        Left = "left",
        Right = "right",
        FollowText = "follow_text",
    }
}

inspect_leaf!(
    HeaderTemplate,
    TagColor,
    Color,
    WidthMode,
    TextSize,
    HorizontalAlign,
    VerticalAlign,
    Direction,
    ButtonType,
    ButtonSize,
    Width,
    ColumnWidth,
    FlexMode,
    BackgroundStyle,
    ImageScaleType,
    ImageSize,
    InputType,
    LabelPosition,
    SelectType,
    FormActionType,
    RowHeight,
    TableDataType,
    AspectRatio,
    ChartColorTheme,
    TextTag,
    IconPosition,
);

// ---------------------------------------------------------------------------------------
// Card

/// A card: card JSON 2.0 by default ([`Card::new`]), or the 1.0 structure ([`Card::v1`]).
///
/// JSON 2.0 puts the components under `body.elements` and rejects fields it does not know;
/// 1.0 puts them in a top-level `elements` (or `i18n_elements` per locale) and ignores unknown
/// fields.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[non_exhaustive]
#[must_use]
pub struct Card {
    /// `"2.0"` for card JSON 2.0; absent for 1.0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Global behaviour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<Config>,
    /// Where a click on the card leads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card_link: Option<MultiUrl>,
    /// The title bar.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<Header>,
    /// 1.0: the title bar per locale.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub i18n_header: Option<BTreeMap<String, Header>>,
    /// 2.0: the body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Body>,
    /// 1.0: the components.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub elements: Option<Vec<Element>>,
    /// 1.0: the components per locale (`zh_cn`, `en_us`, `ja_jp`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub i18n_elements: Option<BTreeMap<String, Vec<Element>>>,
    /// 1.0: the global fallback rule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback: Option<Value>,
    /// Fields this crate does not model, written back as read.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Card {
    /// An empty card JSON 2.0 card: `{"schema": "2.0", "body": {"elements": []}}`.
    pub fn new() -> Self {
        Self {
            schema: Some("2.0".to_owned()),
            body: Some(Body::default()),
            ..Self::default()
        }
    }

    /// An empty card in the 1.0 structure: `{}` (components go to `elements` as added).
    pub fn v1() -> Self {
        Self::default()
    }

    /// Whether the card is card JSON 2.0.
    pub fn is_v2(&self) -> bool {
        self.schema.as_deref() == Some("2.0")
    }

    /// Sets the global behaviour.
    pub fn config(mut self, config: Config) -> Self {
        self.config = Some(config);
        self
    }

    /// Sets the link a click on the card opens.
    pub fn card_link(mut self, link: MultiUrl) -> Self {
        self.card_link = Some(link);
        self
    }

    /// Sets the title bar.
    pub fn header(mut self, header: Header) -> Self {
        self.header = Some(header);
        self
    }

    /// Sets the body (2.0): its layout and elements.
    pub fn body(mut self, body: Body) -> Self {
        self.body = Some(body);
        self
    }

    /// Appends a component: to `body.elements` in 2.0, to `elements` in 1.0.
    pub fn element(mut self, element: impl Into<Element>) -> Self {
        let element = element.into();
        if self.is_v2() || self.body.is_some() {
            self.body
                .get_or_insert_with(Body::default)
                .elements
                .push(element);
        } else {
            self.elements.get_or_insert_with(Vec::new).push(element);
        }
        self
    }

    /// Appends components in order.
    pub fn elements(self, elements: impl IntoIterator<Item = Element>) -> Self {
        elements.into_iter().fold(self, Card::element)
    }

    /// 1.0: sets the components shown to readers of `locale` (`zh_cn`, `en_us`, …).
    pub fn i18n_elements(
        mut self,
        locale: impl Into<String>,
        elements: impl IntoIterator<Item = Element>,
    ) -> Self {
        self.i18n_elements
            .get_or_insert_with(BTreeMap::new)
            .insert(locale.into(), elements.into_iter().collect());
        self
    }

    /// 1.0: sets the title bar shown to readers of `locale`.
    pub fn i18n_header(mut self, locale: impl Into<String>, header: Header) -> Self {
        self.i18n_header
            .get_or_insert_with(BTreeMap::new)
            .insert(locale.into(), header);
        self
    }

    /// Sets a top-level field this crate does not model.
    pub fn field(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.extra.insert(key.into(), value.into());
        self
    }

    /// The card as JSON.
    pub fn to_value(&self) -> Result<Value> {
        serde_json::to_value(self)
            .map_err(|e| Error::Build(format!("the card cannot be serialized: {e}")))
    }

    /// The card as JSON text (what a message's `content` carries for `interactive`).
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string(self)
            .map_err(|e| Error::Build(format!("the card cannot be serialized: {e}")))
    }

    /// Where the card holds what this crate does not model, as paths such as
    /// `body.elements[2].future_field`: fields kept in an `extra` map, components kept as
    /// [`Element::Raw`], behaviours kept as [`Behavior::Raw`]. They are written back as read;
    /// an empty list means every field was typed.
    pub fn unknown_fields(&self) -> Vec<String> {
        let mut out = Vec::new();
        self.inspect("", &mut out);
        for path in &mut out {
            if let Some(rest) = path.strip_prefix('.') {
                *path = rest.to_owned();
            }
        }
        out
    }

    /// Reads a card from JSON. Components this crate does not know become [`Element::Raw`].
    pub fn from_value(value: Value) -> Result<Self> {
        match value {
            Value::Object(_) => {
                serde_json::from_value(value).map_err(|e| Error::Build(format!("not a card: {e}")))
            }
            _ => Err(Error::Build("a card must be a JSON object".to_owned())),
        }
    }
}

impl Inspect for Card {
    fn inspect(&self, path: &str, out: &mut Vec<String>) {
        for key in self.extra.keys() {
            out.push(format!("{path}.{key}"));
        }
        let Card {
            schema: _,
            config,
            card_link,
            header,
            i18n_header,
            body,
            elements,
            i18n_elements,
            fallback: _,
            extra: _,
        } = self;
        if let Some(v) = config {
            v.inspect(&format!("{path}.config"), out);
        }
        if let Some(v) = card_link {
            v.inspect(&format!("{path}.card_link"), out);
        }
        if let Some(v) = header {
            v.inspect(&format!("{path}.header"), out);
        }
        if let Some(v) = i18n_header {
            v.inspect(&format!("{path}.i18n_header"), out);
        }
        if let Some(v) = body {
            v.inspect(&format!("{path}.body"), out);
        }
        if let Some(v) = elements {
            v.inspect(&format!("{path}.elements"), out);
        }
        if let Some(v) = i18n_elements {
            v.inspect(&format!("{path}.i18n_elements"), out);
        }
    }
}

card_struct! {
    /// The card's global behaviour (`config`).
    Config {}
    optional {
        /// Streaming updates on (CardKit streaming cards).
        streaming_mode: bool,
        /// Streaming speed and step (`print_frequency_ms`, `print_step`, `print_strategy`).
        streaming_config: Value,
        /// The preview in the chat list: `{"content": "…", "i18n_content": {…}}`.
        summary: Summary,
        /// 2.0: the locales the card is written for.
        locales: Vec<String>,
        /// Whether the card can be forwarded.
        enable_forward: bool,
        /// A shared card (2.0 accepts `true` only).
        update_multi: bool,
        /// The card's width.
        width_mode: WidthMode,
        /// 1.0: the wide-screen layout (superseded by `width_mode`).
        wide_screen_mode: bool,
        /// Use the custom translations instead of machine translation.
        use_custom_translation: bool,
        /// A forwarded card stays interactive.
        enable_forward_interaction: bool,
        /// Custom text sizes and colours: `{"text_size": {…}, "color": {…}}`.
        style: Value,
    }
}

card_struct! {
    /// The chat-list preview of a card (`config.summary`).
    Summary {
        /// The preview text.
        content: String,
    }
    optional {
        /// The preview per locale.
        i18n_content: BTreeMap<String, String>,
    }
}

impl Summary {
    /// A preview text.
    pub fn new(content: impl Into<String>) -> Self {
        Self {
            content: content.into(),
            ..Self::default()
        }
    }
}

card_struct! {
    /// A link per platform (`card_link`, `multi_url`, an `open_url` behaviour's targets).
    MultiUrl {}
    optional {
        /// The default link.
        url: String,
        /// On Android.
        android_url: String,
        /// On iOS.
        ios_url: String,
        /// On desktop.
        pc_url: String,
    }
}

impl MultiUrl {
    /// One link for every platform.
    pub fn new(url: impl Into<String>) -> Self {
        Self::default().url(url)
    }
}

card_struct! {
    /// The body of a 2.0 card: layout and components.
    Body {
        /// The components, top to bottom.
        elements: Vec<Element>,
    }
    optional {
        /// `vertical` (default) or `horizontal`.
        direction: Direction,
        /// Inner padding, such as `"12px 8px"`.
        padding: String,
        /// Gap between components laid out horizontally.
        horizontal_spacing: String,
        /// Gap between components laid out vertically.
        vertical_spacing: String,
        /// Horizontal alignment of the components.
        horizontal_align: HorizontalAlign,
        /// Vertical alignment of the components.
        vertical_align: VerticalAlign,
    }
}

card_struct! {
    /// A text object: `{"tag": "plain_text" | "lark_md", "content": "…"}` with optional
    /// i18n and style.
    CardText {
        /// `plain_text` or `lark_md`.
        tag: TextTag,
        /// The text.
        content: String,
    }
    optional {
        /// The text per locale (`zh_cn`, `en_us`, …).
        i18n_content: BTreeMap<String, String>,
        /// Size.
        text_size: TextSize,
        /// Colour.
        text_color: Color,
        /// Alignment.
        text_align: HorizontalAlign,
        /// At most this many lines; the rest is cut with an ellipsis.
        lines: u32,
    }
}

impl CardText {
    /// Plain text.
    pub fn plain(content: impl Into<String>) -> Self {
        Self {
            tag: TextTag::PlainText,
            content: content.into(),
            ..Self::default()
        }
    }

    /// Lark markdown.
    pub fn lark_md(content: impl Into<String>) -> Self {
        Self {
            tag: TextTag::LarkMd,
            content: content.into(),
            ..Self::default()
        }
    }

    /// Markdown, as a collapsible panel's title takes it (`markdown`).
    pub fn markdown(content: impl Into<String>) -> Self {
        Self {
            tag: TextTag::Markdown,
            content: content.into(),
            ..Self::default()
        }
    }

    /// Adds the text for `locale`.
    pub fn i18n(mut self, locale: impl Into<String>, content: impl Into<String>) -> Self {
        self.i18n_content
            .get_or_insert_with(BTreeMap::new)
            .insert(locale.into(), content.into());
        self
    }
}

impl From<&str> for CardText {
    fn from(content: &str) -> Self {
        Self::plain(content)
    }
}

impl From<String> for CardText {
    fn from(content: String) -> Self {
        Self::plain(content)
    }
}

card_struct! {
    /// An icon: a library icon (`standard_icon` with `token`) or an uploaded image
    /// (`custom_icon` with `img_key`).
    Icon {
        /// `standard_icon` or `custom_icon`.
        tag: String,
    }
    optional {
        /// The library icon's token, such as `chat-forbidden_outlined`.
        token: String,
        /// The library icon's colour.
        color: Color,
        /// The uploaded image's key.
        img_key: String,
        /// The icon's size, such as `"16px 16px"` (collapsible panel headers).
        size: String,
    }
}

impl Icon {
    /// A library icon by token.
    pub fn standard(token: impl Into<String>) -> Self {
        Self {
            tag: "standard_icon".to_owned(),
            token: Some(token.into()),
            ..Self::default()
        }
    }

    /// An icon from an uploaded image.
    pub fn custom(img_key: impl Into<String>) -> Self {
        Self {
            tag: "custom_icon".to_owned(),
            img_key: Some(img_key.into()),
            ..Self::default()
        }
    }
}

card_struct! {
    /// The title bar (`header`).
    Header {
        /// The title.
        title: CardText,
    }
    optional {
        /// The subtitle.
        subtitle: CardText,
        /// Tags after the title (at most three).
        text_tag_list: Vec<HeaderTag>,
        /// Tags per locale.
        i18n_text_tag_list: BTreeMap<String, Vec<HeaderTag>>,
        /// The colour theme.
        template: HeaderTemplate,
        /// The icon before the title.
        icon: Icon,
        /// 1.0: a image before the title (`{"img_key": …}`).
        ud_icon: Value,
        /// Inner padding.
        padding: String,
    }
}

impl Header {
    /// A header with a plain-text title.
    pub fn new(title: impl Into<CardText>) -> Self {
        Self {
            title: title.into(),
            ..Self::default()
        }
    }

    /// Appends a tag after the title.
    pub fn tag(mut self, tag: HeaderTag) -> Self {
        self.text_tag_list.get_or_insert_with(Vec::new).push(tag);
        self
    }
}

card_struct! {
    /// A tag in the header: `{"tag": "text_tag", "text": {…}, "color": "…"}`.
    HeaderTag {
        /// Always `text_tag`.
        tag: String,
        /// The tag's text.
        text: CardText,
    }
    optional {
        /// The tag's colour.
        color: TagColor,
        /// The element id.
        element_id: String,
    }
}

impl HeaderTag {
    /// A tag showing `text` in `color`.
    pub fn new(text: impl Into<CardText>, color: TagColor) -> Self {
        Self {
            tag: "text_tag".to_owned(),
            text: text.into(),
            color: Some(color),
            ..Self::default()
        }
    }
}

// ---------------------------------------------------------------------------------------
// Behaviours

/// What an interaction does (`behaviors[]`): send a callback, or open a link.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
#[non_exhaustive]
pub enum Behavior {
    /// `{"type": "callback", "value": …}`: the app receives `card.action.trigger` with `value`.
    #[serde(rename = "callback")]
    Callback {
        /// What the callback carries back (an object or a string).
        value: Value,
    },
    /// `{"type": "open_url", "default_url": …}`: the client opens a link.
    #[serde(rename = "open_url")]
    OpenUrl {
        /// The default link.
        default_url: String,
        /// On Android.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        android_url: Option<String>,
        /// On iOS.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        ios_url: Option<String>,
        /// On desktop.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pc_url: Option<String>,
    },
    /// A behaviour this crate does not know, as sent.
    #[serde(untagged)]
    Raw(Value),
}

impl Behavior {
    /// A callback carrying `value`.
    pub fn callback(value: impl Into<Value>) -> Self {
        Self::Callback {
            value: value.into(),
        }
    }

    /// Opens `url` on every platform.
    pub fn open_url(url: impl Into<String>) -> Self {
        Self::OpenUrl {
            default_url: url.into(),
            android_url: None,
            ios_url: None,
            pc_url: None,
        }
    }
}

impl Inspect for Behavior {
    fn inspect(&self, path: &str, out: &mut Vec<String>) {
        if let Behavior::Raw(_) = self {
            out.push(path.to_owned());
        }
    }
}

card_struct! {
    /// A confirmation dialog before an interaction takes effect (`confirm`).
    Confirm {
        /// The dialog's title.
        title: CardText,
        /// The dialog's text.
        text: CardText,
    }
    optional {}
}

impl Confirm {
    /// A dialog with a title and a text.
    pub fn new(title: impl Into<CardText>, text: impl Into<CardText>) -> Self {
        Self {
            title: title.into(),
            text: text.into(),
            ..Self::default()
        }
    }
}

// ---------------------------------------------------------------------------------------
// Elements

/// One card component, tagged by `tag`.
///
/// Unknown tags (and components whose fields do not match) read as [`Element::Raw`] and are
/// written back unchanged.
// A card holds tens of components, built once and serialised: the size of the largest is
// no cost worth boxing every variant (and every `match`) for.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "tag")]
#[non_exhaustive]
pub enum Element {
    /// `markdown`: rich text.
    #[serde(rename = "markdown")]
    Markdown(Markdown),
    /// `div`: plain text (2.0) or a text with fields and an extra (1.0).
    #[serde(rename = "div")]
    Div(Div),
    /// `img`: an image.
    #[serde(rename = "img")]
    Image(Image),
    /// `hr`: a divider.
    #[serde(rename = "hr")]
    Divider(Divider),
    /// `column_set`: columns side by side.
    #[serde(rename = "column_set")]
    ColumnSet(ColumnSet),
    /// `button`.
    #[serde(rename = "button")]
    Button(Button),
    /// `interactive_container`: a clickable container.
    #[serde(rename = "interactive_container")]
    InteractiveContainer(InteractiveContainer),
    /// `form`: a form container whose inputs are submitted together.
    #[serde(rename = "form")]
    Form(Form),
    /// `input`: a text input.
    #[serde(rename = "input")]
    Input(Input),
    /// `select_static`: a single-choice dropdown.
    #[serde(rename = "select_static")]
    SelectStatic(SelectStatic),
    /// `multi_select_static`: a multiple-choice dropdown.
    #[serde(rename = "multi_select_static")]
    MultiSelectStatic(MultiSelectStatic),
    /// `select_person`: a single-person picker.
    #[serde(rename = "select_person")]
    SelectPerson(SelectPerson),
    /// `multi_select_person`: a multiple-person picker.
    #[serde(rename = "multi_select_person")]
    MultiSelectPerson(MultiSelectPerson),
    /// `date_picker`.
    #[serde(rename = "date_picker")]
    DatePicker(DatePicker),
    /// `picker_time`: a time picker.
    #[serde(rename = "picker_time")]
    TimePicker(TimePicker),
    /// `picker_datetime`: a date and time picker.
    #[serde(rename = "picker_datetime")]
    DateTimePicker(DateTimePicker),
    /// `checker`: a task with a check box.
    #[serde(rename = "checker")]
    Checker(Checker),
    /// `collapsible_panel`: a folding panel.
    #[serde(rename = "collapsible_panel")]
    CollapsiblePanel(CollapsiblePanel),
    /// `table`.
    #[serde(rename = "table")]
    Table(Table),
    /// `chart`: a VChart chart.
    #[serde(rename = "chart")]
    Chart(Chart),
    /// `action`: 1.0's row of interactive components.
    #[serde(rename = "action")]
    Action(Action),
    /// `note`: 1.0's footnote.
    #[serde(rename = "note")]
    Note(Note),
    /// A component this crate does not model, as JSON (it must carry its `tag`).
    #[serde(untagged)]
    Raw(Value),
}

impl Element {
    /// A markdown component.
    pub fn markdown(content: impl Into<String>) -> Self {
        Self::Markdown(Markdown::new(content))
    }

    /// A plain-text component (`div` with a `plain_text`).
    pub fn plain_text(content: impl Into<String>) -> Self {
        Self::Div(Div::new(CardText::plain(content)))
    }

    /// An image by `img_key`.
    pub fn image(img_key: impl Into<String>) -> Self {
        Self::Image(Image::new(img_key))
    }

    /// A divider.
    pub fn divider() -> Self {
        Self::Divider(Divider::default())
    }

    /// A button showing `text` that sends a callback with `value`.
    pub fn callback_button(text: impl Into<CardText>, value: impl Into<Value>) -> Self {
        Self::Button(Button::new(text).callback(value))
    }

    /// A component given as JSON, for anything newer than this crate. Written as given.
    pub fn raw(value: Value) -> Self {
        Self::Raw(value)
    }

    /// The component's `tag`.
    pub fn tag(&self) -> Option<&str> {
        Some(match self {
            Self::Markdown(_) => "markdown",
            Self::Div(_) => "div",
            Self::Image(_) => "img",
            Self::Divider(_) => "hr",
            Self::ColumnSet(_) => "column_set",
            Self::Button(_) => "button",
            Self::InteractiveContainer(_) => "interactive_container",
            Self::Form(_) => "form",
            Self::Input(_) => "input",
            Self::SelectStatic(_) => "select_static",
            Self::MultiSelectStatic(_) => "multi_select_static",
            Self::SelectPerson(_) => "select_person",
            Self::MultiSelectPerson(_) => "multi_select_person",
            Self::DatePicker(_) => "date_picker",
            Self::TimePicker(_) => "picker_time",
            Self::DateTimePicker(_) => "picker_datetime",
            Self::Checker(_) => "checker",
            Self::CollapsiblePanel(_) => "collapsible_panel",
            Self::Table(_) => "table",
            Self::Chart(_) => "chart",
            Self::Action(_) => "action",
            Self::Note(_) => "note",
            Self::Raw(value) => return value.get("tag").and_then(Value::as_str),
        })
    }
}

impl Inspect for Element {
    fn inspect(&self, path: &str, out: &mut Vec<String>) {
        match self {
            Self::Markdown(e) => e.inspect(path, out),
            Self::Div(e) => e.inspect(path, out),
            Self::Image(e) => e.inspect(path, out),
            Self::Divider(e) => e.inspect(path, out),
            Self::ColumnSet(e) => e.inspect(path, out),
            Self::Button(e) => e.inspect(path, out),
            Self::InteractiveContainer(e) => e.inspect(path, out),
            Self::Form(e) => e.inspect(path, out),
            Self::Input(e) => e.inspect(path, out),
            Self::SelectStatic(e) => e.inspect(path, out),
            Self::MultiSelectStatic(e) => e.inspect(path, out),
            Self::SelectPerson(e) => e.inspect(path, out),
            Self::MultiSelectPerson(e) => e.inspect(path, out),
            Self::DatePicker(e) => e.inspect(path, out),
            Self::TimePicker(e) => e.inspect(path, out),
            Self::DateTimePicker(e) => e.inspect(path, out),
            Self::Checker(e) => e.inspect(path, out),
            Self::CollapsiblePanel(e) => e.inspect(path, out),
            Self::Table(e) => e.inspect(path, out),
            Self::Chart(e) => e.inspect(path, out),
            Self::Action(e) => e.inspect(path, out),
            Self::Note(e) => e.inspect(path, out),
            Self::Raw(_) => out.push(path.to_owned()),
        }
    }
}

macro_rules! into_element {
    ($($ty:ident => $variant:ident,)*) => {
        $(
            impl From<$ty> for Element {
                fn from(value: $ty) -> Self {
                    Element::$variant(value)
                }
            }
        )*
    };
}

into_element! {
    Markdown => Markdown,
    Div => Div,
    Image => Image,
    Divider => Divider,
    ColumnSet => ColumnSet,
    Button => Button,
    InteractiveContainer => InteractiveContainer,
    Form => Form,
    Input => Input,
    SelectStatic => SelectStatic,
    MultiSelectStatic => MultiSelectStatic,
    SelectPerson => SelectPerson,
    MultiSelectPerson => MultiSelectPerson,
    DatePicker => DatePicker,
    TimePicker => TimePicker,
    DateTimePicker => DateTimePicker,
    Checker => Checker,
    CollapsiblePanel => CollapsiblePanel,
    Table => Table,
    Chart => Chart,
    Action => Action,
    Note => Note,
}

impl From<Value> for Element {
    fn from(value: Value) -> Self {
        Element::Raw(value)
    }
}

card_struct! {
    /// `markdown`: Lark markdown (headings, lists, code, links, @mentions, colours, …).
    Markdown {
        /// The markdown.
        content: String,
    }
    optional {
        /// The id for later updates.
        element_id: String,
        /// Outer margin, such as `"0px 0px 0px 0px"`.
        margin: String,
        /// The markdown per locale.
        i18n_content: BTreeMap<String, String>,
        /// Size.
        text_size: TextSize,
        /// Alignment.
        text_align: HorizontalAlign,
        /// An icon before the text.
        icon: Icon,
        /// 1.0: a link per platform for `[text]($urlVal)`.
        href: Value,
    }
}

impl Markdown {
    /// A markdown component.
    pub fn new(content: impl Into<String>) -> Self {
        Self {
            content: content.into(),
            ..Self::default()
        }
    }
}

card_struct! {
    /// `div`: a plain-text component (2.0), or 1.0's text with `fields` and an `extra`.
    Div {}
    optional {
        /// The id for later updates.
        element_id: String,
        /// Outer margin.
        margin: String,
        /// The width: `fill`, `auto` or pixels.
        width: Width,
        /// The text.
        text: CardText,
        /// An icon before the text.
        icon: Icon,
        /// Text fields in two columns (`is_short`) under the text.
        fields: Vec<DivField>,
        /// 1.0: a component beside the text.
        extra_element: Value,
    }
}

card_struct! {
    /// One text field of a `div` (`fields[]`).
    DivField {
        /// The field's text.
        text: CardText,
    }
    optional {
        /// Half width: two short fields share a line.
        is_short: bool,
    }
}

impl DivField {
    /// A field showing `text`, half width when `is_short`.
    pub fn new(text: impl Into<CardText>, is_short: bool) -> Self {
        Self {
            text: text.into(),
            is_short: Some(is_short),
            ..Self::default()
        }
    }
}

impl Div {
    /// A text component.
    pub fn new(text: impl Into<CardText>) -> Self {
        Self::default().text(text)
    }
}

card_struct! {
    /// `img`: an image uploaded through the image upload API.
    Image {
        /// The image's key (`img_v2_…`).
        img_key: String,
    }
    optional {
        /// The id for later updates.
        element_id: String,
        /// Outer margin.
        margin: String,
        /// Hover text (`plain_text`).
        alt: CardText,
        /// A title above the image.
        title: CardText,
        /// Corner radius, such as `"8px"` or `"50%"`.
        corner_radius: String,
        /// How the image fills its box.
        scale_type: ImageScaleType,
        /// The size.
        size: ImageSize,
        /// Transparent background.
        transparent: bool,
        /// Click to preview.
        preview: bool,
        /// 1.0: the display mode (`fit_horizontal`, `crop_center`, …).
        mode: String,
        /// 1.0: the maximum width (`300` or `"300px"` in the docs' examples).
        custom_width: Value,
        /// 1.0: compact (278px) width.
        compact_width: bool,
    }
}

impl Image {
    /// An image by key.
    pub fn new(img_key: impl Into<String>) -> Self {
        Self {
            img_key: img_key.into(),
            ..Self::default()
        }
    }
}

card_struct! {
    /// `hr`: a divider.
    Divider {}
    optional {
        /// The id for later updates.
        element_id: String,
        /// Outer margin.
        margin: String,
    }
}

card_struct! {
    /// `column_set`: columns side by side.
    ColumnSet {
        /// The columns, left to right.
        columns: Vec<Column>,
    }
    optional {
        /// The id for later updates.
        element_id: String,
        /// Outer margin.
        margin: String,
        /// How the columns adapt to narrow screens.
        flex_mode: FlexMode,
        /// Gap between columns.
        horizontal_spacing: String,
        /// Horizontal alignment of the columns.
        horizontal_align: HorizontalAlign,
        /// Background.
        background_style: BackgroundStyle,
        /// What a click on the set opens.
        action: ColumnAction,
    }
}

card_struct! {
    /// What a click on a column or a column set opens (`action`).
    ColumnAction {}
    optional {
        /// The link per platform.
        multi_url: MultiUrl,
    }
}

impl ColumnAction {
    /// Opens `link` on click.
    pub fn new(link: MultiUrl) -> Self {
        Self::default().multi_url(link)
    }
}

impl ColumnSet {
    /// A column set with these columns.
    pub fn new(columns: impl IntoIterator<Item = Column>) -> Self {
        Self {
            columns: columns.into_iter().collect(),
            ..Self::default()
        }
    }

    /// Appends a column.
    pub fn column(mut self, column: Column) -> Self {
        self.columns.push(column);
        self
    }
}

card_struct! {
    /// `column`: one column of a column set.
    Column {
        /// Always `column`.
        tag: String,
        /// The column's components.
        elements: Vec<Element>,
    }
    optional {
        /// The id for later updates.
        element_id: String,
        /// `auto`, `weighted` (with `weight`) or pixels.
        width: ColumnWidth,
        /// The weight when `width` is `weighted` (1 to 5).
        weight: u32,
        /// Background.
        background_style: BackgroundStyle,
        /// Inner padding.
        padding: String,
        /// Outer margin.
        margin: String,
        /// Layout of the components.
        direction: Direction,
        /// Gap between components laid out horizontally.
        horizontal_spacing: String,
        /// Gap between components laid out vertically.
        vertical_spacing: String,
        /// Horizontal alignment of the components.
        horizontal_align: HorizontalAlign,
        /// Vertical alignment of the components.
        vertical_align: VerticalAlign,
        /// What a click on the column opens.
        action: ColumnAction,
    }
}

impl Column {
    /// A column with these components.
    pub fn new(elements: impl IntoIterator<Item = Element>) -> Self {
        Self {
            tag: "column".to_owned(),
            elements: elements.into_iter().collect(),
            ..Self::default()
        }
    }

    /// Appends a component.
    pub fn element(mut self, element: impl Into<Element>) -> Self {
        self.elements.push(element.into());
        self
    }
}

card_struct! {
    /// `button`.
    Button {}
    optional {
        /// The id for later updates.
        element_id: String,
        /// Outer margin.
        margin: String,
        /// The style.
        kind = "type": ButtonType,
        /// The size.
        size: ButtonSize,
        /// `default`, `fill` or pixels.
        width: Width,
        /// The label.
        text: CardText,
        /// An icon before the label.
        icon: Icon,
        /// Hover text.
        hover_tips: CardText,
        /// Greyed out.
        disabled: bool,
        /// Hover text when disabled.
        disabled_tips: CardText,
        /// A confirmation dialog.
        confirm: Confirm,
        /// What a click does.
        behaviors: Vec<Behavior>,
        /// In a form: submit or reset it.
        form_action_type: FormActionType,
        /// The component's name (required in a form).
        name: String,
        /// 1.0: a link (superseded by behaviours).
        url: String,
        /// 1.0: links per platform.
        multi_url: MultiUrl,
        /// 1.0: the callback value (superseded by behaviours).
        value: Value,
        /// Deprecated: `link`, `request`, `multi`, `form_submit`, `form_reset` (superseded by
        /// behaviours and `form_action_type`).
        action_type: String,
    }
}

impl Button {
    /// A button with a label.
    pub fn new(text: impl Into<CardText>) -> Self {
        Self::default().text(text)
    }

    /// Appends a behaviour.
    pub fn behavior(mut self, behavior: Behavior) -> Self {
        self.behaviors.get_or_insert_with(Vec::new).push(behavior);
        self
    }

    /// Sends a callback with `value` on click.
    pub fn callback(self, value: impl Into<Value>) -> Self {
        self.behavior(Behavior::callback(value))
    }

    /// Opens `url` on click.
    pub fn open_url(self, url: impl Into<String>) -> Self {
        self.behavior(Behavior::open_url(url))
    }
}

card_struct! {
    /// `interactive_container`: a container that reacts to clicks.
    InteractiveContainer {
        /// The components inside.
        elements: Vec<Element>,
    }
    optional {
        /// The id for later updates.
        element_id: String,
        /// Outer margin.
        margin: String,
        /// `fill`, `auto` or pixels.
        width: Width,
        /// `auto` or pixels.
        height: String,
        /// Background.
        background_style: BackgroundStyle,
        /// A border.
        has_border: bool,
        /// The border's colour.
        border_color: Color,
        /// Corner radius.
        corner_radius: String,
        /// Inner padding.
        padding: String,
        /// Layout of the components.
        direction: Direction,
        /// Gap between components laid out horizontally.
        horizontal_spacing: String,
        /// Gap between components laid out vertically.
        vertical_spacing: String,
        /// Horizontal alignment of the components.
        horizontal_align: HorizontalAlign,
        /// Vertical alignment of the components.
        vertical_align: VerticalAlign,
        /// What a click does.
        behaviors: Vec<Behavior>,
        /// Hover text.
        hover_tips: CardText,
        /// Greyed out.
        disabled: bool,
        /// Hover text when disabled.
        disabled_tips: CardText,
        /// A confirmation dialog.
        confirm: Confirm,
    }
}

impl InteractiveContainer {
    /// A container with these components.
    pub fn new(elements: impl IntoIterator<Item = Element>) -> Self {
        Self {
            elements: elements.into_iter().collect(),
            ..Self::default()
        }
    }

    /// Appends a behaviour.
    pub fn behavior(mut self, behavior: Behavior) -> Self {
        self.behaviors.get_or_insert_with(Vec::new).push(behavior);
        self
    }
}

card_struct! {
    /// `form`: a form container; a button with `form_action_type: submit` submits every
    /// input in it at once.
    Form {
        /// The form's name, unique in the card.
        name: String,
        /// The components inside.
        elements: Vec<Element>,
    }
    optional {
        /// The id for later updates.
        element_id: String,
        /// Outer margin.
        margin: String,
        /// Inner padding.
        padding: String,
        /// Layout of the components.
        direction: Direction,
        /// Gap between components laid out horizontally.
        horizontal_spacing: String,
        /// Gap between components laid out vertically.
        vertical_spacing: String,
        /// Horizontal alignment of the components.
        horizontal_align: HorizontalAlign,
        /// Vertical alignment of the components.
        vertical_align: VerticalAlign,
    }
}

impl Form {
    /// A form named `name` with these components.
    pub fn new(name: impl Into<String>, elements: impl IntoIterator<Item = Element>) -> Self {
        Self {
            name: name.into(),
            elements: elements.into_iter().collect(),
            ..Self::default()
        }
    }

    /// Appends a component.
    pub fn element(mut self, element: impl Into<Element>) -> Self {
        self.elements.push(element.into());
        self
    }
}

card_struct! {
    /// `input`: a text input.
    Input {}
    optional {
        /// The id for later updates.
        element_id: String,
        /// Outer margin.
        margin: String,
        /// The name (required in a form).
        name: String,
        /// Must be filled before a form submits.
        required: bool,
        /// Greyed out.
        disabled: bool,
        /// Hint shown when empty.
        placeholder: CardText,
        /// Hover text when disabled.
        disabled_tips: CardText,
        /// The initial value.
        default_value: String,
        /// `default`, `fill` or pixels.
        width: Width,
        /// At most this many characters.
        max_length: u32,
        /// Text, multi-line text or password.
        input_type: InputType,
        /// Show the password-visibility icon.
        show_icon: bool,
        /// Lines shown for multi-line text.
        rows: u32,
        /// Grow with the text.
        auto_resize: bool,
        /// Lines at most when growing.
        max_rows: u32,
        /// A label.
        label: CardText,
        /// Where the label sits.
        label_position: LabelPosition,
        /// A value sent back with the input's callback.
        value: Value,
        /// What submitting the input does.
        behaviors: Vec<Behavior>,
        /// A confirmation dialog.
        confirm: Confirm,
        /// What older clients show instead.
        fallback: Value,
    }
}

impl Input {
    /// An input named `name`.
    pub fn new(name: impl Into<String>) -> Self {
        Self::default().name(name)
    }
}

card_struct! {
    /// One option of a select menu.
    SelectOption {
        /// The value sent back when chosen.
        value: String,
    }
    optional {
        /// The option's text (person pickers leave it out).
        text: CardText,
        /// An icon before the text.
        icon: Icon,
    }
}

impl SelectOption {
    /// An option showing `text` with `value`.
    pub fn new(text: impl Into<CardText>, value: impl Into<String>) -> Self {
        Self {
            value: value.into(),
            text: Some(text.into()),
            ..Self::default()
        }
    }

    /// A person option by open id (for person pickers).
    pub fn person(open_id: impl Into<String>) -> Self {
        Self {
            value: open_id.into(),
            ..Self::default()
        }
    }
}

card_struct! {
    /// `select_static`: a single-choice dropdown.
    SelectStatic {
        /// The options.
        options: Vec<SelectOption>,
    }
    optional {
        /// The id for later updates.
        element_id: String,
        /// Outer margin.
        margin: String,
        /// The look.
        kind = "type": SelectType,
        /// The name (required in a form).
        name: String,
        /// Must be chosen before a form submits.
        required: bool,
        /// Greyed out.
        disabled: bool,
        /// Hint shown when nothing is chosen.
        placeholder: CardText,
        /// `default`, `fill` or pixels.
        width: Width,
        /// The value chosen at first.
        initial_option: String,
        /// The option chosen at first, counted from 1 (0: none).
        initial_index: u32,
        /// What choosing does.
        behaviors: Vec<Behavior>,
        /// A confirmation dialog.
        confirm: Confirm,
        /// 1.0: the callback value.
        value: Value,
    }
}

impl SelectStatic {
    /// A dropdown with these options.
    pub fn new(options: impl IntoIterator<Item = SelectOption>) -> Self {
        Self {
            options: options.into_iter().collect(),
            ..Self::default()
        }
    }
}

card_struct! {
    /// `multi_select_static`: a multiple-choice dropdown.
    MultiSelectStatic {
        /// The options.
        options: Vec<SelectOption>,
    }
    optional {
        /// The id for later updates.
        element_id: String,
        /// Outer margin.
        margin: String,
        /// The look.
        kind = "type": SelectType,
        /// The name (required in a form).
        name: String,
        /// Must be chosen before a form submits.
        required: bool,
        /// Greyed out.
        disabled: bool,
        /// Hint shown when nothing is chosen.
        placeholder: CardText,
        /// `default`, `fill` or pixels.
        width: Width,
        /// The values chosen at first.
        selected_values: Vec<String>,
        /// What choosing does.
        behaviors: Vec<Behavior>,
        /// A confirmation dialog.
        confirm: Confirm,
    }
}

impl MultiSelectStatic {
    /// A dropdown with these options.
    pub fn new(options: impl IntoIterator<Item = SelectOption>) -> Self {
        Self {
            options: options.into_iter().collect(),
            ..Self::default()
        }
    }
}

card_struct! {
    /// `select_person`: a single-person picker.
    SelectPerson {}
    optional {
        /// The id for later updates.
        element_id: String,
        /// Outer margin.
        margin: String,
        /// The look.
        kind = "type": SelectType,
        /// The name (required in a form).
        name: String,
        /// Must be chosen before a form submits.
        required: bool,
        /// Greyed out.
        disabled: bool,
        /// Hint shown when nobody is chosen.
        placeholder: CardText,
        /// `default`, `fill` or pixels.
        width: Width,
        /// The open id chosen at first.
        initial_option: String,
        /// The people to choose from (absent: the chat's members).
        options: Vec<SelectOption>,
        /// What choosing does.
        behaviors: Vec<Behavior>,
        /// A confirmation dialog.
        confirm: Confirm,
    }
}

card_struct! {
    /// `multi_select_person`: a multiple-person picker.
    MultiSelectPerson {}
    optional {
        /// The id for later updates.
        element_id: String,
        /// Outer margin.
        margin: String,
        /// The look.
        kind = "type": SelectType,
        /// The name (required in a form).
        name: String,
        /// Must be chosen before a form submits.
        required: bool,
        /// Greyed out.
        disabled: bool,
        /// Hint shown when nobody is chosen.
        placeholder: CardText,
        /// `default`, `fill` or pixels.
        width: Width,
        /// The open ids chosen at first.
        selected_values: Vec<String>,
        /// The people to choose from (absent: the chat's members).
        options: Vec<SelectOption>,
        /// What choosing does.
        behaviors: Vec<Behavior>,
        /// A confirmation dialog.
        confirm: Confirm,
    }
}

card_struct! {
    /// `date_picker`: picks a date (`YYYY-MM-DD`).
    DatePicker {}
    optional {
        /// The id for later updates.
        element_id: String,
        /// Outer margin.
        margin: String,
        /// The name (required in a form).
        name: String,
        /// Must be picked before a form submits.
        required: bool,
        /// Greyed out.
        disabled: bool,
        /// The date at first, `YYYY-MM-DD`.
        initial_date: String,
        /// Hint shown when nothing is picked.
        placeholder: CardText,
        /// `default`, `fill` or pixels.
        width: Width,
        /// What picking does.
        behaviors: Vec<Behavior>,
        /// A confirmation dialog.
        confirm: Confirm,
        /// 1.0: the callback value.
        value: Value,
    }
}

card_struct! {
    /// `picker_time`: picks a time (`HH:mm`).
    TimePicker {}
    optional {
        /// The id for later updates.
        element_id: String,
        /// Outer margin.
        margin: String,
        /// The name (required in a form).
        name: String,
        /// Must be picked before a form submits.
        required: bool,
        /// Greyed out.
        disabled: bool,
        /// The time at first, `HH:mm`.
        initial_time: String,
        /// Hint shown when nothing is picked.
        placeholder: CardText,
        /// `default`, `fill` or pixels.
        width: Width,
        /// What picking does.
        behaviors: Vec<Behavior>,
        /// A confirmation dialog.
        confirm: Confirm,
        /// 1.0: the callback value.
        value: Value,
    }
}

card_struct! {
    /// `picker_datetime`: picks a date and time (`YYYY-MM-DD HH:mm`).
    DateTimePicker {}
    optional {
        /// The id for later updates.
        element_id: String,
        /// Outer margin.
        margin: String,
        /// The name (required in a form).
        name: String,
        /// Must be picked before a form submits.
        required: bool,
        /// Greyed out.
        disabled: bool,
        /// The date and time at first, `YYYY-MM-DD HH:mm`.
        initial_datetime: String,
        /// Hint shown when nothing is picked.
        placeholder: CardText,
        /// `default`, `fill` or pixels.
        width: Width,
        /// What picking does.
        behaviors: Vec<Behavior>,
        /// A confirmation dialog.
        confirm: Confirm,
        /// 1.0: the callback value.
        value: Value,
    }
}

card_struct! {
    /// `checker`: a task line with a check box.
    Checker {}
    optional {
        /// The id for later updates.
        element_id: String,
        /// Outer margin.
        margin: String,
        /// Inner padding.
        padding: String,
        /// The name (required in a form).
        name: String,
        /// Checked at first.
        checked: bool,
        /// The text.
        text: CardText,
        /// The whole line toggles, not only the box.
        overall_checkable: bool,
        /// Buttons on the line.
        button_area: ButtonArea,
        /// Style when checked.
        checked_style: CheckedStyle,
        /// What toggling does.
        behaviors: Vec<Behavior>,
        /// Hover text.
        hover_tips: CardText,
        /// Greyed out.
        disabled: bool,
        /// Hover text when disabled.
        disabled_tips: CardText,
        /// A confirmation dialog.
        confirm: Confirm,
    }
}

card_struct! {
    /// The buttons on a checker's line (`button_area`).
    ButtonArea {
        /// At most three buttons (`button` components).
        buttons: Vec<Element>,
    }
    optional {
        /// On desktop: `always` or `on_hover`.
        pc_display_rule: String,
    }
}

impl ButtonArea {
    /// A button area with these buttons.
    pub fn new(buttons: impl IntoIterator<Item = Element>) -> Self {
        Self {
            buttons: buttons.into_iter().collect(),
            ..Self::default()
        }
    }
}

card_struct! {
    /// How a checked checker looks (`checked_style`).
    CheckedStyle {}
    optional {
        /// Strike the text through.
        show_strikethrough: bool,
        /// Opacity of the text, 0 to 1.
        opacity: serde_json::Number,
    }
}

impl Checker {
    /// A checker with a text.
    pub fn new(text: impl Into<CardText>) -> Self {
        Self::default().text(text)
    }
}

card_struct! {
    /// The header of a collapsible panel.
    PanelHeader {
        /// The title (`plain_text` or `markdown`).
        title: CardText,
    }
    optional {
        /// Background colour.
        background_color: String,
        /// Vertical alignment.
        vertical_align: VerticalAlign,
        /// Inner padding.
        padding: String,
        /// `top` (default) or `bottom`.
        position: String,
        /// `fill`, `auto` or pixels.
        width: Width,
        /// The fold icon.
        icon: Icon,
        /// Where the icon sits.
        icon_position: IconPosition,
        /// The icon's rotation when expanded, in degrees.
        icon_expanded_angle: i32,
    }
}

impl PanelHeader {
    /// A panel header with a title.
    pub fn new(title: impl Into<CardText>) -> Self {
        Self {
            title: title.into(),
            ..Self::default()
        }
    }
}

card_struct! {
    /// `collapsible_panel`: a panel that folds its components away.
    CollapsiblePanel {
        /// The panel's header.
        header: PanelHeader,
        /// The components inside.
        elements: Vec<Element>,
    }
    optional {
        /// The id for later updates.
        element_id: String,
        /// Outer margin.
        margin: String,
        /// Open at first.
        expanded: bool,
        /// Background colour.
        background_color: String,
        /// The border.
        border: PanelBorder,
        /// Gap between components laid out vertically.
        vertical_spacing: String,
        /// Gap between components laid out horizontally.
        horizontal_spacing: String,
        /// Inner padding.
        padding: String,
        /// Layout of the components.
        direction: Direction,
        /// Horizontal alignment of the components.
        horizontal_align: HorizontalAlign,
        /// Vertical alignment of the components.
        vertical_align: VerticalAlign,
    }
}

card_struct! {
    /// The border of a collapsible panel (`border`).
    PanelBorder {}
    optional {
        /// The border's colour.
        color: Color,
        /// Corner radius, such as `"5px"`.
        corner_radius: String,
    }
}

impl CollapsiblePanel {
    /// A panel with a header and components.
    pub fn new(header: PanelHeader, elements: impl IntoIterator<Item = Element>) -> Self {
        Self {
            header,
            elements: elements.into_iter().collect(),
            ..Self::default()
        }
    }
}

card_struct! {
    /// One column of a table.
    TableColumn {
        /// The key of the column in each row.
        name: String,
    }
    optional {
        /// The heading.
        display_name: String,
        /// The data type.
        data_type: TableDataType,
        /// Horizontal alignment.
        horizontal_align: HorizontalAlign,
        /// Vertical alignment.
        vertical_align: VerticalAlign,
        /// `auto` or pixels or a percentage.
        width: String,
        /// Number format (for `number` columns).
        format: NumberFormat,
        /// Date format, such as `YYYY/MM/DD`.
        date_format: String,
    }
}

card_struct! {
    /// How a `number` column shows its numbers (`format`).
    NumberFormat {}
    optional {
        /// Decimal places, 0 to 10.
        precision: u32,
        /// A one-character currency symbol before the number.
        symbol: String,
        /// Thousands separators.
        separator: bool,
    }
}

card_struct! {
    /// The style of a table's heading row (`header_style`).
    TableHeaderStyle {}
    optional {
        /// Alignment.
        text_align: HorizontalAlign,
        /// `normal` or `heading`.
        text_size: TextSize,
        /// `grey` or `none`.
        background_style: BackgroundStyle,
        /// `default` or `grey`.
        text_color: Color,
        /// Bold headings.
        bold: bool,
        /// Lines per heading.
        lines: u32,
    }
}

impl TableColumn {
    /// A column keyed `name` with a heading and a data type.
    pub fn new(
        name: impl Into<String>,
        display_name: impl Into<String>,
        data_type: TableDataType,
    ) -> Self {
        Self {
            name: name.into(),
            display_name: Some(display_name.into()),
            data_type: Some(data_type),
            ..Self::default()
        }
    }
}

card_struct! {
    /// `table`.
    Table {
        /// The columns.
        columns: Vec<TableColumn>,
        /// The rows: objects keyed by column name.
        rows: Vec<Value>,
    }
    optional {
        /// The id for later updates.
        element_id: String,
        /// Outer margin.
        margin: String,
        /// Rows per page (1 to 10).
        page_size: u32,
        /// Row height.
        row_height: RowHeight,
        /// The highest a row grows when `row_height` is `auto`, such as `"50px"`.
        row_max_height: String,
        /// Keep the first column in view when scrolling.
        freeze_first_column: bool,
        /// The heading row's style.
        header_style: TableHeaderStyle,
    }
}

impl Table {
    /// A table with columns and rows.
    pub fn new(
        columns: impl IntoIterator<Item = TableColumn>,
        rows: impl IntoIterator<Item = Value>,
    ) -> Self {
        Self {
            columns: columns.into_iter().collect(),
            rows: rows.into_iter().collect(),
            ..Self::default()
        }
    }
}

card_struct! {
    /// `chart`: a chart described by a VChart spec.
    Chart {
        /// The VChart spec.
        chart_spec: Value,
    }
    optional {
        /// The id for later updates.
        element_id: String,
        /// Outer margin.
        margin: String,
        /// Aspect ratio.
        aspect_ratio: AspectRatio,
        /// Colour theme.
        color_theme: ChartColorTheme,
        /// Click to enlarge.
        preview: bool,
        /// `auto` or pixels.
        height: String,
    }
}

impl Chart {
    /// A chart from its VChart spec.
    pub fn new(chart_spec: Value) -> Self {
        Self {
            chart_spec,
            ..Self::default()
        }
    }
}

card_struct! {
    /// `action`: 1.0's row of interactive components (2.0 places them directly).
    Action {
        /// The components.
        actions: Vec<Element>,
    }
    optional {
        /// `bisected`, `trisection` or `flow`.
        layout: String,
    }
}

impl Action {
    /// A row of these components.
    pub fn new(actions: impl IntoIterator<Item = Element>) -> Self {
        Self {
            actions: actions.into_iter().collect(),
            ..Self::default()
        }
    }
}

card_struct! {
    /// `note`: 1.0's footnote of texts and images.
    Note {
        /// The texts and images.
        elements: Vec<Value>,
    }
    optional {}
}

impl Note {
    /// A footnote of these texts and images (as JSON).
    pub fn new(elements: impl IntoIterator<Item = Value>) -> Self {
        Self {
            elements: elements.into_iter().collect(),
            ..Self::default()
        }
    }
}
