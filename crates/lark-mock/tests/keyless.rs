//! Keyless apps against the mock's accounts host: the client trades a caller-signed client
//! assertion (ES256, RFC 7523) for its tenant access token and signs its user-token grants with
//! one instead of a secret; a wrong key, a replayed assertion and a token kind a keyless app
//! cannot have are clear errors. Everything on 127.0.0.1.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use base64::Engine as _;
use lark_core::oauth::{AssertionError, ClientAssertionProvider, ClientCredential};
use lark_core::{BoxFuture, Client, Config, Error, Secret};
use lark_mock::MockServer;
use lark_reqwest::{ReqwestClient, SystemRuntime};
use serde_json::json;

const APP: &str = "cli_keyless0000001";
const REDIRECT: &str = "http://127.0.0.1:9/callback";

/// Signs ES256 assertions with its own key, as a KMS would; counts them.
struct Signer {
    key: EcdsaKeyPair,
    signed: AtomicUsize,
    /// Sends the same assertion every time (a replay), once one is made.
    replay: Option<std::sync::Mutex<Option<String>>>,
}

impl Signer {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            key: EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).unwrap(),
            signed: AtomicUsize::new(0),
            replay: None,
        })
    }

    fn public_key(&self) -> Vec<u8> {
        self.key.public_key().as_ref().to_vec()
    }

    fn sign(&self, audience: &str) -> String {
        let n = self.signed.fetch_add(1, Ordering::SeqCst);
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let b64 = |v: serde_json::Value| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
        };
        let signed = format!(
            "{}.{}",
            b64(json!({"alg": "ES256", "typ": "JWT"})),
            b64(json!({
                "iss": APP, "sub": APP, "aud": audience,
                "iat": now, "exp": now + 300, "jti": format!("jti-{n}-{now}"),
            })),
        );
        let signature = self
            .key
            .sign(&SystemRandom::new(), signed.as_bytes())
            .unwrap();
        let signature = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(signature.as_ref());
        format!("{signed}.{signature}")
    }
}

/// The provider the client holds: shares the signer so the test can count.
struct Provider(Arc<Signer>);

impl ClientAssertionProvider for Provider {
    fn assertion<'a>(&'a self, audience: &'a str) -> BoxFuture<'a, Result<Secret, AssertionError>> {
        let assertion = match &self.0.replay {
            Some(slot) => {
                let mut slot = slot.lock().unwrap();
                slot.get_or_insert_with(|| self.0.sign(audience)).clone()
            }
            None => self.0.sign(audience),
        };
        Box::pin(async move { Ok(Secret::new(assertion)) })
    }
}

fn keyless_client(mock: &MockServer, signer: &Arc<Signer>) -> Client<ReqwestClient> {
    let config = Config::new(APP, "")
        .base_url(mock.base_url())
        .accounts_base_url(mock.base_url());
    Client::builder(config, ReqwestClient::new(), SystemRuntime)
        .client_assertion(Provider(Arc::clone(signer)))
        .build()
}

async fn send_text(client: &Client<ReqwestClient>) -> lark_core::Result<serde_json::Value> {
    client
        .raw(
            http::Method::POST,
            "/open-apis/im/v1/messages?receive_id_type=chat_id",
        )
        .json(json!({
            "receive_id": MockServer::CHAT_ID,
            "msg_type": "text",
            "content": "{\"text\":\"from a keyless app\"}",
        }))
        .send()
        .await
}

#[tokio::test]
async fn a_keyless_app_gets_its_tenant_token_for_an_assertion_and_signs_user_grants() {
    let mock = MockServer::start().await.unwrap();
    let signer = Signer::new();
    mock.add_keyless_app(APP, signer.public_key());
    let client = keyless_client(&mock, &signer);

    // Two calls, one assertion: the tenant token is kept like any other.
    for _ in 0..2 {
        let sent = send_text(&client).await.unwrap();
        assert_eq!(sent["code"], 0, "{sent}");
    }
    assert_eq!(signer.signed.load(Ordering::SeqCst), 1);
    // The secret endpoint was never asked: the app has no secret.
    assert_eq!(mock.tenant_token_requests(), 0);

    // A user signs in; the code exchange carries an assertion instead of a secret.
    assert!(matches!(
        client.client_credential().await.unwrap(),
        ClientCredential::Assertion(_)
    ));
    let authorization = client.authorization(REDIRECT, &[]).unwrap();
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let answer = browser.get(&authorization.url).send().await.unwrap();
    let location = answer.headers()["location"].to_str().unwrap().to_owned();
    let code = authorization
        .code_from_redirect(location.split_once('?').unwrap().1)
        .unwrap();
    let token = client.exchange_code(&authorization, code).await.unwrap();
    assert!(token.access_token.expose().starts_with("u-"));
    // And the refresh too.
    let refreshed = client
        .refresh_user_token(token.refresh_token.as_ref().unwrap())
        .await
        .unwrap();
    assert!(refreshed.access_token.expose().starts_with("u-"));
    // Tenant token, the credential looked at above, code exchange, refresh: four assertions,
    // each new (the mock refuses a jti it has seen).
    assert_eq!(signer.signed.load(Ordering::SeqCst), 4);
}

