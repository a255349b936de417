//! Round trips against lark-mock's custom-bot webhook on 127.0.0.1, through the reqwest
//! backend and the system clock: the mock checks the signature within its one-hour window and
//! stores what it accepted.
#![cfg(not(target_arch = "wasm32"))]

use std::time::Duration;

use lark_core::{Error, ManualClock, Runtime};
use lark_custom_bot::{
    CardTemplate, CustomBot, Message, Post, PostContent, PostElement, RateLimit, RetryPolicy, Text,
    codes,
};
use lark_mock::{Fault, FaultRule, MockServer};
use lark_reqwest::{ReqwestClient, SystemRuntime};
use serde_json::json;

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
