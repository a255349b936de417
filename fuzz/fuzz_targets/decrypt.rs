//! Decryption of arbitrary `encrypt` values: an error or plaintext, never a panic; and what
//! `encrypt` seals, `decrypt` opens.
#![no_main]

use lark_core::event;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (key, rest) = data.split_at(data.len().min(8));
    let key = String::from_utf8_lossy(key);
    let text = String::from_utf8_lossy(rest);
    let _ = event::decrypt(&key, &text);
    let mut iv = [0u8; 16];
    for (slot, byte) in iv.iter_mut().zip(rest) {
        *slot = *byte;
    }
    let sealed = event::encrypt(&key, rest, iv);
    assert_eq!(event::decrypt(&key, &sealed).as_deref(), Ok(rest));
});
