//! The webhook signature.

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The `sign` field for a webhook whose bot has "signature verification" on.
///
/// HMAC-SHA256 keyed with `"{timestamp}\n{secret}"` over an EMPTY message, then standard
/// base64. `timestamp` is in Unix **seconds** and must be the same number sent in the body's
/// `timestamp` field; the platform rejects it (code 19021) when it is more than an hour away
/// from its own clock.
///
/// ```
/// assert_eq!(
///     lark_custom_bot::sign(1599360473, "demo"),
///     "l1N0gAcBjdwBvGm1xMjOF0XSyaLRpR7tuO5dHfhAYc8=",
/// );
/// ```
pub fn sign(timestamp: u64, secret: &str) -> String {
    let key = format!("{timestamp}\n{secret}");
    // HMAC accepts keys of any length (longer ones are hashed first): this never errs.
    let mac = <Hmac<Sha256> as Mac>::new_from_slice(key.as_bytes())
        .expect("HMAC-SHA256 accepts a key of any length");
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}
