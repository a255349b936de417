//! PKCE (RFC 7636, S256), `state`, and the authorize page's URL.

use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::runtime::RandomError;
use crate::{Config, Secret};

/// A PKCE pair: the verifier the app keeps and the challenge the authorize URL carries.
#[derive(Clone)]
pub struct Pkce {
    verifier: Secret,
    challenge: String,
}

impl std::fmt::Debug for Pkce {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pkce")
            .field("verifier", &self.verifier)
            .field("challenge", &self.challenge)
            .finish()
    }
}

impl Pkce {
    /// A fresh pair: a verifier of 43 characters from 32 random bytes (`fill_random` is the
    /// runtime's: the OS natively, `crypto.getRandomValues` on wasm32).
    pub fn generate(
        fill_random: impl FnOnce(&mut [u8]) -> Result<(), RandomError>,
    ) -> Result<Self, RandomError> {
        let mut bytes = [0u8; 32];
        fill_random(&mut bytes)?;
        Ok(Self::from_verifier(
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes),
        ))
    }

    /// The pair of a verifier you already hold.
    pub fn from_verifier(verifier: impl Into<String>) -> Self {
        let verifier: String = verifier.into();
        let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(Sha256::digest(verifier.as_bytes()));
        Self {
            verifier: Secret::new(verifier),
            challenge,
        }
    }

    /// The verifier, sent with the code exchange.
    pub fn verifier(&self) -> &Secret {
        &self.verifier
    }

    /// The S256 challenge: base64url (no padding) of the verifier's SHA-256.
    pub fn challenge(&self) -> &str {
        &self.challenge
    }
}

/// A `state` value: 128 random bits, base64url.
pub fn random_state(
    fill_random: impl FnOnce(&mut [u8]) -> Result<(), RandomError>,
) -> Result<String, RandomError> {
    let mut bytes = [0u8; 16];
    fill_random(&mut bytes)?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// A sign-in to start: where to send the user, and what to keep until they come back.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Authorization {
    /// The authorize page: `{accounts}/open-apis/authen/v1/authorize?client_id=…`.
    pub url: String,
    /// The `state` the redirect must bring back unchanged.
    pub state: String,
    /// The PKCE pair; its verifier goes with the code exchange.
    pub pkce: Pkce,
    /// The redirect URI, sent again with the code exchange.
    pub redirect_uri: String,
}

impl Authorization {
    /// The authorize URL for `redirect_uri` and `scopes` (`offline_access` is always asked, so
    /// the answer carries a refresh token), with `state` and `pkce`.
    pub fn new(
        config: &Config,
        redirect_uri: &str,
        scopes: &[&str],
        state: String,
        pkce: Pkce,
    ) -> crate::Result<Self> {
        let base = super::accounts_base(config)?;
        let scope = super::scope_with_offline_access(scopes);
        let query = [
            ("client_id", config.app_id.as_str()),
            ("redirect_uri", redirect_uri),
            ("response_type", "code"),
            ("state", state.as_str()),
            ("scope", scope.as_str()),
            ("code_challenge", pkce.challenge()),
            ("code_challenge_method", "S256"),
        ];
        let mut url = format!("{base}/open-apis/authen/v1/authorize");
        let mut serializer = crate::query::Serializer::new(&mut url, false);
        for (key, value) in query {
            serializer.append(key, value);
        }
        Ok(Self {
            url,
            state,
            pkce,
            redirect_uri: redirect_uri.to_owned(),
        })
    }

