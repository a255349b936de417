//! Streaming cards (CardKit v1): a card whose text grows while a bot writes it, as an LLM's
//! answer arrives.
//!
//! [`StreamingCard`] creates the card entity (with `streaming_mode` on), sends it as a message,
//! takes text chunks and finishes:
//!
//! ```no_run
//! # async fn answer<H: lark_core::HttpClient>(
//! #     client: &lark_core::Client<H>,
//! #     chunks: Vec<String>,
//! # ) -> lark_core::Result<()> {
//! use lark_message::card::{Card, Markdown};
//! use lark_message::streaming::StreamingCard;
//!
//! let card = Card::new().element(Markdown::new("…").element_id("answer"));
//! let mut stream = StreamingCard::create(client, &card, "answer").await?;
//! stream.send_to("chat_id", "oc_xxx").await?;
//! for chunk in chunks {
//!     stream.push(&chunk).await?;
//! }
//! stream.finish().await?;
//! # Ok(()) }
//! ```
//!
//! The platform takes at most 10 operations per second on one card entity (card and element
//! calls together), each with a `sequence` greater than the card's last one. The card owns its
//! sequence counter and paces every operation at least [`StreamingOptions::min_interval`]
//! apart (100 ms by default): a chunk that arrives sooner is kept and goes out, with the whole
//! text so far, on the first push that finds the card's turn come. [`StreamingCard::push`]
//! never waits; [`StreamingCard::flush`] (for a source that pauses) and
//! [`StreamingCard::finish`] wait for the turn on the client's [`Runtime`](lark_core::Runtime),
//! so this runs wherever the client runs, wasm32 included (no timer task of its own).
//! Rate-limit answers are retried by the client under its [`RetryPolicy`](lark_core::RetryPolicy),
//! with the same sequence and idempotency key.

use std::fmt;
use std::time::Duration;

use lark_api_cardkit::v1::{card, card_element};
use lark_api_im::v1::message;
use lark_core::{Client, Error, HttpClient, Result};
use serde::Serialize;
use serde_json::{Map, Value, json};

/// The shortest time between two operations on one card by default: the platform's limit is
/// 10 per second per card entity.
pub const DEFAULT_MIN_INTERVAL: Duration = Duration::from_millis(100);
/// The longest text an element takes, in characters.
pub const MAX_CONTENT_CHARS: usize = 100_000;
/// The largest sequence the platform takes (a positive int32).
pub const MAX_SEQUENCE: i64 = i32::MAX as i64;

/// CardKit's codes that the streaming card acts on.
pub mod codes {
    /// The `sequence` is not greater than the card's last one.
    pub const SEQUENCE_NOT_INCREASING: i64 = 300_317;
    /// Text was streamed while `streaming_mode` is off.
    pub const STREAMING_CLOSED: i64 = 300_309;
    /// The platform turned `streaming_mode` off after its time limit.
    pub const STREAMING_TIMEOUT: i64 = 200_850;
}

/// How a [`StreamingCard`] paces and finishes.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
#[must_use]
pub struct StreamingOptions {
    /// The shortest time between the starts of two operations on the card.
    pub min_interval: Duration,
    /// The summary shown in the chat list once the card is finished; by default the start of
    /// the text.
    pub summary: Option<String>,
    /// Whether text streamed after the platform closed `streaming_mode` (its time limit, code
    /// 200850 or 300309) turns it back on and is sent again, once. On by default.
    pub reopen_streaming: bool,
}

impl Default for StreamingOptions {
    fn default() -> Self {
        Self {
            min_interval: DEFAULT_MIN_INTERVAL,
            summary: None,
            reopen_streaming: true,
        }
    }
}

impl StreamingOptions {
    /// The defaults: 100 ms apart, the summary from the text, streaming reopened.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the shortest time between two operations.
    pub fn min_interval(mut self, interval: Duration) -> Self {
        self.min_interval = interval;
        self
    }

