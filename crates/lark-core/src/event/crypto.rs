//! The cryptography of events: AES-256-CBC payloads and request signatures.
//!
//! - Encrypted events carry `{"encrypt": base64(IV ‖ AES-256-CBC(plaintext))}` with the key
//!   SHA-256(encrypt key) and PKCS#7 padding.
//! - Event requests are signed with lowercase hex SHA-256(timestamp ‖ nonce ‖ encrypt key ‖ raw
//!   body); legacy card callbacks with lowercase hex SHA-1(timestamp ‖ nonce ‖ verification
//!   token ‖ raw body). Both are compared in constant time, over the body bytes as they arrived
//!   (never over re-serialised JSON, which would not match the platform's bytes).

use std::time::Duration;

use aes::cipher::block_padding::Pkcs7;
use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};
use base64::Engine as _;
use sha1::Sha1;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::error::EventError;

type Aes256CbcDec = cbc::Decryptor<aes::Aes256>;
type Aes256CbcEnc = cbc::Encryptor<aes::Aes256>;

const BLOCK: usize = 16;

fn cipher_key(encrypt_key: &str) -> [u8; 32] {
    Sha256::digest(encrypt_key.as_bytes()).into()
}

/// Decrypts the value of an `encrypt` field.
///
/// Errors with [`EventError::Decrypt`] when the value is not standard base64, is shorter than
/// an IV and one block, is not a whole number of blocks, or its PKCS#7 padding is wrong (the
/// usual sign of a wrong key). The plaintext is returned as bytes; it is JSON when the key is
/// right.
pub fn decrypt(encrypt_key: &str, encrypted: &str) -> Result<Vec<u8>, EventError> {
    let data = base64::engine::general_purpose::STANDARD
        .decode(encrypted.trim())
        .map_err(|e| EventError::Decrypt(format!("not base64: {e}")))?;
    if data.len() < 2 * BLOCK {
        return Err(EventError::Decrypt(format!(
            "{} bytes is too short for an IV and one block",
            data.len()
        )));
    }
    if data.len() % BLOCK != 0 {
        return Err(EventError::Decrypt(format!(
            "{} bytes is not a whole number of 16-byte blocks",
            data.len()
        )));
    }
    let (iv, ciphertext) = data.split_at(BLOCK);
    let key = cipher_key(encrypt_key);
    let decryptor = Aes256CbcDec::new_from_slices(&key, iv)
        .map_err(|_| EventError::Decrypt("invalid key or IV length".to_owned()))?;
    decryptor
        .decrypt_padded_vec_mut::<Pkcs7>(ciphertext)
        .map_err(|_| EventError::Decrypt("bad padding (wrong encrypt key?)".to_owned()))
}

