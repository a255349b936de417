//! The token endpoint: the three grants, the client credential, the answer.

use serde_json::{Map, Value};

use super::OAuthError;
use crate::{Config, Secret};

/// Which token endpoint a grant goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum TokenEndpoint {
    /// `POST {accounts}/oauth/v3/token`: the current one (node-sdk 1.74's), which also takes the
    /// jwt-bearer grant.
    #[default]
    V3,
    /// `POST {open}/open-apis/authen/v2/oauth/token`: the earlier one, which most public callers
    /// still use; the platform's docs mark it deprecated in favour of v3.
    V2,
}

impl TokenEndpoint {
    /// The endpoint's URL for `config`.
    pub fn url(self, config: &Config) -> crate::Result<String> {
        Ok(match self {
            TokenEndpoint::V3 => format!("{}/oauth/v3/token", super::accounts_base(config)?),
            TokenEndpoint::V2 => format!(
                "{}/open-apis/authen/v2/oauth/token",
                config.domain.open_base()
            ),
        })
    }
}

/// What a token request trades.
#[derive(Clone)]
#[non_exhaustive]
pub enum Grant {
    /// The code the authorize redirect brought, with the PKCE verifier and the same redirect URI.
    AuthorizationCode {
        /// The code.
        code: Secret,
        /// The redirect URI of the authorize URL.
        redirect_uri: String,
        /// The PKCE verifier, when the authorize URL carried a challenge.
        code_verifier: Option<Secret>,
    },
    /// A refresh token (single-use: the answer carries the next one), optionally narrowing the
    /// scope.
    RefreshToken {
        /// The refresh token.
        refresh_token: Secret,
        /// A narrower space-separated scope, or `None` for the granted one.
        scope: Option<String>,
    },
    /// A device code of the device flow, polled until the user approves.
    DeviceCode {
        /// The device code.
        device_code: Secret,
    },
    /// A keyless app's own tenant access token, for the client assertion the request carries
    /// (`urn:ietf:params:oauth:grant-type:jwt-bearer`; only with [`ClientCredential::Assertion`]).
    JwtBearer,
}

impl std::fmt::Debug for Grant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Grant::AuthorizationCode { .. } => "Grant::AuthorizationCode(***)",
            Grant::RefreshToken { .. } => "Grant::RefreshToken(***)",
            Grant::DeviceCode { .. } => "Grant::DeviceCode(***)",
            Grant::JwtBearer => "Grant::JwtBearer",
        })
    }
}

/// How the app proves itself on a token request.
#[derive(Clone)]
#[non_exhaustive]
pub enum ClientCredential {
    /// The app secret of the [`Config`].
    Secret,
    /// A client assertion (RFC 7523 `private_key_jwt`), signed by the caller for the accounts
    /// host as audience: keyless apps send it instead of a secret.
    Assertion(Secret),
}

impl std::fmt::Debug for ClientCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ClientCredential::Secret => "ClientCredential::Secret",
            ClientCredential::Assertion(_) => "ClientCredential::Assertion(***)",
        })
    }
}

/// The `client_assertion_type` of a JWT client assertion.
const JWT_ASSERTION: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
/// The grant type that trades a keyless app's client assertion for its tenant access token.
pub(crate) const JWT_BEARER_GRANT: &str = "urn:ietf:params:oauth:grant-type:jwt-bearer";
/// The device flow's grant type.
pub(crate) const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// Adds `client_id` and the client credential to a request's fields.
pub(crate) fn credential_fields(
    config: &Config,
    credential: &ClientCredential,
    fields: &mut Map<String, Value>,
) {
    fields.insert("client_id".into(), Value::from(config.app_id.as_str()));
    match credential {
        ClientCredential::Secret => {
            fields.insert(
                "client_secret".into(),
                Value::from(config.app_secret.expose()),
            );
        }
        ClientCredential::Assertion(assertion) => {
            fields.insert("client_assertion_type".into(), Value::from(JWT_ASSERTION));
            fields.insert("client_assertion".into(), Value::from(assertion.expose()));
        }
    }
}

