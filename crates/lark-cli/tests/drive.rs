//! `lark drive upload` and `lark drive download`, run as processes against lark-mock on
//! 127.0.0.1: one `upload_all`, the three-step upload (one byte over 20 MiB, and small blocks
//! with a failing one), uploads stopped and resumed from their state file (and resumes refused:
//! another file or target, an expired upload), downloads to a file, to stdout, under the
//! answer's name, and resumed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use lark_mock::MockServer;

fn lark(base_url: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_lark"));
    command
        .env("LARK_APP_ID", MockServer::APP_ID)
        .env("LARK_APP_SECRET", MockServer::APP_SECRET)
        .env("LARK_BASE_URL", base_url)
        .env_remove("LARK_DOMAIN")
        .env_remove("LARK_WWW_BASE_URL")
        .env_remove("LARK_HELPDESK_ID")
        .env_remove("LARK_HELPDESK_TOKEN")
        .env_remove("LARK_USER_TOKEN");
    command
}

/// Runs `lark ARGS` in `dir` off the runtime thread (the mock answers on the runtime).
async fn run(base_url: &str, dir: &Path, args: &[&str]) -> Output {
    let mut command = lark(base_url);
    command.current_dir(dir).args(args);
    tokio::task::spawn_blocking(move || command.output().expect("lark runs"))
        .await
        .expect("the command thread")
}

