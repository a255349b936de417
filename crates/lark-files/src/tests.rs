//! The upload and download drivers against a closure backend that plays the platform.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::*;
use lark_core::endpoint::{EndpointMeta, ResponseKind, TokenKind};
use lark_core::{Client, Config, Error, HttpError, ManualClock};

type Answer = std::future::Ready<std::result::Result<http::Response<Vec<u8>>, HttpError>>;

/// The fields of a `multipart/form-data` body, by name.
fn form_fields(request: &http::Request<Vec<u8>>) -> HashMap<String, Vec<u8>> {
    let content_type = request.headers()["content-type"].to_str().unwrap();
    let boundary = content_type.split("boundary=").nth(1).unwrap();
    let delimiter = format!("--{boundary}");
    let body = request.body();
    let mut fields = HashMap::new();
    let mut at = 0;
    let find = |from: usize, needle: &[u8]| {
        body[from..]
            .windows(needle.len())
            .position(|w| w == needle)
            .map(|i| i + from)
    };
    while let Some(start) = find(at, delimiter.as_bytes()) {
        let headers_start = start + delimiter.len() + 2;
        let Some(headers_end) = find(headers_start, b"\r\n\r\n") else {
            break;
        };
        let headers = String::from_utf8_lossy(&body[headers_start..headers_end]).into_owned();
        let data_start = headers_end + 4;
        let next = find(data_start, format!("\r\n{delimiter}").as_bytes()).unwrap();
        let name = headers
            .split("name=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap()
            .to_owned();
        fields.insert(name, body[data_start..next].to_vec());
        at = next + 2;
    }
    fields
}

fn text(fields: &HashMap<String, Vec<u8>>, name: &str) -> String {
    String::from_utf8(fields[name].clone()).unwrap()
}

fn json(body: serde_json::Value) -> Answer {
    let response = http::Response::builder()
        .header("content-type", "application/json; charset=utf-8")
        .body(serde_json::to_vec(&body).unwrap())
        .unwrap();
    std::future::ready(Ok(response))
}

fn ok(data: serde_json::Value) -> Answer {
    json(serde_json::json!({"code": 0, "msg": "success", "data": data}))
}

fn status(code: u16, body: serde_json::Value) -> Answer {
    let response = http::Response::builder()
        .status(code)
        .header("content-type", "application/json")
        .body(serde_json::to_vec(&body).unwrap())
        .unwrap();
    std::future::ready(Ok(response))
}

/// A three-step upload server in memory: block size `block`, parts that fail (HTTP 500) as
/// often as `failures` says, and every call recorded.
#[derive(Clone, Default)]
struct Drive {
    block: u64,
    calls: Arc<Mutex<Vec<String>>>,
    parts: Arc<Mutex<HashMap<u64, Vec<u8>>>>,
    failures: Arc<Mutex<HashMap<u64, u32>>>,
    whole: Arc<Mutex<Option<Vec<u8>>>>,
    size: Arc<Mutex<u64>>,
}

impl Drive {
    fn new(block: u64) -> Self {
        Self {
            block,
            ..Self::default()
        }
    }

    fn calls(&self) -> Vec<String> {
        self.calls.lock().unwrap().clone()
    }

    fn client(&self) -> Client<impl lark_core::HttpClient + use<>> {
        let drive = self.clone();
        let backend = move |request: http::Request<Vec<u8>>| drive.answer(request);
        Client::new(
            Config::new("cli_test", "secret"),
            backend,
            ManualClock::new(1_000),
        )
    }

    fn answer(&self, request: http::Request<Vec<u8>>) -> Answer {
        let path = request.uri().path().to_owned();
        if path.ends_with("tenant_access_token/internal") {
            return json(
                serde_json::json!({"code": 0, "tenant_access_token": "t-1", "expire": 7200}),
            );
        }
        let call = path.rsplit('/').next().unwrap().to_owned();
        match call.as_str() {
            "upload_all" => {
                let fields = form_fields(&request);
                let data = fields["file"].clone();
                assert_eq!(text(&fields, "size"), data.len().to_string());
                assert_eq!(text(&fields, "checksum"), adler32(&data).to_string());
                self.calls.lock().unwrap().push("upload_all".to_owned());
                *self.whole.lock().unwrap() = Some(data);
                ok(serde_json::json!({"file_token": "box_all"}))
            }
            "upload_prepare" => {
                let body: serde_json::Value = serde_json::from_slice(request.body()).unwrap();
                let size = body["size"].as_u64().unwrap();
                *self.size.lock().unwrap() = size;
                self.calls.lock().unwrap().push("upload_prepare".to_owned());
                ok(serde_json::json!({
                    "upload_id": "up-1",
                    "block_size": self.block,
                    "block_num": size.div_ceil(self.block),
                }))
            }
            "upload_part" => {
                let fields = form_fields(&request);
                let seq: u64 = text(&fields, "seq").parse().unwrap();
                self.calls.lock().unwrap().push(format!("part {seq}"));
                let data = fields["file"].clone();
                assert_eq!(text(&fields, "upload_id"), "up-1");
                assert_eq!(text(&fields, "size"), data.len().to_string());
                assert_eq!(text(&fields, "checksum"), adler32(&data).to_string());
                let mut failures = self.failures.lock().unwrap();
                if let Some(left) = failures.get_mut(&seq).filter(|left| **left > 0) {
                    *left -= 1;
                    return status(500, serde_json::json!({"code": 1061001, "msg": "internal"}));
                }
                self.parts.lock().unwrap().insert(seq, data);
                ok(serde_json::json!({}))
            }
            "upload_finish" => {
                let body: serde_json::Value = serde_json::from_slice(request.body()).unwrap();
                self.calls.lock().unwrap().push("upload_finish".to_owned());
                let parts = self.parts.lock().unwrap();
                assert_eq!(body["block_num"].as_u64().unwrap(), parts.len() as u64);
                ok(serde_json::json!({"file_token": "box_parts"}))
            }
            other => panic!("unexpected call {other}"),
        }
    }

    /// The parts received, in order.
    fn assembled(&self) -> Vec<u8> {
        let parts = self.parts.lock().unwrap();
        (0..parts.len() as u64)
            .flat_map(|seq| parts[&seq].clone())
            .collect()
    }
}

fn data(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 + i / 13) as u8).collect()
}

