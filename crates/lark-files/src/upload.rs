//! Uploads to Drive (`drive/v1/files` and `drive/v1/medias`) of any size.
//!
//! Up to [`UPLOAD_ALL_LIMIT`] a file goes in one `upload_all` request. Above it the upload is
//! prepared (`upload_prepare` names the block size and count), its parts are sent a bounded
//! number at a time (`upload_part`, each with its Adler-32 checksum and each retried on its
//! own), and then finished (`upload_finish`). The parts' progress is an [`UploadState`] that
//! can be saved and handed back to continue after a crash.

use std::collections::BTreeSet;

use futures_util::future::{Either, select};
use futures_util::stream::{FuturesUnordered, StreamExt};
use lark_api::drive::v1::{file, media};
use lark_core::endpoint::{Body, Endpoint, EndpointMeta, File};
use lark_core::{
    BoxFuture, CallHints, Client, DecodeError, Encoded, Error, HttpClient, MaybeSend, MaybeSync,
    RequestOptions, Result,
};

use crate::checksum::adler32;

/// The largest file `upload_all` takes: 20 MiB. Larger ones go in parts.
pub const UPLOAD_ALL_LIMIT: u64 = 20 * 1024 * 1024;

/// The largest block size accepted from `upload_prepare` (the platform's is 4 MiB): memory is
/// parallel × block size, so an answer asking for more is refused rather than followed.
const MAX_BLOCK_SIZE: u64 = 64 * 1024 * 1024;

/// Parts in flight by default.
const DEFAULT_PARALLEL: usize = 3;

/// Parts in flight at most, whatever is asked (the platform allows 5 part requests a second).
const MAX_PARALLEL: usize = 16;

/// Lark codes with which a part may succeed when sent again: `1061001` is the platform's
/// "internal error, including timeouts".
const PART_TRANSIENT_CODES: [i64; 1] = [1_061_001];

/// Where the bytes of an upload come from: any size, read one part at a time.
///
/// The upload reads parts in order, each once (a retried part reuses its bytes), so a source
/// that can only go forward works. The bytes in memory at any time are at most the parts in
/// flight.
pub trait UploadSource: MaybeSend {
    /// The size in bytes.
    fn size(&self) -> u64;

    /// Exactly `len` bytes from `offset`; fewer is an error.
    fn read(&mut self, offset: u64, len: usize) -> BoxFuture<'_, Result<Vec<u8>>>;
}

/// Bytes `offset..offset + len` of `data`, or a clear error.
fn slice_at(data: &[u8], offset: u64, len: usize) -> Result<Vec<u8>> {
    let start = usize::try_from(offset)
        .ok()
        .filter(|start| *start <= data.len());
    let range = start.and_then(|start| Some(start..start.checked_add(len)?));
    match range {
        Some(range) if range.end <= data.len() => Ok(data[range].to_vec()),
        _ => Err(Error::Build(format!(
            "cannot read {len} bytes at offset {offset} of {} bytes",
            data.len()
        ))),
    }
}

impl UploadSource for Vec<u8> {
    fn size(&self) -> u64 {
        self.len() as u64
    }

    fn read(&mut self, offset: u64, len: usize) -> BoxFuture<'_, Result<Vec<u8>>> {
        Box::pin(std::future::ready(slice_at(self, offset, len)))
    }
}

impl UploadSource for &[u8] {
    fn size(&self) -> u64 {
        self.len() as u64
    }

    fn read(&mut self, offset: u64, len: usize) -> BoxFuture<'_, Result<Vec<u8>>> {
        Box::pin(std::future::ready(slice_at(self, offset, len)))
    }
}

/// Bytes in memory as an [`UploadSource`].
#[derive(Clone, Default, PartialEq, Eq)]
pub struct BytesSource {
    data: Vec<u8>,
}

impl BytesSource {
    /// A source holding `data`.
    pub fn new(data: impl Into<Vec<u8>>) -> Self {
        Self { data: data.into() }
    }

    /// The bytes.
    pub fn into_inner(self) -> Vec<u8> {
        self.data
    }
}

impl std::fmt::Debug for BytesSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BytesSource")
            .field("len", &self.data.len())
            .finish()
    }
}

impl UploadSource for BytesSource {
    fn size(&self) -> u64 {
        self.data.len() as u64
    }

