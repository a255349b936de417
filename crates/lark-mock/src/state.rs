//! The mock's memory: apps, issued tokens, messages, chats, users, bots, recorded requests.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use crate::fault::Faults;
use crate::reply::{lock, now_millis};

/// A request the mock received.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct RecordedRequest {
    /// The method.
    pub method: http::Method,
    /// The path, without the query.
    pub path: String,
    /// The raw query, without `?`.
    pub query: Option<String>,
    /// The headers.
    pub headers: http::HeaderMap,
    /// The body.
    pub body: Vec<u8>,
}

impl RecordedRequest {
    /// The body parsed as JSON, when it is.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The value of query parameter `key` (undecoded), when present.
    pub fn query_param(&self, key: &str) -> Option<&str> {
        self.query
            .as_deref()?
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v)
    }

    /// The header `name` as text, when present and readable.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// Whether an app is self-built or sold on the marketplace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AppKind {
    SelfBuilt,
    Marketplace,
}

#[derive(Debug, Clone)]
pub(crate) struct App {
    pub(crate) secret: String,
    pub(crate) kind: AppKind,
    /// A keyless app's public key (SubjectPublicKeyInfo DER or an uncompressed P-256 point):
    /// its client assertions must verify with it.
    pub(crate) assertion_key: Option<Vec<u8>>,
    /// Tickets issued through `app_ticket/resend`; the newest last. All stay valid.
    pub(crate) tickets: Vec<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct IssuedToken {
    pub(crate) app_id: String,
    pub(crate) tenant_key: String,
    pub(crate) expires_at: Instant,
}

#[derive(Debug, Clone)]
pub(crate) struct UserToken {
    pub(crate) open_id: String,
    /// When it stops working (99991677 after that); `None` never expires.
    pub(crate) expires_at: Option<Instant>,
}

/// A user the contact endpoint knows.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MockUser {
    /// `ou_...`.
    pub open_id: String,
    /// `on_...`.
    pub union_id: String,
    /// The tenant's own id.
    pub user_id: String,
    /// The name.
    pub name: String,
    /// The email.
    pub email: String,
}

impl MockUser {
    /// A user named `name`; the ids and email are derived from `key` (`ou_{key}`, `on_{key}`,
    /// `{key}`, `{key}@example.com`).
    pub fn new(key: &str, name: impl Into<String>) -> Self {
        Self {
            open_id: format!("ou_{key}"),
            union_id: format!("on_{key}"),
            user_id: key.to_owned(),
            name: name.into(),
            email: format!("{key}@example.com"),
        }
    }

    pub(crate) fn to_json(&self) -> Value {
        json!({
            "open_id": self.open_id,
            "union_id": self.union_id,
            "user_id": self.user_id,
            "name": self.name,
            "en_name": self.name,
            "email": self.email,
            "mobile": "",
            "department_ids": ["0"],
            "status": {"is_activated": true, "is_frozen": false, "is_resigned": false, "is_exited": false, "is_unjoin": false},
        })
    }

