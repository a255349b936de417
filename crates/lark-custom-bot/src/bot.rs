//! The bot: a webhook, an optional secret, a backend.

use std::fmt;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use serde::Serialize;

use lark_core::{BoxFuture, Error, HttpClient, Result, Runtime, Secret};

use crate::limit::{Limiter, RateLimit, RetryPolicy};
use crate::message::Message;
use crate::reply::{Reply, codes, decode_reply};
use crate::sign::sign;

/// A custom bot: posts [`Message`]s to its webhook through any [`HttpClient`].
///
/// The webhook URL looks like `https://open.feishu.cn/open-apis/bot/v2/hook/<token>` (or
/// `open.larksuite.com` for Lark). With a secret, every post carries `timestamp` and `sign`
/// computed with the backend's clock. Rate-limited posts are retried with backoff (see
/// [`RetryPolicy`]); a client-side [`RateLimit`] is opt-in.
///
/// Cheap to clone when `H` is: clones share the rate limiter.
///
/// ```no_run
/// # async fn run() -> lark_core::Result<()> {
/// use lark_custom_bot::{CustomBot, Message};
/// let bot = CustomBot::new(
///     "https://open.feishu.cn/open-apis/bot/v2/hook/xxxx",
///     lark_reqwest::ReqwestClient::new(),
///     lark_reqwest::SystemRuntime,
/// )
/// .secret("the bot's signing secret");
/// bot.send(&Message::text("deploy finished")).await?;
/// # Ok(()) }
/// ```
pub struct CustomBot<H> {
    webhook: String,
    secret: Option<Secret>,
    http: H,
    runtime: Arc<dyn Runtime>,
    limiter: Option<Arc<Limiter>>,
    retry: RetryPolicy,
    timeout: Option<Duration>,
}

impl<H: Clone> Clone for CustomBot<H> {
    fn clone(&self) -> Self {
        Self {
            webhook: self.webhook.clone(),
            secret: self.secret.clone(),
            http: self.http.clone(),
            runtime: Arc::clone(&self.runtime),
            limiter: self.limiter.clone(),
            retry: self.retry,
            timeout: self.timeout,
        }
    }
}

impl<H> fmt::Debug for CustomBot<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CustomBot")
            .field("webhook", &redact_webhook(&self.webhook))
            .field("secret", &self.secret)
            .field("limiter", &self.limiter)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// The webhook without its token (the last path segment), which lets anyone post.
fn redact_webhook(webhook: &str) -> String {
    match webhook.rsplit_once('/') {
        Some((base, token)) if !token.is_empty() => format!("{base}/***"),
        _ => "***".to_owned(),
    }
}

/// The JSON body of one post: the signature first, then the message.
#[derive(Serialize)]
struct Body<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    timestamp: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sign: Option<String>,
    #[serde(flatten)]
    message: &'a Message,
}

impl<H: HttpClient> CustomBot<H> {
    /// A bot posting to `webhook` through `http`, reading the time from `runtime`.
    pub fn new(webhook: impl Into<String>, http: H, runtime: impl Runtime + 'static) -> Self {
        Self {
            webhook: webhook.into(),
            secret: None,
            http,
            runtime: Arc::new(runtime),
            limiter: None,
            retry: RetryPolicy::default(),
            timeout: None,
        }
    }

    /// Signs every post with the bot's secret ("signature verification" in the bot's
    /// security settings). An empty secret is a secret too: it still signs.
    #[must_use]
    pub fn secret(mut self, secret: impl Into<Secret>) -> Self {
        self.secret = Some(secret.into());
        self
    }

