//! Legacy card callbacks (`card.action.trigger_v1`, message cards 1.0): signed with the
//! verification token (SHA-1), typed into the same `CardAction`, answered in the legacy reply
//! shape — and one handler serving both formats.

use std::sync::{Arc, Mutex};

use futures_executor::block_on;
use lark_core::Secret;
use lark_core::event::{self, Dispatcher, Event, HandlerError};
use lark_message::callback::{
    self, CARD_LEGACY_EVENT_TYPE, CallbackError, CallbackFormat, CardAction, CardReply, Toast,
    ToastKind,
};
use lark_message::card::{Card, Element, Header};
use serde_json::{Value, json};

const TOKEN: &str = "verification-token";
const NOW_SECS: u64 = 1_700_000_000;
const NOW: u64 = NOW_SECS * 1000;

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// A legacy callback body, signed the way the platform signs it: lowercase hex SHA-1 of
/// timestamp + nonce + verification token + body.
fn signed(body: Vec<u8>, refresh_token: Option<&str>) -> http::Request<Vec<u8>> {
    let ts = NOW_SECS.to_string();
    let signature = event::card_signature(&ts, "nonce-1", TOKEN, &body);
    let mut request = http::Request::post("/card")
        .header(event::HEADER_TIMESTAMP, ts)
        .header(event::HEADER_NONCE, "nonce-1")
        .header(event::HEADER_SIGNATURE, signature);
    if let Some(refresh_token) = refresh_token {
        request = request.header(event::HEADER_REFRESH_TOKEN, refresh_token);
    }
    request.body(body).unwrap()
}

fn signed_json(body: &Value) -> http::Request<Vec<u8>> {
    signed(serde_json::to_vec(body).unwrap(), None)
}

fn body_of(response: &http::Response<Vec<u8>>) -> Value {
    serde_json::from_slice(response.body()).unwrap()
}

/// What the handler saw.
type Seen = Arc<Mutex<Vec<CardAction>>>;

/// A dispatcher with one handler for both formats, answering with `reply`.
fn dispatcher_with(
    reply: impl Fn(&CardAction) -> Result<CardReply, CallbackError> + Send + Sync + 'static,
) -> (Dispatcher, Seen) {
    let seen = Seen::default();
    let sink = Arc::clone(&seen);
    let dispatcher = callback::on_card_actions(
        Dispatcher::new().verification_token(TOKEN),
        move |action: CardAction| {
            let reply = reply(&action);
            sink.lock().unwrap().push(action);
            async move { Ok::<_, HandlerError>(reply?) }
        },
    );
    (dispatcher, seen)
}

/// The 1.0 card every reply here carries: the custom bot guide's card.
fn v1_card() -> Card {
    Card::from_value(fixture("cards/v1_custom_bot.json")).unwrap()
}

/// The docs' toast, with the i18n texts of the legacy reply's example.
fn doc_toast() -> Toast {
    Toast::new(ToastKind::Success, "更新成功！")
        .i18n("zh_cn", "更新成功！")
        .i18n("en_us", "Successful update")
}

fn card_and_toast(_: &CardAction) -> Result<CardReply, CallbackError> {
    CardReply::new().with_toast(doc_toast()).card(&v1_card())
}

