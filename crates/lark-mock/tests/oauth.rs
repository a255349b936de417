//! Acting as a user, end to end against the mock's accounts host: the code flow with PKCE (a
//! wrong verifier refused), single-use rotating refresh tokens (a reused one means signing in
//! again), the device flow (pending, slow_down, approval, denial), and the user token honoured
//! by the API. Everything on 127.0.0.1.

use std::time::Duration;

use lark_core::oauth::{Authorization, Grant, OAuthError, Pkce, TokenEndpoint};
use lark_core::{Client, Config, Error, RequestOptions, Secret};
use lark_mock::MockServer;
use lark_mock::accounts::{OAuthSettings, REFRESH_TOKEN_USED};
use lark_reqwest::ReqwestClient;

const REDIRECT: &str = "http://127.0.0.1:9/callback";

fn client(mock: &MockServer) -> Client<ReqwestClient> {
    lark_reqwest::client(
        Config::new(MockServer::APP_ID, MockServer::APP_SECRET)
            .base_url(mock.base_url())
            .accounts_base_url(mock.base_url()),
    )
}

/// What a browser does with the authorize URL: follows it to the redirect, whose query it
/// returns.
async fn sign_in(authorization: &Authorization) -> String {
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let answer = browser.get(&authorization.url).send().await.unwrap();
    assert_eq!(answer.status(), 302);
    let location = answer.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(REDIRECT), "{location}");
    location.split_once('?').unwrap().1.to_owned()
}

fn oauth(error: Error) -> OAuthError {
    match error {
        Error::OAuth(e) => *e,
        other => panic!("not an OAuth error: {other:?}"),
    }
}

#[tokio::test]
async fn code_flow_with_pkce_then_the_user_token_calls_the_api() {
    let mock = MockServer::start().await.unwrap();
    let client = client(&mock);
    let authorization = client
        .authorization(REDIRECT, &["contact:user.base:readonly"])
        .unwrap();
    assert!(authorization.url.contains("code_challenge_method=S256"));
    let code = authorization
        .code_from_redirect(&sign_in(&authorization).await)
        .unwrap();
    let token = client.exchange_code(&authorization, code).await.unwrap();
    assert!(token.access_token.expose().starts_with("u-"));
    assert!(
        token.refresh_token.is_some(),
        "offline_access is always asked"
    );
    assert!(token.scope.contains("offline_access"));

    // The user token calls a user-token endpoint as that user.
    let me = client
        .raw(
            http::Method::GET,
            "/open-apis/contact/v3/users/ou_mock_user",
        )
        .options(RequestOptions::new().user_access_token(token.access_token.expose()))
        .send()
        .await
        .unwrap();
    assert_eq!(me["data"]["user"]["open_id"], MockServer::USER_OPEN_ID);

    // A code is good once.
    let again = client
        .exchange_code(&authorization, Secret::new("code_never_issued"))
        .await
        .unwrap_err();
    assert!(oauth(again).must_reauthorize());
    mock.shutdown().await;
}

#[tokio::test]
async fn a_wrong_verifier_is_refused() {
    let mock = MockServer::start().await.unwrap();
    let client = client(&mock);
    let authorization = client.authorization(REDIRECT, &[]).unwrap();
    let code = authorization
        .code_from_redirect(&sign_in(&authorization).await)
        .unwrap();
    let forged = Grant::AuthorizationCode {
        code,
        redirect_uri: REDIRECT.into(),
        code_verifier: Some(
            Pkce::from_verifier("not-the-verifier-of-this-sign-in-at-all-xx")
                .verifier()
                .clone(),
        ),
    };
    let err = client
        .user_token_grant(
            TokenEndpoint::V3,
            &forged,
            &lark_core::oauth::ClientCredential::Secret,
        )
        .await
        .unwrap_err();
    let err = oauth(err);
    assert_eq!(err.error.as_deref(), Some("invalid_grant"));
    assert!(err.to_string().contains("code_verifier"), "{err}");
    mock.shutdown().await;
}