/// Encrypts `plaintext` the way the platform does, with the given IV, and returns the value of
/// an `encrypt` field.
///
/// The platform does the encrypting; this is for tests, mock servers and tools that replay
/// events. Use a fresh random IV for anything that leaves the machine.
pub fn encrypt(encrypt_key: &str, plaintext: &[u8], iv: [u8; 16]) -> String {
    let key = cipher_key(encrypt_key);
    let encryptor = Aes256CbcEnc::new(&key.into(), &iv.into());
    let ciphertext = encryptor.encrypt_padded_vec_mut::<Pkcs7>(plaintext);
    let mut data = Vec::with_capacity(BLOCK + ciphertext.len());
    data.extend_from_slice(&iv);
    data.extend_from_slice(&ciphertext);
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// The signature of an event request: lowercase hex SHA-256 of timestamp, nonce, encrypt key
/// and the raw body, concatenated.
pub fn event_signature(timestamp: &str, nonce: &str, encrypt_key: &str, body: &[u8]) -> String {
    let mut hash = Sha256::new();
    hash.update(timestamp.as_bytes());
    hash.update(nonce.as_bytes());
    hash.update(encrypt_key.as_bytes());
    hash.update(body);
    hex(&hash.finalize())
}

/// The signature of a legacy card callback: lowercase hex SHA-1 of timestamp, nonce,
/// verification token and the raw body, concatenated.
pub fn card_signature(
    timestamp: &str,
    nonce: &str,
    verification_token: &str,
    body: &[u8],
) -> String {
    let mut hash = Sha1::new();
    hash.update(timestamp.as_bytes());
    hash.update(nonce.as_bytes());
    hash.update(verification_token.as_bytes());
    hash.update(body);
    hex(&hash.finalize())
}

/// Checks an event request's `X-Lark-Signature` in constant time.
pub fn verify_event_signature(
    timestamp: &str,
    nonce: &str,
    encrypt_key: &str,
    body: &[u8],
    signature: &str,
) -> Result<(), EventError> {
    let expected = event_signature(timestamp, nonce, encrypt_key, body);
    compare(&expected, signature)
}

/// Checks a legacy card callback's `X-Lark-Signature` in constant time.
pub fn verify_card_signature(
    timestamp: &str,
    nonce: &str,
    verification_token: &str,
    body: &[u8],
    signature: &str,
) -> Result<(), EventError> {
    let expected = card_signature(timestamp, nonce, verification_token, body);
    compare(&expected, signature)
}

/// Checks that `timestamp` (Unix seconds, as sent in `X-Lark-Request-Timestamp`) is within
/// `window` of `now_millis`, in either direction.
pub fn check_freshness(
    timestamp: &str,
    now_millis: u64,
    window: Duration,
) -> Result<(), EventError> {
    let seconds: u64 = timestamp.trim().parse().map_err(|_| {
        EventError::BadSignature("the request timestamp is not a number of seconds".to_owned())
    })?;
    let now = now_millis / 1000;
    let age_secs = now.abs_diff(seconds);
    let window_secs = window.as_secs();
    if age_secs > window_secs {
        return Err(EventError::Stale {
            age_secs,
            window_secs,
        });
    }
    Ok(())
}

fn compare(expected_hex: &str, given: &str) -> Result<(), EventError> {
    let given = given.trim().to_ascii_lowercase();
    // `ct_eq` on slices of different lengths is false without looking at the bytes; the
    // length of a hex digest is public anyway.
    if bool::from(expected_hex.as_bytes().ct_eq(given.as_bytes())) {
        Ok(())
    } else {
        Err(EventError::BadSignature(
            "the signature does not match the body".to_owned(),
        ))
    }
}

/// Compares two secrets in constant time (for verification tokens).
pub(crate) fn secrets_match(expected: &str, given: &str) -> bool {
    bool::from(expected.as_bytes().ct_eq(given.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let iv = [7u8; 16];
        for len in [0, 1, 15, 16, 17, 100] {
            let plain = vec![b'x'; len];
            let sealed = encrypt("key", &plain, iv);
            assert_eq!(decrypt("key", &sealed).unwrap(), plain);
        }
    }

    #[test]
    fn sha256_of_known_input() {
        // SHA-256("abc"), split across the four parts.
        assert_eq!(
            event_signature("a", "b", "c", b""),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        // SHA-1("abc").
        assert_eq!(
            card_signature("a", "", "b", b"c"),
            "a9993e364706816aba3e25717850c26c9cd0d89d"
        );
    }

    #[test]
    fn freshness() {
        let window = Duration::from_secs(300);
        assert!(check_freshness("1000", 1_000_000, window).is_ok());
        assert!(check_freshness("1300", 1_000_000, window).is_ok());
        assert!(check_freshness("700", 1_000_000, window).is_ok());
        assert_eq!(
            check_freshness("699", 1_000_000, window),
            Err(EventError::Stale {
                age_secs: 301,
                window_secs: 300
            })
        );
        assert!(matches!(
            check_freshness("99999999999999999999999", 0, window),
            Err(EventError::BadSignature(_))
        ));
    }
}
