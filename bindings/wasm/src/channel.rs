//! `WasmChannel`: lark-bot-channel's [`Channel`] for the npm package's `LarkChannel`
//! (`npm/src/channel.js`). The rules (normalizing, policy, de-duplication, per-chat order,
//! bursts, stale messages, chunking, the SSRF guard, throttled streaming) are the Rust crate's;
//! JavaScript gets each accepted message, event and rejection as JSON text and replies
//! through the methods here.

use std::cell::RefCell;
use std::rc::Rc;
use std::time::Duration;

use lark_bot_channel::{
    AddressKind, Channel, ChannelEvent, ChannelMessage, ChatType, Context, DmMode, Fetched,
    MarkdownAs, MediaError, MediaFetcher, MediaSource, Policy, RejectReason, Rejected,
    ReplyOptions, ResourceKind, StreamingReply, Target, UrlGuard, UserIds,
};
use lark_core::BoxFuture;
use lark_core::event::HandlerError;
use lark_fetch::FetchClient;
use serde_json::{Value, json};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::client::{WasmClient, promise};
use crate::error::{get, get_string, lark_error, set, to_js};
use crate::events::WasmEvents;

type Ctx = Context<FetchClient>;

/// The channel, registered on an event dispatcher (`WasmEvents`), replying through a client.
#[wasm_bindgen]
#[derive(Debug)]
pub struct WasmChannel {
    channel: Channel<FetchClient>,
}

fn number(options: &JsValue, name: &str) -> Option<f64> {
    get(options, name)
        .and_then(|v| v.as_f64())
        .filter(|n| n.is_finite() && *n >= 0.0)
}

fn millis(options: &JsValue, name: &str) -> Option<Duration> {
    number(options, name).map(|ms| Duration::from_millis(ms as u64))
}

