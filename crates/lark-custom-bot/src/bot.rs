//! The bot: a webhook, an optional secret, a backend.

use std::fmt;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use serde::Serialize;

use lark_core::{BoxFuture, Error, HttpClient, HttpError, Result, Runtime, Secret};

use crate::limit::{Limiter, RateLimit, RetryPolicy};
use crate::message::{Message, WebhookPayload};
use crate::reply::{Reply, codes, decode_reply};
use crate::sign::sign;
use crate::webhook::{Webhook, mask, mask_bytes, redact};

/// A custom bot: posts [`Message`]s to its webhook through any [`HttpClient`].
///
/// The webhook URL looks like `https://open.feishu.cn/open-apis/bot/v2/hook/<token>` (or
/// `open.larksuite.com` for Lark). With a secret, every post carries `timestamp` and `sign`
/// computed with the backend's clock. Rate-limited posts are retried with backoff (see
/// [`RetryPolicy`]); a client-side [`RateLimit`] is opt-in.
///
/// The URL's token and the secret are credentials: the bot's `Debug`, its
/// [`PreparedRequest`]s' and its errors' (`Display`, `Debug` and every `source()`) show
/// neither. Where an answer or a backend's error repeats the token (an error page quoting
/// the request line, an error message carrying the URL), `send` masks it as `***`, in the
/// kept body too.
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
    webhook: Webhook,
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
            .field("webhook", &self.webhook)
            .field("secret", &self.secret)
            .field("limiter", &self.limiter)
            .field("retry", &self.retry)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

/// A post ready to send: the `http::Request` that [`CustomBot::prepare`] builds, whose `Debug`
/// masks the webhook's token (a plain `http::Request` prints its URI whole). Send
/// [`into_http`](Self::into_http) with any client.
pub struct PreparedRequest {
    inner: http::Request<Vec<u8>>,
}

impl PreparedRequest {
    /// `POST`.
    pub fn method(&self) -> &http::Method {
        self.inner.method()
    }

    /// The webhook URL, token included: a credential. Its own `Debug` and `Display` show it
    /// whole.
    pub fn uri(&self) -> &http::Uri {
        self.inner.uri()
    }

    /// The headers.
    pub fn headers(&self) -> &http::HeaderMap {
        self.inner.headers()
    }

    /// The JSON body.
    pub fn body(&self) -> &[u8] {
        self.inner.body()
    }

    /// The request, to send.
    pub fn into_http(self) -> http::Request<Vec<u8>> {
        self.inner
    }
}

impl From<PreparedRequest> for http::Request<Vec<u8>> {
    fn from(request: PreparedRequest) -> Self {
        request.inner
    }
}

impl fmt::Debug for PreparedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PreparedRequest")
            .field("method", self.inner.method())
            .field("uri", &redact(&self.inner.uri().to_string()))
            .field("headers", self.inner.headers())
            .field("body_len", &self.inner.body().len())
            .finish()
    }
}

/// A backend's error whose text repeated a credential: that text, masked. It keeps the error's
/// kind; its `source()` chain is folded into the message.
#[derive(Debug)]
struct MaskedError(String);

impl fmt::Display for MaskedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for MaskedError {}

/// The JSON body of one post: the signature first, then the message.
#[derive(Serialize)]
struct Body<'a, M: ?Sized> {
    #[serde(skip_serializing_if = "Option::is_none")]
    timestamp: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sign: Option<String>,
    #[serde(flatten)]
    message: &'a M,
}

