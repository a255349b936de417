//! Golden tests for cards: every fixture (taken from the official card JSON docs, see
//! `fixtures/README.md`) reads into typed components with no field left untyped and writes
//! back the same JSON; the builder writes the same JSON as the docs.

use std::path::Path;

use lark_message::card::*;
use serde_json::{Value, json};

fn fixture(name: &str) -> Value {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/cards/{name}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path:?}: {e}"))
}

const FIXTURES: &[&str] = &[
    "button",
    "card_structure",
    "chart",
    "checker",
    "collapsible_panel",
    "column_set",
    "date_picker",
    "divider",
    "form",
    "header",
    "image",
    "input",
    "interactive_container",
    "markdown",
    "multi_select_person",
    "multi_select_static",
    "picker_datetime",
    "picker_time",
    "plain_text",
    "plain_text_fields",
    "select_person",
    "select_static",
    "send_card_example",
    "table",
    "v1_custom_bot",
    "v1_i18n",
];

/// Every fixture file is listed, so a new one cannot be skipped.
#[test]
fn every_fixture_is_listed() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cards");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .trim_end_matches(".json")
                .to_owned()
        })
        .collect();
    names.sort();
    assert_eq!(names, FIXTURES);
}

#[test]
fn fixtures_read_typed_and_write_back_unchanged() {
    for name in FIXTURES {
        let want = fixture(name);
        let card = Card::from_value(want.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            card.unknown_fields(),
            Vec::<String>::new(),
            "{name}: untyped fields"
        );
        assert_eq!(card.to_value().unwrap(), want, "{name}: round trip");
        // card -> JSON text -> card
        let again: Card = serde_json::from_str(&card.to_json().unwrap()).unwrap();
        assert_eq!(again, card, "{name}");
    }
}

/// The component each element fixture is about reads as its own variant.
#[test]
fn fixtures_read_as_the_component_they_show() {
    let cases: &[(&str, &str)] = &[
        ("button", "button"),
        ("chart", "chart"),
        ("checker", "checker"),
        ("collapsible_panel", "collapsible_panel"),
        ("column_set", "column_set"),
        ("date_picker", "date_picker"),
        ("divider", "hr"),
        ("form", "form"),
        ("image", "img"),
        ("input", "input"),
        ("interactive_container", "interactive_container"),
        ("markdown", "markdown"),
        ("picker_datetime", "picker_datetime"),
        ("picker_time", "picker_time"),
        ("plain_text", "div"),
        ("select_person", "select_person"),
        ("select_static", "select_static"),
        ("table", "table"),
    ];
    for (name, tag) in cases {
        let card = Card::from_value(fixture(name)).unwrap();
        let element = &card.body.as_ref().unwrap().elements[0];
        assert_eq!(element.tag(), Some(*tag), "{name}");
        assert!(!matches!(element, Element::Raw(_)), "{name}");
    }
    let card = Card::from_value(fixture("multi_select_static")).unwrap();
    let Element::Form(form) = &card.body.unwrap().elements[0] else {
        panic!("not a form")
    };
    assert!(matches!(form.elements[0], Element::MultiSelectStatic(_)));
    let card = Card::from_value(fixture("multi_select_person")).unwrap();
    let Element::Form(form) = &card.body.unwrap().elements[0] else {
        panic!("not a form")
    };
    assert!(matches!(form.elements[0], Element::MultiSelectPerson(_)));
    let card = Card::from_value(fixture("v1_custom_bot")).unwrap();
    assert!(!card.is_v2());
    assert!(matches!(
        card.elements.as_ref().unwrap()[1],
        Element::Action(_)
    ));
}

fn icon() -> Icon {
    Icon::standard("chat-forbidden_outlined")
        .color(Color::Orange)
        .img_key("img_v2_38811724")
}

fn confirm() -> Confirm {
    Confirm::new("title", "content")
}

fn callback() -> Behavior {
    Behavior::callback(json!({"key": "value"}))
}