    fn read(&mut self, offset: u64, len: usize) -> BoxFuture<'_, Result<Vec<u8>>> {
        Box::pin(std::future::ready(slice_at(&self.data, offset, len)))
    }
}

/// How far an upload has come, reported after each part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct UploadProgress {
    /// Bytes the platform has acknowledged (parts sent before a resume included).
    pub bytes_sent: u64,
    /// The file's size.
    pub total: u64,
    /// Parts acknowledged.
    pub parts_done: u64,
    /// Parts in all (1 for a file sent at once).
    pub parts_total: u64,
}

/// An upload in parts, as far as it has come: save it (it is `Serialize`) from
/// [`Upload::on_state`] and hand it to [`Upload::resume`] to continue after a crash, sending
/// only the parts not yet acknowledged. The platform keeps an upload open for a limited time;
/// an expired one fails with its own error code, and starts again without `resume`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct UploadState {
    /// The platform's id of the upload.
    pub upload_id: String,
    /// The size of every part but the last.
    pub block_size: u64,
    /// The number of parts.
    pub block_num: u64,
    /// The file's size.
    pub size: u64,
    /// The file's name.
    pub file_name: String,
    /// The parts acknowledged (0-based `seq`), in order.
    pub parts_done: Vec<u64>,
}

impl UploadState {
    /// Checks a state handed back against the upload it is to continue.
    fn check(&self, size: u64, file_name: &str) -> Result<()> {
        if self.size != size {
            return Err(Error::Build(format!(
                "the saved upload state is for {} bytes, the source has {size}",
                self.size
            )));
        }
        if self.file_name != file_name {
            return Err(Error::Build(format!(
                "the saved upload state is for `{}`, not `{file_name}`",
                self.file_name.escape_debug()
            )));
        }
        check_blocks(&self.upload_id, self.block_size, self.block_num, size)
            .map_err(Error::Build)?;
        if let Some(seq) = self.parts_done.iter().find(|seq| **seq >= self.block_num) {
            return Err(Error::Build(format!(
                "the saved upload state names part {seq} of {}",
                self.block_num
            )));
        }
        Ok(())
    }

    /// The byte range of part `seq`.
    fn part(&self, seq: u64) -> (u64, u64) {
        let offset = seq * self.block_size;
        (offset, self.block_size.min(self.size - offset))
    }
}

/// Whether `upload_prepare`'s answer (or a saved state) describes a usable upload of `size`.
fn check_blocks(
    upload_id: &str,
    block_size: u64,
    block_num: u64,
    size: u64,
) -> std::result::Result<(), String> {
    if upload_id.is_empty() {
        return Err("no upload_id".to_owned());
    }
    if block_size == 0 || block_size > MAX_BLOCK_SIZE {
        return Err(format!(
            "block_size {block_size} is outside 1..={MAX_BLOCK_SIZE}"
        ));
    }
    if block_num != size.div_ceil(block_size) {
        return Err(format!(
            "block_num {block_num} does not cover {size} bytes in blocks of {block_size}"
        ));
    }
    Ok(())
}

/// Whether the upload goes to `drive/v1/files` or `drive/v1/medias`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    File,
    Media,
}

/// The answer of `upload_prepare`, as the upload reads it.
struct Prepared {
    upload_id: Option<String>,
    block_size: Option<i64>,
    block_num: Option<i64>,
}

/// The answer of any upload step (files' or medias' `upload_all`, `upload_prepare`,
/// `upload_part`, `upload_finish`): the fields the upload reads, with the generated answers'
/// types. One type for the four, so one copy of the send path (see [`Call`]).
#[derive(serde::Deserialize)]
struct StepAnswer {
    file_token: Option<String>,
    upload_id: Option<String>,
    block_size: Option<i64>,
    block_num: Option<i64>,
}