#[test]
fn a_small_file_goes_at_once_with_its_checksum() {
    for len in [0, 1, 4096] {
        let drive = Drive::new(4);
        let client = drive.client();
        let mut source = data(len);
        let progress = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&progress);
        let uploaded = futures_executor::block_on(client.upload(
            Upload::file("a.bin", "explorer", "fld").on_progress(move |p| {
                seen.lock().unwrap().push(p);
            }),
            &mut source,
        ))
        .unwrap();
        assert_eq!(uploaded.file_token, "box_all");
        assert_eq!((uploaded.size, uploaded.parts), (len as u64, 0));
        assert_eq!(drive.calls(), ["upload_all"]);
        assert_eq!(drive.whole.lock().unwrap().as_deref(), Some(&source[..]));
        let progress = progress.lock().unwrap();
        assert_eq!(progress.len(), 1);
        assert_eq!(progress[0].bytes_sent, len as u64);
        assert_eq!(progress[0].parts_total, 1);
    }
}

#[test]
fn a_large_file_goes_in_parts_that_add_up() {
    let drive = Drive::new(4);
    let client = drive.client();
    let mut source = data(10);
    let progress = Arc::new(Mutex::new(Vec::new()));
    let states = Arc::new(Mutex::new(Vec::new()));
    let (seen, saved) = (Arc::clone(&progress), Arc::clone(&states));
    let upload = Upload::file("a.bin", "explorer", "fld")
        .multipart_threshold(0)
        .parallel(2)
        .on_progress(move |p| seen.lock().unwrap().push(p))
        .on_state(move |s: &UploadState| saved.lock().unwrap().push(s.clone()));
    let uploaded = futures_executor::block_on(client.upload(upload, &mut source)).unwrap();
    assert_eq!(uploaded.file_token, "box_parts");
    assert_eq!(uploaded.parts, 3);
    assert_eq!(drive.assembled(), source);
    let calls = drive.calls();
    assert_eq!(calls.first().map(String::as_str), Some("upload_prepare"));
    assert_eq!(calls.last().map(String::as_str), Some("upload_finish"));
    assert_eq!(calls.len(), 5);
    let progress = progress.lock().unwrap();
    let last = progress.last().unwrap();
    assert_eq!((last.bytes_sent, last.total), (10, 10));
    assert_eq!((last.parts_done, last.parts_total), (3, 3));
    // Once after prepare, once per part.
    let states = states.lock().unwrap();
    assert_eq!(states.len(), 4);
    assert!(states[0].parts_done.is_empty());
    assert_eq!(states[3].parts_done, [0, 1, 2]);
    assert_eq!(states[3].block_size, 4);
}

