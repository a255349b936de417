//! Card callbacks, typed both ways, over a signed (and encrypted) HTTP callback and over the
//! long connection (lark-mock's WebSocket → lark_reqwest::ws → the same handler → the ack).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_executor::block_on;
use lark_core::Config;
use lark_core::event::{self, CardActionReply, Dispatcher, Event};
use lark_message::callback::{self, CardAction, CardReply, Toast, ToastKind};
use lark_message::card::{Card, Markdown};
use lark_mock::MockServer;
use lark_reqwest::ws::WsClient;
use serde::Deserialize;
use serde_json::{Value, json};

const KEY: &str = "encrypt-key";
const TOKEN: &str = "verification-token";
const NOW_SECS: u64 = 1_700_000_000;
const NOW: u64 = NOW_SECS * 1000;
const WAIT: Duration = Duration::from_secs(5);

/// A `card.action.trigger` payload with every documented field.
fn full_payload() -> Value {
    json!({
        "operator": {
            "tenant_key": "tk_1", "user_id": "u_1", "open_id": "ou_1", "union_id": "on_1"
        },
        "token": "c-callback-token",
        "action": {
            "value": {"ticket": 42, "verdict": "approve"},
            "tag": "button",
            "name": "submit",
            "timezone": "Asia/Shanghai",
            "input_value": "typed text",
            "option": "opt_b",
            "options": ["opt_a", "opt_c"],
            "checked": true,
            "form_value": {
                "reason": "looks fine",
                "reviewers": ["ou_2", "ou_3"],
                "urgent": false,
                "days": 3
            }
        },
        "host": "im_message",
        "delivery_type": "url_preview",
        "context": {
            "url": "https://example.com/x",
            "preview_token": "pt_1",
            "open_message_id": "om_1",
            "open_chat_id": "oc_1"
        }
    })
}

fn envelope(event_id: &str, payload: Value) -> Value {
    json!({
        "schema": "2.0",
        "header": {
            "event_id": event_id,
            "event_type": "card.action.trigger",
            "create_time": "1700000000000",
            "token": TOKEN,
            "app_id": MockServer::APP_ID,
            "tenant_key": MockServer::TENANT_KEY
        },
        "event": payload
    })
}

/// An encrypted body, signed the way the platform signs it.
fn signed_request(plain: &Value) -> http::Request<Vec<u8>> {
    let text = serde_json::to_vec(plain).unwrap();
    let body =
        serde_json::to_vec(&json!({"encrypt": event::encrypt(KEY, &text, [7; 16])})).unwrap();
    let ts = NOW_SECS.to_string();
    let signature = event::event_signature(&ts, "nonce", KEY, &body);
    http::Request::post("/callback")
        .header(event::HEADER_TIMESTAMP, ts)
        .header(event::HEADER_NONCE, "nonce")
        .header(event::HEADER_SIGNATURE, signature)
        .body(body)
        .unwrap()
}