/// A generated upload endpoint without its answer type, so the eight of them (files' and
/// medias' four steps) share the send path: each endpoint type sent is a copy of the whole
/// send path (retry loop, tokens, decoding) in a wasm build, about 3 KB gzip.
trait Call: MaybeSync {
    fn meta(&self) -> &EndpointMeta;
    fn path(&self) -> Result<String>;
    fn query(&self, query: &mut Vec<(&'static str, String)>);
    fn headers(&self, headers: &mut http::HeaderMap) -> Result<()>;
    fn body(&self) -> Result<Body>;
}

impl<E: Endpoint + MaybeSync> Call for E {
    fn meta(&self) -> &EndpointMeta {
        Endpoint::meta(self)
    }
    fn path(&self) -> Result<String> {
        Endpoint::path(self)
    }
    fn query(&self, query: &mut Vec<(&'static str, String)>) {
        Endpoint::query(self, query);
    }
    fn headers(&self, headers: &mut http::HeaderMap) -> Result<()> {
        Endpoint::headers(self, headers)
    }
    fn body(&self) -> Result<Body> {
        Endpoint::body(self)
    }
}

/// `call`, answered as a [`StepAnswer`].
struct Step<'a>(&'a dyn Call);

impl Endpoint for Step<'_> {
    type Output = StepAnswer;

    fn meta(&self) -> &EndpointMeta {
        self.0.meta()
    }
    fn path(&self) -> Result<String> {
        self.0.path()
    }
    fn query(&self, query: &mut Vec<(&'static str, String)>) {
        self.0.query(query);
    }
    fn headers(&self, headers: &mut http::HeaderMap) -> Result<()> {
        self.0.headers(headers)
    }
    fn body(&self) -> Result<Body> {
        self.0.body()
    }
}

/// Sends `call` with `hints`.
async fn send<H: HttpClient>(
    client: &Client<H>,
    call: &dyn Call,
    options: &RequestOptions,
    hints: CallHints<'_>,
) -> Result<StepAnswer> {
    client.send_hinted(&Step(call), options, hints).await
}

/// A size or a part number as the generated endpoints take it.
fn signed(n: u64, what: &str) -> Result<i64> {
    i64::try_from(n).map_err(|_| Error::Build(format!("the upload's {what} {n} is too large")))
}

/// The file part of a generated upload endpoint, which is not sent: the part is the block
/// itself, encoded by [`Upload::form`] around it in place and sent with
/// [`CallHints::body`] (the endpoint's own body would copy it).
fn unsent_part() -> File {
    File::default()
}

impl Kind {
    /// `upload_all`; `form` holds the fields and the file. Not idempotent: a second copy would
    /// make a second file.
    async fn upload_all<H: HttpClient>(
        self,
        client: &Client<H>,
        upload: &Upload,
        size: u64,
        checksum: &str,
        form: Encoded,
    ) -> Result<Option<String>> {
        let hints = CallHints::new().body(form);
        let (name, parent, node) = upload.names();
        let size = signed(size, "size")?;
        match self {
            Kind::File => {
                let call = file::UploadAll::new(name, parent, node, size, unsent_part())
                    .checksum(checksum);
                let answer = send(client, &call, &upload.options, hints).await?;
                Ok(answer.file_token)
            }
            Kind::Media => {
                let mut call = media::UploadAll::new(name, parent, node, size, unsent_part())
                    .checksum(checksum);
                if let Some(extra) = &upload.extra {
                    call = call.extra(extra);
                }
                let answer = send(client, &call, &upload.options, hints).await?;
                Ok(answer.file_token)
            }
        }
    }

    /// `upload_prepare`. A second copy only opens another upload, which expires unused: safe
    /// to retry.
    async fn prepare<H: HttpClient>(
        self,
        client: &Client<H>,
        upload: &Upload,
        size: u64,
    ) -> Result<Prepared> {
        let hints = CallHints::new().idempotent(true);
        let (name, parent, node) = upload.names();
        let size = signed(size, "size")?;
        let answer = match self {
            Kind::File => {
                let call = file::UploadPrepare::new(name, parent, node, size);
                send(client, &call, &upload.options, hints).await?
            }
            Kind::Media => {
                let mut call = media::UploadPrepare::new(name, parent, node, size);
                if let Some(extra) = &upload.extra {
                    call = call.extra(extra);
                }
                send(client, &call, &upload.options, hints).await?
            }
        };
        Ok(Prepared {
            upload_id: answer.upload_id,
            block_size: answer.block_size,
            block_num: answer.block_num,
        })
    }

    /// `upload_part`; `form` holds the fields and the block. A part sent twice replaces
    /// itself, so it is retried like an idempotent call, and on the platform's transient codes.
    async fn part<H: HttpClient>(
        self,
        client: &Client<H>,
        upload: &Upload,
        part: (&str, u64, u64, &str),
        form: Encoded,
    ) -> Result<()> {
        let (upload_id, seq, size, checksum) = part;
        let hints = CallHints::new()
            .body(form)
            .idempotent(true)
            .transient_codes(&PART_TRANSIENT_CODES);
        let (seq, size) = (signed(seq, "part number")?, signed(size, "part size")?);
        match self {
            Kind::File => {
                let call =
                    file::UploadPart::new(upload_id, seq, size, unsent_part()).checksum(checksum);
                send(client, &call, &upload.options, hints).await?;
            }
            Kind::Media => {
                let call =
                    media::UploadPart::new(upload_id, seq, size, unsent_part()).checksum(checksum);
                send(client, &call, &upload.options, hints).await?;
            }
        }
        Ok(())
    }

    /// `upload_finish`. Not idempotent: a second copy may make a second file.
    async fn finish<H: HttpClient>(
        self,
        client: &Client<H>,
        upload: &Upload,
        upload_id: &str,
        block_num: u64,
    ) -> Result<Option<String>> {
        let hints = CallHints::new();
        let block_num = signed(block_num, "block_num")?;
        match self {
            Kind::File => {
                let call = file::UploadFinish::new(upload_id, block_num);
                let answer = send(client, &call, &upload.options, hints).await?;
                Ok(answer.file_token)
            }
            Kind::Media => {
                let call = media::UploadFinish::new(upload_id, block_num);
                let answer = send(client, &call, &upload.options, hints).await?;
                Ok(answer.file_token)
            }
        }
    }
}

/// A progress callback.
trait ProgressFn: Fn(UploadProgress) + MaybeSend + MaybeSync {}
impl<F: Fn(UploadProgress) + MaybeSend + MaybeSync> ProgressFn for F {}

/// A state callback.
trait StateFn: Fn(&UploadState) + MaybeSend + MaybeSync {}
impl<F: Fn(&UploadState) + MaybeSend + MaybeSync> StateFn for F {}

/// An upload to Drive, sent with [`FilesExt::upload`](crate::FilesExt::upload).
#[must_use]
pub struct Upload {
    kind: Kind,
    file_name: String,
    parent_type: String,
    parent_node: String,
    extra: Option<String>,
    content_type: Option<String>,
    parallel: usize,
    threshold: u64,
    options: RequestOptions,
    on_progress: Option<Box<dyn ProgressFn>>,
    on_state: Option<Box<dyn StateFn>>,
    resume: Option<UploadState>,
}

impl std::fmt::Debug for Upload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upload")
            .field("kind", &self.kind)
            .field("file_name", &self.file_name)
            .field("parent_type", &self.parent_type)
            .field("parent_node", &self.parent_node)
            .field("extra", &self.extra)
            .field("parallel", &self.parallel)
            .field("multipart_threshold", &self.threshold)
            .field("resume", &self.resume)
            .finish_non_exhaustive()
    }
}