#[test]
fn exactly_one_block_is_one_part() {
    let drive = Drive::new(8);
    let client = drive.client();
    let mut source = data(8);
    let upload = Upload::media("a.png", "docx_image", "doc").multipart_threshold(7);
    let uploaded = futures_executor::block_on(client.upload(upload, &mut source)).unwrap();
    assert_eq!(uploaded.parts, 1);
    assert_eq!(drive.calls(), ["upload_prepare", "part 0", "upload_finish"]);
    assert_eq!(drive.assembled(), source);
}

#[test]
fn a_part_failing_twice_then_succeeding_is_retried_alone() {
    let drive = Drive::new(4);
    drive.failures.lock().unwrap().insert(1, 2);
    let client = drive.client();
    let mut source = data(12);
    let upload = Upload::file("a.bin", "explorer", "fld").multipart_threshold(0);
    let uploaded = futures_executor::block_on(client.upload(upload, &mut source)).unwrap();
    assert_eq!(uploaded.parts, 3);
    assert_eq!(drive.assembled(), source);
    let calls = drive.calls();
    assert_eq!(calls.iter().filter(|c| *c == "part 1").count(), 3);
    assert_eq!(calls.iter().filter(|c| *c == "part 0").count(), 1);
    assert_eq!(calls.iter().filter(|c| *c == "part 2").count(), 1);
}

#[test]
fn a_crashed_upload_resumes_with_only_the_missing_parts() {
    let drive = Drive::new(4);
    // Part 2 fails more often than the retry policy tries.
    drive.failures.lock().unwrap().insert(2, 3);
    let client = drive.client();
    let mut source = data(18);
    let last_state = Arc::new(Mutex::new(None));
    let saved = Arc::clone(&last_state);
    let upload = Upload::file("a.bin", "explorer", "fld")
        .multipart_threshold(0)
        .parallel(1)
        .on_state(move |s: &UploadState| *saved.lock().unwrap() = Some(s.clone()));
    let error = futures_executor::block_on(client.upload(upload, &mut source)).unwrap_err();
    assert_eq!(error.code(), Some(1_061_001));
    let state = last_state.lock().unwrap().clone().unwrap();
    assert_eq!(state.parts_done, [0, 1]);
    // The state survives a trip through storage.
    let state: UploadState = serde_json::from_str(&serde_json::to_string(&state).unwrap()).unwrap();

    let before = drive.calls().len();
    let upload = Upload::file("a.bin", "explorer", "fld").resume(state);
    let uploaded = futures_executor::block_on(client.upload(upload, &mut source)).unwrap();
    assert_eq!(uploaded.parts, 5);
    assert_eq!(
        drive.calls()[before..],
        ["part 2", "part 3", "part 4", "upload_finish"]
    );
    assert_eq!(drive.assembled(), source);
}

#[test]
fn a_resume_for_another_file_is_refused_before_sending() {
    let drive = Drive::new(4);
    let client = drive.client();
    let state = UploadState {
        upload_id: "up-1".to_owned(),
        block_size: 4,
        block_num: 3,
        size: 10,
        file_name: "a.bin".to_owned(),
        parts_done: vec![0],
    };
    let mut other = data(11);
    let upload = Upload::file("a.bin", "explorer", "fld").resume(state.clone());
    let error = futures_executor::block_on(client.upload(upload, &mut other)).unwrap_err();
    assert!(matches!(error, Error::Build(_)), "{error}");
    let mut source = data(10);
    let upload = Upload::file("b.bin", "explorer", "fld").resume(state);
    let error = futures_executor::block_on(client.upload(upload, &mut source)).unwrap_err();
    assert!(matches!(error, Error::Build(_)), "{error}");
    assert!(drive.calls().is_empty());
}

#[test]
fn an_unusable_prepare_answer_is_an_error() {
    for answer in [
        serde_json::json!({"upload_id": "u", "block_size": 4, "block_num": 2}),
        serde_json::json!({"upload_id": "u", "block_size": 0, "block_num": 0}),
        serde_json::json!({"upload_id": "", "block_size": 4, "block_num": 3}),
        serde_json::json!({"upload_id": "u", "block_size": 1u64 << 40, "block_num": 1}),
        serde_json::json!({"upload_id": "u", "block_size": -4, "block_num": 3}),
    ] {
        let backend = move |request: http::Request<Vec<u8>>| {
            if request.uri().path().ends_with("internal") {
                return json(serde_json::json!({"code": 0, "tenant_access_token": "t"}));
            }
            assert!(request.uri().path().ends_with("upload_prepare"));
            ok(answer.clone())
        };
        let client = Client::new(Config::new("cli", "s"), backend, ManualClock::new(0));
        let mut source = data(10);
        let upload = Upload::file("a.bin", "explorer", "fld").multipart_threshold(0);
        let error = futures_executor::block_on(client.upload(upload, &mut source)).unwrap_err();
        assert!(matches!(error, Error::Decode(_)), "{error}");
    }
}

