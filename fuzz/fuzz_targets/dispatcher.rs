//! The whole dispatcher on arbitrary bodies and header values: a JSON response every time,
//! never a panic. Half the inputs are correctly signed and encrypted, so the fuzzer gets past
//! the signature check.
#![no_main]

use std::sync::OnceLock;

use lark_core::event::{self, CardActionReply, Dispatcher, types::im};
use libfuzzer_sys::fuzz_target;

const KEY: &str = "fuzz-key";
const TOKEN: &str = "fuzz-token";
const NOW_SECS: u64 = 1_700_000_000;

fn dispatcher() -> &'static Dispatcher {
    static DISPATCHER: OnceLock<Dispatcher> = OnceLock::new();
    DISPATCHER.get_or_init(|| {
        Dispatcher::new()
            .encrypt_key(KEY)
            .verification_token(TOKEN)
            .body_limit(64 * 1024)
            .on(|_message: im::MessageReceiveV1, _event| async { Ok(()) })
            .on_card_action(|_event| async { Ok(CardActionReply::new()) })
            .on_raw_callback("url.preview.get", |event| async move { Ok(event.payload) })
            .fallback(|_event| async { Ok(()) })
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, data)) = data.split_first() else {
        return;
    };
    let (body, timestamp, nonce) = if mode & 1 == 1 {
        // The platform's shape: the fuzzed bytes are the plaintext, sealed and signed.
        let mut body = b"{\"encrypt\":\"".to_vec();
        body.extend_from_slice(event::encrypt(KEY, data, [2; 16]).as_bytes());
        body.extend_from_slice(b"\"}");
        (body, NOW_SECS.to_string(), "n".to_owned())
    } else {
        let cut = data.len().min(usize::from(mode >> 1));
        let (head, body) = data.split_at(cut);
        (
            body.to_vec(),
            String::from_utf8_lossy(head).into_owned(),
            "n".to_owned(),
        )
    };
    let signature = if mode & 2 == 2 {
        event::event_signature(&timestamp, &nonce, KEY, &body)
    } else {
        event::card_signature(&timestamp, &nonce, TOKEN, &body)
    };
    let mut request = http::Request::post("/webhook/event");
    for (name, value) in [
        (event::HEADER_TIMESTAMP, timestamp.as_str()),
        (event::HEADER_NONCE, nonce.as_str()),
        (event::HEADER_SIGNATURE, signature.as_str()),
    ] {
        if let Ok(value) = http::HeaderValue::from_str(value) {
            request = request.header(name, value);
        }
    }
    let Ok(request) = request.body(body) else {
        return;
    };
    let response = futures_executor::block_on(dispatcher().handle(request, NOW_SECS * 1000));
    assert!(!response.body().is_empty());
});
