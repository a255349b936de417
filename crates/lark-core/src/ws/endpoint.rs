//! Asking `/callback/ws/endpoint` where to connect, and reading its answer.

use serde::Deserialize;
use serde_json::Value;

use super::{ClientConfig, WsError};
use crate::config::Config;
use crate::secret::Secret;

/// The path of the endpoint that hands out connection URLs.
pub const ENDPOINT_PATH: &str = "/callback/ws/endpoint";

/// Lark's code for "busy, try again".
pub const CODE_BUSY: i64 = 1;
/// Lark's code for "internal error, try again".
pub const CODE_INTERNAL: i64 = 1_000_040_343;

/// The request for a connection URL: `POST {base}/callback/ws/endpoint` with the app's
/// credentials. `Debug` hides the secret.
///
/// ```
/// use lark_core::ws::EndpointRequest;
/// let request = EndpointRequest::new("https://open.feishu.cn", "cli_a", "secret").build().unwrap();
/// assert_eq!(request.uri(), "https://open.feishu.cn/callback/ws/endpoint");
/// assert_eq!(request.headers()["locale"], "zh");
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct EndpointRequest {
    base_url: String,
    app_id: String,
    app_secret: Secret,
    /// A keyless app's client assertion, sent instead of the secret.
    assertion: Option<Secret>,
}

impl EndpointRequest {
    /// A request to the Open API host `base_url` (`https://open.feishu.cn`, or the mock's).
    pub fn new(
        base_url: impl Into<String>,
        app_id: impl Into<String>,
        app_secret: impl Into<Secret>,
    ) -> Self {
        Self {
            base_url: base_url.into(),
            app_id: app_id.into(),
            app_secret: app_secret.into(),
            assertion: None,
        }
    }

    /// Proves the app with a client assertion (a keyless app's; see
    /// [`ClientAssertionProvider`](crate::oauth::ClientAssertionProvider)) instead of the secret.
    /// Sign it for [`EndpointRequest::audience`].
    pub fn client_assertion(mut self, assertion: impl Into<Secret>) -> Self {
        self.assertion = Some(assertion.into());
        self
    }

    /// The audience a client assertion for this request is signed for: the Open API host
    /// (`open.feishu.cn`, or the mock's `127.0.0.1:port`).
    pub fn audience(&self) -> &str {
        crate::oauth::host_of(&self.base_url)
    }

    /// A request with the domain and credentials of `config`.
    pub fn from_config(config: &Config) -> Self {
        Self::new(
            config.domain.open_base(),
            config.app_id.clone(),
            config.app_secret.clone(),
        )
    }

    /// The HTTP request to send.
    pub fn build(&self) -> Result<http::Request<Vec<u8>>, WsError> {
        let body = match &self.assertion {
            Some(assertion) => serde_json::json!({
                "AppID": self.app_id,
                "AppSecret": "",
                "ClientAssertion": assertion.expose(),
            }),
            None => serde_json::json!({
                "AppID": self.app_id,
                "AppSecret": self.app_secret.expose(),
            }),
        };
        let body = serde_json::to_vec(&body).map_err(|e| WsError::Build(e.to_string()))?;
        let uri = format!("{}{ENDPOINT_PATH}", self.base_url.trim_end_matches('/'));
        http::Request::post(uri)
            .header(
                http::header::CONTENT_TYPE,
                "application/json; charset=utf-8",
            )
            .header(const { http::HeaderName::from_static("locale") }, "zh")
            .body(body)
            .map_err(|e| WsError::Build(e.to_string()))
    }
}

/// Where to connect, from the endpoint's answer. `Debug` hides the URL's query, which holds
/// the connection's ticket and access key.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EndpointAnswer {
    /// The WebSocket URL (`wss://...`), with its query (a credential: do not log it).
    pub url: String,
    /// The connection id: the URL's `device_id`.
    pub device_id: String,
    /// The service id every frame carries: the URL's `service_id`.
    pub service_id: i32,
    /// The settings: the answer's ClientConfig over the defaults.
    pub client_config: ClientConfig,
}

