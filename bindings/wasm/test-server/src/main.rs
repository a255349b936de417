//! Starts `lark-mock` for the wasm-side tests, which run in Node, Chromium and workerd and so
//! cannot start it themselves.
//!
//! ```text
//! lark-wasm-test-server [MOCK_PORT] [CONTROL_PORT]
//! ```
//! Prints `LARK_MOCK_URL=http://127.0.0.1:PORT` and `LARK_CONTROL_URL=...` once both listen,
//! then serves until stdin closes or the process is stopped. The control port answers what the
//! mock received:
//! - `GET /messages`: every message sent through the API;
//! - `GET /bot/:token`: the bodies a custom bot accepted;
//! - `GET /stats`: `{ tenantTokenRequests, appTokenRequests, userTokenRefreshes }` (the last:
//!   refreshes of user tokens the accounts host answered with fresh tokens);
//! - `POST /expire-tokens`: expires every issued token;
//! - `POST /push-ticket/:app_id`: issues a fresh app ticket to a marketplace app and returns it
//!   as `{ "ticket": ... }`, for the test to push in an `app_ticket` event.
//! - `POST /ws/push?parts=N` (body: an event's JSON, as `text/plain` so a page needs no CORS
//!   preflight): pushes it over the long connection, in `N`
//!   fragments sent last first when `N` > 1, and returns `{ "messageId": ... }`; `POST
//!   /ws/card` pushes a card action the same way; `POST /ws/cut` cuts every connection without
//!   a close frame; `GET /ws/acks` lists the acks received (`messageId`, `code`, `data`,
//!   `connection`) and `GET /ws/stats` `{ open, accepted }`.
//! - Drive files: `POST /drive/settings?blockSize=N&chunkSize=N&chunkDelayMs=N` (each
//!   optional) sets the upload block size and how downloads are written; `POST
//!   /drive/put?name=NAME[&media=1]` (body: the bytes, as `text/plain`) stores a file and
//!   returns `{ fileToken }`; `POST /drive/fail-part?seq=S&times=K` fails the next K attempts
//!   at block S (HTTP 500, code 1061001); `GET /drive/file/:token` returns `{ name, size,
//!   contentType, media, adler32, bytes }` (`bytes`, an array of numbers, up to 64 KiB) or
//!   `null`; `GET /drive/stats` returns `{ partsReceived, pendingUploads }`.
//!
//! Fixtures: the marketplace app `cli_mock_isv` (secret `mock-isv-secret`), custom bots `wasm-bot` (signed with `wasm-bot-secret`) and `wasm-open-bot`
//! (unsigned), `GET /open-apis/wasm-test/broken`, which always answers an HTML 502 page, and
//! `GET /open-apis/wasm-test/slow`, which answers after 3 seconds.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use lark_mock::{Fault, FaultRule, MockServer};
use serde_json::json;

/// The signed custom bot.
const BOT_TOKEN: &str = "wasm-bot";
/// Its signing secret.
const BOT_SECRET: &str = "wasm-bot-secret";
/// The marketplace (ISV) app.
const ISV_APP_ID: &str = "cli_mock_isv";
/// Its secret.
const ISV_APP_SECRET: &str = "mock-isv-secret";
/// The unsigned custom bot.
const OPEN_BOT_TOKEN: &str = "wasm-open-bot";
/// A path whose answer is never JSON.
const BROKEN_PATH: &str = "/open-apis/wasm-test/broken";
/// A path that answers after 3 seconds.
const SLOW_PATH: &str = "/open-apis/wasm-test/slow";