fn open_url() -> Behavior {
    Behavior::OpenUrl {
        default_url: "https://www.baidu.com".into(),
        android_url: Some("https://developer.android.com/".into()),
        ios_url: Some("lark://msgcard/unsupported_action".into()),
        pc_url: Some("https://www.windows.com".into()),
    }
}

fn one(element: impl Into<Element>) -> Value {
    Card::new().element(element).to_value().unwrap()
}

#[test]
fn builder_writes_the_docs_header_and_structure() {
    let header = Header::new("Example Title")
        .subtitle("Example Text")
        .tag(HeaderTag::new("Tag 1", TagColor::Neutral).element_id("custom_id"))
        .i18n_text_tag_list(
            ["zh_cn", "en_us", "ja_jp", "zh_hk", "zh_tw"]
                .into_iter()
                .map(|l| (l.to_owned(), Vec::new()))
                .collect::<std::collections::BTreeMap<_, _>>(),
        )
        .template(HeaderTemplate::Blue)
        .icon(icon())
        .padding("12px 8px 12px 8px");
    let mut card = Card::new().header(header.clone());
    card.body = None;
    assert_eq!(card.to_value().unwrap(), fixture("header"));

    let mut title = header;
    title.title = CardText::plain("Example title");
    title.subtitle = Some(CardText::plain("Example text"));
    let card = Card::new()
        .config(
            Config::default()
                .streaming_mode(true)
                .streaming_config(json!({}))
                .summary(
                    Summary::new("Custom content")
                        .i18n_content([("zh_cn", ""), ("en_us", ""), ("ja_jp", "")].map(|(k, v)| (k.to_owned(), v.to_owned())).into_iter().collect::<std::collections::BTreeMap<_, _>>()),
                )
                .locales(vec!["en_us".to_owned(), "ja_jp".to_owned()])
                .enable_forward(true)
                .update_multi(true)
                .width_mode(WidthMode::Fill)
                .use_custom_translation(false)
                .enable_forward_interaction(false)
                .style(json!({
                    "text_size": {"cus-0": {"default": "medium", "pc": "medium", "mobile": "large"}},
                    "color": {"cus-0": {"light_mode": "rgba(5,157,178,0.52)", "dark_mode": "rgba(78,23,108,0.49)"}}
                })),
        )
        .card_link(
            MultiUrl::new("https://www.baidu.com")
                .android_url("https://developer.android.com/")
                .ios_url("https://developer.apple.com/")
                .pc_url("https://www.windows.com"),
        )
        .header(title)
        .body(
            Body::default()
                .direction(Direction::Vertical)
                .padding("12px 8px 12px 8px")
                .horizontal_spacing("3px")
                .horizontal_align(HorizontalAlign::Left)
                .vertical_spacing("4px")
                .vertical_align(VerticalAlign::Center),
        )
        .element(Divider::default().margin("4px").element_id("custom_id"));
    assert_eq!(card.to_value().unwrap(), fixture("card_structure"));
}

