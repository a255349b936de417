//! Signing a user in from a native program through a loopback redirect (RFC 8252): a listener
//! on `127.0.0.1` and a free port takes the one redirect the authorize page sends, then the
//! code is exchanged (with its PKCE verifier) for the user's tokens.
//!
//! ```no_run
//! # async fn sign_in(client: lark_core::Client<lark_reqwest::ReqwestClient>) -> lark_core::Result<()> {
//! use std::time::Duration;
//! let token = lark_reqwest::loopback::sign_in(&client, &["im:message"], Duration::from_secs(300), |url| {
//!     eprintln!("Open {url} to sign in");
//! })
//! .await?;
//! client.sign_in_user("me", token).await?;
//! # Ok(()) }
//! ```

use std::time::Duration;

use lark_core::oauth::UserToken;
use lark_core::{Client, Error, Result};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

use crate::ReqwestClient;

/// The path the redirect comes back to.
pub const CALLBACK_PATH: &str = "/callback";
/// The most a request to the listener may send before its headers end.
const HEAD_LIMIT: usize = 16 * 1024;

/// Listens on `127.0.0.1` (any free port), hands the authorize URL to `show` (print it, open a
/// browser), waits at most `timeout` for the redirect, and exchanges its code. Requests to
/// other paths (a browser's `/favicon.ico`) get a 404 and the wait goes on; a redirect whose
/// `state` is not this sign-in's, or that carries an `error`, ends it with an
/// [`Error::OAuth`].
pub async fn sign_in(
    client: &Client<ReqwestClient>,
    scopes: &[&str],
    timeout: Duration,
    show: impl FnOnce(&str),
) -> Result<UserToken> {
    let listener = TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(|e| Error::Build(format!("cannot listen on 127.0.0.1 for the redirect: {e}")))?;
    let port = listener
        .local_addr()
        .map_err(|e| Error::Build(format!("the listener has no address: {e}")))?
        .port();
    let authorization =
        client.authorization(&format!("http://127.0.0.1:{port}{CALLBACK_PATH}"), scopes)?;
    show(&authorization.url);
    let query = tokio::time::timeout(timeout, redirect_query(&listener))
        .await
        .map_err(|_| Error::Timeout(timeout))??;
    let code = authorization.code_from_redirect(&query)?;
    client.exchange_code(&authorization, code).await
}

/// Accepts connections until one is a GET of [`CALLBACK_PATH`]; its query.
async fn redirect_query(listener: &TcpListener) -> Result<String> {
    loop {
        let (mut stream, _) = listener
            .accept()
            .await
            .map_err(|e| Error::Build(format!("the redirect listener failed: {e}")))?;
        let mut head = Vec::new();
        let mut buf = [0u8; 1024];
        while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < HEAD_LIMIT {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => head.extend_from_slice(&buf[..n]),
            }
        }
        let line = String::from_utf8_lossy(&head);
        let target = line
            .lines()
            .next()
            .and_then(|first| first.strip_prefix("GET "))
            .and_then(|rest| rest.split(' ').next())
            .unwrap_or("");
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        if path != CALLBACK_PATH {
            let _ = stream
                .write_all(
                    b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                )
                .await;
            continue;
        }
        let page = "<!doctype html><title>Signed in</title><p>You can close this window.</p>";
        let answer = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{page}",
            page.len()
        );
        let _ = stream.write_all(answer.as_bytes()).await;
        return Ok(query.to_owned());
    }
}