/// The token request for `grant`: a JSON POST to `endpoint`.
pub fn token_request(
    config: &Config,
    endpoint: TokenEndpoint,
    grant: &Grant,
    credential: &ClientCredential,
) -> crate::Result<http::Request<Vec<u8>>> {
    let mut fields = Map::new();
    match grant {
        Grant::AuthorizationCode {
            code,
            redirect_uri,
            code_verifier,
        } => {
            fields.insert("grant_type".into(), Value::from("authorization_code"));
            fields.insert("code".into(), Value::from(code.expose()));
            fields.insert("redirect_uri".into(), Value::from(redirect_uri.as_str()));
            if let Some(verifier) = code_verifier {
                fields.insert("code_verifier".into(), Value::from(verifier.expose()));
            }
        }
        Grant::RefreshToken {
            refresh_token,
            scope,
        } => {
            fields.insert("grant_type".into(), Value::from("refresh_token"));
            fields.insert("refresh_token".into(), Value::from(refresh_token.expose()));
            if let Some(scope) = scope {
                fields.insert("scope".into(), Value::from(scope.as_str()));
            }
        }
        Grant::DeviceCode { device_code } => {
            fields.insert("grant_type".into(), Value::from(DEVICE_CODE_GRANT));
            fields.insert("device_code".into(), Value::from(device_code.expose()));
        }
        Grant::JwtBearer => {
            if !matches!(credential, ClientCredential::Assertion(_)) {
                return Err(crate::Error::Build(
                    "the jwt-bearer grant trades a client assertion, not the app secret".into(),
                ));
            }
            fields.insert("grant_type".into(), Value::from(JWT_BEARER_GRANT));
        }
    }
    credential_fields(config, credential, &mut fields);
    json_post(&endpoint.url(config)?, &fields)
}

pub(crate) fn json_post(
    url: &str,
    fields: &Map<String, Value>,
) -> crate::Result<http::Request<Vec<u8>>> {
    let body = serde_json::to_vec(fields)
        .map_err(|e| crate::Error::Build(format!("the token request: {e}")))?;
    http::Request::post(url)
        .header(
            http::header::CONTENT_TYPE,
            "application/json; charset=utf-8",
        )
        .body(body)
        .map_err(|e| crate::Error::Build(format!("the token request URL: {e}")))
}

/// A user's tokens, as the token endpoint answered them.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UserToken {
    /// The user access token (`u-…`), sent as `Authorization: Bearer`.
    pub access_token: Secret,
    /// The refresh token, when `offline_access` was granted. Single-use: a refresh answers the
    /// next one.
    pub refresh_token: Option<Secret>,
    /// When the access token expires, in Unix milliseconds.
    pub expires_at_millis: u64,
    /// When the refresh token expires, in Unix milliseconds, when the answer said.
    pub refresh_expires_at_millis: Option<u64>,
    /// The granted scope, space-separated.
    pub scope: String,
    /// `Bearer`.
    pub token_type: String,
}

impl std::fmt::Debug for UserToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserToken")
            .field("access_token", &self.access_token)
            .field("refresh_token", &self.refresh_token)
            .field("expires_at_millis", &self.expires_at_millis)
            .field("refresh_expires_at_millis", &self.refresh_expires_at_millis)
            .field("scope", &self.scope)
            .field("token_type", &self.token_type)
            .finish()
    }
}

impl UserToken {
    /// Whether the access token is still good `margin_millis` from `now_millis`.
    pub fn is_fresh(&self, now_millis: u64, margin_millis: u64) -> bool {
        now_millis.saturating_add(margin_millis) < self.expires_at_millis
    }
}