#[tokio::test]
async fn a_wrong_key_or_a_replayed_assertion_is_refused_clearly() {
    let mock = MockServer::start().await.unwrap();
    let registered = Signer::new();
    mock.add_keyless_app(APP, registered.public_key());

    // Signed with another key: refused, and the error says why without the assertion.
    let impostor = Signer::new();
    let client = keyless_client(&mock, &impostor);
    let err = send_text(&client).await.unwrap_err();
    let shown = format!("{err} / {err:?}");
    assert!(shown.contains("refused the client assertion"), "{shown}");
    assert!(shown.contains("invalid_client"), "{shown}");
    // No JWT (they all start `eyJ`) in the error.
    assert!(!shown.contains("eyJ"), "{shown}");
    match &err {
        Error::Token {
            source: Some(source),
            ..
        } => assert!(matches!(**source, Error::OAuth(_)), "{source:?}"),
        other => panic!("{other:?}"),
    }

    // The same assertion twice: the second is refused (its jti was used).
    let replaying = Arc::new(Signer {
        key: EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).unwrap(),
        signed: AtomicUsize::new(0),
        replay: Some(std::sync::Mutex::new(None)),
    });
    mock.add_keyless_app(APP, replaying.public_key());
    let client = keyless_client(&mock, &replaying);
    assert!(client.client_credential().await.is_ok());
    let first = send_text(&client).await;
    assert!(first.is_ok(), "{first:?}");
    let second = client
        .refresh_user_token(&Secret::new("rt_never_issued"))
        .await
        .unwrap_err();
    assert!(second.to_string().contains("jti"), "{second}");
}

#[tokio::test]
async fn a_keyless_app_has_no_app_token_and_a_failing_signer_is_an_error() {
    struct Failing;
    impl ClientAssertionProvider for Failing {
        fn assertion<'a>(
            &'a self,
            _audience: &'a str,
        ) -> BoxFuture<'a, Result<Secret, AssertionError>> {
            Box::pin(async { Err("the KMS is unreachable".into()) })
        }
    }
    let mock = MockServer::start().await.unwrap();
    let config = Config::new(APP, "")
        .base_url(mock.base_url())
        .accounts_base_url(mock.base_url());
    let client = Client::builder(config, ReqwestClient::new(), SystemRuntime)
        .client_assertion(Failing)
        .build();
    let err = send_text(&client).await.unwrap_err().to_string();
    assert!(
        err.contains("could not sign: the KMS is unreachable"),
        "{err}"
    );

    let signer = Signer::new();
    mock.add_keyless_app(APP, signer.public_key());
    let client = keyless_client(&mock, &signer);
    let err = client.app_access_token().await.unwrap_err().to_string();
    assert!(err.contains("tenant access tokens only"), "{err}");
    assert_eq!(
        signer.signed.load(Ordering::SeqCst),
        0,
        "nothing was signed"
    );
}

#[tokio::test]
async fn a_keyless_app_opens_the_long_connection_with_an_assertion() {
    use lark_core::event::Dispatcher;
    use lark_reqwest::ws::ClientWsExt;

    const WAIT: Duration = Duration::from_secs(10);
    let mock = MockServer::start().await.unwrap();
    let signer = Signer::new();
    mock.add_keyless_app(APP, signer.public_key());
    let client = keyless_client(&mock, &signer);

    // `client.ws(...)` takes the client's provider: the endpoint request carries an assertion
    // signed for the Open API host.
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(client.ws(Dispatcher::new()).run_until(async move {
        let _ = stopped.await;
    }));
    mock.ws().wait_for_connections(1, WAIT).await.unwrap();
    assert_eq!(signer.signed.load(Ordering::SeqCst), 1);
    let _ = stop.send(());
    let _ = tokio::time::timeout(WAIT, task).await;

    // Without the provider the keyless app (no secret) is refused, and the client says so.
    let config = Config::new(APP, "").base_url(mock.base_url());
    let refused = lark_reqwest::ws::WsClient::new(config, Dispatcher::new());
    let ended = tokio::time::timeout(WAIT, refused.start())
        .await
        .expect("a refused app ends the client");
    let err = ended.unwrap_err().to_string();
    assert!(err.contains("app secret invalid"), "{err}");
}