fn port(arg: Option<String>, name: &str) -> Result<u16, String> {
    arg.map_or(Ok(0), |a| {
        a.parse()
            .map_err(|_| format!("{name} must be a port number, not `{a}`"))
    })
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let mock_port = port(args.next(), "MOCK_PORT")?;
    let control_port = port(args.next(), "CONTROL_PORT")?;
    let mock = MockServer::builder()
        .port(mock_port)
        .start()
        .await
        .map_err(|e| format!("cannot start lark-mock on port {mock_port}: {e}"))?;
    mock.add_bot(BOT_TOKEN, Some(BOT_SECRET));
    mock.add_bot(OPEN_BOT_TOKEN, None);
    mock.add_marketplace_app(ISV_APP_ID, ISV_APP_SECRET);
    mock.inject(FaultRule::new(Fault::html_error_page(502)).path(BROKEN_PATH));
    mock.inject(FaultRule::new(Fault::Delay(Duration::from_secs(3))).path(SLOW_PATH));
    let mock = Arc::new(mock);

    let control = Router::new()
        .route("/messages", get(messages))
        .route("/bot/{token}", get(bot_messages))
        .route("/stats", get(stats))
        .route("/expire-tokens", post(expire_tokens))
        .route("/push-ticket/{app_id}", post(push_ticket))
        .route("/ws/push", post(ws_push))
        .route("/ws/card", post(ws_card))
        .route("/ws/cut", post(ws_cut))
        .route("/ws/acks", get(ws_acks))
        .route("/ws/stats", get(ws_stats))
        .route("/drive/settings", post(drive_settings))
        .route("/drive/put", post(drive_put))
        .route("/drive/fail-part", post(drive_fail_part))
        .route("/drive/break-downloads", post(drive_break_downloads))
        .route("/drive/file/{token}", get(drive_file))
        .route("/drive/stats", get(drive_stats))
        .with_state(Arc::clone(&mock));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", control_port))
        .await
        .map_err(|e| format!("cannot bind the control port {control_port}: {e}"))?;
    let control_addr = listener
        .local_addr()
        .map_err(|e| format!("control port: {e}"))?;
    println!("LARK_MOCK_URL={}", mock.base_url());
    println!("LARK_CONTROL_URL=http://{control_addr}");

    // Stops when stdin closes (the harness exits) or on Ctrl-C, whichever comes first.
    let stdin_closed = tokio::task::spawn_blocking(|| {
        let mut sink = String::new();
        while std::io::stdin().read_line(&mut sink).is_ok_and(|n| n > 0) {
            sink.clear();
        }
    });
    let stop = async {
        tokio::select! {
            _ = stdin_closed => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    };
    axum::serve(listener, control)
        .with_graceful_shutdown(stop)
        .await
        .map_err(|e| format!("control server: {e}"))
}

fn cors(body: serde_json::Value) -> impl IntoResponse {
    ([(header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")], Json(body))
}

async fn messages(State(mock): State<Arc<MockServer>>) -> impl IntoResponse {
    cors(json!(mock.messages()))
}

async fn bot_messages(
    State(mock): State<Arc<MockServer>>,
    Path(token): Path<String>,
) -> impl IntoResponse {
    cors(json!(mock.bot_messages(&token)))
}

async fn stats(State(mock): State<Arc<MockServer>>) -> impl IntoResponse {
    cors(json!({
        "tenantTokenRequests": mock.tenant_token_requests(),
        "appTokenRequests": mock.app_token_requests(),
        "userTokenRefreshes": mock.oauth_token_requests().1,
    }))
}

async fn expire_tokens(State(mock): State<Arc<MockServer>>) -> impl IntoResponse {
    mock.expire_tokens();
    cors(json!({"ok": true}))
}

async fn push_ticket(
    State(mock): State<Arc<MockServer>>,
    Path(app_id): Path<String>,
) -> impl IntoResponse {
    cors(json!({ "ticket": mock.push_app_ticket(&app_id) }))
}

#[derive(Debug, serde::Deserialize)]
struct Parts {
    parts: Option<usize>,
}

/// A body sent as `text/plain` (a page's "simple" request: no CORS preflight), read as JSON.
fn json_body(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or(serde_json::Value::Null)
}

async fn ws_push(
    State(mock): State<Arc<MockServer>>,
    axum::extract::Query(query): axum::extract::Query<Parts>,
    body: String,
) -> impl IntoResponse {
    let event = json_body(&body);
    let parts = query.parts.unwrap_or(1).clamp(1, 16);
    let id = if parts == 1 {
        mock.ws().push_event(&event)
    } else {
        // Last part first: the client must join them by `seq`.
        let order: Vec<usize> = (0..parts).rev().collect();
        mock.ws().push_event_in_parts(&event, parts, &order)
    };
    cors(json!({ "messageId": id }))
}

async fn ws_card(State(mock): State<Arc<MockServer>>, body: String) -> impl IntoResponse {
    cors(json!({ "messageId": mock.ws().push_card(&json_body(&body)) }))
}

async fn ws_cut(State(mock): State<Arc<MockServer>>) -> impl IntoResponse {
    mock.ws().cut();
    cors(json!({"ok": true}))
}

async fn ws_acks(State(mock): State<Arc<MockServer>>) -> impl IntoResponse {
    let acks: Vec<serde_json::Value> = mock
        .ws()
        .acks()
        .into_iter()
        .map(|a| {
            json!({
                "messageId": a.message_id,
                "code": a.code,
                "data": a.data,
                "connection": a.connection,
            })
        })
        .collect();
    cors(json!(acks))
}

async fn ws_stats(State(mock): State<Arc<MockServer>>) -> impl IntoResponse {
    cors(json!({
        "open": mock.ws().open_connections(),
        "accepted": mock.ws().connections_accepted(),
    }))
}

#[derive(Debug, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct DriveSettings {
    block_size: Option<u64>,
    chunk_size: Option<usize>,
    chunk_delay_ms: Option<u64>,
}

async fn drive_settings(
    State(mock): State<Arc<MockServer>>,
    axum::extract::Query(settings): axum::extract::Query<DriveSettings>,
) -> impl IntoResponse {
    if let Some(block_size) = settings.block_size {
        mock.set_upload_block_size(block_size);
    }
    if settings.chunk_size.is_some() || settings.chunk_delay_ms.is_some() {
        mock.set_download_chunks(
            settings.chunk_size.unwrap_or(64 * 1024),
            Duration::from_millis(settings.chunk_delay_ms.unwrap_or(0)),
        );
    }
    cors(json!({"ok": true}))
}

#[derive(Debug, serde::Deserialize)]
struct PutFile {
    name: String,
    media: Option<u8>,
}

async fn drive_put(
    State(mock): State<Arc<MockServer>>,
    axum::extract::Query(file): axum::extract::Query<PutFile>,
    body: axum::body::Bytes,
) -> impl IntoResponse {
    let token = if file.media == Some(1) {
        mock.put_media(&file.name, body.to_vec())
    } else {
        mock.put_file(&file.name, body.to_vec())
    };
    cors(json!({ "fileToken": token }))
}

#[derive(Debug, serde::Deserialize)]
struct FailPart {
    seq: u64,
    times: u64,
}

async fn drive_fail_part(
    State(mock): State<Arc<MockServer>>,
    axum::extract::Query(fail): axum::extract::Query<FailPart>,
) -> impl IntoResponse {
    mock.fail_upload_part(fail.seq, fail.times);
    cors(json!({"ok": true}))
}

#[derive(Debug, serde::Deserialize)]
struct BreakDownloads {
    after: u64,
    times: usize,
}

async fn drive_break_downloads(
    State(mock): State<Arc<MockServer>>,
    axum::extract::Query(cut): axum::extract::Query<BreakDownloads>,
) -> impl IntoResponse {
    mock.break_downloads(cut.after, cut.times);
    cors(json!({"ok": true}))
}

/// Adler-32, for comparing files too large to send back.
fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in data.chunks(5552) {
        for &byte in chunk {
            a += u32::from(byte);
            b += a;
        }
        a %= 65_521;
        b %= 65_521;
    }
    (b << 16) | a
}

async fn drive_file(
    State(mock): State<Arc<MockServer>>,
    Path(token): Path<String>,
) -> impl IntoResponse {
    let file = mock.drive_file(&token).map(|f| {
        json!({
            "name": f.name,
            "size": f.bytes.len(),
            "contentType": f.content_type,
            "media": f.media,
            "adler32": adler32(&f.bytes),
            "bytes": (f.bytes.len() <= 64 * 1024).then_some(&f.bytes),
        })
    });
    cors(json!(file))
}

async fn drive_stats(State(mock): State<Arc<MockServer>>) -> impl IntoResponse {
    cors(json!({
        "partsReceived": mock.upload_parts_received(),
        "pendingUploads": mock.pending_uploads(),
    }))
}