impl std::fmt::Debug for EndpointAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = match self.url.split_once('?') {
            Some((base, _)) => format!("{base}?***"),
            None => self.url.clone(),
        };
        f.debug_struct("EndpointAnswer")
            .field("url", &shown)
            .field("device_id", &self.device_id)
            .field("service_id", &self.service_id)
            .field("client_config", &self.client_config)
            .finish()
    }
}

#[derive(Deserialize)]
struct Envelope {
    code: i64,
    #[serde(default)]
    msg: String,
    #[serde(default)]
    data: Option<Data>,
}

#[derive(Deserialize)]
struct Data {
    #[serde(rename = "URL", default)]
    url: Option<String>,
    #[serde(rename = "ClientConfig", default)]
    client_config: Option<Value>,
}

impl EndpointAnswer {
    /// Reads the endpoint's answer. Code 0 gives the URL; codes [`CODE_BUSY`] and
    /// [`CODE_INTERNAL`], an HTTP error or a malformed answer are retryable errors; any
    /// other code is fatal ([`WsError::is_fatal`]).
    pub fn parse(response: &http::Response<Vec<u8>>) -> Result<Self, WsError> {
        let status = response.status().as_u16();
        let bad = |reason: String| WsError::EndpointAnswer { status, reason };
        let envelope: Envelope = match serde_json::from_slice(response.body()) {
            Ok(envelope) => envelope,
            Err(e) if response.status().is_success() => return Err(bad(e.to_string())),
            Err(_) => return Err(bad("the body is not a Lark answer".to_owned())),
        };
        if envelope.code != 0 {
            return Err(WsError::Endpoint {
                code: envelope.code,
                msg: envelope.msg,
                retryable: matches!(envelope.code, CODE_BUSY | CODE_INTERNAL),
            });
        }
        if !response.status().is_success() {
            return Err(bad("an HTTP error with code 0".to_owned()));
        }
        let data = envelope.data.ok_or_else(|| bad("no data".to_owned()))?;
        let url = data
            .url
            .filter(|u| !u.is_empty())
            .ok_or_else(|| bad("no URL".to_owned()))?;
        let client_config = match &data.client_config {
            Some(value) if !value.is_null() => {
                ClientConfig::from_json(value).map_err(|e| bad(format!("ClientConfig: {e}")))?
            }
            _ => ClientConfig::default(),
        };
        let device_id = query_value(&url, "device_id")
            .filter(|d| !d.is_empty())
            .ok_or_else(|| bad("the URL has no device_id".to_owned()))?;
        let service_id = query_value(&url, "service_id")
            .and_then(|s| s.parse::<i32>().ok())
            .ok_or_else(|| bad("the URL has no numeric service_id".to_owned()))?;
        Ok(Self {
            url,
            device_id,
            service_id,
            client_config,
        })
    }
}

