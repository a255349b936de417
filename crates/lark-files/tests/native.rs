//! Uploads and downloads of every size through reqwest against lark-mock on loopback: the
//! one-request and three-step uploads, part retries, resume after a crash, cancellation,
//! streaming and ranged downloads. Every wait is bounded.
//!
//! `large_file_memory_and_throughput` (ignored by default) uploads and downloads 200 MB from
//! and to a file against a mock in a child process, and prints throughput and peak RSS:
//! `cargo test -p lark-files --all-features --release --test native -- --ignored --nocapture`.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use lark_api::drive::v1::{file, media};
use lark_core::{Client, Config, Domain, Error};
use lark_files::native::{
    FileSource, ReaderSource, download_to_file, download_to_file_with, download_to_writer,
};
use lark_files::{
    DownloadOptions, DownloadProgress, DownloadStream, FilesExt, Upload, UploadProgress,
    UploadState,
};
use lark_mock::{Fault, MockServer};
use lark_reqwest::ReqwestClient;

const WAIT: Duration = Duration::from_secs(30);
const PARTS_PATH: &str = "/open-apis/drive/v1/files/upload_part";
const PREPARE_PATH: &str = "/open-apis/drive/v1/files/upload_prepare";
const FINISH_PATH: &str = "/open-apis/drive/v1/files/upload_finish";
const MIB: usize = 1024 * 1024;

fn client_for(base_url: &str) -> Client<ReqwestClient> {
    let config = Config::new(MockServer::APP_ID, MockServer::APP_SECRET)
        .domain(Domain::Custom(base_url.to_owned()));
    lark_reqwest::client(config)
}

async fn setup() -> (MockServer, Client<ReqwestClient>) {
    let server = MockServer::start().await.expect("the mock starts");
    let client = client_for(server.base_url());
    (server, client)
}

/// Bytes that differ from position to position, so a part out of place shows.
fn data(len: usize) -> Vec<u8> {
    (0..len)
        .map(|i| (i.wrapping_mul(31) ^ (i >> 11)) as u8)
        .collect()
}

/// Reads `stream` to its end chunk by chunk, each chunk in time; the stream is kept for its
/// counters.
async fn read_all(mut stream: DownloadStream) -> (Vec<u8>, DownloadStream) {
    let mut body = Vec::new();
    while let Some(chunk) = bounded(stream.next_chunk()).await {
        body.extend(chunk.unwrap());
    }
    (body, stream)
}

async fn bounded<F: std::future::Future>(future: F) -> F::Output {
    tokio::time::timeout(WAIT, future)
        .await
        .expect("finished in time")
}

/// Uploads `bytes` as `upload` says, checks what the mock stored, downloads it back, and
/// returns the parts the upload went in.
async fn round_trip(
    server: &MockServer,
    client: &Client<ReqwestClient>,
    upload: Upload,
    bytes: &[u8],
) -> u64 {
    let mut source = bytes.to_vec();
    let uploaded = bounded(client.upload(upload, &mut source))
        .await
        .unwrap_or_else(|e| panic!("{} bytes: {e}", bytes.len()));
    let stored = server
        .drive_file(&uploaded.file_token)
        .expect("the mock stored the file");
    assert_eq!(stored.bytes.len(), bytes.len());
    assert!(stored.bytes == bytes, "{} bytes differ", bytes.len());
    let download = if stored.media {
        let endpoint = media::Download::new(uploaded.file_token.clone());
        bounded(client.download_stream(&endpoint, DownloadOptions::new())).await
    } else {
        let endpoint = file::Download::new(uploaded.file_token.clone());
        bounded(client.download_stream(&endpoint, DownloadOptions::new())).await
    }
    .expect("the download starts");
    assert_eq!(download.content_length, Some(bytes.len() as u64));
    let back = bounded(download.collect())
        .await
        .expect("the download ends");
    assert!(back == bytes, "{} bytes came back different", bytes.len());
    uploaded.parts
}

