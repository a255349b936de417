//! The long connection's frame decoder and reassembly on arbitrary input: a script of frames
//! fed to one `Connection` with the time moving on, every delivery acked. Errors, never
//! panics. Each chunk is fed as raw bytes, and also as a well-formed data frame built from it
//! (a few message ids, small `sum`/`seq`, event or card), so the fuzzer reaches reassembly
//! without first learning protobuf.
//!
//! Input: chunks of `[len_lo, len_hi, step, bytes[len]...]`; `step` moves the clock (in units
//! of 50 ms) and, when odd, fires the timers.
#![no_main]

use lark_core::ws::{ClientConfig, Connection, Frame, Header, METHOD_DATA, Output, header};
use libfuzzer_sys::fuzz_target;

/// Structured frames from one chunk: `[message, sum, seq, kind, payload...]`.
fn structured(chunk: &[u8]) -> Option<Vec<u8>> {
    let (&[message, sum, seq, kind], payload) = chunk.split_first_chunk::<4>()?;
    let mut frame = Frame::ping(7);
    frame.method = METHOD_DATA;
    frame.seq_id = u64::from(seq);
    let kind = match kind % 3 {
        0 => "event",
        1 => "card",
        _ => "pong",
    };
    let sum = if sum & 0x80 != 0 {
        format!("{}", u32::from(sum) * 1000)
    } else {
        (sum % 6).to_string()
    };
    frame.headers = [
        (header::TYPE, kind.to_owned()),
        (header::MESSAGE_ID, format!("m{}", message % 4)),
        (header::SUM, sum),
        (header::SEQ, (seq % 7).to_string()),
    ]
    .into_iter()
    .map(|(key, value)| Header {
        key: key.to_owned(),
        value,
    })
    .collect();
    frame.payload = Some(payload.to_vec());
    Some(frame.encode_bytes())
}

fuzz_target!(|data: &[u8]| {
    let _ = Frame::decode_bytes(data);
    let config = ClientConfig::default();
    let mut now: u64 = 1_700_000_000_000;
    let mut connection = Connection::new(7, config, now);
    let mut rest = data;
    // Bounded by the input: each round consumes at least three bytes.
    while let Some((&[lo, hi, step], tail)) = rest.split_first_chunk::<3>() {
        let len = usize::from(u16::from_le_bytes([lo, hi])).min(tail.len());
        let (chunk, tail) = tail.split_at(len);
        rest = tail;
        now = now.saturating_add(u64::from(step) * 50);
        let mut outputs = Vec::new();
        if let Ok(out) = connection.handle_frame(chunk, now) {
            outputs.extend(out);
        }
        if let Some(frame) = structured(chunk) {
            if let Ok(out) = connection.handle_frame(&frame, now) {
                outputs.extend(out);
            }
        }
        if step & 1 == 1 {
            if let Some(at) = connection.poll_timeout() {
                // The clock only moves forward, as a driver's does.
                now = now.max(at.min(now.saturating_add(1_000_000)));
                outputs.extend(connection.handle_timeout(now));
            }
        }
        for output in outputs {
            if let Output::Deliver(delivery) = output {
                assert!(!delivery.payload.is_empty());
                let status = if step & 2 == 0 {
                    lark_core::ws::AckStatus::Handled
                } else {
                    lark_core::ws::AckStatus::Failed
                };
                let ack = connection.ack(&delivery.frame, status, None, u64::from(step));
                assert!(Frame::decode_bytes(&ack).is_ok());
            }
        }
    }
});
