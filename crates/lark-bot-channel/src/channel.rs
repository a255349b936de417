//! [`Channel`]: the events of a bot in, normalized, filtered and ordered, to its handlers.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use futures_util::FutureExt as _;
use lark_core::event::{CardActionReply, Dispatcher, Event, HandlerError};
use lark_core::{BoxFuture, Client, HttpClient, MaybeSend, MaybeSync};
use lark_message::callback::CardAction;

use crate::error::{RejectReason, Rejected};
use crate::events::{BOT_ADDED, BOT_REMOVED, ChannelEvent, MESSAGE_RECEIVE, REACTION_CREATED};
use crate::guard::UrlGuard;
use crate::message::ChannelMessage;
use crate::policy::Policy;
use crate::reply::{Context, ReplyOptions};
use crate::sources::{MediaFetcher, MediaSettings};
use crate::spawn::Spawn;

/// The path of `bot.v3.info`, which names the bot's open id.
pub const BOT_INFO_PATH: &str = "/open-apis/bot/v3/info";

/// How long after a failed `bot.v3.info` the channel goes without the bot's open id before
/// asking again, so a failing endpoint costs one request a minute rather than one per message.
const IDENTITY_RETRY: Duration = Duration::from_secs(60);

/// The most items one chat's queue holds by default before new ones are rejected.
const DEFAULT_QUEUE_LIMIT: usize = 1_000;

#[cfg(not(target_arch = "wasm32"))]
mod erased {
    use super::*;
    pub(super) type MessageHandler<H> = Arc<
        dyn Fn(ChannelMessage, Context<H>) -> BoxFuture<'static, Result<(), HandlerError>>
            + Send
            + Sync,
    >;
    pub(super) type EventHandler<H> = Arc<
        dyn Fn(ChannelEvent, Client<H>) -> BoxFuture<'static, Result<(), HandlerError>>
            + Send
            + Sync,
    >;
    pub(super) type RejectHook = Arc<dyn Fn(Rejected) + Send + Sync>;
    pub(super) type ErrorHook = Arc<dyn Fn(HandlerError) + Send + Sync>;
    pub(super) type Spawner = Arc<dyn Spawn + Send + Sync>;
}

#[cfg(target_arch = "wasm32")]
mod erased {
    use super::*;
    pub(super) type MessageHandler<H> =
        Arc<dyn Fn(ChannelMessage, Context<H>) -> BoxFuture<'static, Result<(), HandlerError>>>;
    pub(super) type EventHandler<H> =
        Arc<dyn Fn(ChannelEvent, Client<H>) -> BoxFuture<'static, Result<(), HandlerError>>>;
    pub(super) type RejectHook = Arc<dyn Fn(Rejected)>;
    pub(super) type ErrorHook = Arc<dyn Fn(HandlerError)>;
    pub(super) type Spawner = Arc<dyn Spawn>;
}

use erased::{ErrorHook, EventHandler, MessageHandler, RejectHook, Spawner};

/// What waits in a chat's queue.
enum Item {
    /// A message that passed the policy, and when it arrived (Unix milliseconds).
    Message(Box<ChannelMessage>, u64),
    Event(ChannelEvent),
}

#[derive(Default)]
struct ChatQueue {
    items: VecDeque<Item>,
    /// Whether a task is draining this queue.
    running: bool,
}

/// A bot's channel: register it on a [`Dispatcher`] (HTTP callbacks or the long connection)
/// and it hands each accepted message to the message handler and each other event of the
/// channel to the event handler.
///
/// On the way, with no IO of its own (the client's backend does the IO, its
/// [`Runtime`](lark_core::Runtime) keeps the time):
/// - the dispatcher drops re-delivered events through its own
///   [`EventDedupStore`](lark_core::event::EventDedupStore), shared between instances when it
///   is (Redis);
/// - messages are [normalized](ChannelMessage::from_event), then dropped when older than
///   [`max_age`](ChannelBuilder::max_age) or refused by the [`Policy`]; the rejected-event
///   hook hears why;
/// - the event is acked at once: accepted items go into one queue per chat, drained in order
///   by one task per chat (started through [`Spawn`]), so chats run concurrently and each
///   chat's messages are handled one at a time, in order;
/// - messages from one sender in one chat within [`merge_window`](ChannelBuilder::merge_window)
///   of the first are merged into one.
pub struct Channel<H> {
    inner: Arc<Inner<H>>,
}

