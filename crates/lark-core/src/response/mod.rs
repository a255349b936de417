//! Decoding answers: the `{code, msg, data}` envelope, top-level fields, raw bytes.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::error::{ApiError, DecodeError, Error, Result};

mod answer;

pub use answer::{Answer, Download, FromResponse, FromResponseError};

/// How an answer is read: the decoder's own view of an endpoint's
/// [`Shape`](crate::endpoint::Shape), so decoding needs nothing of the endpoint
/// metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    /// `{code, msg, <key>: {...}}`; with `None` the fields sit at the top level.
    Json {
        /// The key holding the fields.
        envelope: Option<&'static str>,
    },
    /// Raw bytes; a JSON `{code, msg}` only on error.
    Binary,
}

/// The header with the number of seconds until the platform's rate limit resets.
pub const RATE_LIMIT_RESET_HEADER: &str = "x-ogw-ratelimit-reset";

/// The header carrying the request's log id.
pub const LOG_ID_HEADER: &str = "x-tt-logid";

/// Every response header the core reads. A backend that copies only some of an answer's
/// headers into the `http::Response` (lark-fetch without its `any-header` feature, to leave
/// the `http` crate's run-time name parser out of a wasm build) must copy these.
pub const RESPONSE_HEADERS: [http::HeaderName; 8] = [
    http::header::CONTENT_TYPE,
    http::header::CONTENT_LENGTH,
    http::header::CONTENT_RANGE,
    http::header::CONTENT_DISPOSITION,
    http::header::RETRY_AFTER,
    http::header::ETAG,
    http::HeaderName::from_static(LOG_ID_HEADER),
    http::HeaderName::from_static(RATE_LIMIT_RESET_HEADER),
];

/// `name` (lower-case, as fetch's `Headers` gives it) as one of [`RESPONSE_HEADERS`], found
/// without the run-time name parser; `None` for any other name.
pub fn response_header_name(name: &str) -> Option<http::HeaderName> {
    RESPONSE_HEADERS
        .into_iter()
        .find(|known| known.as_str() == name)
}

/// `code`, `msg` and the raw payload of one JSON answer, read in one pass.
#[derive(Debug, Default)]
pub(crate) struct Envelope<'a> {
    pub(crate) code: Option<i64>,
    pub(crate) msg: Option<String>,
    pub(crate) payload: Option<&'a RawValue>,
}

struct EnvelopeSeed<'k> {
    key: Option<&'k str>,
}

impl<'de> DeserializeSeed<'de> for EnvelopeSeed<'_> {
    type Value = Envelope<'de>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for EnvelopeSeed<'_> {
    type Value = Envelope<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object with `code` and `msg`")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut envelope = Envelope::default();
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match &*key {
                "code" => envelope.code = map.next_value::<Option<i64>>()?,
                "msg" => envelope.msg = map.next_value::<Option<String>>()?,
                k if Some(k) == self.key => {
                    let raw: &'de RawValue = map.next_value()?;
                    envelope.payload = (raw.get() != "null").then_some(raw);
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(envelope)
    }
}

/// Reads a successful `{"code": 0, <key>: {...}}` envelope straight into `T`, in one pass over
/// the body.
///
/// `None` whenever the answer is anything else (a non-zero or missing `code`, a payload that does
/// not fit `T`, malformed JSON): the caller then takes the general path, which reports it. An
/// absent or `null` payload decodes like `{}`, as on the general path.
pub(crate) fn decode_success<T: DeserializeOwned>(body: &[u8], key: &str) -> Option<T> {
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let payload = SuccessSeed::<T> {
        key,
        out: PhantomData,
    }
    .deserialize(&mut deserializer)
    .ok()?;
    deserializer.end().ok()?;
    match payload {
        Some(payload) => Some(payload),
        None => serde_json::from_slice(b"{}").ok(),
    }
}

/// The visitor of [`decode_success`]: its value is the payload, `None` when absent or `null`.
struct SuccessSeed<'k, T> {
    key: &'k str,
    out: PhantomData<fn() -> T>,
}

impl<'de, T: DeserializeOwned> DeserializeSeed<'de> for SuccessSeed<'_, T> {
    type Value = Option<T>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, T: DeserializeOwned> Visitor<'de> for SuccessSeed<'_, T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object with `code` 0")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut code = None;
        let mut payload = None;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match &*key {
                "code" => {
                    code = map.next_value::<Option<i64>>()?;
                    // An error answer: stop reading, the general path reports it.
                    if code != Some(0) {
                        return Err(de::Error::custom("not a success"));
                    }
                }
                // Checked as the general path checks it: a string or null.
                "msg" => {
                    map.next_value::<Option<Text>>()?;
                }
                k if k == self.key => payload = map.next_value::<Option<T>>()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if code == Some(0) {
            Ok(payload)
        } else {
            Err(de::Error::custom("no `code`"))
        }
    }
}

