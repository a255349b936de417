//! Outbound: replies in the chat and in the thread, long text chunked, streamed answers
//! throttled with a final update that lands, and the plain fallback.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{Msg, WAIT, spawn, start, wait_until};
use lark_bot_channel::{Channel, ReplyOptions, TEXT_BODY_LIMIT};
use lark_core::event::Dispatcher;
use lark_core::{BoxFuture, Client, Config, HttpClient, HttpError, Runtime};
use lark_mock::{Fault, FaultRule, MockServer, Via};
use lark_reqwest::ws::ClientWsExt as _;
use lark_reqwest::{ReqwestClient, SystemRuntime};
use serde_json::Value;

fn reply_path(message_id: &str) -> String {
    format!("/open-apis/im/v1/messages/{message_id}/reply")
}

/// The request bodies sent to `path`, as JSON.
fn bodies(mock: &MockServer, path: &str) -> Vec<Value> {
    mock.requests_to(path)
        .iter()
        .filter_map(lark_mock::RecordedRequest::json)
        .collect()
}

fn text_of(body: &Value) -> String {
    let content: Value = serde_json::from_str(body["content"].as_str().unwrap()).unwrap();
    content["text"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn long_text_goes_as_several_messages() {
    // 400 KB of text with line breaks: more than two 150 KB bodies.
    let line = "The quick brown fox jumps over the lazy dog, again and again. 0123456789\n";
    let long = line.repeat(400 * 1024 / line.len());
    let answer = long.clone();
    let done = Arc::new(Mutex::new(None));
    let sink = Arc::clone(&done);
    let bot = start(move |b| {
        b.on_message(move |_, ctx| {
            let (answer, sink) = (answer.clone(), Arc::clone(&sink));
            async move {
                let replies = ctx.reply_text(&answer).await?;
                let sent = ctx.send_text(&answer).await?;
                *sink.lock().unwrap() = Some((replies.len(), sent.len()));
                Ok(())
            }
        })
    })
    .await;
    // In the mock's chat, which send_text can post to.
    let ask = Msg::group("om_q", "@_user_1 tell me everything").mentioning_bot();
    bot.deliver(&ask.event()).await;
    wait_until(|| done.lock().unwrap().is_some()).await;
    let (replies, sent) = done.lock().unwrap().unwrap();
    assert_eq!(replies, 3);
    assert_eq!(sent, 3);

    // As replies: each body within the platform's 150 KB, the pieces whole lines, the text whole.
    let requests = bot.mock.requests_to(&reply_path("om_q"));
    assert_eq!(requests.len(), 3);
    assert!(requests.iter().all(|r| r.body.len() <= TEXT_BODY_LIMIT));
    let pieces: Vec<String> = bodies(&bot.mock, &reply_path("om_q"))
        .iter()
        .map(text_of)
        .collect();
    assert!(pieces.iter().all(|p| p.ends_with('\n')));
    assert_eq!(pieces.concat(), long);
    // As messages to the chat: lark-mock keeps them.
    let messages = bot.mock.messages();
    assert_eq!(messages.len(), 3);
    let sent: String = messages.iter().map(|m| text_of(&m["body"])).collect();
    assert_eq!(sent, long);
}

#[tokio::test]
async fn replies_go_into_the_thread_when_asked() {
    let bot = start(|b| {
        b.reply_options(ReplyOptions::new().in_thread(true))
            .on_message(|_, ctx| async move {
                ctx.reply_text("in the thread").await?;
                Ok(())
            })
    })
    .await;
    bot.deliver(&Msg::dm("om_t", "hi").event()).await;
    wait_until(|| !bot.mock.requests_to(&reply_path("om_t")).is_empty()).await;
    let body = &bodies(&bot.mock, &reply_path("om_t"))[0];
    assert_eq!(body["reply_in_thread"], true);
    assert_eq!(body["msg_type"], "text");
    assert_eq!(text_of(body), "in the thread");
}

/// Each request's path, body and wall-clock time.
type Sent = Arc<Mutex<Vec<(String, Vec<u8>, u64)>>>;

/// The reqwest backend, noting when each request leaves.
struct Recording {
    inner: ReqwestClient,
    sent: Sent,
}

impl HttpClient for Recording {
    fn execute(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> BoxFuture<'_, Result<http::Response<Vec<u8>>, HttpError>> {
        self.sent.lock().unwrap().push((
            request.uri().path().to_owned(),
            request.body().clone(),
            SystemRuntime.now_millis(),
        ));
        self.inner.execute(request)
    }
}

const ANSWER_CHARS: usize = 2_000;
const PIECE: usize = 10;
const MIN_INTERVAL: Duration = Duration::from_millis(100);
const MIN_CHARS: usize = 50;

/// A bot whose handler streams a 2,000-character answer, 10 characters every 5 ms.
async fn streaming_bot(
    mock: &MockServer,
    sent: &Sent,
) -> (tokio::task::JoinHandle<()>, Arc<Mutex<Option<bool>>>) {
    let config = Config::new(MockServer::APP_ID, MockServer::APP_SECRET).base_url(mock.base_url());
    let recording = Recording {
        inner: ReqwestClient::new(),
        sent: Arc::clone(sent),
    };
    let client = Client::new(config.clone(), recording, SystemRuntime);
    let ended_in_card = Arc::new(Mutex::new(None));
    let sink = Arc::clone(&ended_in_card);
    let channel = Channel::builder(client, spawn)
        .reply_options(
            ReplyOptions::new()
                .stream_min_interval(MIN_INTERVAL)
                .stream_min_chars(MIN_CHARS),
        )
        .on_message(move |_, ctx| {
            let sink = Arc::clone(&sink);
            async move {
                let mut stream = ctx.stream().await;
                for i in 0..ANSWER_CHARS / PIECE {
                    let digit = char::from(b'0' + u8::try_from(i % 10).unwrap());
                    stream.push(&digit.to_string().repeat(PIECE)).await?;
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
                *sink.lock().unwrap() = Some(stream.finish().await?);
                Ok(())
            }
        })
        .build();
    let ws = lark_reqwest::client(config).ws(channel.register(Dispatcher::new()));
    let running = tokio::spawn(async move {
        let _ = ws.start().await;
    });
    mock.ws().wait_for_connections(1, WAIT).await.unwrap();
    (running, ended_in_card)
}

fn expected_answer() -> String {
    (0..ANSWER_CHARS / PIECE)
        .map(|i| {
            char::from(b'0' + u8::try_from(i % 10).unwrap())
                .to_string()
                .repeat(PIECE)
        })
        .collect()
}

#[tokio::test]
async fn a_long_answer_streams_in_throttled_updates() {
    let mock = MockServer::start().await.unwrap();
    let sent = Sent::default();
    let (running, ended_in_card) = streaming_bot(&mock, &sent).await;
    mock.deliver(
        &Msg::dm("om_ask", "explain").event(),
        Via::Ws { fragments: 1 },
        WAIT,
    )
    .await;
    wait_until(|| ended_in_card.lock().unwrap().is_some()).await;
    running.abort();
    assert_eq!(*ended_in_card.lock().unwrap(), Some(true));

    let sent = sent.lock().unwrap().clone();
    let card_id = sent
        .iter()
        .find_map(|(path, _, _)| {
            let rest = path.strip_prefix("/open-apis/cardkit/v1/cards/")?;
            Some(rest.split('/').next()?.to_owned())
        })
        .expect("the card was updated");
    let entity = mock.cardkit_card(&card_id).unwrap();
    // The final content is the whole answer, and streaming mode is off.
    assert_eq!(
        entity.element_content("answer"),
        Some(expected_answer().as_str())
    );
    assert!(!entity.streaming_mode());
    assert_eq!(entity.refused_sequences, 0);

    // The card was the reply to the message.
    let reply = &bodies(&mock, &reply_path("om_ask"))[0];
    assert_eq!(reply["msg_type"], "interactive");
    assert!(reply["content"].as_str().unwrap().contains(&card_id));

    // Every operation on the card at least MIN_INTERVAL after the one before.
    let prefix = format!("/open-apis/cardkit/v1/cards/{card_id}");
    let operations: Vec<&(String, Vec<u8>, u64)> = sent
        .iter()
        .filter(|(p, _, _)| p.starts_with(&prefix))
        .collect();
    // (The card paces by the time each operation starts; the times here are taken a moment
    // later, as the request leaves, so a gap may read a few milliseconds short.)
    let interval = u64::try_from(MIN_INTERVAL.as_millis()).unwrap();
    for pair in operations.windows(2) {
        let gap = pair[1].2 - pair[0].2;
        assert!(gap + 5 >= interval, "operations {gap} ms apart");
    }
    // Each text update but the last carries at least MIN_CHARS more characters.
    let updates: Vec<usize> = operations
        .iter()
        .filter(|(p, _, _)| p.ends_with("/content"))
        .map(|(_, body, _)| {
            let body: Value = serde_json::from_slice(body).unwrap();
            body["content"].as_str().unwrap().chars().count()
        })
        .collect();
    assert_eq!(
        u64::try_from(updates.len()).unwrap(),
        entity.content_updates
    );
    for pair in updates.windows(2) {
        assert!(
            pair[1] >= pair[0] + MIN_CHARS || pair[1] == ANSWER_CHARS,
            "{updates:?}"
        );
    }
    assert_eq!(updates.last(), Some(&ANSWER_CHARS));
    // 200 pieces over about a second: far fewer updates than pieces, within the rate.
    let span = operations.last().unwrap().2 - operations[0].2;
    assert!(updates.len() >= 3 && updates.len() < 40, "{updates:?}");
    assert!(u64::try_from(operations.len()).unwrap() <= span / interval + 1);
    println!(
        "2,000 characters in 200 pieces: {} content updates, {} card operations over {span} ms",
        updates.len(),
        operations.len()
    );
}

#[tokio::test]
async fn a_card_that_cannot_be_made_falls_back_to_a_plain_reply() {
    let mock = MockServer::start().await.unwrap();
    mock.inject(
        FaultRule::new(Fault::lark_error(200_001, "card creation failed"))
            .path("/open-apis/cardkit/v1/cards")
            .method(http::Method::POST),
    );
    let sent = Sent::default();
    let (running, ended_in_card) = streaming_bot(&mock, &sent).await;
    mock.deliver(
        &Msg::dm("om_ask", "explain").event(),
        Via::Ws { fragments: 1 },
        WAIT,
    )
    .await;
    wait_until(|| ended_in_card.lock().unwrap().is_some()).await;
    running.abort();
    assert_eq!(*ended_in_card.lock().unwrap(), Some(false));
    let replies = bodies(&mock, &reply_path("om_ask"));
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0]["msg_type"], "text");
    assert_eq!(text_of(&replies[0]), expected_answer());
}

#[tokio::test]
async fn a_failed_update_midway_is_made_good_and_the_final_text_lands() {
    let mock = MockServer::start().await.unwrap();
    // The second text update fails; later ones carry the whole text anyway.
    let fault = mock.inject(
        FaultRule::new(Fault::lark_error(230_099, "transient failure"))
            .path_prefix("/open-apis/cardkit/v1/cards/")
            .method(http::Method::PUT)
            .nth(2),
    );
    let sent = Sent::default();
    let (running, ended_in_card) = streaming_bot(&mock, &sent).await;
    mock.deliver(
        &Msg::dm("om_ask", "explain").event(),
        Via::Ws { fragments: 1 },
        WAIT,
    )
    .await;
    wait_until(|| ended_in_card.lock().unwrap().is_some()).await;
    running.abort();
    assert_eq!(mock.fault_hits(fault), 1);
    assert_eq!(*ended_in_card.lock().unwrap(), Some(true));
    let card_id = sent
        .lock()
        .unwrap()
        .iter()
        .find_map(|(path, _, _)| {
            let rest = path.strip_prefix("/open-apis/cardkit/v1/cards/")?;
            Some(rest.split('/').next()?.to_owned())
        })
        .unwrap();
    let entity = mock.cardkit_card(&card_id).unwrap();
    assert_eq!(
        entity.element_content("answer"),
        Some(expected_answer().as_str())
    );
    assert!(!entity.streaming_mode());
    // No plain reply: the answer ended in the card.
    assert_eq!(bodies(&mock, &reply_path("om_ask")).len(), 1);
}

#[tokio::test]
async fn a_final_update_the_card_keeps_refusing_goes_as_a_plain_reply() {
    let mock = MockServer::start().await.unwrap();
    // Finishing (the settings call that turns streaming off) always fails.
    mock.inject(
        FaultRule::new(Fault::lark_error(230_099, "refused"))
            .path_prefix("/open-apis/cardkit/v1/cards/")
            .method(http::Method::PATCH),
    );
    let sent = Sent::default();
    let (running, ended_in_card) = streaming_bot(&mock, &sent).await;
    mock.deliver(
        &Msg::dm("om_ask", "explain").event(),
        Via::Ws { fragments: 1 },
        WAIT,
    )
    .await;
    wait_until(|| ended_in_card.lock().unwrap().is_some()).await;
    running.abort();
    assert_eq!(*ended_in_card.lock().unwrap(), Some(false));
    let replies = bodies(&mock, &reply_path("om_ask"));
    assert_eq!(replies.len(), 2, "the card, then the plain answer");
    assert_eq!(replies[0]["msg_type"], "interactive");
    assert_eq!(replies[1]["msg_type"], "text");
    assert_eq!(text_of(&replies[1]), expected_answer());
}
