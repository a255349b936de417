//! Replying to a message: in the chat or in its thread, long text cut into several
//! messages, answers streamed into a card.

use std::time::Duration;

use lark_core::{Client, HttpClient, Result};
use lark_message::content::{MessageContent, Text};
use lark_message::send::ReplyMessage;
use lark_message::{ReceiveId, SendMessage};

use crate::chunk::{DEFAULT_CHUNK_BYTES, chunk_text};

/// How replies are written.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
#[must_use]
pub struct ReplyOptions {
    /// Whether replies go into the message's thread (creating one when the message is in
    /// none). Off by default: a reply to a message in a thread goes into that thread anyway.
    pub in_thread: bool,
    /// The request-body budget of one text message (see [`chunk_text`](crate::chunk_text)).
    pub chunk_bytes: usize,
    /// The shortest time between two updates of a streamed answer.
    pub stream_min_interval: Duration,
    /// How many new characters a streamed answer waits for before it updates the card.
    pub stream_min_chars: usize,
}

impl Default for ReplyOptions {
    fn default() -> Self {
        Self {
            in_thread: false,
            chunk_bytes: DEFAULT_CHUNK_BYTES,
            stream_min_interval: lark_message::streaming::DEFAULT_MIN_INTERVAL,
            stream_min_chars: 20,
        }
    }
}

impl ReplyOptions {
    /// The defaults: in the chat, 150 KB bodies, updates at least 100 ms and 20 characters
    /// apart.
    pub fn new() -> Self {
        Self::default()
    }

    /// Replies in the message's thread.
    pub fn in_thread(mut self, in_thread: bool) -> Self {
        self.in_thread = in_thread;
        self
    }

    /// Sets the request-body budget of one text message (at most the platform's 150 KB).
    pub fn chunk_bytes(mut self, bytes: usize) -> Self {
        self.chunk_bytes = bytes.min(DEFAULT_CHUNK_BYTES);
        self
    }

    /// Sets the shortest time between two updates of a streamed answer.
    pub fn stream_min_interval(mut self, interval: Duration) -> Self {
        self.stream_min_interval = interval;
        self
    }

    /// Sets how many new characters a streamed answer waits for.
    pub fn stream_min_chars(mut self, chars: usize) -> Self {
        self.stream_min_chars = chars;
        self
    }
}

/// What a handler replies through: the message it handles, and the client.
#[derive(Debug)]
pub struct Context<H> {
    client: Client<H>,
    chat_id: String,
    message_id: String,
    in_thread: bool,
    options: ReplyOptions,
}

impl<H> Clone for Context<H> {
    fn clone(&self) -> Self {
        Self {
            client: self.client.clone(),
            chat_id: self.chat_id.clone(),
            message_id: self.message_id.clone(),
            in_thread: self.in_thread,
            options: self.options.clone(),
        }
    }
}

impl<H: HttpClient> Context<H> {
    pub(crate) fn new(
        client: Client<H>,
        chat_id: String,
        message_id: String,
        options: ReplyOptions,
    ) -> Self {
        Self {
            client,
            chat_id,
            message_id,
            in_thread: options.in_thread,
            options,
        }
    }

    /// The client, for anything else.
    pub fn client(&self) -> &Client<H> {
        &self.client
    }

    /// The chat of the message.
    pub fn chat_id(&self) -> &str {
        &self.chat_id
    }

    /// The message replied to.
    pub fn message_id(&self) -> &str {
        &self.message_id
    }

    /// The reply options.
    pub fn options(&self) -> &ReplyOptions {
        &self.options
    }

    /// Replies with `text`, cut into as many messages as the platform's size limit needs;
    /// returns their message ids, in order.
    pub async fn reply_text(&self, text: impl AsRef<str>) -> Result<Vec<String>> {
        let mut ids = Vec::new();
        for chunk in chunk_text(text.as_ref(), self.options.chunk_bytes) {
            ids.push(self.reply(Text::new(chunk)).await?);
        }
        Ok(ids)
    }

    /// Sends `text` to the chat (not as a reply), cut like [`reply_text`](Self::reply_text).
    pub async fn send_text(&self, text: impl AsRef<str>) -> Result<Vec<String>> {
        let mut ids = Vec::new();
        for chunk in chunk_text(text.as_ref(), self.options.chunk_bytes) {
            let request = SendMessage::text(ReceiveId::chat(&self.chat_id), Text::new(chunk));
            let sent = self.client.send(&request).await?;
            ids.push(sent.message_id.unwrap_or_default());
        }
        Ok(ids)
    }

    /// Replies with one message of any type; returns its id.
    pub async fn reply(&self, content: impl Into<MessageContent>) -> Result<String> {
        let request = ReplyMessage::new(&self.message_id, content).in_thread(self.in_thread);
        let sent = self.client.send(&request).await?;
        Ok(sent.message_id.unwrap_or_default())
    }
}