#[tokio::test]
async fn refresh_tokens_rotate_and_a_reused_one_means_signing_in_again() {
    let mock = MockServer::start().await.unwrap();
    let client = client(&mock);
    let authorization = client.authorization(REDIRECT, &[]).unwrap();
    let code = authorization
        .code_from_redirect(&sign_in(&authorization).await)
        .unwrap();
    let first = client.exchange_code(&authorization, code).await.unwrap();
    let old = first.refresh_token.clone().unwrap();
    let second = client.refresh_user_token(&old).await.unwrap();
    let next = second.refresh_token.clone().unwrap();
    assert_ne!(
        next.expose(),
        old.expose(),
        "a refresh answers the next refresh token"
    );
    assert_ne!(second.access_token.expose(), first.access_token.expose());

    // The old one is spent: one distinct error, and the message says what to do.
    let err = oauth(client.refresh_user_token(&old).await.unwrap_err());
    assert_eq!(err.code, Some(REFRESH_TOKEN_USED));
    assert!(err.must_reauthorize());
    let shown = err.to_string();
    assert!(shown.contains("must authorize again"), "{shown}");
    assert!(!shown.contains(old.expose()), "{shown}");
    // The new one works, at the v2 endpoint too.
    let third = client
        .user_token_grant(
            TokenEndpoint::V2,
            &Grant::RefreshToken {
                refresh_token: next,
                scope: None,
            },
            &lark_core::oauth::ClientCredential::Secret,
        )
        .await
        .unwrap();
    assert!(third.refresh_token.is_some());
    assert_eq!(mock.oauth_token_requests().1, 2);
    mock.shutdown().await;
}

#[tokio::test]
async fn the_device_flow_waits_slows_down_and_ends() {
    let mock = MockServer::start().await.unwrap();
    let mut settings = mock.oauth();
    settings.device_interval = Duration::from_secs(1);
    mock.set_oauth(settings);
    let client = client(&mock);
    let begun = client
        .begin_device_authorization(&["im:message"])
        .await
        .unwrap();
    assert_eq!(begun.interval, Duration::from_secs(1));
    assert!(begun.verification_uri.starts_with(mock.base_url()));

    // Polled too fast: slow_down, twice in a row.
    let device = Grant::DeviceCode {
        device_code: begun.device_code.clone(),
    };
    let secret = lark_core::oauth::ClientCredential::Secret;
    let poll = || client.user_token_grant(TokenEndpoint::V3, &device, &secret);
    let first = oauth(poll().await.unwrap_err());
    assert_eq!(first.error.as_deref(), Some("authorization_pending"));
    let fast = oauth(poll().await.unwrap_err());
    assert_eq!(fast.error.as_deref(), Some("slow_down"));

    // The user visits the verification page; the client's polling (which waits the interval,
    // now 6 s after the slow_down) takes the tokens.
    let visit = reqwest::get(begun.verification_uri_complete.clone().unwrap())
        .await
        .unwrap();
    assert_eq!(visit.status(), 200);
    let token = tokio::time::timeout(Duration::from_secs(20), client.poll_device(&begun))
        .await
        .expect("approved within 20 s")
        .unwrap();
    assert!(token.refresh_token.is_some());
    mock.shutdown().await;
}

#[tokio::test]
async fn a_denied_device_sign_in_ends_the_polling() {
    let mock = MockServer::start().await.unwrap();
    let mut settings: OAuthSettings = mock.oauth();
    settings.device_interval = Duration::from_secs(1);
    settings.deny = true;
    mock.set_oauth(settings);
    let client = client(&mock);
    let begun = client.begin_device_authorization(&[]).await.unwrap();
    reqwest::get(begun.verification_uri_complete.clone().unwrap())
        .await
        .unwrap();
    let err = tokio::time::timeout(Duration::from_secs(10), client.poll_device(&begun))
        .await
        .expect("ended within 10 s")
        .unwrap_err();
    let err = oauth(err);
    assert_eq!(err.error.as_deref(), Some("access_denied"));
    assert!(err.must_reauthorize());

    // And the authorize page redirects with the denial.
    let authorization = client.authorization(REDIRECT, &[]).unwrap();
    let denied = authorization
        .code_from_redirect(&sign_in(&authorization).await)
        .unwrap_err();
    assert_eq!(denied.error.as_deref(), Some("access_denied"));
    mock.shutdown().await;
}

