//! `lark drive upload` and `lark drive download`, run as processes against lark-mock on
//! 127.0.0.1: one `upload_all`, the three-step upload (one byte over 20 MiB, and small blocks
//! with a failing one), downloads to a file, to stdout, under the answer's name, and resumed.

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