#[test]
fn extra_is_for_media_only() {
    let client = Drive::new(4).client();
    let mut source = data(1);
    let upload = Upload::file("a", "explorer", "fld").extra("{}");
    let error = futures_executor::block_on(client.upload(upload, &mut source)).unwrap_err();
    assert!(matches!(error, Error::Build(_)), "{error}");
}

#[test]
fn a_source_giving_short_reads_is_an_error() {
    struct Short;
    impl UploadSource for Short {
        fn size(&self) -> u64 {
            10
        }
        fn read(
            &mut self,
            _: u64,
            len: usize,
        ) -> lark_core::BoxFuture<'_, lark_core::Result<Vec<u8>>> {
            Box::pin(std::future::ready(Ok(vec![0; len - 1])))
        }
    }
    let client = Drive::new(4).client();
    let upload = Upload::file("a", "explorer", "fld");
    let error = futures_executor::block_on(client.upload(upload, &mut Short)).unwrap_err();
    assert!(matches!(error, Error::Build(_)), "{error}");
}

// Downloads.

static DOWNLOAD: EndpointMeta = EndpointMeta::new(
    "drive",
    "v1.file.download",
    http::Method::GET,
    "/open-apis/drive/v1/files/box/download",
    &[TokenKind::Tenant],
)
.response(ResponseKind::Binary);

struct Get;

impl lark_core::Endpoint for Get {
    type Output = lark_core::Download;

    fn meta(&self) -> &EndpointMeta {
        &DOWNLOAD
    }

    fn path(&self) -> lark_core::Result<String> {
        Ok(DOWNLOAD.path.to_owned())
    }
}

/// A backend serving `file` with `Range` support (206), or as `answer` says.
fn file_server(
    file: Vec<u8>,
    answer: fn(&[u8], Option<u64>) -> http::Response<Vec<u8>>,
) -> impl Fn(http::Request<Vec<u8>>) -> Answer {
    move |request| {
        if request.uri().path().ends_with("internal") {
            return json(serde_json::json!({"code": 0, "tenant_access_token": "t"}));
        }
        let start = request
            .headers()
            .get("range")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("bytes="))
            .and_then(|v| v.strip_suffix('-'))
            .map(|v| v.parse::<u64>().unwrap());
        std::future::ready(Ok(answer(&file, start)))
    }
}

fn ranged(file: &[u8], start: Option<u64>) -> http::Response<Vec<u8>> {
    let builder = http::Response::builder()
        .header("content-type", "application/pdf")
        .header("content-disposition", "attachment; filename=\"a.pdf\"");
    match start {
        None => builder
            .header("content-length", file.len())
            .body(file.to_vec())
            .unwrap(),
        Some(start) if start as usize >= file.len() => builder
            .status(416)
            .header("content-range", format!("bytes */{}", file.len()))
            .body(Vec::new())
            .unwrap(),
        Some(start) => builder
            .status(206)
            .header(
                "content-range",
                format!("bytes {start}-{}/{}", file.len() - 1, file.len()),
            )
            .body(file[start as usize..].to_vec())
            .unwrap(),
    }
}

fn download_client(
    answer: fn(&[u8], Option<u64>) -> http::Response<Vec<u8>>,
) -> (Client<impl lark_core::HttpClient>, Vec<u8>) {
    let file = data(1000);
    let client = Client::new(
        Config::new("cli", "s"),
        file_server(file.clone(), answer),
        ManualClock::new(0),
    );
    (client, file)
}

#[test]
fn a_download_streams_with_its_headers_and_progress() {
    let (client, file) = download_client(ranged);
    let progress = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&progress);
    let options = DownloadOptions::new().on_progress(move |p| seen.lock().unwrap().push(p));
    let stream = futures_executor::block_on(client.download_stream(&Get, options)).unwrap();
    assert_eq!(stream.file_name.as_deref(), Some("a.pdf"));
    assert_eq!(stream.content_type.as_deref(), Some("application/pdf"));
    assert_eq!(
        (stream.content_length, stream.total_size),
        (Some(1000), Some(1000))
    );
    let body = futures_executor::block_on(stream.collect()).unwrap();
    assert_eq!(body, file);
    let last = *progress.lock().unwrap().last().unwrap();
    assert_eq!(
        (last.received, last.position, last.total),
        (1000, 1000, Some(1000))
    );
}

