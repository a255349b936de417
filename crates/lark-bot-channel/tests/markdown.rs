//! Markdown replies against lark-mock, which checks each body for its `msg_type` and the
//! platform's 30 KB limit of a card or post: a card with a `markdown` element by default, a
//! post with an `md` paragraph on request, and a long answer with a code block cut into
//! several messages that each render on their own.

mod common;

use std::sync::{Arc, Mutex};

use common::{Msg, start, wait_until};
use lark_bot_channel::{MarkdownAs, RICH_BODY_LIMIT, ReplyOptions};
use lark_mock::SentMessage;

const ANSWER: &str = "## Deploy\n\n| service | state |\n|---|---|\n| api | live |\n\n\
    See ![the graph](https://grafana.example/d/1.png) and `![not](https://x)`.\n\n\
    ```sh\n# not a heading\nmake deploy\n```\n";

/// A bot that answers every message with `answer` as markdown; the ids it got back.
async fn markdown_bot(
    options: ReplyOptions,
    answer: String,
) -> (common::Bot, Arc<Mutex<Option<Vec<String>>>>) {
    let ids = Arc::new(Mutex::new(None));
    let sink = Arc::clone(&ids);
    let bot = start(move |b| {
        b.reply_options(options).on_message(move |_, ctx| {
            let (answer, sink) = (answer.clone(), Arc::clone(&sink));
            async move {
                *sink.lock().unwrap() = Some(ctx.reply_markdown(&answer).await?);
                Ok(())
            }
        })
    })
    .await;
    (bot, ids)
}

async fn replies(options: ReplyOptions, answer: &str) -> Vec<SentMessage> {
    let (bot, ids) = markdown_bot(options, answer.to_owned()).await;
    bot.deliver(&Msg::dm("om_md", "status?").event()).await;
    wait_until(|| ids.lock().unwrap().is_some() || !bot.errors().is_empty()).await;
    assert_eq!(
        bot.errors(),
        Vec::<String>::new(),
        "the mock took every body"
    );
    let replies = bot.mock.replies_to("om_md");
    let ids = ids.lock().unwrap().clone().unwrap();
    assert_eq!(
        ids,
        replies
            .iter()
            .map(|m| m.message_id.clone())
            .collect::<Vec<_>>()
    );
    replies
}

#[tokio::test]
async fn markdown_goes_as_a_card_the_platform_renders() {
    let replies = replies(ReplyOptions::new(), ANSWER).await;
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0].msg_type, "interactive");
    let card = replies[0].card_json().expect("card JSON, not an entity");
    assert_eq!(card["schema"], "2.0");
    let element = &card["body"]["elements"][0];
    assert_eq!(element["tag"], "markdown");
    let shown = element["content"].as_str().unwrap();
    // Headings and tables stay (cards render them); an image by URL becomes a link, but not
    // in inline code or a code block.
    assert!(
        shown.starts_with("## Deploy\n\n| service | state |"),
        "{shown}"
    );
    assert!(shown.contains("See [the graph](https://grafana.example/d/1.png)"));
    assert!(shown.contains("`![not](https://x)`"));
    assert!(shown.contains("```sh\n# not a heading\nmake deploy\n```"));
}

#[tokio::test]
async fn markdown_goes_as_a_post_on_request() {
    let replies = replies(ReplyOptions::new().markdown_as(MarkdownAs::Post), ANSWER).await;
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0].msg_type, "post");
    let paragraph = &replies[0].content["zh_cn"]["content"][0][0];
    assert_eq!(paragraph["tag"], "md");
    let shown = paragraph["text"].as_str().unwrap();
    // No headings in a post's md: a bold line instead; a code block's `#` stays.
    assert!(shown.starts_with("**Deploy**\n\n"), "{shown}");
    assert!(shown.contains("```sh\n# not a heading\n"));
}

#[tokio::test]
async fn a_long_answer_is_cut_into_cards_that_each_render() {
    // Over 110 KB: a code block of 2,000 lines between two paragraphs.
    let code: String = (0..2_000)
        .map(|i| format!("println!(\"line {i} of the listing, padded to be long\");\n"))
        .collect();
    let answer = format!("# Listing\n\nThe code:\n\n```rust\n{code}```\n\nThat is all.\n");
    assert!(answer.len() > 3 * RICH_BODY_LIMIT);
    let replies = replies(ReplyOptions::new(), &answer).await;
    assert!(replies.len() >= 4, "{} cards", replies.len());
    let mut shown = Vec::new();
    for (n, reply) in replies.iter().enumerate() {
        let text = reply.card_json().unwrap()["body"]["elements"][0]["content"]
            .as_str()
            .unwrap()
            .to_owned();
        let fences = text.lines().filter(|l| l.starts_with("```")).count();
        assert_eq!(fences % 2, 0, "card {n} closes its code block");
        if n > 0 {
            assert!(text.starts_with("```rust\n"), "card {n} reopens it");
        }
        shown.push(text);
    }
    assert!(shown[0].starts_with("# Listing"));
    assert!(shown.last().unwrap().ends_with("That is all.\n"));
    // Every line of the listing arrives once, in order.
    let lines: Vec<&str> = shown
        .iter()
        .flat_map(|t| t.lines())
        .filter(|l| l.starts_with("println!"))
        .collect();
    assert_eq!(lines.len(), 2_000);
    assert!(lines[1_999].contains("line 1999 "));
}