impl<H> Clone for Channel<H> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<H> fmt::Debug for Channel<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Channel")
            .field("policy", &self.inner.policy)
            .field("reply", &self.inner.reply)
            .field("merge_window", &self.inner.merge_window)
            .field("max_age", &self.inner.max_age)
            .field("queue_limit", &self.inner.queue_limit)
            .field("chats_queued", &self.inner.lock().len())
            .finish_non_exhaustive()
    }
}

struct Inner<H> {
    client: Client<H>,
    spawn: Spawner,
    policy: Policy,
    reply: ReplyOptions,
    merge_window: Option<Duration>,
    max_age: Option<Duration>,
    queue_limit: usize,
    keep_raw: bool,
    media: Arc<MediaSettings>,
    bot_open_id: async_lock::OnceCell<String>,
    /// When fetching the bot's open id last failed (Unix milliseconds).
    identity_failed_at: Mutex<Option<u64>>,
    on_message: Option<MessageHandler<H>>,
    on_event: Option<EventHandler<H>>,
    on_rejected: Option<RejectHook>,
    on_error: Option<ErrorHook>,
    queues: Mutex<HashMap<String, ChatQueue>>,
}

/// Builds a [`Channel`]; see [`Channel::builder`].
#[must_use]
pub struct ChannelBuilder<H> {
    client: Client<H>,
    spawn: Spawner,
    policy: Policy,
    reply: ReplyOptions,
    merge_window: Option<Duration>,
    max_age: Option<Duration>,
    queue_limit: usize,
    keep_raw: bool,
    media: MediaSettings,
    bot_open_id: Option<String>,
    on_message: Option<MessageHandler<H>>,
    on_event: Option<EventHandler<H>>,
    on_rejected: Option<RejectHook>,
    on_error: Option<ErrorHook>,
}

impl<H> fmt::Debug for ChannelBuilder<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ChannelBuilder")
            .field("policy", &self.policy)
            .field("reply", &self.reply)
            .field("merge_window", &self.merge_window)
            .field("max_age", &self.max_age)
            .field("bot_open_id", &self.bot_open_id)
            .field("media", &self.media)
            .finish_non_exhaustive()
    }
}