impl<H: HttpClient> CustomBot<H> {
    /// A bot posting to `webhook` through `http`, reading the time from `runtime`.
    pub fn new(webhook: impl Into<String>, http: H, runtime: impl Runtime + 'static) -> Self {
        Self {
            webhook: Webhook::new(webhook),
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

    /// The webhook URL.
    pub fn webhook(&self) -> &Webhook {
        &self.webhook
    }

    /// The HTTP request posting `message` at `now_millis` (Unix milliseconds; the signature
    /// uses the seconds). Sans-IO: send [`PreparedRequest::into_http`] with any client, then
    /// read the answer with [`CustomBot::decode`] (or [`decode_reply`](crate::decode_reply),
    /// which does not know the token to mask).
    pub fn prepare(&self, message: &Message, now_millis: u64) -> Result<PreparedRequest> {
        self.prepare_payload(message, now_millis)
    }

    /// [`CustomBot::prepare`] for any [`WebhookPayload`], such as a [`WebhookJson`](crate::WebhookJson).
    pub fn prepare_payload<M: WebhookPayload + ?Sized>(
        &self,
        message: &M,
        now_millis: u64,
    ) -> Result<PreparedRequest> {
        let uri: http::Uri =
            self.webhook.expose().parse().map_err(|e| {
                Error::Build(format!("the webhook {} is not a URL: {e}", self.webhook))
            })?;
        if !matches!(uri.scheme_str(), Some("https" | "http")) || uri.host().is_none() {
            return Err(Error::Build(format!(
                "the webhook {} is not an http(s) URL",
                self.webhook
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
            .map(|inner| PreparedRequest { inner })
            .map_err(|e| Error::Build(format!("cannot build the request: {e}")))
    }

    /// [`decode_reply`](crate::decode_reply), with the webhook's token and the secret masked
    /// wherever the answer repeats them.
    pub fn decode(&self, response: http::Response<Vec<u8>>) -> Result<Reply> {
        decode_reply(response).map_err(|e| self.mask(e))
    }

    /// Posts `message`, waiting for the rate limiter if there is one, retrying rate-limited
    /// posts per the [`RetryPolicy`].
    ///
    /// Errors: [`Error::Build`] for a bad webhook URL or message (nothing sent),
    /// [`Error::Transport`] when the exchange failed, [`Error::Api`] with the platform's code
    /// and message (see [`codes`](crate::codes)), [`Error::Decode`] with the raw body for an
    /// answer that is not a reply. None shows the webhook's token or the secret.
    pub async fn send(&self, message: &Message) -> Result<Reply> {
        self.send_payload(message).await
    }

    /// [`CustomBot::send`] for any [`WebhookPayload`], such as a [`WebhookJson`](crate::WebhookJson)
    /// built elsewhere.
    pub async fn send_payload<M: WebhookPayload + ?Sized>(&self, message: &M) -> Result<Reply> {
        self.send_unmasked(message).await.map_err(|e| self.mask(e))
    }

    async fn send_unmasked<M: WebhookPayload + ?Sized>(&self, message: &M) -> Result<Reply> {
        // Check once before waiting on any limiter.
        self.prepare_payload(message, 0)?;
        let mut attempt = 1;
        loop {
            if let Some(limiter) = &self.limiter {
                let now = self.runtime.now_millis();
                let at = limiter.reserve(now);
                if at > now {
                    self.runtime.sleep(Duration::from_millis(at - now)).await;
                }
            }
            let request = self.prepare_payload(message, self.runtime.now_millis())?;
            let exchange = self.http.execute(request.into_http());
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

    /// `error` with the webhook's credentials and the secret masked wherever it repeats them.
    fn mask(&self, error: Error) -> Error {
        let mut secrets = self.webhook.credentials();
        if let Some(secret) = self.secret.as_ref().filter(|s| !s.is_empty()) {
            secrets.push(secret.expose());
        }
        mask_error(error, &secrets)
    }
}

/// `error` with every one of `secrets` masked.
fn mask_error(error: Error, secrets: &[&str]) -> Error {
    let masked = |text: String| match mask(&text, secrets) {
        std::borrow::Cow::Borrowed(_) => text,
        std::borrow::Cow::Owned(masked) => masked,
    };
    match error {
        Error::Build(message) => Error::Build(masked(message)),
        Error::Transport(http) => Error::Transport(mask_http(http, secrets)),
        Error::Api(mut api) => {
            api.msg = masked(std::mem::take(&mut api.msg));
            if let Some(body) = mask_bytes(&api.body, secrets) {
                api.body = body;
            }
            Error::Api(api)
        }
        Error::Decode(mut decode) => {
            decode.message = masked(std::mem::take(&mut decode.message));
            if let Some(body) = mask_bytes(&decode.body, secrets) {
                decode.body = body;
            }
            Error::Decode(decode)
        }
        other => other,
    }
}

/// `http` as it is when no `Display` or `Debug` in its chain shows a secret; otherwise its
/// chain's messages, masked, in a new error of the same kind.
fn mask_http(http: HttpError, secrets: &[&str]) -> HttpError {
    let mut messages = Vec::new();
    let mut leaks = false;
    // Deep enough for any real chain; a longer one is cut, and taken as leaking.
    let mut next = std::error::Error::source(&http);
    for _ in 0..32 {
        let Some(error) = next else { break };
        let (shown, debug) = (error.to_string(), format!("{error:?}"));
        leaks |= secrets
            .iter()
            .any(|s| !s.is_empty() && (shown.contains(s) || debug.contains(s)));
        messages.push(mask(&shown, secrets).into_owned());
        next = error.source();
    }
    if !leaks && next.is_none() {
        return http;
    }
    HttpError::new(http.kind(), MaskedError(messages.join(": ")))
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