impl Upload {
    fn new(
        kind: Kind,
        file_name: impl Into<String>,
        parent_type: impl Into<String>,
        parent_node: impl Into<String>,
    ) -> Self {
        Self {
            kind,
            file_name: file_name.into(),
            parent_type: parent_type.into(),
            parent_node: parent_node.into(),
            extra: None,
            content_type: None,
            parallel: DEFAULT_PARALLEL,
            threshold: UPLOAD_ALL_LIMIT,
            options: RequestOptions::default(),
            on_progress: None,
            on_state: None,
            resume: None,
        }
    }

    /// A file for Drive (`drive/v1/files`) named `file_name`, into the folder `parent_node`
    /// (`parent_type` `explorer`).
    pub fn file(
        file_name: impl Into<String>,
        parent_type: impl Into<String>,
        parent_node: impl Into<String>,
    ) -> Self {
        Self::new(Kind::File, file_name, parent_type, parent_node)
    }

    /// A media file (`drive/v1/medias`): an image or attachment of a doc, sheet or base;
    /// `parent_type` says which (`docx_image`, `bitable_file`, …) and `parent_node` where.
    pub fn media(
        file_name: impl Into<String>,
        parent_type: impl Into<String>,
        parent_node: impl Into<String>,
    ) -> Self {
        Self::new(Kind::Media, file_name, parent_type, parent_node)
    }

    /// Sets the media upload's `extra` (JSON the platform defines per `parent_type`). A file
    /// upload with it is an [`Error::Build`].
    pub fn extra(mut self, extra: impl Into<String>) -> Self {
        self.extra = Some(extra.into());
        self
    }