#[derive(Debug, Deserialize, PartialEq)]
struct Decision {
    ticket: u64,
    verdict: String,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Form {
    reason: String,
    reviewers: Vec<String>,
    urgent: bool,
}

fn result_card(text: &str) -> Card {
    Card::new().element(Markdown::new(text).element_id("result"))
}

/// The reply every handler here gives, built with the typed reply.
fn reply_for(action: &CardAction) -> Result<CardReply, callback::CallbackError> {
    let decision: Decision = action.action.value()?;
    CardReply::new()
        .with_toast(
            Toast::new(
                ToastKind::Success,
                format!("工单 {} 已处理", decision.ticket),
            )
            .i18n("en_us", format!("Ticket {} done", decision.ticket)),
        )
        .card(&result_card(&decision.verdict))
}

/// The same reply, built by hand with lark-core's type: the JSON must not differ.
fn expected_reply() -> Value {
    let card = serde_json::to_value(result_card("approve")).unwrap();
    let reply = CardActionReply::new()
        .with_toast(
            Toast::new(ToastKind::Success, "工单 42 已处理").i18n("en_us", "Ticket 42 done"),
        )
        .raw_card(card);
    serde_json::to_value(reply).unwrap()
}

/// What the handler saw.
type Seen = Arc<Mutex<Vec<CardAction>>>;

fn typed_dispatcher(dispatcher: Dispatcher) -> (Dispatcher, Seen) {
    let seen = Seen::default();
    let sink = Arc::clone(&seen);
    let dispatcher = dispatcher.on_card_action(callback::typed(move |action: CardAction| {
        let reply = reply_for(&action);
        sink.lock().unwrap().push(action);
        async move { Ok::<_, event::HandlerError>(reply?) }
    }));
    (dispatcher, seen)
}

fn assert_full(action: &CardAction) {
    assert_eq!(action.operator.open_id.as_deref(), Some("ou_1"));
    assert_eq!(action.operator.user_id.as_deref(), Some("u_1"));
    assert_eq!(action.operator.union_id.as_deref(), Some("on_1"));
    assert_eq!(action.operator.tenant_key.as_deref(), Some("tk_1"));
    assert_eq!(
        action.token.as_ref().map(lark_core::Secret::expose),
        Some("c-callback-token")
    );
    assert!(!format!("{action:?}").contains("c-callback-token"));
    let a = &action.action;
    assert_eq!(
        a.value::<Decision>().unwrap(),
        Decision {
            ticket: 42,
            verdict: "approve".into()
        }
    );
    assert_eq!(a.value_str("verdict"), Some("approve"));
    assert!(a.value::<Vec<u8>>().is_err());
    assert_eq!(a.tag.as_deref(), Some("button"));
    assert_eq!(a.name.as_deref(), Some("submit"));
    assert_eq!(a.timezone.as_deref(), Some("Asia/Shanghai"));
    assert_eq!(a.input_value.as_deref(), Some("typed text"));
    assert_eq!(a.option.as_deref(), Some("opt_b"));
    assert_eq!(a.options, ["opt_a", "opt_c"]);
    assert_eq!(a.checked, Some(true));
    assert_eq!(a.form_str("reason"), Some("looks fine"));
    assert_eq!(a.form_strings("reviewers"), Some(vec!["ou_2", "ou_3"]));
    assert_eq!(a.form_bool("urgent"), Some(false));
    assert_eq!(a.form_field::<u32>("days").unwrap(), Some(3));
    assert_eq!(a.form_field::<u32>("absent").unwrap(), None);
    assert!(a.form_field::<u32>("reason").is_err());
    let form: Form = a.form().unwrap();
    assert_eq!(form.reviewers, ["ou_2", "ou_3"]);
    assert!(!form.urgent);
    assert_eq!(form.reason, "looks fine");
    assert_eq!(action.host.as_deref(), Some("im_message"));
    assert_eq!(action.delivery_type.as_deref(), Some("url_preview"));
    assert_eq!(action.context.open_message_id.as_deref(), Some("om_1"));
    assert_eq!(action.context.open_chat_id.as_deref(), Some("oc_1"));
    assert_eq!(action.context.url.as_deref(), Some("https://example.com/x"));
    assert_eq!(action.context.preview_token.as_deref(), Some("pt_1"));
}

#[test]
fn a_signed_http_callback_is_typed_and_answered_with_the_card() {
    let (dispatcher, seen) =
        typed_dispatcher(Dispatcher::new().encrypt_key(KEY).verification_token(TOKEN));
    let request = signed_request(&envelope("ev-1", full_payload()));
    let response = block_on(dispatcher.handle(request, NOW));
    assert_eq!(response.status(), 200);
    let body: Value = serde_json::from_slice(response.body()).unwrap();
    assert_eq!(body, expected_reply());
    assert_eq!(
        body["card"]["data"]["body"]["elements"][0]["content"],
        "approve"
    );
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    assert_full(&seen[0]);
}

#[test]
fn a_forged_callback_never_reaches_the_handler() {
    let (dispatcher, seen) =
        typed_dispatcher(Dispatcher::new().encrypt_key(KEY).verification_token(TOKEN));
    let mut request = signed_request(&envelope("ev-2", full_payload()));
    request
        .headers_mut()
        .insert(event::HEADER_SIGNATURE, "00".parse().unwrap());
    let response = block_on(dispatcher.handle(request, NOW));
    assert_eq!(response.status(), 401);
    assert!(seen.lock().unwrap().is_empty());
}

#[test]
fn a_payload_that_does_not_fit_fails_the_callback() {
    let (dispatcher, seen) =
        typed_dispatcher(Dispatcher::new().encrypt_key(KEY).verification_token(TOKEN));
    // The handler's own error (a value that is not a Decision) and an ill-typed payload.
    let mut wrong_value = full_payload();
    wrong_value["action"]["value"] = json!("just text");
    let mut wrong_type = full_payload();
    wrong_type["action"]["options"] = json!({"not": "a list"});
    for (id, payload) in [("ev-3", wrong_value), ("ev-4", wrong_type)] {
        let response = block_on(dispatcher.handle(signed_request(&envelope(id, payload)), NOW));
        assert_eq!(response.status(), 500, "{id}");
        let body: Value = serde_json::from_slice(response.body()).unwrap();
        assert!(
            body["error"].as_str().unwrap().contains("card callback"),
            "{body}"
        );
    }
    assert_eq!(
        seen.lock().unwrap().len(),
        1,
        "only the first got past parsing"
    );
}

#[test]
fn the_typed_payload_also_serves_on_callback() {
    let dispatcher = Dispatcher::new()
        .encrypt_key(KEY)
        .verification_token(TOKEN)
        .on_callback(|action: CardAction, _event: Event| async move {
            let verdict = action.action.value_str("verdict").unwrap_or("?").to_owned();
            Ok(CardReply::new().toast(ToastKind::Info, verdict))
        });
    let response =
        block_on(dispatcher.handle(signed_request(&envelope("ev-5", full_payload())), NOW));
    let body: Value = serde_json::from_slice(response.body()).unwrap();
    assert_eq!(
        body,
        json!({"toast": {"type": "info", "content": "approve"}})
    );
}

#[test]
fn another_event_is_not_a_card_action() {
    let body = json!({
        "schema": "2.0",
        "header": {"event_id": "e", "event_type": "im.message.receive_v1"},
        "event": {}
    });
    let event::Envelope::Event(event) =
        event::Envelope::open(&serde_json::to_vec(&body).unwrap(), None).unwrap()
    else {
        panic!("an event");
    };
    let error = CardAction::from_event(&event).unwrap_err().to_string();
    assert!(error.contains("expected a card.action.trigger"), "{error}");
}

#[tokio::test]
async fn a_card_frame_on_the_long_connection_is_typed_and_acked_with_the_reply() {
    let mock = MockServer::start().await.unwrap();
    let ws = mock.ws();
    ws.set_client_config(
        json!({"ReconnectCount": -1, "ReconnectInterval": 1, "ReconnectNonce": 0, "PingInterval": 120}),
    );
    // The long connection is opened with the app secret: no token or signature to check.
    let (dispatcher, seen) = typed_dispatcher(Dispatcher::new());
    let client = WsClient::new(
        Config::new(MockServer::APP_ID, MockServer::APP_SECRET).base_url(mock.base_url()),
        dispatcher,
    );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(client.run_until(async move {
        let _ = stopped.await;
    }));
    ws.wait_for_connections(1, WAIT).await.unwrap();
    let id = ws.push_card(&envelope("ev-ws", full_payload()));
    let ack = ws.wait_for_ack(&id, WAIT).await.unwrap();
    assert_eq!(ack.code, Some(200));
    assert_eq!(ack.data, Some(expected_reply()));
    {
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 1);
        assert_full(&seen[0]);
    }
    let _ = stop.send(());
    let ended = tokio::time::timeout(WAIT, task)
        .await
        .expect("the client stops within 5 s")
        .unwrap();
    assert!(ended.is_ok(), "{ended:?}");
}
