//! Round trips on wasm32 under Node: lark-custom-bot over lark-fetch (global `fetch`,
//! `Date.now()`, `setTimeout`) to lark-mock's webhook on loopback.
//!
//! Needs a running `lark-wasm-test-server` (bots `wasm-bot`, signed with `wasm-bot-secret`,
//! and `wasm-open-bot`, unsigned); its URLs come in at compile time. Run through
//! `scripts/custom-bot-wasm.sh`, which starts it.
#![cfg(target_arch = "wasm32")]

use lark_core::{Error, HttpClient, Runtime};
use lark_custom_bot::{
    CardTemplate, CustomBot, Message, Post, PostContent, PostElement, RateLimit, Text, codes,
};
use lark_fetch::{FetchClient, FetchRuntime};
use serde_json::{Value, json};
use wasm_bindgen_test::wasm_bindgen_test;

const MOCK_URL: &str = env!("LARK_MOCK_URL");
const CONTROL_URL: &str = env!("LARK_CONTROL_URL");
const SIGNED: &str = "wasm-bot";
const SECRET: &str = "wasm-bot-secret";
const OPEN: &str = "wasm-open-bot";

fn bot(token: &str) -> CustomBot<FetchClient> {
    CustomBot::new(
        format!("{MOCK_URL}/open-apis/bot/v2/hook/{token}"),
        FetchClient::new(),
        FetchRuntime,
    )
}

/// A marker no other run or test uses, to find this test's messages among the server's.
fn marker(tag: &str) -> String {
    format!("{tag}-{}", FetchRuntime.now_millis())
}

/// What the bot `token` accepted, from the test server's control port.
async fn accepted(token: &str) -> Vec<Value> {
    let request = http::Request::get(format!("{CONTROL_URL}/bot/{token}"))
        .body(Vec::new())
        .unwrap();
    let response = FetchClient::new().execute(request).await.unwrap();
    serde_json::from_slice(response.body()).unwrap()
}

fn containing<'a>(messages: &'a [Value], marker: &str) -> Vec<&'a Value> {
    messages
        .iter()
        .filter(|m| m.to_string().contains(marker))
        .collect()
}

#[wasm_bindgen_test]
async fn signed_messages_round_trip() {
    let mark = marker("signed");
    let bot = bot(SIGNED).secret(SECRET);
    let messages: Vec<Message> = vec![
        Text::new(format!("{mark} "))
            .at("ou_1", "Ann")
            .at_all()
            .into(),
        Post::new()
            .zh_cn(PostContent::new(mark.clone()).line([
                PostElement::text("正文 "),
                PostElement::link("链接", "https://example.com"),
                PostElement::emotion("SMILE"),
            ]))
            .en_us(PostContent::new("en").line([PostElement::code_block("RUST", "fn f() {}")]))
            .into(),
        Message::card(json!({"elements": [{"tag": "markdown", "content": mark}]})),
        CardTemplate::new("AAq").variable("m", mark.clone()).into(),
    ];
    for message in &messages {
        let reply = bot.send(message).await.unwrap();
        assert_eq!((reply.msg.as_str(), reply.http_status), ("success", 200));
    }
    let all = accepted(SIGNED).await;
    let mine = containing(&all, &mark);
    assert_eq!(mine.len(), messages.len(), "{all:?}");
    for (stored, sent) in mine.iter().zip(&messages) {
        let mut want: serde_json::Map<String, Value> =
            serde_json::from_str(&sent.to_json().unwrap()).unwrap();
        let timestamp = stored["timestamp"].as_str().unwrap();
        // Signed with Date.now(): within a minute of this run's clock.
        let seconds: u64 = timestamp.parse().unwrap();
        assert!(FetchRuntime.now_millis() / 1000 - seconds < 60);
        want.insert("timestamp".into(), json!(timestamp));
        want.insert("sign".into(), json!(lark_custom_bot::sign(seconds, SECRET)));
        assert_eq!(*stored, &Value::Object(want));
    }
}

#[wasm_bindgen_test]
async fn unsigned_bot_round_trip() {
    let mark = marker("open");
    bot(OPEN).send_text(mark.clone()).await.unwrap();
    let all = accepted(OPEN).await;
    assert_eq!(
        containing(&all, &mark),
        [&json!({"msg_type": "text", "content": {"text": mark}})]
    );
}

#[wasm_bindgen_test]
async fn refusals_are_api_errors() {
    let mark = marker("refused");
    let err = bot(SIGNED)
        .secret("wrong")
        .send_text(mark.clone())
        .await
        .unwrap_err();
    let Error::Api(api) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(api.code, codes::SIGNATURE_MISMATCH);
    assert!(api.msg.contains("sign match fail"), "{}", api.msg);
    let err = bot(SIGNED).send_text(mark.clone()).await.unwrap_err();
    assert_eq!(err.code(), Some(codes::SIGNATURE_MISMATCH));
    let err = bot("no-such-bot")
        .send_text(mark.clone())
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some(19001));
    assert!(containing(&accepted(SIGNED).await, &mark).is_empty());
}

#[wasm_bindgen_test]
async fn unreachable_webhook_is_a_transport_error() {
    // Port 9 (discard) on loopback: nothing listens there in the test environment.
    let bot = CustomBot::new(
        "http://127.0.0.1:9/open-apis/bot/v2/hook/x",
        FetchClient::new(),
        FetchRuntime,
    );
    assert!(matches!(bot.send_text("x").await, Err(Error::Transport(_))));
}

#[wasm_bindgen_test]
async fn the_limiter_waits_with_set_timeout() {
    let mark = marker("burst");
    let bot = bot(OPEN).rate_limit(RateLimit::custom_bot());
    let started = FetchRuntime.now_millis();
    for i in 0..6 {
        bot.send_text(format!("{mark} #{i}")).await.unwrap();
    }
    let elapsed = FetchRuntime.now_millis() - started;
    // The sixth post waited for the first second to end.
    assert!(elapsed >= 990, "{elapsed} ms");
    assert!(elapsed < 10_000, "{elapsed} ms");
    assert_eq!(containing(&accepted(OPEN).await, &mark).len(), 6);
}