#[tokio::test]
async fn wrong_app_credentials_are_refused_without_echoing_them() {
    let mock = MockServer::start().await.unwrap();
    let client = lark_reqwest::client(
        Config::new(MockServer::APP_ID, "not-the-secret")
            .base_url(mock.base_url())
            .accounts_base_url(mock.base_url()),
    );
    let err = client
        .refresh_user_token(&Secret::new("r-whatever"))
        .await
        .unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(shown.contains("invalid_client"), "{shown}");
    assert!(
        !shown.contains("not-the-secret") && !shown.contains("r-whatever"),
        "{shown}"
    );
    // Without an accounts host for a custom base URL, nothing is sent.
    let bare = lark_reqwest::client(
        Config::new(MockServer::APP_ID, MockServer::APP_SECRET).base_url(mock.base_url()),
    );
    assert!(matches!(
        bare.authorization(REDIRECT, &[]),
        Err(Error::Build(_))
    ));
    mock.shutdown().await;
}

/// A client whose users' tokens are refreshed as soon as they expire (no margin).
fn managed(mock: &MockServer) -> Client<ReqwestClient> {
    lark_reqwest::client(
        Config::new(MockServer::APP_ID, MockServer::APP_SECRET)
            .base_url(mock.base_url())
            .accounts_base_url(mock.base_url())
            .token_refresh_margin(Duration::ZERO),
    )
}

async fn signed_in(mock: &MockServer, client: &Client<ReqwestClient>, user: &str) {
    let authorization = client.authorization(REDIRECT, &[]).unwrap();
    let code = authorization
        .code_from_redirect(&sign_in(&authorization).await)
        .unwrap();
    let token = client.exchange_code(&authorization, code).await.unwrap();
    client.sign_in_user(user, token).await.unwrap();
    let _ = mock;
}

async fn me(client: &Client<ReqwestClient>, user: &str) -> lark_core::Result<serde_json::Value> {
    client
        .raw(
            http::Method::GET,
            "/open-apis/contact/v3/users/ou_mock_user",
        )
        .options(RequestOptions::new().as_user(user))
        .send()
        .await
}

#[tokio::test]
async fn a_signed_in_user_s_token_is_refreshed_once_for_many_calls() {
    let mock = MockServer::start().await.unwrap();
    let client = managed(&mock);
    // Tokens that live one second.
    let mut settings = mock.oauth();
    settings.access_token_ttl = Duration::from_secs(1);
    mock.set_oauth(settings.clone());
    signed_in(&mock, &client, "alice").await;
    assert_eq!(
        me(&client, "alice").await.unwrap()["data"]["user"]["open_id"],
        MockServer::USER_OPEN_ID
    );
    assert_eq!(mock.oauth_token_requests().1, 0);

    // Expired: eight calls at once refresh once and all succeed.
    settings.access_token_ttl = Duration::from_secs(7200);
    mock.set_oauth(settings);
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let calls: Vec<_> = (0..8).map(|_| me(&client, "alice")).collect();
    let answers = futures_util::future::join_all(calls).await;
    assert!(answers.iter().all(Result::is_ok), "{answers:?}");
    assert_eq!(
        mock.oauth_token_requests().1,
        1,
        "one refresh for eight calls"
    );

    // A token the platform rejects (revoked) is refreshed once and the call made again.
    mock.revoke_user_tokens();
    me(&client, "alice").await.unwrap();
    assert_eq!(mock.oauth_token_requests().1, 2);

    // A user nobody signed in, and a signed-out one, must sign in.
    for user in ["bob", "alice"] {
        if user == "alice" {
            client.sign_out_user("alice").await.unwrap();
        }
        let err = oauth(me(&client, user).await.unwrap_err());
        assert!(err.must_reauthorize(), "{err}");
    }
    mock.shutdown().await;
}

