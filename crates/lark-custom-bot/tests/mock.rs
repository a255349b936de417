//! Round trips against lark-mock's custom-bot webhook on 127.0.0.1, through the reqwest
//! backend and the system clock: the mock checks the signature within its one-hour window and
//! stores what it accepted. Then the network's failures (a server gone, one that never
//! answers, a 5xx page), on bare 127.0.0.1 sockets, showing neither the hook token nor the
//! secret.
#![cfg(not(target_arch = "wasm32"))]

use std::future::Future;
use std::time::Duration;

use lark_core::{Error, HttpClient, HttpErrorKind, ManualClock, Runtime};
use lark_custom_bot::{
    CardTemplate, CustomBot, Message, Post, PostContent, PostElement, RateLimit, RetryPolicy, Text,
    codes,
};
use lark_mock::{Fault, FaultRule, MockServer};
use lark_reqwest::{ReqwestClient, SystemRuntime};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

mod common;
use common::{assert_hidden, everything_shown};

const TOKEN: &str = "0b5c-signed-bot";
const SECRET: &str = "qWnXHfJ8sZ1v6oU3";

async fn mock_with_bots() -> MockServer {
    let mock = MockServer::start().await.unwrap();
    mock.add_bot(TOKEN, Some(SECRET));
    mock.add_bot("open-bot", None);
    mock
}

fn webhook(mock: &MockServer, token: &str) -> String {
    format!("{}/open-apis/bot/v2/hook/{token}", mock.base_url())
}

fn bot(mock: &MockServer) -> CustomBot<ReqwestClient> {
    CustomBot::new(webhook(mock, TOKEN), ReqwestClient::new(), SystemRuntime).secret(SECRET)
}

#[tokio::test]
async fn every_message_kind_round_trips_signed() {
    let mock = mock_with_bots().await;
    let bot = bot(&mock);
    let messages: Vec<Message> = vec![
        Text::new("deploy done ")
            .at("ou_1", "Ann")
            .push(" ")
            .at_all()
            .into(),
        Post::new()
            .zh_cn(PostContent::new("上线").line([
                PostElement::text("好 "),
                PostElement::link("链接", "https://example.com"),
            ]))
            .en_us(
                PostContent::new("Live")
                    .line([PostElement::emotion("THUMBSUP"), PostElement::at_all()])
                    .line([PostElement::hr()])
                    .line([PostElement::code_block("RUST", "fn main() {}")]),
            )
            .into(),
        Message::image("img_v2_041b28e3"),
        Message::share_chat("oc_share"),
        Message::card(
            json!({"header": {"title": {"tag": "plain_text", "content": "Hi"}}, "elements": []}),
        ),
        CardTemplate::new("AAqkz9").variable("n", 1).into(),
    ];
    for message in &messages {
        let reply = bot.send(message).await.unwrap();
        assert_eq!(reply.msg, "success");
        assert_eq!(reply.http_status, 200);
        assert!(reply.log_id.is_some());
    }
    let stored = mock.bot_messages(TOKEN);
    assert_eq!(stored.len(), messages.len());
    for (stored, sent) in stored.iter().zip(&messages) {
        // What the mock stored is the message plus the signature fields.
        let mut want: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&sent.to_json().unwrap()).unwrap();
        let timestamp = stored["timestamp"].as_str().unwrap();
        let seconds: u64 = timestamp.parse().unwrap();
        want.insert("timestamp".into(), json!(timestamp));
        want.insert("sign".into(), json!(lark_custom_bot::sign(seconds, SECRET)));
        assert_eq!(stored, &serde_json::Value::Object(want));
    }
    mock.shutdown().await;
}

#[tokio::test]
async fn unsigned_bots_take_unsigned_posts() {
    let mock = mock_with_bots().await;
    let bot = CustomBot::new(
        webhook(&mock, "open-bot"),
        ReqwestClient::new(),
        SystemRuntime,
    );
    bot.send_text("hello").await.unwrap();
    assert_eq!(
        mock.bot_messages("open-bot"),
        [json!({"msg_type": "text", "content": {"text": "hello"}})]
    );
    mock.shutdown().await;
}

