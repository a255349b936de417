//! Streaming cards against lark-mock on loopback: a whole run (create, send, 50 chunks,
//! finish), pacing, sequence checks, rate-limit retries and a reopened streaming mode.
//!
//! The client runs on a `ManualClock`: time moves only when the test advances it or the card
//! waits for its turn, so the pacing is checked exactly, without real sleeps.
#![cfg(feature = "api")]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use lark_core::{
    BoxFuture, Client, Config, HttpClient, HttpError, ManualClock, RetryPolicy, Runtime,
};
use lark_message::card::{Card, Markdown};
use lark_message::streaming::{StreamingCard, StreamingOptions, codes};
use lark_mock::{Fault, FaultRule, MockServer};
use lark_reqwest::ReqwestClient;
use serde_json::{Value, json};

const START: u64 = 1_700_000_000_000;
const ELEMENT: &str = "answer";
const CHUNKS: usize = 50;
/// The time between two chunks of the simulated model.
const CHUNK_GAP: Duration = Duration::from_millis(30);

/// Each request's path and the virtual time it was sent at.
type Sent = Arc<Mutex<Vec<(String, u64)>>>;

/// The reqwest backend, noting when each request leaves.
struct Recording {
    inner: ReqwestClient,
    clock: ManualClock,
    sent: Sent,
}

impl HttpClient for Recording {
    fn execute(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> BoxFuture<'_, Result<http::Response<Vec<u8>>, HttpError>> {
        self.sent
            .lock()
            .unwrap()
            .push((request.uri().path().to_owned(), self.clock.now_millis()));
        self.inner.execute(request)
    }
}

struct Setup {
    mock: MockServer,
    client: Client<Recording>,
    clock: ManualClock,
    sent: Sent,
}

async fn setup() -> Setup {
    let mock = MockServer::start().await.unwrap();
    let clock = ManualClock::new(START);
    let sent = Sent::default();
    // No client timeout: a ManualClock timeout would win its race against a real socket.
    let config = Config::new(MockServer::APP_ID, MockServer::APP_SECRET)
        .base_url(mock.base_url())
        .timeout(None)
        .retry(RetryPolicy::default().max_attempts(4));
    let http = Recording {
        inner: ReqwestClient::new(),
        clock: clock.clone(),
        sent: Arc::clone(&sent),
    };
    let client = Client::new(config, http, clock.clone());
    Setup {
        mock,
        client,
        clock,
        sent,
    }
}

fn answer_card() -> Card {
    Card::new().element(Markdown::new("…").element_id(ELEMENT))
}

/// The virtual times of the requests to CardKit after the create.
fn card_operations(sent: &Sent, card_id: &str) -> Vec<u64> {
    let prefix = format!("/open-apis/cardkit/v1/cards/{card_id}");
    sent.lock()
        .unwrap()
        .iter()
        .filter(|(path, _)| path.starts_with(&prefix))
        .map(|(_, at)| *at)
        .collect()
}