    /// Sets the summary shown once the card is finished.
    pub fn summary(mut self, summary: impl Into<String>) -> Self {
        self.summary = Some(summary.into());
        self
    }

    /// Sets whether a closed `streaming_mode` is turned back on.
    pub fn reopen_streaming(mut self, reopen: bool) -> Self {
        self.reopen_streaming = reopen;
        self
    }
}

/// A CardKit card entity streaming text into one of its elements. See the [module
/// docs](self).
pub struct StreamingCard<H> {
    client: Client<H>,
    card_id: String,
    element_id: String,
    options: StreamingOptions,
    /// The last sequence used (sent, whatever came back).
    sequence: i64,
    text: String,
    /// Whether `text` has changed since the card last took it.
    pending: bool,
    /// When the last operation started, in Unix milliseconds.
    last_operation: Option<u64>,
    content_updates: u64,
    message_id: Option<String>,
    finished: bool,
}

impl<H> fmt::Debug for StreamingCard<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamingCard")
            .field("card_id", &self.card_id)
            .field("element_id", &self.element_id)
            .field("sequence", &self.sequence)
            .field("text_len", &self.text.len())
            .field("pending", &self.pending)
            .field("content_updates", &self.content_updates)
            .field("message_id", &self.message_id)
            .field("finished", &self.finished)
            .finish_non_exhaustive()
    }
}

impl<H: HttpClient> StreamingCard<H> {
    /// Creates a card entity from `card` (card JSON 2.0: a `lark_message::card::Card` or any
    /// type serialising to it) with `streaming_mode` turned on, to stream into its `markdown`
    /// or `plain_text` element `element_id`.
    pub async fn create(
        client: &Client<H>,
        card: &impl Serialize,
        element_id: impl Into<String>,
    ) -> Result<Self> {
        Self::create_with(client, card, element_id, StreamingOptions::default()).await
    }

    /// [`StreamingCard::create`] with `options`.
    pub async fn create_with(
        client: &Client<H>,
        card: &impl Serialize,
        element_id: impl Into<String>,
        options: StreamingOptions,
    ) -> Result<Self> {
        let element_id = element_id.into();
        let card = streaming_card_json(card, &element_id)?;
        let created = client.send(&card::Create::new("card_json", card)).await?;
        let card_id = created.card_id.filter(|id| !id.is_empty()).ok_or_else(|| {
            Error::Build("cardkit.v1.card.create answered without a card_id".to_owned())
        })?;
        Ok(Self::attach_with(client, card_id, element_id, 0, options))
    }

    /// Streams into a card entity made elsewhere, whose last operation used `last_sequence`
    /// (0 when none).
    pub fn attach(
        client: &Client<H>,
        card_id: impl Into<String>,
        element_id: impl Into<String>,
        last_sequence: i64,
    ) -> Self {
        Self::attach_with(
            client,
            card_id,
            element_id,
            last_sequence,
            StreamingOptions::default(),
        )
    }

    /// [`StreamingCard::attach`] with `options`.
    pub fn attach_with(
        client: &Client<H>,
        card_id: impl Into<String>,
        element_id: impl Into<String>,
        last_sequence: i64,
        options: StreamingOptions,
    ) -> Self {
        Self {
            client: client.clone(),
            card_id: card_id.into(),
            element_id: element_id.into(),
            options,
            sequence: last_sequence.max(0),
            text: String::new(),
            pending: false,
            last_operation: None,
            content_updates: 0,
            message_id: None,
            finished: false,
        }
    }

    /// The card entity's id.
    pub fn card_id(&self) -> &str {
        &self.card_id
    }

    /// The element the text streams into.
    pub fn element_id(&self) -> &str {
        &self.element_id
    }

    /// The last sequence used.
    pub fn sequence(&self) -> i64 {
        self.sequence
    }

    /// The whole text pushed so far.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Whether text is waiting for its turn (sent by the next push, flush or finish).
    pub fn is_pending(&self) -> bool {
        self.pending
    }