#[tokio::test]
async fn the_platform_refusals_come_back_as_api_errors() {
    let mock = mock_with_bots().await;
    // Wrong secret.
    let wrong = CustomBot::new(webhook(&mock, TOKEN), ReqwestClient::new(), SystemRuntime)
        .secret("not-the-secret");
    let err = wrong.send_text("x").await.unwrap_err();
    assert_eq!(err.code(), Some(codes::SIGNATURE_MISMATCH), "{err}");
    // No signature at all.
    let unsigned = CustomBot::new(webhook(&mock, TOKEN), ReqwestClient::new(), SystemRuntime);
    assert_eq!(
        unsigned.send_text("x").await.unwrap_err().code(),
        Some(codes::SIGNATURE_MISMATCH)
    );
    // A clock two hours off: the right secret, outside the window.
    let now = SystemRuntime.now_millis();
    for skew in [-7_200_000i64, 7_200_000] {
        let clock = ManualClock::new(now.saturating_add_signed(skew));
        let late =
            CustomBot::new(webhook(&mock, TOKEN), ReqwestClient::new(), clock).secret(SECRET);
        let err = late.send_text("x").await.unwrap_err();
        assert_eq!(err.code(), Some(codes::SIGNATURE_MISMATCH), "{err}");
    }
    // Ten minutes off is inside the window.
    let clock = ManualClock::new(now - 600_000);
    let skewed = CustomBot::new(webhook(&mock, TOKEN), ReqwestClient::new(), clock).secret(SECRET);
    skewed.send_text("x").await.unwrap();
    // Keywords.
    mock.set_bot_keywords(TOKEN, ["deploy"]);
    let err = bot(&mock).send_text("hello").await.unwrap_err();
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        (api.code, api.msg.as_str()),
        (codes::KEYWORD_MISMATCH, "Key Words Not Found")
    );
    bot(&mock).send_text("deploy ok").await.unwrap();
    // An unknown token.
    let unknown = CustomBot::new(webhook(&mock, "nope"), ReqwestClient::new(), SystemRuntime);
    assert_eq!(
        unknown.send_text("x").await.unwrap_err().code(),
        Some(19001)
    );
    // Only the two good posts were stored.
    assert_eq!(mock.bot_messages(TOKEN).len(), 2);
    mock.shutdown().await;
}

#[tokio::test]
async fn rate_limited_answers_are_retried() {
    let mock = mock_with_bots().await;
    let path = format!("/open-apis/bot/v2/hook/{TOKEN}");
    let fault = mock.inject(
        FaultRule::new(Fault::lark_error(codes::RATE_LIMITED, "frequency limited").status(200))
            .path(&path)
            .next(2),
    );
    let bot = bot(&mock).retry(RetryPolicy::default().base_delay(Duration::from_millis(20)));
    bot.send_text("after two refusals").await.unwrap();
    assert_eq!(mock.fault_hits(fault), 2);
    assert_eq!(mock.request_count(&path), 3);
    assert_eq!(mock.bot_messages(TOKEN).len(), 1);

    // Bounded: the fault outlasts the attempts.
    mock.clear_faults();
    mock.inject(
        FaultRule::new(Fault::lark_error(codes::RATE_LIMITED, "frequency limited")).path(&path),
    );
    let bot = bot.retry(
        RetryPolicy::default()
            .max_attempts(3)
            .base_delay(Duration::from_millis(5)),
    );
    let err = bot.send_text("x").await.unwrap_err();
    assert_eq!(err.code(), Some(codes::RATE_LIMITED));
    assert_eq!(mock.request_count(&path), 6);
    mock.shutdown().await;
}

#[tokio::test]
async fn broken_answers_are_clear_errors() {
    let mock = mock_with_bots().await;
    let path = format!("/open-apis/bot/v2/hook/{TOKEN}");
    let bot = bot(&mock);
    let cases: [(Fault, &str); 3] = [
        (Fault::html_error_page(502), "HTTP 502"),
        (Fault::MalformedJson { status: 200 }, "not a JSON reply"),
        (Fault::EmptyBody { status: 200 }, "empty body"),
    ];
    for (fault, hint) in cases {
        mock.clear_faults();
        mock.inject(FaultRule::new(fault).path(&path));
        let err = bot.send_text("x").await.unwrap_err();
        let Error::Decode(decode) = &err else {
            panic!("{err:?}")
        };
        assert!(decode.message.contains(hint), "{}", decode.message);
        assert!(err.to_string().contains("cannot decode"), "{err}");
    }
    mock.clear_faults();
    mock.inject(FaultRule::new(Fault::DropBeforeHandler).path(&path));
    assert!(matches!(bot.send_text("x").await, Err(Error::Transport(_))));
    assert!(mock.bot_messages(TOKEN).is_empty());
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_limiter_keeps_a_concurrent_burst_under_five_per_second() {
    let mock = mock_with_bots().await;
    let bot = bot(&mock).rate_limit(RateLimit::custom_bot());
    let started = std::time::Instant::now();
    // Clones share the window; the futures are Send, so they run on tokio's worker threads.
    let tasks: Vec<_> = (0..7)
        .map(|i| {
            let bot = bot.clone();
            tokio::spawn(async move {
                bot.send_text(format!("burst {i}")).await.unwrap();
                started.elapsed()
            })
        })
        .collect();
    let mut done = Vec::new();
    for task in tasks {
        done.push(task.await.unwrap());
    }
    done.sort();
    // At most five can go in the first second; the others wait for it to pass.
    assert!(done[5] >= Duration::from_millis(990), "{done:?}");
    assert!(done[6] < Duration::from_secs(10), "{done:?}");
    assert_eq!(mock.bot_messages(TOKEN).len(), 7);
    mock.shutdown().await;
}

/// `future`, or a panic after ten seconds: no test here waits longer.
async fn within<T>(future: impl Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(10), future)
        .await
        .expect("bounded: ten seconds")
}

