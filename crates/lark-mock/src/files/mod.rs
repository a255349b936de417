//! Drive files and medias: `upload_all`, the three-step upload (`upload_prepare` →
//! `upload_part` × n → `upload_finish`) and downloads served in chunks with `Range`.
//!
//! The same handlers serve `/open-apis/drive/v1/files/…` and `/open-apis/drive/v1/medias/…`;
//! uploads and stored files remember which of the two they came through.
//!
//! Upload ids and file tokens the mock hands out carry a prefix ([`UPLOAD_ID_PREFIX`],
//! [`FILE_TOKEN_PREFIX`]). A request naming one it does not know (forgotten, or never issued) is
//! refused with the platform's code; a request naming an id of another shape is one the mock
//! cannot track, and the spec-driven handler answers it as it answers every catalog endpoint.
//! Likewise `upload_all` holds `size` to the bytes only when a `checksum` comes with it (the
//! SDK's upload always sends one).

use std::collections::{BTreeMap, HashMap};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use serde_json::{Value, json};

pub(crate) mod store;

pub use store::MockFile;
use store::{Area, FilesData, PartFault, PendingUpload, Stored};

use crate::auth::{self, Caller, Kind};
use crate::fault::Fault;
use crate::mock::MockServer;
use crate::reply::{HandlerResult, LarkError, success};
use crate::state::Shared;

/// The prefix of every upload id the mock issues.
pub(crate) const UPLOAD_ID_PREFIX: &str = "mockupl";
/// The prefix of every file token the mock issues.
pub(crate) const FILE_TOKEN_PREFIX: &str = "boxmock";

/// The longest file name the platform accepts.
const MAX_FILE_NAME_CHARS: usize = 250;

/// The drive error codes (HTTP 400 unless noted).
pub mod drive_codes {
    /// A parameter is missing or malformed, or `block_num` does not match the upload.
    pub const PARAMS_ERROR: i64 = 1_061_002;
    /// An unknown file token (HTTP 404).
    pub const NOT_FOUND: i64 = 1_061_003;
    /// The upload id has expired.
    pub const UPLOAD_ID_EXPIRED: i64 = 1_061_021;
    /// The file is larger than `upload_all` accepts (20 MiB).
    pub const FILE_SIZE_BEYOND_LIMIT: i64 = 1_061_043;
    /// Internal error; the platform answers it for transient failures (retryable).
    pub const INTERNAL_ERROR: i64 = 1_061_001;
    /// The upload was prepared by another caller.
    pub const UPLOAD_USER_NOT_MATCH: i64 = 1_062_007;
    /// The Adler-32 `checksum` does not match the bytes.
    pub const CHECKSUM_INVALID: i64 = 1_062_008;
    /// The bytes sent are not as many as `size` says, or a block is not the size it must be.
    pub const SIZE_MISMATCH: i64 = 1_062_009;
    /// `upload_finish` before every block arrived.
    pub const BLOCK_MISSING: i64 = 1_062_010;
    /// A `seq` outside `0..block_num`.
    pub const BLOCK_NUM_OUT_OF_BOUNDS: i64 = 1_062_011;
}

use drive_codes as codes;

/// Adds the drive routes.
pub(crate) fn routes(router: Router<Arc<Shared>>) -> Router<Arc<Shared>> {
    ["files", "medias"]
        .into_iter()
        .fold(router, |router, area| {
            let base = format!("/open-apis/drive/v1/{area}");
            // The dispatch has read the body already, within its own limit; axum's 2 MB
            // default would refuse a 4 MiB block.
            let unlimited = DefaultBodyLimit::disable;
            router
                .route(
                    &format!("{base}/upload_all"),
                    post(upload_all).layer(unlimited()),
                )
                .route(&format!("{base}/upload_prepare"), post(upload_prepare))
                .route(
                    &format!("{base}/upload_part"),
                    post(upload_part).layer(unlimited()),
                )
                .route(&format!("{base}/upload_finish"), post(upload_finish))
                .route(&format!("{base}/{{file_token}}/download"), get(download))
        })
}

// ----- helpers -----

fn params_error(detail: impl std::fmt::Display) -> LarkError {
    LarkError::bad(codes::PARAMS_ERROR, format!("params error: {detail}"))
}

fn caller_of(shared: &Shared, headers: &HeaderMap, path: &str) -> Result<Caller, LarkError> {
    auth::check(shared, headers, path, &[Kind::Tenant, Kind::User])
}