#[test]
fn builder_writes_the_docs_display_components() {
    assert_eq!(
        one(Markdown::new("Personnel<person id='ou_449b53ad6aee526f7ed311b216aabcef' show_name=true show_avatar=true style='normal'></person>")
            .element_id("custom_id")
            .margin("0px 0px 0px 0px")
            .text_size(TextSize::Normal)
            .text_align(HorizontalAlign::Left)
            .icon(icon())),
        fixture("markdown")
    );
    assert_eq!(
        one(Div::new(
            CardText::plain("")
                .text_size(TextSize::Normal)
                .text_color(Color::Default)
                .text_align(HorizontalAlign::Left)
                .lines(2u32)
        )
        .element_id("custom_id")
        .margin("0px 0px 0px 0px")
        .width(Width::Fill)
        .icon(icon())),
        fixture("plain_text")
    );
    let fields = [
        "<a>https://open.larksuite.com</a>",
        "ready\nnew line",
        "*Italic*",
        "**Bold**",
        "~~delete line~~",
        "<at id=all></at>",
    ]
    .map(|t| DivField::new(CardText::lark_md(t), false));
    assert_eq!(
        one(Div::new(CardText::plain("text-lark_md").lines(1u32)).fields(fields.to_vec())),
        fixture("plain_text_fields")
    );
    assert_eq!(
        one(
            Image::new("img_v3_0238_073f1823-df2b-4377-86c6-e293f18abcef")
                .element_id("custom_id")
                .margin("0px 0px 0px 0px")
                .alt("")
                .title("")
                .corner_radius("5px")
                .scale_type(ImageScaleType::CropTop)
                .size(ImageSize::from("100px 100px"))
                .transparent(false)
                .preview(false)
                .mode("large")
                .custom_width("300px")
                .compact_width(false)
        ),
        fixture("image")
    );
    assert_eq!(
        one(Divider::default()
            .element_id("custom_id")
            .margin("0px 0px 0px 0px")),
        fixture("divider")
    );
    let rows = fixture("table")["body"]["elements"][0]["rows"]
        .as_array()
        .unwrap()
        .clone();
    let table = Table::new(
        [
            TableColumn::new("customer_name", "客户名称", TableDataType::Text)
                .width("auto")
                .vertical_align(VerticalAlign::Top)
                .horizontal_align(HorizontalAlign::Left),
            TableColumn::new("customer_link", "相关链接", TableDataType::LarkMd),
            TableColumn::new("customer_arr", "ARR(万元)", TableDataType::Number)
                .format(
                    NumberFormat::default()
                        .symbol("¥")
                        .precision(2u32)
                        .separator(true),
                )
                .width("120px"),
            TableColumn::new("customer_scale", "客户规模", TableDataType::Options),
            TableColumn::new("customer_poc", "客户对接人", TableDataType::Persons),
            TableColumn::new("meeting_date", "对接时间", TableDataType::Date)
                .date_format("YYYY/MM/DD"),
            TableColumn::new("company_image", "企业图片", TableDataType::Markdown),
        ],
        rows,
    )
    .element_id("custom_id")
    .margin("0px 0px 0px 0px")
    .page_size(5u32)
    .row_height(RowHeight::Low)
    .row_max_height("50px")
    .freeze_first_column(true)
    .header_style(
        TableHeaderStyle::default()
            .text_align(HorizontalAlign::Left)
            .text_size(TextSize::Normal)
            .background_style(BackgroundStyle::from("none"))
            .text_color(Color::Grey)
            .bold(true)
            .lines(1u32),
    );
    assert_eq!(one(table), fixture("table"));

    let spec = fixture("chart")["body"]["elements"][0]["chart_spec"].clone();
    let card = Card::new()
        .header(Header::new("卡片标题").template(HeaderTemplate::Purple))
        .element(
            Chart::new(spec)
                .element_id("custom_id")
                .margin("0px 0px 0px 0px")
                .aspect_ratio(AspectRatio::SixteenToNine)
                .color_theme(ChartColorTheme::Brand)
                .preview(false)
                .height("auto"),
        );
    assert_eq!(card.to_value().unwrap(), fixture("chart"));
}

