//! What the mock does to the socket itself: drops close it with no HTTP answer at all, and
//! shutting the server down closes open connections.

use std::time::Duration;

use lark_mock::{Fault, FaultRule, MockServer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const TOKEN_REQUEST: &str = "POST /open-apis/auth/v3/tenant_access_token/internal HTTP/1.1\r\n\
    Host: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 56\r\n\r\n\
    {\"app_id\":\"cli_mock_app\",\"app_secret\":\"mock-app-secret\"}";

/// Sends `raw` and reads until the server closes the connection (or 5 s pass).
async fn exchange(mock: &MockServer, raw: &str) -> Vec<u8> {
    let mut stream = TcpStream::connect(mock.addr()).await.unwrap();
    stream.write_all(raw.as_bytes()).await.unwrap();
    read_until_closed(&mut stream).await
}

async fn read_until_closed(stream: &mut TcpStream) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf))
            .await
            .expect("the server closes the connection");
        match read {
            Ok(0) | Err(_) => return out,
            Ok(n) => out.extend_from_slice(&buf[..n]),
        }
    }
}

#[tokio::test]
async fn a_normal_answer_for_reference() {
    assert_eq!(TOKEN_REQUEST.split("\r\n\r\n").nth(1).unwrap().len(), 56);
    let mock = MockServer::start().await.unwrap();
    let raw = TOKEN_REQUEST.replace("HTTP/1.1\r\n", "HTTP/1.1\r\nConnection: close\r\n");
    let answer = String::from_utf8(exchange(&mock, &raw).await).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(answer.to_ascii_lowercase().contains("x-tt-logid: "));
    assert!(answer.contains("\"tenant_access_token\":\"t-"));
}

#[tokio::test]
async fn drop_before_the_handler_writes_nothing_and_changes_nothing() {
    let mock = MockServer::start().await.unwrap();
    let rule = mock.inject(FaultRule::new(Fault::DropBeforeHandler).once());
    let answer = exchange(&mock, TOKEN_REQUEST).await;
    assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));
    assert_eq!(mock.fault_hits(rule), 1);
    assert_eq!(mock.tenant_token_requests(), 1, "the request arrived");
    // The next request on a new connection is answered.
    let raw = TOKEN_REQUEST.replace("HTTP/1.1\r\n", "HTTP/1.1\r\nConnection: close\r\n");
    let answer = exchange(&mock, &raw).await;
    assert!(answer.starts_with(b"HTTP/1.1 200"));
}

#[tokio::test]
async fn drop_after_the_handler_writes_nothing_but_the_change_stays() {
    let mock = MockServer::start().await.unwrap();
    mock.add_bot("hook", None);
    mock.inject(FaultRule::new(Fault::DropAfterHandler).path_prefix("/open-apis/bot/"));
    let body = r#"{"msg_type":"text","content":{"text":"delivered"}}"#;
    let raw = format!(
        "POST /open-apis/bot/v2/hook/hook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let answer = exchange(&mock, &raw).await;
    assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));
    assert_eq!(mock.bot_messages("hook").len(), 1);
}

#[tokio::test]
async fn shutting_down_closes_open_connections() {
    let mock = MockServer::start().await.unwrap();
    let mut stream = TcpStream::connect(mock.addr()).await.unwrap();
    stream.write_all(TOKEN_REQUEST.as_bytes()).await.unwrap();
    // Read the keep-alive answer, leaving the connection open.
    let mut buf = [0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf))
        .await
        .unwrap()
        .unwrap();
    assert!(buf[..n].starts_with(b"HTTP/1.1 200"));
    let addr = mock.addr();
    drop(mock);
    // Dropping the handle closes the kept-alive connection and the listener.
    let rest = read_until_closed(&mut stream).await;
    assert!(rest.is_empty());
    let mut refused = false;
    for _ in 0..50 {
        if TcpStream::connect(addr).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(refused, "the listener is closed");
}
