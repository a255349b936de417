//! An event and callback server on axum, using `lark_core::event::Dispatcher`.
//!
//! Point the app's event subscription (and card callback) URL at `http://<host>/webhook/event`.
//! It answers the url_verification challenge, checks signatures and tokens, decrypts, drops
//! re-deliveries, replies to card clicks with a toast and an updated card (typed with
//! `lark_message`, no hand-written JSON), and logs messages.
//!
//! ```text
//! LARK_VERIFICATION_TOKEN=... LARK_ENCRYPT_KEY=... \
//!     cargo run -p lark-examples --example event_server          # serves on 127.0.0.1:3000
//! cargo run -p lark-examples --example event_server -- --self-test
//! ```
//! `EVENT_SERVER_ADDR` changes the address. `--self-test` serves on a free loopback port with
//! demo secrets, sends itself a challenge, a signed encrypted message (twice) and a card click,
//! checks the answers and exits.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::response::Response;
use axum::routing::post;
use lark_core::event::types::im;
use lark_core::event::{self, Dispatcher, Event};
use lark_core::{HttpClient as _, Secret};
use lark_message::callback::{self, CardAction, CardReply, ToastKind};
use lark_message::card::{Card, Element, Header, HeaderTemplate};
use lark_message::content::MessageContent;

/// Events are a few kilobytes; refuse anything much larger before reading it all.
const BODY_LIMIT: usize = 1024 * 1024;

fn now_millis() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// The card a click turns the question card into.
fn chosen_card(choice: &str) -> Card {
    Card::new()
        .header(Header::new("Thanks").template(HeaderTemplate::Green))
        .element(Element::markdown(format!("You chose **{choice}**.")))
}

fn dispatcher(verification_token: Secret, encrypt_key: Option<Secret>) -> Dispatcher {
    let mut dispatcher = Dispatcher::new()
        .verification_token(verification_token)
        .body_limit(BODY_LIMIT);
    if let Some(key) = encrypt_key {
        dispatcher = dispatcher.encrypt_key(key);
    }
    dispatcher
        // A typed handler: the payload is `im::MessageReceiveV1`, every field an Option.
        .on(|message: im::MessageReceiveV1, event: Event| async move {
            let message = message.message.unwrap_or_default();
            println!(
                "message {} in {}: {}",
                event.event_id.as_deref().unwrap_or("?"),
                message.chat_id.as_deref().unwrap_or("?"),
                message.content.as_deref().unwrap_or("")
            );
            // Slow work (calling the API, a model) belongs in tokio::spawn: the platform waits
            // about 3 seconds for the answer.
            Ok(())
        })
        // A card button: the toast is shown to the user who clicked, the card is replaced.
        .on_card_action(callback::typed(|action: CardAction| async move {
            let choice = action
                .action
                .value_str("choice")
                .unwrap_or("nothing")
                .to_owned();
            Ok(CardReply::new()
                .toast(ToastKind::Success, format!("You chose {choice}"))
                .card(&chosen_card(&choice))?)
        }))
        // Everything else, including event types this SDK does not know, as raw JSON.
        .fallback(|event: Event| async move {
            println!("{} event: {}", event.event_type, event.payload);
            Ok(())
        })
}

async fn webhook(State(dispatcher): State<Arc<Dispatcher>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, BODY_LIMIT).await else {
        return Response::builder()
            .status(413)
            .body(Body::from("{\"error\":\"body too large\"}"))
            .unwrap_or_default();
    };
    let request = http::Request::from_parts(parts, bytes.to_vec());
    let handled = dispatcher.process(request, now_millis()).await;
    if let Some(error) = &handled.error {
        eprintln!("event refused or failed: {error}");
    }
    handled.response.map(Body::from)
}

