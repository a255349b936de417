//! Streaming downloads from any endpoint that answers bytes ([`Download`]).

use std::sync::Arc;

use lark_core::endpoint::{Answer, Download, Endpoint, FromResponse};
use lark_core::response::log_id;
use lark_core::{
    BoxFuture, Client, DecodeError, Error, HttpClient, MaybeSend, MaybeSync, PreparedDownload,
    RequestOptions, Result, StreamedAnswer, TimedBody,
};

/// How many times in a row a broken body is fetched again by default.
pub const DEFAULT_DOWNLOAD_RESUMES: u32 = 3;

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

/// How [`FilesExt::download_stream`](crate::FilesExt::download_stream) downloads.
#[must_use]
pub struct DownloadOptions {
    range_start: u64,
    resumes: u32,
    on_progress: Option<Box<dyn ProgressFn>>,
    request: RequestOptions,
}

impl Default for DownloadOptions {
    fn default() -> Self {
        Self {
            range_start: 0,
            resumes: DEFAULT_DOWNLOAD_RESUMES,
            on_progress: None,
            request: RequestOptions::default(),
        }
    }
}

impl std::fmt::Debug for DownloadOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DownloadOptions")
            .field("range_start", &self.range_start)
            .field("resumes", &self.resumes)
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

    /// How many times in a row a body that breaks off (a transport error, a chunk timeout, or
    /// fewer bytes than announced) is fetched again from where it stopped, with `Range`
    /// (default [`DEFAULT_DOWNLOAD_RESUMES`]; each byte received resets the count, so a slow
    /// but moving download is not given up). `0` turns it off: the break is the stream's
    /// error. Each fetch is itself retried under the retry policy.
    pub fn resumes(mut self, resumes: u32) -> Self {
        self.resumes = resumes;
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
/// ends with an error, not with a quietly short file. A body that breaks off is fetched again
/// from where it stopped ([`DownloadOptions::resumes`]): the new answer must be the rest of
/// the same file (a `206` from that byte, the same total size, and with `If-Range` when the
/// first answer had a strong `ETag`), or the stream ends with an error. The chunks read on
/// as one body; [`DownloadStream::resumed`] says how often it was fetched again. Past the
/// resumes, continue it yourself with [`DownloadOptions::range_start`] at
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
    rest: Option<TimedBody>,
    received: u64,
    finished: bool,
    on_progress: Option<Box<dyn ProgressFn>>,
    /// Fetches the rest again; `None` when the stream cannot resume.
    resume: Option<Box<dyn Resume>>,
    /// The first answer's strong `ETag`, sent as `If-Range` when resuming.
    etag: Option<http::HeaderValue>,
    max_resumes: u32,
    resumes_left: u32,
    resumed: u32,
}

/// Sends the download again from a byte on.
trait Resume: MaybeSend + MaybeSync {
    fn resume(
        &self,
        start: u64,
        if_range: Option<http::HeaderValue>,
    ) -> BoxFuture<'static, Result<StreamedAnswer>>;
}

struct Resumer<H> {
    client: Client<H>,
    prepared: Arc<PreparedDownload>,
}

impl<H: HttpClient + 'static> Resume for Resumer<H> {
    fn resume(
        &self,
        start: u64,
        if_range: Option<http::HeaderValue>,
    ) -> BoxFuture<'static, Result<StreamedAnswer>> {
        let client = self.client.clone();
        let prepared = Arc::clone(&self.prepared);
        Box::pin(async move {
            client
                .send_download(&prepared, start, if_range.as_ref())
                .await
        })
    }
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
            .field("resumed", &self.resumed)
            .finish_non_exhaustive()
    }
}

impl DownloadStream {
    /// Bytes of this answer received so far.
    pub fn received(&self) -> u64 {
        self.received
    }

