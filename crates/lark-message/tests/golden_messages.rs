//! Golden tests for message contents: each type built with the typed constructors gives the
//! `content` of the docs' examples (the API form) and the custom bot's examples (the webhook
//! form). Fixtures and their doc pages: `fixtures/README.md`.

use std::path::Path;

use lark_core::Error;
use lark_message::Card;
use lark_message::content::*;
use serde_json::{Value, json};

fn fixture(path: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("tests/fixtures/{path}.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path:?}: {e}"))
}

/// The API `content`, parsed back: it is a JSON text, compared as JSON.
fn api(content: impl Into<MessageContent>) -> Value {
    let content = content.into();
    let text = content.content().unwrap();
    let parsed: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(parsed, content.to_value().unwrap());
    parsed
}

fn build_error(result: lark_core::Result<impl std::fmt::Debug>) -> String {
    match result {
        Err(Error::Build(m)) => m,
        other => panic!("want a build error, got {other:?}"),
    }
}

const KEY: &str = "75235e0c-4f92-430a-a99b-8446610223cg";

#[test]
fn every_message_type_gives_the_docs_content() {
    let cases: Vec<(&str, MessageContent, &str)> = vec![
        ("text", Text::new("test content").into(), "text"),
        (
            "text_newline",
            Text::new("firstline \n secondline ").into(),
            "text",
        ),
        (
            "text_at",
            Text::new("")
                .at("ou_xxxxxxx", "Tom")
                .push(" text content")
                .into(),
            "text",
        ),
        (
            "text_styles",
            Text::new("")
                .bold("bold content<i>, bold and italic content</i>")
                .into(),
            "text",
        ),
        (
            "text_link",
            Text::new("")
                .link("Feishu Open Platform", "https://open.feishu.cn")
                .into(),
            "text",
        ),
        (
            "image",
            Image::new("img_7ea74629-9191-4176-998c-2e603c9c5e8g").into(),
            "image",
        ),
        ("file", File::new(KEY).into(), "file"),
        ("audio", Audio::new(KEY).into(), "audio"),
        ("media", Media::new(KEY).cover("img_xxxxxx").into(), "media"),
        ("sticker", Sticker::new(KEY).into(), "sticker"),
        (
            "share_chat",
            ShareChat::new("oc_0dd200d32fda15216d2c2ef1ddb32f76").into(),
            "share_chat",
        ),
        (
            "share_user",
            ShareUser::new("ou_0dd200d32fda15216d2c2ef1ddb32f76").into(),
            "share_user",
        ),
        (
            "system",
            System::divider("新会话")
                .i18n("zh_CN", "新会话")
                .i18n("en_US", "New Session")
                .need_rollup(true)
                .into(),
            "system",
        ),
        (
            "interactive_card_id",
            Interactive::CardId("7371713483664506900".into()).into(),
            "interactive",
        ),
        (
            "interactive_template",
            CardTemplate::new("xxxxxxxxxxxx")
                .version("1.0.0")
                .variable("key1", "value1")
                .variable("key2", "value2")
                .into(),
            "interactive",
        ),
    ];
    for (name, content, msg_type) in cases {
        assert_eq!(content.msg_type(), msg_type, "{name}");
        assert_eq!(api(content), fixture(&format!("messages/{name}")), "{name}");
    }
}

#[test]
fn a_card_gives_its_card_json_as_content() {
    let card_json = fixture("cards/send_card_example");
    let card = Card::from_value(card_json.clone()).unwrap();
    let content = MessageContent::from(card);
    assert_eq!(content.msg_type(), "interactive");
    assert_eq!(api(content), card_json);
}

#[test]
fn a_post_with_every_tag_gives_the_docs_content() {
    let img = "img_7ea74629-9191-4176-998c-2e603c9c5e8g";
    let md = "**mention user:**<at user_id=\"ou_xxxxxx\">Tom</at>\n**href:**[Open Platform](https://open.feishu.cn)\n**code block:**\n```GO\nfunc main() int64 {\n    return 0\n}\n```\n**text styles:** **bold**, *italic*, ***bold and italic***, ~underline~,~~lineThrough~~\n> quote content\n\n1. item1\n    1. item1.1\n    2. item2.2\n2. item2\n --- \n- item1\n    - item1.1\n    - item2.2\n- item2";
    let post = Post::new().zh_cn(
        PostContent::new("我是一个标题")
            .line([
                PostElement::text("第一行:")
                    .style(TextStyle::Bold)
                    .style(TextStyle::Underline),
                PostElement::link("超链接", "http://www.feishu.cn")
                    .style(TextStyle::Bold)
                    .style(TextStyle::Italic),
                PostElement::at("ou_1avnmsbv3k45jnk34j5").style(TextStyle::LineThrough),
            ])
            .line([PostElement::image(img)])
            .line([
                PostElement::text("第二行:")
                    .style(TextStyle::Bold)
                    .style(TextStyle::Underline),
                PostElement::text("文本测试"),
            ])
            .line([PostElement::image(img)])
            .line([PostElement::media(
                "file_v2_0dcdd7d9-fib0-4432-a519-41d25aca542j",
                img,
            )])
            .line([PostElement::emotion("SMILE")])
            .line([PostElement::hr()])
            .line([PostElement::code_block(
                "GO",
                "func main() int64 {\n    return 0\n}",
            )])
            .line([PostElement::md(md)]),
    );
    assert_eq!(api(post), fixture("messages/post"));
}