#[test]
fn builder_writes_the_docs_containers() {
    let set = ColumnSet::new([Column::new([])
        .element_id("custom_id")
        .background_style(BackgroundStyle::Default)
        .width(ColumnWidth::Auto)
        .weight(1u32)
        .horizontal_spacing("large")
        .horizontal_align(HorizontalAlign::Left)
        .vertical_align(VerticalAlign::Center)
        .vertical_spacing("4px")
        .direction(Direction::Vertical)
        .padding("8px")
        .margin("4px")
        .action(ColumnAction::new(
            MultiUrl::new("https://www.baidu.com")
                .pc_url("https://www.baidu.com")
                .ios_url("https://www.google.com")
                .android_url("https://www.apple.com.cn"),
        ))])
    .element_id("custom_id")
    .margin("4px")
    .horizontal_spacing("large")
    .horizontal_align(HorizontalAlign::Left)
    .flex_mode(FlexMode::None)
    .background_style(BackgroundStyle::Default)
    .action(ColumnAction::new(
        MultiUrl::new("https://open.larksuite.com")
            .pc_url("https://open.feishu.com")
            .ios_url("https://developer.apple.com/")
            .android_url("https://developer.android.com/"),
    ));
    assert_eq!(one(set), fixture("column_set"));

    let container = InteractiveContainer::new([])
        .width(Width::Fill)
        .height("auto")
        .element_id("custom_id")
        .direction(Direction::Vertical)
        .margin("4px")
        .horizontal_spacing("large")
        .horizontal_align(HorizontalAlign::Left)
        .vertical_align(VerticalAlign::Center)
        .vertical_spacing("4px")
        .background_style(BackgroundStyle::Default)
        .has_border(false)
        .border_color(Color::Grey)
        .corner_radius("40px")
        .padding("10px 20px 10px 20px")
        .behavior(open_url())
        .behavior(callback())
        .disabled(false)
        .disabled_tips("demo")
        .confirm(confirm())
        .hover_tips("demo");
    assert_eq!(one(container), fixture("interactive_container"));

    let form_button = |kind: ButtonType, label: &str, action: FormActionType, name: &str| {
        Column::new([Button::new(label)
            .kind(kind)
            .behavior(open_url())
            .behavior(callback())
            .form_action_type(action)
            .name(name)
            .into()])
        .width(ColumnWidth::Auto)
    };
    let form = Form::new(
        "form_1",
        [
            Input::new("reason").required(true).into(),
            ColumnSet::new([
                form_button(
                    ButtonType::Primary,
                    "Submit",
                    FormActionType::Submit,
                    "Button_m8pn9lbf",
                ),
                form_button(
                    ButtonType::Default,
                    "Cancel",
                    FormActionType::Reset,
                    "Button_m8pn9lbg",
                ),
            ])
            .into(),
        ],
    )
    .element_id("custom_id")
    .direction(Direction::Horizontal)
    .horizontal_spacing("8px")
    .vertical_spacing("8px")
    .horizontal_align(HorizontalAlign::Left)
    .vertical_align(VerticalAlign::Top)
    .padding("4px 0px 4px 0px")
    .margin("0px 0px 0px 0px");
    assert_eq!(one(form), fixture("form"));

    let panel = CollapsiblePanel::new(
        PanelHeader::new(CardText::markdown("**Panel title text**"))
            .background_color("grey")
            .vertical_align(VerticalAlign::Center)
            .padding("4px 0px 4px 8px")
            .position("top")
            .width(Width::Auto)
            .icon(icon().size("16px 16px"))
            .icon_position(IconPosition::FollowText)
            .icon_expanded_angle(-180),
        [Element::markdown("A long text")],
    )
    .element_id("custom_id")
    .direction(Direction::Vertical)
    .vertical_spacing("8px")
    .horizontal_spacing("8px")
    .vertical_align(VerticalAlign::Top)
    .horizontal_align(HorizontalAlign::Left)
    .padding("8px 8px 8px 8px")
    .margin("0px 0px 0px 0px")
    .expanded(true)
    .background_color("grey")
    .border(
        PanelBorder::default()
            .color(Color::Grey)
            .corner_radius("5px"),
    );
    assert_eq!(one(panel), fixture("collapsible_panel"));
}