impl<H: HttpClient + 'static> Channel<H> {
    /// A channel over `client`, whose chats run as tasks started by `spawn`:
    /// `|task| { tokio::spawn(task); }` natively, `wasm_bindgen_futures::spawn_local` on
    /// wasm32.
    pub fn builder<F>(client: Client<H>, spawn: F) -> ChannelBuilder<H>
    where
        F: Fn(BoxFuture<'static, ()>) + MaybeSend + MaybeSync + 'static,
    {
        Self::with_spawner(client, spawn)
    }

    /// [`Channel::builder`] with any [`Spawn`].
    pub fn with_spawner(client: Client<H>, spawn: impl Spawn + 'static) -> ChannelBuilder<H> {
        ChannelBuilder {
            client,
            spawn: Arc::new(spawn),
            policy: Policy::default(),
            reply: ReplyOptions::default(),
            merge_window: None,
            max_age: None,
            queue_limit: DEFAULT_QUEUE_LIMIT,
            keep_raw: false,
            media: MediaSettings::default(),
            bot_open_id: None,
            on_message: None,
            on_event: None,
            on_rejected: None,
            on_error: None,
        }
    }

    /// Registers the channel's handlers on `dispatcher`: `im.message.receive_v1`,
    /// `im.message.reaction.created_v1`, `im.chat.member.bot.added_v1`,
    /// `im.chat.member.bot.deleted_v1` and `card.action.trigger` (answered with an empty reply
    /// at once; register your own `on_card_action` after this one to answer with a toast).
    pub fn register(&self, dispatcher: Dispatcher) -> Dispatcher {
        let messages = Arc::clone(&self.inner);
        let mut dispatcher = dispatcher.on_raw(MESSAGE_RECEIVE, move |event: Event| {
            let inner = Arc::clone(&messages);
            async move {
                inner.receive_message(event).await;
                Ok(())
            }
        });
        for event_type in [REACTION_CREATED, BOT_ADDED, BOT_REMOVED] {
            let events = Arc::clone(&self.inner);
            dispatcher = dispatcher.on_raw(event_type, move |event: Event| {
                let inner = Arc::clone(&events);
                async move {
                    inner.receive_event(&event);
                    Ok(())
                }
            });
        }
        let cards = Arc::clone(&self.inner);
        dispatcher.on_card_action(move |event: Event| {
            let inner = Arc::clone(&cards);
            async move {
                inner.receive_card_action(&event);
                Ok(CardActionReply::new())
            }
        })
    }

    /// The bot's open id: configured, or fetched once from `bot.v3.info` (`None` while that
    /// fails, asked again a minute after a failure; meanwhile no message counts as mentioning
    /// the bot). Call it at start-up to fetch it before the first message rather than on its
    /// ack path.
    pub async fn bot_open_id(&self) -> Option<String> {
        self.inner.bot_open_id().await
    }

    /// The client the channel replies with.
    pub fn client(&self) -> &Client<H> {
        &self.inner.client
    }

    /// A [`Context`] for `chat_id`, replying to `message_id` (empty for none: then only the
    /// `send…` methods work), with the channel's reply options and media settings: for
    /// messages the bot starts itself, or for a binding that replies outside a handler.
    pub fn context(&self, chat_id: impl Into<String>, message_id: impl Into<String>) -> Context<H> {
        Context::new(
            self.inner.client.clone(),
            chat_id.into(),
            message_id.into(),
            self.inner.reply.clone(),
            Arc::clone(&self.inner.media),
        )
    }

    /// How many chats have items waiting or in hand now.
    pub fn busy_chats(&self) -> usize {
        self.inner.lock().len()
    }
}