#[test]
fn the_documented_legacy_callback_is_typed_field_by_field_and_answered_with_a_1_0_card() {
    let (dispatcher, seen) = dispatcher_with(card_and_toast);
    let request = signed_json(&fixture("callbacks/legacy_card_action.json"));
    let response = block_on(dispatcher.handle(request, NOW));
    assert_eq!(response.status(), 200, "{:?}", body_of(&response));

    // The reply: the card JSON 1.0 at the top level, the toast beside it.
    let mut expected = fixture("cards/v1_custom_bot.json");
    expected["toast"] = json!({
        "type": "success",
        "content": "更新成功！",
        "i18n": {"zh_cn": "更新成功！", "en_us": "Successful update"}
    });
    assert_eq!(body_of(&response), expected);
    assert!(body_of(&response).get("card").is_none());

    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 1);
    let action = &seen[0];
    assert_eq!(action.format, CallbackFormat::Legacy);
    assert!(action.is_legacy());
    assert_eq!(action.operator.open_id.as_deref(), Some("ou_sdfimx9948345"));
    assert_eq!(action.operator.user_id.as_deref(), Some("eu_sd923r0sdf5"));
    assert_eq!(action.operator.union_id, None);
    assert_eq!(action.operator.tenant_key.as_deref(), Some("d32004232"));
    assert_eq!(action.token.as_ref().map(Secret::expose), Some("c-xxxxx"));
    assert!(!format!("{action:?}").contains("c-xxxxx"));
    assert_eq!(action.refresh_token, None);
    assert_eq!(
        action.context.open_message_id.as_deref(),
        Some("om_abcdefg1234567890")
    );
    assert_eq!(action.context.open_chat_id, None);
    assert_eq!(action.context.url, None);
    assert_eq!(action.context.preview_token, None);
    assert_eq!(action.host, None);
    assert_eq!(action.delivery_type, None);
    let a = &action.action;
    assert_eq!(a.value, Some(json!({"key": "value"})));
    assert_eq!(a.value_str("key"), Some("value"));
    assert_eq!(a.tag.as_deref(), Some("button"));
    assert_eq!(a.timezone.as_deref(), Some("Asia/Shanghai"));
    assert_eq!(a.name.as_deref(), Some("Button_lvkepfu3"));
    assert_eq!(a.option, None);
    assert!(a.options.is_empty());
    assert_eq!(a.input_value, None);
    assert_eq!(a.checked, None);
    assert_eq!(
        a.form_strings("field name1"),
        Some(vec!["selectDemo1", "selectDemo2"])
    );
    assert_eq!(a.form_str("field name2"), Some("value2"));
    assert_eq!(
        a.form_str("DatePicker_bpqdq5puvn4"),
        Some("2024-04-01 +0800")
    );
    assert_eq!(
        a.form_str("DateTimePicker_ihz2d7a74i"),
        Some("2024-04-29 07:07 +0800")
    );
    assert_eq!(a.form_str("Input_lf4fmxwfrd9"), Some("1234"));
    assert_eq!(
        a.form_str("PersonSelect_2ejys7ype7m"),
        Some("ou_3c14f3a59eaf2825dbe25359f15*****")
    );
    assert_eq!(a.form_str("Select_a2d5b7l3zd"), Some("1"));
    assert_eq!(a.form_str("TimePicker_7ecsf6xkqsq"), Some("00:00 +0800"));
    assert_eq!(a.form_value.len(), 8);
}

#[test]
fn the_chat_and_the_refresh_token_header_are_read() {
    let (dispatcher, seen) = dispatcher_with(|_| Ok(CardReply::new()));
    let body = serde_json::to_vec(&fixture("callbacks/legacy_card_action_chat.json")).unwrap();
    let response = block_on(dispatcher.handle(signed(body, Some("rt-secret-1")), NOW));
    assert_eq!(response.status(), 200);
    // An empty reply keeps the card as it is.
    assert_eq!(body_of(&response), json!({}));
    let seen = seen.lock().unwrap();
    let action = &seen[0];
    assert_eq!(
        action.operator.open_id.as_deref(),
        Some("ou_d72a3e4xxx622e2e")
    );
    assert_eq!(action.operator.user_id.as_deref(), Some("4bxxf8"));
    assert_eq!(
        action.operator.tenant_key.as_deref(),
        Some("10911cb08b989758")
    );
    assert_eq!(
        action.context.open_message_id.as_deref(),
        Some("om_bc766xxxbcc3")
    );
    assert_eq!(
        action.context.open_chat_id.as_deref(),
        Some("oc_43aaa6xxxe6bcd")
    );
    assert_eq!(
        action.token.as_ref().map(Secret::expose),
        Some("c-d669d1xxxb14882f")
    );
    assert_eq!(
        action.refresh_token.as_ref().map(Secret::expose),
        Some("rt-secret-1")
    );
    let debug = format!("{action:?}");
    assert!(!debug.contains("rt-secret-1"), "{debug}");
    assert!(!debug.contains("c-d669d1xxxb14882f"), "{debug}");
    assert_eq!(
        action.action.value,
        Some(json!({"key": "value", "key1": "value1"}))
    );
}

