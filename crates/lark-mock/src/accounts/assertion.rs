//! Client assertions of keyless apps (RFC 7523 `private_key_jwt`): an ES256 JWT that the app
//! signs with its private key, checked here against the public key it registered.

use std::time::{SystemTime, UNIX_EPOCH};

use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED, UnparsedPublicKey};
use base64::Engine as _;
use serde_json::Value;

/// The `client_assertion_type` of a JWT assertion.
pub(crate) const JWT_ASSERTION: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// The longest lifetime an assertion may claim (`exp` from now).
const MAX_LIFETIME_SECS: u64 = 3600;

/// Checks `assertion` for `app_id`: signed by `public_key` (X.509 SubjectPublicKeyInfo DER or
/// an uncompressed P-256 point), issued by and about the app, for `audience`, not expired and
/// short-lived, and its `jti` (when it has one) not seen before (`seen` remembers them).
pub(crate) fn verify(
    assertion: &str,
    app_id: &str,
    public_key: &[u8],
    audience: &str,
    seen: &mut std::collections::HashSet<String>,
) -> Result<(), &'static str> {
    let mut parts = assertion.split('.');
    let (Some(header), Some(payload), Some(signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("the client assertion is not a JWT (three dot-separated parts)");
    };
    let decode = |part: &str| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part)
            .map_err(|_| "the client assertion is not base64url")
    };
    let header: Value = serde_json::from_slice(&decode(header)?)
        .map_err(|_| "the client assertion's header is not JSON")?;
    if header.get("alg").and_then(Value::as_str) != Some("ES256") {
        return Err("lark-mock checks ES256 client assertions only");
    }
    let signed = &assertion[..assertion.len() - signature.len() - 1];
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, public_key)
        .verify(signed.as_bytes(), &decode(signature)?)
        .map_err(|_| "the client assertion's signature does not verify with the app's key")?;
    let claims: Value = serde_json::from_slice(&decode(payload)?)
        .map_err(|_| "the client assertion's claims are not JSON")?;
    let claim = |name: &str| claims.get(name).and_then(Value::as_str).unwrap_or("");
    if claim("iss") != app_id || claim("sub") != app_id {
        return Err("the client assertion's iss and sub must be the client_id");
    }
    let aud_matches = match claims.get("aud") {
        Some(Value::String(aud)) => aud == audience,
        Some(Value::Array(auds)) => auds.iter().any(|a| a.as_str() == Some(audience)),
        _ => false,
    };
    if !aud_matches {
        return Err("the client assertion's aud is not this accounts host");
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let Some(exp) = claims.get("exp").and_then(Value::as_u64) else {
        return Err("the client assertion has no exp");
    };
    if exp <= now {
        return Err("the client assertion has expired");
    }
    if exp > now + MAX_LIFETIME_SECS {
        return Err("the client assertion lives longer than an hour");
    }
    let jti = claim("jti");
    if !jti.is_empty() && !seen.insert(format!("{app_id}:{jti}")) {
        return Err("the client assertion's jti was used before");
    }
    Ok(())
}
