//! Outbound: replies in the chat and in the thread, long text chunked, streamed answers
//! throttled with a final update that lands, and the plain fallback.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{Msg, WAIT, spawn, start, wait_until};
use lark_bot_channel::{Channel, ReplyOptions, TEXT_BODY_LIMIT};
use lark_core::Config;
use lark_core::event::Dispatcher;
use lark_mock::{Fault, FaultRule, MockServer, Via};
use lark_reqwest::ws::ClientWsExt as _;

fn reply_path(message_id: &str) -> String {
    format!("/open-apis/im/v1/messages/{message_id}/reply")
}

/// The texts of the replies to `message_id`, as the mock recorded them.
fn reply_texts(mock: &MockServer, message_id: &str) -> Vec<String> {
    mock.replies_to(message_id)
        .iter()
        .map(|m| m.text().unwrap_or_default().to_owned())
        .collect()
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
    let pieces = reply_texts(&bot.mock, "om_q");
    assert_eq!(pieces.len(), 3);
    assert!(pieces.iter().all(|p| p.ends_with('\n')));
    assert_eq!(pieces.concat(), long);
    // As messages to the chat, not replies.
    let sent: Vec<_> = bot
        .mock
        .sent_messages()
        .into_iter()
        .filter(|m| m.reply_to.is_none())
        .collect();
    assert_eq!(sent.len(), 3);
    assert!(sent.iter().all(|m| m.chat_id == MockServer::CHAT_ID));
    let sent: String = sent.iter().filter_map(|m| m.text()).collect();
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
    wait_until(|| !bot.mock.replies_to("om_t").is_empty()).await;
    let reply = &bot.mock.replies_to("om_t")[0];
    assert!(reply.reply_in_thread);
    assert!(reply.thread_id.is_some());
    assert_eq!(reply.msg_type, "text");
    assert_eq!(reply.text(), Some("in the thread"));
}

const ANSWER_CHARS: usize = 2_000;
const PIECE: usize = 10;
const MIN_INTERVAL: Duration = Duration::from_millis(100);
const MIN_CHARS: usize = 50;
/// The mock times each operation as it arrives, a moment after the card paced it (when it
/// started): two arrivals may read a little closer than the interval.
const ARRIVAL_JITTER_MS: u64 = 20;

/// A bot whose handler streams a 2,000-character answer, 10 characters every 5 ms.
async fn streaming_bot(
    mock: &MockServer,
) -> (tokio::task::JoinHandle<()>, Arc<Mutex<Option<bool>>>) {
    let config = Config::new(MockServer::APP_ID, MockServer::APP_SECRET).base_url(mock.base_url());
    let client = lark_reqwest::client(config);
    let ended_in_card = Arc::new(Mutex::new(None));
    let sink = Arc::clone(&ended_in_card);
    let channel = Channel::builder(client.clone(), spawn)
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
    let ws = client.ws(channel.register(Dispatcher::new()));
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

/// Asks the streaming bot and waits for its answer to end; whether it ended in the card.
async fn ask(mock: &MockServer) -> Option<bool> {
    let (running, ended_in_card) = streaming_bot(mock).await;
    mock.deliver(
        &Msg::dm("om_ask", "explain").event(),
        Via::Ws { fragments: 1 },
        WAIT,
    )
    .await;
    wait_until(|| ended_in_card.lock().unwrap().is_some()).await;
    running.abort();
    *ended_in_card.lock().unwrap()
}

#[tokio::test]
async fn a_long_answer_streams_in_throttled_updates() {
    let mock = MockServer::start().await.unwrap();
    assert_eq!(ask(&mock).await, Some(true));

    // The answer is one reply showing a card entity, whose final content is the whole answer
    // with streaming mode off.
    let replies = mock.replies_to("om_ask");
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0].msg_type, "interactive");
    let card_id = replies[0].card_id().expect("the reply shows a card entity");
    let entity = mock.cardkit_card(card_id).unwrap();
    assert_eq!(
        entity.element_content("answer"),
        Some(expected_answer().as_str())
    );
    assert!(!entity.streaming_mode());
    assert_eq!(entity.refused_sequences, 0);

    // Every operation on the card at least MIN_INTERVAL after the one before, by the times
    // the mock took them.
    let interval = u64::try_from(MIN_INTERVAL.as_millis()).unwrap();
    for pair in entity.updates.windows(2) {
        let gap = pair[1].at_unix_ms - pair[0].at_unix_ms;
        assert!(
            gap + ARRIVAL_JITTER_MS >= interval,
            "operations {gap} ms apart"
        );
    }
    // Each text update but the last carries at least MIN_CHARS more characters.
    let updates: Vec<usize> = entity
        .updates
        .iter()
        .filter(|u| u.kind == "content")
        .map(|u| u.content.as_deref().unwrap_or_default().chars().count())
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
    let operations = entity.updates.len();
    let span = entity.updates[operations - 1].at_unix_ms - entity.updates[0].at_unix_ms;
    assert!(updates.len() >= 3 && updates.len() < 40, "{updates:?}");
    assert!(u64::try_from(operations).unwrap() <= (span + ARRIVAL_JITTER_MS) / interval + 1);
    println!(
        "2,000 characters in 200 pieces: {} content updates, {operations} card operations over {span} ms",
        updates.len(),
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
    assert_eq!(ask(&mock).await, Some(false));
    assert_eq!(reply_texts(&mock, "om_ask"), [expected_answer()]);
    assert_eq!(mock.replies_to("om_ask")[0].msg_type, "text");
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
    assert_eq!(ask(&mock).await, Some(true));
    assert_eq!(mock.fault_hits(fault), 1);
    // No plain reply: the answer ended in the card.
    let replies = mock.replies_to("om_ask");
    assert_eq!(replies.len(), 1);
    let entity = mock.cardkit_card(replies[0].card_id().unwrap()).unwrap();
    assert_eq!(
        entity.element_content("answer"),
        Some(expected_answer().as_str())
    );
    assert!(!entity.streaming_mode());
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
    assert_eq!(ask(&mock).await, Some(false));
    let replies = mock.replies_to("om_ask");
    assert_eq!(replies.len(), 2, "the card, then the plain answer");
    assert!(replies[0].card_id().is_some());
    assert_eq!(replies[1].msg_type, "text");
    assert_eq!(replies[1].text(), Some(expected_answer().as_str()));
}
