//! Vectors from an independent implementation (scripts/event_vectors.py, PyPI `cryptography`):
//! the SDK decrypts and verifies what Python produced, and encrypts exactly as Python does.

use lark_core::event::{self, Dispatcher, EventError};
use serde_json::Value;

fn vectors() -> Value {
    serde_json::from_str(include_str!("../testdata/event_vectors.json")).unwrap()
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} missing in {v}"))
}

fn list<'a>(v: &'a Value, key: &str) -> &'a Vec<Value> {
    v[key].as_array().unwrap()
}

#[test]
fn decrypts_what_python_encrypted() {
    let v = vectors();
    assert!(list(&v, "encryption").len() >= 7);
    for case in list(&v, "encryption") {
        let plain = event::decrypt(s(case, "encrypt_key"), s(case, "encrypt")).unwrap();
        assert_eq!(plain, s(case, "plaintext").as_bytes(), "{case}");
    }
}

#[test]
fn encrypts_as_python_does() {
    let v = vectors();
    for case in list(&v, "encryption") {
        let iv_hex = s(case, "iv_hex");
        let mut iv = [0u8; 16];
        for (i, byte) in iv.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&iv_hex[2 * i..2 * i + 2], 16).unwrap();
        }
        let sealed = event::encrypt(s(case, "encrypt_key"), s(case, "plaintext").as_bytes(), iv);
        assert_eq!(sealed, s(case, "encrypt"), "{case}");
    }
}

#[test]
fn refuses_what_python_refuses() {
    let v = vectors();
    for case in list(&v, "rejected") {
        let result = event::decrypt(s(case, "encrypt_key"), s(case, "encrypt"));
        assert!(
            matches!(result, Err(EventError::Decrypt(_))),
            "{}: {result:?}",
            s(case, "why")
        );
    }
}

#[test]
fn signatures_match_python() {
    let v = vectors();
    for case in list(&v, "signatures") {
        let (ts, nonce, key, body) = (
            s(case, "timestamp"),
            s(case, "nonce"),
            s(case, "encrypt_key"),
            s(case, "body").as_bytes(),
        );
        assert_eq!(
            event::event_signature(ts, nonce, key, body),
            s(case, "signature")
        );
        event::verify_event_signature(ts, nonce, key, body, s(case, "signature")).unwrap();
        // Upper-case hex is the same signature.
        event::verify_event_signature(
            ts,
            nonce,
            key,
            body,
            &s(case, "signature").to_ascii_uppercase(),
        )
        .unwrap();
        // One more byte, another key, another nonce: each breaks it.
        let mut longer = body.to_vec();
        longer.push(b' ');
        for result in [
            event::verify_event_signature(ts, nonce, key, &longer, s(case, "signature")),
            event::verify_event_signature(ts, nonce, "other", body, s(case, "signature")),
            event::verify_event_signature(ts, "x", key, body, s(case, "signature")),
            event::verify_event_signature(ts, nonce, key, body, ""),
        ] {
            assert!(matches!(result, Err(EventError::BadSignature(_))));
        }
    }
    for case in list(&v, "card_signatures") {
        let (ts, nonce, token, body) = (
            s(case, "timestamp"),
            s(case, "nonce"),
            s(case, "verification_token"),
            s(case, "body").as_bytes(),
        );
        assert_eq!(
            event::card_signature(ts, nonce, token, body),
            s(case, "signature")
        );
        event::verify_card_signature(ts, nonce, token, body, s(case, "signature")).unwrap();
        assert!(
            event::verify_card_signature(ts, nonce, "other", body, s(case, "signature")).is_err()
        );
    }
}

#[test]
fn dispatcher_accepts_python_signed_requests() {
    let v = vectors();
    for case in list(&v, "requests") {
        let dispatcher = Dispatcher::new()
            .encrypt_key(s(case, "encrypt_key"))
            .verification_token(s(case, "verification_token"));
        let now = s(case, "timestamp").parse::<u64>().unwrap() * 1000 + 1500;
        let request = http::Request::post("/webhook/event")
            .header(event::HEADER_TIMESTAMP, s(case, "timestamp"))
            .header(event::HEADER_NONCE, s(case, "nonce"))
            .header(event::HEADER_SIGNATURE, s(case, "signature"))
            .body(s(case, "body").as_bytes().to_vec())
            .unwrap();
        let handled = futures_executor::block_on(dispatcher.process(request, now));
        assert_eq!(handled.error, None);
        assert_eq!(handled.response.status(), 200);
        let event = handled.event.unwrap();
        assert_eq!(event.event_type, s(case, "event_type"));
        assert_eq!(event.event_id.as_deref(), Some(s(case, "event_id")));
        assert!(event.encrypted);
    }
    for case in list(&v, "challenges") {
        let dispatcher = Dispatcher::new()
            .encrypt_key(s(case, "encrypt_key"))
            .verification_token(s(case, "verification_token"));
        let request = http::Request::post("/webhook/event")
            .body(s(case, "body").as_bytes().to_vec())
            .unwrap();
        let response = futures_executor::block_on(dispatcher.handle(request, 0));
        assert_eq!(response.status(), 200);
        let body: Value = serde_json::from_slice(response.body()).unwrap();
        assert_eq!(body, serde_json::json!({"challenge": s(case, "challenge")}));
    }
}