impl<H: HttpClient + 'static> ChannelBuilder<H> {
    /// Sets the policy (by default: open DMs, every group, a mention required in groups).
    pub fn policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }

    /// Sets how replies are written.
    pub fn reply_options(mut self, options: ReplyOptions) -> Self {
        self.reply = options;
        self
    }

    /// Merges messages from one sender in one chat that arrive within `window` of the first
    /// into one [`ChannelMessage`] (texts joined by newlines). Each message then waits up to
    /// `window` before its handler runs. Off by default.
    pub fn merge_window(mut self, window: Duration) -> Self {
        self.merge_window = Some(window).filter(|w| !w.is_zero());
        self
    }

    /// Drops messages created longer than `age` ago (by the message's `create_time`, against
    /// the client's clock): what a reconnect delivers late. Off by default.
    pub fn max_age(mut self, age: Duration) -> Self {
        self.max_age = Some(age);
        self
    }

    /// The most items one chat's queue holds before new ones are rejected
    /// ([`RejectReason::QueueFull`]); 1,000 by default.
    pub fn queue_limit(mut self, limit: usize) -> Self {
        self.queue_limit = limit.max(1);
        self
    }

    /// Keeps each message's raw event payload in [`ChannelMessage::raw`].
    pub fn keep_raw(mut self, keep: bool) -> Self {
        self.keep_raw = keep;
        self
    }

    /// Which addresses media URLs may reach ([`Context::reply_image`] with
    /// [`MediaSource::Url`](crate::MediaSource::Url)): public ones only by default.
    pub fn url_guard(mut self, guard: UrlGuard) -> Self {
        self.media.guard = guard;
        self
    }

    /// What fetches media URLs (none by default: the crate does no IO; feature `reqwest` has
    /// [`ReqwestFetcher`](crate::ReqwestFetcher)). It must honour the [`UrlGuard`] it is
    /// handed (see [`MediaFetcher`]).
    pub fn media_fetcher(mut self, fetcher: impl MediaFetcher + 'static) -> Self {
        self.media.fetcher = Some(Arc::new(fetcher));
        self
    }

    /// The bot's open id, so it is not fetched from `bot.v3.info`.
    pub fn bot_open_id(mut self, open_id: impl Into<String>) -> Self {
        self.bot_open_id = Some(open_id.into()).filter(|id: &String| !id.is_empty());
        self
    }

    /// Handles each accepted message, with a [`Context`] to reply through.
    pub fn on_message<F, Fut>(mut self, handler: F) -> Self
    where
        F: Fn(ChannelMessage, Context<H>) -> Fut + MaybeSend + MaybeSync + 'static,
        Fut: Future<Output = Result<(), HandlerError>> + MaybeSend + 'static,
    {
        self.on_message = Some(Arc::new(move |message, context| {
            Box::pin(handler(message, context))
        }));
        self
    }

    /// Handles reactions, the bot added to or removed from chats, and card actions.
    pub fn on_event<F, Fut>(mut self, handler: F) -> Self
    where
        F: Fn(ChannelEvent, Client<H>) -> Fut + MaybeSend + MaybeSync + 'static,
        Fut: Future<Output = Result<(), HandlerError>> + MaybeSend + 'static,
    {
        self.on_event = Some(Arc::new(move |event, client| {
            Box::pin(handler(event, client))
        }));
        self
    }

    /// Hears each event the channel drops, with the reason.
    pub fn on_rejected<F>(mut self, hook: F) -> Self
    where
        F: Fn(Rejected) + MaybeSend + MaybeSync + 'static,
    {
        self.on_rejected = Some(Arc::new(hook));
        self
    }

    /// Hears each error a handler returns (the event was acked already).
    pub fn on_error<F>(mut self, hook: F) -> Self
    where
        F: Fn(HandlerError) + MaybeSend + MaybeSync + 'static,
    {
        self.on_error = Some(Arc::new(hook));
        self
    }

    /// The channel.
    // On wasm32 nothing is `Send`: the `Arc`s are shared by the tasks of one thread there.
    #[cfg_attr(target_arch = "wasm32", allow(clippy::arc_with_non_send_sync))]
    pub fn build(self) -> Channel<H> {
        let bot_open_id = match self.bot_open_id {
            Some(id) => async_lock::OnceCell::from(id),
            None => async_lock::OnceCell::new(),
        };
        Channel {
            inner: Arc::new(Inner {
                client: self.client,
                spawn: self.spawn,
                policy: self.policy,
                reply: self.reply,
                merge_window: self.merge_window,
                max_age: self.max_age,
                queue_limit: self.queue_limit,
                keep_raw: self.keep_raw,
                media: Arc::new(self.media),
                bot_open_id,
                identity_failed_at: Mutex::new(None),
                on_message: self.on_message,
                on_event: self.on_event,
                on_rejected: self.on_rejected,
                on_error: self.on_error,
                queues: Mutex::new(HashMap::new()),
            }),
        }
    }
}

impl<H> Inner<H> {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, ChatQueue>> {
        // A poisoned lock only means a thread panicked mid-update; the queues stay usable.
        self.queues.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl<H: HttpClient + 'static> Inner<H> {
    async fn bot_open_id(&self) -> Option<String> {
        if let Some(id) = self.bot_open_id.get() {
            return Some(id.clone());
        }
        let now = self.client.runtime().now_millis();
        let retry_millis = u64::try_from(IDENTITY_RETRY.as_millis()).unwrap_or(u64::MAX);
        let failed_at = *self
            .identity_failed_at
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if failed_at.is_some_and(|at| now < at.saturating_add(retry_millis)) {
            return None;
        }
        let fetched = self
            .bot_open_id
            .get_or_try_init(|| async {
                let answer = self
                    .client
                    .raw(http::Method::GET, BOT_INFO_PATH)
                    .send()
                    .await
                    .map_err(|_| ())?;
                answer
                    .pointer("/bot/open_id")
                    .or_else(|| answer.pointer("/data/bot/open_id"))
                    .and_then(|v| v.as_str())
                    .filter(|id| !id.is_empty())
                    .map(str::to_owned)
                    .ok_or(())
            })
            .await;
        if fetched.is_err() {
            *self
                .identity_failed_at
                .lock()
                .unwrap_or_else(|e| e.into_inner()) = Some(now);
        }
        fetched.ok().cloned()
    }