#[tokio::test]
async fn every_size_goes_up_and_comes_back() {
    let (server, client) = setup().await;
    let block = 64 * 1024;
    server.set_upload_block_size(block as u64);
    // At once: 0 B, 1 B, one block, and exactly the limit.
    for len in [0, 1, block] {
        let upload = Upload::file("a.bin", "explorer", "fld_root");
        assert_eq!(
            round_trip(&server, &client, upload, &data(len)).await,
            0,
            "{len}"
        );
    }
    assert_eq!(server.request_count(PREPARE_PATH), 0);
    // In parts: exactly one block, one byte over, several blocks and a short last one.
    for (len, parts) in [(block, 1), (block + 1, 2), (5 * block + 123, 6)] {
        let upload = Upload::file("a.bin", "explorer", "fld_root").multipart_threshold(0);
        assert_eq!(
            round_trip(&server, &client, upload, &data(len)).await,
            parts,
            "{len}"
        );
    }
    assert_eq!(server.request_count(PREPARE_PATH), 3);
    assert_eq!(server.request_count(PARTS_PATH), 1 + 2 + 6);
}

#[tokio::test]
async fn one_byte_over_twenty_mib_goes_in_parts_by_default() {
    let (server, client) = setup().await;
    server.set_upload_block_size(MIB as u64);
    let exactly = 20 * MIB;
    let upload = Upload::file("limit.bin", "explorer", "fld_root");
    assert_eq!(
        round_trip(&server, &client, upload, &data(exactly)).await,
        0
    );
    assert_eq!(server.request_count(PREPARE_PATH), 0);
    let upload = Upload::file("over.bin", "explorer", "fld_root");
    assert_eq!(
        round_trip(&server, &client, upload, &data(exactly + 1)).await,
        21
    );
    assert_eq!(server.request_count(PREPARE_PATH), 1);
    assert_eq!(server.request_count(PARTS_PATH), 21);
}