/// Adler-32 (RFC 1950) of `data`, computed here rather than borrowed from lark-core so the mock
/// can tell when the SDK's is wrong.
pub(crate) fn adler32(data: &[u8]) -> u32 {
    const MOD: u32 = 65_521;
    let (mut a, mut b) = (1u32, 0u32);
    // 5552 bytes is the most that can be summed before `b` may overflow a u32.
    for chunk in data.chunks(5552) {
        for &byte in chunk {
            a += u32::from(byte);
            b += a;
        }
        a %= MOD;
        b %= MOD;
    }
    (b << 16) | a
}

/// Checks a decimal Adler-32 `checksum` field against `bytes`.
fn check_checksum(checksum: Option<&str>, bytes: &[u8]) -> Result<(), LarkError> {
    let Some(given) = checksum else {
        return Ok(());
    };
    let actual = adler32(bytes);
    match given.trim().parse::<u32>() {
        Ok(value) if value == actual => Ok(()),
        Ok(value) => Err(LarkError::bad(
            codes::CHECKSUM_INVALID,
            format!(
                "checksum param Invalid: {value} is given, the Adler-32 of the {} bytes is {actual}",
                bytes.len()
            ),
        )),
        Err(_) => Err(LarkError::bad(
            codes::CHECKSUM_INVALID,
            format!("checksum param Invalid: `{given}` is not a decimal Adler-32"),
        )),
    }
}

/// A `multipart/form-data` body: its text fields and its file parts, by name.
#[derive(Debug, Default)]
pub(crate) struct Form {
    fields: HashMap<String, String>,
    parts: HashMap<String, (Bytes, Option<String>)>,
}

impl Form {
    fn text(&self, key: &str) -> Result<&str, LarkError> {
        self.field(key)
            .ok_or_else(|| params_error(format!("form field `{key}` is required")))
    }

    /// The text field `key`, when present and not empty.
    pub(crate) fn field(&self, key: &str) -> Option<&str> {
        self.fields
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// The file part `name`: its bytes and declared content type.
    pub(crate) fn part(&self, name: &str) -> Option<&(Bytes, Option<String>)> {
        self.parts.get(name)
    }

    fn number(&self, key: &str) -> Result<u64, LarkError> {
        let text = self.text(key)?;
        text.trim().parse().map_err(|_| {
            params_error(format!(
                "form field `{key}` must be a whole number, not `{text}`"
            ))
        })
    }

    fn file(&self) -> Result<&(Bytes, Option<String>), LarkError> {
        self.part("file")
            .ok_or_else(|| params_error("form field `file` (a file part) is required"))
    }
}

async fn read_form(headers: &HeaderMap, body: Bytes) -> Result<Form, LarkError> {
    parse_form(headers, body).await.map_err(params_error)
}

/// Reads a `multipart/form-data` body; errors say what is wrong with it.
pub(crate) async fn parse_form(headers: &HeaderMap, body: Bytes) -> Result<Form, String> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let boundary = multer::parse_boundary(content_type)
        .map_err(|e| format!("the body is not multipart/form-data: {e}"))?;
    let stream = futures_util::stream::once(async move { Ok::<_, Infallible>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut form = Form::default();
    let malformed = |e: multer::Error| format!("the multipart body is malformed: {e}");
    while let Some(field) = multipart.next_field().await.map_err(malformed)? {
        let name = field
            .name()
            .ok_or_else(|| "a form part has no name".to_owned())?
            .to_owned();
        if field.file_name().is_some() {
            let content_type = field.content_type().map(ToString::to_string);
            let bytes = field.bytes().await.map_err(malformed)?;
            form.parts.insert(name, (bytes, content_type));
        } else {
            let text = field.text().await.map_err(malformed)?;
            form.fields.insert(name, text);
        }
    }
    Ok(form)
}

fn json_object(body: &[u8]) -> Result<serde_json::Map<String, Value>, LarkError> {
    match serde_json::from_slice(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(params_error("the body must be a JSON object")),
        Err(e) => Err(params_error(format!("the body is not valid JSON: {e}"))),
    }
}

fn json_str<'a>(map: &'a serde_json::Map<String, Value>, key: &str) -> Result<&'a str, LarkError> {
    map.get(key)
        .and_then(Value::as_str)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| params_error(format!("`{key}` is required and must be a string")))
}