fn stdout_json(output: &Output) -> serde_json::Value {
    assert!(
        output.status.success(),
        "exit {:?}: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

/// A fresh directory under the system's temp dir, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("lark-cli-drive-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a temp dir");
        Self(dir)
    }

    fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, bytes).expect("the file is written");
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn pattern(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_small_file_goes_up_in_one_call_without_a_bar_when_piped() {
    let mock = MockServer::start().await.unwrap();
    let dir = TempDir::new("small");
    let bytes = pattern(1000);
    let path = dir.file("notes.txt", &bytes);
    let output = run(
        mock.base_url(),
        &dir.0,
        &[
            "drive",
            "upload",
            path.to_str().unwrap(),
            "--parent-node",
            "fldcnMock",
        ],
    )
    .await;
    let answer = stdout_json(&output);
    // Piped stderr: no progress bar, nothing at all.
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(answer["size"], 1000);
    assert_eq!(answer["parts"], 0);
    let stored = mock
        .drive_file(answer["file_token"].as_str().unwrap())
        .expect("the mock keeps it");
    assert_eq!(stored.bytes, bytes);
    assert_eq!(
        (stored.name.as_str(), stored.parent_type.as_str()),
        ("notes.txt", "explorer")
    );
    assert_eq!(
        mock.request_count("/open-apis/drive/v1/files/upload_all"),
        1
    );

    // 0 and 1 bytes, as a media under another name.
    for len in [0, 1] {
        let path = dir.file(&format!("f{len}.bin"), &pattern(len));
        let output = run(
            mock.base_url(),
            &dir.0,
            &[
                "drive",
                "upload",
                path.to_str().unwrap(),
                "--media",
                "--parent-type",
                "docx_file",
                "--parent-node",
                "doxcnMock",
                "--name",
                "attachment.bin",
            ],
        )
        .await;
        let answer = stdout_json(&output);
        let stored = mock
            .drive_file(answer["file_token"].as_str().unwrap())
            .unwrap();
        assert!(stored.media);
        assert_eq!(
            (stored.bytes.len(), stored.name.as_str()),
            (len, "attachment.bin")
        );
    }
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn one_byte_over_20_mib_takes_the_three_step_upload() {
    let mock = MockServer::start().await.unwrap();
    mock.set_upload_block_size(4 * 1024 * 1024);
    let dir = TempDir::new("big");
    let bytes = pattern(20 * 1024 * 1024 + 1);
    let path = dir.file("big.bin", &bytes);
    let output = run(
        mock.base_url(),
        &dir.0,
        &[
            "drive",
            "upload",
            path.to_str().unwrap(),
            "--parent-node",
            "fldcnMock",
        ],
    )
    .await;
    let answer = stdout_json(&output);
    // 5 whole blocks of 4 MiB and one of a single byte.
    assert_eq!(answer["parts"], 6);
    assert_eq!(
        mock.request_count("/open-apis/drive/v1/files/upload_all"),
        0
    );
    assert_eq!(mock.upload_parts_received(), 6);
    let stored = mock
        .drive_file(answer["file_token"].as_str().unwrap())
        .unwrap();
    assert!(stored.bytes == bytes, "the stored file differs");
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn small_blocks_with_a_failing_one_are_retried() {
    let mock = MockServer::start().await.unwrap();
    mock.set_upload_block_size(1024);
    mock.fail_upload_part(2, 2);
    let dir = TempDir::new("blocks");
    let bytes = pattern(5 * 1024 + 7);
    let path = dir.file("blocks.bin", &bytes);
    let output = run(
        mock.base_url(),
        &dir.0,
        &[
            "drive",
            "upload",
            path.to_str().unwrap(),
            "--parent-node",
            "fldcnMock",
            "--multipart-threshold",
            "0",
            "--parallel",
            "2",
        ],
    )
    .await;
    let answer = stdout_json(&output);
    assert_eq!(answer["parts"], 6);
    // Six blocks, block 2 twice more.
    assert_eq!(mock.upload_parts_received(), 8);
    let stored = mock
        .drive_file(answer["file_token"].as_str().unwrap())
        .unwrap();
    assert_eq!(stored.bytes, bytes);
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn usage_and_api_errors_fail() {
    let mock = MockServer::start().await.unwrap();
    let dir = TempDir::new("errors");
    let path = dir.file("x.bin", b"x");
    // A media needs its parent type.
    let no_type = run(
        mock.base_url(),
        &dir.0,
        &[
            "drive",
            "upload",
            path.to_str().unwrap(),
            "--media",
            "--parent-node",
            "d",
        ],
    )
    .await;
    assert_eq!(no_type.status.code(), Some(2));
    // A missing file.
    let missing = run(
        mock.base_url(),
        &dir.0,
        &["drive", "upload", "no-such-file.bin", "--parent-node", "d"],
    )
    .await;
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no-such-file.bin"));
    // A file the mock does not hold.
    let gone = run(
        mock.base_url(),
        &dir.0,
        &["drive", "download", "boxmock0", "-o", "out.bin"],
    )
    .await;
    assert_eq!(gone.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&gone.stderr);
    assert!(stderr.contains("1061003"), "{stderr}");
    // --resume needs -o.
    let resume = run(
        mock.base_url(),
        &dir.0,
        &["drive", "download", "boxmock0", "--resume"],
    )
    .await;
    assert_eq!(resume.status.code(), Some(2));
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn downloads_go_to_a_file_to_stdout_or_under_their_name() {
    let mock = MockServer::start().await.unwrap();
    mock.set_download_chunks(1000, std::time::Duration::ZERO);
    let dir = TempDir::new("download");
    let bytes = pattern(10_000);
    let token = mock.put_file("季度报告.pdf", bytes.clone());

    let to_file = run(
        mock.base_url(),
        &dir.0,
        &["drive", "download", &token, "-o", "out.pdf"],
    )
    .await;
    let summary = stdout_json(&to_file);
    assert!(
        to_file.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&to_file.stderr)
    );
    assert_eq!(summary["bytes_written"], 10_000);
    assert_eq!(summary["file_name"], "季度报告.pdf");
    assert_eq!(summary["content_type"], "application/pdf");
    assert_eq!(std::fs::read(dir.0.join("out.pdf")).unwrap(), bytes);

    let to_stdout = run(
        mock.base_url(),
        &dir.0,
        &["drive", "download", &token, "-o", "-"],
    )
    .await;
    assert!(to_stdout.status.success());
    assert_eq!(to_stdout.stdout, bytes);

    let named = run(mock.base_url(), &dir.0, &["drive", "download", &token]).await;
    let summary = stdout_json(&named);
    assert_eq!(summary["path"], "季度报告.pdf");
    assert_eq!(std::fs::read(dir.0.join("季度报告.pdf")).unwrap(), bytes);
    // The same again does not replace it.
    let again = run(mock.base_url(), &dir.0, &["drive", "download", &token]).await;
    assert_eq!(again.status.code(), Some(1));

    // A media, and an empty file.
    let media = mock.put_media("pic.png", b"png bytes".to_vec());
    let media_out = run(
        mock.base_url(),
        &dir.0,
        &["drive", "download", &media, "--media", "-o", "-"],
    )
    .await;
    assert_eq!(media_out.stdout, b"png bytes");
    let empty = mock.put_file("empty.txt", Vec::new());
    let empty_out = run(
        mock.base_url(),
        &dir.0,
        &["drive", "download", &empty, "-o", "empty.txt"],
    )
    .await;
    assert_eq!(stdout_json(&empty_out)["bytes_written"], 0);
    assert_eq!(std::fs::read(dir.0.join("empty.txt")).unwrap().len(), 0);
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stopped_download_resumes_with_a_range() {
    let mock = MockServer::start().await.unwrap();
    let dir = TempDir::new("resume");
    let bytes = pattern(50_000);
    let token = mock.put_file("data.bin", bytes.clone());
    // The first 12 345 bytes are already there.
    dir.file("data.bin", &bytes[..12_345]);
    let output = run(
        mock.base_url(),
        &dir.0,
        &["drive", "download", &token, "-o", "data.bin", "--resume"],
    )
    .await;
    let summary = stdout_json(&output);
    assert_eq!(summary["start"], 12_345);
    assert_eq!(summary["bytes_written"], 50_000 - 12_345);
    assert_eq!(std::fs::read(dir.0.join("data.bin")).unwrap(), bytes);
    let path = format!("/open-apis/drive/v1/files/{token}/download");
    let requests = mock.requests_to(&path);
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].header("range"), Some("bytes=12345-"));

    // Resuming a complete file asks for nothing more and leaves it as it is.
    let complete = run(
        mock.base_url(),
        &dir.0,
        &["drive", "download", &token, "-o", "data.bin", "--resume"],
    )
    .await;
    assert_eq!(stdout_json(&complete)["bytes_written"], 0);
    assert_eq!(std::fs::read(dir.0.join("data.bin")).unwrap(), bytes);
    mock.shutdown().await;
}

/// The arguments of a three-step upload of `path` (in the mock's blocks), with `extra` after
/// them.
fn in_parts<'a>(path: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "drive",
        "upload",
        path,
        "--parent-node",
        "fldcnMock",
        "--multipart-threshold",
        "0",
    ];
    args.extend_from_slice(extra);
    args
}

fn stderr_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The state file of `path`, read as JSON.
fn state_of(path: &Path) -> serde_json::Value {
    let mut name = path.as_os_str().to_owned();
    name.push(".lark-upload.json");
    let bytes = std::fs::read(PathBuf::from(name)).expect("the state file is there");
    serde_json::from_slice(&bytes).expect("the state file is JSON")
}

fn state_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".lark-upload.json");
    PathBuf::from(name)
}