/// A port on 127.0.0.1 with nothing listening: bound, then closed.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// The hook URL of `TOKEN` on 127.0.0.1:`port`.
fn local_hook(port: u16) -> String {
    format!("http://127.0.0.1:{port}/open-apis/bot/v2/hook/{TOKEN}")
}

/// A reqwest client giving up after 300 ms.
fn impatient_reqwest() -> ReqwestClient {
    ReqwestClient::from_reqwest(
        reqwest::Client::builder()
            .timeout(Duration::from_millis(300))
            .build()
            .unwrap(),
    )
}

/// A server on 127.0.0.1 answering one request with HTTP 500 and an HTML page that quotes the
/// request line, as some proxies' error pages do. Its port and its task.
async fn echoing_500() -> (u16, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let task = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        // The head and the body (as long as content-length says; 64 KiB at most), so that
        // closing the socket afterwards does not reset it under the answer.
        let mut request = Vec::new();
        let mut buf = [0u8; 4096];
        while request.len() < 64 * 1024 {
            let n = stream.read(&mut buf).await.unwrap();
            if n == 0 {
                break;
            }
            request.extend_from_slice(&buf[..n]);
            let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") else {
                continue;
            };
            let head = String::from_utf8_lossy(&request[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|line| line.strip_prefix("content-length:"))
                .and_then(|value| value.trim().parse().ok())
                .unwrap_or(0);
            if request.len() >= end + 4 + length {
                break;
            }
        }
        let text = String::from_utf8_lossy(&request);
        let request_line = text.lines().next().unwrap_or_default();
        let body = format!(
            "<html><body><h1>500 Internal Server Error</h1><p>upstream failed: {request_line}</p></body></html>"
        );
        let answer = format!(
            "HTTP/1.1 500 Internal Server Error\r\ncontent-type: text/html\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(answer.as_bytes()).await.unwrap();
        let _ = stream.shutdown().await;
    });
    (port, task)
}

#[tokio::test]
async fn network_errors_show_neither_the_hook_token_nor_the_secret() {
    let hidden = [TOKEN, SECRET];
    let signed =
        |url: &str, http: ReqwestClient| CustomBot::new(url, http, SystemRuntime).secret(SECRET);

    // The server is gone: connection refused.
    let url = local_hook(closed_port());
    let err = within(signed(&url, ReqwestClient::new()).send_text("x"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Transport(e) if e.kind() == HttpErrorKind::Connect),
        "{err:?}"
    );
    assert_hidden(&everything_shown(&err), &hidden);

    // A server that never answers (the kernel completes the handshake; nobody accepts): the
    // backend's timeout, then the bot's own.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = local_hook(silent.local_addr().unwrap().port());
    let err = within(signed(&url, impatient_reqwest()).send_text("x"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Transport(e) if e.kind() == HttpErrorKind::Timeout),
        "{err:?}"
    );
    assert_hidden(&everything_shown(&err), &hidden);
    let bot = signed(&url, ReqwestClient::new()).timeout(Duration::from_millis(300));
    let err = within(bot.send_text("x")).await.unwrap_err();
    assert!(matches!(err, Error::Timeout(_)), "{err:?}");
    assert_hidden(&everything_shown(&err), &hidden);
    drop(silent);

    // A 5xx page quoting the request line.
    let (port, server) = echoing_500().await;
    let err = within(signed(&local_hook(port), ReqwestClient::new()).send_text("x"))
        .await
        .unwrap_err();
    within(server).await.unwrap();
    let Error::Decode(decode) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(decode.http_status, 500);
    assert_hidden(&everything_shown(&err), &hidden);
    // The page is kept, the token in it masked.
    assert!(
        decode
            .body_text()
            .contains("upstream failed: POST /open-apis/bot/v2/hook/***"),
        "{decode:?}"
    );
}

#[tokio::test]
async fn the_reqwest_backend_keeps_urls_out_of_its_errors() {
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let cases = [
        (closed_port(), ReqwestClient::new(), HttpErrorKind::Connect),
        (
            silent.local_addr().unwrap().port(),
            impatient_reqwest(),
            HttpErrorKind::Timeout,
        ),
    ];
    for (port, client, kind) in cases {
        let request = http::Request::post(local_hook(port))
            .body(b"{}".to_vec())
            .unwrap();
        let err = within(client.execute(request)).await.unwrap_err();
        assert_eq!(err.kind(), kind, "{err:?}");
        let shown = everything_shown(&err);
        assert_hidden(&shown, &[TOKEN, "/open-apis/bot/v2/hook"]);
    }
    drop(silent);
}