    pub(crate) fn id_of(&self, id_type: &str) -> Option<&str> {
        match id_type {
            "open_id" => Some(&self.open_id),
            "union_id" => Some(&self.union_id),
            "user_id" => Some(&self.user_id),
            "email" => Some(&self.email),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Bot {
    pub(crate) secret: Option<String>,
    pub(crate) keywords: Vec<String>,
    pub(crate) messages: Vec<Value>,
}

#[derive(Debug, Default)]
pub(crate) struct Data {
    pub(crate) apps: HashMap<String, App>,
    pub(crate) tenant_tokens: HashMap<String, IssuedToken>,
    pub(crate) app_tokens: HashMap<String, IssuedToken>,
    pub(crate) user_tokens: HashMap<String, UserToken>,
    pub(crate) helpdesks: HashMap<String, String>,
    /// Messages in the order they were sent.
    pub(crate) messages: Vec<Value>,
    pub(crate) message_index: HashMap<String, usize>,
    /// (app id, uuid) → (message index, when it was sent).
    pub(crate) uuids: HashMap<(String, String), (usize, Instant)>,
    pub(crate) chats: HashMap<String, Value>,
    pub(crate) users: Vec<MockUser>,
    pub(crate) bots: HashMap<String, Bot>,
    /// CardKit card entities.
    pub(crate) cardkit: crate::cardkit::store::Cards,
    /// What was sent and replied through the API, oldest first.
    pub(crate) sent: Vec<crate::kept::SentMessage>,
    /// Images and files uploaded for messages, oldest first.
    pub(crate) uploads: Vec<crate::kept::Upload>,
}

impl Data {
    /// The user the mock knows by `open_id`, else one whose other ids, name and email are
    /// derived from it (`ou_x` → `on_x`, `x`, `x@example.com`): people the tests name freely.
    pub(crate) fn user_or_derived(&self, open_id: &str) -> MockUser {
        self.users
            .iter()
            .find(|u| u.open_id == open_id)
            .cloned()
            .unwrap_or_else(|| {
                let key = open_id.strip_prefix("ou_").unwrap_or(open_id);
                let mut user = MockUser::new(key, key);
                open_id.clone_into(&mut user.open_id);
                user
            })
    }
}

/// Everything the handlers share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) data: Mutex<Data>,
    pub(crate) faults: Mutex<Faults>,
    pub(crate) requests: Mutex<Vec<RecordedRequest>>,
    pub(crate) path_counts: Mutex<HashMap<String, u64>>,
    pub(crate) record: bool,
    pub(crate) token_ttl: Mutex<Duration>,
    pub(crate) ws: std::sync::Arc<crate::ws::WsState>,
    pub(crate) files: crate::files::store::Files,
    /// The accounts host: OAuth codes, refresh tokens, device sign-ins.
    pub(crate) accounts: Mutex<crate::accounts::store::Accounts>,
    /// The request URLs events are posted to.
    pub(crate) callbacks: Mutex<Vec<crate::callbacks::Callback>>,
    /// `http://127.0.0.1:PORT`, once bound.
    pub(crate) base_url: std::sync::OnceLock<String>,
    seq: AtomicU64,
    salt: u64,
}

impl Shared {
    pub(crate) fn new(token_ttl: Duration, record: bool) -> Self {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        Self {
            data: Mutex::new(Data::default()),
            faults: Mutex::new(Faults::default()),
            requests: Mutex::new(Vec::new()),
            path_counts: Mutex::new(HashMap::new()),
            record,
            token_ttl: Mutex::new(token_ttl),
            ws: std::sync::Arc::default(),
            files: crate::files::store::Files::default(),
            callbacks: Mutex::new(Vec::new()),
            accounts: Mutex::new(crate::accounts::store::Accounts::default()),
            base_url: std::sync::OnceLock::new(),
            seq: AtomicU64::new(0),
            salt: nanos ^ u64::from(std::process::id()).rotate_left(32),
        }
    }

    pub(crate) fn data(&self) -> std::sync::MutexGuard<'_, Data> {
        lock(&self.data)
    }

    /// A fresh id: `prefix` then 32 hex digits, unique within the process.
    pub(crate) fn new_id(&self, prefix: &str) -> String {
        let n = self.seq.fetch_add(1, Ordering::Relaxed) + 1;
        format!("{prefix}{:016x}{:016x}", mix(self.salt ^ n), n)
    }

    /// A log id as the platform prints it: a timestamp and hex digits.
    pub(crate) fn new_log_id(&self) -> String {
        let n = self.seq.fetch_add(1, Ordering::Relaxed) + 1;
        format!(
            "{}{:012X}",
            now_millis(),
            mix(self.salt ^ n) & 0xFFFF_FFFF_FFFF
        )
    }

    /// `http://127.0.0.1:PORT`.
    pub(crate) fn base_url(&self) -> &str {
        self.base_url.get().map_or("", String::as_str)
    }

    pub(crate) fn token_ttl(&self) -> Duration {
        *lock(&self.token_ttl)
    }
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
