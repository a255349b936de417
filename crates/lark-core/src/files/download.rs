//! Streaming downloads from any endpoint that answers bytes ([`Download`]).

use std::sync::Arc;
use std::time::Duration;

use crate::client::{Client, RequestOptions, next_chunk_within};
use crate::endpoint::{Answer, Download, Endpoint, FromResponse};
use crate::error::{DecodeError, Error, Result};
use crate::runtime::{BodyStream, HttpClient, MaybeSend, MaybeSync, Runtime};

/// How far a download has come, reported after each chunk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct DownloadProgress {
    /// Bytes of this answer received so far.
    pub received: u64,
    /// The position in the file: the range start plus `received`.
    pub position: u64,
    /// The file's whole size, when the answer tells it.
    pub total: Option<u64>,
}

/// A progress callback.
trait ProgressFn: Fn(DownloadProgress) + MaybeSend + MaybeSync {}
impl<F: Fn(DownloadProgress) + MaybeSend + MaybeSync> ProgressFn for F {}

/// How [`Client::download_stream`] downloads.
#[must_use]
#[derive(Default)]
pub struct DownloadOptions {
    range_start: u64,
    on_progress: Option<Box<dyn ProgressFn>>,
    request: RequestOptions,
}

impl std::fmt::Debug for DownloadOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DownloadOptions")
            .field("range_start", &self.range_start)
            .field("on_progress", &self.on_progress.is_some())
            .field("request", &self.request)
            .finish()
    }
}

impl DownloadOptions {
    /// The whole file, no progress callback, default request options.
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts at byte `start` (`Range: bytes={start}-`), to continue a broken download. The
    /// server must answer with that range (`206`); an answer with the whole file instead is
    /// an error, never bytes appended at the wrong place.
    pub fn range_start(mut self, start: u64) -> Self {
        self.range_start = start;
        self
    }

    /// Calls `progress` after each chunk.
    pub fn on_progress(
        mut self,
        progress: impl Fn(DownloadProgress) + MaybeSend + MaybeSync + 'static,
    ) -> Self {
        self.on_progress = Some(Box::new(progress));
        self
    }

    /// Sets the request options (a user access token, headers, timeout, retry policy). The
    /// timeout bounds the wait for the answer's headers and then for each chunk, not the
    /// whole body.
    pub fn request(mut self, options: RequestOptions) -> Self {
        self.request = options;
        self
    }

    /// The range start.
    pub fn start(&self) -> u64 {
        self.range_start
    }
}

/// A download whose headers are in, its body read chunk by chunk with
/// [`DownloadStream::next_chunk`].
///
/// The body is checked against `Content-Length` when the server sent one: a body cut short
/// ends with an error, not with a quietly short file. A body broken off is not fetched again
/// on its own: continue it with [`DownloadOptions::range_start`] at
/// `start + received()`.
pub struct DownloadStream {
    /// The file name from `Content-Disposition`.
    pub file_name: Option<String>,
    /// The `Content-Type` header.
    pub content_type: Option<String>,
    /// The length of this answer's body (from `Content-Length`, or the range).
    pub content_length: Option<u64>,
    /// The whole file's size (from `Content-Range`, or `Content-Length` of a whole answer).
    pub total_size: Option<u64>,
    /// Where this answer starts in the file.
    pub start: u64,
    /// The HTTP status: 200, 206, or 416 for a resume past a complete file.
    pub status: u16,
    prefix: Vec<u8>,
    rest: Option<BodyStream>,
    received: u64,
    finished: bool,
    timeout: Option<Duration>,
    runtime: Arc<dyn Runtime>,
    on_progress: Option<Box<dyn ProgressFn>>,
}

impl std::fmt::Debug for DownloadStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DownloadStream")
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .field("content_length", &self.content_length)
            .field("total_size", &self.total_size)
            .field("start", &self.start)
            .field("status", &self.status)
            .field("received", &self.received)
            .finish_non_exhaustive()
    }
}

