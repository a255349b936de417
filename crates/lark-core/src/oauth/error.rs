//! What the accounts host (or the authorize redirect) refused, and whether the user must sign
//! in again.

use std::fmt;

/// An OAuth error: what the token endpoint (or the authorize redirect) answered, without any
/// request body (secrets, codes, refresh tokens never reach it).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct OAuthError {
    /// The HTTP status (0 for an error read from a redirect).
    pub status: u16,
    /// The platform's `code`, when the answer had a non-zero one.
    pub code: Option<i64>,
    /// The RFC 6749 `error` (`invalid_grant`, `authorization_pending`, `access_denied`, …).
    pub error: Option<String>,
    /// The `error_description` (or the platform's `msg`).
    pub description: Option<String>,
}

/// Codes the platform answers for a refresh token that can never work again: invalid (20026),
/// expired (20037), revoked (20064), already used (20073: refresh tokens are single-use).
const REAUTHORIZE_CODES: [i64; 4] = [20_026, 20_037, 20_064, 20_073];

impl OAuthError {
    pub(crate) fn redirect(error: String, description: Option<String>) -> Self {
        Self {
            status: 0,
            code: None,
            error: Some(error),
            description,
        }
    }

    pub(crate) fn invalid_response(status: u16, why: &str) -> Self {
        Self {
            status,
            code: None,
            error: Some("invalid_response".into()),
            description: Some(why.into()),
        }
    }

    /// Whether the grant can never work again, so the user has to sign in again: a code or
    /// refresh token that is invalid, expired, revoked or already used (`invalid_grant`, or the
    /// platform's codes for those), or a sign-in the user denied. Retrying cannot help.
    pub fn must_reauthorize(&self) -> bool {
        matches!(
            self.error.as_deref(),
            Some("invalid_grant" | "access_denied" | "expired_token")
        ) || self.code.is_some_and(|c| REAUTHORIZE_CODES.contains(&c))
    }

    /// Whether the device flow should poll again (`authorization_pending` or `slow_down`).
    pub fn is_pending(&self) -> bool {
        matches!(
            self.error.as_deref(),
            Some("authorization_pending" | "slow_down")
        )
    }
}

impl fmt::Display for OAuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.error.as_deref().unwrap_or("oauth error"))?;
        if let Some(d) = self.description.as_deref().filter(|d| !d.is_empty()) {
            write!(f, ": {d}")?;
        }
        if let Some(code) = self.code {
            write!(f, " (code {code})")?;
        }
        if self.status != 0 {
            write!(f, " (HTTP {})", self.status)?;
        }
        if self.must_reauthorize() {
            f.write_str("; the user must authorize again")?;
        }
        Ok(())
    }
}

impl std::error::Error for OAuthError {}

/// Reads an accounts answer: its fields (the `data` object when the answer wraps them there,
/// told by `key` missing at the top level), or what it refused: a non-2xx status, an `error`
/// field or a non-zero `code`, in any of the ways the platform says it. `what` names the
/// answer in the error for one that is not a JSON object; the body itself never reaches an
/// error (it may hold tokens).
pub(crate) fn read_answer(
    status: u16,
    body: &[u8],
    what: &str,
    key: &str,
) -> Result<serde_json::Map<String, serde_json::Value>, OAuthError> {
    use serde_json::Value;
    let Ok(Value::Object(mut answer)) = serde_json::from_slice::<Value>(body) else {
        return Err(OAuthError::invalid_response(
            status,
            &format!("the {what} is not a JSON object"),
        ));
    };
    let text = |map: &serde_json::Map<String, Value>, key: &str| {
        map.get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    };
    let fields = match answer.remove("data") {
        Some(Value::Object(data)) if !answer.contains_key(key) => data,
        Some(other) => {
            answer.insert("data".into(), other);
            answer.clone()
        }
        None => answer.clone(),
    };
    let either = |key: &str| text(&answer, key).or_else(|| text(&fields, key));
    let code = answer
        .get("code")
        .and_then(Value::as_i64)
        .filter(|c| *c != 0);
    let error = either("error");
    if !(200..300).contains(&status) || code.is_some() || error.is_some() {
        return Err(OAuthError {
            status,
            code,
            error,
            description: either("error_description").or_else(|| either("msg")),
        });
    }
    Ok(fields)
}

impl From<OAuthError> for crate::Error {
    fn from(error: OAuthError) -> Self {
        crate::Error::OAuth(Box::new(error))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(error: Option<&str>, code: Option<i64>) -> OAuthError {
        OAuthError {
            status: 400,
            code,
            error: error.map(str::to_owned),
            description: Some("refresh token is invalid".into()),
        }
    }

    #[test]
    fn used_expired_or_revoked_grants_mean_signing_in_again() {
        assert!(error(Some("invalid_grant"), None).must_reauthorize());
        for code in REAUTHORIZE_CODES {
            assert!(error(None, Some(code)).must_reauthorize(), "{code}");
        }
        assert!(!error(Some("invalid_client"), Some(20_050)).must_reauthorize());
        assert!(!error(Some("authorization_pending"), None).must_reauthorize());
        assert!(error(Some("slow_down"), None).is_pending());
        assert_eq!(
            error(Some("invalid_grant"), Some(20_073)).to_string(),
            "invalid_grant: refresh token is invalid (code 20073) (HTTP 400); the user must authorize again"
        );
    }
}