    fn reject(&self, event: &Event, reason: RejectReason, message: Option<&ChannelMessage>) {
        if let Some(hook) = &self.on_rejected {
            hook(Rejected {
                reason,
                event_type: event.event_type.clone(),
                event_id: event.event_id.clone(),
                chat_id: message.map(|m| m.chat_id.clone()),
                message_id: message.map(|m| m.message_id.clone()),
                sender_id: message.and_then(|m| m.sender.id().map(str::to_owned)),
            });
        }
    }

    /// On the ack path: normalize, check, queue. Never waits on a handler.
    async fn receive_message(self: &Arc<Self>, event: Event) {
        let bot = self.bot_open_id().await;
        let mut message = match ChannelMessage::from_event(&event, bot.as_deref()) {
            Ok(message) => message,
            Err(reason) => return self.reject(&event, reason, None),
        };
        if self.keep_raw {
            message.raw = Some(event.payload.clone());
        }
        let now = self.client.runtime().now_millis();
        if let (Some(max_age), Some(created)) = (self.max_age, message.create_time) {
            let age_millis = now.saturating_sub(created);
            if u128::from(age_millis) > max_age.as_millis() {
                return self.reject(&event, RejectReason::Stale { age_millis }, Some(&message));
            }
        }
        if let Err(reason) = self.policy.check(&message) {
            return self.reject(&event, reason, Some(&message));
        }
        let (chat_id, message_id) = (message.chat_id.clone(), message.message_id.clone());
        let sender_id = message.sender.id().map(str::to_owned);
        if let Err(reason) = self.enqueue(chat_id.clone(), move || {
            Item::Message(Box::new(message), now)
        }) {
            if let Some(hook) = &self.on_rejected {
                hook(Rejected {
                    reason,
                    event_type: event.event_type.clone(),
                    event_id: event.event_id.clone(),
                    chat_id: Some(chat_id),
                    message_id: Some(message_id),
                    sender_id,
                });
            }
        }
    }

    fn receive_event(self: &Arc<Self>, event: &Event) {
        match ChannelEvent::from_event(event) {
            Ok(normalized) => self.queue_event(event, normalized),
            Err(reason) => self.reject(event, reason, None),
        }
    }

    fn receive_card_action(self: &Arc<Self>, event: &Event) {
        match CardAction::from_event(event) {
            Ok(action) => self.queue_event(event, ChannelEvent::CardAction(Box::new(action))),
            Err(e) => self.reject(event, RejectReason::Malformed(e.to_string()), None),
        }
    }

    fn queue_event(self: &Arc<Self>, event: &Event, normalized: ChannelEvent) {
        let key = match (&normalized, normalized.chat_id()) {
            (_, Some(chat)) => chat.to_owned(),
            (ChannelEvent::Reaction { message_id, .. }, None) => format!("message:{message_id}"),
            _ => String::new(),
        };
        if let Err(reason) = self.enqueue(key, move || Item::Event(normalized)) {
            self.reject(event, reason, None);
        }
    }

    /// Queues an item for the chat `key`, and starts the chat's task when none runs.
    fn enqueue(
        self: &Arc<Self>,
        key: String,
        item: impl FnOnce() -> Item,
    ) -> Result<(), RejectReason> {
        let start = {
            let mut queues = self.lock();
            let queue = queues.entry(key.clone()).or_default();
            if queue.items.len() >= self.queue_limit {
                return Err(RejectReason::QueueFull);
            }
            queue.items.push_back(item());
            !std::mem::replace(&mut queue.running, true)
        };
        if start {
            let inner = Arc::clone(self);
            self.spawn
                .spawn(Box::pin(async move { inner.drain(key).await }));
        }
        Ok(())
    }