fn strings(options: &JsValue, name: &str) -> Result<Option<Vec<String>>, JsValue> {
    let Some(value) = get(options, name) else {
        return Ok(None);
    };
    let array: js_sys::Array = value
        .dyn_into()
        .map_err(|_| lark_error("build", &format!("`{name}` must be an array of strings")))?;
    array
        .iter()
        .map(|v| {
            v.as_string()
                .ok_or_else(|| lark_error("build", &format!("`{name}` must hold strings")))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

fn function(hooks: &JsValue, name: &str) -> Option<js_sys::Function> {
    get(hooks, name).and_then(|f| f.dyn_into().ok())
}

/// The policy from `{ dmMode, dmAllowlist, groupAllowlist, requireMention, respondToMentionAll }`.
fn policy(options: &JsValue) -> Result<Policy, JsValue> {
    let mut policy = Policy::new();
    let allowlist = strings(options, "dmAllowlist")?.unwrap_or_default();
    let mode = get_string(options, "dmMode");
    policy = policy.dm(match mode.as_deref() {
        None | Some("open") => DmMode::Open,
        Some("allowlist") => DmMode::allowlist(allowlist),
        Some("disabled") => DmMode::Disabled,
        Some(other) => {
            return Err(lark_error(
                "build",
                &format!("`dmMode` {other:?} is not one of open, allowlist, disabled"),
            ));
        }
    });
    if let Some(groups) = strings(options, "groupAllowlist")? {
        policy = policy.group_allowlist(groups);
    }
    if let Some(required) = get(options, "requireMention").and_then(|v| v.as_bool()) {
        policy = policy.require_mention(required);
    }
    if let Some(counts) = get(options, "respondToMentionAll").and_then(|v| v.as_bool()) {
        policy = policy.mention_all_counts(counts);
    }
    Ok(policy)
}

fn reply_options(options: &JsValue) -> Result<ReplyOptions, JsValue> {
    let mut reply = ReplyOptions::new();
    if let Some(bytes) = number(options, "textChunkLimit").filter(|n| *n >= 1.0) {
        reply = reply.chunk_bytes(bytes as usize);
    }
    if let Some(interval) = millis(options, "streamThrottleMs") {
        reply = reply.stream_min_interval(interval);
    }
    if let Some(chars) = number(options, "streamThrottleChars") {
        reply = reply.stream_min_chars(chars as usize);
    }
    match get_string(options, "markdownAs").as_deref() {
        None | Some("card") => {}
        Some("post") => reply = reply.markdown_as(MarkdownAs::Post),
        Some(other) => {
            return Err(lark_error(
                "build",
                &format!("`markdownAs` {other:?} is not card or post"),
            ));
        }
    }
    Ok(reply)
}

/// The guard from `ssrfGuard: { allow: ['loopback', 'private', ...] }`.
fn url_guard(options: &JsValue) -> Result<UrlGuard, JsValue> {
    let mut guard = UrlGuard::new();
    let Some(ssrf) = get(options, "ssrfGuard") else {
        return Ok(guard);
    };
    for kind in strings(&ssrf, "allow")?.unwrap_or_default() {
        guard = guard.allow(match kind.as_str() {
            "loopback" => AddressKind::Loopback,
            "private" => AddressKind::Private,
            "linkLocal" => AddressKind::LinkLocal,
            "uniqueLocal" => AddressKind::UniqueLocal,
            "sharedCgnat" => AddressKind::SharedCgnat,
            other => {
                return Err(lark_error(
                    "build",
                    &format!(
                        "`ssrfGuard.allow` {other:?} is not one of loopback, private, linkLocal, uniqueLocal, sharedCgnat"
                    ),
                ));
            }
        });
    }
    Ok(guard)
}

fn chat_type(chat_type: &ChatType) -> &str {
    match chat_type {
        ChatType::P2p => "p2p",
        ChatType::Group => "group",
        ChatType::Other(other) => other,
        _ => "other",
    }
}

fn resource_kind(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::Image => "image",
        ResourceKind::File => "file",
        ResourceKind::Audio => "audio",
        ResourceKind::Video => "video",
        ResourceKind::Sticker => "sticker",
        _ => "other",
    }
}

/// A message in node-sdk's `NormalizedMessage` shape, with this channel's extras.
fn message_json(m: &ChannelMessage) -> String {
    let resources: Vec<Value> = m
        .resources
        .iter()
        .map(|r| json!({ "type": resource_kind(r.kind), "fileKey": r.key, "fileName": r.name }))
        .collect();
    let mentions: Vec<Value> = m
        .mentions
        .iter()
        .map(|x| {
            json!({
                "key": x.key, "name": x.name, "openId": x.open_id, "unionId": x.union_id,
                "userId": x.user_id, "isBot": x.is_bot,
            })
        })
        .collect();
    json!({
        "messageId": m.message_id,
        "chatId": m.chat_id,
        "chatType": chat_type(&m.chat_type),
        "senderId": m.sender.id(),
        "sender": {
            "openId": m.sender.open_id, "unionId": m.sender.union_id, "userId": m.sender.user_id,
            "senderType": m.sender.sender_type, "tenantKey": m.sender.tenant_key,
        },
        "content": m.text,
        "rawContentType": m.message_type,
        "contentJson": m.content_json,
        "resources": resources,
        "mentions": mentions,
        "mentionAll": m.mention_all,
        "mentionedBot": m.mentioned_bot,
        "rootId": m.root_id,
        "threadId": m.thread_id,
        "replyToMessageId": m.parent_id,
        "createTime": m.create_time,
        "eventId": m.event_id,
        "mergedIds": m.merged_ids,
        "raw": m.raw,
    })
    .to_string()
}

fn ids_json(ids: &UserIds) -> Value {
    json!({ "openId": ids.open_id, "unionId": ids.union_id, "userId": ids.user_id })
}

/// An event as `{ kind, ... }`: `reaction`, `botAdded`, `botRemoved` or `cardAction`.
fn event_json(event: &ChannelEvent) -> String {
    match event {
        ChannelEvent::Reaction {
            message_id,
            emoji_type,
            operator,
            operator_type,
            action_time,
        } => json!({
            "kind": "reaction", "messageId": message_id, "emojiType": emoji_type,
            "action": "added", "operator": ids_json(operator), "operatorType": operator_type,
            "actionTime": action_time,
        }),
        ChannelEvent::BotAdded {
            chat_id,
            operator,
            name,
        } => json!({
            "kind": "botAdded", "chatId": chat_id, "operator": ids_json(operator), "name": name,
        }),
        ChannelEvent::BotRemoved {
            chat_id,
            operator,
            name,
        } => json!({
            "kind": "botRemoved", "chatId": chat_id, "operator": ids_json(operator), "name": name,
        }),
        ChannelEvent::CardAction(action) => json!({
            "kind": "cardAction",
            "messageId": action.context.open_message_id,
            "chatId": action.context.open_chat_id,
            "operator": {
                "openId": action.operator.open_id, "userId": action.operator.user_id,
                "unionId": action.operator.union_id,
            },
            "action": {
                "value": action.action.value, "tag": action.action.tag, "name": action.action.name,
                "option": action.action.option, "formValue": action.action.form_value,
            },
        }),
        _ => json!({ "kind": "other" }),
    }
    .to_string()
}

/// A rejection: node-sdk's reason names where it has one.
fn rejected_json(rejected: &Rejected) -> String {
    let (reason, detail) = match &rejected.reason {
        RejectReason::DmDisabled => ("dm_disabled", None),
        RejectReason::DmNotAllowed => ("sender_not_allowed", None),
        RejectReason::GroupNotAllowed => ("group_not_allowed", None),
        RejectReason::NotMentioned => ("no_mention", None),
        RejectReason::Stale { age_millis } => ("stale", Some(json!(age_millis))),
        RejectReason::QueueFull => ("queue_full", None),
        RejectReason::Malformed(why) => ("malformed", Some(json!(why))),
        RejectReason::UnsupportedChatType(t) => ("unsupported_chat_type", Some(json!(t))),
        _ => ("other", None),
    };
    json!({
        "reason": reason,
        "detail": detail,
        "message": rejected.reason.to_string(),
        "eventType": rejected.event_type,
        "eventId": rejected.event_id,
        "chatId": rejected.chat_id,
        "messageId": rejected.message_id,
        "senderId": rejected.sender_id,
    })
    .to_string()
}

/// How many redirects a media fetch follows, each checked like the first URL.
const MEDIA_REDIRECTS: usize = 5;

/// Media URLs fetched through two JavaScript functions that do the IO only:
/// `resolve(host)` → the addresses (strings) a name resolves to, and
/// `get(url, addresses, maxBytes)` → `{ status, location?, bytes?, contentType? }`, connecting
/// to those addresses only, following no redirect and reading at most `maxBytes + 1` bytes.
/// The checks are here: every address by the channel's `UrlGuard` before `get` runs, and each
/// redirect's URL and addresses the same way.
struct JsFetcher {
    resolve: js_sys::Function,
    get: js_sys::Function,
}

async fn js_call(function: &js_sys::Function, args: &[JsValue]) -> Result<JsValue, MediaError> {
    let array: js_sys::Array = args.iter().collect();
    let called = function
        .apply(&JsValue::UNDEFINED, &array)
        .map_err(fetch_error)?;
    JsFuture::from(js_sys::Promise::resolve(&called))
        .await
        .map_err(fetch_error)
}

fn fetch_error(error: JsValue) -> MediaError {
    MediaError::Fetch(
        get_string(&error, "message")
            .or_else(|| error.as_string())
            .unwrap_or_else(|| "the media fetch failed".to_owned()),
    )
}

impl JsFetcher {
    /// The checked addresses of `target`.
    async fn addresses(
        &self,
        target: &Target,
        guard: &UrlGuard,
    ) -> Result<Vec<String>, MediaError> {
        let ips = match target.ip {
            Some(ip) => vec![ip],
            None => {
                let answer = js_call(&self.resolve, &[target.host.as_str().into()]).await?;
                let list: js_sys::Array = answer.dyn_into().map_err(|_| {
                    MediaError::Fetch("resolve answered no list of addresses".to_owned())
                })?;
                list.iter()
                    .filter_map(|v| v.as_string())
                    .filter_map(|a| a.parse::<std::net::IpAddr>().ok())
                    .collect()
            }
        };
        guard.check_resolved(&target.host, &ips)?;
        Ok(ips.iter().map(ToString::to_string).collect())
    }
}

impl MediaFetcher for JsFetcher {
    fn fetch<'a>(
        &'a self,
        url: &'a str,
        target: &'a Target,
        guard: &'a UrlGuard,
        max_bytes: usize,
    ) -> BoxFuture<'a, Result<Fetched, MediaError>> {
        Box::pin(async move {
            let (mut url, mut target) = (url.to_owned(), target.clone());
            for _ in 0..=MEDIA_REDIRECTS {
                let addresses: js_sys::Array = self
                    .addresses(&target, guard)
                    .await?
                    .into_iter()
                    .map(JsValue::from)
                    .collect();
                let answer = js_call(
                    &self.get,
                    &[
                        url.as_str().into(),
                        addresses.into(),
                        (max_bytes as f64).into(),
                    ],
                )
                .await?;
                let status = get(&answer, "status")
                    .and_then(|v| v.as_f64())
                    .unwrap_or(0.0);
                if let Some(location) = get_string(&answer, "location") {
                    if (300.0..400.0).contains(&status) {
                        target = guard.check_url(&location)?;
                        url = location;
                        continue;
                    }
                }
                if !(200.0..300.0).contains(&status) {
                    return Err(MediaError::Fetch(format!("HTTP status {status}")));
                }
                let bytes = get(&answer, "bytes")
                    .and_then(|b| b.dyn_into::<js_sys::Uint8Array>().ok())
                    .ok_or_else(|| MediaError::Fetch("the fetch answered no bytes".to_owned()))?;
                let mut fetched = Fetched::new(bytes.to_vec());
                if let Some(content_type) = get_string(&answer, "contentType") {
                    fetched = fetched.content_type(content_type);
                }
                return Ok(fetched);
            }
            Err(MediaError::Fetch(format!(
                "more than {MEDIA_REDIRECTS} redirects"
            )))
        })
    }
}