#[test]
fn builder_writes_the_docs_interactive_components() {
    let button = Button::new("Confirm")
        .element_id("custom_id")
        .margin("0px 0px 0px 0px")
        .kind(ButtonType::Primary)
        .size(ButtonSize::Small)
        .width(Width::Default)
        .icon(icon())
        .hover_tips("hover提示")
        .disabled(false)
        .disabled_tips("禁用 hover 提示")
        .confirm(confirm())
        .behavior(open_url())
        .behavior(callback())
        .url("https://open.larksuite.com")
        .multi_url(
            MultiUrl::default()
                .android_url("https://open.larksuite.com")
                .ios_url("https://open.larksuite.com")
                .pc_url("https://open.larksuite.com"),
        )
        .value(json!({"key_1": "value_1"}));
    assert_eq!(one(button), fixture("button"));

    let input = Input::new("input1")
        .element_id("custom_id")
        .margin("0px 0px 0px 0px")
        .required(false)
        .placeholder("Please enter")
        .default_value("demo")
        .disabled(false)
        .disabled_tips("User disabled tips")
        .width(Width::Default)
        .behaviors(vec![callback()])
        .max_length(5u32)
        .input_type(InputType::MultilineText)
        .rows(1u32)
        .auto_resize(true)
        .max_rows(5u32)
        .show_icon(false)
        .label("Please enter text:")
        .label_position(LabelPosition::Left)
        .value(json!({"k": "v"}))
        .confirm(confirm());
    assert_eq!(one(input), fixture("input"));

    let select =
        SelectStatic::new([
            SelectOption::new("I am an interactive component", "selectDemo1").icon(icon()),
        ])
        .element_id("custom_id")
        .margin("0px 0px 0px 0px")
        .kind(SelectType::Text)
        .name("select_static1")
        .required(false)
        .disabled(false)
        .initial_option("Option 1")
        .placeholder("Default placeholder text")
        .width(Width::Default)
        .behaviors(vec![callback()])
        .confirm(Confirm::new("Pop-up title", "Pop-up body text"));
    assert_eq!(one(select), fixture("select_static"));

    let person = SelectPerson::default()
        .element_id("custom_id")
        .margin("0px 0px 0px 0px")
        .kind(SelectType::Text)
        .required(true)
        .disabled(false)
        .initial_option("ou_48d0958ee4b2ab3eaf0b5f6c968xxxxx")
        .placeholder("Default placeholder text")
        .width(Width::Default)
        .behaviors(vec![callback()])
        .options(vec![
            SelectOption::person("ou_48d0958ee4b2ab3eaf0b5f6c968xxxxx"),
            SelectOption::person("ou_f9d24af786a14340721288cda6axxxxx"),
        ])
        .confirm(Confirm::new("Popup title", "Popup body text"));
    assert_eq!(one(person), fixture("select_person"));

    let date = DatePicker::default()
        .element_id("custom_id")
        .margin("0px 0px 0px 0px")
        .name("date_picker1")
        .required(false)
        .disabled(false)
        .width(Width::Default)
        .behaviors(vec![callback()])
        .initial_date("2024-01-01")
        .placeholder("Please select")
        .value(json!({"key_1": "value_1"}))
        .confirm(confirm());
    assert_eq!(one(date), fixture("date_picker"));
    let time = TimePicker::default()
        .element_id("custom_id")
        .margin("0px 0px 0px 0px")
        .name("picker_time1")
        .required(false)
        .disabled(false)
        .width(Width::Default)
        .behaviors(vec![callback()])
        .initial_time("11:30")
        .placeholder("Please select")
        .value(json!({"key_1": "value_1"}))
        .confirm(confirm());
    assert_eq!(one(time), fixture("picker_time"));
    let datetime = DateTimePicker::default()
        .element_id("custom_id")
        .margin("0px 0px 0px 0px")
        .name("picker_datetime1")
        .required(false)
        .disabled(false)
        .width(Width::Default)
        .behaviors(vec![callback()])
        .initial_datetime("2024-01-01 11:30")
        .placeholder("Please select")
        .value(json!({"key_1": "value_1"}))
        .confirm(confirm());
    assert_eq!(one(datetime), fixture("picker_datetime"));

    let checker = Checker::new(
        CardText::plain("")
            .text_size(TextSize::Normal)
            .text_color(Color::Default)
            .text_align(HorizontalAlign::Left),
    )
    .element_id("custom_id")
    .name("check_1")
    .checked(false)
    .overall_checkable(true)
    .button_area(
        ButtonArea::new([Button::new("text button")
            .kind(ButtonType::Text)
            .size(ButtonSize::Small)
            .icon(icon())
            .disabled(false)
            .behaviors(Vec::new())
            .into()])
        .pc_display_rule("always"),
    )
    .checked_style(
        CheckedStyle::default()
            .show_strikethrough(true)
            .opacity(1u32),
    )
    .margin("0px")
    .padding("0px")
    .confirm(confirm())
    .behaviors(vec![callback()])
    .hover_tips("hover")
    .disabled(false)
    .disabled_tips("disabled");
    assert_eq!(one(checker), fixture("checker"));
}