#[test]
fn every_documented_action_field_and_a_union_id_are_read() {
    let (dispatcher, seen) = dispatcher_with(|_| Ok(CardReply::new()));
    let body = json!({
        "open_id": "ou_1", "user_id": "u_1", "union_id": "on_1", "tenant_key": "tk_1",
        "open_message_id": "om_1", "open_chat_id": "oc_1", "token": "c-1",
        "action": {
            "value": "a plain string value",
            "tag": "select_static",
            "option": "opt_b",
            "options": ["opt_a", "opt_c"],
            "input_value": "typed",
            "checked": false,
            "timezone": "Europe/Paris",
            "name": "picker",
            "form_value": {"days": 3}
        }
    });
    let response = block_on(dispatcher.handle(signed_json(&body), NOW));
    assert_eq!(response.status(), 200);
    let seen = seen.lock().unwrap();
    let action = &seen[0];
    assert_eq!(action.operator.union_id.as_deref(), Some("on_1"));
    assert_eq!(action.context.open_chat_id.as_deref(), Some("oc_1"));
    let a = &action.action;
    assert_eq!(a.value::<String>().unwrap(), "a plain string value");
    assert_eq!(a.tag.as_deref(), Some("select_static"));
    assert_eq!(a.option.as_deref(), Some("opt_b"));
    assert_eq!(a.options, ["opt_a", "opt_c"]);
    assert_eq!(a.input_value.as_deref(), Some("typed"));
    assert_eq!(a.checked, Some(false));
    assert_eq!(a.timezone.as_deref(), Some("Europe/Paris"));
    assert_eq!(a.name.as_deref(), Some("picker"));
    assert_eq!(a.form_field::<u32>("days").unwrap(), Some(3));
}

#[test]
fn a_forged_or_unsigned_legacy_callback_never_reaches_the_handler() {
    let (dispatcher, seen) = dispatcher_with(card_and_toast);
    let body = serde_json::to_vec(&fixture("callbacks/legacy_card_action.json")).unwrap();

    // Signed with another token.
    let ts = NOW_SECS.to_string();
    let forged = event::card_signature(&ts, "nonce-1", "not-the-token", &body);
    let mut request = signed(body.clone(), None);
    request
        .headers_mut()
        .insert(event::HEADER_SIGNATURE, forged.parse().unwrap());
    assert_eq!(block_on(dispatcher.handle(request, NOW)).status(), 401);

    // Signed, then the body changed.
    let mut request = signed(body.clone(), None);
    request.body_mut().push(b' ');
    assert_eq!(block_on(dispatcher.handle(request, NOW)).status(), 401);

    // No signature headers at all.
    let request = http::Request::post("/card").body(body.clone()).unwrap();
    assert_eq!(block_on(dispatcher.handle(request, NOW)).status(), 401);

    // Signed correctly, but an hour old.
    let response = block_on(dispatcher.handle(signed(body, None), NOW + 3_600_000));
    assert_eq!(response.status(), 401);

    assert!(seen.lock().unwrap().is_empty());
}

#[test]
fn a_payload_of_the_wrong_shape_is_an_error_status_not_a_panic() {
    let (dispatcher, seen) = dispatcher_with(card_and_toast);
    let cases = [
        json!({"open_message_id": "om_1", "action": "click"}),
        json!({"open_message_id": "om_1", "action": {"tag": ["button"]}}),
        json!({"open_message_id": "om_1", "open_id": {"id": "ou_1"}}),
        json!({"open_message_id": "om_1", "action": {"options": "opt_a"}}),
        json!({"open_message_id": "om_1", "action": {"form_value": [1, 2]}}),
    ];
    for body in &cases {
        let response = block_on(dispatcher.handle(signed_json(body), NOW));
        assert_eq!(response.status(), 500, "{body}");
        let error = body_of(&response)["error"].as_str().unwrap().to_owned();
        assert!(
            error.contains("card callback: the card.action.trigger_v1 payload"),
            "{error}"
        );
    }
    // Not a legacy callback at all (no open_message_id) or not JSON: the dispatcher refuses it.
    for body in [br#"{"open_id": "ou_1"}"#.to_vec(), b"[1, 2".to_vec()] {
        let response = block_on(dispatcher.handle(signed(body, None), NOW));
        assert_eq!(response.status(), 400);
    }
    assert!(seen.lock().unwrap().is_empty());
}

