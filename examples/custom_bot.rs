//! Posting to a custom bot's webhook: text with @mentions, rich text, a card.
//!
//! With `LARK_BOT_WEBHOOK` set it posts to that webhook, signing with `LARK_BOT_SECRET` when
//! it is set. With neither, it starts the embedded Feishu-compatible mock on 127.0.0.1,
//! registers a signed bot on it, posts there and shows what the mock accepted and refused.
//!
//! ```text
//! cargo run -p lark-examples --example custom_bot
//! LARK_BOT_WEBHOOK=https://open.feishu.cn/open-apis/bot/v2/hook/xxx LARK_BOT_SECRET=yyy \
//!     cargo run -p lark-examples --example custom_bot
//! ```

use lark_custom_bot::card::{Button, ButtonType, Card, Element, Header, HeaderTemplate};
use lark_custom_bot::{
    CardTemplate, CustomBot, Message, Post, PostContent, PostElement, RateLimit, Text, TextStyle,
};
use lark_reqwest::{ReqwestClient, SystemRuntime};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    match var("LARK_BOT_WEBHOOK") {
        Some(webhook) => {
            println!("Posting to the webhook in LARK_BOT_WEBHOOK");
            let mut bot = CustomBot::new(webhook, ReqwestClient::new(), SystemRuntime)
                .rate_limit(RateLimit::custom_bot());
            match var("LARK_BOT_SECRET") {
                Some(secret) => {
                    println!("Signing with LARK_BOT_SECRET");
                    bot = bot.secret(secret);
                }
                None => println!("No LARK_BOT_SECRET: posting unsigned"),
            }
            post_all(&bot).await?;
        }
        None => {
            let mock = lark_mock::MockServer::start().await?;
            let (token, secret) = ("example-bot", "example-secret");
            mock.add_bot(token, Some(secret));
            let webhook = format!("{}/open-apis/bot/v2/hook/{token}", mock.base_url());
            println!(
                "No LARK_BOT_WEBHOOK set: started the embedded mock at {} with a signed bot",
                mock.base_url()
            );
            let bot = CustomBot::new(&webhook, ReqwestClient::new(), SystemRuntime)
                .secret(secret)
                .rate_limit(RateLimit::custom_bot());
            post_all(&bot).await?;

            println!(
                "The mock stored {} messages:",
                mock.bot_messages(token).len()
            );
            for message in mock.bot_messages(token) {
                println!("  {message}");
            }

            let wrong = CustomBot::new(&webhook, ReqwestClient::new(), SystemRuntime)
                .secret("not the secret");
            match wrong.send_text("signed with the wrong secret").await {
                Ok(_) => return Err("the mock accepted a wrong signature".into()),
                Err(e) => println!("With the wrong secret the webhook refuses: {e}"),
            }
            mock.shutdown().await;
        }
    }
    Ok(())
}

async fn post_all(bot: &CustomBot<ReqwestClient>) -> Result<(), lark_core::Error> {
    println!("1. A text message with @all");
    let reply = bot
        .send(&Text::new("Nightly build finished ").at_all().into())
        .await?;
    println!("   -> {} (log id {:?})", reply.msg, reply.log_id);

    println!("2. A rich-text post in Chinese and English");
    let post = Post::new()
        .zh_cn(
            PostContent::new("构建通知")
                .line([
                    PostElement::text("构建成功 ").style(TextStyle::Bold),
                    PostElement::link("查看日志", "https://ci.example.com/builds/42"),
                    PostElement::emotion("THUMBSUP"),
                ])
                .line([PostElement::hr()])
                .line([PostElement::code_block("SHELL", "cargo test --workspace")]),
        )
        .en_us(PostContent::new("Build report").line([
            PostElement::text("Build passed ").style(TextStyle::Bold),
            PostElement::link("logs", "https://ci.example.com/builds/42"),
        ]));
    let reply = bot.send(&post.into()).await?;
    println!("   -> {}", reply.msg);

    println!("3. An interactive card");
    let card = Card::new()
        .header(Header::new("Deploy").template(HeaderTemplate::Green))
        .element(Element::markdown("**prod** is on v1.2.3"))
        .element(
            Button::new("Release notes")
                .kind(ButtonType::Primary)
                .open_url("https://example.com/releases/v1.2.3"),
        );
    let reply = bot.send(&Message::interactive(card)).await?;
    println!("   -> {}", reply.msg);

    println!("4. A card from a template, with variables");
    let template = CardTemplate::new("AAqk1xYZ").variable("version", "v1.2.3");
    match bot.send(&template.into()).await {
        Ok(reply) => println!("   -> {}", reply.msg),
        // A real webhook refuses a template id it does not know; say so and go on.
        Err(e) => println!("   -> refused: {e}"),
    }
    Ok(())
}
