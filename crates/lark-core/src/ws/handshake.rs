//! Reading a refused WebSocket handshake.

use super::WsError;

/// The handshake response header with the platform's status.
pub const HEADER_HANDSHAKE_STATUS: &str = "handshake-status";
/// The handshake response header with the platform's message.
pub const HEADER_HANDSHAKE_MSG: &str = "handshake-msg";
/// The handshake response header with the platform's auth error code.
pub const HEADER_HANDSHAKE_AUTH_ERRCODE: &str = "handshake-autherrcode";

/// `Handshake-Status` when access is forbidden.
pub const STATUS_FORBIDDEN: i64 = 403;
/// `Handshake-Status` when authentication failed.
pub const STATUS_AUTH_FAILED: i64 = 514;
/// `Handshake-Autherrcode` when the app has too many connections.
pub const AUTH_EXCEEDED_CONNECTION_LIMIT: i64 = 1_000_040_350;

/// The error for a handshake the server refused, from the response headers: 403, and 514
/// with auth code 1000040350 (too many connections), are fatal; anything else (including no
/// headers at all, as a browser sees it) is retryable.
pub fn handshake_error(headers: &http::HeaderMap) -> WsError {
    // Names made at compile time: a `&str` lookup would parse the name on each call.
    let text = |name: http::HeaderName| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let number = |name| text(name).and_then(|v| v.parse::<i64>().ok());
    let status = number(const { http::HeaderName::from_static(HEADER_HANDSHAKE_STATUS) });
    let auth_code = number(const { http::HeaderName::from_static(HEADER_HANDSHAKE_AUTH_ERRCODE) });
    let fatal = match status {
        Some(STATUS_FORBIDDEN) => true,
        Some(STATUS_AUTH_FAILED) => auth_code == Some(AUTH_EXCEEDED_CONNECTION_LIMIT),
        _ => false,
    };
    WsError::Handshake {
        status,
        auth_code,
        msg: text(const { http::HeaderName::from_static(HEADER_HANDSHAKE_MSG) })
            .unwrap_or_default()
            .to_owned(),
        retryable: !fatal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> http::HeaderMap {
        pairs
            .iter()
            .map(|(k, v)| {
                (
                    http::HeaderName::from_static(k),
                    http::HeaderValue::from_static(v),
                )
            })
            .collect()
    }

    #[test]
    fn classifies_handshake_failures() {
        let e = handshake_error(&headers(&[
            ("handshake-status", "514"),
            ("handshake-autherrcode", "1000040350"),
            ("handshake-msg", "exceed connection limit"),
        ]));
        assert!(e.is_fatal());
        assert_eq!(
            e,
            WsError::Handshake {
                status: Some(514),
                auth_code: Some(1_000_040_350),
                msg: "exceed connection limit".into(),
                retryable: false,
            }
        );
        assert!(handshake_error(&headers(&[("handshake-status", "403")])).is_fatal());
        for pairs in [
            &[("handshake-status", "514"), ("handshake-autherrcode", "1")][..],
            &[("handshake-status", "500")][..],
            &[("handshake-status", "garbage")][..],
            &[][..],
        ] {
            assert!(!handshake_error(&headers(pairs)).is_fatal(), "{pairs:?}");
        }
    }
}