#[test]
fn replies_take_the_legacy_shape() {
    let cases: Vec<(CardReply, Value)> = vec![
        (CardReply::new(), json!({})),
        (
            CardReply::new().toast(ToastKind::Warning, "稍后再试"),
            json!({"toast": {"type": "warning", "content": "稍后再试"}}),
        ),
        (
            CardReply::new()
                .toast(ToastKind::Info, "saved")
                .template("ctp_igYkzabcef", Some("1.0.0".into()), &json!({"n": 1}))
                .unwrap(),
            json!({
                "toast": {"type": "info", "content": "saved"},
                "type": "template",
                "data": {
                    "template_id": "ctp_igYkzabcef",
                    "template_version_name": "1.0.0",
                    "template_variable": {"n": 1}
                }
            }),
        ),
        (
            CardReply::new()
                .card(
                    &Card::v1()
                        .header(Header::new("Done"))
                        .element(Element::markdown("ok")),
                )
                .unwrap(),
            json!({
                "header": {"title": {"tag": "plain_text", "content": "Done"}},
                "elements": [{"tag": "markdown", "content": "ok"}]
            }),
        ),
    ];
    for (i, (reply, expected)) in cases.into_iter().enumerate() {
        let (dispatcher, _) = dispatcher_with(move |_| Ok(reply.clone()));
        let response = block_on(dispatcher.handle(
            signed_json(&fixture("callbacks/legacy_card_action_chat.json")),
            NOW,
        ));
        assert_eq!(response.status(), 200, "case {i}");
        assert_eq!(body_of(&response), expected, "case {i}");
    }
}

#[test]
fn a_reply_the_legacy_format_cannot_carry_fails_the_callback() {
    let cases: Vec<(CardReply, &str)> = vec![
        (
            CardReply::new()
                .toast(ToastKind::Info, "kept?")
                .card(&Card::new().element(Element::markdown("2.0")))
                .unwrap(),
            "a card JSON 2.0 card (schema 2.0) cannot be the reply to a legacy",
        ),
        (
            CardReply::new()
                .card(&json!({"body": {"elements": []}}))
                .unwrap(),
            "a card JSON 2.0 card",
        ),
        (
            CardReply::new().card(&Card::v1()).unwrap(),
            "an empty card cannot be the reply to a legacy callback",
        ),
        (
            CardReply::new()
                .card(&json!({"elements": [], "toast": "x"}))
                .unwrap(),
            "top-level `toast`",
        ),
        (
            CardReply::new()
                .card(&json!({"elements": [], "type": "raw"}))
                .unwrap(),
            "top-level `type`",
        ),
    ];
    for (reply, message) in cases {
        // Through the conversion itself...
        let error = reply.clone().into_legacy_reply().unwrap_err().to_string();
        assert!(error.contains(message), "{error}");
        // ... and through the dispatcher: an error status with the reason, no partial reply.
        let (dispatcher, seen) = dispatcher_with(move |_| Ok(reply.clone()));
        let response = block_on(dispatcher.handle(
            signed_json(&fixture("callbacks/legacy_card_action.json")),
            NOW,
        ));
        assert_eq!(response.status(), 500);
        let body = body_of(&response);
        assert!(body.get("toast").is_none(), "{body}");
        assert!(body["error"].as_str().unwrap().contains(message), "{body}");
        assert_eq!(seen.lock().unwrap().len(), 1);
    }
}