    /// Sets the content type of the file's parts; `application/octet-stream` by default.
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// Sets how many parts are in flight at once: 3 by default, between 1 and 16. Memory is
    /// at most this many blocks (4 MiB each on the platform), twice over while a part is
    /// being sent.
    pub fn parallel(mut self, parts: usize) -> Self {
        self.parallel = parts.clamp(1, MAX_PARALLEL);
        self
    }

    /// Sets the size above which the file goes in parts: [`UPLOAD_ALL_LIMIT`] (20 MiB) by
    /// default and at most, since `upload_all` refuses more.
    pub fn multipart_threshold(mut self, bytes: u64) -> Self {
        self.threshold = bytes.min(UPLOAD_ALL_LIMIT);
        self
    }

    /// Sets the request options of every call (a user access token, a tenant key, headers,
    /// the per-request timeout and retry policy; a retry policy applies to each part alone).
    pub fn options(mut self, options: RequestOptions) -> Self {
        self.options = options;
        self
    }

    /// Calls `progress` after each part the platform acknowledges (and once at the start of
    /// an upload in parts).
    pub fn on_progress(
        mut self,
        progress: impl Fn(UploadProgress) + MaybeSend + MaybeSync + 'static,
    ) -> Self {
        self.on_progress = Some(Box::new(progress));
        self
    }

    /// Calls `save` with the upload's state after `upload_prepare` and after each part, for
    /// [`Upload::resume`] after a crash. Not called for a file sent at once.
    pub fn on_state(
        mut self,
        save: impl Fn(&UploadState) + MaybeSend + MaybeSync + 'static,
    ) -> Self {
        self.on_state = Some(Box::new(save));
        self
    }

    /// Continues the upload `state` describes instead of preparing a new one: only the parts
    /// it does not list as done are sent. The source must be the same file.
    pub fn resume(mut self, state: UploadState) -> Self {
        self.resume = Some(state);
        self
    }

    fn check(&self) -> Result<()> {
        if self.file_name.is_empty() {
            return Err(Error::Build("the upload's file name is empty".to_owned()));
        }
        let headers = [
            ("file name", Some(&self.file_name)),
            ("content type", self.content_type.as_ref()),
        ];
        for (what, value) in headers {
            if value.is_some_and(|v| v.contains(['\r', '\n'])) {
                return Err(Error::Build(format!(
                    "the upload's {what} contains a line break"
                )));
            }
        }
        if self.kind == Kind::File && self.extra.is_some() {
            return Err(Error::Build(
                "`extra` belongs to media uploads (Upload::media), not Drive files".to_owned(),
            ));
        }
        Ok(())
    }

    /// A `multipart/form-data` body of the text `fields` and a file part holding `data`,
    /// built around `data` in place: the block is never copied.
    fn form(&self, fields: &[(&str, &str)], data: Vec<u8>, checksum: u32) -> Encoded {
        use std::fmt::Write as _;
        let boundary = boundary_for(&data, fields, checksum);
        let mut head = String::new();
        for (name, value) in fields {
            let _ = write!(
                head,
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            );
        }
        let content_type = self
            .content_type
            .as_deref()
            .unwrap_or("application/octet-stream");
        let _ = write!(
            head,
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\n\
             Content-Type: {content_type}\r\n\r\n",
            self.file_name.replace('"', "%22")
        );
        let tail = format!("\r\n--{boundary}--\r\n");
        let mut bytes = data;
        // One move of the block within its own allocation, grown in place where it can be.
        bytes.reserve_exact(head.len() + tail.len());
        bytes.splice(0..0, head.into_bytes());
        bytes.extend_from_slice(tail.as_bytes());
        Encoded::new(format!("multipart/form-data; boundary={boundary}"), bytes)
    }

    /// The file name, parent type and parent node, as the endpoints take them.
    fn names(&self) -> (&str, &str, &str) {
        (&self.file_name, &self.parent_type, &self.parent_node)
    }

    fn report(&self, progress: UploadProgress) {
        if let Some(report) = &self.on_progress {
            report(progress);
        }
    }
}

/// A boundary that occurs neither in `data` nor in a field: derived from the data's checksum,
/// changed until it fits (a block of n bytes holds fewer than n + 1 candidates).
pub(crate) fn boundary_for(data: &[u8], fields: &[(&str, &str)], checksum: u32) -> String {
    let mut attempt = 0u64;
    loop {
        let boundary = format!("lark-part-{checksum:08x}-{attempt:x}");
        let clash = contains(data, boundary.as_bytes())
            || fields.iter().any(|(_, value)| value.contains(&boundary));
        if !clash {
            return boundary;
        }
        attempt += 1;
    }
}