#[tokio::test]
async fn a_media_goes_through_the_media_endpoints() {
    let (server, client) = setup().await;
    server.set_upload_block_size(4096);
    let upload = Upload::media("a.png", "docx_image", "doxcn_1")
        .extra(r#"{"drive_route_token":"doxcn_1"}"#)
        .multipart_threshold(0);
    assert_eq!(round_trip(&server, &client, upload, &data(10_000)).await, 3);
    assert_eq!(
        server.request_count("/open-apis/drive/v1/medias/upload_part"),
        3
    );
    let upload = Upload::media("b.png", "docx_image", "doxcn_1");
    assert_eq!(round_trip(&server, &client, upload, &data(100)).await, 0);
}

#[tokio::test]
async fn progress_adds_up_to_the_whole() {
    let (server, client) = setup().await;
    server.set_upload_block_size(1000);
    let seen: Arc<Mutex<Vec<UploadProgress>>> = Arc::default();
    let report = Arc::clone(&seen);
    let upload = Upload::file("a.bin", "explorer", "fld_root")
        .multipart_threshold(0)
        .parallel(4)
        .on_progress(move |p| report.lock().unwrap().push(p));
    let mut source = data(9_500);
    bounded(client.upload(upload, &mut source)).await.unwrap();
    {
        let seen = seen.lock().unwrap();
        // Once at the start, once per part.
        assert_eq!(seen.len(), 11);
        assert_eq!((seen[0].bytes_sent, seen[0].parts_done), (0, 0));
        assert!(seen.windows(2).all(|w| w[0].bytes_sent < w[1].bytes_sent));
        let last = seen.last().unwrap();
        assert_eq!((last.bytes_sent, last.total), (9_500, 9_500));
        assert_eq!((last.parts_done, last.parts_total), (10, 10));
    }

    let token = server.put_file("b.bin", data(100_000));
    server.set_download_chunks(16 * 1024, Duration::ZERO);
    let seen: Arc<Mutex<Vec<DownloadProgress>>> = Arc::default();
    let report = Arc::clone(&seen);
    let options = DownloadOptions::new().on_progress(move |p| report.lock().unwrap().push(p));
    let mut out = Vec::new();
    let done = bounded(download_to_writer(
        &client,
        &file::Download::new(token),
        options,
        &mut out,
    ))
    .await
    .unwrap();
    assert_eq!(done.bytes_written, 100_000);
    assert_eq!(done.file_name.as_deref(), Some("b.bin"));
    assert_eq!(out, data(100_000));
    let seen = seen.lock().unwrap();
    assert!(seen.len() >= 2, "the body came in chunks: {}", seen.len());
    let last = seen.last().unwrap();
    assert_eq!((last.position, last.total), (100_000, Some(100_000)));
}

#[tokio::test]
async fn a_part_failing_twice_then_succeeding_is_retried_alone() {
    let (server, client) = setup().await;
    server.set_upload_block_size(4096);
    server.fail_upload_part(1, 2);
    let upload = Upload::file("a.bin", "explorer", "fld_root").multipart_threshold(0);
    assert_eq!(
        round_trip(&server, &client, upload, &data(4 * 4096)).await,
        4
    );
    // Four parts, and part 1 twice more.
    assert_eq!(server.request_count(PARTS_PATH), 6);
    assert_eq!(server.request_count(PREPARE_PATH), 1);

    // A dropped connection is retried too.
    server.fail_upload_part_with(0, 1, Fault::DropBeforeHandler);
    let upload = Upload::file("b.bin", "explorer", "fld_root").multipart_threshold(0);
    assert_eq!(
        round_trip(&server, &client, upload, &data(2 * 4096)).await,
        2
    );
}

#[tokio::test]
async fn a_crashed_upload_resumes_with_only_the_missing_parts() {
    let (server, client) = setup().await;
    server.set_upload_block_size(4096);
    // Part 3 fails more often than the retry policy tries: the upload stops there.
    server.fail_upload_part(3, 3);
    let bytes = data(6 * 4096 + 10);
    let path = std::env::temp_dir().join(format!("lark-files-resume-{}", std::process::id()));
    tokio::fs::write(&path, &bytes).await.unwrap();
    let saved: Arc<Mutex<Option<String>>> = Arc::default();
    let save = Arc::clone(&saved);
    let upload = Upload::file("a.bin", "explorer", "fld_root")
        .multipart_threshold(0)
        .parallel(1)
        .on_state(move |state: &UploadState| {
            *save.lock().unwrap() = Some(serde_json::to_string(state).unwrap());
        });
    let mut source = FileSource::open(&path).await.unwrap();
    let error = bounded(client.upload(upload, &mut source))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Some(1_061_001), "{error}");
    let saved = saved.lock().unwrap().clone().expect("a state was saved");
    let state: UploadState = serde_json::from_str(&saved).unwrap();
    assert_eq!(state.parts_done, [0, 1, 2]);
    assert_eq!(state.block_num, 7);

    // "After the crash": a new client, a new source, the saved state.
    server.clear_requests();
    let client = client_for(server.base_url());
    let mut source = FileSource::open(&path).await.unwrap();
    let upload = Upload::file("a.bin", "explorer", "fld_root").resume(state.clone());
    let uploaded = bounded(client.upload(upload, &mut source)).await.unwrap();
    assert_eq!(server.request_count(PREPARE_PATH), 0);
    assert_eq!(server.request_count(PARTS_PATH), 4);
    assert_eq!(server.request_count(FINISH_PATH), 1);
    assert_eq!(uploaded.parts, 7);
    assert!(server.drive_file(&uploaded.file_token).unwrap().bytes == bytes);

    // A forward-only reader cannot go back to part 3 from the start.
    let mut reader = ReaderSource::new(std::io::Cursor::new(bytes.clone()), bytes.len() as u64);
    let upload = Upload::file("a.bin", "explorer", "fld_root").resume(state);
    let error = bounded(client.upload(upload, &mut reader))
        .await
        .unwrap_err();
    assert!(
        matches!(&error, Error::Build(m) if m.contains("in order")),
        "{error}"
    );
    tokio::fs::remove_file(&path).await.unwrap();
}

#[tokio::test]
async fn a_reader_source_uploads_in_order() {
    let (server, client) = setup().await;
    server.set_upload_block_size(4096);
    let bytes = data(3 * 4096 + 1);
    let mut reader = ReaderSource::new(std::io::Cursor::new(bytes.clone()), bytes.len() as u64);
    let upload = Upload::file("a.bin", "explorer", "fld_root")
        .multipart_threshold(0)
        .parallel(3);
    let uploaded = bounded(client.upload(upload, &mut reader)).await.unwrap();
    assert_eq!(uploaded.parts, 4);
    assert!(server.drive_file(&uploaded.file_token).unwrap().bytes == bytes);
}