#[tokio::test]
async fn fifty_chunks_stream_in_order_and_coalesced() {
    let Setup {
        mock,
        client,
        clock,
        sent,
    } = setup().await;
    let mut stream = StreamingCard::create(&client, &answer_card(), ELEMENT)
        .await
        .unwrap();
    let card_id = stream.card_id().to_owned();
    let message_id = stream
        .send_to("chat_id", MockServer::CHAT_ID)
        .await
        .unwrap();
    assert_eq!(stream.message_id(), Some(message_id.as_str()));

    let entity = mock.cardkit_card(&card_id).unwrap();
    assert!(entity.streaming_mode(), "the card is created streaming");
    let message = mock
        .messages()
        .into_iter()
        .find(|m| m["message_id"] == message_id.as_str())
        .unwrap();
    assert_eq!(message["msg_type"], "interactive");
    let content: Value =
        serde_json::from_str(message["body"]["content"].as_str().unwrap()).unwrap();
    assert_eq!(
        content,
        json!({"type": "card", "data": {"card_id": card_id}})
    );

    // A bot can drive the card from a spawned task on a multi-threaded runtime.
    fn assert_send<T: Send>(_: &T) {}
    assert_send(&stream.push(""));
    assert_send(&stream.finish());

    let mut expected = String::new();
    for i in 0..CHUNKS {
        let chunk = format!("word{i} ");
        expected.push_str(&chunk);
        stream.push(&chunk).await.unwrap();
        assert_eq!(stream.text(), expected);
        clock.advance(CHUNK_GAP);
    }
    let streamed_for = clock.now_millis() - START;
    stream.finish().await.unwrap();
    assert!(stream.is_finished());
    assert!(stream.push("late").await.is_err());

    let entity = mock.cardkit_card(&card_id).unwrap();
    assert_eq!(entity.element_content(ELEMENT), Some(expected.as_str()));
    assert!(!entity.streaming_mode(), "finish turns streaming off");
    assert_eq!(
        entity.summary(),
        Some("word0 word1 word2 word3 word4 word5 word6 word7 wo…")
    );
    assert_eq!(entity.refused_sequences, 0);
    assert!(
        entity.sequences.windows(2).all(|w| w[0] < w[1]),
        "{:?}",
        entity.sequences
    );
    assert_eq!(entity.sequence, stream.sequence());
    // One update per 100 ms interval at most, plus the final flush: far fewer than the chunks.
    let bound = streamed_for / 100 + 2;
    assert!(
        entity.content_updates >= 2 && entity.content_updates <= bound,
        "{} updates in {streamed_for} ms (bound {bound})",
        entity.content_updates
    );
    assert_eq!(entity.content_updates, stream.content_updates());
    assert_eq!(entity.settings_updates, 1);
    // Every operation on the card started at least 100 ms after the one before.
    let times = card_operations(&sent, &card_id);
    assert_eq!(times.len() as u64, entity.content_updates + 1);
    assert!(times.windows(2).all(|w| w[1] - w[0] >= 100), "{times:?}");
}

#[tokio::test]
async fn the_interval_is_configurable_and_flush_waits_for_its_turn() {
    let Setup {
        mock,
        client,
        clock,
        sent,
    } = setup().await;
    let options = StreamingOptions::new()
        .min_interval(Duration::from_millis(500))
        .summary("Answer");
    let mut stream = StreamingCard::create_with(&client, &answer_card(), ELEMENT, options)
        .await
        .unwrap();
    let card_id = stream.card_id().to_owned();
    stream.push("a").await.unwrap();
    assert!(!stream.is_pending(), "the first chunk goes out at once");
    clock.advance(Duration::from_millis(200));
    stream.push("b").await.unwrap();
    assert!(stream.is_pending(), "the second waits for its turn");
    stream.flush().await.unwrap();
    assert!(!stream.is_pending());
    assert_eq!(
        clock.now_millis() - START,
        500,
        "flush slept until 500 ms after the first update"
    );
    stream.finish().await.unwrap();
    let entity = mock.cardkit_card(&card_id).unwrap();
    assert_eq!(entity.element_content(ELEMENT), Some("ab"));
    assert_eq!(entity.summary(), Some("Answer"));
    assert_eq!(
        card_operations(&sent, &card_id),
        [START, START + 500, START + 1000]
    );
}

#[tokio::test]
async fn an_out_of_order_sequence_is_refused_by_the_mock() {
    let Setup { mock, client, .. } = setup().await;
    let mut first = StreamingCard::create(&client, &answer_card(), ELEMENT)
        .await
        .unwrap();
    first.push("one").await.unwrap();
    first.flush().await.unwrap();
    // A second writer that believes the card is fresh reuses sequence 1.
    let mut stale = StreamingCard::attach(&client, first.card_id(), ELEMENT, 0);
    let error = stale.push("two").await.unwrap_err();
    assert_eq!(
        error.code(),
        Some(codes::SEQUENCE_NOT_INCREASING),
        "{error}"
    );
    assert!(stale.is_pending(), "the text stays for the next try");
    let entity = mock.cardkit_card(first.card_id()).unwrap();
    assert_eq!(entity.refused_sequences, 1);
    assert_eq!(entity.element_content(ELEMENT), Some("one"));
    // Attached at the right sequence, it goes on.
    let mut resumed = StreamingCard::attach(&client, first.card_id(), ELEMENT, first.sequence());
    resumed.set_text("one two").await.unwrap();
    let entity = mock.cardkit_card(first.card_id()).unwrap();
    assert_eq!(entity.element_content(ELEMENT), Some("one two"));
}

