//! `lark api` and `lark mock serve`, run as processes against lark-mock on 127.0.0.1.

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use lark_mock::{Fault, FaultRule, MockServer};

fn lark(base_url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lark"));
    command
        .env("LARK_APP_ID", MockServer::APP_ID)
        .env("LARK_APP_SECRET", MockServer::APP_SECRET)
        .env("LARK_BASE_URL", base_url)
        .env_remove("LARK_DOMAIN")
        .env_remove("LARK_WWW_BASE_URL")
        .env_remove("LARK_HELPDESK_ID")
        .env_remove("LARK_HELPDESK_TOKEN")
        .env_remove("LARK_USER_TOKEN")
        .env_remove("LARK_TENANT_TOKEN");
    command
}

#[tokio::test(flavor = "multi_thread")]
async fn api_calls_print_the_json_answer() {
    let mock = MockServer::start().await.unwrap();
    let base = mock.base_url().to_owned();
    let data = format!(
        r#"{{"receive_id":"{}","msg_type":"text","content":"{{\"text\":\"from the cli\"}}"}}"#,
        MockServer::CHAT_ID
    );
    let output = tokio::task::spawn_blocking(move || {
        lark(&base)
            .args([
                "api",
                "POST",
                "/open-apis/im/v1/messages",
                "--query",
                "receive_id_type=chat_id",
                "--data",
                &data,
            ])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let answer: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(answer["code"], 0);
    assert!(
        answer["data"]["message_id"]
            .as_str()
            .unwrap()
            .starts_with("om_")
    );
    assert_eq!(mock.messages().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn api_errors_print_code_and_msg_and_fail() {
    let mock = MockServer::start().await.unwrap();
    let base = mock.base_url().to_owned();
    let output = tokio::task::spawn_blocking(move || {
        lark(&base)
            .args(["api", "GET", "/open-apis/im/v1/messages/om_does_not_exist"])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("Lark code"), "{stderr}");
    assert!(output.stdout.is_empty());
}

#[test]
fn missing_credentials_and_bad_input_are_usage_errors() {
    let output = Command::new(env!("CARGO_BIN_EXE_lark"))
        .args(["api", "GET", "/open-apis/im/v1/chats"])
        .env_remove("LARK_APP_ID")
        .env_remove("LARK_APP_SECRET")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("LARK_APP_ID"));
    let output = lark("http://127.0.0.1:9")
        .args(["api", "POST", "/open-apis/x", "--data", "{not json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--data is not JSON"));
}

#[test]
fn mock_serve_prints_its_url_and_answers() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lark"))
        .args(["mock", "serve"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap();
    let base = line.trim().to_owned();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    // The served mock answers a token request made by another process.
    let started = Instant::now();
    let output = loop {
        let output = lark(&base)
            .args(["api", "GET", "/open-apis/contact/v3/users/ou_mock_user"])
            .output()
            .unwrap();
        if output.status.success() || started.elapsed() > Duration::from_secs(10) {
            break output;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn unreachable_servers_are_named_with_the_cause() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base = format!("http://127.0.0.1:{port}");
    for args in [
        &["api", "GET", "/open-apis/im/v1/chats"][..],
        &["api", "--endpoint", "chat.GetChat", "-p", "chat_id=oc_1"][..],
    ] {
        let mut command = lark(&base);
        command.args(args);
        let output = tokio::task::spawn_blocking(move || command.output().unwrap())
            .await
            .unwrap();
        assert_eq!(output.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("cannot get the tenant_access_token"),
            "{stderr}"
        );
        assert!(stderr.contains(&format!("server {base}")), "{stderr}");
        assert!(stderr.to_lowercase().contains("refused"), "{stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn api_calls_use_what_the_catalog_knows_of_the_path() {
    let mock = MockServer::builder()
        .record_requests(true)
        .start()
        .await
        .unwrap();
    // The helpdesk header for a helpdesk path.
    let mut command = lark(mock.base_url());
    command
        .args([
            "api",
            "POST",
            "/open-apis/helpdesk/v1/start_service",
            "--data",
            r#"{"open_id":"ou_mock_user"}"#,
        ])
        .env("LARK_HELPDESK_ID", MockServer::HELPDESK_ID)
        .env("LARK_HELPDESK_TOKEN", MockServer::HELPDESK_TOKEN);
    let output = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let answer: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(answer["code"], 0);
    assert!(
        answer["data"]["chat_id"]
            .as_str()
            .unwrap()
            .starts_with("oc_")
    );

    // The idempotency key, and so a retry after a 500.
    mock.inject(
        FaultRule::new(Fault::html_error_page(500))
            .path("/open-apis/im/v1/messages")
            .method(http::Method::POST)
            .once(),
    );
    let data = format!(
        r#"{{"receive_id":"{}","msg_type":"text","content":"{{\"text\":\"again\"}}"}}"#,
        MockServer::CHAT_ID
    );
    let mut command = lark(mock.base_url());
    command.args([
        "api",
        "POST",
        "/open-apis/im/v1/messages",
        "-q",
        "receive_id_type=chat_id",
        "-d",
        &data,
    ]);
    let output = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let sent = mock.requests_to("/open-apis/im/v1/messages");
    assert_eq!(sent.len(), 2);
    let uuid = sent[0].json().unwrap()["uuid"].clone();
    assert!(uuid.as_str().is_some_and(|u| u.len() == 36), "{uuid}");
    assert_eq!(sent[1].json().unwrap()["uuid"], uuid);
    assert_eq!(mock.messages().len(), 1);
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_tenant_token_got_elsewhere_is_used_as_given() {
    let mock = MockServer::start().await.unwrap();
    let base = mock.base_url().to_owned();
    let run = move |args: &[&str]| {
        let base = base.clone();
        let args: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        async move {
            tokio::task::spawn_blocking(move || lark(&base).args(&args).output().unwrap())
                .await
                .unwrap()
        }
    };
    // The token, got the way another service would.
    let body = format!(
        r#"{{"app_id":"{}","app_secret":"{}"}}"#,
        MockServer::APP_ID,
        MockServer::APP_SECRET
    );
    let minted = run(&[
        "api",
        "POST",
        "/open-apis/auth/v3/tenant_access_token/internal",
        "--data",
        &body,
    ])
    .await;
    assert!(minted.status.success());
    let minted: serde_json::Value = serde_json::from_slice(&minted.stdout).unwrap();
    let token = minted["tenant_access_token"].as_str().unwrap().to_owned();
    assert_eq!(mock.tenant_token_requests(), 1);

    let chats = run(&[
        "api",
        "GET",
        "/open-apis/im/v1/chats",
        "--tenant-token",
        &token,
    ])
    .await;
    assert!(
        chats.status.success(),
        "{}",
        String::from_utf8_lossy(&chats.stderr)
    );
    // The CLI fetched no token of its own.
    assert_eq!(mock.tenant_token_requests(), 1);

    // A bad one is the call's error, not refreshed.
    let refused = run(&[
        "api",
        "GET",
        "/open-apis/im/v1/chats",
        "--tenant-token",
        "t-not-issued",
    ])
    .await;
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("Lark code"));
    assert_eq!(mock.tenant_token_requests(), 1);

    // With a user token too: a usage error.
    let both = run(&[
        "api",
        "GET",
        "/open-apis/im/v1/chats",
        "--tenant-token",
        "t",
        "--user-token",
        "u",
    ])
    .await;
    assert_eq!(both.status.code(), Some(2));
}

#[tokio::test(flavor = "multi_thread")]
async fn verbose_shows_attempts_and_retries_never_a_token() {
    let mock = MockServer::start().await.unwrap();
    // The first GET of the chat answers 500: retried (a GET is safe to repeat).
    mock.inject(
        FaultRule::new(Fault::lark_error(1_000_500, "internal error").status(500))
            .path(format!("/open-apis/im/v1/chats/{}", MockServer::CHAT_ID))
            .nth(1),
    );
    let base = mock.base_url().to_owned();
    let run = move |args: &'static [&'static str]| {
        let base = base.clone();
        let path = format!("/open-apis/im/v1/chats/{}", MockServer::CHAT_ID);
        tokio::task::spawn_blocking(move || {
            lark(&base)
                .args(["api", "GET", &path])
                .args(args)
                .output()
                .unwrap()
        })
    };
    let output = run(&["-vv"]).await.unwrap();
    assert!(output.status.success());
    let log = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(log.contains("token fetched"), "{log}");
    assert!(log.contains("reason=\"server error\""), "{log}");
    assert!(log.contains("attempt=1 status=500 code=1000500"), "{log}");
    assert!(log.contains("attempt=2 status=200"), "{log}");
    assert!(!log.contains(MockServer::APP_SECRET), "{log}");
    assert!(!log.contains("t-"), "no tenant token: {log}");

    // JSON lines for machines; nothing at all without -v.
    let output = run(&["-v", "--log-format", "json"]).await.unwrap();
    let log = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!log.is_empty());
    for line in log.lines() {
        let value: serde_json::Value = serde_json::from_str(line).expect(line);
        assert!(value["fields"]["message"].is_string(), "{line}");
    }
    let output = run(&[]).await.unwrap();
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