#[tokio::test]
async fn dropping_the_upload_stops_it() {
    let (server, client) = setup().await;
    server.set_upload_block_size(4096);
    for seq in 0..8 {
        server.fail_upload_part_with(seq, 1, Fault::Delay(Duration::from_millis(400)));
    }
    let upload = Upload::file("a.bin", "explorer", "fld_root")
        .multipart_threshold(0)
        .parallel(2);
    let mut source = data(8 * 4096);
    let cut = tokio::time::timeout(
        Duration::from_millis(200),
        client.upload(upload, &mut source),
    )
    .await;
    assert!(cut.is_err(), "the upload was still running");
    let at_drop = server.request_count(PARTS_PATH);
    assert!(
        at_drop <= 2,
        "at most `parallel` parts in flight: {at_drop}"
    );
    tokio::time::sleep(Duration::from_millis(900)).await;
    assert_eq!(server.request_count(PARTS_PATH), at_drop);
    assert_eq!(server.request_count(FINISH_PATH), 0);
}

#[tokio::test]
async fn a_broken_download_resumes_with_range_byte_for_byte() {
    let (server, client) = setup().await;
    let bytes = data(300_000);
    let token = server.put_file("movie.bin", bytes.clone());
    server.set_download_chunks(16 * 1024, Duration::ZERO);
    let endpoint = file::Download::new(token);
    let path = std::env::temp_dir().join(format!("lark-files-range-{}", std::process::id()));

    // The first download breaks off after two chunks.
    let mut stream = bounded(client.download_stream(&endpoint, DownloadOptions::new()))
        .await
        .unwrap();
    let mut partial = Vec::new();
    for _ in 0..2 {
        partial.extend(bounded(stream.next_chunk()).await.unwrap().unwrap());
    }
    drop(stream);
    assert!(partial.len() < bytes.len());
    tokio::fs::write(&path, &partial).await.unwrap();

    let done = bounded(download_to_file(&client, &endpoint, &path, true))
        .await
        .unwrap();
    assert_eq!(done.start, partial.len() as u64);
    assert_eq!(done.bytes_written, (bytes.len() - partial.len()) as u64);
    assert_eq!(done.total_size, Some(bytes.len() as u64));
    assert!(tokio::fs::read(&path).await.unwrap() == bytes);

    // Resuming a complete file leaves it as it is.
    let again = bounded(download_to_file(&client, &endpoint, &path, true))
        .await
        .unwrap();
    assert_eq!(again.bytes_written, 0);
    assert!(tokio::fs::read(&path).await.unwrap() == bytes);

    // Without resume the file is replaced whole.
    tokio::fs::write(&path, b"stale bytes that are longer than nothing")
        .await
        .unwrap();
    let seen: Arc<Mutex<Vec<DownloadProgress>>> = Arc::default();
    let report = Arc::clone(&seen);
    let options = DownloadOptions::new().on_progress(move |p| report.lock().unwrap().push(p));
    let whole = bounded(download_to_file_with(
        &client, &endpoint, &path, false, options,
    ))
    .await
    .unwrap();
    assert_eq!((whole.start, whole.bytes_written), (0, bytes.len() as u64));
    assert!(tokio::fs::read(&path).await.unwrap() == bytes);
    assert_eq!(
        seen.lock().unwrap().last().unwrap().position,
        bytes.len() as u64
    );
    tokio::fs::remove_file(&path).await.unwrap();
}

#[tokio::test]
async fn a_download_whose_connection_drops_is_fetched_again_from_where_it_broke() {
    let (server, client) = setup().await;
    let bytes = data(300_000);
    let token = server.put_file("movie.bin", bytes.clone());
    server.set_download_chunks(16 * 1024, Duration::ZERO);
    let path = format!("/open-apis/drive/v1/files/{token}/download");
    let endpoint = file::Download::new(token);

    // Two drops in a row: the stream fetches the rest twice, and the bytes are the file's.
    server.break_downloads(100_000, 2);
    let stream = bounded(client.download_stream(&endpoint, DownloadOptions::new()))
        .await
        .unwrap();
    let (body, stream) = read_all(stream).await;
    assert!(body == bytes, "the bytes differ");
    assert_eq!(stream.resumed(), 2);
    assert_eq!(server.request_count(&path), 3);

    // To a file: the same, through download_to_file.
    let target = std::env::temp_dir().join(format!("lark-files-drop-{}", std::process::id()));
    server.break_downloads(50_000, 1);
    let done = bounded(download_to_file(&client, &endpoint, &target, false))
        .await
        .unwrap();
    assert_eq!(done.bytes_written, bytes.len() as u64);
    assert!(tokio::fs::read(&target).await.unwrap() == bytes);
    tokio::fs::remove_file(&target).await.unwrap();

    // With resumes off, the drop is the error, and nothing else is asked for.
    let before = server.request_count(&path);
    server.break_downloads(100_000, 1);
    let stream = bounded(client.download_stream(&endpoint, DownloadOptions::new().resumes(0)))
        .await
        .unwrap();
    let error = bounded(stream.collect()).await.unwrap_err();
    assert!(
        matches!(error, Error::Transport(_) | Error::Decode(_)),
        "{error}"
    );
    assert_eq!(server.request_count(&path), before + 1);
}