/// Any JSON string, read and dropped without allocating.
struct Text;

impl<'de> serde::Deserialize<'de> for Text {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl Visitor<'_> for TextVisitor {
            type Value = Text;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }

            fn visit_str<E: de::Error>(self, _: &str) -> Result<Text, E> {
                Ok(Text)
            }
        }
        deserializer.deserialize_str(TextVisitor)
    }
}

/// The request's log id ([`LOG_ID_HEADER`]) of an answer, for error reports.
pub fn log_id(headers: &http::HeaderMap) -> Option<String> {
    // The name made at compile time: looking up by `&str` would parse it on every call.
    headers
        .get(const { http::HeaderName::from_static(LOG_ID_HEADER) })
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The `code` and `msg` of `body` when it is a whole JSON envelope with a non-zero `code`.
fn failed_envelope(body: &[u8]) -> Option<(i64, String)> {
    if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return None;
    }
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let envelope = EnvelopeSeed { key: None }
        .deserialize(&mut deserializer)
        .and_then(|e| deserializer.end().map(|()| e))
        .ok()?;
    match envelope.code {
        Some(code) if code != 0 => Some((code, envelope.msg.unwrap_or_default())),
        _ => None,
    }
}

/// Decodes an HTTP answer into `T`, or the error it carries.
pub(crate) fn decode<T: FromResponse>(response: http::Response<Vec<u8>>, kind: Shape) -> Result<T> {
    let (parts, body) = response.into_parts();
    decode_parts(&parts, body, kind)
}