#[test]
fn one_handler_answers_each_format_in_its_own_shape() {
    let reply = |action: &CardAction| {
        let card = if action.is_legacy() {
            Card::v1().element(Element::markdown("v1"))
        } else {
            Card::new().element(Element::markdown("v2"))
        };
        CardReply::new().toast(ToastKind::Success, "ok").card(&card)
    };
    let (dispatcher, seen) = dispatcher_with(reply);

    let v2 = json!({
        "schema": "2.0",
        "header": {"event_id": "ev-1", "event_type": "card.action.trigger", "token": TOKEN},
        "event": {
            "operator": {"open_id": "ou_1", "tenant_key": "tk_1"},
            "token": "c-1",
            "action": {"tag": "button", "value": {"k": "v"}},
            "context": {"open_message_id": "om_1", "open_chat_id": "oc_1"}
        }
    });
    let request = http::Request::post("/card")
        .body(serde_json::to_vec(&v2).unwrap())
        .unwrap();
    let response = block_on(dispatcher.handle(request, NOW));
    assert_eq!(response.status(), 200);
    assert_eq!(
        body_of(&response),
        json!({
            "toast": {"type": "success", "content": "ok"},
            "card": {"type": "raw", "data": {
                "schema": "2.0",
                "body": {"elements": [{"tag": "markdown", "content": "v2"}]}
            }}
        })
    );

    let legacy = json!({
        "open_id": "ou_1", "tenant_key": "tk_1", "token": "c-1",
        "open_message_id": "om_1", "open_chat_id": "oc_1",
        "action": {"tag": "button", "value": {"k": "v"}}
    });
    let response = block_on(dispatcher.handle(signed_json(&legacy), NOW));
    assert_eq!(response.status(), 200);
    assert_eq!(
        body_of(&response),
        json!({
            "toast": {"type": "success", "content": "ok"},
            "elements": [{"tag": "markdown", "content": "v1"}]
        })
    );

    // The two payloads say the same thing; only the format differs.
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].format, CallbackFormat::V2);
    assert_eq!(seen[1].format, CallbackFormat::Legacy);
    let mut as_v2 = seen[1].clone();
    as_v2.format = CallbackFormat::V2;
    assert_eq!(as_v2, seen[0]);
}

fn event_of(body: &Value) -> Event {
    match event::Envelope::open(&serde_json::to_vec(body).unwrap(), None).unwrap() {
        event::Envelope::Event(event) => event,
        other => panic!("not an event: {other:?}"),
    }
}

#[test]
fn each_typed_handler_takes_its_own_format_only() {
    let legacy = event_of(&fixture("callbacks/legacy_card_action.json"));
    assert_eq!(legacy.event_type, CARD_LEGACY_EVENT_TYPE);
    let v2 = event_of(&json!({
        "schema": "2.0",
        "header": {"event_id": "ev-1", "event_type": "card.action.trigger"},
        "event": {"action": {"tag": "button"}}
    }));
    // from_event reads both formats.
    assert!(CardAction::from_event(&legacy).unwrap().is_legacy());
    assert!(!CardAction::from_event(&v2).unwrap().is_legacy());

    let handler = |_: CardAction| async { Ok::<_, HandlerError>(CardReply::new()) };
    let error = block_on(callback::typed_legacy(handler)(v2.clone()))
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("expected a card.action.trigger_v1 callback, got card.action.trigger"),
        "{error}"
    );
    let error = block_on(callback::typed(handler)(legacy.clone()))
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("expected a card.action.trigger callback, got card.action.trigger_v1"),
        "{error}"
    );
    assert_eq!(
        block_on(callback::typed_legacy(handler)(legacy)).unwrap(),
        json!({})
    );
}

#[test]
fn into_body_picks_the_shape_by_format() {
    let card = Card::v1().element(Element::markdown("x"));
    let reply = CardReply::new().card(&card).unwrap();
    assert_eq!(
        reply.clone().into_body(CallbackFormat::V2).unwrap(),
        json!({"card": {"type": "raw", "data": {"elements": [{"tag": "markdown", "content": "x"}]}}})
    );
    assert_eq!(
        reply.into_body(CallbackFormat::Legacy).unwrap(),
        json!({"elements": [{"tag": "markdown", "content": "x"}]})
    );
}