/// Whether `needle` (not empty) occurs in `haystack`: a scan for its first byte, then a compare.
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    let Some((&first, rest)) = needle.split_first() else {
        return true;
    };
    let mut at = 0;
    while let Some(found) = haystack[at..].iter().position(|&b| b == first) {
        let start = at + found;
        if haystack[start + 1..].starts_with(rest) {
            return true;
        }
        at = start + 1;
    }
    false
}

/// A finished upload.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Uploaded {
    /// The new file's token.
    pub file_token: String,
    /// Its size.
    pub size: u64,
    /// The parts it went in; 0 when it went at once (`upload_all`).
    pub parts: u64,
}

/// The parts of an upload in flight: which are done, and what to report.
struct Parts<'u> {
    upload: &'u Upload,
    state: UploadState,
    done: BTreeSet<u64>,
    bytes_sent: u64,
    /// The next `seq` to look at for sending.
    next: u64,
}

impl Parts<'_> {
    fn progress(&self) -> UploadProgress {
        UploadProgress {
            bytes_sent: self.bytes_sent,
            total: self.state.size,
            parts_done: self.done.len() as u64,
            parts_total: self.state.block_num,
        }
    }

    /// The next part not yet done.
    fn next_pending(&mut self) -> Option<u64> {
        while self.next < self.state.block_num {
            let seq = self.next;
            self.next += 1;
            if !self.done.contains(&seq) {
                return Some(seq);
            }
        }
        None
    }

    /// Records a part's outcome: saved, reported, or the error that ends the upload.
    fn finished(&mut self, (seq, result): (u64, Result<()>)) -> Result<()> {
        result?;
        if self.done.insert(seq) {
            self.bytes_sent += self.state.part(seq).1;
            self.state.parts_done = self.done.iter().copied().collect();
        }
        if let Some(save) = &self.upload.on_state {
            save(&self.state);
        }
        self.upload.report(self.progress());
        Ok(())
    }
}

fn missing_token(what: &str) -> Error {
    Error::Decode(Box::new(DecodeError::new(
        format!("the answer of {what} has no file_token"),
        200,
        None,
        Vec::new(),
        None,
    )))
}

/// Reads exactly `len` bytes at `offset`.
async fn read_exact(source: &mut dyn UploadSource, offset: u64, len: u64) -> Result<Vec<u8>> {
    let wanted = usize::try_from(len)
        .map_err(|_| Error::Build(format!("a part of {len} bytes does not fit in memory")))?;
    let data = source.read(offset, wanted).await?;
    if data.len() != wanted {
        return Err(Error::Build(format!(
            "the upload source gave {} bytes at offset {offset}, not {wanted}",
            data.len()
        )));
    }
    Ok(data)
}

/// Uploads `source` as `upload` describes (see [`FilesExt::upload`](crate::FilesExt::upload)).
pub(crate) async fn run<H: HttpClient>(
    client: &Client<H>,
    upload: Upload,
    source: &mut dyn UploadSource,
) -> Result<Uploaded> {
    upload.check()?;
    let size = source.size();
    if upload.resume.is_none() && size <= upload.threshold {
        return upload_whole(client, &upload, source, size).await;
    }
    upload_in_parts(client, upload, source, size).await
}

async fn upload_whole<H: HttpClient>(
    client: &Client<H>,
    upload: &Upload,
    source: &mut dyn UploadSource,
    size: u64,
) -> Result<Uploaded> {
    let data = read_exact(source, 0, size).await?;
    let checksum = adler32(&data);
    let (size_text, checksum_text) = (size.to_string(), checksum.to_string());
    let mut fields = vec![
        ("file_name", upload.file_name.as_str()),
        ("parent_type", upload.parent_type.as_str()),
        ("parent_node", upload.parent_node.as_str()),
        ("size", size_text.as_str()),
        ("checksum", checksum_text.as_str()),
    ];
    if let Some(extra) = &upload.extra {
        fields.push(("extra", extra.as_str()));
    }
    let form = upload.form(&fields, data, checksum);
    let file_token = upload
        .kind
        .upload_all(client, upload, size, &checksum_text, form)
        .await?
        .filter(|token| !token.is_empty())
        .ok_or_else(|| missing_token("upload_all"))?;
    upload.report(UploadProgress {
        bytes_sent: size,
        total: size,
        parts_done: 1,
        parts_total: 1,
    });
    Ok(Uploaded {
        file_token,
        size,
        parts: 0,
    })
}