fn app(dispatcher: Dispatcher) -> Router {
    Router::new()
        .route("/webhook/event", post(webhook))
        .with_state(Arc::new(dispatcher))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    if std::env::args().any(|a| a == "--self-test") {
        return self_test().await;
    }
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let token = var("LARK_VERIFICATION_TOKEN")
        .ok_or("set LARK_VERIFICATION_TOKEN (and LARK_ENCRYPT_KEY when encryption is on)")?;
    let key = var("LARK_ENCRYPT_KEY").map(Secret::new);
    let addr = var("EVENT_SERVER_ADDR").unwrap_or_else(|| "127.0.0.1:3000".to_owned());
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!(
        "listening on http://{}/webhook/event",
        listener.local_addr()?
    );
    axum::serve(listener, app(dispatcher(Secret::new(token), key))).await?;
    Ok(())
}

/// Serves on a free loopback port and plays the platform against it.
async fn self_test() -> Result<(), Box<dyn std::error::Error>> {
    const TOKEN: &str = "demo-verification-token";
    const KEY: &str = "demo-encrypt-key";
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/webhook/event", listener.local_addr()?);
    let server = tokio::spawn(async move {
        axum::serve(
            listener,
            app(dispatcher(Secret::new(TOKEN), Some(Secret::new(KEY)))),
        )
        .await
    });
    let http = lark_reqwest::ReqwestClient::new();
    let send = |body: serde_json::Value, sign: bool| {
        let plain = serde_json::to_vec(&body).unwrap_or_default();
        let iv: [u8; 16] = (now_millis() as u128).to_le_bytes();
        let sealed = serde_json::json!({ "encrypt": event::encrypt(KEY, &plain, iv) });
        let body = serde_json::to_vec(&sealed).unwrap_or_default();
        let timestamp = (now_millis() / 1000).to_string();
        let mut request = http::Request::post(&url).header("content-type", "application/json");
        if sign {
            let signature = event::event_signature(&timestamp, "nonce-1", KEY, &body);
            request = request
                .header(event::HEADER_TIMESTAMP, &timestamp)
                .header(event::HEADER_NONCE, "nonce-1")
                .header(event::HEADER_SIGNATURE, signature);
        }
        let request = request.body(body);
        let http = &http;
        async move {
            let response = http.execute(request?).await?;
            let status = response.status().as_u16();
            let body: serde_json::Value = serde_json::from_slice(response.body())?;
            Ok::<_, Box<dyn std::error::Error>>((status, body))
        }
    };
    let check = |what: &str, got: (u16, serde_json::Value), want: (u16, serde_json::Value)| {
        if got == want {
            println!("ok: {what}");
            Ok(())
        } else {
            Err(format!("{what}: got {got:?}, want {want:?}"))
        }
    };
    let challenge =
        serde_json::json!({"type": "url_verification", "challenge": "c-42", "token": TOKEN});
    check(
        "challenge",
        send(challenge, false).await?,
        (200, serde_json::json!({"challenge": "c-42"})),
    )?;
    let message = serde_json::json!({
        "schema": "2.0",
        "header": {"event_id": format!("ev-{}", now_millis()), "event_type": "im.message.receive_v1",
                   "token": TOKEN, "create_time": now_millis().to_string()},
        "event": {"message": {"chat_id": "oc_demo", "content": MessageContent::text("hello").content()?}}
    });
    check(
        "signed encrypted message",
        send(message.clone(), true).await?,
        (200, serde_json::json!({})),
    )?;
    check(
        "the same message again (dropped)",
        send(message.clone(), true).await?,
        (200, serde_json::json!({})),
    )?;
    let (status, _) = send(message, false).await?;
    check(
        "unsigned message",
        (status, serde_json::Value::Null),
        (401, serde_json::Value::Null),
    )?;
    let click = serde_json::json!({
        "schema": "2.0",
        "header": {"event_id": "click-1", "event_type": "card.action.trigger", "token": TOKEN},
        "event": {"action": {"tag": "button", "value": {"choice": "yes"}}}
    });
    check(
        "card click",
        send(click, true).await?,
        (
            200,
            serde_json::json!({
                "toast": {"type": "success", "content": "You chose yes"},
                "card": {"type": "raw", "data": chosen_card("yes").to_value()?}
            }),
        ),
    )?;
    server.abort();
    println!("self-test passed");
    Ok(())
}
