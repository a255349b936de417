//! Replying to a message: in the chat or in its thread, long text cut into several
//! messages, answers streamed into a card.

use std::time::Duration;

use lark_core::{Client, HttpClient, Result};
use lark_message::content::{MessageContent, Text};
use lark_message::send::ReplyMessage;
use lark_message::{ReceiveId, SendMessage};

use std::sync::Arc;

use crate::chunk::{DEFAULT_CHUNK_BYTES, chunk_text};
use crate::markdown::{DEFAULT_MARKDOWN_BYTES, MarkdownAs, markdown_messages};
use crate::sources::MediaSettings;

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
    /// How [`Context::reply_markdown`] renders: a card (the default) or a post.
    pub markdown_as: MarkdownAs,
}

impl Default for ReplyOptions {
    fn default() -> Self {
        Self {
            in_thread: false,
            chunk_bytes: DEFAULT_CHUNK_BYTES,
            stream_min_interval: lark_message::streaming::DEFAULT_MIN_INTERVAL,
            stream_min_chars: 20,
            markdown_as: MarkdownAs::Card,
        }
    }
}

impl ReplyOptions {
    /// The defaults: in the chat, 150 KB bodies, updates at least 100 ms and 20 characters
    /// apart, markdown as a card.
    pub fn new() -> Self {
        Self::default()
    }

    /// Replies in the message's thread.
    pub fn in_thread(mut self, in_thread: bool) -> Self {
        self.in_thread = in_thread;
        self
    }

    /// Sets the request-body budget of one text message (at most the platform's 150 KB; a
    /// markdown message takes at most 30 KB, and at most this).
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

    /// Sets how markdown replies render.
    pub fn markdown_as(mut self, render: MarkdownAs) -> Self {
        self.markdown_as = render;
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
    media: Arc<MediaSettings>,
}

impl<H> Clone for Context<H> {
    fn clone(&self) -> Self {
        Self {
            client: self.client.clone(),
            chat_id: self.chat_id.clone(),
            message_id: self.message_id.clone(),
            in_thread: self.in_thread,
            options: self.options.clone(),
            media: Arc::clone(&self.media),
        }
    }
}

impl<H: HttpClient> Context<H> {
    pub(crate) fn new(
        client: Client<H>,
        chat_id: String,
        message_id: String,
        options: ReplyOptions,
        media: Arc<MediaSettings>,
    ) -> Self {
        Self {
            client,
            chat_id,
            message_id,
            in_thread: options.in_thread,
            options,
            media,
        }
    }

    pub(crate) fn media(&self) -> &MediaSettings {
        &self.media
    }

    /// Sets whether replies go into the message's thread (the reply options' `in_thread` by
    /// default).
    #[must_use]
    pub fn in_thread(mut self, in_thread: bool) -> Self {
        self.in_thread = in_thread;
        self
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
            ids.push(self.send(Text::new(chunk)).await?);
        }
        Ok(ids)
    }

    /// Replies with `markdown` as the platform renders it ([`ReplyOptions::markdown_as`]: a
    /// card with a `markdown` element by default, or a post), cut into as many messages as the
    /// 30 KB body of a card or post needs; returns their message ids, in order.
    pub async fn reply_markdown(&self, markdown: impl AsRef<str>) -> Result<Vec<String>> {
        let mut ids = Vec::new();
        for content in self.markdown(markdown.as_ref()) {
            ids.push(self.reply(content).await?);
        }
        Ok(ids)
    }

    /// Sends `markdown` to the chat (not as a reply), rendered and cut like
    /// [`reply_markdown`](Self::reply_markdown).
    pub async fn send_markdown(&self, markdown: impl AsRef<str>) -> Result<Vec<String>> {
        let mut ids = Vec::new();
        for content in self.markdown(markdown.as_ref()) {
            ids.push(self.send(content).await?);
        }
        Ok(ids)
    }

    fn markdown(&self, markdown: &str) -> Vec<MessageContent> {
        let budget = self.options.chunk_bytes.min(DEFAULT_MARKDOWN_BYTES);
        markdown_messages(markdown, self.options.markdown_as, budget)
    }

    /// Sends one message of any type to the chat (not as a reply); returns its id.
    pub async fn send(&self, content: impl Into<MessageContent>) -> Result<String> {
        let request = SendMessage::new(ReceiveId::chat(&self.chat_id), content);
        let sent = self.client.send(&request).await?;
        Ok(sent.message_id.unwrap_or_default())
    }

    /// Replies with one message of any type; returns its id.
    pub async fn reply(&self, content: impl Into<MessageContent>) -> Result<String> {
        let request = ReplyMessage::new(&self.message_id, content).in_thread(self.in_thread);
        let sent = self.client.send(&request).await?;
        Ok(sent.message_id.unwrap_or_default())
    }
}