    /// How many text updates the card took.
    pub fn content_updates(&self) -> u64 {
        self.content_updates
    }

    /// The message that carries the card, once sent by [`StreamingCard::send_to`] or
    /// [`StreamingCard::reply_to`].
    pub fn message_id(&self) -> Option<&str> {
        self.message_id.as_deref()
    }

    /// Whether [`StreamingCard::finish`] has run.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// The `content` of an `interactive` message that shows this card entity.
    pub fn message_content(&self) -> String {
        json!({"type": "card", "data": {"card_id": self.card_id}}).to_string()
    }

    /// Sends the card as a message to `receive_id` (an id of `receive_id_type`: `chat_id`,
    /// `open_id`, …); returns the message id.
    pub async fn send_to(
        &mut self,
        receive_id_type: impl Into<message::ReceiveIdType>,
        receive_id: impl Into<String>,
    ) -> Result<String> {
        let request = message::Create::new(
            receive_id_type,
            receive_id,
            "interactive",
            self.message_content(),
        );
        let sent = self.client.send(&request).await?;
        self.sent(sent.message_id)
    }

    /// Sends the card as a reply to the message `message_id`; returns the new message's id.
    pub async fn reply_to(&mut self, message_id: impl Into<String>) -> Result<String> {
        let request = message::Reply::new(message_id, self.message_content(), "interactive");
        let sent = self.client.send(&request).await?;
        self.sent(sent.message_id)
    }

    fn sent(&mut self, message_id: Option<String>) -> Result<String> {
        let id = message_id.filter(|id| !id.is_empty()).ok_or_else(|| {
            Error::Build("im.v1.message answered without a message_id".to_owned())
        })?;
        self.message_id = Some(id.clone());
        Ok(id)
    }

    /// Appends `chunk` to the text. When the card's turn has come, the whole text goes out
    /// now; otherwise it waits for the next push, [`flush`](Self::flush) or
    /// [`finish`](Self::finish). Never waits.
    pub async fn push(&mut self, chunk: &str) -> Result<()> {
        self.check_open()?;
        if chunk.is_empty() {
            return Ok(());
        }
        self.text.push_str(chunk);
        self.pending = true;
        if self.is_due() {
            self.send_text().await?;
        }
        Ok(())
    }

    /// Replaces the whole text (for sources that give the answer so far rather than its
    /// increments), paced like [`push`](Self::push). The typewriter effect continues when the
    /// old text is a prefix of the new one.
    pub async fn set_text(&mut self, text: impl Into<String>) -> Result<()> {
        self.check_open()?;
        let text = text.into();
        if text == self.text {
            return Ok(());
        }
        self.text = text;
        self.pending = true;
        if self.is_due() {
            self.send_text().await?;
        }
        Ok(())
    }

    /// Sends the waiting text, after waiting for the card's turn.
    pub async fn flush(&mut self) -> Result<()> {
        if self.pending && !self.text.is_empty() {
            self.wait_turn().await;
            self.send_text().await?;
        }
        Ok(())
    }

    /// Updates the card's settings (`config`, `card_link`), after waiting for its turn.
    pub async fn update_settings(&mut self, settings: &impl Serialize) -> Result<()> {
        let settings = serde_json::to_string(settings)
            .map_err(|e| Error::Build(format!("the settings cannot be serialised: {e}")))?;
        self.wait_turn().await;
        self.settings(settings).await
    }

    /// Turns `streaming_mode` on or off.
    pub async fn set_streaming_mode(&mut self, on: bool) -> Result<()> {
        self.update_settings(&json!({"config": {"streaming_mode": on}}))
            .await
    }

    /// Replaces the whole card (card JSON 2.0), after sending the waiting text. The text
    /// pushed afterwards goes to `element_id` of the new card, which must have it.
    pub async fn update_card(&mut self, card: &impl Serialize) -> Result<()> {
        let data = card_json(card)?;
        self.flush().await?;
        self.wait_turn().await;
        let sequence = self.next_sequence()?;
        let request = card::Update::new(&self.card_id, sequence).card(card::Card {
            r#type: "card_json".to_owned(),
            data,
        });
        self.client.send(&request).await?;
        Ok(())
    }