/// Calls `hook(text)` and waits for what it returns when that is a promise.
async fn call(hook: &js_sys::Function, text: String) -> Result<(), HandlerError> {
    let called = hook
        .call1(&JsValue::UNDEFINED, &JsValue::from(text))
        .map_err(describe)?;
    if let Ok(promise) = called.dyn_into::<js_sys::Promise>() {
        JsFuture::from(promise).await.map_err(describe)?;
    }
    Ok(())
}

fn describe(error: JsValue) -> HandlerError {
    crate::error::get_string(&error, "message")
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "the handler threw".to_owned())
        .into()
}

fn media_error(error: MediaError) -> JsValue {
    match error {
        MediaError::Api(e) => to_js(e),
        MediaError::Refused(refused) => {
            let js = lark_error("ssrf", &refused.to_string());
            set(&js, "host", refused.host.as_str());
            js
        }
        other => lark_error("media", &other.to_string()),
    }
}

fn ids(ids: Vec<String>) -> JsValue {
    ids.into_iter()
        .map(JsValue::from)
        .collect::<js_sys::Array>()
        .into()
}

#[wasm_bindgen]
impl WasmChannel {
    /// A channel replying through `client`, registered on `events` (before any long
    /// connection uses it). `options`: `policy` (see [`policy`]), `safety`
    /// (`staleMessageWindowMs`, `mergeWindowMs`, `queueLimit`), `outbound`
    /// (`textChunkLimit` in bytes, `streamThrottleMs`, `streamThrottleChars`, `markdownAs`,
    /// `ssrfGuard: { allow }`), `botOpenId`, `keepRaw`, `fetchMedia` (see [`JsFetcher`]). `hooks`: `message(json)` and
    /// `event(json)` (may return promises: the chat waits for them), `reject(json)`,
    /// `error(text)`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        client: &WasmClient,
        events: &mut WasmEvents,
        options: JsValue,
        hooks: JsValue,
    ) -> Result<WasmChannel, JsValue> {
        let empty = JsValue::from(js_sys::Object::new());
        let section = |name| get(&options, name).unwrap_or_else(|| empty.clone());
        let (safety, outbound) = (section("safety"), section("outbound"));
        let mut builder = Channel::builder(client.inner().clone(), |task| {
            wasm_bindgen_futures::spawn_local(task);
        })
        .policy(policy(&section("policy"))?)
        .reply_options(reply_options(&outbound)?)
        .url_guard(url_guard(&outbound)?)
        .keep_raw(get(&options, "keepRaw").and_then(|v| v.as_bool()) == Some(true));
        if let Some(age) = millis(&safety, "staleMessageWindowMs").filter(|d| !d.is_zero()) {
            builder = builder.max_age(age);
        }
        if let Some(window) = millis(&safety, "mergeWindowMs") {
            builder = builder.merge_window(window);
        }
        if let Some(limit) = number(&safety, "queueLimit") {
            builder = builder.queue_limit(limit as usize);
        }
        if let Some(id) = crate::error::get_string(&options, "botOpenId") {
            builder = builder.bot_open_id(id);
        }
        if let Some(media) = get(&options, "fetchMedia") {
            match (function(&media, "resolve"), function(&media, "get")) {
                (Some(resolve), Some(get)) => {
                    builder = builder.media_fetcher(JsFetcher { resolve, get });
                }
                _ => {
                    return Err(lark_error(
                        "build",
                        "`fetchMedia` needs the functions `resolve(host)` and `get(url, addresses, maxBytes)`",
                    ));
                }
            }
        }
        if let Some(hook) = function(&hooks, "message") {
            builder = builder.on_message(move |message, _context: Ctx| {
                let hook = hook.clone();
                async move { call(&hook, message_json(&message)).await }
            });
        }
        if let Some(hook) = function(&hooks, "event") {
            builder = builder.on_event(move |event, _client| {
                let hook = hook.clone();
                async move { call(&hook, event_json(&event)).await }
            });
        }
        if let Some(hook) = function(&hooks, "reject") {
            builder = builder.on_rejected(move |rejected| {
                let _ = hook.call1(&JsValue::UNDEFINED, &rejected_json(&rejected).into());
            });
        }
        if let Some(hook) = function(&hooks, "error") {
            builder = builder.on_error(move |error| {
                let _ = hook.call1(&JsValue::UNDEFINED, &error.to_string().into());
            });
        }
        let channel = builder.build();
        let registered = channel.clone();
        events.extend(move |dispatcher| registered.register(dispatcher))?;
        Ok(WasmChannel { channel })
    }

    /// How many chats have messages waiting or in hand.
    #[wasm_bindgen(js_name = busyChats)]
    pub fn busy_chats(&self) -> usize {
        self.channel.busy_chats()
    }

    /// The bot's open id (configured, or asked of `bot.v3.info` once); `undefined` while
    /// unknown.
    #[wasm_bindgen(js_name = botOpenId)]
    pub fn bot_open_id(&self) -> js_sys::Promise {
        let channel = self.channel.clone();
        promise(Box::pin(async move {
            Ok(channel
                .bot_open_id()
                .await
                .map_or(JsValue::UNDEFINED, JsValue::from))
        }))
    }

    /// Sends `text` (`markdown`: rendered) to `chat_id`, as a reply to `reply_to` when given,
    /// cut into as many messages as it needs; resolves to their ids.
    pub fn text(
        &self,
        chat_id: String,
        reply_to: Option<String>,
        text: String,
        markdown: bool,
        in_thread: bool,
    ) -> js_sys::Promise {
        let context = self.context(chat_id, reply_to.clone(), in_thread);
        promise(Box::pin(async move {
            let sent = match (reply_to.is_some(), markdown) {
                (true, false) => context.reply_text(&text).await,
                (true, true) => context.reply_markdown(&text).await,
                (false, false) => context.send_text(&text).await,
                (false, true) => context.send_markdown(&text).await,
            };
            sent.map(ids).map_err(to_js)
        }))
    }

    /// Sends `kind` (`image`, `file`, `video` or `audio`) from `source`: a `Uint8Array` named
    /// `file_name`, or a URL (checked by the SSRF guard first); a video or audio with its
    /// `duration_ms` when given, a video with the image `cover_key` when given. Resolves to the
    /// message id.
    #[allow(clippy::too_many_arguments)]
    pub fn media(
        &self,
        chat_id: String,
        reply_to: Option<String>,
        kind: String,
        source: JsValue,
        file_name: Option<String>,
        in_thread: bool,
        duration_ms: Option<f64>,
        cover_key: Option<String>,
    ) -> js_sys::Promise {
        use lark_message::content::{Audio, File, Image, Media, MessageContent};
        let replying = reply_to.is_some();
        let context = self.context(chat_id, reply_to, in_thread);
        promise(Box::pin(async move {
            let source = match source.as_string() {
                Some(url) => MediaSource::url(url),
                None => match source.dyn_into::<js_sys::Uint8Array>() {
                    Ok(data) => MediaSource::bytes(
                        file_name.unwrap_or_else(|| "file".to_owned()),
                        data.to_vec(),
                    ),
                    Err(_) => {
                        return Err(lark_error(
                            "build",
                            "the media source must be a URL or a Uint8Array",
                        ));
                    }
                },
            };
            let duration = match duration_ms {
                Some(ms) if ms.is_finite() && ms >= 0.0 => Some(Duration::from_millis(ms as u64)),
                Some(_) => {
                    return Err(lark_error(
                        "build",
                        "a duration is a number of milliseconds, 0 or more",
                    ));
                }
                None => None,
            };
            let content: MessageContent = match kind.as_str() {
                "image" => {
                    Image::new(context.upload_image(source).await.map_err(media_error)?).into()
                }
                "file" => File::new(context.upload_file(source).await.map_err(media_error)?).into(),
                "audio" => Audio::new(
                    context
                        .upload_audio(source, duration)
                        .await
                        .map_err(media_error)?,
                )
                .into(),
                "video" => {
                    let media = Media::new(
                        context
                            .upload_video(source, duration)
                            .await
                            .map_err(media_error)?,
                    );
                    match cover_key {
                        Some(key) => media.cover(key),
                        None => media,
                    }
                    .into()
                }
                other => {
                    return Err(lark_error(
                        "build",
                        &format!("no media kind `{other}`: image, file, audio or video"),
                    ));
                }
            };
            let sent = if replying {
                context.reply(content).await
            } else {
                context.send(content).await
            };
            sent.map(JsValue::from).map_err(to_js)
        }))
    }

    /// Starts an answer streamed into a CardKit card replying to `reply_to`; resolves to a
    /// `WasmStream`.
    pub fn stream(&self, chat_id: String, reply_to: String, in_thread: bool) -> js_sys::Promise {
        let context = self.context(chat_id, Some(reply_to), in_thread);
        promise(Box::pin(async move {
            let reply = context.stream().await;
            Ok(WasmStream {
                reply: Rc::new(RefCell::new(Some(reply))),
            }
            .into())
        }))
    }
}