#[test]
fn posts_keep_locales_and_check_their_paragraphs() {
    let post = Post::new()
        .en_us(PostContent::new("Hi").line([PostElement::text("a")]))
        .locale(
            "zh_hk",
            PostContent::new("你好").line([PostElement::text("b")]),
        )
        .locale(
            Locale::EnUs,
            PostContent::new("Hello").line([PostElement::text("c")]),
        );
    let value = api(post.clone());
    assert_eq!(value["en_us"]["title"], "Hello");
    assert_eq!(value["zh_hk"]["content"][0][0]["text"], "b");
    assert_eq!(post.locales().count(), 2);

    let mixed = Post::new().zh_cn(
        PostContent::new("t").line([PostElement::text("see "), PostElement::image("img_1")]),
    );
    assert!(build_error(MessageContent::from(mixed).content()).contains("paragraph"));
    let md = Post::new()
        .zh_cn(PostContent::new("t").line([PostElement::md("**x**"), PostElement::hr()]));
    assert!(build_error(MessageContent::from(md).content()).contains("paragraph"));
}

#[test]
fn bad_contents_are_refused_before_sending() {
    assert!(build_error(MessageContent::from(Text::new("")).content()).contains("needs some text"));
    assert!(
        build_error(MessageContent::from(Text::new("x").at("ou_\"x", "A")).content())
            .contains("not a user id")
    );
    assert!(
        build_error(MessageContent::from(Text::new("x").link("a]b", "https://x")).content())
            .contains("link")
    );
    assert!(
        build_error(MessageContent::from(Text::new("").bold("a</b>")).content()).contains("</b>")
    );
    assert!(build_error(MessageContent::from(File::new(" ")).content()).contains("file_key"));
    assert!(build_error(MessageContent::from(System::divider("")).content()).contains("text"));
    assert!(
        build_error(MessageContent::from(Interactive::Raw(json!([]))).content()).contains("object")
    );
    assert!(
        build_error(MessageContent::from(Interactive::CardId(String::new())).content())
            .contains("card_id")
    );
    assert!(
        build_error(MessageContent::from(CardTemplate::new("")).content()).contains("template_id")
    );
}

#[test]
fn the_webhook_form_matches_the_custom_bot_docs() {
    let cases: Vec<(&str, MessageContent)> = vec![
        ("text", Text::new("新更新提醒").into()),
        (
            "text_at_all",
            Text::new("").at_all().push(" 新更新提醒").into(),
        ),
        (
            "post",
            Post::new()
                .zh_cn(PostContent::new("项目更新通知").line([
                    PostElement::text("项目有更新: "),
                    PostElement::link("请查看", "http://www.example.com/"),
                    PostElement::at("ou_18eac8********17ad4f02e8bbbb"),
                ]))
                .into(),
        ),
        (
            "image",
            Image::new("img_ecffc3b9-8f14-400f-a014-05eca1a4310g").into(),
        ),
        (
            "share_chat",
            ShareChat::new("oc_f5b1a7eb27ae2c7b6adc2a74faf339ff").into(),
        ),
    ];
    for (name, content) in cases {
        let form = content.webhook_form().unwrap();
        assert_eq!(
            form.to_value().unwrap(),
            fixture(&format!("webhook/{name}")),
            "{name}"
        );
        let text: Value = serde_json::from_str(&form.to_json().unwrap()).unwrap();
        assert_eq!(text, fixture(&format!("webhook/{name}")), "{name}");
    }
    // A card goes under `card`, not `content`.
    let card = fixture("cards/v1_custom_bot");
    let content = MessageContent::from(Card::from_value(card.clone()).unwrap());
    let form = content.webhook_form().unwrap();
    assert!(form.is_card());
    assert_eq!(
        form.to_value().unwrap(),
        json!({"msg_type": "interactive", "card": card})
    );
    assert_eq!(form.payload().unwrap(), card);
}

#[test]
fn the_webhook_refuses_what_a_custom_bot_cannot_send() {
    let refused: Vec<MessageContent> = vec![
        File::new("file_1").into(),
        Audio::new("file_1").into(),
        Media::new("file_1").into(),
        Sticker::new("file_1").into(),
        ShareUser::new("ou_1").into(),
        System::divider("x").into(),
        Interactive::CardId("7371713483664506900".into()).into(),
    ];
    for content in refused {
        let message = build_error(content.webhook_form());
        assert!(
            message.contains("cannot send") && message.contains(content.msg_type()),
            "{message}"
        );
        // The API takes them all.
        assert!(content.content().is_ok());
    }
    let styled = MessageContent::from(Text::new("").bold("x"));
    assert!(build_error(styled.webhook_form()).contains("styles or links"));
    assert!(styled.content().is_ok());
}