impl DownloadStream {
    /// Bytes of this answer received so far.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// The next chunk of the body; `None` once it is over (or after an error).
    pub async fn next_chunk(&mut self) -> Option<Result<Vec<u8>>> {
        if self.finished {
            return None;
        }
        match self.pull().await {
            Ok(Some(chunk)) => {
                self.received += chunk.len() as u64;
                if let Some(report) = &self.on_progress {
                    report(DownloadProgress {
                        received: self.received,
                        position: self.start + self.received,
                        total: self.total_size,
                    });
                }
                Some(Ok(chunk))
            }
            Ok(None) => {
                self.finished = true;
                None
            }
            Err(error) => {
                self.finished = true;
                self.rest = None;
                Some(Err(error))
            }
        }
    }

    /// The rest of the body as a [`Stream`](futures_util::Stream) of chunks.
    pub fn into_stream(self) -> impl futures_util::Stream<Item = Result<Vec<u8>>> {
        futures_util::stream::unfold(self, |mut stream| async move {
            let chunk = stream.next_chunk().await?;
            Some((chunk, stream))
        })
    }

    /// The rest of the body in memory (for small files; large ones go chunk by chunk).
    pub async fn collect(mut self) -> Result<Vec<u8>> {
        // The header is the server's word, not a promise: preallocate within reason.
        let expected = self
            .content_length
            .map_or(0, |n| n.saturating_sub(self.received).min(1 << 26));
        let mut out = Vec::with_capacity(usize::try_from(expected).unwrap_or(0));
        while let Some(chunk) = self.next_chunk().await {
            out.extend_from_slice(&chunk?);
        }
        Ok(out)
    }

    fn error(&self, message: String) -> Error {
        Error::Decode(Box::new(DecodeError::new(
            message,
            self.status,
            None,
            Vec::new(),
            None,
        )))
    }

    async fn pull(&mut self) -> Result<Option<Vec<u8>>> {
        loop {
            let chunk = if !self.prefix.is_empty() {
                Some(std::mem::take(&mut self.prefix))
            } else if let Some(rest) = &mut self.rest {
                next_chunk_within(rest, &*self.runtime, self.timeout).await?
            } else {
                None
            };
            let Some(chunk) = chunk else {
                self.rest = None;
                if let Some(length) = self.content_length {
                    if self.received < length {
                        return Err(self.error(format!(
                            "the body ended after {} of {length} bytes",
                            self.received
                        )));
                    }
                }
                return Ok(None);
            };
            if chunk.is_empty() {
                continue;
            }
            if let Some(length) = self.content_length {
                if self.received + chunk.len() as u64 > length {
                    return Err(
                        self.error(format!("the body runs past its announced {length} bytes"))
                    );
                }
            }
            return Ok(Some(chunk));
        }
    }
}

/// `bytes first-last/total` (total may be `*`) or `bytes */total`.
#[derive(Debug, PartialEq, Eq)]
struct ContentRange {
    range: Option<(u64, u64)>,
    total: Option<u64>,
}

fn parse_content_range(value: &str) -> Option<ContentRange> {
    let rest = value.trim().strip_prefix("bytes")?.trim_start();
    let (range, total) = rest.split_once('/')?;
    let total = match total.trim() {
        "*" => None,
        total => Some(total.parse().ok()?),
    };
    let range = match range.trim() {
        "*" => None,
        range => {
            let (first, last) = range.split_once('-')?;
            let (first, last): (u64, u64) = (first.trim().parse().ok()?, last.trim().parse().ok()?);
            if last < first || total.is_some_and(|total| last >= total) {
                return None;
            }
            Some((first, last))
        }
    };
    Some(ContentRange { range, total })
}