#[tokio::test]
async fn a_refresh_token_spent_elsewhere_ends_the_login_without_a_loop() {
    let mock = MockServer::start().await.unwrap();
    let client = managed(&mock);
    let mut settings = mock.oauth();
    settings.access_token_ttl = Duration::from_secs(1);
    mock.set_oauth(settings);
    // Another process signs in, refreshes, and the refresh token this one holds is spent.
    let authorization = client.authorization(REDIRECT, &[]).unwrap();
    let code = authorization
        .code_from_redirect(&sign_in(&authorization).await)
        .unwrap();
    let token = client.exchange_code(&authorization, code).await.unwrap();
    let spent = token.refresh_token.clone().unwrap();
    client.sign_in_user("carol", token).await.unwrap();
    client.refresh_user_token(&spent).await.unwrap();
    let before = mock.oauth_token_requests().0;

    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let err = oauth(me(&client, "carol").await.unwrap_err());
    assert_eq!(err.code, Some(REFRESH_TOKEN_USED));
    assert!(err.must_reauthorize());
    assert_eq!(
        mock.oauth_token_requests().0,
        before + 1,
        "one refresh, no loop"
    );
    // The login is gone from the store: the next call says so without a request.
    let err = oauth(client.user_access_token("carol").await.unwrap_err());
    assert!(err.must_reauthorize());
    assert_eq!(mock.oauth_token_requests().0, before + 1);
    mock.shutdown().await;
}

#[tokio::test]
async fn a_native_sign_in_through_a_loopback_redirect() {
    let mock = MockServer::start().await.unwrap();
    let client = client(&mock);
    let (url_tx, url_rx) = tokio::sync::oneshot::channel::<String>();
    let signing_in = tokio::spawn({
        let client = client.clone();
        async move {
            lark_reqwest::loopback::sign_in(
                &client,
                &["im:message"],
                Duration::from_secs(10),
                |url| {
                    let _ = url_tx.send(url.to_owned());
                },
            )
            .await
        }
    });
    let url = url_rx.await.unwrap();
    assert!(
        url.contains("redirect_uri=http%3A%2F%2F127.0.0.1%3A"),
        "{url}"
    );
    // The browser: a stray request first, then the authorize page, whose redirect lands on
    // the loopback listener.
    let port = url
        .split("127.0.0.1%3A")
        .nth(1)
        .unwrap()
        .split('%')
        .next()
        .unwrap()
        .to_owned();
    let stray = reqwest::get(format!("http://127.0.0.1:{port}/favicon.ico"))
        .await
        .unwrap();
    assert_eq!(stray.status(), 404);
    let page = reqwest::get(&url).await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("close this window"));
    let token = tokio::time::timeout(Duration::from_secs(10), signing_in)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(token.access_token.expose().starts_with("u-"));
    mock.shutdown().await;
}

/// `GET /open-apis/authen/v1/user_info` with `token`: the HTTP status and the body.
async fn user_info(mock: &MockServer, token: &str) -> (u16, serde_json::Value) {
    let answer = reqwest::Client::new()
        .get(format!("{}/open-apis/authen/v1/user_info", mock.base_url()))
        .bearer_auth(token)
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .unwrap();
    (answer.status().as_u16(), answer.json().await.unwrap())
}

#[tokio::test]
async fn a_sign_in_s_user_token_expires_and_an_added_one_does_not() {
    let mock = MockServer::start().await.unwrap();
    let client = client(&mock);
    let mut settings = mock.oauth();
    settings.access_token_ttl = Duration::from_millis(300);
    mock.set_oauth(settings);
    mock.add_user_token("u-added", MockServer::USER_OPEN_ID);
    let authorization = client.authorization(REDIRECT, &[]).unwrap();
    let code = authorization
        .code_from_redirect(&sign_in(&authorization).await)
        .unwrap();
    let token = client.exchange_code(&authorization, code).await.unwrap();
    let access = token.access_token.expose().to_owned();
    let (status, fresh) = user_info(&mock, &access).await;
    assert_eq!(
        (status, &fresh["code"]),
        (200, &serde_json::json!(0)),
        "{fresh}"
    );

    tokio::time::sleep(Duration::from_millis(400)).await;
    let (status, expired) = user_info(&mock, &access).await;
    assert_eq!(status, 400);
    assert_eq!(
        expired["code"],
        lark_mock::codes::EXPIRED_USER_TOKEN,
        "{expired}"
    );
    assert_eq!(expired["code"], 99_991_677);
    // The one added by hand has no lifetime.
    let (_, added) = user_info(&mock, "u-added").await;
    assert_eq!(added["code"], 0, "{added}");

    // A refreshed token lives anew; revoked or unknown ones are invalid, not expired.
    let mut settings = mock.oauth();
    settings.access_token_ttl = Duration::from_secs(7200);
    mock.set_oauth(settings);
    let refreshed = client
        .refresh_user_token(token.refresh_token.as_ref().unwrap())
        .await
        .unwrap();
    let (_, again) = user_info(&mock, refreshed.access_token.expose()).await;
    assert_eq!(again["code"], 0, "{again}");
    mock.revoke_user_tokens();
    for token in [refreshed.access_token.expose(), "u-added", "u-never-issued"] {
        let (status, invalid) = user_info(&mock, token).await;
        assert_eq!(status, 400);
        assert_eq!(
            invalid["code"],
            lark_mock::codes::INVALID_USER_TOKEN,
            "{invalid}"
        );
    }
    mock.shutdown().await;
}

