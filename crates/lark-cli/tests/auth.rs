//! `lark auth` and `lark api --as user`, run as processes against lark-mock's accounts host on
//! 127.0.0.1, with the login in a temporary `LARK_CONFIG_DIR`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use lark_mock::MockServer;

fn lark(mock: &MockServer, config_dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lark"));
    command
        .env("LARK_APP_ID", MockServer::APP_ID)
        .env("LARK_APP_SECRET", MockServer::APP_SECRET)
        .env("LARK_BASE_URL", mock.base_url())
        .env("LARK_ACCOUNTS_BASE_URL", mock.base_url())
        .env("LARK_CONFIG_DIR", config_dir)
        .env_remove("LARK_DOMAIN")
        .env_remove("LARK_TOKEN_STORE")
        .env_remove("LARK_USER_TOKEN")
        .env_remove("LARK_TENANT_TOKEN");
    command
}

/// A fresh directory under the target dir, removed first if a run left it.
fn config_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

async fn run(mut command: Command) -> Output {
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn login_status_token_calls_as_the_user_and_logout() {
    let mock = MockServer::start().await.unwrap();
    let mut settings = mock.oauth();
    settings.device_interval = Duration::from_secs(1);
    settings.device_approve_after_polls = Some(0);
    mock.set_oauth(settings);
    let dir = config_dir("auth-login");

    let mut login = lark(&mock, &dir);
    login.args([
        "auth",
        "login",
        "--device",
        "--scope",
        "contact:user.base:readonly",
    ]);
    let out = run(login).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("/oauth/v1/device/verify"), "{stderr}");
    assert!(stderr.contains("Signed in as `default`"), "{stderr}");

    // The login is a file only its owner reads, and never printed.
    let file = std::fs::read_dir(dir.join("tokens"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "json"))
        .expect("a login file");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let access = saved["access_token"].as_str().unwrap().to_owned();
    let refresh = saved["refresh_token"].as_str().unwrap().to_owned();

    let mut status = lark(&mock, &dir);
    status.args(["auth", "status"]);
    let out = run(status).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert!(
        shown.contains("contact:user.base:readonly") && shown.contains("\"can_refresh\":true"),
        "{shown}"
    );
    assert!(
        !shown.contains(&access) && !shown.contains(&refresh),
        "{shown}"
    );

    let mut token = lark(&mock, &dir);
    token.args(["auth", "token"]);
    let out = run(token).await;
    assert_eq!(text(&out.stdout).trim(), access);

    // Expired (its expiry moved into the past in the file): six `lark` processes at once
    // refresh it once between them, and all succeed.
    let mut expired = saved.clone();
    expired["expires_at_millis"] = serde_json::json!(1);
    std::fs::write(&file, expired.to_string()).unwrap();
    let calls: Vec<_> = (0..6)
        .map(|_| {
            let mut call = lark(&mock, &dir);
            call.args([
                "api",
                "GET",
                "/open-apis/contact/v3/users/ou_mock_user",
                "--as",
                "user",
            ]);
            run(call)
        })
        .collect();
    for out in futures_util::future::join_all(calls).await {
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(text(&out.stdout).contains(MockServer::USER_OPEN_ID));
    }
    assert_eq!(
        mock.oauth_token_requests().1,
        1,
        "one refresh for six processes"
    );

    let mut logout = lark(&mock, &dir);
    logout.args(["auth", "logout"]);
    assert!(run(logout).await.status.success());
    let mut after = lark(&mock, &dir);
    after.args([
        "api",
        "GET",
        "/open-apis/contact/v3/users/ou_mock_user",
        "--as",
        "user",
    ]);
    let out = run(after).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("authorize again"),
        "{}",
        text(&out.stderr)
    );
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn another_account_and_a_store_that_does_not_exist() {
    let mock = MockServer::start().await.unwrap();
    let dir = config_dir("auth-accounts");
    let mut token = lark(&mock, &dir);
    token.args(["auth", "token", "--user", "work"]);
    let out = run(token).await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("`work`"),
        "{}",
        text(&out.stderr)
    );
    let mut keyring = lark(&mock, &dir);
    keyring
        .env("LARK_TOKEN_STORE", "keyring")
        .args(["auth", "status"]);
    let out = run(keyring).await;
    assert_eq!(out.status.code(), Some(2));
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn login_with_a_browser_through_the_loopback_redirect() {
    use std::io::{BufRead as _, BufReader};
    let mock = MockServer::start().await.unwrap();
    let dir = config_dir("auth-web");
    let mut login = lark(&mock, &dir);
    login
        .args(["auth", "login", "--web", "--user", "browser"])
        .stderr(std::process::Stdio::piped());
    let mut child = login.spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    let url = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stderr).read_line(&mut line).unwrap();
        line.trim()
            .strip_prefix("To sign in, open ")
            .unwrap()
            .to_owned()
    })
    .await
    .unwrap();
    // The browser follows the authorize page to the redirect on 127.0.0.1.
    let page = reqwest::get(&url).await.unwrap().text().await.unwrap();
    assert!(page.contains("close this window"), "{page}");
    let status = tokio::time::timeout(
        Duration::from_secs(20),
        tokio::task::spawn_blocking(move || child.wait().unwrap()),
    )
    .await
    .expect("lark exits after the redirect")
    .unwrap();
    assert!(status.success());
    let mut token = lark(&mock, &dir);
    token.args(["auth", "token", "--user", "browser"]);
    let out = run(token).await;
    assert!(text(&out.stdout).starts_with("u-"), "{}", text(&out.stderr));
    mock.shutdown().await;
}