fn json_u64(map: &serde_json::Map<String, Value>, key: &str) -> Result<u64, LarkError> {
    map.get(key)
        .and_then(Value::as_u64)
        .ok_or_else(|| params_error(format!("`{key}` is required and must be a whole number")))
}

fn check_file_name(file_name: &str) -> Result<(), LarkError> {
    if file_name.chars().count() > MAX_FILE_NAME_CHARS {
        return Err(params_error(format!(
            "file_name is longer than {MAX_FILE_NAME_CHARS} characters"
        )));
    }
    Ok(())
}

/// The content type of a stored file: the one its part declared, else one guessed from the name.
fn content_type_for(name: &str, declared: Option<&str>) -> String {
    if let Some(declared) = declared.filter(|t| !t.eq_ignore_ascii_case("application/octet-stream"))
    {
        return declared.to_owned();
    }
    let extension = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    match extension.as_deref() {
        Some("txt" | "md" | "csv" | "log") => "text/plain",
        Some("json") => "application/json",
        Some("html" | "htm") => "text/html",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("pdf") => "application/pdf",
        Some("zip") => "application/zip",
        Some("mp4") => "video/mp4",
        Some("mp3") => "audio/mpeg",
        _ => "application/octet-stream",
    }
    .to_owned()
}

fn store(shared: &Shared, files: &mut FilesData, stored: Stored) -> String {
    let token = shared.new_id(FILE_TOKEN_PREFIX);
    files.stored.insert(token.clone(), stored);
    token
}

// ----- upload_all -----

/// `POST /open-apis/drive/v1/{files,medias}/upload_all`.
async fn upload_all(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> HandlerResult {
    let area = Area::of(uri.path());
    caller_of(&shared, &headers, uri.path())?;
    let form = read_form(&headers, body).await?;
    let file_name = form.text("file_name")?;
    let parent_type = form.text("parent_type")?;
    let parent_node = form.text("parent_node")?;
    let size = form.number("size")?;
    let (bytes, declared_type) = form.file()?;
    check_file_name(file_name)?;
    let limit = shared.files.data().settings.upload_all_limit;
    if size > limit || bytes.len() as u64 > limit {
        return Err(LarkError::bad(
            codes::FILE_SIZE_BEYOND_LIMIT,
            format!(
                "file size beyond limit: upload_all takes at most {limit} bytes; use upload_prepare"
            ),
        ));
    }
    let checksum = form.fields.get("checksum").map(String::as_str);
    // With a checksum (the SDK's upload always sends one) the declared size must be the
    // bytes' too. Without one the call is taken at its word, as the spec-driven handler takes
    // any well-formed call: the generated every-endpoint test sends a sample size.
    if checksum.is_some() && bytes.len() as u64 != size {
        return Err(LarkError::bad(
            codes::SIZE_MISMATCH,
            format!(
                "the actual size is inconsistent with the parameter declaration size: size is {size}, the file has {} bytes",
                bytes.len()
            ),
        ));
    }
    check_checksum(checksum, bytes)?;
    let stored = Stored {
        name: file_name.to_owned(),
        content_type: content_type_for(file_name, declared_type.as_deref()),
        parent_type: parent_type.to_owned(),
        parent_node: parent_node.to_owned(),
        area,
        bytes: bytes.clone(),
    };
    let token = store(&shared, &mut shared.files.data(), stored);
    Ok(success(json!({ "file_token": token })))
}

// ----- the three-step upload -----

/// `POST /open-apis/drive/v1/{files,medias}/upload_prepare`.
async fn upload_prepare(
    State(shared): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> HandlerResult {
    let area = Area::of(uri.path());
    let caller = caller_of(&shared, &headers, uri.path())?;
    let map = json_object(&body)?;
    let file_name = json_str(&map, "file_name")?;
    let parent_type = json_str(&map, "parent_type")?;
    let parent_node = json_str(&map, "parent_node")?;
    let size = json_u64(&map, "size")?;
    check_file_name(file_name)?;
    let upload_id = shared.new_id(UPLOAD_ID_PREFIX);
    let mut files = shared.files.data();
    let block_size = files.settings.block_size;
    let block_num = size.div_ceil(block_size);
    let expires_at = Instant::now() + files.settings.upload_ttl;
    files.uploads.insert(
        upload_id.clone(),
        PendingUpload {
            area,
            caller: caller.key(),
            file_name: file_name.to_owned(),
            parent_type: parent_type.to_owned(),
            parent_node: parent_node.to_owned(),
            size,
            block_size,
            block_num,
            parts: BTreeMap::new(),
            expires_at,
        },
    );
    Ok(success(json!({
        "upload_id": upload_id,
        "block_size": block_size,
        "block_num": block_num,
    })))
}

/// Finds a pending upload the caller may continue. `Ok(None)`: an id the mock does not track.
fn pending<'a>(
    files: &'a mut FilesData,
    upload_id: &str,
    area: Area,
    caller: &Caller,
) -> Result<Option<&'a mut PendingUpload>, LarkError> {
    let Some(upload) = files.uploads.get_mut(upload_id) else {
        if upload_id.starts_with(UPLOAD_ID_PREFIX) {
            return Err(params_error(format!(
                "upload_id {upload_id} is unknown (finished or never prepared)"
            )));
        }
        return Ok(None);
    };
    if upload.expires_at <= Instant::now() {
        return Err(LarkError::bad(
            codes::UPLOAD_ID_EXPIRED,
            "upload id expire. Start the upload again with upload_prepare.",
        ));
    }
    if upload.area != area {
        return Err(params_error(format!(
            "upload_id {upload_id} was prepared through the other drive resource"
        )));
    }
    if upload.caller != caller.key() {
        return Err(LarkError::bad(
            codes::UPLOAD_USER_NOT_MATCH,
            "upload user not match: the upload was prepared by another caller",
        ));
    }
    Ok(Some(upload))
}