impl WasmChannel {
    fn context(&self, chat_id: String, reply_to: Option<String>, in_thread: bool) -> Ctx {
        let context = self.channel.context(chat_id, reply_to.unwrap_or_default());
        if in_thread {
            context.in_thread(true)
        } else {
            context
        }
    }
}

/// An answer being streamed (lark-bot-channel's `StreamingReply`): `push` each piece in turn
/// (awaiting each), then `finish`.
#[wasm_bindgen]
pub struct WasmStream {
    reply: Rc<RefCell<Option<StreamingReply<FetchClient>>>>,
}

impl std::fmt::Debug for WasmStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WasmStream").finish_non_exhaustive()
    }
}

fn busy() -> JsValue {
    lark_error(
        "build",
        "the streamed answer is finished, or another append is in flight (await each one)",
    )
}

#[wasm_bindgen]
impl WasmStream {
    /// Appends `chunk`; the card is updated when the throttle allows.
    pub fn push(&self, chunk: String) -> js_sys::Promise {
        let cell = Rc::clone(&self.reply);
        promise(Box::pin(async move {
            let mut reply = cell.borrow_mut().take().ok_or_else(busy)?;
            let pushed = reply.push(&chunk).await;
            *cell.borrow_mut() = Some(reply);
            pushed.map(|()| JsValue::UNDEFINED).map_err(to_js)
        }))
    }

    /// The whole text so far.
    pub fn text(&self) -> Result<String, JsValue> {
        self.reply
            .borrow()
            .as_ref()
            .map(|r| r.text().to_owned())
            .ok_or_else(busy)
    }

    /// The id of the message showing the card (`undefined` without a card).
    #[wasm_bindgen(js_name = messageId)]
    pub fn message_id(&self) -> Option<String> {
        self.reply
            .borrow()
            .as_ref()
            .and_then(|r| r.message_id().map(str::to_owned))
    }

    /// Whether the answer streams into a card (`false`: it ends as one plain reply).
    #[wasm_bindgen(js_name = isCard)]
    pub fn is_card(&self) -> bool {
        self.reply.borrow().as_ref().is_some_and(|r| r.is_card())
    }

    /// Sends the whole text: the card's final update, or a plain reply. Resolves to whether
    /// it ended in the card.
    pub fn finish(&self) -> js_sys::Promise {
        let cell = Rc::clone(&self.reply);
        promise(Box::pin(async move {
            let reply = cell.borrow_mut().take().ok_or_else(busy)?;
            reply.finish().await.map(JsValue::from).map_err(to_js)
        }))
    }
}
