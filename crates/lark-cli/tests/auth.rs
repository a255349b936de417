//! `lark auth` and `lark api --as user`, run as processes against lark-mock's accounts host on
//! 127.0.0.1, with the login in a file under a temporary `LARK_CONFIG_DIR` or in the OS keyring
//! (the kernel's keyutils on Linux, the real one).

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
        // The file unless a test says otherwise: runs of the suite side by side share the OS
        // keyring of their user.
        .env("LARK_TOKEN_STORE", "file")
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
    let mut vault = lark(&mock, &dir);
    vault
        .env("LARK_TOKEN_STORE", "vault")
        .args(["auth", "status"]);
    let out = run(vault).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("LARK_TOKEN_STORE"),
        "{}",
        text(&out.stderr)
    );
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

/// `lark auth status` of a user nobody signed in, with the keyring forced: whether the OS
/// keyring works for `lark` here, by the very probe `lark` makes. `Err` carries why not.
fn keyring_works(mock: &MockServer, dir: &Path) -> Result<(), String> {
    let mut status = lark(mock, dir);
    status.env("LARK_TOKEN_STORE", "keyring").args([
        "auth",
        "status",
        "--user",
        "nobody-signed-in",
    ]);
    let out = status.output().unwrap();
    let stderr = text(&out.stderr);
    // Never a panic: a clear error or a clear answer.
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    if stderr.contains("not signed in") {
        assert!(stderr.contains("keyring store"), "{stderr}");
        Ok(())
    } else {
        assert!(
            stderr.contains("LARK_TOKEN_STORE=keyring") && stderr.contains("unavailable"),
            "{stderr}"
        );
        Err(stderr)
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_forced_keyring_works_or_fails_clearly() {
    // This test's process, as it was started: outside a login session (as in many containers
    // and CI runners) the keyring is unavailable and a forced one is an error naming the
    // variable; inside one it answers.
    let mock = MockServer::start().await.unwrap();
    let dir = config_dir("auth-keyring-forced");
    let answer = tokio::task::block_in_place(|| keyring_works(&mock, &dir));
    if let Err(why) = answer {
        println!("the keyring is unavailable to this test process: {why}");
    }
    mock.shutdown().await;
}

/// The secret of a login in the keyring as `lark` keeps it: service `lark-cli:{app id}`,
/// account the login's key.
#[cfg(target_os = "linux")]
fn keyring_entry(user: &str) -> keyring_core::Entry {
    let store: std::sync::Arc<keyring_core::CredentialStore> =
        linux_keyutils_keyring_store::Store::new().unwrap();
    keyring_core::Entry::new_in_store(
        &store,
        &format!("lark-cli:{}", MockServer::APP_ID),
        &format!("user_access_token:{}:{user}", MockServer::APP_ID),
    )
    .unwrap()
}

/// Login, token, six processes on an expired token (one refresh) and logout, with the login
/// in the kernel keyring. The processes run in a session keyring of their own, as the
/// processes of a login session do (pam_keyinit; `keyctl session`): it is inherited by every
/// `lark` this thread starts, and links the user's persistent keyring.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread")]
async fn login_token_refresh_once_and_logout_with_the_keyring() {
    let mock = MockServer::start().await.unwrap();
    let mut settings = mock.oauth();
    settings.device_interval = Duration::from_secs(1);
    settings.device_approve_after_polls = Some(0);
    mock.set_oauth(settings);
    let dir = config_dir("auth-keyring");
    tokio::task::block_in_place(|| {
        std::thread::scope(|scope| {
            scope.spawn(|| keyring_case(&mock, &dir)).join().unwrap();
        });
    });
    mock.shutdown().await;
}

#[cfg(target_os = "linux")]
fn keyring_case(mock: &MockServer, dir: &Path) {
    use linux_keyutils::{KeyRing, KeyRingIdentifier};
    // This thread joins a new session keyring (unless it has one): its children inherit it.
    if let Err(e) = KeyRing::from_special_id(KeyRingIdentifier::Session, true) {
        println!("skipped the keyring case: no session keyring ({e:?})");
        return;
    }
    if let Err(why) = keyring_works(mock, dir) {
        println!("skipped the keyring case: {why}");
        return;
    }
    // A user of this run only: runs side by side share the user's persistent keyring.
    let user = format!("keyring-{}", std::process::id());
    let keyring = |args: &[&str]| {
        let mut command = lark(mock, dir);
        command
            .env("LARK_TOKEN_STORE", "keyring")
            .args(args)
            .args(["--user", user.as_str()]);
        command
    };
    let mut printed = Vec::new();

    let out = keyring(&["auth", "login", "--device"]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("kept in the keyring store"),
        "{}",
        text(&out.stderr)
    );
    printed.push(text(&out.stderr));
    // The login is in the keyring (no file), under the app's service and the user's key.
    let entry = keyring_entry(&user);
    let saved: serde_json::Value = serde_json::from_str(&entry.get_password().unwrap()).unwrap();
    let access = saved["access_token"].as_str().unwrap().to_owned();
    let refresh = saved["refresh_token"].as_str().unwrap().to_owned();
    let files: Vec<_> = std::fs::read_dir(dir.join("tokens"))
        .map(|dir| dir.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    assert!(
        !files
            .iter()
            .any(|p| p.extension().is_some_and(|e| e == "json")),
        "{files:?}"
    );

    // Which store: forced, and chosen by the probe when LARK_TOKEN_STORE is unset.
    for unset in [false, true] {
        let mut status = keyring(&["auth", "status"]);
        if unset {
            status.env_remove("LARK_TOKEN_STORE");
        }
        let out = status.output().unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
        let shown = text(&out.stdout);
        assert!(
            shown.contains("\"store\":\"keyring\"")
                && shown.contains(&format!(
                    "\"store_location\":\"lark-cli:{}\"",
                    MockServer::APP_ID
                ))
                && shown.contains("\"can_refresh\":true"),
            "{shown}"
        );
        printed.push(shown);
        printed.push(text(&out.stderr));
    }

    let out = keyring(&["auth", "token"]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), access);

    // Expired (its expiry moved into the past in the keyring entry): six `lark` processes at
    // once refresh it once between them, and all succeed.
    let mut expired = saved.clone();
    expired["expires_at_millis"] = serde_json::json!(1);
    entry.set_password(&expired.to_string()).unwrap();
    let before = mock.oauth_token_requests().1;
    let children: Vec<_> = (0..6)
        .map(|_| {
            keyring(&[
                "api",
                "GET",
                "/open-apis/contact/v3/users/ou_mock_user",
                "--as",
                "user",
            ])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(text(&out.stdout).contains(MockServer::USER_OPEN_ID));
        printed.push(text(&out.stdout));
        printed.push(text(&out.stderr));
    }
    assert_eq!(
        mock.oauth_token_requests().1 - before,
        1,
        "one refresh for six processes"
    );
    let refreshed: serde_json::Value =
        serde_json::from_str(&entry.get_password().unwrap()).unwrap();
    assert_ne!(refreshed["access_token"], saved["access_token"]);

    let out = keyring(&["auth", "logout"]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    printed.push(text(&out.stderr));
    assert!(
        matches!(entry.get_password(), Err(keyring_core::Error::NoEntry)),
        "logout removes the keyring entry"
    );
    let out = keyring(&[
        "api",
        "GET",
        "/open-apis/contact/v3/users/ou_mock_user",
        "--as",
        "user",
    ])
    .output()
    .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("authorize again"),
        "{}",
        text(&out.stderr)
    );

    // A login left in the file store is not read while the keyring is used, but named.
    let mut file_login = keyring(&["auth", "login", "--device"]);
    file_login.env("LARK_TOKEN_STORE", "file");
    assert!(file_login.output().unwrap().status.success());
    let out = keyring(&["auth", "status"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("a login left in the file store"),
        "{}",
        text(&out.stderr)
    );

    // Never a token in what `lark` printed (but `lark auth token`'s answer).
    let all = printed.join("\n");
    let new_access = refreshed["access_token"].as_str().unwrap();
    for secret in [access.as_str(), refresh.as_str(), new_access] {
        assert!(!all.contains(secret), "`{secret}` was printed:\n{all}");
    }
}