#[test]
fn a_ranged_download_continues_byte_for_byte() {
    let (client, file) = download_client(ranged);
    let options = DownloadOptions::new().range_start(600);
    let stream = futures_executor::block_on(client.download_stream(&Get, options)).unwrap();
    assert_eq!((stream.start, stream.status), (600, 206));
    assert_eq!(
        (stream.content_length, stream.total_size),
        (Some(400), Some(1000))
    );
    let mut whole = file[..600].to_vec();
    whole.extend(futures_executor::block_on(stream.collect()).unwrap());
    assert_eq!(whole, file);
    // From the very end: nothing left, not an error.
    let options = DownloadOptions::new().range_start(1000);
    let stream = futures_executor::block_on(client.download_stream(&Get, options)).unwrap();
    assert_eq!((stream.status, stream.total_size), (416, Some(1000)));
    assert!(
        futures_executor::block_on(stream.collect())
            .unwrap()
            .is_empty()
    );
}

#[test]
fn a_whole_answer_to_a_ranged_request_is_an_error() {
    let (client, _) = download_client(|file, _| http::Response::new(file.to_vec()));
    let options = DownloadOptions::new().range_start(10);
    let error = futures_executor::block_on(client.download_stream(&Get, options)).unwrap_err();
    assert!(matches!(error, Error::Decode(_)), "{error}");
}

#[test]
fn a_range_starting_elsewhere_is_an_error() {
    let (client, _) = download_client(|file, _| {
        http::Response::builder()
            .status(206)
            .header(
                "content-range",
                format!("bytes 0-{}/{}", file.len() - 1, file.len()),
            )
            .body(file.to_vec())
            .unwrap()
    });
    let options = DownloadOptions::new().range_start(10);
    let error = futures_executor::block_on(client.download_stream(&Get, options)).unwrap_err();
    assert!(error.to_string().contains("starts at 0"), "{error}");
}

#[test]
fn a_body_shorter_than_announced_is_an_error() {
    let (client, _) = download_client(|file, _| {
        http::Response::builder()
            .header("content-length", file.len() + 5)
            .body(file.to_vec())
            .unwrap()
    });
    let stream =
        futures_executor::block_on(client.download_stream(&Get, DownloadOptions::new())).unwrap();
    let error = futures_executor::block_on(stream.collect()).unwrap_err();
    assert!(
        error.to_string().contains("ended after 1000 of 1005"),
        "{error}"
    );
}