    /// Sends the waiting text, turns `streaming_mode` off and sets the summary (from
    /// [`StreamingOptions::summary`], or the start of the text). Pushing afterwards is an
    /// error.
    pub async fn finish(&mut self) -> Result<()> {
        self.check_open()?;
        self.flush().await?;
        let mut config = Map::new();
        config.insert("streaming_mode".to_owned(), Value::Bool(false));
        let summary = match &self.options.summary {
            Some(summary) => Some(summary.clone()),
            None => summary_of(&self.text),
        };
        if let Some(summary) = summary {
            config.insert("summary".to_owned(), json!({ "content": summary }));
        }
        self.update_settings(&json!({ "config": config })).await?;
        self.finished = true;
        Ok(())
    }

    /// Sends the waiting text, then replaces the card with `card` with `streaming_mode`
    /// off: the final layout (buttons for feedback, a colour). Pushing afterwards is an error.
    pub async fn finish_with_card(&mut self, card: &impl Serialize) -> Result<()> {
        self.check_open()?;
        let mut card = to_object(card)?;
        config_of(&mut card)?.insert("streaming_mode".to_owned(), Value::Bool(false));
        self.update_card(&card).await?;
        self.finished = true;
        Ok(())
    }

    fn check_open(&self) -> Result<()> {
        if self.finished {
            return Err(Error::Build(format!(
                "the streaming card {} is finished",
                self.card_id
            )));
        }
        Ok(())
    }

    fn interval_millis(&self) -> u64 {
        u64::try_from(self.options.min_interval.as_millis()).unwrap_or(u64::MAX)
    }

    fn is_due(&self) -> bool {
        match self.last_operation {
            None => true,
            Some(last) => {
                self.client.runtime().now_millis() >= last.saturating_add(self.interval_millis())
            }
        }
    }

    async fn wait_turn(&self) {
        if let Some(last) = self.last_operation {
            let next = last.saturating_add(self.interval_millis());
            let now = self.client.runtime().now_millis();
            if now < next {
                self.client
                    .runtime()
                    .sleep(Duration::from_millis(next - now))
                    .await;
            }
        }
    }

    /// The next sequence, marking the start of an operation.
    fn next_sequence(&mut self) -> Result<i64> {
        if self.sequence >= MAX_SEQUENCE {
            return Err(Error::Build(format!(
                "the card {} has used every sequence up to {MAX_SEQUENCE}",
                self.card_id
            )));
        }
        // A sequence is never reused, even after a failure: the platform may have taken it.
        self.sequence += 1;
        self.last_operation = Some(self.client.runtime().now_millis());
        Ok(self.sequence)
    }

    async fn settings(&mut self, settings: String) -> Result<()> {
        let sequence = self.next_sequence()?;
        let request = card::Settings::new(&self.card_id, settings, sequence);
        self.client.send(&request).await?;
        Ok(())
    }

    /// Sends the whole text to the element (the caller has checked the turn).
    async fn send_text(&mut self) -> Result<()> {
        if self.text.is_empty() {
            return Ok(());
        }
        let chars = self.text.chars().count();
        if chars > MAX_CONTENT_CHARS {
            return Err(Error::Build(format!(
                "the streamed text has {chars} characters; an element takes at most \
                 {MAX_CONTENT_CHARS}"
            )));
        }
        let mut reopened = false;
        loop {
            let sequence = self.next_sequence()?;
            let request = card_element::Content::new(
                &self.card_id,
                &self.element_id,
                self.text.clone(),
                sequence,
            );
            match self.client.send(&request).await {
                Ok(_) => {
                    self.pending = false;
                    self.content_updates += 1;
                    return Ok(());
                }
                Err(error)
                    if self.options.reopen_streaming
                        && !reopened
                        && matches!(
                            error.code(),
                            Some(codes::STREAMING_CLOSED | codes::STREAMING_TIMEOUT)
                        ) =>
                {
                    reopened = true;
                    self.wait_turn().await;
                    self.settings(json!({"config": {"streaming_mode": true}}).to_string())
                        .await?;
                    self.wait_turn().await;
                }
                Err(error) => return Err(error),
            }
        }
    }
}

