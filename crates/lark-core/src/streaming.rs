//! Streamed answers (downloads): sent once the headers are in, the body read chunk by chunk,
//! sent again from a byte on (`Range`) when a broken body is to be resumed. The building
//! blocks of a download driver such as lark-files' `DownloadStream`.

use std::sync::Arc;

use crate::auth::{self, Auth};
use crate::client::Client;
use crate::endpoint::Endpoint;
use crate::endpoint::Named;
use crate::error::{DecodeError, Error, Result};
use crate::observe::{Answered, keep_log_id};
use crate::options::RequestOptions;
use crate::response::{Download, Shape, decode_parts, log_id};
use crate::retry::{self, Failed, reset_hint};
use crate::runtime::HttpClient;
use crate::transport::{TimedBody, clone_request};

/// How much of an error answer to a download is read: enough for any envelope or error page.
const ERROR_BODY_LIMIT: usize = 1 << 20;

/// A download's request, built once by [`Client::prepare_download`] and sent again by
/// [`Client::send_download`] from where a broken body stopped.
pub struct PreparedDownload {
    request: http::Request<Vec<u8>>,
    /// Its endpoint's names, for its span and records.
    named: Named,
    auth: Auth,
    options: RequestOptions,
}

impl std::fmt::Debug for PreparedDownload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PreparedDownload")
            .field("method", self.request.method())
            // The path only: a query may carry values the caller would not log.
            .field("path", &self.request.uri().path())
            .finish_non_exhaustive()
    }
}

/// A download's answer with its headers in and its body still streaming.
#[derive(Debug)]
#[non_exhaustive]
pub struct StreamedAnswer {
    /// The status and headers.
    pub parts: http::response::Parts,
    /// The first bytes of the body, already read (to tell a JSON error from a JSON file).
    pub prefix: Vec<u8>,
    /// The rest of the body; `None` when `prefix` is all of it.
    pub rest: Option<TimedBody>,
}

impl<H: HttpClient> Client<H> {
    /// Builds the request of `endpoint` (a download) once, to be sent by
    /// [`Client::send_download`] as often as a broken body needs.
    pub fn prepare_download<E: Endpoint>(
        &self,
        endpoint: &E,
        options: &RequestOptions,
    ) -> Result<PreparedDownload> {
        let request = self.build_request(endpoint, options, None)?;
        let auth = auth::choose(endpoint.meta(), options, &self.inner.config)?;
        Ok(PreparedDownload {
            request,
            named: Named::of(endpoint.meta()),
            auth,
            options: options.clone(),
        })
    }

    /// Sends a prepared download and returns the answer once its headers are in, with its
    /// body still streaming, retrying as the [`RetryPolicy`](crate::RetryPolicy) allows until then. `range_start`
    /// above 0 asks for the bytes from there on (`Range: bytes={start}-`), and `if_range`
    /// (the first answer's `ETag`) makes a changed file answer whole rather than in part.
    ///
    /// Error answers (not 2xx, or a 2xx JSON envelope with a non-zero `code`) are read whole
    /// and become the usual errors; a `416` is handed back for the caller to judge. The body's
    /// chunks are each awaited at most the call's timeout ([`TimedBody`]).
    pub async fn send_download(
        &self,
        prepared: &PreparedDownload,
        range_start: u64,
        if_range: Option<&http::HeaderValue>,
    ) -> Result<StreamedAnswer> {
        let mut request = clone_request(&prepared.request);
        if range_start > 0 {
            let value = http::HeaderValue::try_from(format!("bytes={range_start}-"))
                .map_err(|e| Error::Build(e.to_string()))?;
            request.headers_mut().insert(http::header::RANGE, value);
            if let Some(tag) = if_range {
                request
                    .headers_mut()
                    .insert(http::header::IF_RANGE, tag.clone());
            }
        }
        let idempotent = matches!(*request.method(), http::Method::GET | http::Method::HEAD);
        let request = &request;
        let options = &prepared.options;
        let auth = &prepared.auth;
        let policy = options.retry.as_ref().unwrap_or(&self.inner.config.retry);
        let watch = self.watch(prepared.named, request.method());
        crate::trace::within(
            &watch.span,
            retry::run(
                policy,
                &*self.inner.runtime,
                &self.inner.tokens,
                idempotent,
                &[],
                &watch,
                move |now| self.attempt_streaming(request, auth, options, now),
            ),
        )
        .await
    }

    /// One streaming attempt: authorise, exchange until the headers are in, read an error
    /// answer whole.
    async fn attempt_streaming(
        &self,
        request: &http::Request<Vec<u8>>,
        auth: &Auth,
        options: &RequestOptions,
        now: Option<u64>,
    ) -> std::result::Result<Answered<StreamedAnswer>, Failed> {
        let (request, used) = self.authorized(request, auth, options, now).await?;
        let timeout = options.timeout.or(self.inner.config.timeout);
        let response = match self.transport().exchange_streaming(request, timeout).await {
            Ok(response) => response,
            Err(error) => return Err(Failed::new(error, used)),
        };
        let (parts, body) = response.into_parts();
        let mut body = TimedBody::new(body, Arc::clone(&self.inner.runtime), timeout);
        let json = parts
            .headers
            .get(http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim_start().starts_with("application/json"));
        let status = parts.status;
        let seen_log_id = keep_log_id(&parts.headers, self.observer().is_some());
        if status == http::StatusCode::RANGE_NOT_SATISFIABLE {
            // Judged by the caller, which knows the range it asked for; the body is an
            // explanation at most.
            let answer = StreamedAnswer {
                parts,
                prefix: Vec::new(),
                rest: None,
            };
            return Ok(Answered::new(answer, status, seen_log_id));
        }
        let judged_here = !status.is_success();
        if !judged_here && !json {
            let answer = StreamedAnswer {
                parts,
                prefix: Vec::new(),
                rest: Some(body),
            };
            return Ok(Answered::new(answer, status, seen_log_id));
        }
        // An error answer, or a JSON one that may be an error envelope: read up to a bound.
        let mut prefix = Vec::new();
        let mut ended = false;
        while prefix.len() <= ERROR_BODY_LIMIT {
            match body.next_chunk().await {
                Ok(Some(chunk)) => prefix.extend_from_slice(&chunk),
                Ok(None) => {
                    ended = true;
                    break;
                }
                Err(error) => return Err(Failed::new(error, used)),
            }
        }
        if judged_here {
            let error = match decode_parts::<Download>(&parts, prefix, Shape::Binary) {
                Err(error) => error,
                // A JSON `code` 0 on an error status: still an error.
                Ok(download) => Error::Decode(Box::new(DecodeError::new(
                    format!("HTTP {} on a download", status.as_u16()),
                    status.as_u16(),
                    log_id(&parts.headers),
                    download.data,
                    None,
                ))),
            };
            return Err(Failed {
                error,
                reset: reset_hint(&parts.headers),
                used,
            });
        }
        if ended {
            // A whole JSON body: an envelope with a non-zero `code` is the platform's error;
            // anything else is the file itself.
            match decode_parts::<Download>(&parts, prefix, Shape::Binary) {
                Ok(download) => prefix = download.data,
                Err(error) => {
                    return Err(Failed {
                        error,
                        reset: reset_hint(&parts.headers),
                        used,
                    });
                }
            }
        }
        let answer = StreamedAnswer {
            parts,
            prefix,
            rest: (!ended).then_some(body),
        };
        Ok(Answered::new(answer, status, seen_log_id))
    }
}