#[tokio::test]
async fn a_rate_limited_update_is_retried_with_its_sequence() {
    let Setup {
        mock,
        client,
        clock,
        ..
    } = setup().await;
    let mut stream = StreamingCard::create(&client, &answer_card(), ELEMENT)
        .await
        .unwrap();
    let path = format!(
        "/open-apis/cardkit/v1/cards/{}/elements/{ELEMENT}/content",
        stream.card_id()
    );
    let fault = mock.inject(FaultRule::new(Fault::rate_limited(1)).path(&path).next(2));
    stream.push("hello").await.unwrap();
    assert_eq!(mock.fault_hits(fault), 2);
    assert_eq!(mock.request_count(&path), 3);
    // The retries waited for the reset the platform named, on the client's clock.
    assert!(clock.now_millis() - START >= 2_000);
    let bodies: Vec<Value> = mock
        .requests_to(&path)
        .iter()
        .map(|r| r.json().unwrap())
        .collect();
    assert!(bodies.iter().all(|b| b["sequence"] == 1), "{bodies:?}");
    assert!(
        bodies.iter().all(|b| b["uuid"] == bodies[0]["uuid"]),
        "one idempotency key for every attempt"
    );
    let entity = mock.cardkit_card(stream.card_id()).unwrap();
    assert_eq!((entity.content_updates, entity.sequence), (1, 1));
}

#[tokio::test]
async fn a_closed_streaming_mode_is_reopened_once() {
    let Setup { mock, client, .. } = setup().await;
    let mut stream = StreamingCard::create(&client, &answer_card(), ELEMENT)
        .await
        .unwrap();
    stream.set_streaming_mode(false).await.unwrap();
    stream.push("again").await.unwrap();
    assert!(
        stream.is_pending(),
        "the settings call just took the card's turn"
    );
    stream.flush().await.unwrap();
    let entity = mock.cardkit_card(stream.card_id()).unwrap();
    assert!(entity.streaming_mode());
    assert_eq!(entity.element_content(ELEMENT), Some("again"));
    // Off, refused (300309), settings on, sent again.
    assert_eq!(entity.sequences, [1, 3, 4]);

    let mut strict = StreamingCard::attach_with(
        &client,
        stream.card_id(),
        ELEMENT,
        stream.sequence(),
        StreamingOptions::new().reopen_streaming(false),
    );
    strict.set_streaming_mode(false).await.unwrap();
    strict.push("more").await.unwrap();
    let error = strict.flush().await.unwrap_err();
    assert_eq!(error.code(), Some(codes::STREAMING_CLOSED));
}

#[tokio::test]
async fn finishing_with_a_card_replaces_it_with_streaming_off() {
    let Setup { mock, client, .. } = setup().await;
    let mut stream = StreamingCard::create(&client, &answer_card(), ELEMENT)
        .await
        .unwrap();
    stream.push("draft").await.unwrap();
    let done = Card::new().element(Markdown::new("final answer").element_id(ELEMENT));
    stream.finish_with_card(&done).await.unwrap();
    assert!(stream.finish().await.is_err(), "finished once");
    let entity = mock.cardkit_card(stream.card_id()).unwrap();
    assert_eq!(entity.element_content(ELEMENT), Some("final answer"));
    assert!(!entity.streaming_mode());
    assert_eq!(entity.card_updates, 1);
}

#[tokio::test]
async fn a_card_without_the_element_is_refused_before_anything_is_sent() {
    let Setup { mock, client, .. } = setup().await;
    let error = StreamingCard::create(&client, &answer_card(), "elsewhere")
        .await
        .unwrap_err();
    assert!(matches!(error, lark_core::Error::Build(_)), "{error}");
    assert_eq!(mock.request_count("/open-apis/cardkit/v1/cards"), 0);
}
