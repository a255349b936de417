//! The bot under test on the long connection against lark-mock; the test plays the platform.
#![allow(dead_code, unreachable_pub)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use lark_bot_channel::{Channel, ChannelBuilder, Rejected};
use lark_core::event::Dispatcher;
use lark_core::{Client, Config};
use lark_mock::{Delivered, MockServer, Via};
use lark_reqwest::ReqwestClient;
use lark_reqwest::ws::ClientWsExt as _;
use serde_json::{Value, json};

pub const BOT_OPEN_ID: &str = "ou_the_bot";
/// Every wait in these tests ends by then.
pub const WAIT: Duration = Duration::from_secs(10);

pub struct Bot {
    pub mock: MockServer,
    pub client: Client<ReqwestClient>,
    pub channel: Channel<ReqwestClient>,
    pub rejected: Arc<Mutex<Vec<Rejected>>>,
    pub errors: Arc<Mutex<Vec<String>>>,
    running: tokio::task::JoinHandle<()>,
}

impl Drop for Bot {
    fn drop(&mut self) {
        self.running.abort();
    }
}

pub fn spawn(task: lark_core::BoxFuture<'static, ()>) {
    tokio::spawn(task);
}

/// Starts the mock and a bot whose channel `build` configures (the bot's open id is set).
pub async fn start(
    build: impl FnOnce(ChannelBuilder<ReqwestClient>) -> ChannelBuilder<ReqwestClient>,
) -> Bot {
    start_with(Dispatcher::new(), true, build).await
}

/// A bot that fetches its open id from `bot.v3.info`.
pub async fn start_unconfigured() -> Bot {
    start_with(Dispatcher::new(), false, |b| b).await
}

pub async fn start_with(
    dispatcher: Dispatcher,
    configured: bool,
    build: impl FnOnce(ChannelBuilder<ReqwestClient>) -> ChannelBuilder<ReqwestClient>,
) -> Bot {
    let mock = MockServer::start().await.unwrap();
    let config = Config::new(MockServer::APP_ID, MockServer::APP_SECRET).base_url(mock.base_url());
    let client = lark_reqwest::client(config);
    let rejected = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&rejected);
    let errors = Arc::new(Mutex::new(Vec::new()));
    let failed = Arc::clone(&errors);
    let mut builder = Channel::builder(client.clone(), spawn);
    if configured {
        builder = builder.bot_open_id(BOT_OPEN_ID);
    }
    let builder = builder
        .on_error(move |e| failed.lock().unwrap().push(e.to_string()))
        .on_rejected(move |r| seen.lock().unwrap().push(r));
    let channel = build(builder).build();
    let dispatcher = channel.register(dispatcher);
    let ws = client.ws(dispatcher);
    let running = tokio::spawn(async move {
        let _ = ws.start().await;
    });
    mock.ws().wait_for_connections(1, WAIT).await.unwrap();
    Bot {
        mock,
        client,
        channel,
        rejected,
        errors,
        running,
    }
}

impl Bot {
    /// Delivers `event` over the long connection and checks it was acked as handled.
    pub async fn deliver(&self, event: &Value) -> Delivered {
        let delivered = self
            .mock
            .deliver(event, Via::Ws { fragments: 1 }, WAIT)
            .await;
        assert!(!delivered.timed_out, "no ack for {event}");
        assert_eq!(delivered.answers[0].code, Some(200), "{delivered:?}");
        delivered
    }

    pub fn errors(&self) -> Vec<String> {
        self.errors.lock().unwrap().clone()
    }

    pub fn rejected(&self) -> Vec<Rejected> {
        self.rejected.lock().unwrap().clone()
    }
}

/// A message as the platform pushes it.
#[derive(Clone)]
pub struct Msg {
    pub event_id: Option<String>,
    pub message_id: String,
    pub chat_id: String,
    pub chat_type: &'static str,
    pub sender: String,
    pub message_type: &'static str,
    pub content: String,
    pub mentions: Vec<Value>,
    pub create_time: Option<u64>,
    pub thread_id: Option<String>,
}

impl Msg {
    pub fn text(message_id: &str, chat_id: &str, chat_type: &'static str, text: &str) -> Self {
        Self {
            event_id: None,
            message_id: message_id.to_owned(),
            chat_id: chat_id.to_owned(),
            chat_type,
            sender: MockServer::USER_OPEN_ID.to_owned(),
            message_type: "text",
            content: json!({ "text": text }).to_string(),
            mentions: Vec::new(),
            create_time: None,
            thread_id: None,
        }
    }

    pub fn dm(message_id: &str, text: &str) -> Self {
        Self::text(message_id, "oc_dm", "p2p", text)
    }

    pub fn group(message_id: &str, text: &str) -> Self {
        Self::text(message_id, MockServer::CHAT_ID, "group", text)
    }

    /// Mentions the bot as `@_user_1`, which the text must carry.
    pub fn mentioning_bot(mut self) -> Self {
        self.mentions.push(json!({
            "key": "@_user_1", "name": "Helper",
            "id": {"open_id": BOT_OPEN_ID, "union_id": "on_bot"}, "tenant_key": "t"
        }));
        self
    }

    pub fn sender(mut self, open_id: &str) -> Self {
        self.sender = open_id.to_owned();
        self
    }

    pub fn event_id(mut self, id: &str) -> Self {
        self.event_id = Some(id.to_owned());
        self
    }

    pub fn create_time(mut self, millis: u64) -> Self {
        self.create_time = Some(millis);
        self
    }

    pub fn event(&self) -> Value {
        let mut header = json!({"event_type": "im.message.receive_v1"});
        if let Some(id) = &self.event_id {
            header["event_id"] = json!(id);
        }
        let mut message = json!({
            "message_id": self.message_id, "chat_id": self.chat_id,
            "chat_type": self.chat_type, "message_type": self.message_type,
            "content": self.content, "mentions": self.mentions,
        });
        if let Some(t) = self.create_time {
            message["create_time"] = json!(t.to_string());
        }
        if let Some(t) = &self.thread_id {
            message["thread_id"] = json!(t);
        }
        json!({
            "schema": "2.0",
            "header": header,
            "event": {
                "sender": {"sender_id": {"open_id": self.sender, "union_id": "on_u", "user_id": "u1"},
                           "sender_type": "user", "tenant_key": "t"},
                "message": message,
            }
        })
    }
}

pub fn now_millis() -> u64 {
    u64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap()
}

/// Waits (bounded by [`WAIT`]) until `done` holds.
pub async fn wait_until(mut done: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + WAIT;
    while !done() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the condition did not hold within {WAIT:?}"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