/// What a part fault makes of a part request.
enum PartOutcome {
    /// Answer with this; the part is not stored.
    Answer(Response),
    /// Store the part, then break the answer.
    BreakAfter,
    /// Wait, then go on as usual.
    Delay(Duration),
}

/// Takes the next fault scripted for part `seq`, if any.
fn take_part_fault(files: &mut FilesData, seq: u64) -> Option<PartOutcome> {
    let index = files
        .part_faults
        .iter()
        .position(|f| f.seq == seq && f.remaining > 0)?;
    let rule = &mut files.part_faults[index];
    rule.remaining -= 1;
    let fault = rule.fault.clone();
    files.part_faults.retain(|f| f.remaining > 0);
    Some(match fault {
        Fault::Delay(delay) => PartOutcome::Delay(delay),
        Fault::DropBeforeHandler => PartOutcome::Answer(broken_answer()),
        Fault::DropAfterHandler => PartOutcome::BreakAfter,
        answering => PartOutcome::Answer(crate::fault::fault_answer(answering)),
    })
}

/// An answer whose body fails at once: the client sees the connection end without a complete
/// response, as when a proxy drops it.
fn broken_answer() -> Response {
    let body = futures_util::stream::once(async {
        Err::<Bytes, std::io::Error>(std::io::Error::other("lark-mock dropped the answer"))
    });
    Response::new(Body::from_stream(body))
}