/// Reads a token endpoint's answer at `now_millis`: the tokens, or what was refused. An answer
/// that is not JSON, lacks `access_token`, or says failure in any of the ways the platform
/// does (a non-2xx status, an `error` field, a non-zero `code`) is an [`OAuthError`]; its text
/// never includes the body, which may hold tokens.
pub fn read_token_answer(
    status: u16,
    body: &[u8],
    now_millis: u64,
) -> Result<UserToken, OAuthError> {
    // v2 answers at the top level; some answers wrap the fields in `data`.
    let fields =
        &super::error::read_answer(status, body, "token endpoint's answer", "access_token")?;
    let Some(access_token) = fields
        .get("access_token")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
    else {
        return Err(OAuthError::invalid_response(
            status,
            "the token endpoint's answer has no access_token",
        ));
    };
    let seconds = |key: &str| fields.get(key).and_then(Value::as_u64);
    let Some(expires_in) = seconds("expires_in") else {
        return Err(OAuthError::invalid_response(
            status,
            "the token endpoint's answer has no expires_in",
        ));
    };
    let refresh_token = fields
        .get("refresh_token")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .map(Secret::new);
    let at = |secs: u64| now_millis.saturating_add(secs.saturating_mul(1000));
    Ok(UserToken {
        access_token: Secret::new(access_token),
        refresh_expires_at_millis: refresh_token
            .as_ref()
            .and(seconds("refresh_token_expires_in").or(seconds("refresh_expires_in")))
            .map(at),
        refresh_token,
        expires_at_millis: at(expires_in),
        scope: fields
            .get("scope")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned(),
        token_type: fields
            .get("token_type")
            .and_then(Value::as_str)
            .unwrap_or("Bearer")
            .to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(request: &http::Request<Vec<u8>>) -> Value {
        serde_json::from_slice(request.body()).unwrap()
    }

    #[test]
    fn each_grant_sends_its_fields_and_the_credential() {
        let config = Config::new("cli_a", "app-secret");
        let code = Grant::AuthorizationCode {
            code: Secret::new("c1"),
            redirect_uri: "http://127.0.0.1:1/cb".into(),
            code_verifier: Some(Secret::new("v1")),
        };
        let request =
            token_request(&config, TokenEndpoint::V3, &code, &ClientCredential::Secret).unwrap();
        assert_eq!(request.method(), http::Method::POST);
        assert_eq!(request.uri(), "https://accounts.feishu.cn/oauth/v3/token");
        assert_eq!(
            body(&request),
            serde_json::json!({"grant_type": "authorization_code", "code": "c1",
                "redirect_uri": "http://127.0.0.1:1/cb", "code_verifier": "v1",
                "client_id": "cli_a", "client_secret": "app-secret"})
        );
        let refresh = Grant::RefreshToken {
            refresh_token: Secret::new("r1"),
            scope: None,
        };
        let request = token_request(
            &config,
            TokenEndpoint::V2,
            &refresh,
            &ClientCredential::Assertion(Secret::new("jwt")),
        )
        .unwrap();
        assert_eq!(
            request.uri(),
            "https://open.feishu.cn/open-apis/authen/v2/oauth/token"
        );
        assert_eq!(
            body(&request),
            serde_json::json!({"grant_type": "refresh_token", "refresh_token": "r1",
                "client_id": "cli_a", "client_assertion_type": JWT_ASSERTION,
                "client_assertion": "jwt"})
        );
        let device = Grant::DeviceCode {
            device_code: Secret::new("d1"),
        };
        let request = token_request(
            &config,
            TokenEndpoint::V3,
            &device,
            &ClientCredential::Secret,
        )
        .unwrap();
        assert_eq!(body(&request)["grant_type"], DEVICE_CODE_GRANT);
        // Nothing secret in Debug.
        let shown = format!(
            "{code:?} {refresh:?} {device:?} {:?}",
            ClientCredential::Assertion(Secret::new("jwt"))
        );
        for secret in ["c1", "v1", "r1", "d1", "jwt"] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }

    #[test]
    fn answers_read_as_tokens_or_errors() {
        let ok = br#"{"code":0,"access_token":"u-1","token_type":"Bearer","expires_in":7200,
            "scope":"im:message offline_access","refresh_token":"r-2","refresh_token_expires_in":604800}"#;
        let token = read_token_answer(200, ok, 1_000).unwrap();
        assert_eq!(token.access_token.expose(), "u-1");
        assert_eq!(token.refresh_token.as_ref().unwrap().expose(), "r-2");
        assert_eq!(token.expires_at_millis, 7_201_000);
        assert_eq!(token.refresh_expires_at_millis, Some(604_801_000));
        assert!(token.is_fresh(7_000_000, 180_000));
        assert!(!token.is_fresh(7_100_000, 180_000));
        let shown = format!("{token:?}");
        assert!(!shown.contains("u-1") && !shown.contains("r-2"), "{shown}");

        // Without offline_access: no refresh token.
        let token =
            read_token_answer(200, br#"{"access_token":"u-1","expires_in":60}"#, 0).unwrap();
        assert_eq!(
            (token.refresh_token, token.refresh_expires_at_millis),
            (None, None)
        );

        let used = br#"{"code":20073,"error":"invalid_grant","error_description":"refresh token has been used"}"#;
        let err = read_token_answer(400, used, 0).unwrap_err();
        assert_eq!((err.status, err.code), (400, Some(20_073)));
        assert!(err.must_reauthorize());
        // A failure said only by the status, or only by the code.
        assert_eq!(read_token_answer(500, b"{}", 0).unwrap_err().status, 500);
        let err = read_token_answer(200, br#"{"code":20050,"msg":"server busy"}"#, 0).unwrap_err();
        assert_eq!(err.description.as_deref(), Some("server busy"));
        assert!(!err.must_reauthorize());
        // Garbage, a truncated answer holding a token, or no token: an error without the body.
        for garbage in [
            &b"<html>"[..],
            br#"{"access_token":"u-secret"#,
            br#"{"expires_in":1}"#,
            b"[]",
        ] {
            let err = read_token_answer(200, garbage, 0).unwrap_err();
            assert_eq!(err.error.as_deref(), Some("invalid_response"));
            assert!(!err.to_string().contains("u-secret"));
        }
    }
}
