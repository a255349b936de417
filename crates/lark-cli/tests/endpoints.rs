//! `lark endpoints` and `lark api --endpoint`, run as processes (against lark-mock on 127.0.0.1).

use std::process::{Command, Output};

use lark_core::api::CATALOG;
use lark_mock::MockServer;

fn lark(base_url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lark"));
    command
        .env("LARK_APP_ID", MockServer::APP_ID)
        .env("LARK_APP_SECRET", MockServer::APP_SECRET)
        .env("LARK_BASE_URL", base_url)
        .env_remove("LARK_USER_TOKEN");
    command
}

async fn run(base_url: &str, args: &[&str]) -> Output {
    let mut command = lark(base_url);
    command.args(args);
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

#[test]
fn endpoints_lists_the_whole_catalog() {
    let output = lark("http://127.0.0.1:9")
        .arg("endpoints")
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), CATALOG.len());
    for (line, e) in lines.iter().zip(CATALOG) {
        assert_eq!(
            *line,
            format!("{} {} {}.{}", e.method, e.path, e.service, e.name)
        );
    }
    assert!(lines.contains(&"POST /open-apis/im/v1/messages message.SendRawMessage"));
    assert!(lines.contains(&"GET /open-apis/im/v1/chats/:chat_id chat.GetChat"));

    let only = lark("http://127.0.0.1:9")
        .args(["endpoints", "--service", "docx"])
        .output()
        .unwrap();
    let text = String::from_utf8(only.stdout).unwrap();
    assert_eq!(
        text.lines().count(),
        CATALOG.iter().filter(|e| e.service == "docx").count()
    );
    assert!(text.lines().all(|l| l.contains(" docx.")));
}

#[tokio::test(flavor = "multi_thread")]
async fn endpoint_calls_put_params_where_the_catalog_says() {
    let mock = MockServer::builder()
        .record_requests(true)
        .start()
        .await
        .unwrap();
    let content = r#"content={"text":"from --endpoint"}"#;
    let receive_id = format!("receive_id={}", MockServer::CHAT_ID);
    let output = run(
        mock.base_url(),
        &[
            "api",
            "--endpoint",
            "message.SendRawMessage",
            "--param",
            "receive_id_type=chat_id",
            "--param",
            &receive_id,
            "--param",
            "msg_type=text",
            "--param",
            content,
        ],
    )
    .await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let answer: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(answer["message_id"].as_str().unwrap().starts_with("om_"));
    let sent = mock.requests_to("/open-apis/im/v1/messages");
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].query.as_deref(), Some("receive_id_type=chat_id"));
    let body: serde_json::Value = serde_json::from_slice(&sent[0].body).unwrap();
    assert_eq!(body["msg_type"], "text");
    assert_eq!(body["receive_id"], MockServer::CHAT_ID);

    // A path parameter and a list query parameter, through the spec-driven handler.
    let output = run(
        mock.base_url(),
        &[
            "api",
            "--endpoint",
            "message.SendUrgentAppMessage",
            "--param",
            "message_id=om_1",
            "--param",
            "user_id_type=open_id",
            "--param",
            "user_id_list=ou_1",
            "--param",
            "user_id_list=ou_2",
        ],
    )
    .await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let sent = mock.requests_to("/open-apis/im/v1/messages/om_1/urgent_app");
    assert_eq!(sent.len(), 1);
    let body: serde_json::Value = serde_json::from_slice(&sent[0].body).unwrap();
    assert_eq!(body["user_id_list"], serde_json::json!(["ou_1", "ou_2"]));
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn missing_or_bad_params_fail_before_any_request() {
    let mock = MockServer::builder()
        .record_requests(true)
        .start()
        .await
        .unwrap();
    let missing = run(
        mock.base_url(),
        &[
            "api",
            "--endpoint",
            "message.SendRawMessage",
            "--param",
            "receive_id_type=chat_id",
        ],
    )
    .await;
    assert_eq!(missing.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&missing.stderr);
    assert!(stderr.contains("`receive_id` (body, string)"), "{stderr}");
    assert!(stderr.contains("`msg_type`"), "{stderr}");

    let unknown = run(
        mock.base_url(),
        &[
            "api",
            "--endpoint",
            "chat.GetChat",
            "--param",
            "chat_id=oc_1",
            "--param",
            "nope=1",
        ],
    )
    .await;
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no parameter `nope`"));

    let mistyped = run(
        mock.base_url(),
        &[
            "api",
            "--endpoint",
            "message.GetMessageList",
            "--param",
            "container_id_type=chat",
            "--param",
            "container_id=oc_1",
            "--param",
            "page_size=many",
        ],
    )
    .await;
    assert_eq!(mistyped.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&mistyped.stderr).contains("page_size"));

    let no_such = run(mock.base_url(), &["api", "--endpoint", "chat.Nothing"]).await;
    assert_eq!(no_such.status.code(), Some(2));

    // Nothing reached the server, not even a token request.
    assert_eq!(mock.tenant_token_requests(), 0);
    assert!(mock.requests().is_empty());
    mock.shutdown().await;
}
