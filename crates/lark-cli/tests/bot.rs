//! `lark bot send` and `lark bot sign`, running the built binary against lark-mock on
//! 127.0.0.1.

use std::process::{Command, Output};

use lark_mock::MockServer;
use serde_json::json;

const TOKEN: &str = "cli-bot-token";
const SECRET: &str = "cli-bot-secret";

fn lark(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lark"));
    command
        .args(args)
        .env_remove("LARK_BOT_WEBHOOK")
        .env_remove("LARK_BOT_SECRET");
    command
}

/// Runs the binary off the runtime's threads, so the mock keeps answering.
async fn run(mut command: Command) -> Output {
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn sign_prints_the_signature() {
    let out = lark(&[
        "bot",
        "sign",
        "--timestamp",
        "1599360473",
        "--secret",
        "demo",
    ])
    .output()
    .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "l1N0gAcBjdwBvGm1xMjOF0XSyaLRpR7tuO5dHfhAYc8=\n"
    );
    let out = lark(&["bot", "sign", "--timestamp", "soon", "--secret", "demo"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_posts_text_post_and_card_files() {
    let mock = MockServer::start().await.unwrap();
    mock.add_bot(TOKEN, Some(SECRET));
    let webhook = format!("{}/open-apis/bot/v2/hook/{TOKEN}", mock.base_url());
    let dir = std::env::temp_dir().join(format!("lark-cli-bot-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let post = dir.join("post.json");
    std::fs::write(
        &post,
        r#"{"zh_cn":{"title":"标题","content":[[{"tag":"text","text":"正文"}]]}}"#,
    )
    .unwrap();
    let card = dir.join("card.json");
    std::fs::write(
        &card,
        r#"{"type":"template","data":{"template_id":"AAq1","template_variable":{"x":1}}}"#,
    )
    .unwrap();

    let out = run(lark(&[
        "bot",
        "send",
        "--webhook",
        &webhook,
        "--secret",
        SECRET,
        "--text",
        "hello from the cli",
    ]))
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).starts_with("sent: success"),
        "{}",
        text(&out.stdout)
    );

    // The webhook and secret from the environment.
    let mut from_env = lark(&["bot", "send", "--post", post.to_str().unwrap()]);
    from_env
        .env("LARK_BOT_WEBHOOK", &webhook)
        .env("LARK_BOT_SECRET", SECRET);
    let out = run(from_env).await;
    assert!(out.status.success(), "{}", text(&out.stderr));

    let out = run(lark(&[
        "bot",
        "send",
        "--webhook",
        &webhook,
        "--secret",
        SECRET,
        "--card",
        card.to_str().unwrap(),
    ]))
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));

    let stored = mock.bot_messages(TOKEN);
    assert_eq!(stored.len(), 3);
    assert_eq!(stored[0]["content"], json!({"text": "hello from the cli"}));
    assert_eq!(stored[1]["msg_type"], "post");
    assert_eq!(stored[1]["content"]["post"]["zh_cn"]["title"], "标题");
    assert_eq!(stored[2]["msg_type"], "interactive");
    assert_eq!(stored[2]["card"]["data"]["template_id"], "AAq1");
    for m in &stored {
        assert!(m["sign"].is_string() && m["timestamp"].is_string(), "{m}");
    }
    std::fs::remove_dir_all(&dir).ok();
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_exit_non_zero_with_code_and_msg() {
    let mock = MockServer::start().await.unwrap();
    mock.add_bot(TOKEN, Some(SECRET));
    let webhook = format!("{}/open-apis/bot/v2/hook/{TOKEN}", mock.base_url());

    let out = run(lark(&[
        "bot",
        "send",
        "--webhook",
        &webhook,
        "--secret",
        "wrong",
        "--text",
        "x",
    ]))
    .await;
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("19021"), "{stderr}");
    assert!(stderr.contains("sign match fail"), "{stderr}");

    mock.set_bot_keywords(TOKEN, ["alert"]);
    let out = run(lark(&[
        "bot",
        "send",
        "--webhook",
        &webhook,
        "--secret",
        SECRET,
        "--text",
        "x",
    ]))
    .await;
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("19024") && stderr.contains("Key Words Not Found"),
        "{stderr}"
    );

    // Usage errors: no message, two messages, a missing file, a bad webhook.
    for args in [
        vec!["bot", "send", "--webhook", &webhook],
        vec![
            "bot",
            "send",
            "--webhook",
            &webhook,
            "--text",
            "a",
            "--image",
            "k",
        ],
        vec![
            "bot",
            "send",
            "--webhook",
            &webhook,
            "--post",
            "/nonexistent/post.json",
        ],
        vec!["bot", "send", "--webhook", "not a url", "--text", "a"],
    ] {
        let out = run(lark(&args)).await;
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
    assert!(mock.bot_messages(TOKEN).is_empty());
    mock.shutdown().await;
}