/// The percent-decoded value of `key` in `url`'s query.
fn query_value(url: &str, key: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    let query = query.split('#').next().unwrap_or(query);
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (k == key).then(|| {
            percent_encoding::percent_decode_str(&v.replace('+', " "))
                .decode_utf8_lossy()
                .into_owned()
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> http::Response<Vec<u8>> {
        let mut response = http::Response::new(body.as_bytes().to_vec());
        *response.status_mut() = http::StatusCode::from_u16(status).unwrap();
        response
    }

    #[test]
    fn a_keyless_app_sends_its_assertion_instead_of_the_secret() {
        let request = EndpointRequest::new("https://open.feishu.cn", "cli_x", "")
            .client_assertion("eyJ.signed.jwt");
        assert_eq!(request.audience(), "open.feishu.cn");
        assert!(!format!("{request:?}").contains("eyJ"));
        let body: Value = serde_json::from_slice(request.build().unwrap().body()).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"AppID": "cli_x", "AppSecret": "", "ClientAssertion": "eyJ.signed.jwt"})
        );
        let mock = EndpointRequest::new("http://127.0.0.1:9/", "cli_x", "");
        assert_eq!(mock.audience(), "127.0.0.1:9");
    }

    #[test]
    fn request_shape_and_no_secret_in_debug() {
        let request = EndpointRequest::new("http://127.0.0.1:9/", "cli_x", "s3cr3t");
        assert!(!format!("{request:?}").contains("s3cr3t"));
        let built = request.build().unwrap();
        assert_eq!(built.method(), http::Method::POST);
        assert_eq!(built.uri(), "http://127.0.0.1:9/callback/ws/endpoint");
        assert_eq!(built.headers()["locale"], "zh");
        let body: Value = serde_json::from_slice(built.body()).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"AppID": "cli_x", "AppSecret": "s3cr3t"})
        );
        let from_config = EndpointRequest::from_config(&Config::new("a", "b"))
            .build()
            .unwrap();
        assert_eq!(
            from_config.uri(),
            "https://open.feishu.cn/callback/ws/endpoint"
        );
        assert!(EndpointRequest::new("not a url", "a", "b").build().is_err());
    }

    #[test]
    fn parses_the_answer() {
        let parsed = EndpointAnswer::parse(&answer(
            200,
            r#"{"code":0,"msg":"ok","data":{"URL":"wss://msg-frontier.feishu.cn/ws/v2?fpid=493&aid=552564&device_id=7%2B1&access_key=k&service_id=33554678&ticket=t","ClientConfig":{"ReconnectCount":5,"ReconnectInterval":60,"ReconnectNonce":10,"PingInterval":90}}}"#,
        ))
        .unwrap();
        assert_eq!(parsed.device_id, "7+1");
        assert_eq!(parsed.service_id, 33_554_678);
        assert!(
            parsed
                .url
                .starts_with("wss://msg-frontier.feishu.cn/ws/v2?")
        );
        assert_eq!(
            parsed.client_config,
            ClientConfig {
                reconnect_count: 5,
                reconnect_interval: 60,
                reconnect_nonce: 10,
                ping_interval: 90,
            }
        );
        let defaults = EndpointAnswer::parse(&answer(
            200,
            r#"{"code":0,"data":{"URL":"wss://h/ws?device_id=d&service_id=1"}}"#,
        ))
        .unwrap();
        assert_eq!(defaults.client_config, ClientConfig::default());
    }

    #[test]
    fn classifies_codes() {
        let err = |status, body| EndpointAnswer::parse(&answer(status, body)).unwrap_err();
        for body in [
            r#"{"code":1,"msg":"busy"}"#,
            r#"{"code":1000040343,"msg":"x"}"#,
        ] {
            let e = err(200, body);
            assert!(
                matches!(
                    e,
                    WsError::Endpoint {
                        retryable: true,
                        ..
                    }
                ),
                "{e:?}"
            );
            assert!(!e.is_fatal());
        }
        for body in [
            r#"{"code":10003,"msg":"invalid app"}"#,
            r#"{"code":1000040344,"msg":"x"}"#,
            r#"{"code":403,"msg":"forbidden"}"#,
        ] {
            assert!(err(200, body).is_fatal(), "{body}");
        }
        for (status, body) in [
            (502, "<html>bad gateway</html>"),
            (200, "not json"),
            (200, r#"{"code":0,"data":{}}"#),
            (200, r#"{"code":0,"data":{"URL":"wss://h/ws?device_id=d"}}"#),
            (
                200,
                r#"{"code":0,"data":{"URL":"wss://h/ws?service_id=1"}}"#,
            ),
            (
                200,
                r#"{"code":0,"data":{"URL":"wss://h/ws?device_id=d&service_id=x"}}"#,
            ),
            (500, r#"{"code":0}"#),
        ] {
            let e = err(status, body);
            assert!(matches!(e, WsError::EndpointAnswer { .. }), "{e:?}");
            assert!(!e.is_fatal());
        }
    }
}
