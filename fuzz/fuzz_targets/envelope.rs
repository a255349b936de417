//! Envelope parsing of arbitrary bodies, plain and encrypted, and typed decoding of whatever
//! parses: errors, never panics.
#![no_main]

use lark_core::event::{self, Envelope, types::AnyEvent};
use libfuzzer_sys::fuzz_target;

const KEY: &str = "fuzz-key";

fuzz_target!(|data: &[u8]| {
    for body in [data.to_vec(), sealed(data)] {
        if let Ok(Envelope::Event(event)) = Envelope::open_with(&body, Some(KEY), Some("rt")) {
            let _ = AnyEvent::from_event(&event);
            let _ = event.is_callback();
        }
    }
});

fn sealed(data: &[u8]) -> Vec<u8> {
    let mut body = b"{\"encrypt\":\"".to_vec();
    body.extend_from_slice(event::encrypt(KEY, data, [1; 16]).as_bytes());
    body.extend_from_slice(b"\"}");
    body
}