#[cfg(feature = "api")]
mod requests {
    use super::*;
    use lark_core::endpoint::{Body, Endpoint};
    use lark_message::send::*;

    fn body_of(endpoint: &impl Endpoint) -> Value {
        match endpoint.body().unwrap() {
            Body::Json(bytes) => serde_json::from_slice(&bytes).unwrap(),
            other => panic!("not JSON: {other:?}"),
        }
    }

    /// `content` is a JSON text inside the JSON body: compare it parsed.
    fn with_parsed_content(mut body: Value) -> Value {
        let content = body["content"].as_str().unwrap().to_owned();
        body["content"] = serde_json::from_str(&content).unwrap();
        body
    }

    #[test]
    fn create_bodies_match_the_docs_request_examples() {
        let send = SendMessage::text(
            ReceiveId::chat("oc_xxx"),
            Text::new("").at("ou_xxxxxxx", "Tom").push(" text content"),
        );
        assert_eq!(send.path().unwrap(), "/open-apis/im/v1/messages");
        let mut query = Vec::new();
        send.query(&mut query);
        assert_eq!(query, vec![("receive_id_type", "chat_id".to_owned())]);
        assert_eq!(
            with_parsed_content(body_of(&send)),
            with_parsed_content(fixture("messages/text_at_request"))
        );
        // The escaping itself: the content string holds `\"` around the id, as the docs show.
        assert_eq!(
            body_of(&send)["content"],
            fixture("messages/text_at_request")["content"]
        );

        let img = "img_7ea74629-9191-4176-998c-2e603c9c5e8g";
        let post = Post::new().zh_cn(
            PostContent::new("我是一个标题")
                .line([
                    PostElement::text("第一行 :"),
                    PostElement::link("超链接", "http://www.feishu.cn"),
                    PostElement::at_named("ou_1avnmsbv3k45jnk34j5", "tom"),
                ])
                .line([PostElement::image(img)])
                .line([PostElement::text("第二行:"), PostElement::text("文本测试")])
                .line([PostElement::image(img)]),
        );
        let send = SendMessage::post(ReceiveId::chat("oc_820faa21d7ed275b53d1727a0feaa917"), post);
        assert_eq!(
            with_parsed_content(body_of(&send)),
            with_parsed_content(fixture("messages/post_request"))
        );
    }

    #[test]
    fn every_helper_targets_its_endpoint() {
        let card = Card::from_value(fixture("cards/send_card_example")).unwrap();
        let reply = ReplyMessage::card("om_1", card.clone())
            .in_thread(true)
            .uuid("u-1");
        assert_eq!(
            reply.path().unwrap(),
            "/open-apis/im/v1/messages/om_1/reply"
        );
        let body = body_of(&reply);
        assert_eq!(body["msg_type"], "interactive");
        assert_eq!(body["reply_in_thread"], true);
        assert_eq!(body["uuid"], "u-1");
        assert_eq!(
            with_parsed_content(body)["content"],
            fixture("cards/send_card_example")
        );

        let update = UpdateMessage::new("om_2", Text::new("edited"));
        assert_eq!(update.meta().method, http::Method::PUT);
        assert_eq!(
            body_of(&update),
            json!({"msg_type": "text", "content": "{\"text\":\"edited\"}"})
        );
        let refused = UpdateMessage::new("om_2", Image::new("img_1"));
        assert!(build_error(refused.path()).contains("only text and post"));

        let patch = PatchCard::new("om_3", card.clone());
        assert_eq!(patch.meta().method, http::Method::PATCH);
        assert_eq!(
            with_parsed_content(body_of(&patch))["content"],
            fixture("cards/send_card_example")
        );
        assert!(
            build_error(PatchCard::content("om_3", Text::new("x")).body()).contains("only cards")
        );

        let batch = BatchSend::new(card)
            .open_ids(["ou_1", "ou_2"])
            .department_ids(["od_1"]);
        assert_eq!(batch.path().unwrap(), "/open-apis/message/v4/batch_send/");
        let body = body_of(&batch);
        assert_eq!(body["msg_type"], "interactive");
        assert_eq!(body["card"], fixture("cards/send_card_example"));
        assert_eq!(body["open_ids"], json!(["ou_1", "ou_2"]));
        assert!(body.get("content").is_none());
        let batch = BatchSend::new(Text::new("hi")).user_ids(["u1"]);
        assert_eq!(body_of(&batch)["content"], json!({"text": "hi"}));
        assert!(build_error(BatchSend::new(File::new("f")).path()).contains("cannot send file"));

        let bad = SendMessage::text(ReceiveId::open_id("ou_1"), "");
        assert!(build_error(bad.path()).contains("needs some text"));
        assert!(build_error(bad.clone().body()).contains("needs some text"));
        assert!(build_error(bad.into_request()).contains("needs some text"));
        let created: lark_api_im::v1::message::Create =
            SendMessage::image(ReceiveId::email("a@example.com"), "img_1")
                .try_into()
                .unwrap();
        assert!(format!("{created:?}").contains("img_1"));
    }
}
