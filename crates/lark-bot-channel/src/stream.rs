//! [`StreamingReply`]: an answer streamed into a CardKit card, throttled by time and by
//! characters, with a plain message as the fallback.

use lark_core::{Error, HttpClient, Result};
use lark_message::card::{Card, Markdown};
use lark_message::content::{Interactive, MessageContent};
use lark_message::streaming::{StreamingCard, StreamingOptions};

use crate::reply::Context;

/// The card element the answer streams into.
const ELEMENT_ID: &str = "answer";
/// How many times the final update is tried before the answer goes as a plain message.
const FINAL_ATTEMPTS: u32 = 3;
/// How many updates in a row may fail before the card is given up mid-answer. A failed
/// update loses nothing: the next one carries the whole text.
const FAILURES_TOLERATED: u32 = 3;

/// An answer being written. [`push`](Self::push) each piece; [`finish`](Self::finish) at the
/// end.
///
/// The card gets an update when at least `stream_min_chars` new characters are waiting AND
/// at least `stream_min_interval` has passed since the last update (lark-message's
/// [`StreamingCard`] keeps the time; this keeps the characters). The final update always
/// carries the whole text: it is tried up to three times, and when the card still refuses it
/// (or could not be made at all) the whole answer is sent as a plain reply instead.
#[derive(Debug)]
pub struct StreamingReply<H> {
    context: Context<H>,
    card: Option<StreamingCard<H>>,
    /// The id of the message showing the card.
    message_id: Option<String>,
    text: String,
    /// The characters in `text`, and in it when the card last took it.
    chars: usize,
    chars_given: usize,
    /// The last card error not made good since: why the card was given up, when it was.
    fallback_reason: Option<Error>,
    /// Card updates failed in a row.
    failures: u32,
    finished: bool,
}

impl<H: HttpClient> StreamingReply<H> {
    pub(crate) async fn start(context: Context<H>) -> Self {
        let (card, message_id, fallback_reason) = match open_card(&context).await {
            Ok((card, message_id)) => (Some(card), Some(message_id), None),
            Err(e) => (None, None, Some(e)),
        };
        Self {
            context,
            card,
            message_id,
            text: String::new(),
            chars: 0,
            chars_given: 0,
            fallback_reason,
            failures: 0,
            finished: false,
        }
    }

    /// Whether the answer streams into a card (`false`: it will be one plain reply).
    pub fn is_card(&self) -> bool {
        self.card.is_some()
    }

    /// The last card error not made good since (why the card was given up for a plain reply,
    /// when it was).
    pub fn fallback_reason(&self) -> Option<&Error> {
        self.fallback_reason.as_ref()
    }

    /// The card entity's id, while streaming into a card.
    pub fn card_id(&self) -> Option<&str> {
        self.card.as_ref().map(StreamingCard::card_id)
    }

    /// The id of the message showing the card, when the card was made.
    pub fn message_id(&self) -> Option<&str> {
        self.message_id.as_deref()
    }

    /// The whole text so far.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Appends `chunk`. Never waits for the card's turn. A failed card update is left for the
    /// next one to make good; after three in a row the card is given up for the plain-reply
    /// fallback rather than failing the answer.
    pub async fn push(&mut self, chunk: &str) -> Result<()> {
        if self.finished {
            return Err(Error::Build("the streamed answer is finished".to_owned()));
        }
        self.text.push_str(chunk);
        self.chars += chunk.chars().count();
        if self.chars - self.chars_given < self.context.options().stream_min_chars {
            return Ok(());
        }
        if let Some(card) = &mut self.card {
            match card.set_text(self.text.clone()).await {
                Ok(()) => {
                    self.chars_given = self.chars;
                    self.failures = 0;
                }
                Err(e) => {
                    self.failures += 1;
                    if self.failures >= FAILURES_TOLERATED {
                        self.card = None;
                    }
                    self.fallback_reason = Some(e);
                }
            }
        }
        Ok(())
    }

    /// Sends the whole text: the card's final update (streaming mode off), or a plain reply.
    /// Returns whether the answer ended in the card.
    pub async fn finish(mut self) -> Result<bool> {
        self.finished = true;
        if let Some(mut card) = self.card.take() {
            let runtime = self.context.client().runtime();
            let mut last_error = None;
            for attempt in 0..FINAL_ATTEMPTS {
                if attempt > 0 {
                    runtime
                        .sleep(self.context.options().stream_min_interval)
                        .await;
                }
                let result = async {
                    card.set_text(self.text.clone()).await?;
                    card.finish().await
                }
                .await;
                match result {
                    Ok(()) => {
                        self.fallback_reason = None;
                        return Ok(true);
                    }
                    Err(e) => last_error = Some(e),
                }
            }
            self.fallback_reason = last_error;
        }
        if !self.text.is_empty() {
            self.context.reply_text(&self.text).await?;
        }
        Ok(false)
    }
}

/// Creates the card entity and replies with it; returns the card and the reply's message id.
async fn open_card<H: HttpClient>(context: &Context<H>) -> Result<(StreamingCard<H>, String)> {
    let card = Card::new().element(Markdown::new("…").element_id(ELEMENT_ID));
    let options = StreamingOptions::new().min_interval(context.options().stream_min_interval);
    let stream = StreamingCard::create_with(context.client(), &card, ELEMENT_ID, options).await?;
    let content = MessageContent::Interactive(Interactive::CardId(stream.card_id().to_owned()));
    let message_id = context.reply(content).await?;
    Ok((stream, message_id))
}

impl<H: HttpClient> Context<H> {
    /// Starts a streamed answer: a CardKit card that grows as [`StreamingReply::push`] is
    /// called, or, when the card cannot be made, a plain reply sent at the end.
    pub async fn stream(&self) -> StreamingReply<H> {
        StreamingReply::start(self.clone()).await
    }
}
