//! `lark bot`: post to a custom-bot webhook, or compute a webhook signature.

use std::path::{Path, PathBuf};

use lark_custom_bot::{CustomBot, Message};
use serde_json::Value;

use crate::{Failure, Outcome};

/// `lark bot` arguments.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Posts one message to a custom bot's webhook; exits non-zero with Lark's code and message
    /// when the platform refuses it.
    Send(Send),
    /// Prints the `sign` of a timestamp (Unix seconds) and a secret.
    Sign(Sign),
}

#[derive(Debug, clap::Args)]
#[command(group = clap::ArgGroup::new("message").required(true).multiple(false))]
struct Send {
    /// The webhook URL, https://open.feishu.cn/open-apis/bot/v2/hook/<token>.
    #[arg(
        long,
        value_name = "URL",
        env = "LARK_BOT_WEBHOOK",
        hide_env_values = true
    )]
    webhook: String,
    /// The bot's signing secret, when signature verification is on.
    #[arg(
        long,
        value_name = "SECRET",
        env = "LARK_BOT_SECRET",
        hide_env_values = true
    )]
    secret: Option<String>,
    /// A text message (`<at user_id="ou_xxx">Name</at>` and `<at user_id="all">所有人</at>` mention).
    #[arg(long, group = "message", value_name = "TEXT")]
    text: Option<String>,
    /// A rich-text message from a JSON file (`-` for stdin): `{"zh_cn": {"title": …, "content": [[…]]}}`.
    #[arg(long, group = "message", value_name = "FILE")]
    post: Option<PathBuf>,
    /// An interactive card from a JSON file (`-` for stdin): the card, or
    /// `{"type": "template", "data": {"template_id": …, "template_variable": {…}}}`.
    #[arg(long, group = "message", value_name = "FILE")]
    card: Option<PathBuf>,
    /// An image message, by image_key.
    #[arg(long, group = "message", value_name = "IMAGE_KEY")]
    image: Option<String>,
    /// A group business card, by chat id.
    #[arg(long, group = "message", value_name = "CHAT_ID")]
    share_chat: Option<String>,
}

#[derive(Debug, clap::Args)]
struct Sign {
    /// Unix seconds, exactly as sent in the body's `timestamp`.
    #[arg(long, value_name = "SECONDS")]
    timestamp: u64,
    /// The bot's signing secret.
    #[arg(
        long,
        value_name = "SECRET",
        env = "LARK_BOT_SECRET",
        hide_env_values = true
    )]
    secret: String,
}

pub(crate) async fn run(args: Args) -> Outcome {
    match args.command {
        Command::Send(send) => run_send(send).await,
        Command::Sign(sign) => {
            crate::output::line(&lark_custom_bot::sign(sign.timestamp, &sign.secret))
        }
    }
}

fn read_json(path: &Path, what: &str) -> Result<Value, Failure> {
    let text = if path == Path::new("-") {
        std::io::read_to_string(std::io::stdin())
            .map_err(|e| Failure::usage(format!("error: cannot read the {what} from stdin: {e}")))?
    } else {
        std::fs::read_to_string(path)
            .map_err(|e| Failure::usage(format!("error: cannot read {}: {e}", path.display())))?
    };
    serde_json::from_str(&text).map_err(|e| {
        Failure::usage(format!(
            "error: the {what} in {} is not JSON: {e}",
            path.display()
        ))
    })
}

async fn run_send(send: Send) -> Outcome {
    let message = if let Some(text) = send.text {
        Message::text(text)
    } else if let Some(path) = &send.post {
        Message::post_json(read_json(path, "post")?)
    } else if let Some(path) = &send.card {
        Message::card(read_json(path, "card")?)
    } else if let Some(key) = send.image {
        Message::image(key)
    } else if let Some(chat_id) = send.share_chat {
        Message::share_chat(chat_id)
    } else {
        return Err(Failure::usage(
            "error: give one of --text, --post, --card, --image, --share-chat",
        ));
    };
    let mut bot = CustomBot::new(
        send.webhook,
        lark_reqwest::ReqwestClient::new(),
        lark_reqwest::SystemRuntime,
    );
    if let Some(secret) = send.secret.filter(|s| !s.is_empty()) {
        bot = bot.secret(secret);
    }
    let reply = bot.send(&message).await?;
    match &reply.log_id {
        Some(log_id) => crate::output::line(&format!("sent: {} (log id {log_id})", reply.msg)),
        None => crate::output::line(&format!("sent: {}", reply.msg)),
    }
}
