//! Signing, builders, replies and the send loop, with closure clients and fake clocks: no
//! network. The same tests run natively (`cargo test`) and on wasm32 under Node
//! (wasm-bindgen-test-runner).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use lark_core::{BoxFuture, Error, HttpError, HttpErrorKind, ManualClock, RandomError, Runtime};
use lark_custom_bot::{
    CardTemplate, CustomBot, Locale, Message, Post, PostContent, PostElement, RateLimit,
    RetryPolicy, Text, TextStyle, WebhookJson, codes, decode_reply, sign,
};
use serde_json::{Value, json};

mod common;
use common::{assert_hidden, everything_shown};

/// A test that runs under libtest natively and under wasm-bindgen-test on wasm32; async
/// bodies are driven by a local executor natively and by the JS event loop on wasm32.
macro_rules! both {
    ($(async fn $name:ident() $body:block)*) => {$(
        #[cfg(not(target_arch = "wasm32"))]
        #[test]
        fn $name() {
            futures_executor::block_on(async $body)
        }
        #[cfg(target_arch = "wasm32")]
        #[wasm_bindgen_test::wasm_bindgen_test]
        async fn $name() $body
    )*};
}

const WEBHOOK: &str = "https://open.feishu.cn/open-apis/bot/v2/hook/0f8e-token-7c1d";

fn ok_reply() -> http::Response<Vec<u8>> {
    reply(200, r#"{"code":0,"data":{},"msg":"success"}"#)
}

fn reply(status: u16, body: &str) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("x-tt-logid", "log-42")
        .body(body.as_bytes().to_vec())
        .unwrap()
}

/// What a scripted client saw: every request, in order.
type Seen = Arc<Mutex<Vec<http::Request<Vec<u8>>>>>;

/// One scripted answer.
type Answer = Result<http::Response<Vec<u8>>, HttpError>;

/// A closure client answering from `answers` in order and recording each request.
fn scripted(
    answers: Vec<Answer>,
) -> (
    impl Fn(http::Request<Vec<u8>>) -> std::future::Ready<Answer> + Clone,
    Seen,
) {
    let seen: Seen = Arc::default();
    let answers = Arc::new(Mutex::new(VecDeque::from(answers)));
    let recorder = Arc::clone(&seen);
    let client = move |request: http::Request<Vec<u8>>| {
        recorder.lock().unwrap().push(request);
        let answer = answers.lock().unwrap().pop_front().unwrap_or_else(|| {
            Err(HttpError::new(
                HttpErrorKind::Other,
                "the test script has no more answers",
            ))
        });
        std::future::ready(answer)
    };
    (client, seen)
}

fn body_json(request: &http::Request<Vec<u8>>) -> Value {
    serde_json::from_slice(request.body()).unwrap()
}

/// A clock whose timer fires at once and moves the clock forward, recording each wait.
#[derive(Debug, Default)]
struct SteppingClock {
    now: AtomicU64,
    waits: Mutex<Vec<Duration>>,
}

impl SteppingClock {
    fn at(now_millis: u64) -> Arc<Self> {
        Arc::new(Self {
            now: AtomicU64::new(now_millis),
            waits: Mutex::default(),
        })
    }

    fn waits(&self) -> Vec<Duration> {
        self.waits.lock().unwrap().clone()
    }
}

impl Runtime for SteppingClock {
    fn now_millis(&self) -> u64 {
        self.now.load(Ordering::SeqCst)
    }

    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        self.now
            .fetch_add(duration.as_millis() as u64, Ordering::SeqCst);
        self.waits.lock().unwrap().push(duration);
        Box::pin(std::future::ready(()))
    }

    fn fill_random(&self, dest: &mut [u8]) -> Result<(), RandomError> {
        // The bot takes no randomness; a fixed pattern is enough.
        dest.iter_mut().enumerate().for_each(|(i, b)| *b = i as u8);
        Ok(())
    }
}

fn json_of(message: impl Into<Message>) -> String {
    message.into().to_json().unwrap()
}

fn build_error(message: impl Into<Message>) -> String {
    match message.into().to_json() {
        Err(Error::Build(m)) => m,
        other => panic!("want a build error, got {other:?}"),
    }
}