/// Block size 1024 and 6 blocks; part 2 fails more often than the 3 attempts of the retry
/// policy, so the first run (one part at a time: they go in order) stops after parts 0 and 1
/// with the state saved.
/// `--restart` of the upload of `path`: it finishes, the mock holds `bytes`, and the state
/// file is gone.
async fn restart_and_check(mock: &MockServer, dir: &TempDir, path: &Path, bytes: &[u8]) {
    let path_text = path.to_str().unwrap();
    let restarted = run(
        mock.base_url(),
        &dir.0,
        &in_parts(path_text, &["--restart"]),
    )
    .await;
    let answer = stdout_json(&restarted);
    let stored = mock
        .drive_file(answer["file_token"].as_str().unwrap())
        .unwrap();
    assert!(stored.bytes == bytes, "the stored file differs");
    assert!(!state_path(path).exists());
}

async fn stopped_upload(mock: &MockServer, dir: &TempDir, name: &str) -> (PathBuf, Vec<u8>) {
    mock.set_upload_block_size(1024);
    mock.fail_upload_part(2, 3);
    let bytes = pattern(5 * 1024 + 7);
    let path = dir.file(name, &bytes);
    let before = mock.upload_parts_received();
    let args = in_parts(path.to_str().unwrap(), &["--parallel", "1"]);
    let output = run(mock.base_url(), &dir.0, &args).await;
    let stderr = stderr_of(&output);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("1061001"), "{stderr}");
    assert!(stderr.contains("--resume"), "{stderr}");
    // Parts 0 and 1 once, part 2 three times.
    assert_eq!(mock.upload_parts_received() - before, 5);
    let state = state_of(&path);
    assert_eq!(state["lark_upload_state"], 1);
    assert_eq!(state["state"]["parts_done"], serde_json::json!([0, 1]));
    assert_eq!(state["state"]["block_num"], 6);
    assert_eq!(state["target"]["parent_node"], "fldcnMock");
    // No temporary file is left beside it.
    let names: Vec<String> = std::fs::read_dir(&dir.0)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        names.iter().all(|n| !n.ends_with(".tmp")),
        "left over: {names:?}"
    );
    (path, bytes)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stopped_upload_resumes_with_the_missing_parts_only() {
    let mock = MockServer::start().await.unwrap();
    let dir = TempDir::new("upload-resume");
    let (path, bytes) = stopped_upload(&mock, &dir, "movie.bin").await;
    let path_text = path.to_str().unwrap();
    assert_eq!(mock.pending_uploads(), 1);

    let before = mock.upload_parts_received();
    let output = run(
        mock.base_url(),
        &dir.0,
        &in_parts(path_text, &["--resume", "--parallel", "2"]),
    )
    .await;
    let answer = stdout_json(&output);
    assert_eq!(answer["parts"], 6);
    // Parts 2 to 5, each once; no second upload_prepare.
    assert_eq!(mock.upload_parts_received() - before, 4);
    assert_eq!(
        mock.request_count("/open-apis/drive/v1/files/upload_prepare"),
        1
    );
    let stored = mock
        .drive_file(answer["file_token"].as_str().unwrap())
        .expect("the mock keeps it");
    assert!(stored.bytes == bytes, "the stored file differs");
    assert_eq!(
        (stored.name.as_str(), stored.parent_node.as_str()),
        ("movie.bin", "fldcnMock")
    );
    assert!(!state_path(&path).exists(), "the state file is removed");
    assert_eq!(mock.pending_uploads(), 0);

    // A finished upload leaves nothing to resume: --resume starts a new one, with a note.
    let again = run(mock.base_url(), &dir.0, &in_parts(path_text, &["--resume"])).await;
    assert_eq!(stdout_json(&again)["parts"], 6);
    assert!(
        stderr_of(&again).contains("no upload state"),
        "{}",
        stderr_of(&again)
    );
    assert!(!state_path(&path).exists());

    // A file under 20 MiB that goes at once writes no state file.
    let small = run(
        mock.base_url(),
        &dir.0,
        &["drive", "upload", path_text, "--parent-node", "fldcnMock"],
    )
    .await;
    assert_eq!(stdout_json(&small)["parts"], 0);
    assert!(!state_path(&path).exists());
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn all_parts_sent_resumes_with_the_finish_alone() {
    let mock = MockServer::start().await.unwrap();
    mock.set_upload_block_size(1024);
    let dir = TempDir::new("upload-finish");
    let bytes = pattern(3000);
    let path = dir.file("three.bin", &bytes);
    let state_file = dir.0.join("elsewhere.json");
    let state_text = state_file.to_str().unwrap();
    // upload_finish fails (its 5xx is not retried: it is not idempotent), after every part.
    let fault = lark_mock::Fault::lark_error(1_061_001, "internal error.").status(500);
    mock.inject(
        lark_mock::FaultRule::new(fault)
            .path("/open-apis/drive/v1/files/upload_finish")
            .once(),
    );
    let first = run(
        mock.base_url(),
        &dir.0,
        &in_parts(path.to_str().unwrap(), &["--state-file", state_text]),
    )
    .await;
    assert_eq!(first.status.code(), Some(1), "{}", stderr_of(&first));
    assert!(!state_path(&path).exists(), "--state-file is used instead");
    let saved: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&state_file).unwrap()).unwrap();
    assert_eq!(saved["state"]["parts_done"], serde_json::json!([0, 1, 2]));

    let before = mock.upload_parts_received();
    let output = run(
        mock.base_url(),
        &dir.0,
        &in_parts(
            path.to_str().unwrap(),
            &["--state-file", state_text, "--resume"],
        ),
    )
    .await;
    let answer = stdout_json(&output);
    assert_eq!(
        mock.upload_parts_received(),
        before,
        "no part is sent again"
    );
    let stored = mock
        .drive_file(answer["file_token"].as_str().unwrap())
        .unwrap();
    assert_eq!(stored.bytes, bytes);
    assert!(!state_file.exists());
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_state_file_of_another_upload_is_refused() {
    let mock = MockServer::start().await.unwrap();
    let dir = TempDir::new("upload-mismatch");
    let (path, bytes) = stopped_upload(&mock, &dir, "data.bin").await;
    let path_text = path.to_str().unwrap();
    let saved = std::fs::read(state_path(&path)).unwrap();
    let before = mock.upload_parts_received();

    // Without --resume the state file is neither used nor overwritten.
    let plain = run(mock.base_url(), &dir.0, &in_parts(path_text, &[])).await;
    let stderr = stderr_of(&plain);
    assert_eq!(plain.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("unfinished upload (2 of 6 parts sent)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("--resume") && stderr.contains("--restart"),
        "{stderr}"
    );

    // Another folder, another name, a media.
    let elsewhere = run(
        mock.base_url(),
        &dir.0,
        &[
            "drive",
            "upload",
            path_text,
            "--parent-node",
            "fldcnOther",
            "--multipart-threshold",
            "0",
            "--name",
            "renamed.bin",
            "--resume",
        ],
    )
    .await;
    let stderr = stderr_of(&elsewhere);
    assert_eq!(elsewhere.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("--parent-node was `fldcnMock`, is `fldcnOther`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("the name was `data.bin`, is `renamed.bin`"),
        "{stderr}"
    );
    assert!(stderr.contains("--restart"), "{stderr}");
    let media = run(
        mock.base_url(),
        &dir.0,
        &in_parts(
            path_text,
            &["--media", "--parent-type", "docx_file", "--resume"],
        ),
    )
    .await;
    let stderr = stderr_of(&media);
    assert_eq!(media.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("--media was not given, is given"),
        "{stderr}"
    );
    assert!(
        stderr.contains("--parent-type was `explorer`, is `docx_file`"),
        "{stderr}"
    );

    // The same name and size, but modified since.
    let file = std::fs::File::options().write(true).open(&path).unwrap();
    let modified = file.metadata().unwrap().modified().unwrap();
    file.set_modified(modified - std::time::Duration::from_secs(3600))
        .unwrap();
    drop(file);
    let touched = run(mock.base_url(), &dir.0, &in_parts(path_text, &["--resume"])).await;
    let stderr = stderr_of(&touched);
    assert_eq!(touched.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("modified since"), "{stderr}");

    // Another size.
    let mut longer = bytes.clone();
    longer.push(7);
    std::fs::write(&path, &longer).unwrap();
    let grown = run(mock.base_url(), &dir.0, &in_parts(path_text, &["--resume"])).await;
    let stderr = stderr_of(&grown);
    assert_eq!(grown.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("the file had 5127 bytes, has 5128"),
        "{stderr}"
    );

    // Nothing was sent and the state file is as it was.
    assert_eq!(mock.upload_parts_received(), before);
    assert_eq!(std::fs::read(state_path(&path)).unwrap(), saved);

    // A state file that is not one.
    std::fs::write(state_path(&path), b"{\"parts\": [1]}").unwrap();
    let garbled = run(mock.base_url(), &dir.0, &in_parts(path_text, &["--resume"])).await;
    let stderr = stderr_of(&garbled);
    assert_eq!(garbled.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("not a usable upload state file"),
        "{stderr}"
    );

    // A state file that would be the source itself is refused before anything is written.
    let onto_source = run(
        mock.base_url(),
        &dir.0,
        &in_parts(path_text, &["--state-file", path_text]),
    )
    .await;
    assert_eq!(onto_source.status.code(), Some(2));
    assert_eq!(std::fs::read(&path).unwrap(), longer);

    // --resume and --restart together are a usage error.
    let both = run(
        mock.base_url(),
        &dir.0,
        &in_parts(path_text, &["--resume", "--restart"]),
    )
    .await;
    assert_eq!(both.status.code(), Some(2));

    // --restart starts over and finishes.
    restart_and_check(&mock, &dir, &path, &longer).await;
    mock.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_expired_upload_is_refused_with_the_way_to_start_over() {
    let mock = MockServer::start().await.unwrap();
    let dir = TempDir::new("upload-expired");
    let (path, bytes) = stopped_upload(&mock, &dir, "old.bin").await;
    let path_text = path.to_str().unwrap();
    mock.expire_uploads();

    let expired = run(mock.base_url(), &dir.0, &in_parts(path_text, &["--resume"])).await;
    let stderr = stderr_of(&expired);
    assert_eq!(expired.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("1061021"), "{stderr}");
    assert!(stderr.contains("expired"), "{stderr}");
    assert!(
        stderr.contains("cannot be resumed: start over with --restart"),
        "{stderr}"
    );
    assert!(
        state_path(&path).exists(),
        "kept until the user starts over"
    );

    restart_and_check(&mock, &dir, &path, &bytes).await;
    assert_eq!(
        mock.request_count("/open-apis/drive/v1/files/upload_prepare"),
        2
    );
    mock.shutdown().await;
}