#[test]
fn a_json_error_answer_is_an_api_error_and_a_json_file_is_a_file() {
    let (client, _) = download_client(|_, _| {
        http::Response::builder()
            .header("content-type", "application/json")
            .body(br#"{"code":1061004,"msg":"forbidden"}"#.to_vec())
            .unwrap()
    });
    let error = futures_executor::block_on(client.download_stream(&Get, DownloadOptions::new()))
        .unwrap_err();
    assert_eq!(error.code(), Some(1_061_004));
    let (client, _) = download_client(|_, _| {
        http::Response::builder()
            .status(404)
            .header("content-type", "application/json")
            .body(br#"{"code":1061003,"msg":"not found"}"#.to_vec())
            .unwrap()
    });
    let error = futures_executor::block_on(client.download_stream(&Get, DownloadOptions::new()))
        .unwrap_err();
    assert_eq!(
        (error.code(), error.http_status()),
        (Some(1_061_003), Some(404))
    );
    let (client, _) = download_client(|_, _| {
        http::Response::builder()
            .header("content-type", "application/json")
            .body(br#"{"name":"a file that is JSON"}"#.to_vec())
            .unwrap()
    });
    let stream =
        futures_executor::block_on(client.download_stream(&Get, DownloadOptions::new())).unwrap();
    let body = futures_executor::block_on(stream.collect()).unwrap();
    assert_eq!(body, br#"{"name":"a file that is JSON"}"#);
}

#[test]
fn the_boundary_never_occurs_in_the_part_or_its_fields() {
    use crate::upload::boundary_for;
    let data = b"xx lark-part-0000abcd-0 yy lark-part-0000abcd-1".to_vec();
    let boundary = boundary_for(&data, &[("upload_id", "lark-part-0000abcd-2")], 0xabcd);
    assert_eq!(boundary, "lark-part-0000abcd-3");
    assert_eq!(boundary_for(b"", &[], 7), "lark-part-00000007-0");
}

#[test]
fn a_line_break_in_the_file_name_is_refused() {
    let client = Drive::new(4).client();
    let mut source = data(1);
    let upload = Upload::file("a\r\nX-Injected: 1", "explorer", "fld");
    let error = futures_executor::block_on(client.upload(upload, &mut source)).unwrap_err();
    assert!(matches!(error, Error::Build(_)), "{error}");
    let upload = Upload::file("a", "explorer", "fld").content_type("text/plain\nX: 1");
    let error = futures_executor::block_on(client.upload(upload, &mut source)).unwrap_err();
    assert!(matches!(error, Error::Build(_)), "{error}");
}

#[test]
fn a_crash_after_the_last_part_resumes_with_the_finish_alone() {
    let drive = Drive::new(4);
    let client = drive.client();
    let mut source = data(8);
    let upload = Upload::file("a.bin", "explorer", "fld").multipart_threshold(0);
    futures_executor::block_on(client.upload(upload, &mut source)).unwrap();
    let before = drive.calls().len();
    let state = UploadState {
        upload_id: "up-1".to_owned(),
        block_size: 4,
        block_num: 2,
        size: 8,
        file_name: "a.bin".to_owned(),
        parts_done: vec![1, 0, 1],
    };
    let progress = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&progress);
    let upload = Upload::file("a.bin", "explorer", "fld")
        .resume(state)
        .on_progress(move |p| seen.lock().unwrap().push(p));
    let uploaded = futures_executor::block_on(client.upload(upload, &mut source)).unwrap();
    assert_eq!(uploaded.file_token, "box_parts");
    assert_eq!(drive.calls()[before..], ["upload_finish"]);
    let progress = progress.lock().unwrap();
    assert_eq!(progress[0].bytes_sent, 8);
    assert_eq!(progress[0].parts_done, 2);
}

#[test]
fn a_download_is_a_stream_of_chunks_too() {
    use futures_util::StreamExt;
    let (client, file) = download_client(ranged);
    let stream =
        futures_executor::block_on(client.download_stream(&Get, DownloadOptions::new())).unwrap();
    let chunks: Vec<_> = futures_executor::block_on(stream.into_stream().collect());
    let body: Vec<u8> = chunks.into_iter().flat_map(|c| c.unwrap()).collect();
    assert_eq!(body, file);
}

/// How the next answers of a [`Breaking`] server behave.
#[derive(Clone, Copy)]
enum Break {
    /// A transport error after this many bytes of the answer's body.
    Error(usize),
    /// The body ends cleanly after this many bytes, short of its Content-Length.
    Short(usize),
}

struct BreakingState {
    file: Vec<u8>,
    /// How the first answers break, in order; later answers are whole.
    breaks: Vec<Break>,
    /// Each file request's range start and If-Range header.
    seen: Vec<(Option<u64>, Option<String>)>,
    etags: Vec<&'static str>,
    /// Answers after the first ignore Range (200 with the whole file).
    ignore_range_after_first: bool,
    /// After the first answer, the file is replaced by one of this size.
    total_after_first: Option<usize>,
}

/// A file server whose bodies come in 100-byte chunks and break as told.
#[derive(Clone)]
struct Breaking(Arc<Mutex<BreakingState>>);

impl Breaking {
    fn new(breaks: Vec<Break>) -> Self {
        Self(Arc::new(Mutex::new(BreakingState {
            file: data(1000),
            breaks,
            seen: Vec::new(),
            etags: Vec::new(),
            ignore_range_after_first: false,
            total_after_first: None,
        })))
    }

    fn client(&self) -> Client<Breaking> {
        Client::new(Config::new("cli", "s"), self.clone(), ManualClock::new(0))
    }

    fn seen(&self) -> Vec<(Option<u64>, Option<String>)> {
        self.0.lock().unwrap().seen.clone()
    }

    fn file(&self) -> Vec<u8> {
        self.0.lock().unwrap().file.clone()
    }
}

struct Chunks {
    left: std::collections::VecDeque<Vec<u8>>,
    then_error: bool,
}

impl lark_core::runtime::ByteStream for Chunks {
    fn next_chunk(
        &mut self,
    ) -> lark_core::BoxFuture<'_, Option<std::result::Result<Vec<u8>, HttpError>>> {
        let next = match self.left.pop_front() {
            Some(chunk) => Some(Ok(chunk)),
            None if std::mem::take(&mut self.then_error) => Some(Err(HttpError::new(
                lark_core::runtime::HttpErrorKind::Other,
                "connection reset",
            ))),
            None => None,
        };
        Box::pin(std::future::ready(next))
    }
}

impl lark_core::HttpClient for Breaking {
    fn execute(
        &self,
        _: http::Request<Vec<u8>>,
    ) -> lark_core::BoxFuture<'_, std::result::Result<http::Response<Vec<u8>>, HttpError>> {
        // Token requests only: downloads go through `execute_streaming`.
        Box::pin(std::future::ready(Ok(http::Response::new(
            serde_json::to_vec(&serde_json::json!({"code": 0, "tenant_access_token": "t"}))
                .unwrap(),
        ))))
    }

    fn execute_streaming(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> lark_core::BoxFuture<
        '_,
        std::result::Result<http::Response<lark_core::BodyStream>, HttpError>,
    > {
        if request.uri().path().ends_with("internal") {
            let sending = self.execute(request);
            return Box::pin(async move {
                let response = sending.await?;
                Ok(response.map(|body| {
                    Box::new(Chunks {
                        left: [body].into(),
                        then_error: false,
                    }) as lark_core::BodyStream
                }))
            });
        }
        let mut state = self.0.lock().unwrap();
        let header = |name: &str| {
            request
                .headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_owned())
        };
        let start = header("range").map(|v| {
            v.strip_prefix("bytes=")
                .and_then(|v| v.strip_suffix('-'))
                .unwrap()
                .parse::<u64>()
                .unwrap()
        });
        state.seen.push((start, header("if-range")));
        let first = state.seen.len() == 1;
        let start = if !first && state.ignore_range_after_first {
            None
        } else {
            start
        };
        if !first {
            // The file was replaced by one of another size.
            if let Some(size) = state.total_after_first.take() {
                state.file = data(size);
            }
        }
        let total = state.file.len();
        let from = start.unwrap_or(0) as usize;
        let body = state.file[from..].to_vec();
        let mut builder = http::Response::builder()
            .header("content-type", "application/pdf")
            .header("content-length", body.len());
        if let Some(tag) = state.etags.get(state.seen.len() - 1).or(state.etags.last()) {
            builder = builder.header("etag", *tag);
        }
        builder = match start {
            Some(start) => builder.status(206).header(
                "content-range",
                format!("bytes {start}-{}/{total}", total - 1),
            ),
            None => builder,
        };
        let (keep, then_error) = match (!state.breaks.is_empty()).then(|| state.breaks.remove(0)) {
            Some(Break::Error(after)) => (after.min(body.len()), true),
            Some(Break::Short(after)) => (after.min(body.len()), false),
            None => (body.len(), false),
        };
        let chunks = body[..keep].chunks(100).map(<[u8]>::to_vec).collect();
        let response = builder
            .body(Box::new(Chunks {
                left: chunks,
                then_error,
            }) as lark_core::BodyStream)
            .unwrap();
        Box::pin(std::future::ready(Ok(response)))
    }
}

#[test]
fn a_body_that_breaks_off_is_fetched_again_from_where_it_stopped() {
    let server = Breaking::new(vec![Break::Error(300), Break::Short(250)]);
    let progress = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&progress);
    let options = DownloadOptions::new().on_progress(move |p| seen.lock().unwrap().push(p));
    let client = server.client();
    let stream = futures_executor::block_on(client.download_stream(&Get, options)).unwrap();
    let mut stream = stream;
    let mut body = Vec::new();
    while let Some(chunk) = futures_executor::block_on(stream.next_chunk()) {
        body.extend(chunk.unwrap());
    }
    assert_eq!(body, server.file());
    assert_eq!(stream.resumed(), 2);
    assert_eq!(stream.received(), 1000);
    // The break after 300 bytes, then the short answer of 250 more.
    let starts: Vec<_> = server.seen().into_iter().map(|(start, _)| start).collect();
    assert_eq!(starts, [None, Some(300), Some(550)]);
    let progress = progress.lock().unwrap();
    let positions: Vec<u64> = progress.iter().map(|p| p.position).collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{positions:?}");
    assert_eq!(
        progress.last().map(|p| (p.received, p.position, p.total)),
        Some((1000, 1000, Some(1000)))
    );
}