/// [`decode`] over a response taken apart, so the caller keeps the headers.
pub(crate) fn decode_parts<T: FromResponse>(
    parts: &http::response::Parts,
    body: Vec<u8>,
    kind: Shape,
) -> Result<T> {
    // Most answers are successful envelopes: read them in one pass. Everything else (errors
    // included) takes the general path below.
    if let Shape::Json {
        envelope: Some(key),
    } = kind
    {
        if let Some(out) = T::from_envelope(&body, key) {
            return Ok(out);
        }
    }
    let status = parts.status.as_u16();
    let log_id = log_id(&parts.headers);
    let decode_error = |message: &str, source: Option<serde_json::Error>, body: &[u8]| {
        Error::Decode(Box::new(DecodeError::new(
            message,
            status,
            log_id.clone(),
            body.to_vec(),
            source,
        )))
    };

    let envelope_key = match kind {
        Shape::Binary => {
            // A downloaded file may itself be JSON: a 2xx answer is an error only when it is
            // an envelope with a non-zero `code`.
            if parts.status.is_success() {
                if let Some((code, msg)) = failed_envelope(&body) {
                    return Err(Error::Api(Box::new(ApiError::new(
                        code, msg, log_id, status, body,
                    ))));
                }
                let answer = Answer {
                    status,
                    headers: &parts.headers,
                    body: &body,
                    payload: None,
                };
                return T::from_response(answer)
                    .map_err(|e| decode_error(&e.message, e.source, &body));
            }
            None
        }
        Shape::Json { envelope } => envelope,
    };

    let mut deserializer = serde_json::Deserializer::from_slice(&body);
    let seed = EnvelopeSeed { key: envelope_key };
    let envelope = match seed
        .deserialize(&mut deserializer)
        .and_then(|e| deserializer.end().map(|()| e))
    {
        Ok(envelope) => envelope,
        Err(e) => {
            let message = if body.is_empty() {
                "the response body is empty"
            } else {
                "the response is not a JSON envelope"
            };
            return Err(decode_error(message, Some(e), &body));
        }
    };
    let Some(code) = envelope.code else {
        return Err(decode_error("the response has no `code`", None, &body));
    };
    if code != 0 {
        return Err(Error::Api(Box::new(ApiError::new(
            code,
            envelope.msg.unwrap_or_default(),
            log_id,
            status,
            body,
        ))));
    }
    let payload = match kind {
        Shape::Json { envelope: None } | Shape::Binary => std::str::from_utf8(&body).ok(),
        Shape::Json { envelope: Some(_) } => envelope.payload.map(RawValue::get),
    };
    let answer = Answer {
        status,
        headers: &parts.headers,
        body: &body,
        payload,
    };
    T::from_response(answer).map_err(|e| decode_error(&e.message, e.source, &body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(status: u16, content_type: &str, body: &str) -> http::Response<Vec<u8>> {
        http::Response::builder()
            .status(status)
            .header("content-type", content_type)
            .header("x-tt-logid", "log-1")
            .body(body.as_bytes().to_vec())
            .unwrap()
    }

    const DATA: Shape = Shape::Json {
        envelope: Some("data"),
    };

    #[test]
    fn response_header_names_are_found_without_parsing() {
        for name in [
            "content-type",
            "content-length",
            "content-range",
            "content-disposition",
            "retry-after",
            "etag",
            "x-tt-logid",
            "x-ogw-ratelimit-reset",
        ] {
            let found = response_header_name(name).unwrap();
            // The same name the parser gives, so a HeaderMap lookup by either finds it.
            assert_eq!(
                found,
                http::HeaderName::from_bytes(name.as_bytes()).unwrap()
            );
        }
        assert_eq!(RESPONSE_HEADERS.len(), 8);
        // Fetch gives names lower-cased; anything else is not one of ours.
        for name in ["Content-Type", "x-request-id", "", "content-type "] {
            assert_eq!(response_header_name(name), None, "{name:?}");
        }
    }

    #[derive(Debug, serde::Deserialize, PartialEq)]
    struct Out {
        id: Option<String>,
    }

    #[test]
    fn data_envelope() {
        let out: Out = decode(
            response(
                200,
                "application/json",
                r#"{"msg":"ok","data":{"id":"x","extra":1},"code":0,"more":[1]}"#,
            ),
            DATA,
        )
        .unwrap();
        assert_eq!(out.id.as_deref(), Some("x"));
        let out: Out = decode(
            response(200, "application/json", r#"{"code":0,"msg":"ok"}"#),
            DATA,
        )
        .unwrap();
        assert_eq!(out, Out { id: None });
        let out: Out = decode(
            response(200, "application/json", r#"{"code":0,"data":null}"#),
            DATA,
        )
        .unwrap();
        assert_eq!(out, Out { id: None });
    }

    /// `Out` without the one-pass decode: the general path alone.
    #[derive(Debug, PartialEq)]
    struct General(Out);

    impl FromResponse for General {
        fn from_response(answer: Answer<'_>) -> std::result::Result<Self, FromResponseError> {
            Out::from_response(answer).map(General)
        }
    }

    /// What a decode came to, comparable across the two paths.
    fn outcome<T>(result: Result<T>) -> std::result::Result<T, String> {
        result.map_err(|e| match e {
            Error::Api(api) => format!("api {} {} {:?}", api.code, api.msg, api.body),
            Error::Decode(d) => format!("decode {} {:?}", d.message, d.body),
            other => format!("{other:?}"),
        })
    }

    #[test]
    fn one_pass_matches_the_general_path() {
        for body in [
            r#"{"code":0,"msg":"ok","data":{"id":"x"}}"#,
            r#"{"data":{"id":"x"},"msg":"ok","code":0}"#,
            r#"{"code":0,"data":{"id":"x","extra":{"deep":[1,{"a":null}]}},"other":"y"}"#,
            r#"{"code":0}"#,
            r#"{"code":0,"data":null}"#,
            r#"{"code":0,"msg":null,"data":{}}"#,
            r#"{"code":0,"data":{"id":"a"},"data":null}"#,
            r#"{"code":0,"data":null,"data":{"id":"b"}}"#,
            r#"{"code":null,"code":0,"data":{"id":"c"}}"#,
            r#"{"code":0,"code":5,"data":{"id":"c"}}"#,
            r#"{"code":0,"msg":5,"data":{"id":"x"}}"#,
            r#"{"code":0,"data":{"id":5}}"#,
            r#"{"code":0,"data":[1]}"#,
            r#"{"code":0,"data":"text"}"#,
            r#"{"code":0,"data":{"id":"x"}} trailing"#,
            r#"{"code":0,"data":{"id":"x"}"#,
            r#"{"code":0.5,"data":{"id":"x"}}"#,
            r#"{"code":"0","data":{"id":"x"}}"#,
            r#"{"data":{"id":"x"}}"#,
            r#"{"code":99991663,"msg":"invalid token","data":{"id":"x"}}"#,
            r#"{"data":{"id":"x"},"code":230001,"msg":"bad"}"#,
            r#"{"code":1,"msg":"bad","data":{"id":5}}"#,
            r#"{"c\u006fde":0,"d\u0061ta":{"id":"esc\n"}}"#,
            r#"[{"code":0}]"#,
            "",
            "null",
            "not json",
        ] {
            let fast = outcome(decode::<Out>(response(200, "application/json", body), DATA));
            let general = outcome(decode::<General>(
                response(200, "application/json", body),
                DATA,
            ))
            .map(|g| g.0);
            assert_eq!(fast, general, "{body}");
        }
    }

    #[test]
    fn one_pass_takes_successes_only() {
        let ok = |body: &str| decode_success::<Out>(body.as_bytes(), "data");
        assert_eq!(
            ok(r#"{"code":0,"msg":"ok","data":{"id":"x"},"more":1}"#),
            Some(Out {
                id: Some("x".to_owned())
            })
        );
        assert_eq!(ok(r#"{"code":0,"data":null}"#), Some(Out { id: None }));
        assert_eq!(ok(r#"{"code":0}"#), Some(Out { id: None }));
        for left in [
            r#"{"code":1,"data":{"id":"x"}}"#,
            r#"{"data":{"id":"x"}}"#,
            r#"{"code":0,"data":{"id":1}}"#,
            r#"{"code":0,"data":{}} x"#,
        ] {
            assert_eq!(ok(left), None, "{left}");
        }
    }

    #[test]
    fn top_level_envelope() {
        #[derive(serde::Deserialize)]
        struct Token {
            tenant_access_token: String,
            expire: i64,
        }
        let t: Token = decode(
            response(
                200,
                "application/json",
                r#"{"code":0,"msg":"ok","tenant_access_token":"t-1","expire":7200}"#,
            ),
            Shape::Json { envelope: None },
        )
        .unwrap();
        assert_eq!((t.tenant_access_token.as_str(), t.expire), ("t-1", 7200));
    }

    #[test]
    fn api_error_keeps_everything() {
        let err = decode::<Out>(
            response(
                400,
                "application/json",
                r#"{"code":230001,"msg":"bad","data":{}}"#,
            ),
            DATA,
        )
        .unwrap_err();
        let Error::Api(api) = err else {
            panic!("{err:?}")
        };
        assert_eq!(
            (api.code, api.msg.as_str(), api.http_status),
            (230001, "bad", 400)
        );
        assert_eq!(api.log_id.as_deref(), Some("log-1"));
        assert!(!api.body.is_empty());
    }

    #[test]
    fn garbage_is_a_decode_error_with_the_body() {
        for (status, body) in [
            (200, ""),
            (200, "{\"code\":0"),
            (200, "not json"),
            (502, "<html><body>Bad Gateway</body></html>"),
            (200, "[1,2]"),
            (200, "{\"msg\":\"no code\"}"),
            (200, "{\"code\":\"zero\"}"),
            (200, "{\"code\":0,\"data\":{\"id\":5}}"),
            (200, "{\"code\":0} trailing"),
        ] {
            let err = decode::<Out>(response(status, "text/html", body), DATA).unwrap_err();
            let Error::Decode(d) = err else {
                panic!("{body}: {err:?}")
            };
            assert_eq!(d.body, body.as_bytes());
            assert_eq!(d.http_status, status);
        }
    }

    #[test]
    fn binary_answers() {
        let mut ok = response(200, "image/png", "\u{89}PNG");
        ok.headers_mut().insert(
            "content-disposition",
            "attachment; filename=\"a.png\"".parse().unwrap(),
        );
        let d: Download = decode(ok, Shape::Binary).unwrap();
        assert_eq!(d.data, "\u{89}PNG".as_bytes());
        assert_eq!(d.file_name.as_deref(), Some("a.png"));
        let err = decode::<Download>(
            response(
                400,
                "application/json",
                r#"{"code":234003,"msg":"File not in msg."}"#,
            ),
            Shape::Binary,
        )
        .unwrap_err();
        assert_eq!(err.code(), Some(234003));
        let err =
            decode::<Download>(response(502, "text/html", "<html>"), Shape::Binary).unwrap_err();
        assert!(matches!(err, Error::Decode(_)));
    }

    #[test]
    fn a_downloaded_json_file_is_a_file() {
        for (content_type, body) in [
            ("application/json", r#"{"name":"report","rows":[1,2]}"#),
            ("application/json", r#"[{"code":1}]"#),
            ("application/json", r#"{"code":0,"msg":"ok","data":{}}"#),
            ("application/json; charset=utf-8", "not json at all"),
            ("application/octet-stream", r#"{"code": "a string"}"#),
        ] {
            let d: Download = decode(response(200, content_type, body), Shape::Binary)
                .unwrap_or_else(|e| panic!("{body}: {e}"));
            assert_eq!(d.data, body.as_bytes());
        }
        // The platform's own failure, even with a 200 status, is still an error.
        let err = decode::<Download>(
            response(
                200,
                "application/json",
                r#"{"code":1061002,"msg":"params error."}"#,
            ),
            Shape::Binary,
        )
        .unwrap_err();
        assert_eq!(err.code(), Some(1_061_002));
    }
}