#[test]
fn builder_writes_the_docs_send_example_and_the_v1_card() {
    let card = Card::new()
        .config(Config::default().update_multi(true).style(json!({
            "text_size": {"normal_v2": {"default": "normal", "pc": "normal", "mobile": "heading"}}
        })))
        .body(Body::default().direction(Direction::Vertical).padding("12px 12px 12px 12px"))
        .element(
            Markdown::new("西湖，位于中国浙江省杭州市西湖区龙井路1号，杭州市区西部，汇水面积为21.22平方千米，湖面面积为6.38平方千米。")
                .text_align(HorizontalAlign::Left)
                .text_size(TextSize::from("normal_v2"))
                .margin("0px 0px 0px 0px"),
        )
        .element(
            Button::new("🌞更多景点介绍")
                .kind(ButtonType::Default)
                .width(Width::Default)
                .size(ButtonSize::Medium)
                .behavior(Behavior::OpenUrl {
                    default_url: "https://baike.baidu.com/item/%E8%A5%BF%E6%B9%96/4668821".into(),
                    pc_url: Some(String::new()),
                    ios_url: Some(String::new()),
                    android_url: Some(String::new()),
                })
                .margin("0px 0px 0px 0px"),
        )
        .header(
            Header::new("今日旅游推荐")
                .subtitle("")
                .template(HeaderTemplate::Blue)
                .padding("12px 12px 12px 12px"),
        );
    assert_eq!(card.to_value().unwrap(), fixture("send_card_example"));

    let v1 = Card::v1()
        .element(Div::new(CardText::lark_md("**西湖**，位于浙江省杭州市西湖区龙井路1号，杭州市区西部，景区总面积49平方千米，汇水面积为21.22平方千米，湖面面积为6.38平方千米。")))
        .element(Action::new([Button::new(CardText::lark_md("更多景点介绍 :玫瑰:"))
            .url("https://www.example.com")
            .kind(ButtonType::Default)
            .value(json!({}))
            .into()]))
        .header(Header::new("今日旅游推荐"));
    assert_eq!(v1.to_value().unwrap(), fixture("v1_custom_bot"));

    let i18n = Card::v1().i18n_elements(
        "zh_cn",
        [ColumnSet::new([Column::new([Div::new(
            CardText::plain("This is an example of plain text.")
                .text_size(TextSize::from("cus-0"))
                .text_align(HorizontalAlign::Center)
                .text_color(Color::Default),
        )
        .icon(Icon::standard("app-default_filled").color(Color::Blue))
        .into()])
        .width(ColumnWidth::Weighted)
        .weight(1u32)])
        .flex_mode(FlexMode::None)
        .horizontal_spacing("default")
        .background_style(BackgroundStyle::Default)
        .into()],
    );
    assert_eq!(i18n.to_value().unwrap(), fixture("v1_i18n"));
}

#[test]
fn raw_escape_hatch_and_bad_input() {
    let card = Card::new().element(Element::raw(
        json!({"tag": "person_list", "persons": [{"id": "ou_1"}]}),
    ));
    assert_eq!(card.unknown_fields(), vec!["body.elements[0]".to_owned()]);
    assert_eq!(
        card.to_value().unwrap()["body"]["elements"][0]["tag"],
        "person_list"
    );
    assert!(Card::from_value(json!([1, 2])).is_err());
    assert!(Card::from_value(json!({"body": {"elements": "nope"}})).is_err());
}