    /// Reads the redirect's query (`code=…&state=…`, or `error=…`): the code, when the state is
    /// this sign-in's. A different state, a missing code or an `error` is an
    /// [`OAuthError`](super::OAuthError) (`invalid_state`, `invalid_request` or the error the
    /// page gave).
    pub fn code_from_redirect(&self, query: &str) -> Result<Secret, super::OAuthError> {
        let mut code = None;
        let mut state = None;
        let mut error = None;
        let mut description = None;
        for pair in query.trim_start_matches('?').split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = percent_encoding::percent_decode_str(&value.replace('+', " "))
                .decode_utf8_lossy()
                .into_owned();
            match key {
                "code" => code = Some(value),
                "state" => state = Some(value),
                "error" => error = Some(value),
                "error_description" => description = Some(value),
                _ => {}
            }
        }
        if let Some(error) = error {
            return Err(super::OAuthError::redirect(error, description));
        }
        if state.as_deref() != Some(self.state.as_str()) {
            return Err(super::OAuthError::redirect(
                "invalid_state".into(),
                Some("the redirect's state is not this sign-in's".into()),
            ));
        }
        match code.filter(|c| !c.is_empty()) {
            Some(code) => Ok(Secret::new(code)),
            None => Err(super::OAuthError::redirect(
                "invalid_request".into(),
                Some("the redirect carries no code".into()),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rfc_7636_example_pair() {
        // RFC 7636, appendix B.
        let pkce = Pkce::from_verifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        assert_eq!(
            pkce.challenge(),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert!(!format!("{pkce:?}").contains("dBjftJeZ"));
    }

    #[test]
    fn generated_verifiers_take_the_runtime_s_bytes() {
        let pkce = Pkce::generate(|b| {
            b.fill(7);
            Ok(())
        })
        .unwrap();
        assert_eq!(pkce.verifier().expose().len(), 43);
        assert_eq!(pkce, Pkce::from_verifier(pkce.verifier().expose()));
        assert!(Pkce::generate(|_| Err(RandomError::new("no entropy"))).is_err());
        assert_eq!(
            random_state(|b| {
                b.fill(0);
                Ok(())
            })
            .unwrap(),
            "AAAAAAAAAAAAAAAAAAAAAA"
        );
    }

    impl PartialEq for Pkce {
        fn eq(&self, other: &Self) -> bool {
            self.verifier.expose() == other.verifier.expose() && self.challenge == other.challenge
        }
    }

    #[test]
    fn the_authorize_url_asks_for_a_refresh_token() {
        let config = Config::new("cli_a", "s");
        let pkce = Pkce::from_verifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        let auth = Authorization::new(
            &config,
            "http://127.0.0.1:8765/callback",
            &["im:message", "contact:user.base:readonly"],
            "st".into(),
            pkce,
        )
        .unwrap();
        assert_eq!(
            auth.url,
            "https://accounts.feishu.cn/open-apis/authen/v1/authorize?client_id=cli_a\
             &redirect_uri=http%3A%2F%2F127.0.0.1%3A8765%2Fcallback&response_type=code&state=st\
             &scope=im%3Amessage%20contact%3Auser.base%3Areadonly%20offline_access\
             &code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256"
        );
        let lark = Config::new("cli_a", "s").domain(crate::Domain::Lark);
        let auth =
            Authorization::new(&lark, "x", &[], "st".into(), Pkce::from_verifier("v")).unwrap();
        assert!(auth.url.starts_with("https://accounts.larksuite.com/"));
        assert!(auth.url.contains("scope=offline_access&"));
        // A custom base URL must name its accounts host.
        let custom = Config::new("cli_a", "s").base_url("http://127.0.0.1:1");
        assert!(
            Authorization::new(&custom, "x", &[], "st".into(), Pkce::from_verifier("v")).is_err()
        );
        let named = custom.accounts_base_url("http://127.0.0.1:2/");
        let auth =
            Authorization::new(&named, "x", &[], "st".into(), Pkce::from_verifier("v")).unwrap();
        assert!(
            auth.url
                .starts_with("http://127.0.0.1:2/open-apis/authen/v1/authorize?")
        );
    }

    #[test]
    fn the_redirect_brings_the_code_back_with_the_state() {
        let config = Config::new("cli_a", "s");
        let auth =
            Authorization::new(&config, "x", &[], "st-1".into(), Pkce::from_verifier("v")).unwrap();
        assert_eq!(
            auth.code_from_redirect("?code=c%2F1&state=st-1")
                .unwrap()
                .expose(),
            "c/1"
        );
        let wrong = auth.code_from_redirect("code=c&state=other").unwrap_err();
        assert_eq!(wrong.error.as_deref(), Some("invalid_state"));
        let denied = auth
            .code_from_redirect("error=access_denied&state=st-1")
            .unwrap_err();
        assert_eq!(denied.error.as_deref(), Some("access_denied"));
        assert!(auth.code_from_redirect("state=st-1").is_err());
    }
}