#[tokio::test]
async fn user_info_answers_for_the_user_the_token_was_issued_for() {
    let mock = MockServer::start().await.unwrap();
    let client = client(&mock);
    // A sign-in of the configured test user, a known user the mock was given.
    mock.add_user(lark_mock::MockUser::new("ada", "Ada Lovelace"));
    let mut settings = mock.oauth();
    settings.user_open_id = "ou_ada".into();
    mock.set_oauth(settings);
    let authorization = client.authorization(REDIRECT, &[]).unwrap();
    let code = authorization
        .code_from_redirect(&sign_in(&authorization).await)
        .unwrap();
    let token = client.exchange_code(&authorization, code).await.unwrap();
    let (status, me) = user_info(&mock, token.access_token.expose()).await;
    assert_eq!(status, 200);
    assert_eq!(me["code"], 0);
    assert_eq!(me["msg"], "success");
    let data = &me["data"];
    assert_eq!(data["open_id"], "ou_ada");
    assert_eq!(data["union_id"], "on_ada");
    assert_eq!(data["user_id"], "ada");
    assert_eq!(data["name"], "Ada Lovelace");
    assert_eq!(data["email"], "ada@example.com");
    assert_eq!(data["tenant_key"], MockServer::TENANT_KEY);
    for field in [
        "en_name",
        "avatar_url",
        "avatar_thumb",
        "avatar_middle",
        "avatar_big",
        "enterprise_email",
        "mobile",
        "employee_no",
    ] {
        assert!(data[field].is_string(), "{field} in {data}");
    }

    // A token added for the default user, and one for an open id the mock has no user for.
    mock.add_user_token("u-default", MockServer::USER_OPEN_ID);
    let (_, me) = user_info(&mock, "u-default").await;
    assert_eq!(me["data"]["open_id"], MockServer::USER_OPEN_ID);
    assert_eq!(me["data"]["name"], "Mock User");
    mock.add_user_token("u-stranger", "ou_stranger");
    let (_, me) = user_info(&mock, "u-stranger").await;
    assert_eq!(me["data"]["open_id"], "ou_stranger");
    assert_eq!(me["data"]["union_id"], "on_stranger");

    // The typed API's call reads the same answer.
    let typed = client
        .raw(http::Method::GET, "/open-apis/authen/v1/user_info")
        .options(RequestOptions::new().user_access_token(token.access_token.expose()))
        .send()
        .await
        .unwrap();
    assert_eq!(typed["data"]["open_id"], "ou_ada");

    // A tenant access token is refused: it names no user.
    let tenant: serde_json::Value = reqwest::Client::new()
        .post(format!(
            "{}/open-apis/auth/v3/tenant_access_token/internal",
            mock.base_url()
        ))
        .json(&serde_json::json!({
            "app_id": MockServer::APP_ID, "app_secret": MockServer::APP_SECRET,
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let tenant = tenant["tenant_access_token"].as_str().unwrap();
    let (status, refused) = user_info(&mock, tenant).await;
    assert_eq!(status, 400);
    assert_eq!(
        refused["code"],
        lark_mock::codes::INVALID_TENANT_TOKEN,
        "{refused}"
    );
    // And no token at all.
    let bare = reqwest::get(format!("{}/open-apis/authen/v1/user_info", mock.base_url()))
        .await
        .unwrap();
    assert_eq!(bare.status(), 400);
    let bare: serde_json::Value = bare.json().await.unwrap();
    assert_eq!(bare["code"], lark_mock::codes::MISSING_ACCESS_TOKEN);
    mock.shutdown().await;
}