/// The first line of `text`, cut to 50 characters; `None` when it is blank.
fn summary_of(text: &str) -> Option<String> {
    const SUMMARY_CHARS: usize = 50;
    let line = text.lines().map(str::trim).find(|l| !l.is_empty())?;
    let mut summary: String = line.chars().take(SUMMARY_CHARS).collect();
    if line.chars().nth(SUMMARY_CHARS).is_some() {
        summary.push('…');
    }
    Some(summary)
}

fn to_object(card: &impl Serialize) -> Result<Map<String, Value>> {
    match serde_json::to_value(card) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(Error::Build(
            "a card must serialise to a JSON object".to_owned(),
        )),
        Err(e) => Err(Error::Build(format!("the card cannot be serialised: {e}"))),
    }
}

fn config_of(card: &mut Map<String, Value>) -> Result<&mut Map<String, Value>> {
    card.entry("config")
        .or_insert_with(|| Value::Object(Map::new()))
        .as_object_mut()
        .ok_or_else(|| Error::Build("the card's config is not an object".to_owned()))
}

fn card_json(card: &impl Serialize) -> Result<String> {
    let card = to_object(card)?;
    serde_json::to_string(&card).map_err(|e| Error::Build(format!("the card: {e}")))
}

/// The card as a JSON string with `streaming_mode` on, after checking that it has the
/// element to stream into.
fn streaming_card_json(card: &impl Serialize, element_id: &str) -> Result<String> {
    let mut card = to_object(card)?;
    if !has_text_element(&Value::Object(card.clone()), element_id) {
        return Err(Error::Build(format!(
            "the card has no markdown or plain_text element with element_id `{element_id}`"
        )));
    }
    config_of(&mut card)?.insert("streaming_mode".to_owned(), Value::Bool(true));
    serde_json::to_string(&card).map_err(|e| Error::Build(format!("the card: {e}")))
}

fn has_text_element(value: &Value, element_id: &str) -> bool {
    match value {
        Value::Object(map) => {
            let is_it = map.get("element_id").and_then(Value::as_str) == Some(element_id)
                && matches!(
                    map.get("tag").and_then(Value::as_str),
                    Some("markdown" | "plain_text")
                );
            is_it || map.values().any(|v| has_text_element(v, element_id))
        }
        Value::Array(items) => items.iter().any(|v| has_text_element(v, element_id)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_is_the_first_line_cut_short() {
        assert_eq!(summary_of(""), None);
        assert_eq!(summary_of("\n  \nHello\nworld"), Some("Hello".to_owned()));
        let long = "x".repeat(60);
        assert_eq!(summary_of(&long), Some(format!("{}…", "x".repeat(50))));
    }

    #[test]
    fn the_card_needs_its_text_element_and_gets_streaming_mode() {
        let card = json!({"schema": "2.0", "body": {"elements": [
            {"tag": "column_set", "columns": [{"elements": [
                {"tag": "markdown", "element_id": "md", "content": ""}
            ]}]}
        ]}});
        let json: Value = serde_json::from_str(&streaming_card_json(&card, "md").unwrap()).unwrap();
        assert_eq!(json["config"]["streaming_mode"], true);
        assert!(streaming_card_json(&card, "other").is_err());
        assert!(
            streaming_card_json(
                &json!({"config": 1, "elements": [
                    {"tag": "markdown", "element_id": "md"}
                ]}),
                "md"
            )
            .is_err()
        );
        assert!(streaming_card_json(&"text", "md").is_err());
    }
}
