//! Secrets never show in `Debug` or `Display` output: a full run's every printable value —
//! config, client, options, tokens, bots, replies, requests, errors, traces and observer records —
//! is searched for them.

use std::sync::{Arc, Mutex};

use lark_api::im::v1::message;
use lark_core::observe::Record;
use lark_core::{AppType, Client, Config, RequestOptions, RetryPolicy};
use lark_custom_bot::{CustomBot, Message};
use lark_mock::MockServer;
use lark_reqwest::{ReqwestClient, SystemRuntime};

/// A custom-bot webhook's token: the path of its URL, a secret like the others.
const HOOK_TOKEN: &str = "5e1d7c2a-hook-token-90b4";

/// Everything `tracing` writes, at the most verbose level, kept to be searched.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

/// A client for `config` whose observer writes every record, as JSON, to `observed`.
fn observed_client(config: Config, observed: &Arc<Mutex<Vec<String>>>) -> Client<ReqwestClient> {
    let observed = Arc::clone(observed);
    Client::builder(config, ReqwestClient::new(), SystemRuntime)
        .observer(move |record: &Record<'_>| {
            let json = serde_json::to_string(record).unwrap_or_default();
            observed.lock().unwrap().push(json);
        })
        .build()
}

#[tokio::test(flavor = "multi_thread")]
async fn no_secret_is_ever_printed() {
    let traced = Captured::default();
    tracing::subscriber::set_global_default(
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(traced.clone())
            .with_ansi(false)
            .finish(),
    )
    .unwrap();
    let mock = lark_tests::mock().await;
    let bot_secret = "bot-secret-5f1d";
    mock.add_bot(HOOK_TOKEN, Some(bot_secret));
    let user_token = "u-user-token-77aa";
    mock.add_user_token(user_token, MockServer::USER_OPEN_ID);
    let config = Config::new(MockServer::APP_ID, MockServer::APP_SECRET)
        .base_url(mock.base_url())
        .helpdesk(MockServer::HELPDESK_ID, MockServer::HELPDESK_TOKEN)
        .verification_token("verification-token-91c2")
        .encrypt_key("encrypt-key-3b0e")
        .retry(RetryPolicy::none());
    let mut printed = Vec::new();
    let mut print = |what: String| printed.push(what);
    // What observers hear, searched too.
    let observed = Arc::new(Mutex::new(Vec::new()));

    print(format!("{config:?} {config:#?}"));
    let client = observed_client(config.clone(), &observed);
    print(format!("{client:?}"));
    let tenant = client.tenant_access_token(None).await.unwrap();
    let app = client.app_access_token().await.unwrap();
    print(format!("{tenant:?} {tenant} {app:?} {app}"));

    let sent = client
        .send(&message::Create::new(
            "chat_id",
            MockServer::CHAT_ID,
            "text",
            r#"{"text":"hi"}"#,
        ))
        .await
        .unwrap();
    print(format!("{sent:?}"));
    let options = RequestOptions::new().user_access_token(user_token);
    print(format!("{options:?}"));
    // Errors of every kind: a bad app secret, a marketplace app without a ticket, a
    // rejected user token.
    let wrong_secret = observed_client(
        Config::new(MockServer::APP_ID, "wrong-app-secret-x").base_url(mock.base_url()),
        &observed,
    );
    let err = wrong_secret
        .send(&message::Get::new("om_x"))
        .await
        .unwrap_err();
    print(format!("{err:?} {err}"));
    let isv = observed_client(config.clone().app_type(AppType::Marketplace), &observed);
    let err = isv
        .send_with(
            &message::Get::new("om_x"),
            &RequestOptions::new().tenant_key("t1"),
        )
        .await
        .unwrap_err();
    print(format!("{err:?} {err}"));
    let err = client
        .send_with(&message::Get::new("om_missing"), &options)
        .await
        .unwrap_err();
    print(format!("{err:?} {err}"));

    let bot = CustomBot::new(
        format!("{}/open-apis/bot/v2/hook/{HOOK_TOKEN}", mock.base_url()),
        ReqwestClient::new(),
        SystemRuntime,
    )
    .secret(bot_secret);
    print(format!("{bot:?}"));
    let request = bot
        .prepare(&Message::text("hello"), 1_700_000_000_000)
        .unwrap();
    print(format!("{request:?}"));
    let reply = bot.send(&Message::text("hello")).await.unwrap();
    print(format!("{reply:?}"));
    let wrong = CustomBot::new(
        format!("{}/open-apis/bot/v2/hook/{HOOK_TOKEN}", mock.base_url()),
        ReqwestClient::new(),
        SystemRuntime,
    )
    .secret("other-bot-secret-x");
    let err = wrong.send(&Message::text("hello")).await.unwrap_err();
    print(format!("{err:?} {err} {wrong:?}"));

    // Acting as a user: the sign-in, its tokens, a refresh, a spent refresh token refused, a
    // device sign-in; and the mock's request URLs with their token and key.
    let oauth_client = lark_tests::client_with(config.clone().accounts_base_url(mock.base_url()));
    let sign_in = oauth_client
        .authorization("http://127.0.0.1:9/cb", &["im:message"])
        .unwrap();
    print(format!("{sign_in:?}"));
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let location = browser.get(&sign_in.url).send().await.unwrap().headers()["location"]
        .to_str()
        .unwrap()
        .to_owned();
    let code = sign_in
        .code_from_redirect(location.split_once('?').unwrap().1)
        .unwrap();
    let code_text = code.expose().to_owned();
    print(format!("{code:?} {code}"));
    let first = oauth_client.exchange_code(&sign_in, code).await.unwrap();
    print(format!("{first:?}"));
    let spent = first.refresh_token.clone().unwrap();
    let second = oauth_client.refresh_user_token(&spent).await.unwrap();
    print(format!("{second:?}"));
    let err = oauth_client.refresh_user_token(&spent).await.unwrap_err();
    print(format!("{err:?} {err}"));
    let device = oauth_client.begin_device_authorization(&[]).await.unwrap();
    print(format!("{device:?}"));
    let callback = lark_mock::Callback::new("http://127.0.0.1:9/hook")
        .verification_token("verification-token-91c2")
        .encrypt_key("encrypt-key-3b0e");
    print(format!("{callback:?}"));
    // A keyless app's client assertion, as a credential and in a builder.
    let assertion = "eyJassertion.claims.signature-5c1a";
    let credential = lark_core::oauth::ClientCredential::Assertion(assertion.into());
    print(format!("{credential:?}"));
    struct Fixed;
    impl lark_core::oauth::ClientAssertionProvider for Fixed {
        fn assertion<'a>(
            &'a self,
            _audience: &'a str,
        ) -> lark_core::BoxFuture<'a, Result<lark_core::Secret, lark_core::oauth::AssertionError>>
        {
            Box::pin(async { Ok("eyJassertion.claims.signature-5c1a".into()) })
        }
    }
    let keyless_config = config.clone().accounts_base_url(mock.base_url());
    let keyless = lark_core::Client::builder(keyless_config, ReqwestClient::new(), SystemRuntime)
        .client_assertion(Fixed);
    print(format!("{keyless:?}"));
    let keyless = keyless.build();
    print(format!(
        "{keyless:?} {:?}",
        keyless.client_credential().await.unwrap()
    ));

    let secrets = [
        code_text.as_str(),
        assertion,
        sign_in.pkce.verifier().expose(),
        first.access_token.expose(),
        spent.expose(),
        second.access_token.expose(),
        second.refresh_token.as_ref().unwrap().expose(),
        device.device_code.expose(),
        HOOK_TOKEN,
        MockServer::APP_SECRET,
        "wrong-app-secret-x",
        MockServer::HELPDESK_TOKEN,
        "verification-token-91c2",
        "encrypt-key-3b0e",
        bot_secret,
        "other-bot-secret-x",
        user_token,
        "u-unknown-secret",
        tenant.expose(),
        app.expose(),
    ];
    let traced = String::from_utf8_lossy(&traced.0.lock().unwrap()).into_owned();
    assert!(traced.contains("lark.call"), "the run was traced: {traced}");
    printed.push(traced);
    let observed = observed.lock().unwrap().join("\n");
    // The three observed clients' calls: message create, the two failed gets, the user's get.
    assert_eq!(
        observed.matches(r#""kind":"call""#).count(),
        4,
        "{observed}"
    );
    printed.push(observed);
    let all = printed.join("\n");
    assert!(printed.len() >= 18);
    for secret in secrets {
        assert!(!secret.is_empty());
        assert!(!all.contains(secret), "`{secret}` was printed:\n{all}");
    }
}