    /// Waits before a post that would break `limit` (use [`RateLimit::custom_bot`] for the
    /// platform's own limit). Clones of the bot share the window.
    #[must_use]
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.limiter = Some(Arc::new(Limiter::new(limit)));
        self
    }

    /// How rate-limited posts are retried.
    #[must_use]
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// Gives each HTTP exchange at most `timeout` (on the runtime's timer), after which the
    /// post fails with [`Error::Timeout`]. Off by default: the backend's own timeouts apply.
    /// A timed-out post may still have reached the group, so it is not retried.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The backend.
    pub fn http(&self) -> &H {
        &self.http
    }

    /// The HTTP request posting `message` at `now_millis` (Unix milliseconds; the signature
    /// uses the seconds). Sans-IO: send it with any client, then read the answer with
    /// [`decode_reply`](crate::decode_reply).
    pub fn prepare(&self, message: &Message, now_millis: u64) -> Result<http::Request<Vec<u8>>> {
        let uri: http::Uri = self.webhook.parse().map_err(|e| {
            Error::Build(format!(
                "the webhook {} is not a URL: {e}",
                redact_webhook(&self.webhook)
            ))
        })?;
        if !matches!(uri.scheme_str(), Some("https" | "http")) || uri.host().is_none() {
            return Err(Error::Build(format!(
                "the webhook {} is not an http(s) URL",
                redact_webhook(&self.webhook)
            )));
        }
        message.validate()?;
        let (timestamp, sign) = match &self.secret {
            Some(secret) => {
                let seconds = now_millis / 1000;
                (
                    Some(seconds.to_string()),
                    Some(sign(seconds, secret.expose())),
                )
            }
            None => (None, None),
        };
        let body = serde_json::to_vec(&Body {
            timestamp,
            sign,
            message,
        })
        .map_err(|e| Error::Build(format!("the message cannot be serialized: {e}")))?;
        http::Request::builder()
            .method(http::Method::POST)
            .uri(uri)
            .header(
                http::header::CONTENT_TYPE,
                "application/json; charset=utf-8",
            )
            .body(body)
            .map_err(|e| Error::Build(format!("cannot build the request: {e}")))
    }

    /// Posts `message`, waiting for the rate limiter if there is one, retrying rate-limited
    /// posts per the [`RetryPolicy`].
    ///
    /// Errors: [`Error::Build`] for a bad webhook URL or message (nothing sent),
    /// [`Error::Transport`] when the exchange failed, [`Error::Api`] with the platform's code
    /// and message (see [`codes`](crate::codes)), [`Error::Decode`] with the raw body for an
    /// answer that is not a reply.
    pub async fn send(&self, message: &Message) -> Result<Reply> {
        // Check once before waiting on any limiter.
        self.prepare(message, 0)?;
        let mut attempt = 1;
        loop {
            if let Some(limiter) = &self.limiter {
                let now = self.runtime.now_millis();
                let at = limiter.reserve(now);
                if at > now {
                    self.runtime.sleep(Duration::from_millis(at - now)).await;
                }
            }
            let request = self.prepare(message, self.runtime.now_millis())?;
            let exchange = self.http.execute(request);
            let response = match self.timeout {
                None => exchange.await,
                Some(limit) => match first(exchange, self.runtime.sleep(limit)).await {
                    Either::Left(response) => response,
                    Either::Right(()) => return Err(Error::Timeout(limit)),
                },
            }
            .map_err(Error::Transport)?;
            let result = decode_reply(response);
            match &result {
                Err(error) if is_rate_limited(error) && attempt < self.retry.attempts() => {
                    self.runtime.sleep(self.retry.delay(attempt)).await;
                    attempt += 1;
                }
                _ => return result,
            }
        }
    }

    /// Posts a plain text message.
    pub async fn send_text(&self, text: impl Into<String>) -> Result<Reply> {
        self.send(&Message::text(text)).await
    }
}

enum Either<L, R> {
    Left(L),
    Right(R),
}

/// Whichever of `left` and `right` completes first (`left` on a tie).
async fn first<L, R>(mut left: BoxFuture<'_, L>, mut right: BoxFuture<'_, R>) -> Either<L, R> {
    std::future::poll_fn(|cx| {
        if let Poll::Ready(value) = left.as_mut().poll(cx) {
            return Poll::Ready(Either::Left(value));
        }
        if let Poll::Ready(value) = right.as_mut().poll(cx) {
            return Poll::Ready(Either::Right(value));
        }
        Poll::Pending
    })
    .await
}

/// Whether the platform refused the post for its rate: it did not reach the group, so it is
/// safe to send again.
pub fn is_rate_limited(error: &Error) -> bool {
    error.code() == Some(codes::RATE_LIMITED)
        || matches!(error, Error::Decode(_)) && error.http_status() == Some(429)
}