#[test]
fn a_ranged_download_that_breaks_resumes_past_its_start() {
    let server = Breaking::new(vec![Break::Error(100)]);
    let client = server.client();
    let options = DownloadOptions::new().range_start(400);
    let stream = futures_executor::block_on(client.download_stream(&Get, options)).unwrap();
    let rest = futures_executor::block_on(stream.collect()).unwrap();
    assert_eq!(rest, server.file()[400..]);
    let starts: Vec<_> = server.seen().into_iter().map(|(start, _)| start).collect();
    assert_eq!(starts, [Some(400), Some(500)]);
}

#[test]
fn without_resumes_a_break_is_the_streams_error() {
    let server = Breaking::new(vec![Break::Error(300)]);
    let client = server.client();
    let options = DownloadOptions::new().resumes(0);
    let stream = futures_executor::block_on(client.download_stream(&Get, options)).unwrap();
    let error = futures_executor::block_on(stream.collect()).unwrap_err();
    assert!(matches!(error, Error::Transport(_)), "{error}");
    assert_eq!(server.seen().len(), 1);
}

#[test]
fn breaks_without_progress_stop_after_the_resumes() {
    // The first answer gives 200 bytes; every answer after breaks before its first byte.
    let server = Breaking::new(vec![Break::Error(200); 10]);
    {
        let mut state = server.0.lock().unwrap();
        for b in state.breaks.iter_mut().skip(1) {
            *b = Break::Error(0);
        }
    }
    let client = server.client();
    let options = DownloadOptions::new().resumes(2);
    let stream = futures_executor::block_on(client.download_stream(&Get, options)).unwrap();
    let error = futures_executor::block_on(stream.collect()).unwrap_err();
    assert!(matches!(error, Error::Transport(_)), "{error}");
    // The first answer and two resumes, all from byte 200 on.
    let starts: Vec<_> = server.seen().into_iter().map(|(start, _)| start).collect();
    assert_eq!(starts, [None, Some(200), Some(200)]);
}