    /// How many times the body broke off and was fetched again from where it stopped.
    pub fn resumed(&self) -> u32 {
        self.resumed
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
                Ok(Some(std::mem::take(&mut self.prefix)))
            } else if let Some(rest) = &mut self.rest {
                rest.next_chunk().await
            } else {
                Ok(None)
            };
            let chunk = match chunk {
                Ok(chunk) => chunk,
                Err(error @ (Error::Transport(_) | Error::Timeout(_))) => {
                    self.rest = None;
                    self.resume_after(error).await?;
                    continue;
                }
                Err(error) => return Err(error),
            };
            let Some(chunk) = chunk else {
                self.rest = None;
                if let Some(length) = self.content_length {
                    if self.received < length {
                        let short = self.error(format!(
                            "the body ended after {} of {length} bytes",
                            self.received
                        ));
                        self.resume_after(short).await?;
                        continue;
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
            // Bytes came: a later break starts a fresh count.
            self.resumes_left = self.max_resumes;
            return Ok(Some(chunk));
        }
    }

    /// After the body broke off with `error`: fetches the rest again, or gives `error` back
    /// when the resumes are used up or the stream cannot resume. The new answer must be the
    /// rest of the same file.
    async fn resume_after(&mut self, error: Error) -> Result<()> {
        let Some(resume) = self.resume.as_ref().filter(|_| self.resumes_left > 0) else {
            return Err(error);
        };
        self.resumes_left -= 1;
        let position = self.start + self.received;
        let answer = resume.resume(position, self.etag.clone()).await?;
        let opened = match open(answer, position) {
            Ok(opened) => opened,
            // The answer cannot continue the body: say what broke, and why it stays broken.
            Err(Error::Decode(mut refused)) => {
                refused.message = format!(
                    "{error}, and the rest cannot be fetched again: {}",
                    refused.message
                );
                return Err(Error::Decode(refused));
            }
            Err(other) => return Err(other),
        };
        if opened.empty {
            // A 416 saying the file is `position` long: only possible when the length was not
            // announced, and then the file is complete.
            if self.content_length.is_some() {
                return Err(self.error(format!(
                    "the file ended at byte {position}, before its announced length"
                )));
            }
            self.prefix = Vec::new();
            self.rest = None;
            self.content_length = Some(self.received);
            self.resumed += 1;
            return Ok(());
        }
        let changed = |what: &str| {
            Err(Error::Decode(Box::new(DecodeError::new(
                format!("the file changed while it was downloading ({what} is not the same)"),
                opened.status,
                opened.log_id.clone(),
                Vec::new(),
                None,
            ))))
        };
        if let (Some(first), Some(again)) = (self.total_size, opened.total_size) {
            if first != again {
                return changed("its size");
            }
        }
        if let (Some(first), Some(again)) = (&self.etag, &opened.etag) {
            if first != again {
                return changed("its ETag");
            }
        }
        if let (Some(length), Some(rest)) = (self.content_length, opened.content_length) {
            if self.received + rest != length {
                return changed("the length of its rest");
            }
        }
        self.prefix = opened.prefix;
        self.rest = opened.rest;
        self.resumed += 1;
        Ok(())
    }
}

/// An answer judged against the range asked for.
struct Opened {
    status: u16,
    log_id: Option<String>,
    file_name: Option<String>,
    content_type: Option<String>,
    content_length: Option<u64>,
    total_size: Option<u64>,
    etag: Option<http::HeaderValue>,
    /// A 416 saying the file is exactly `start` long: nothing to read.
    empty: bool,
    prefix: Vec<u8>,
    rest: Option<TimedBody>,
}

/// Judges the answer to a download from byte `start`: a `206` must start there, a `416` is an
/// empty body only when the file is exactly `start` long, a whole answer to a ranged request
/// is an error.
fn open(answer: StreamedAnswer, start: u64) -> Result<Opened> {
    let parts = &answer.parts;
    let status = parts.status.as_u16();
    let log_id = log_id(&parts.headers);
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
                 file (HTTP {status}): it does not serve ranges here, or the file changed"
            )));
        }
        _ => (announced, announced, false),
    };
    // Only a strong validator says the bytes are the same (RFC 9110, section 13.1.5).
    let etag = parts
        .headers
        .get(http::header::ETAG)
        .filter(|tag| !tag.as_bytes().starts_with(b"W/"))
        .cloned();
    let (prefix, rest) = if empty {
        (Vec::new(), None)
    } else {
        (answer.prefix, answer.rest)
    };
    Ok(Opened {
        status,
        log_id,
        file_name,
        content_type,
        content_length,
        total_size,
        etag,
        empty,
        prefix,
        rest,
    })
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

/// Opens a download of `endpoint` (see
/// [`FilesExt::download_stream`](crate::FilesExt::download_stream)).
pub(crate) async fn open_stream<H, E>(
    client: &Client<H>,
    endpoint: &E,
    options: DownloadOptions,
) -> Result<DownloadStream>
where
    H: HttpClient + 'static,
    E: Endpoint<Output = Download>,
{
    let start = options.range_start;
    let prepared = Arc::new(client.prepare_download(endpoint, &options.request)?);
    let answer = client.send_download(&prepared, start, None).await?;
    let opened = open(answer, start)?;
    let resume: Option<Box<dyn Resume>> = if options.resumes > 0 {
        Some(Box::new(Resumer {
            client: client.clone(),
            prepared,
        }))
    } else {
        None
    };
    Ok(DownloadStream {
        file_name: opened.file_name,
        content_type: opened.content_type,
        content_length: opened.content_length,
        total_size: opened.total_size,
        start,
        status: opened.status,
        prefix: opened.prefix,
        rest: opened.rest,
        received: 0,
        finished: false,
        on_progress: options.on_progress,
        resume,
        etag: opened.etag,
        max_resumes: options.resumes,
        resumes_left: options.resumes,
        resumed: 0,
    })
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
