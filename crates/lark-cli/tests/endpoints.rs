//! `lark endpoints` and `lark api --endpoint`, run as processes (against lark-mock on 127.0.0.1).

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Output, Stdio};

use lark_core::api::CATALOG;
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
            format!("{} {} {} ({})", e.method, e.path, e.id(), e.alias)
        );
    }
    assert!(
        lines.contains(
            &"POST /open-apis/im/v1/messages im.v1.message.create (message.SendRawMessage)"
        )
    );
    assert!(lines.contains(&"GET /open-apis/im/v1/chats/:chat_id im.v1.chat.get (chat.GetChat)"));
    // Every distinct method and path of the spec (the union of the official SDKs) is listed:
    // placeholders compared alike, a trailing `/` ignored.
    let key = |method: &str, path: &str| {
        let shape: Vec<&str> = path
            .trim_end_matches('/')
            .split('/')
            .map(|s| if s.starts_with(':') { ":" } else { s })
            .collect();
        format!("{} {}", method.to_ascii_uppercase(), shape.join("/"))
    };
    let spec: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../spec/lark-api-union.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let in_spec: std::collections::BTreeSet<String> = spec["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| key(e["method"].as_str().unwrap(), e["path"].as_str().unwrap()))
        .collect();
    let listed: std::collections::BTreeSet<String> = lines
        .iter()
        .map(|line| {
            let mut words = line.split(' ');
            key(words.next().unwrap(), words.next().unwrap())
        })
        .collect();
    assert_eq!(listed, in_spec);
    assert!(listed.len() > 1_800, "{}", listed.len());
    assert!(lines.contains(
        &"POST /open-apis/im/v1/chats/:chat_id/members im.v1.chatMembers.create (chat.AddChatMember)"
    ));

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
            "im.v1.message.create",
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
            // The documentation's spelling finds it too.
            "im/v1/message/list",
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

#[tokio::test(flavor = "multi_thread")]
async fn endpoint_calls_take_the_idempotency_key_and_the_retry_policy() {
    let mock = MockServer::builder()
        .record_requests(true)
        .start()
        .await
        .unwrap();
    // The first attempt meets an HTTP 500: the message may or may not have been sent, and only
    // the idempotency key makes sending it again harmless.
    let fault = mock.inject(
        FaultRule::new(Fault::html_error_page(500))
            .path("/open-apis/im/v1/messages")
            .method(http::Method::POST)
            .once(),
    );
    let receive_id = format!("receive_id={}", MockServer::CHAT_ID);
    let output = run(
        mock.base_url(),
        &[
            "api",
            "--endpoint",
            "message.SendRawMessage",
            "-p",
            "receive_id_type=chat_id",
            "-p",
            &receive_id,
            "-p",
            "msg_type=text",
            "-p",
            r#"content={"text":"retried"}"#,
        ],
    )
    .await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(mock.fault_hits(fault), 1);
    let sent = mock.requests_to("/open-apis/im/v1/messages");
    assert_eq!(sent.len(), 2, "the 500 was not retried");
    let uuids: Vec<String> = sent
        .iter()
        .map(|r| {
            r.json().unwrap()["uuid"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    assert_eq!(uuids[0].len(), 36, "no uuid in {:?}", sent[0].json());
    assert_eq!(uuids[0], uuids[1], "both attempts carry the same key");
    assert_eq!(mock.messages().len(), 1);

    // A key the caller gives is kept.
    mock.clear_requests();
    let output = run(
        mock.base_url(),
        &[
            "api",
            "--endpoint",
            "message.SendRawMessage",
            "-p",
            "receive_id_type=chat_id",
            "-p",
            &receive_id,
            "-p",
            "msg_type=text",
            "-p",
            r#"content={"text":"mine"}"#,
            "-p",
            "uuid=my-own-key",
        ],
    )
    .await;
    assert!(output.status.success());
    let sent = mock.requests_to("/open-apis/im/v1/messages");
    assert_eq!(sent[0].json().unwrap()["uuid"], "my-own-key");

    // A PATCH without a key is not sent twice after a 500.
    mock.clear_requests();
    mock.inject(
        FaultRule::new(Fault::html_error_page(500))
            .path("/open-apis/im/v1/messages/om_1/urgent_app")
            .once(),
    );
    let output = run(
        mock.base_url(),
        &[
            "api",
            "--endpoint",
            "message.SendUrgentAppMessage",
            "-p",
            "message_id=om_1",
            "-p",
            "user_id_type=open_id",
            "-p",
            "user_id_list=ou_1",
        ],
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        mock.requests_to("/open-apis/im/v1/messages/om_1/urgent_app")
            .len(),
        1
    );
    mock.shutdown().await;
}

/// `X-Lark-Helpdesk-Authorization` of the mock's helpdesk: base64 of `id:token`.
const HELPDESK_AUTHORIZATION: &str = "bW9jay1oZWxwZGVzazptb2NrLWhlbHBkZXNrLXRva2Vu";

#[tokio::test(flavor = "multi_thread")]
async fn helpdesk_endpoints_take_the_helpdesk_credentials_from_the_environment() {
    let mock = MockServer::builder()
        .record_requests(true)
        .start()
        .await
        .unwrap();
    let args = [
        "api",
        "--endpoint",
        "helpdesk.StartHelpdeskService",
        "--param",
        "open_id=ou_mock_user",
    ];
    let mut command = lark(mock.base_url());
    command
        .args(args)
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
    assert!(answer["chat_id"].as_str().unwrap().starts_with("oc_"));
    let sent = mock.requests_to("/open-apis/helpdesk/v1/start_service");
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].headers["x-lark-helpdesk-authorization"],
        HELPDESK_AUTHORIZATION
    );
    assert!(
        sent[0].headers["authorization"]
            .to_str()
            .unwrap()
            .starts_with("Bearer t-")
    );

    // Without them the call is refused before anything is sent; half of them is a usage error.
    mock.clear_requests();
    let without = run(mock.base_url(), &args).await;
    assert_eq!(without.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&without.stderr).contains("helpdesk"));
    let mut command = lark(mock.base_url());
    command
        .args(args)
        .env("LARK_HELPDESK_ID", MockServer::HELPDESK_ID)
        .env_remove("LARK_HELPDESK_TOKEN");
    let half = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    assert_eq!(half.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&half.stderr).contains("LARK_HELPDESK_TOKEN"));
    assert!(
        mock.requests_to("/open-apis/helpdesk/v1/start_service")
            .is_empty()
    );
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn list_params_take_json_arrays() {
    let mock = MockServer::builder()
        .record_requests(true)
        .start()
        .await
        .unwrap();
    let path = "/open-apis/corehr/v1/departments";
    // A JSON array and repeated keys send the same query.
    for list in [
        &["-p", r#"department_id_list=["d 1","d2"]"#][..],
        &[
            "-p",
            "department_id_list=d 1",
            "-p",
            "department_id_list=d2",
        ][..],
    ] {
        mock.clear_requests();
        let mut args = vec![
            "api",
            "--endpoint",
            "core_hr.GetCoreHRDepartmentList",
            "-p",
            "page_size=10",
        ];
        args.extend_from_slice(list);
        let output = run(mock.base_url(), &args).await;
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let sent = mock.requests_to(path);
        assert_eq!(
            sent[0].query.as_deref(),
            Some("page_size=10&department_id_list=d%201&department_id_list=d2")
        );
    }
    let bad = run(
        mock.base_url(),
        &[
            "api",
            "--endpoint",
            "core_hr.GetCoreHRDepartmentList",
            "-p",
            "page_size=10",
            "-p",
            r#"department_id_list=[{"id":1}]"#,
        ],
    )
    .await;
    assert_eq!(bad.status.code(), Some(2));

    // Body lists and objects are JSON too.
    mock.clear_requests();
    let output = run(
        mock.base_url(),
        &[
            "api",
            "--endpoint",
            "chat.CreateChatTab",
            "-p",
            "chat_id=oc_1",
            "-p",
            r#"chat_tabs=[{"tab_name":"Docs","tab_type":"url"}]"#,
        ],
    )
    .await;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let sent = mock.requests_to("/open-apis/im/v1/chats/oc_1/chat_tabs");
    assert_eq!(
        sent[0].json().unwrap()["chat_tabs"],
        serde_json::json!([{"tab_name": "Docs", "tab_type": "url"}])
    );
    mock.clear_requests();
    let output = run(
        mock.base_url(),
        &[
            "api",
            "--endpoint",
            "message.SendUrgentAppMessage",
            "-p",
            "message_id=om_1",
            "-p",
            "user_id_type=open_id",
            "-p",
            r#"user_id_list=["ou_1","ou_2"]"#,
        ],
    )
    .await;
    assert!(output.status.success());
    let sent = mock.requests_to("/open-apis/im/v1/messages/om_1/urgent_app");
    assert_eq!(
        sent[0].json().unwrap()["user_id_list"],
        serde_json::json!(["ou_1", "ou_2"])
    );
    mock.shutdown().await;
}

#[test]
fn a_closed_stdout_ends_the_listing_quietly() {
    // The listing is larger than a pipe's buffer, so the writer meets the closed pipe.
    let size: usize = CATALOG
        .iter()
        .map(|e| e.method.as_str().len() + e.path.len() + e.id().len() + e.alias.len() + 5)
        .sum();
    assert!(size > 128 * 1024, "{size}");
    let mut child = lark("http://127.0.0.1:9")
        .arg("endpoints")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    assert!(first.contains(' '), "{first}");
    drop(stdout);
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    assert_eq!(output.status.code(), Some(0));
}

#[tokio::test(flavor = "multi_thread")]
async fn www_endpoints_go_to_the_www_base() {
    let mock = MockServer::builder()
        .record_requests(true)
        .start()
        .await
        .unwrap();
    // The same mock under another name: the Host header tells which base a request went to.
    let open_host = mock.base_url().trim_start_matches("http://").to_owned();
    let www_base = mock.base_url().replace("127.0.0.1", "localhost");
    let www_host = www_base.trim_start_matches("http://").to_owned();
    let calls: [&[&str]; 2] = [
        &[
            "api",
            "--endpoint",
            "approval.GetApproval",
            "-p",
            "approval_code=A-1",
        ],
        &[
            "api",
            "POST",
            "/approval/openapi/v2/approval/get",
            "-d",
            r#"{"approval_code":"A-1"}"#,
        ],
    ];
    for args in calls {
        mock.clear_requests();
        let mut command = lark(mock.base_url());
        command.args(args).env("LARK_WWW_BASE_URL", &www_base);
        let output = tokio::task::spawn_blocking(move || command.output().unwrap())
            .await
            .unwrap();
        assert!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let host = |path: &str| -> Vec<String> {
            mock.requests_to(path)
                .iter()
                .map(|r| r.headers["host"].to_str().unwrap().to_owned())
                .collect()
        };
        assert_eq!(
            host("/approval/openapi/v2/approval/get"),
            [www_host.as_str()],
            "{args:?}"
        );
        assert_eq!(
            host("/open-apis/auth/v3/tenant_access_token/internal"),
            [open_host.as_str()],
            "{args:?}"
        );
    }
    mock.shutdown().await;
}