#[tokio::test]
async fn a_ranged_stream_starts_where_asked() {
    let (server, client) = setup().await;
    let bytes = data(50_000);
    let token = server.put_file("a.bin", bytes.clone());
    let endpoint = file::Download::new(token);
    let stream =
        bounded(client.download_stream(&endpoint, DownloadOptions::new().range_start(12_345)))
            .await
            .unwrap();
    assert_eq!((stream.status, stream.start), (206, 12_345));
    assert_eq!(stream.total_size, Some(50_000));
    let tail = bounded(stream.collect()).await.unwrap();
    assert!(tail == bytes[12_345..]);
    // Past the end of the file: the server's 416 is an error.
    let error =
        bounded(client.download_stream(&endpoint, DownloadOptions::new().range_start(60_000)))
            .await
            .unwrap_err();
    assert!(error.to_string().contains("416"), "{error}");
}

#[tokio::test]
async fn a_missing_file_is_the_platforms_error_and_leaves_the_file_alone() {
    let (_server, client) = setup().await;
    let endpoint = file::Download::new("boxmock_missing");
    let error = bounded(client.download_stream(&endpoint, DownloadOptions::new()))
        .await
        .unwrap_err();
    assert_eq!(error.http_status(), Some(404), "{error}");
    assert!(error.code().is_some(), "{error}");
    let path = std::env::temp_dir().join(format!("lark-files-missing-{}", std::process::id()));
    tokio::fs::write(&path, b"keep me").await.unwrap();
    assert!(
        bounded(download_to_file(&client, &endpoint, &path, false))
            .await
            .is_err()
    );
    assert_eq!(tokio::fs::read(&path).await.unwrap(), b"keep me");
    tokio::fs::remove_file(&path).await.unwrap();
}

#[tokio::test]
async fn the_timeout_bounds_each_chunk_not_the_whole_body() {
    let (server, client) = setup().await;
    let bytes = data(10 * 1024);
    let token = server.put_file("slow.bin", bytes.clone());
    let endpoint = file::Download::new(token);
    // Ten chunks 60 ms apart: 600 ms in all, never 300 ms without a chunk.
    server.set_download_chunks(1024, Duration::from_millis(60));
    let options = lark_core::RequestOptions::new().timeout(Duration::from_millis(300));
    let stream =
        bounded(client.download_stream(&endpoint, DownloadOptions::new().request(options.clone())))
            .await
            .unwrap();
    assert!(bounded(stream.collect()).await.unwrap() == bytes);
    // Without resumes, a chunk that takes longer than the timeout ends the download.
    server.set_download_chunks(4 * 1024, Duration::from_millis(600));
    let options = options.retry(lark_core::RetryPolicy::none());
    let result = bounded(async {
        let stream = client
            .download_stream(
                &endpoint,
                DownloadOptions::new().request(options.clone()).resumes(0),
            )
            .await?;
        stream.collect().await
    })
    .await;
    assert!(matches!(result, Err(Error::Timeout(_))), "{result:?}");
    // With them (the default), the stalled body is fetched again from where it stopped; each
    // answer brings a chunk, so the download moves on and completes.
    let stream =
        bounded(client.download_stream(&endpoint, DownloadOptions::new().request(options)))
            .await
            .unwrap();
    let (body, stream) = read_all(stream).await;
    assert!(body == bytes, "the bytes differ");
    assert_eq!(stream.resumed(), 2);
}

// ----- 200 MB: memory and throughput -----

/// The environment variable that makes `serve_mock_for_bench` serve instead of returning.
const SERVE_ENV: &str = "LARK_FILES_BENCH_SERVE";