/// `POST /open-apis/drive/v1/{files,medias}/upload_part` (multipart: upload_id, seq, size,
/// checksum, file).
async fn upload_part(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> HandlerResult {
    let area = Area::of(uri.path());
    let caller = caller_of(&shared, &headers, uri.path())?;
    let form = read_form(&headers, body.clone()).await?;
    shared.files.data().parts_received += 1;
    let upload_id = form.text("upload_id")?;
    let seq = form.number("seq")?;
    let declared = form.number("size")?;
    let (bytes, _) = form.file()?;
    let checksum = form.fields.get("checksum").map(String::as_str);

    let fault = {
        let mut files = shared.files.data();
        let tracked = pending(&mut files, upload_id, area, &caller)?.is_some();
        tracked.then(|| take_part_fault(&mut files, seq))
    };
    let Some(fault) = fault else {
        return crate::spec::unmodelled(shared, method, uri, headers, body).await;
    };
    let break_after = match fault {
        Some(PartOutcome::Answer(answer)) => return Ok(answer),
        Some(PartOutcome::Delay(delay)) => {
            tokio::time::sleep(delay).await;
            false
        }
        Some(PartOutcome::BreakAfter) => true,
        None => false,
    };

    let mut files = shared.files.data();
    let Some(upload) = pending(&mut files, upload_id, area, &caller)? else {
        return Err(params_error(format!("upload_id {upload_id} is unknown")));
    };
    if seq >= upload.block_num {
        return Err(LarkError::bad(
            codes::BLOCK_NUM_OUT_OF_BOUNDS,
            format!(
                "block num out of bounds: seq {seq}, the upload has {} blocks (0..{})",
                upload.block_num, upload.block_num
            ),
        ));
    }
    let actual = bytes.len() as u64;
    if actual != declared {
        return Err(LarkError::bad(
            codes::SIZE_MISMATCH,
            format!(
                "the actual size is inconsistent with the parameter declaration size: size is {declared}, the part has {actual} bytes"
            ),
        ));
    }
    let expected = if seq + 1 == upload.block_num {
        upload.size - seq * upload.block_size
    } else {
        upload.block_size
    };
    if actual != expected {
        return Err(LarkError::bad(
            codes::SIZE_MISMATCH,
            format!("block {seq} must have {expected} bytes, not {actual}"),
        ));
    }
    check_checksum(checksum, bytes)?;
    // A block sent again (a retry) replaces the earlier copy.
    upload.parts.insert(seq, bytes.clone());
    drop(files);
    if break_after {
        return Ok(broken_answer());
    }
    Ok(success(json!({})))
}

/// `POST /open-apis/drive/v1/{files,medias}/upload_finish` (JSON: upload_id, block_num).
async fn upload_finish(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> HandlerResult {
    let area = Area::of(uri.path());
    let caller = caller_of(&shared, &headers, uri.path())?;
    let map = json_object(&body)?;
    let upload_id = json_str(&map, "upload_id")?;
    let block_num = json_u64(&map, "block_num")?;
    let finished = finish_upload(&shared, upload_id, block_num, area, &caller)?;
    match finished {
        Some(token) => Ok(success(json!({ "file_token": token }))),
        None => crate::spec::unmodelled(shared, method, uri, headers, body).await,
    }
}

/// Assembles and stores a finished upload; `Ok(None)` for an id the mock does not track.
fn finish_upload(
    shared: &Shared,
    upload_id: &str,
    block_num: u64,
    area: Area,
    caller: &Caller,
) -> Result<Option<String>, LarkError> {
    let mut files = shared.files.data();
    let Some(upload) = pending(&mut files, upload_id, area, caller)? else {
        return Ok(None);
    };
    if block_num != upload.block_num {
        return Err(params_error(format!(
            "block_num is {block_num}, the upload was prepared with {}",
            upload.block_num
        )));
    }
    let missing: Vec<String> = (0..upload.block_num)
        .filter(|seq| !upload.parts.contains_key(seq))
        .map(|seq| seq.to_string())
        .collect();
    if !missing.is_empty() {
        return Err(LarkError::bad(
            codes::BLOCK_MISSING,
            format!(
                "block missing, please upload all blocks: {} of {} missing (seq {})",
                missing.len(),
                upload.block_num,
                missing.join(", ")
            ),
        ));
    }
    let Some(upload) = files.uploads.remove(upload_id) else {
        return Err(params_error(format!("upload_id {upload_id} is unknown")));
    };
    let mut bytes = Vec::with_capacity(usize::try_from(upload.size).unwrap_or(0));
    for part in upload.parts.values() {
        bytes.extend_from_slice(part);
    }
    let stored = Stored {
        content_type: content_type_for(&upload.file_name, None),
        name: upload.file_name,
        parent_type: upload.parent_type,
        parent_node: upload.parent_node,
        area: upload.area,
        bytes: Bytes::from(bytes),
    };
    Ok(Some(store(shared, &mut files, stored)))
}

// ----- downloads -----

/// A `Range` request the mock serves: the first byte and the last (inclusive).
#[derive(Debug, PartialEq, Eq)]
enum RangeAsk {
    /// No range, or one the mock ignores (several ranges, a malformed value): the whole file.
    Whole,
    Bytes(u64, u64),
    Unsatisfiable,
}

fn parse_range(value: Option<&HeaderValue>, len: u64) -> RangeAsk {
    let Some(spec) = value
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().strip_prefix("bytes="))
    else {
        return RangeAsk::Whole;
    };
    if spec.contains(',') {
        return RangeAsk::Whole;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return RangeAsk::Whole;
    };
    let (first, last) = (first.trim(), last.trim());
    if first.is_empty() {
        // A suffix: the last N bytes.
        return match last.parse::<u64>() {
            Ok(0) => RangeAsk::Unsatisfiable,
            Ok(_) if len == 0 => RangeAsk::Unsatisfiable,
            Ok(n) => RangeAsk::Bytes(len.saturating_sub(n), len - 1),
            Err(_) => RangeAsk::Whole,
        };
    }
    let Ok(start) = first.parse::<u64>() else {
        return RangeAsk::Whole;
    };
    let end = if last.is_empty() {
        None
    } else {
        match last.parse::<u64>() {
            Ok(end) if end >= start => Some(end),
            _ => return RangeAsk::Whole,
        }
    };
    if start >= len {
        return RangeAsk::Unsatisfiable;
    }
    RangeAsk::Bytes(start, end.map_or(len - 1, |e| e.min(len - 1)))
}

/// `Content-Disposition: attachment` with the file name; a name that is not plain ASCII also
/// goes in `filename*` (RFC 5987), with an ASCII stand-in in `filename`.
pub(crate) fn content_disposition(name: &str) -> String {
    const ATTR_CHAR: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'!')
        .remove(b'#')
        .remove(b'$')
        .remove(b'&')
        .remove(b'+')
        .remove(b'-')
        .remove(b'.')
        .remove(b'^')
        .remove(b'_')
        .remove(b'`')
        .remove(b'|')
        .remove(b'~');
    let plain = name
        .chars()
        .all(|c| c.is_ascii() && !c.is_ascii_control() && c != '"' && c != '\\');
    if plain {
        return format!("attachment; filename=\"{name}\"");
    }
    let fallback: String = name
        .chars()
        .map(|c| {
            if c.is_ascii() && !c.is_ascii_control() && c != '"' && c != '\\' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded = percent_encoding::utf8_percent_encode(name, ATTR_CHAR);
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

/// `GET /open-apis/drive/v1/{files,medias}/:file_token/download`, with `Range: bytes=…`.
async fn download(
    State(shared): State<Arc<Shared>>,
    Path(file_token): Path<String>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> HandlerResult {
    let area = Area::of(uri.path());
    caller_of(&shared, &headers, uri.path())?;
    let (stored, chunk_size, chunk_delay, cut) = {
        let mut files = shared.files.data();
        let stored = files
            .stored
            .get(&file_token)
            .filter(|s| s.area == area)
            .cloned();
        let cut = if stored.is_some() {
            files.download_breaks.pop_front()
        } else {
            None
        };
        (
            stored,
            files.settings.chunk_size,
            files.settings.chunk_delay,
            cut,
        )
    };
    let Some(stored) = stored else {
        if file_token.starts_with(FILE_TOKEN_PREFIX) {
            return Err(LarkError::new(
                404,
                codes::NOT_FOUND,
                format!("not found: no file {file_token}"),
            ));
        }
        return crate::spec::unmodelled(shared, method, uri, headers, body).await;
    };
    let len = stored.bytes.len() as u64;
    let (status, first, slice) = match parse_range(headers.get(header::RANGE), len) {
        RangeAsk::Whole => (StatusCode::OK, 0, stored.bytes.clone()),
        RangeAsk::Unsatisfiable => {
            let mut answer = LarkError::new(
                416,
                codes::PARAMS_ERROR,
                format!("range not satisfiable: the file has {len} bytes"),
            )
            .into_response();
            if let Ok(value) = HeaderValue::try_from(format!("bytes */{len}")) {
                answer.headers_mut().insert(header::CONTENT_RANGE, value);
            }
            return Ok(answer);
        }
        RangeAsk::Bytes(first, last) => {
            // parse_range keeps both within the file, which is in memory: they fit a usize.
            let (from, to) = (
                usize::try_from(first).unwrap_or(usize::MAX),
                usize::try_from(last).unwrap_or(usize::MAX),
            );
            (
                StatusCode::PARTIAL_CONTENT,
                first,
                stored.bytes.slice(from..=to),
            )
        }
    };
    let content_range = (status == StatusCode::PARTIAL_CONTENT)
        .then(|| format!("bytes {first}-{}/{len}", first + slice.len() as u64 - 1));
    let mut answer = Response::new(chunked(slice.clone(), chunk_size, chunk_delay, cut));
    *answer.status_mut() = status;
    let headers = answer.headers_mut();
    let mut set = |name: header::HeaderName, value: String| {
        if let Ok(value) = HeaderValue::try_from(value) {
            headers.insert(name, value);
        }
    };
    set(header::CONTENT_TYPE, stored.content_type.clone());
    set(
        header::CONTENT_DISPOSITION,
        content_disposition(&stored.name),
    );
    set(header::CONTENT_LENGTH, slice.len().to_string());
    set(header::ACCEPT_RANGES, "bytes".to_owned());
    if let Some(range) = content_range {
        set(header::CONTENT_RANGE, range);
    }
    Ok(answer)
}

/// A body written in `chunk_size` pieces, `delay` apart; with `cut`, the connection drops
/// after that many bytes (the body stream fails, so hyper aborts it short of its length).
fn chunked(bytes: Bytes, chunk_size: usize, delay: Duration, cut: Option<u64>) -> Body {
    let chunk_size = chunk_size.max(1);
    let cut = cut.map_or(usize::MAX, |cut| usize::try_from(cut).unwrap_or(usize::MAX));
    let stream = futures_util::stream::unfold(0usize, move |offset| {
        let bytes = bytes.clone();
        async move {
            if offset >= bytes.len() {
                return None;
            }
            if offset >= cut {
                // A pause first, so hyper flushes what it holds: the client must see the
                // bytes before the drop, not a connection that fails before its headers.
                tokio::time::sleep(Duration::from_millis(30)).await;
                return Some((
                    Err(std::io::Error::new(
                        std::io::ErrorKind::ConnectionReset,
                        "lark-mock: download cut as the test asked",
                    )),
                    usize::MAX,
                ));
            }
            if offset > 0 && !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            let end = (offset + chunk_size).min(bytes.len()).min(cut);
            Some((Ok(bytes.slice(offset..end)), end))
        }
    });
    Body::from_stream(stream)
}

// ----- the public side -----

impl MockServer {
    /// The block size `upload_prepare` hands out from now on (4 MiB by default, as on the
    /// platform); a small one lets tests run the three-step upload with small files. At least 1.
    pub fn set_upload_block_size(&self, bytes: u64) {
        self.shared.files.data().settings.block_size = bytes.max(1);
    }

    /// How long upload ids prepared from now on stay valid (24 hours by default); a part or a
    /// finish after that gets code 1061021.
    pub fn set_upload_ttl(&self, ttl: Duration) {
        self.shared.files.data().settings.upload_ttl = ttl;
    }

    /// The largest file `upload_all` accepts (20 MiB by default); above it the answer is code
    /// 1061043.
    pub fn set_upload_all_limit(&self, bytes: u64) {
        self.shared.files.data().settings.upload_all_limit = bytes;
    }

    /// Downloads are written in pieces of `chunk_size` bytes (64 KiB by default), `delay` apart
    /// (none by default): a delay makes progress and cancellation observable.
    pub fn set_download_chunks(&self, chunk_size: usize, delay: Duration) {
        let mut files = self.shared.files.data();
        files.settings.chunk_size = chunk_size.max(1);
        files.settings.chunk_delay = delay;
    }

    /// The next `times` file downloads drop their connection after `after_bytes` bytes of the
    /// body (short of its Content-Length), as a flaky network does.
    pub fn break_downloads(&self, after_bytes: u64, times: usize) {
        let mut files = self.shared.files.data();
        files
            .download_breaks
            .extend(std::iter::repeat_n(after_bytes, times));
    }

    /// Expires every pending upload id: its next part or finish gets code 1061021.
    pub fn expire_uploads(&self) {
        let now = Instant::now();
        for upload in self.shared.files.data().uploads.values_mut() {
            upload.expires_at = now;
        }
    }

    /// How many uploads are prepared and neither finished nor forgotten (expired ones count).
    pub fn pending_uploads(&self) -> usize {
        self.shared.files.data().uploads.len()
    }

    /// Stores a drive file (as if uploaded to `drive/v1/files`); returns its file token.
    pub fn put_file(&self, name: &str, bytes: impl Into<Vec<u8>>) -> String {
        self.put(name, bytes.into(), Area::Files)
    }

    /// Stores a media (as if uploaded to `drive/v1/medias`); returns its file token.
    pub fn put_media(&self, name: &str, bytes: impl Into<Vec<u8>>) -> String {
        self.put(name, bytes.into(), Area::Medias)
    }

    fn put(&self, name: &str, bytes: Vec<u8>, area: Area) -> String {
        let stored = Stored {
            name: name.to_owned(),
            content_type: content_type_for(name, None),
            parent_type: String::new(),
            parent_node: String::new(),
            area,
            bytes: Bytes::from(bytes),
        };
        store(&self.shared, &mut self.shared.files.data(), stored)
    }

    /// A stored drive file or media, by token.
    pub fn drive_file(&self, file_token: &str) -> Option<MockFile> {
        let files = self.shared.files.data();
        files.stored.get(file_token).map(|s| MockFile {
            file_token: file_token.to_owned(),
            name: s.name.clone(),
            content_type: s.content_type.clone(),
            parent_type: s.parent_type.clone(),
            parent_node: s.parent_node.clone(),
            media: s.area == Area::Medias,
            bytes: s.bytes.to_vec(),
        })
    }

    /// The next `times` attempts at part `seq` (of any upload) answer HTTP 500 with code
    /// 1061001 ("internal error"), which clients retry; the part is not stored.
    pub fn fail_upload_part(&self, seq: u64, times: u64) {
        let fault = Fault::LarkError {
            status: 500,
            code: codes::INTERNAL_ERROR,
            msg: "internal error.".to_owned(),
            headers: Vec::new(),
        };
        self.fail_upload_part_with(seq, times, fault);
    }

    /// The next `times` attempts at part `seq` meet `fault`: an answering fault replaces the
    /// answer (the part is not stored), [`Fault::Delay`] waits first, [`Fault::DropBeforeHandler`]
    /// breaks the answer without storing the part, [`Fault::DropAfterHandler`] stores it and then
    /// breaks the answer. Scripts for the same `seq` run in the order they were added.
    pub fn fail_upload_part_with(&self, seq: u64, times: u64, fault: Fault) {
        if times == 0 {
            return;
        }
        self.shared.files.data().part_faults.push(PartFault {
            seq,
            remaining: times,
            fault,
        });
    }

    /// How many `upload_part` requests reached the handler with a readable form (failed and
    /// retried ones included).
    pub fn upload_parts_received(&self) -> u64 {
        self.shared.files.data().parts_received
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adler32_matches_known_values() {
        assert_eq!(adler32(b""), 1);
        assert_eq!(adler32(b"a"), 0x0062_0062);
        assert_eq!(adler32(b"Wikipedia"), 0x11E6_0398);
        // Long enough to pass the 5552-byte reduction point several times.
        let long = vec![0xFFu8; 100_000];
        let (mut a, mut b) = (1u64, 0u64);
        for &byte in &long {
            a = (a + u64::from(byte)) % 65_521;
            b = (b + a) % 65_521;
        }
        assert_eq!(u64::from(adler32(&long)), (b << 16) | a);
    }

    #[test]
    fn ranges_are_parsed() {
        let v = |s: &'static str| HeaderValue::from_static(s);
        assert_eq!(parse_range(None, 10), RangeAsk::Whole);
        assert_eq!(parse_range(Some(&v("bytes=3-")), 10), RangeAsk::Bytes(3, 9));
        assert_eq!(
            parse_range(Some(&v("bytes=3-5")), 10),
            RangeAsk::Bytes(3, 5)
        );
        assert_eq!(
            parse_range(Some(&v("bytes=3-50")), 10),
            RangeAsk::Bytes(3, 9)
        );
        assert_eq!(parse_range(Some(&v("bytes=-4")), 10), RangeAsk::Bytes(6, 9));
        assert_eq!(
            parse_range(Some(&v("bytes=10-")), 10),
            RangeAsk::Unsatisfiable
        );
        assert_eq!(
            parse_range(Some(&v("bytes=0-")), 0),
            RangeAsk::Unsatisfiable
        );
        assert_eq!(parse_range(Some(&v("bytes=0-1,4-5")), 10), RangeAsk::Whole);
        assert_eq!(parse_range(Some(&v("bytes=x-")), 10), RangeAsk::Whole);
        assert_eq!(parse_range(Some(&v("bytes=5-3")), 10), RangeAsk::Whole);
        assert_eq!(parse_range(Some(&v("items=0-")), 10), RangeAsk::Whole);
    }

    #[test]
    fn dispositions_quote_and_encode() {
        assert_eq!(
            content_disposition("report.pdf"),
            "attachment; filename=\"report.pdf\""
        );
        assert_eq!(
            content_disposition("报告 1.txt"),
            "attachment; filename=\"__ 1.txt\"; filename*=UTF-8''%E6%8A%A5%E5%91%8A%201.txt"
        );
        assert_eq!(
            content_disposition("a\"b.txt"),
            "attachment; filename=\"a_b.txt\"; filename*=UTF-8''a%22b.txt"
        );
    }
}