    /// The chat's task: handles its items one at a time until the queue is empty.
    async fn drain(self: Arc<Self>, key: String) {
        let mut release = Release {
            queues: &self.queues,
            key: &key,
            armed: true,
        };
        loop {
            let item = {
                let mut queues = self.lock();
                let Some(queue) = queues.get_mut(&key) else {
                    release.armed = false;
                    return;
                };
                match queue.items.pop_front() {
                    Some(item) => item,
                    None => {
                        // Finished: from here on the chat's entry may be a new task's.
                        queues.remove(&key);
                        release.armed = false;
                        return;
                    }
                }
            };
            let handling = async {
                match item {
                    Item::Message(message, arrived) => {
                        let message = self.merge(&key, *message, arrived).await;
                        self.handle_message(message).await
                    }
                    Item::Event(event) => match &self.on_event {
                        Some(handler) => handler(event, self.client.clone()).await,
                        None => Ok(()),
                    },
                }
            };
            // A panicking handler fails its item, not its chat: the queue goes on.
            let result = AssertUnwindSafe(handling)
                .catch_unwind()
                .await
                .unwrap_or_else(|_| Err("the handler panicked".into()));
            if let (Err(error), Some(hook)) = (result, &self.on_error) {
                hook(error);
            }
        }
    }

    async fn handle_message(&self, message: ChannelMessage) -> Result<(), HandlerError> {
        let Some(handler) = &self.on_message else {
            return Ok(());
        };
        let context = Context::new(
            self.client.clone(),
            message.chat_id.clone(),
            message.message_id.clone(),
            self.reply.clone(),
            Arc::clone(&self.media),
        );
        handler(message, context).await
    }

    /// Absorbs into `first` the messages of the same sender queued right behind it within the
    /// merge window, waiting out the window.
    async fn merge(&self, key: &str, mut first: ChannelMessage, arrived: u64) -> ChannelMessage {
        let Some(window) = self.merge_window else {
            return first;
        };
        let deadline =
            arrived.saturating_add(u64::try_from(window.as_millis()).unwrap_or(u64::MAX));
        let runtime = self.client.runtime();
        loop {
            let blocked = {
                let mut queues = self.lock();
                let Some(queue) = queues.get_mut(key) else {
                    return first;
                };
                loop {
                    match queue.items.front() {
                        Some(Item::Message(next, at))
                            if *at <= deadline && same_sender(&first, next) =>
                        {
                            if let Some(Item::Message(next, _)) = queue.items.pop_front() {
                                first.absorb(*next);
                            }
                        }
                        // Merging past another sender's message would reorder the chat.
                        Some(_) => break true,
                        None => break false,
                    }
                }
            };
            let now = runtime.now_millis();
            if blocked || now >= deadline {
                return first;
            }
            runtime.sleep(Duration::from_millis(deadline - now)).await;
        }
    }
}

/// Marks a chat's queue as not being drained when its task ends early: an executor that drops
/// the task (or a panic outside a handler) leaves the queue to the next item queued, which
/// starts a new task, rather than stalled for good. (No task is spawned from here: a
/// drop may run where spawning is impossible, during an executor's shutdown.)
struct Release<'a> {
    queues: &'a Mutex<HashMap<String, ChatQueue>>,
    key: &'a str,
    /// Whether the task ended early (cleared when it finishes normally).
    armed: bool,
}

impl Drop for Release<'_> {
    fn drop(&mut self) {
        if !self.armed {
            return;
        }
        let mut queues = self.queues.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(queue) = queues.get_mut(self.key) {
            if queue.items.is_empty() {
                queues.remove(self.key);
            } else {
                queue.running = false;
            }
        }
    }
}

fn same_sender(a: &ChannelMessage, b: &ChannelMessage) -> bool {
    a.chat_id == b.chat_id
        && a.thread_id == b.thread_id
        && a.sender.id().is_some()
        && a.sender.id() == b.sender.id()
}