async fn prepare<H: HttpClient>(
    client: &Client<H>,
    upload: &Upload,
    size: u64,
) -> Result<UploadState> {
    let answer = upload.kind.prepare(client, upload, size).await?;
    let bad = |message: String| {
        Error::Decode(Box::new(DecodeError::new(
            format!("the answer of upload_prepare is unusable: {message}"),
            200,
            None,
            Vec::new(),
            None,
        )))
    };
    let upload_id = answer.upload_id.unwrap_or_default();
    let block_size = answer
        .block_size
        .and_then(|n| u64::try_from(n).ok())
        .ok_or_else(|| bad("no block_size".to_owned()))?;
    let block_num = answer
        .block_num
        .and_then(|n| u64::try_from(n).ok())
        .ok_or_else(|| bad("no block_num".to_owned()))?;
    check_blocks(&upload_id, block_size, block_num, size).map_err(bad)?;
    Ok(UploadState {
        upload_id,
        block_size,
        block_num,
        size,
        file_name: upload.file_name.clone(),
        parts_done: Vec::new(),
    })
}

async fn upload_in_parts<H: HttpClient>(
    client: &Client<H>,
    mut upload: Upload,
    source: &mut dyn UploadSource,
    size: u64,
) -> Result<Uploaded> {
    let state = match upload.resume.take() {
        Some(state) => {
            state.check(size, &upload.file_name)?;
            state
        }
        None => {
            let state = prepare(client, &upload, size).await?;
            if let Some(save) = &upload.on_state {
                save(&state);
            }
            state
        }
    };
    let upload = &upload;
    let upload_id = state.upload_id.clone();
    let done: BTreeSet<u64> = state.parts_done.iter().copied().collect();
    let bytes_sent = done.iter().map(|seq| state.part(*seq).1).sum();
    let mut parts = Parts {
        upload,
        state,
        done,
        bytes_sent,
        next: 0,
    };
    upload.report(parts.progress());

    let mut in_flight = FuturesUnordered::new();
    loop {
        while in_flight.len() < upload.parallel {
            let Some(seq) = parts.next_pending() else {
                break;
            };
            let (offset, len) = parts.state.part(seq);
            // The parts in flight keep moving while the source reads.
            let mut reading = Box::pin(read_exact(source, offset, len));
            let data = loop {
                match select(reading, in_flight.next()).await {
                    Either::Left((data, _)) => break data?,
                    Either::Right((Some(outcome), still_reading)) => {
                        parts.finished(outcome)?;
                        reading = still_reading;
                    }
                    Either::Right((None, still_reading)) => break still_reading.await?,
                }
            };
            in_flight.push(send_part(client, upload, &upload_id, seq, data));
        }
        match in_flight.next().await {
            Some(outcome) => parts.finished(outcome)?,
            None => break,
        }
    }

    let block_num = parts.state.block_num;
    let file_token = upload
        .kind
        .finish(client, upload, &upload_id, block_num)
        .await?
        .filter(|token| !token.is_empty())
        .ok_or_else(|| missing_token("upload_finish"))?;
    Ok(Uploaded {
        file_token,
        size,
        parts: block_num,
    })
}

/// Sends part `seq`; a part sent twice replaces itself, so it is retried like an
/// idempotent call.
async fn send_part<H: HttpClient>(
    client: &Client<H>,
    upload: &Upload,
    upload_id: &str,
    seq: u64,
    data: Vec<u8>,
) -> (u64, Result<()>) {
    let checksum = adler32(&data);
    let (seq_text, size_text, checksum_text) = (
        seq.to_string(),
        data.len().to_string(),
        checksum.to_string(),
    );
    let fields = [
        ("upload_id", upload_id),
        ("seq", seq_text.as_str()),
        ("size", size_text.as_str()),
        ("checksum", checksum_text.as_str()),
    ];
    let size = data.len() as u64;
    let form = upload.form(&fields, data, checksum);
    let result = upload
        .kind
        .part(client, upload, (upload_id, seq, size, &checksum_text), form)
        .await;
    (seq, result)
}