impl<H: HttpClient> Client<H> {
    /// Starts downloading from `endpoint` (any endpoint answering bytes, such as
    /// `drive.v1.file.download` or `im.v1.messageResource.get`) and returns once the headers
    /// are in; the body is then read with [`DownloadStream::next_chunk`]. Dropping the stream
    /// stops the download.
    ///
    /// Failed answers (an error status, or a JSON envelope with a non-zero `code`) are the
    /// usual [`Error::Api`] / [`Error::Decode`], retried under the retry policy like any GET.
    /// With [`DownloadOptions::range_start`] the answer must be the range asked for; a `416`
    /// whose `Content-Range` says the file is exactly `start` long is an empty stream (the
    /// earlier download was complete).
    pub async fn download_stream<E>(
        &self,
        endpoint: &E,
        options: DownloadOptions,
    ) -> Result<DownloadStream>
    where
        E: Endpoint<Output = Download>,
    {
        let start = options.range_start;
        let answer = self
            .send_streaming(endpoint, &options.request, start)
            .await?;
        let parts = &answer.parts;
        let status = parts.status.as_u16();
        let log_id = crate::response::log_id(&parts.headers);
        let bad = |message: String| {
            Error::Decode(Box::new(DecodeError::new(
                message,
                status,
                log_id.clone(),
                Vec::new(),
                None,
            )))
        };
        let header = |name: http::header::HeaderName| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(|v| v.trim().to_owned())
        };
        let described = Download::from_response(Answer {
            status,
            headers: &parts.headers,
            body: &[],
            payload: None,
        })
        .ok();
        let (content_type, file_name) = described
            .map(|d| (d.content_type, d.file_name))
            .unwrap_or_default();
        let announced = match header(http::header::CONTENT_LENGTH) {
            None => None,
            Some(length) => Some(
                length
                    .parse::<u64>()
                    .map_err(|_| bad(format!("the Content-Length `{length}` is not a number")))?,
            ),
        };
        let content_range = header(http::header::CONTENT_RANGE);
        let parsed_range = content_range.as_deref().map(|value| {
            parse_content_range(value)
                .ok_or_else(|| bad(format!("the Content-Range `{value}` cannot be read")))
        });
        let (content_length, total_size, empty) = match status {
            206 => {
                let range = parsed_range
                    .ok_or_else(|| bad("a 206 answer without Content-Range".to_owned()))??;
                let Some((first, last)) = range.range else {
                    return Err(bad("a 206 answer without a byte range".to_owned()));
                };
                if first != start {
                    return Err(bad(format!(
                        "asked for the bytes from {start}, the answer starts at {first}"
                    )));
                }
                let length = last - first + 1;
                if announced.is_some_and(|announced| announced != length) {
                    return Err(bad(format!(
                        "the Content-Length does not match the range {first}-{last}"
                    )));
                }
                (Some(length), range.total, false)
            }
            416 => {
                let total = match parsed_range {
                    Some(range) => range?.total,
                    None => None,
                };
                if start > 0 && total == Some(start) {
                    (Some(0), total, true)
                } else {
                    let size = total
                        .map(|t| format!(", the file is {t} bytes"))
                        .unwrap_or_default();
                    return Err(bad(format!(
                        "the server cannot serve the bytes from {start} (HTTP 416{size})"
                    )));
                }
            }
            _ if start > 0 => {
                return Err(bad(format!(
                    "asked for the bytes from {start}, the server answered with the whole \
                     file (HTTP {status}): it does not serve ranges here"
                )));
            }
            _ => (announced, announced, false),
        };
        let (prefix, rest) = if empty {
            (Vec::new(), None)
        } else {
            (answer.prefix, answer.rest)
        };
        Ok(DownloadStream {
            file_name,
            content_type,
            content_length,
            total_size,
            start,
            status,
            prefix,
            rest,
            received: 0,
            finished: false,
            timeout: options.request.timeout.or(self.config().timeout),
            runtime: self.runtime_arc(),
            on_progress: options.on_progress,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_ranges() {
        assert_eq!(
            parse_content_range("bytes 10-19/20"),
            Some(ContentRange {
                range: Some((10, 19)),
                total: Some(20)
            })
        );
        assert_eq!(
            parse_content_range("bytes 0-0/*"),
            Some(ContentRange {
                range: Some((0, 0)),
                total: None
            })
        );
        assert_eq!(
            parse_content_range("bytes */30"),
            Some(ContentRange {
                range: None,
                total: Some(30)
            })
        );
        assert_eq!(parse_content_range("bytes 5-4/30"), None);
        assert_eq!(parse_content_range("bytes 5-30/30"), None);
        assert_eq!(parse_content_range("items 0-1/2"), None);
        assert_eq!(parse_content_range("bytes x-1/2"), None);
    }
}