#[test]
fn progress_between_breaks_renews_the_resumes() {
    // Five breaks, each after 100 more bytes: more than the resumes allowed in a row, but
    // each resume brings bytes.
    let server = Breaking::new(vec![Break::Error(100); 5]);
    let client = server.client();
    let options = DownloadOptions::new().resumes(1);
    let stream = futures_executor::block_on(client.download_stream(&Get, options)).unwrap();
    let body = futures_executor::block_on(stream.collect()).unwrap();
    assert_eq!(body, server.file());
    assert_eq!(server.seen().len(), 6);
}

#[test]
fn a_file_that_changed_is_not_spliced() {
    // Another size.
    let server = Breaking::new(vec![Break::Error(300)]);
    server.0.lock().unwrap().total_after_first = Some(1200);
    let client = server.client();
    let stream =
        futures_executor::block_on(client.download_stream(&Get, DownloadOptions::new())).unwrap();
    let error = futures_executor::block_on(stream.collect()).unwrap_err();
    assert!(error.to_string().contains("changed"), "{error}");
    assert!(error.to_string().contains("size"), "{error}");

    // Another strong ETag; the first one went out as If-Range.
    let server = Breaking::new(vec![Break::Error(300)]);
    server.0.lock().unwrap().etags = vec!["\"v1\"", "\"v2\""];
    let client = server.client();
    let stream =
        futures_executor::block_on(client.download_stream(&Get, DownloadOptions::new())).unwrap();
    let error = futures_executor::block_on(stream.collect()).unwrap_err();
    assert!(error.to_string().contains("ETag"), "{error}");
    assert_eq!(server.seen()[1], (Some(300), Some("\"v1\"".to_owned())));

    // A weak ETag is no proof of the same bytes: not sent, not compared.
    let server = Breaking::new(vec![Break::Error(300)]);
    server.0.lock().unwrap().etags = vec!["W/\"v1\"", "W/\"v2\""];
    let client = server.client();
    let stream =
        futures_executor::block_on(client.download_stream(&Get, DownloadOptions::new())).unwrap();
    assert_eq!(
        futures_executor::block_on(stream.collect()).unwrap(),
        server.file()
    );
    assert_eq!(server.seen()[1], (Some(300), None));

    // A whole answer to the resume (what If-Range gives for a changed file, or a server
    // without ranges): an error that names both.
    let server = Breaking::new(vec![Break::Error(300)]);
    server.0.lock().unwrap().ignore_range_after_first = true;
    let client = server.client();
    let stream =
        futures_executor::block_on(client.download_stream(&Get, DownloadOptions::new())).unwrap();
    let error = futures_executor::block_on(stream.collect()).unwrap_err();
    let text = error.to_string();
    assert!(
        text.contains("connection reset") || text.contains("transport"),
        "{text}"
    );
    assert!(text.contains("cannot be fetched again"), "{text}");
    assert!(text.contains("whole file"), "{text}");
}
