//! `lark event listen` against lark-mock: the built binary connects over the long connection,
//! prints a pushed event as one JSON line on stdout and acks it.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use lark_mock::MockServer;
use serde_json::{Value, json};

const WAIT: Duration = Duration::from_secs(10);

/// Kills the child however the test ends.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn listen(mock: &MockServer, secret: &str) -> Killed {
    Killed(
        Command::new(env!("CARGO_BIN_EXE_lark"))
            .args(["event", "listen"])
            .env("LARK_APP_ID", MockServer::APP_ID)
            .env("LARK_APP_SECRET", secret)
            .env("LARK_BASE_URL", mock.base_url())
            .env_remove("LARK_DOMAIN")
            .env_remove("LARK_ENCRYPT_KEY")
            .env_remove("LARK_VERIFICATION_TOKEN")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn listen_prints_each_event_as_one_json_line() {
    let mock = MockServer::start().await.unwrap();
    let ws = mock.ws();
    let mut child = listen(&mock, MockServer::APP_SECRET);
    let stdout = child.0.stdout.take().unwrap();
    let (lines, received) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if lines.send(line).is_err() {
                break;
            }
        }
    });

    ws.wait_for_connections(1, WAIT).await.unwrap();
    let event = json!({
        "schema": "2.0",
        "header": {
            "event_id": "ev-cli-1",
            "event_type": "im.message.receive_v1",
            "create_time": "1700000000000",
            "token": "",
            "app_id": MockServer::APP_ID,
            "tenant_key": MockServer::TENANT_KEY
        },
        "event": {"message": {"message_id": "om_1", "message_type": "text", "content": "{\"text\":\"hi\"}"}}
    });
    let id = ws.push_event(&event);
    let line = tokio::task::spawn_blocking(move || received.recv_timeout(WAIT))
        .await
        .unwrap()
        .expect("one line within 10 s")
        .unwrap();
    let printed: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(printed["event_type"], "im.message.receive_v1");
    assert_eq!(printed["event_id"], "ev-cli-1");
    assert_eq!(printed["schema"], "2.0");
    assert_eq!(printed["event"], event["event"]);
    let ack = ws.wait_for_ack(&id, WAIT).await.unwrap();
    assert_eq!(ack.code, Some(200));
}

#[tokio::test(flavor = "multi_thread")]
async fn listen_with_a_wrong_secret_fails_at_once() {
    let mock = MockServer::start().await.unwrap();
    let child = listen(&mock, "not-the-secret");
    let output = tokio::task::spawn_blocking(move || {
        let mut child = child;
        // Bounded: the child ends by itself on a fatal code, or is killed after 10 s.
        let mut status = None;
        for _ in 0..100 {
            status = child.0.try_wait().ok().flatten();
            if status.is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        if status.is_none() {
            let _ = child.0.kill();
        }
        let mut stderr = String::new();
        if let Some(mut pipe) = child.0.stderr.take() {
            use std::io::Read as _;
            let _ = pipe.read_to_string(&mut stderr);
        }
        (status, stderr)
    })
    .await
    .unwrap();
    let (status, stderr) = output;
    let status = status.expect("the listener exits by itself");
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("10014"), "{stderr}");
    assert!(!stderr.contains("not-the-secret"), "{stderr}");
    assert_eq!(mock.ws().handshakes(), 0);
}