/// Peak resident memory of this process (VmHWM), in bytes.
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Run by `large_file_memory_and_throughput` in a child process, so the mock's copy of the
/// file does not count in the client's memory: prints the mock's URL, serves until stdin
/// closes.
#[tokio::test]
#[ignore = "a helper process of large_file_memory_and_throughput"]
async fn serve_mock_for_bench() {
    if std::env::var_os(SERVE_ENV).is_none() {
        return;
    }
    let server = MockServer::start().await.unwrap();
    println!("LARK_MOCK_URL={}", server.base_url());
    // Wait for the parent to close stdin (bounded: an hour at most).
    let wait = tokio::task::spawn_blocking(|| {
        let mut line = String::new();
        while std::io::stdin()
            .read_line(&mut line)
            .map(|n| n > 0)
            .unwrap_or(false)
        {
            line.clear();
        }
    });
    let _ = tokio::time::timeout(Duration::from_secs(3600), wait).await;
}

#[tokio::test]
#[ignore = "200 MB through loopback; run with --release --ignored --nocapture"]
async fn large_file_memory_and_throughput() {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt};

    let size: usize = 200 * 1000 * 1000;
    let mut child = tokio::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "serve_mock_for_bench",
            "--exact",
            "--ignored",
            "--nocapture",
        ])
        .env(SERVE_ENV, "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let base_url = tokio::time::timeout(WAIT, async {
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(url) = line.strip_prefix("LARK_MOCK_URL=") {
                return url.to_owned();
            }
        }
        panic!("the mock process ended without a URL");
    })
    .await
    .unwrap();
    let client = client_for(&base_url);

    // The file is written 1 MiB at a time: the test never holds it whole.
    let dir = std::env::temp_dir();
    let source_path = dir.join(format!("lark-files-bench-up-{}", std::process::id()));
    let target_path = dir.join(format!("lark-files-bench-down-{}", std::process::id()));
    let mut checksum = lark_files::Adler32::new();
    {
        let mut out = tokio::fs::File::create(&source_path).await.unwrap();
        let mut written = 0;
        while written < size {
            let chunk: Vec<u8> = (written..(written + MIB).min(size))
                .map(|i| (i.wrapping_mul(31) ^ (i >> 11)) as u8)
                .collect();
            checksum.update(&chunk);
            out.write_all(&chunk).await.unwrap();
            written += chunk.len();
        }
        out.flush().await.unwrap();
    }
    let before = peak_rss().unwrap_or(0);

    let mut source = FileSource::open(&source_path).await.unwrap();
    let started = Instant::now();
    let uploaded = tokio::time::timeout(
        Duration::from_secs(600),
        client.upload(Upload::file("big.bin", "explorer", "fld_root"), &mut source),
    )
    .await
    .unwrap()
    .unwrap();
    let upload_time = started.elapsed();
    let after_upload = peak_rss().unwrap_or(0);

    let started = Instant::now();
    let downloaded = tokio::time::timeout(
        Duration::from_secs(600),
        download_to_file(
            &client,
            &file::Download::new(uploaded.file_token.clone()),
            &target_path,
            false,
        ),
    )
    .await
    .unwrap()
    .unwrap();
    let download_time = started.elapsed();
    let after_download = peak_rss().unwrap_or(0);
    assert_eq!(downloaded.bytes_written, size as u64);

    // The file came back whole: same checksum, read 1 MiB at a time.
    {
        use tokio::io::AsyncReadExt;
        let mut back = lark_files::Adler32::new();
        let mut file = tokio::fs::File::open(&target_path).await.unwrap();
        let mut buffer = vec![0; MIB];
        loop {
            let n = file.read(&mut buffer).await.unwrap();
            if n == 0 {
                break;
            }
            back.update(&buffer[..n]);
        }
        assert_eq!(back.value(), checksum.value());
    }
    drop(child.stdin.take());
    let _ = tokio::time::timeout(WAIT, child.wait()).await;
    let _ = tokio::fs::remove_file(&source_path).await;
    let _ = tokio::fs::remove_file(&target_path).await;

    let mb = size as f64 / 1e6;
    println!(
        "upload: {} parts, {mb:.0} MB in {upload_time:.2?} = {:.1} MB/s; peak RSS {:.1} MiB \
         (before {:.1} MiB)",
        uploaded.parts,
        mb / upload_time.as_secs_f64(),
        after_upload as f64 / MIB as f64,
        before as f64 / MIB as f64,
    );
    println!(
        "download: {mb:.0} MB in {download_time:.2?} = {:.1} MB/s; peak RSS {:.1} MiB",
        mb / download_time.as_secs_f64(),
        after_download as f64 / MIB as f64,
    );
    assert!(
        after_download < 64 * MIB as u64,
        "peak RSS {after_download} bytes is not under 64 MiB"
    );
}