both! {
    async fn signatures_match_the_python_vectors() {
        let doc: Value =
            serde_json::from_str(include_str!("../testdata/sign_vectors.json")).unwrap();
        let vectors = doc["vectors"].as_array().unwrap();
        assert!(vectors.len() >= 10, "too few vectors: {}", vectors.len());
        let mut names = Vec::new();
        for v in vectors {
            let timestamp = v["timestamp"].as_u64().unwrap();
            let secret = v["secret"].as_str().unwrap();
            let want = v["sign"].as_str().unwrap();
            assert_eq!(sign(timestamp, secret), want, "vector {}", v["name"]);
            names.push(v["name"].as_str().unwrap().to_owned());
        }
        for edge in ["empty_secret", "unicode_secret", "long_secret"] {
            assert!(names.iter().any(|n| n == edge), "no {edge} vector");
        }
    }

    async fn text_messages() {
        assert_eq!(
            json_of(Message::text("hello")),
            r#"{"msg_type":"text","content":{"text":"hello"}}"#
        );
        assert_eq!(
            json_of(Text::new("ping ").at("ou_7d8a6e6df7621556ce0d21922b676706", "Tom").push(" and ").at_all()),
            r#"{"msg_type":"text","content":{"text":"ping <at user_id=\"ou_7d8a6e6df7621556ce0d21922b676706\">Tom</at> and <at user_id=\"all\">所有人</at>"}}"#
        );
        // JSON escaping of quotes, backslashes and newlines in the text itself.
        assert_eq!(
            json_of(Message::text("line 1\nsay \"hi\" \\ <b>")),
            r#"{"msg_type":"text","content":{"text":"line 1\nsay \"hi\" \\ <b>"}}"#
        );
    }

    async fn post_messages_with_every_tag_and_locale() {
        let zh = PostContent::new("项目更新通知")
            .line([
                PostElement::text("项目有更新: ").style(TextStyle::Bold),
                PostElement::link("请查看", "https://www.example.com/"),
                PostElement::at("ou_18eac8********17ad4f02e8bbbb"),
                PostElement::at_all(),
            ])
            .line([PostElement::image("img_7ea74629-9191-4176-998c-2e603c9c5e8g")])
            .line([PostElement::emotion("SMILE"), PostElement::unescaped_text("&nbsp;ok")])
            .line([PostElement::hr()])
            .line([PostElement::code_block("GO", "func main() int64 {\n    return 0\n}")]);
        let en = PostContent::new("Update").line([
            PostElement::at_named("ou_1", "Ann").style(TextStyle::Italic).style(TextStyle::Italic),
            PostElement::text("x").style(TextStyle::Underline).style(TextStyle::LineThrough),
            PostElement::code_block("", "plain"),
        ]);
        let ja = PostContent::new("").line([PostElement::text("こんにちは")]);
        let post = Post::new().zh_cn(zh).en_us(en).ja_jp(ja);
        assert_eq!(
            json_of(post.clone()),
            concat!(
                r#"{"msg_type":"post","content":{"post":{"#,
                r#""zh_cn":{"title":"项目更新通知","content":["#,
                r#"[{"tag":"text","text":"项目有更新: ","style":["bold"]},"#,
                r#"{"tag":"a","text":"请查看","href":"https://www.example.com/"},"#,
                r#"{"tag":"at","user_id":"ou_18eac8********17ad4f02e8bbbb"},"#,
                r#"{"tag":"at","user_id":"all","user_name":"所有人"}],"#,
                r#"[{"tag":"img","image_key":"img_7ea74629-9191-4176-998c-2e603c9c5e8g"}],"#,
                r#"[{"tag":"emotion","emoji_type":"SMILE"},{"tag":"text","text":"&nbsp;ok","un_escape":true}],"#,
                r#"[{"tag":"hr"}],"#,
                r#"[{"tag":"code_block","language":"GO","text":"func main() int64 {\n    return 0\n}"}]]},"#,
                r#""en_us":{"title":"Update","content":[["#,
                r#"{"tag":"at","user_id":"ou_1","user_name":"Ann","style":["italic"]},"#,
                r#"{"tag":"text","text":"x","style":["underline","lineThrough"]},"#,
                r#"{"tag":"code_block","text":"plain"}]]},"#,
                r#""ja_jp":{"title":"","content":[[{"tag":"text","text":"こんにちは"}]]}"#,
                r#"}}}"#,
            )
        );
        // Setting a locale again replaces its body in place.
        let replaced = post.locale(Locale::ZhCn, PostContent::new("新"));
        let json: Value = serde_json::from_str(&json_of(replaced)).unwrap();
        assert_eq!(json["content"]["post"]["zh_cn"], json!({"title": "新", "content": []}));
        assert_eq!(json["content"]["post"].as_object().unwrap().len(), 3);
    }

    async fn post_from_json_in_both_shapes() {
        let inner = json!({"en_us": {"title": "t", "content": [[{"tag": "md", "text": "**x**"}]]}});
        let want = r#"{"msg_type":"post","content":{"post":{"en_us":{"content":[[{"tag":"md","text":"**x**"}]],"title":"t"}}}}"#;
        let a = Message::post_json(inner.clone()).to_json().unwrap();
        let b = Message::post_json(json!({"post": inner})).to_json().unwrap();
        // Key order inside user JSON follows serde_json's map; compare as values.
        assert_eq!(serde_json::from_str::<Value>(&a).unwrap(), serde_json::from_str::<Value>(want).unwrap());
        assert_eq!(a, b);
    }

    async fn image_share_chat_and_cards() {
        assert_eq!(
            json_of(Message::image("img_ecffc3b9-8f14-400f-a014-05eca1a4310g")),
            r#"{"msg_type":"image","content":{"image_key":"img_ecffc3b9-8f14-400f-a014-05eca1a4310g"}}"#
        );
        assert_eq!(
            json_of(Message::share_chat("oc_f5b1a7eb27ae2c7b6adc2a74faf339ff")),
            r#"{"msg_type":"share_chat","content":{"share_chat_id":"oc_f5b1a7eb27ae2c7b6adc2a74faf339ff"}}"#
        );
        // Keys written in sorted order, so the text is the same with or without serde_json's
        // `preserve_order`.
        let card: Value = serde_json::from_str(
            r#"{"elements":[{"tag":"div","text":{"content":"**west** wind","tag":"lark_md"}}],"header":{"template":"blue","title":{"content":"Alert","tag":"plain_text"}}}"#,
        )
        .unwrap();
        assert_eq!(
            json_of(Message::card(card)),
            r#"{"msg_type":"interactive","card":{"elements":[{"tag":"div","text":{"content":"**west** wind","tag":"lark_md"}}],"header":{"template":"blue","title":{"content":"Alert","tag":"plain_text"}}}}"#
        );
        assert_eq!(
            json_of(
                CardTemplate::new("AAqk1xYZ")
                    .version("1.0.2")
                    // Sorted, like the expected text, so it holds with `preserve_order` too.
                    .variable("count", 3)
                    .variable("name", "Ann")
            ),
            r#"{"msg_type":"interactive","card":{"type":"template","data":{"template_id":"AAqk1xYZ","template_version_name":"1.0.2","template_variable":{"count":3,"name":"Ann"}}}}"#
        );
        assert_eq!(
            json_of(CardTemplate::new("AAqk1xYZ")),
            r#"{"msg_type":"interactive","card":{"type":"template","data":{"template_id":"AAqk1xYZ"}}}"#
        );
        let mut vars = serde_json::Map::new();
        vars.insert("a".into(), json!([1, 2]));
        assert_eq!(
            json_of(CardTemplate::new("T").variables(vars)),
            r#"{"msg_type":"interactive","card":{"type":"template","data":{"template_id":"T","template_variable":{"a":[1,2]}}}}"#
        );
    }

    async fn invalid_messages_are_build_errors() {
        assert!(build_error(Message::text("")).contains("needs some text"));
        assert!(build_error(Text::new("x").at("ou_\"><", "A")).contains("not a user id"));
        assert!(build_error(Text::new("x").at("", "A")).contains("not a user id"));
        assert!(build_error(Text::new("x").at("ou_1", "</at>")).contains("must not contain"));
        assert!(build_error(Message::image(" ")).contains("image_key"));
        assert!(build_error(Message::share_chat("")).contains("chat id"));
        assert!(build_error(Message::card(json!([1]))).contains("object"));
        assert!(build_error(Message::card(json!({}))).contains("object"));
        assert!(build_error(Message::post_json(json!("x"))).contains("object"));
        assert!(build_error(CardTemplate::new("")).contains("template_id"));
        assert!(build_error(Post::new()).contains("at least one locale"));
        assert!(build_error(Post::new().en_us(PostContent::new(""))).contains("en_us"));
        assert!(
            build_error(Post::new().zh_cn(PostContent::new("t").line([PostElement::link("x", "")])))
                .contains("href")
        );
        assert!(
            build_error(Post::new().zh_cn(PostContent::new("t").line([PostElement::at("a b ")])))
                .contains("user id")
        );
        // An @-only text is fine.
        assert!(Message::from(Text::new("").at_all()).to_json().is_ok());
    }

    async fn json_built_elsewhere_is_signed_the_same_and_checked() {
        let (client, _) = scripted(vec![]);
        let bot = CustomBot::new(WEBHOOK, client.clone(), ManualClock::new(0)).secret("demo");
        let typed = bot.prepare(&Message::text("hi"), 1_599_360_473_999).unwrap();
        let json = bot
            .prepare_payload(&WebhookJson::content("text", json!({"text": "hi"})), 1_599_360_473_999)
            .unwrap();
        assert_eq!(typed.body(), json.body());
        let card = bot
            .prepare_payload(&WebhookJson::card(json!({"schema": "2.0"})), 0)
            .unwrap();
        let card: Value = serde_json::from_slice(card.body()).unwrap();
        assert_eq!(card["msg_type"], "interactive");
        assert_eq!(card["card"], json!({"schema": "2.0"}));
        for (bad, why) in [
            (WebhookJson::content("file", json!({"file_key": "f"})), "cannot send msg_type file"),
            (WebhookJson::content("text", json!({})), "non-empty JSON object"),
            (WebhookJson::content("image", json!({"image_key": ""})), "content.image_key is empty"),
            (WebhookJson::card(json!([1])), "card must be a non-empty JSON object"),
        ] {
            let error = bot.prepare_payload(&bad, 0).unwrap_err();
            assert!(matches!(&error, Error::Build(m) if m.contains(why)), "{error}");
        }
    }

    async fn prepared_requests_are_signed_with_the_runtime_clock() {
        let (client, _) = scripted(vec![]);
        let bot = CustomBot::new(WEBHOOK, client.clone(), ManualClock::new(0)).secret("demo");
        let request = bot.prepare(&Message::text("hi"), 1_599_360_473_999).unwrap();
        assert_eq!(request.method(), http::Method::POST);
        assert_eq!(request.uri(), WEBHOOK);
        assert_eq!(
            request.headers()["content-type"],
            "application/json; charset=utf-8"
        );
        assert_eq!(
            std::str::from_utf8(request.body()).unwrap(),
            r#"{"timestamp":"1599360473","sign":"l1N0gAcBjdwBvGm1xMjOF0XSyaLRpR7tuO5dHfhAYc8=","msg_type":"text","content":{"text":"hi"}}"#
        );
        let card = bot
            .prepare(&CardTemplate::new("AAq").into(), 1_599_360_473_000)
            .unwrap();
        assert_eq!(
            std::str::from_utf8(card.body()).unwrap(),
            r#"{"timestamp":"1599360473","sign":"l1N0gAcBjdwBvGm1xMjOF0XSyaLRpR7tuO5dHfhAYc8=","msg_type":"interactive","card":{"type":"template","data":{"template_id":"AAq"}}}"#
        );

        let unsigned = CustomBot::new(WEBHOOK, client.clone(), ManualClock::new(0));
        let request = unsigned.prepare(&Message::image("img_1"), 5).unwrap();
        assert_eq!(
            std::str::from_utf8(request.body()).unwrap(),
            r#"{"msg_type":"image","content":{"image_key":"img_1"}}"#
        );

        for bad in ["", "not a url", "ftp://host/x", "/open-apis/bot/v2/hook/x"] {
            let bot = CustomBot::new(bad, client.clone(), ManualClock::new(0));
            match bot.prepare(&Message::text("x"), 0) {
                Err(Error::Build(m)) => assert!(m.contains("webhook"), "{m}"),
                other => panic!("{bad:?}: {other:?}"),
            }
        }
    }

    async fn send_posts_and_decodes_the_reply() {
        let (client, seen) = scripted(vec![Ok(ok_reply())]);
        let clock = ManualClock::new(1_700_000_000_250);
        let bot = CustomBot::new(WEBHOOK, client, clock).secret("hT9ozf1tVLZ5kFcNxCk7ye");
        let reply = bot.send_text("deployed").await.unwrap();
        assert_eq!(reply.msg, "success");
        assert_eq!(reply.data, Some(json!({})));
        assert_eq!((reply.http_status, reply.log_id.as_deref()), (200, Some("log-42")));
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 1);
        assert_eq!(
            body_json(&seen[0]),
            json!({
                "timestamp": "1700000000",
                "sign": "ZgZt/S5eghKC31EIX+OAhPKVkV7160CV9pLuVpqtp14=",
                "msg_type": "text",
                "content": {"text": "deployed"}
            })
        );
    }

    async fn the_older_reply_shape_decodes() {
        let ok = decode_reply(reply(
            200,
            r#"{"Extra":null,"StatusCode":0,"StatusMessage":"success"}"#,
        ))
        .unwrap();
        assert_eq!((ok.msg.as_str(), ok.data.as_ref()), ("success", None));
        let err = decode_reply(reply(
            200,
            r#"{"Extra":null,"StatusCode":19024,"StatusMessage":"Key Words Not Found"}"#,
        ))
        .unwrap_err();
        assert_eq!(err.code(), Some(codes::KEYWORD_MISMATCH));
        let Error::Api(api) = err else { panic!() };
        assert_eq!(api.msg, "Key Words Not Found");
    }

    async fn error_codes_carry_code_and_message() {
        for (status, body, code, msg) in [
            (200, r#"{"code":19021,"data":{},"msg":"sign match fail or timestamp is not within one hour from current time"}"#,
                codes::SIGNATURE_MISMATCH, "sign match fail or timestamp is not within one hour from current time"),
            (200, r#"{"code":19024,"msg":"Key Words Not Found"}"#, codes::KEYWORD_MISMATCH, "Key Words Not Found"),
            (400, r#"{"code":9499,"msg":"Bad Request","data":{}}"#, codes::BAD_REQUEST, "Bad Request"),
            (200, r#"{"code":11232,"msg":"frequency limited psm[lark.oapi.app_platform_runtime]appID[1]"}"#,
                codes::RATE_LIMITED, "frequency limited psm[lark.oapi.app_platform_runtime]appID[1]"),
            (200, r#"{"code":19022,"msg":"Ip Not Allowed"}"#, codes::IP_NOT_ALLOWED, "Ip Not Allowed"),
            (200, r#"{"code":19007,"msg":"Bot Not Enabled"}"#, codes::BOT_NOT_ENABLED, "Bot Not Enabled"),
        ] {
            let err = decode_reply(reply(status, body)).unwrap_err();
            let Error::Api(api) = &err else { panic!("{body}: {err:?}") };
            assert_eq!((api.code, api.msg.as_str(), api.http_status), (code, msg, status));
            assert_eq!(api.body, body.as_bytes());
            assert_eq!(api.log_id.as_deref(), Some("log-42"));
            let shown = err.to_string();
            assert!(shown.contains(&code.to_string()) && shown.contains(msg), "{shown}");
        }
    }

    async fn bad_replies_are_decode_errors_with_the_body() {
        for (status, body, hint) in [
            (200, "", "empty body"),
            (502, "<html><body>502 Bad Gateway</body></html>", "HTTP 502"),
            (200, "not json", "not a JSON reply"),
            (200, "[1,2,3]", "not a JSON reply"),
            (200, "{\"code\":\"zero\"}", "not a JSON reply"),
            (200, "{\"code\":0", "not a JSON reply"),
            (200, "{\"msg\":\"no code\"}", "without `code`"),
            (404, "{\"error\":\"not found\"}", "HTTP 404"),
            (500, "{\"code\":0,\"msg\":\"ok\"}", "HTTP 500"),
            (200, "\u{feff}\u{0}\u{ffff}", "not a JSON reply"),
        ] {
            let err = decode_reply(reply(status, body)).unwrap_err();
            let Error::Decode(decode) = &err else { panic!("{body:?}: {err:?}") };
            assert_eq!(decode.body, body.as_bytes());
            assert_eq!(decode.http_status, status);
            assert!(decode.message.contains(hint), "{body:?}: {}", decode.message);
        }
        // Invalid UTF-8 too.
        let raw = http::Response::builder().status(200).body(vec![0xff, 0xfe, b'{']).unwrap();
        assert!(matches!(decode_reply(raw), Err(Error::Decode(_))));
    }

    async fn no_answer_makes_decoding_panic() {
        // Every prefix of real replies, and bounded pseudo-random bytes: always Ok or Err.
        let replies = [
            r#"{"code":0,"data":{},"msg":"success"}"#,
            r#"{"Extra":null,"StatusCode":19021,"StatusMessage":"sign match fail"}"#,
            r#"{"code":11232,"msg":"频率限制 \u00e9 \ud83d\ude00","data":{"a":[1,2,{"b":null}]}}"#,
        ];
        let mut checked = 0;
        for reply_text in replies {
            for end in 0..=reply_text.len() {
                let body = reply_text.as_bytes()[..end].to_vec();
                for status in [200, 400, 429, 502] {
                    let response = http::Response::builder().status(status).body(body.clone()).unwrap();
                    let _ = decode_reply(response);
                    checked += 1;
                }
            }
        }
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let alphabet = br#"{}[]":,0123456789-eE.truefalsnul \codemsgdataStatusCode"#;
        for _ in 0..2000 {
            let len = (next() % 64) as usize;
            let body: Vec<u8> = (0..len)
                .map(|_| {
                    let r = next();
                    if r % 4 == 0 { r as u8 } else { alphabet[(r >> 8) as usize % alphabet.len()] }
                })
                .collect();
            let response = http::Response::builder().status(200).body(body).unwrap();
            let _ = decode_reply(response);
            checked += 1;
        }
        assert!(checked > 2400, "{checked}");
    }

    async fn transport_errors_surface_as_transport() {
        let (client, seen) = scripted(vec![Err(HttpError::new(HttpErrorKind::Connect, "refused"))]);
        let bot = CustomBot::new(WEBHOOK, client, ManualClock::new(0));
        let err = bot.send_text("x").await.unwrap_err();
        let Error::Transport(e) = err else { panic!("{err:?}") };
        assert_eq!(e.kind(), HttpErrorKind::Connect);
        assert_eq!(seen.lock().unwrap().len(), 1);
    }

    async fn invalid_messages_are_never_sent() {
        let (client, seen) = scripted(vec![Ok(ok_reply())]);
        let bot = CustomBot::new(WEBHOOK, client, ManualClock::new(0));
        assert!(matches!(bot.send(&Message::text("")).await, Err(Error::Build(_))));
        let bad = CustomBot::new("nope", |_req: http::Request<Vec<u8>>| async {
            Ok::<_, HttpError>(ok_reply())
        }, ManualClock::new(0));
        assert!(matches!(bad.send_text("x").await, Err(Error::Build(_))));
        assert!(seen.lock().unwrap().is_empty());
    }

    async fn rate_limited_posts_are_retried_with_backoff_and_re_signed() {
        let limited = || Ok(reply(200, r#"{"code":11232,"msg":"frequency limited"}"#));
        let (client, seen) = scripted(vec![
            limited(),
            Ok(reply(429, "Too Many Requests")),
            limited(),
            Ok(ok_reply()),
        ]);
        let clock = SteppingClock::at(1_700_000_000_000);
        let bot = CustomBot::new(WEBHOOK, client, Arc::clone(&clock))
            .secret("s")
            .retry(RetryPolicy::default().base_delay(Duration::from_secs(2)));
        bot.send_text("x").await.unwrap();
        assert_eq!(
            clock.waits(),
            [2, 4, 8].map(Duration::from_secs).to_vec()
        );
        let seen = seen.lock().unwrap();
        let stamps: Vec<Value> = seen.iter().map(|r| body_json(r)["timestamp"].clone()).collect();
        assert_eq!(stamps, [json!("1700000000"), json!("1700000002"), json!("1700000006"), json!("1700000014")]);
        // Every retry is signed again with its own timestamp. Fixed vectors, computed apart from
        // the crate: base64(HMAC-SHA256(key = "{timestamp}\ns", message = "")), from python3's
        // hmac (as scripts/custom_bot_vectors.py does) and checked with `openssl dgst -hmac`.
        let signs: Vec<Value> = seen.iter().map(|r| body_json(r)["sign"].clone()).collect();
        assert_eq!(
            signs,
            [
                json!("+z1fiKH1w9xoRwSUZju5W5ZBj/d5cwS4H+5mTClDOl4="), // 1700000000
                json!("W+3+yxMbEl/Bu+dqkt31U+IcOh5NfotcEQRRQdfyhtc="), // 1700000002
                json!("bSYGH+NnvO3l7FEgrepRTVfx29ynUNOa2gbl3OdvlbY="), // 1700000006
                json!("uhIPL3fCStGdUPFPbIodODiv8VDXqtZIk1taufblMG8="), // 1700000014
            ]
        );
    }

    async fn retries_are_bounded_and_other_errors_are_not_retried() {
        let limited = || Ok(reply(200, r#"{"code":11232,"msg":"frequency limited"}"#));
        let (client, seen) = scripted(vec![limited(), limited(), limited(), limited()]);
        let clock = SteppingClock::at(0);
        let bot = CustomBot::new(WEBHOOK, client, Arc::clone(&clock))
            .retry(RetryPolicy::default().max_attempts(3).base_delay(Duration::from_millis(10)));
        let err = bot.send_text("x").await.unwrap_err();
        assert_eq!(err.code(), Some(codes::RATE_LIMITED));
        assert!(lark_custom_bot::is_rate_limited(&err));
        assert_eq!(seen.lock().unwrap().len(), 3);
        assert_eq!(clock.waits(), [10, 20].map(Duration::from_millis).to_vec());

        let (client, seen) = scripted(vec![
            Ok(reply(200, r#"{"code":19021,"msg":"sign match fail"}"#)),
            Ok(ok_reply()),
        ]);
        let bot = CustomBot::new(WEBHOOK, client, SteppingClock::at(0));
        assert_eq!(bot.send_text("x").await.unwrap_err().code(), Some(19021));
        assert_eq!(seen.lock().unwrap().len(), 1);

        let (client, seen) = scripted(vec![limited(), Ok(ok_reply())]);
        let bot = CustomBot::new(WEBHOOK, client, SteppingClock::at(0)).retry(RetryPolicy::none());
        assert_eq!(bot.send_text("x").await.unwrap_err().code(), Some(11232));
        assert_eq!(seen.lock().unwrap().len(), 1);
    }

    async fn the_client_side_limiter_spaces_posts() {
        let (client, seen) = scripted((0..12).map(|_| Ok(ok_reply())).collect());
        let clock = SteppingClock::at(1_000_000);
        let bot = CustomBot::new(WEBHOOK, client, Arc::clone(&clock))
            .secret("s")
            .rate_limit(RateLimit::custom_bot());
        // Clones share the window.
        let twin = bot.clone();
        for i in 0..12 {
            let b = if i % 2 == 0 { &bot } else { &twin };
            b.send_text(format!("#{i}")).await.unwrap();
        }
        // 5 go at once, then one second's wait per 5.
        assert_eq!(clock.waits(), [1000, 1000].map(Duration::from_millis).to_vec());
        let stamps: Vec<String> = seen
            .lock()
            .unwrap()
            .iter()
            .map(|r| body_json(r)["timestamp"].as_str().unwrap().to_owned())
            .collect();
        let want: Vec<String> = [1000; 5].iter().chain(&[1001; 5]).chain(&[1002; 2]).map(u64::to_string).collect();
        assert_eq!(stamps, want);
    }

    async fn a_hanging_exchange_times_out_on_the_runtime_timer() {
        let hanging = |_request: http::Request<Vec<u8>>| {
            std::future::pending::<Result<http::Response<Vec<u8>>, HttpError>>()
        };
        let clock = SteppingClock::at(0);
        let bot = CustomBot::new(WEBHOOK, hanging, Arc::clone(&clock))
            .timeout(Duration::from_secs(3));
        let err = bot.send_text("x").await.unwrap_err();
        assert!(matches!(err, Error::Timeout(d) if d == Duration::from_secs(3)), "{err:?}");
        assert_eq!(clock.waits(), [Duration::from_secs(3)]);
        // A prompt answer wins over the timer.
        let (client, _) = scripted(vec![Ok(ok_reply())]);
        let bot = CustomBot::new(WEBHOOK, client, SteppingClock::at(0))
            .timeout(Duration::from_secs(3));
        assert_eq!(bot.send_text("x").await.unwrap().msg, "success");
    }

    async fn no_debug_or_display_shows_the_secret_or_the_hook_token() {
        let hidden = [HOOK_TOKEN, BOT_SECRET];
        let (client, _) = scripted(vec![]);
        let bot = CustomBot::new(WEBHOOK, client, ManualClock::new(0)).secret(BOT_SECRET);
        let shown = format!("{bot:?} {bot:#?}");
        assert_hidden(&shown, &hidden);
        assert!(shown.contains("https://open.feishu.cn/open-apis/bot/v2/hook/***"), "{shown}");

        // The webhook URL.
        let webhook = bot.webhook();
        let shown = format!("{webhook:?} {webhook:#?} {webhook}");
        assert_hidden(&shown, &hidden);
        assert_eq!(webhook.to_string(), "https://open.feishu.cn/open-apis/bot/v2/hook/***");
        assert_eq!(webhook.expose(), WEBHOOK);

        // The prepared request; the http::Request inside still has the whole URL.
        let request = bot.prepare(&Message::text("hi"), 1_700_000_000_000).unwrap();
        let shown = format!("{request:?} {request:#?}");
        assert_hidden(&shown, &hidden);
        assert!(shown.contains("https://open.feishu.cn/open-apis/bot/v2/hook/***"), "{shown}");
        assert_eq!(request.into_http().uri(), WEBHOOK);

        // Build errors: a bad message, webhooks that are not http(s) URLs.
        let err = bot.send(&Message::text("")).await.unwrap_err();
        assert_hidden(&everything_shown(&err), &hidden);
        for bad in [
            format!("{WEBHOOK} x"),
            format!("ftp://open.feishu.cn/open-apis/bot/v2/hook/{HOOK_TOKEN}"),
            format!("/open-apis/bot/v2/hook/{HOOK_TOKEN}"),
            format!("https://open.feishu.cn/open-apis/bot/v2/hook/{HOOK_TOKEN}\n"),
        ] {
            let (client, _) = scripted(vec![]);
            let bot = CustomBot::new(bad.as_str(), client, ManualClock::new(0)).secret(BOT_SECRET);
            assert_hidden(&format!("{bot:?}"), &hidden);
            let err = bot.send_text("x").await.unwrap_err();
            assert!(matches!(err, Error::Build(_)), "{bad:?}: {err:?}");
            assert_hidden(&everything_shown(&err), &hidden);
        }

        // A backend whose error carries the URL (in its Debug and in its source's Display), a
        // 5xx page and a refusal that echo the hook path: the token is scrubbed from each.
        let echo = format!("POST /open-apis/bot/v2/hook/{HOOK_TOKEN}");
        let (client, _) = scripted(vec![
            Err(HttpError::new(
                HttpErrorKind::Connect,
                LeakyError {
                    url: WEBHOOK.to_owned(),
                    source: std::io::Error::other(format!("cannot reach {WEBHOOK}")),
                },
            )),
            Ok(reply(502, &format!("<html><p>502 Bad Gateway: {echo}</p></html>"))),
            Ok(reply(
                200,
                &format!(r#"{{"code":19001,"msg":"param invalid: incoming webhook access token invalid: {HOOK_TOKEN}"}}"#),
            )),
        ]);
        let bot = CustomBot::new(WEBHOOK, client, ManualClock::new(0)).secret(BOT_SECRET);
        for want in ["transport", "decode", "api"] {
            let err = bot.send_text("x").await.unwrap_err();
            assert_hidden(&everything_shown(&err), &hidden);
            match (want, &err) {
                ("transport", Error::Transport(e)) => assert_eq!(e.kind(), HttpErrorKind::Connect),
                ("decode", Error::Decode(d)) => {
                    // The page is kept, the token in it masked.
                    assert_eq!(d.http_status, 502);
                    assert!(d.body_text().contains("POST /open-apis/bot/v2/hook/***"), "{d:?}");
                }
                ("api", Error::Api(a)) => assert_eq!(a.code, 19001),
                _ => panic!("want {want}: {err:?}"),
            }
        }
    }
}

const HOOK_TOKEN: &str = "0f8e-token-7c1d";
const BOT_SECRET: &str = "hunter2-secret";

/// A backend error that shows the URL in its `Debug`, and whose source shows it in its
/// `Display`, as reqwest's errors do unless told not to.
struct LeakyError {
    url: String,
    source: std::io::Error,
}

impl std::fmt::Debug for LeakyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LeakyError")
            .field("url", &self.url)
            .field("source", &self.source)
            .finish()
    }
}

impl std::fmt::Display for LeakyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("error sending the request")
    }
}

impl std::error::Error for LeakyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}
