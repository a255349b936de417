//! The token endpoints' requests and answers, as the platform spells them.

/// The answer field of a tenant token.
pub(super) const TENANT_ACCESS_TOKEN: &str = "tenant_access_token";

/// The answer field of an app token.
pub(super) const APP_ACCESS_TOKEN: &str = "app_access_token";

/// `/open-apis/auth/v3/...`: where each token is bought.
pub(super) const SELF_BUILT_TENANT_PATH: &str = "/open-apis/auth/v3/tenant_access_token/internal";
pub(super) const SELF_BUILT_APP_PATH: &str = "/open-apis/auth/v3/app_access_token/internal";
pub(super) const MARKETPLACE_TENANT_PATH: &str = "/open-apis/auth/v3/tenant_access_token";
pub(super) const MARKETPLACE_APP_PATH: &str = "/open-apis/auth/v3/app_access_token";
pub(super) const RESEND_APP_TICKET_PATH: &str = "/open-apis/auth/v3/app_ticket/resend";

/// The lifetime assumed for a token whose answer gives no `expire`.
pub(super) const DEFAULT_TOKEN_LIFETIME_SECS: u64 = 30 * 60;

/// The JSON body of a token request: the fields given, in sorted order.
#[derive(Default, serde::Serialize)]
pub(super) struct TokenRequest<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) app_access_token: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) app_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) app_secret: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) app_ticket: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) tenant_key: Option<&'a str>,
}

/// The fields of a token answer the client reads. A field of another type counts as absent,
/// as a missing one does (`expire` must be a non-negative integer); of repeated keys the last
/// counts.
#[derive(Default)]
pub(super) struct TokenAnswer {
    pub(super) tenant_access_token: Option<String>,
    pub(super) app_access_token: Option<String>,
    pub(super) expire: Option<u64>,
}

impl<'de> serde::Deserialize<'de> for TokenAnswer {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Self, D::Error> {
        struct Fields;

        impl<'de> serde::de::Visitor<'de> for Fields {
            type Value = TokenAnswer;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a map")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<TokenAnswer, A::Error> {
                let mut answer = TokenAnswer::default();
                while let Some(key) = map.next_key::<String>()? {
                    let slot = match key.as_str() {
                        TENANT_ACCESS_TOKEN => &mut answer.tenant_access_token,
                        APP_ACCESS_TOKEN => &mut answer.app_access_token,
                        "expire" => {
                            let raw: Box<serde_json::value::RawValue> = map.next_value()?;
                            answer.expire = serde_json::from_slice(raw.get().as_bytes()).ok();
                            continue;
                        }
                        _ => {
                            map.next_value::<serde::de::IgnoredAny>()?;
                            continue;
                        }
                    };
                    let raw: Box<serde_json::value::RawValue> = map.next_value()?;
                    *slot = serde_json::from_slice(raw.get().as_bytes()).ok();
                }
                Ok(answer)
            }
        }

        deserializer.deserialize_map(Fields)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_answer_reads_its_fields_leniently() {
        let read = |text: &str| serde_json::from_str::<TokenAnswer>(text);
        let answer =
            read(r#"{"code":0,"tenant_access_token":"t\u002d1","expire":7200,"x":[{}]}"#).unwrap();
        assert_eq!(answer.tenant_access_token.as_deref(), Some("t-1"));
        assert_eq!(answer.app_access_token, None);
        assert_eq!(answer.expire, Some(7200));
        // Fields of another type are absent.
        let answer =
            read(r#"{"app_access_token":5,"tenant_access_token":null,"expire":1.5}"#).unwrap();
        assert_eq!(answer.app_access_token, None);
        assert_eq!(answer.tenant_access_token, None);
        assert_eq!(answer.expire, None);
        for expire in ["-1", "\"7200\"", "1e3", "18446744073709551616"] {
            let text = format!(r#"{{"expire":{expire}}}"#);
            assert_eq!(read(&text).unwrap().expire, None, "{expire}");
        }
        // The last of repeated keys counts.
        let answer = read(r#"{"app_access_token":"a","app_access_token":"b"}"#).unwrap();
        assert_eq!(answer.app_access_token.as_deref(), Some("b"));
        // Not an object: an error, as before.
        let err = read("[]").err().unwrap().to_string();
        assert!(err.contains("expected a map"), "{err}");
    }
}
