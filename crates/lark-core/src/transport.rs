//! One HTTP exchange under a timeout, through the backend: whole answers, streamed answers,
//! and the chunks of a streamed body.

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::{Either, select};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::runtime::{BodyStream, HttpClient, HttpError, HttpErrorKind, Runtime};

/// What an exchange needs of the client: its settings, its backend and its clock.
pub(crate) struct Transport<'a, H> {
    pub(crate) config: &'a Config,
    pub(crate) http: &'a H,
    pub(crate) runtime: &'a dyn Runtime,
}

impl<H: HttpClient> Transport<'_, H> {
    /// One HTTP exchange under the call's timeout (else the client's).
    pub(crate) async fn exchange(
        &self,
        request: http::Request<Vec<u8>>,
        timeout: Option<Duration>,
    ) -> Result<http::Response<Vec<u8>>> {
        let limit = timeout.or(self.config.timeout);
        let map = |e: HttpError| match e.kind() {
            HttpErrorKind::Timeout => Error::Timeout(limit.unwrap_or_default()),
            _ => Error::Transport(e),
        };
        let sending = self.http.execute(request);
        match limit {
            None => sending.await.map_err(map),
            Some(limit) => match select(sending, self.runtime.sleep(limit)).await {
                Either::Left((result, _)) => result.map_err(map),
                Either::Right(((), _)) => Err(Error::Timeout(limit)),
            },
        }
    }

    /// One streaming HTTP exchange; `timeout` bounds the wait for the headers.
    pub(crate) async fn exchange_streaming(
        &self,
        request: http::Request<Vec<u8>>,
        timeout: Option<Duration>,
    ) -> Result<http::Response<BodyStream>> {
        let sending = self.http.execute_streaming(request);
        match timeout {
            None => sending.await.map_err(|e| transport(e, None)),
            Some(limit) => match select(sending, self.runtime.sleep(limit)).await {
                Either::Left((result, _)) => result.map_err(|e| transport(e, Some(limit))),
                Either::Right(((), _)) => Err(Error::Timeout(limit)),
            },
        }
    }
}

/// A backend's error as the client reports it; `timeout` is the call's own.
fn transport(error: HttpError, timeout: Option<Duration>) -> Error {
    match error.kind() {
        HttpErrorKind::Timeout => Error::Timeout(timeout.unwrap_or_default()),
        _ => Error::Transport(error),
    }
}

/// A streamed body read chunk by chunk, each chunk awaited at most the call's timeout (an
/// idle limit, not one on the whole body).
pub struct TimedBody {
    stream: BodyStream,
    runtime: Arc<dyn Runtime>,
    timeout: Option<Duration>,
}

impl std::fmt::Debug for TimedBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TimedBody")
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl TimedBody {
    pub(crate) fn new(
        stream: BodyStream,
        runtime: Arc<dyn Runtime>,
        timeout: Option<Duration>,
    ) -> Self {
        Self {
            stream,
            runtime,
            timeout,
        }
    }

    /// The next chunk, `None` at the end; [`Error::Timeout`] when none comes within the
    /// timeout, [`Error::Transport`] when the body breaks off.
    pub async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>> {
        let next = self.stream.next_chunk();
        let result = match self.timeout {
            None => next.await,
            Some(limit) => match select(next, self.runtime.sleep(limit)).await {
                Either::Left((result, _)) => result,
                Either::Right(((), _)) => return Err(Error::Timeout(limit)),
            },
        };
        result.transpose().map_err(|e| transport(e, self.timeout))
    }
}

/// A copy of `request` (bodies are bytes, so it is a whole copy), for another attempt.
pub(crate) fn clone_request(request: &http::Request<Vec<u8>>) -> http::Request<Vec<u8>> {
    let mut copy = http::Request::new(request.body().clone());
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.headers_mut() = request.headers().clone();
    *copy.version_mut() = request.version();
    *copy.extensions_mut() = request.extensions().clone();
    copy
}
