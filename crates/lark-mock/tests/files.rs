//! Drive files and medias on the mock, driven with plain HTTP calls: `upload_all`, the
//! three-step upload (checksums, block order and sizes, a finish with blocks missing, an expired
//! upload id, another caller), part faults, and downloads in chunks with `Range`.

use std::time::Duration;

use lark_mock::{Fault, MockServer, codes, drive_codes};
use serde_json::{Value, json};

const USER_TOKEN: &str = "u-drive-files";

struct Mock {
    server: MockServer,
    client: lark_reqwest::ReqwestClient,
    tenant: String,
}

/// Reads a reqwest answer into an [`Answer`] (a macro: reqwest is reached through lark-reqwest,
/// so its types cannot be named here).
macro_rules! read {
    ($answer:expr) => {{
        let answer = $answer;
        let status = answer.status().as_u16();
        let headers = answer.headers().clone();
        answer.bytes().await.map(|body| Answer {
            status,
            headers,
            body: body.to_vec(),
        })
    }};
}

/// An answer: the status, the headers and the body.
struct Answer {
    status: u16,
    headers: http::HeaderMap,
    body: Vec<u8>,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    fn code(&self) -> i64 {
        self.json()["code"].as_i64().expect("a code")
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A form field: text, or a file part with a file name.
enum Field<'a> {
    Text(&'a str, String),
    File(&'a [u8]),
}

const BOUNDARY: &str = "lark-mock-files-test";

fn form(fields: &[Field<'_>]) -> Vec<u8> {
    let mut body = Vec::new();
    for field in fields {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match field {
            Field::Text(name, value) => {
                body.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                        .as_bytes(),
                );
            }
            Field::File(bytes) => {
                body.extend_from_slice(
                    b"Content-Disposition: form-data; name=\"file\"; filename=\"part.bin\"\r\n\
                      Content-Type: application/octet-stream\r\n\r\n",
                );
                body.extend_from_slice(bytes);
                body.extend_from_slice(b"\r\n");
            }
        }
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// Adler-32 as a decimal string (written out here, apart from the mock's own).
fn adler(data: &[u8]) -> String {
    let (mut a, mut b) = (1u64, 0u64);
    for &byte in data {
        a = (a + u64::from(byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    ((b << 16) | a).to_string()
}

impl Mock {
    async fn start() -> Self {
        let server = MockServer::start().await.expect("the mock starts");
        server.add_user_token(USER_TOKEN, "ou_drive");
        let mut mock = Self {
            server,
            client: lark_reqwest::ReqwestClient::new(),
            tenant: String::new(),
        };
        let answer = mock
            .post_json(
                "/open-apis/auth/v3/tenant_access_token/internal",
                None,
                json!({"app_id": MockServer::APP_ID, "app_secret": MockServer::APP_SECRET}),
            )
            .await;
        mock.tenant = answer.json()["tenant_access_token"]
            .as_str()
            .expect("a tenant token")
            .to_owned();
        mock
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.base_url())
    }

    async fn post_json(&self, path: &str, token: Option<&str>, body: Value) -> Answer {
        let mut request = self
            .client
            .reqwest()
            .post(self.url(path))
            .header("Content-Type", "application/json")
            .body(body.to_string());
        if let Some(token) = token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        read!(request.send().await.expect("answered")).expect("a body")
    }

    async fn try_post_form(
        &self,
        path: &str,
        token: &str,
        fields: &[Field<'_>],
    ) -> Result<Answer, String> {
        let answer = self
            .client
            .reqwest()
            .post(self.url(path))
            .header("Authorization", format!("Bearer {token}"))
            .header(
                "Content-Type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(form(fields))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        read!(answer).map_err(|e| e.to_string())
    }

    async fn post_form(&self, path: &str, fields: &[Field<'_>]) -> Answer {
        self.try_post_form(path, &self.tenant, fields)
            .await
            .expect("answered")
    }

    async fn get(&self, path: &str, range: Option<&str>) -> Answer {
        let mut request = self
            .client
            .reqwest()
            .get(self.url(path))
            .header("Authorization", format!("Bearer {}", self.tenant));
        if let Some(range) = range {
            request = request.header("Range", range);
        }
        read!(request.send().await.expect("answered")).expect("a body")
    }

    async fn upload_all(
        &self,
        area: &str,
        name: &str,
        size: u64,
        bytes: &[u8],
        checksum: Option<String>,
    ) -> Answer {
        let parent_type = if area == "files" {
            "explorer"
        } else {
            "docx_image"
        };
        let mut fields = vec![
            Field::Text("file_name", name.to_owned()),
            Field::Text("parent_type", parent_type.to_owned()),
            Field::Text("parent_node", "fldmock".to_owned()),
            Field::Text("size", size.to_string()),
        ];
        if let Some(checksum) = checksum {
            fields.push(Field::Text("checksum", checksum));
        }
        fields.push(Field::File(bytes));
        self.post_form(&format!("/open-apis/drive/v1/{area}/upload_all"), &fields)
            .await
    }

    /// Prepares a drive-file upload of `size` bytes as `token`; returns the answer's data.
    async fn prepare(&self, area: &str, size: u64, token: &str) -> Value {
        let parent_type = if area == "files" {
            "explorer"
        } else {
            "docx_image"
        };
        let answer = self
            .post_json(
                &format!("/open-apis/drive/v1/{area}/upload_prepare"),
                Some(token),
                json!({"file_name": "big.bin", "parent_type": parent_type, "parent_node": "fldmock", "size": size}),
            )
            .await;
        assert_eq!(answer.code(), 0, "{}", answer.json());
        answer.json()["data"].clone()
    }

    /// Sends one block as `token`, every field spelled out (the tests vary each).
    #[allow(clippy::too_many_arguments)]
    async fn part_as(
        &self,
        area: &str,
        token: &str,
        upload_id: &str,
        seq: u64,
        size: u64,
        bytes: &[u8],
        checksum: Option<String>,
    ) -> Result<Answer, String> {
        let mut fields = vec![
            Field::Text("upload_id", upload_id.to_owned()),
            Field::Text("seq", seq.to_string()),
            Field::Text("size", size.to_string()),
        ];
        if let Some(checksum) = checksum {
            fields.push(Field::Text("checksum", checksum));
        }
        fields.push(Field::File(bytes));
        self.try_post_form(
            &format!("/open-apis/drive/v1/{area}/upload_part"),
            token,
            &fields,
        )
        .await
    }

    /// Sends block `seq` of `file` (blocks of `block`) with its checksum, as the tenant.
    async fn part(&self, upload_id: &str, seq: u64, file: &[u8], block: usize) -> Answer {
        let start = usize::try_from(seq).expect("small") * block;
        let bytes = &file[start..(start + block).min(file.len())];
        self.part_as(
            "files",
            &self.tenant.clone(),
            upload_id,
            seq,
            bytes.len() as u64,
            bytes,
            Some(adler(bytes)),
        )
        .await
        .expect("answered")
    }

    async fn finish(&self, area: &str, upload_id: &str, block_num: u64) -> Answer {
        self.post_json(
            &format!("/open-apis/drive/v1/{area}/upload_finish"),
            Some(&self.tenant),
            json!({"upload_id": upload_id, "block_num": block_num}),
        )
        .await
    }
}

fn id_of(data: &Value) -> String {
    data["upload_id"].as_str().expect("an upload id").to_owned()
}

#[tokio::test]
async fn upload_all_checks_size_checksum_and_limit() {
    let mock = Mock::start().await;
    let bytes = b"hello, drive";
    let ok = mock
        .upload_all(
            "files",
            "hello.txt",
            bytes.len() as u64,
            bytes,
            Some(adler(bytes)),
        )
        .await;
    assert_eq!((ok.status, ok.code()), (200, 0), "{}", ok.json());
    let token = ok.json()["data"]["file_token"]
        .as_str()
        .expect("a file token")
        .to_owned();
    let stored = mock.server.drive_file(&token).expect("stored");
    assert_eq!(stored.bytes, bytes);
    assert_eq!(stored.name, "hello.txt");
    assert_eq!(stored.content_type, "text/plain");
    assert_eq!(
        (stored.parent_type.as_str(), stored.media),
        ("explorer", false)
    );

    let wrong_sum = mock
        .upload_all(
            "files",
            "a.txt",
            bytes.len() as u64,
            bytes,
            Some("12345".into()),
        )
        .await;
    assert_eq!(
        (wrong_sum.status, wrong_sum.code()),
        (400, drive_codes::CHECKSUM_INVALID)
    );
    let not_a_number = mock
        .upload_all(
            "files",
            "a.txt",
            bytes.len() as u64,
            bytes,
            Some("0x1f".into()),
        )
        .await;
    assert_eq!(not_a_number.code(), drive_codes::CHECKSUM_INVALID);
    let short = mock
        .upload_all("files", "a.txt", 99, bytes, Some(adler(bytes)))
        .await;
    assert_eq!(short.code(), drive_codes::SIZE_MISMATCH);
    // Without a checksum the size is taken at its word (the generated every-endpoint test
    // sends a sample size), and the file is what came.
    let unchecked = mock.upload_all("files", "a.txt", 99, bytes, None).await;
    assert_eq!(unchecked.code(), 0);
    let long_name = "n".repeat(251);
    let too_long = mock.upload_all("files", &long_name, 1, b"x", None).await;
    assert_eq!(too_long.code(), drive_codes::PARAMS_ERROR);
    let no_file = mock
        .post_form(
            "/open-apis/drive/v1/files/upload_all",
            &[
                Field::Text("file_name", "a.txt".into()),
                Field::Text("parent_type", "explorer".into()),
                Field::Text("parent_node", "x".into()),
                Field::Text("size", "1".into()),
            ],
        )
        .await;
    assert_eq!(no_file.code(), drive_codes::PARAMS_ERROR);

    // 0 bytes (Adler-32 of nothing is 1), and a media.
    let empty = mock
        .upload_all("files", "empty.bin", 0, b"", Some("1".into()))
        .await;
    assert_eq!(empty.code(), 0, "{}", empty.json());
    let media = mock
        .upload_all("medias", "pic.png", 3, b"png", Some(adler(b"png")))
        .await;
    assert_eq!(media.code(), 0, "{}", media.json());
    let media_token = media.json()["data"]["file_token"]
        .as_str()
        .expect("a token")
        .to_owned();
    let media_file = mock.server.drive_file(&media_token).expect("stored");
    assert!(media_file.media);
    assert_eq!(media_file.content_type, "image/png");

    // The 20 MiB limit, lowered here to keep the test small.
    mock.server.set_upload_all_limit(8);
    let big = mock
        .upload_all("files", "big.bin", 9, &[7u8; 9], None)
        .await;
    assert_eq!(
        (big.status, big.code()),
        (400, drive_codes::FILE_SIZE_BEYOND_LIMIT)
    );
    let at_limit = mock
        .upload_all("files", "big.bin", 8, &[7u8; 8], None)
        .await;
    assert_eq!(at_limit.code(), 0);

    // Tokens are checked like everywhere else.
    let anonymous = mock
        .client
        .reqwest()
        .post(mock.url("/open-apis/drive/v1/files/upload_all"))
        .header(
            "Content-Type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(form(&[Field::File(b"x")]))
        .send()
        .await
        .expect("answered");
    let anonymous = read!(anonymous).expect("a body");
    assert_eq!(anonymous.code(), codes::MISSING_ACCESS_TOKEN);
    mock.server.shutdown().await;
}

#[tokio::test]
async fn the_three_step_upload_assembles_blocks_in_order() {
    let mock = Mock::start().await;
    mock.server.set_upload_block_size(4);
    let file: Vec<u8> = (0u8..10).collect();
    let data = mock.prepare("files", 10, &mock.tenant).await;
    assert_eq!(
        (data["block_size"].as_u64(), data["block_num"].as_u64()),
        (Some(4), Some(3))
    );
    let upload_id = id_of(&data);
    assert_eq!(mock.server.pending_uploads(), 1);

    // Blocks may come in any order (clients send them in parallel); a block sent twice replaces
    // the first copy.
    for seq in [2, 0, 0, 1] {
        let answer = mock.part(&upload_id, seq, &file, 4).await;
        assert_eq!(
            (answer.status, answer.code()),
            (200, 0),
            "seq {seq}: {}",
            answer.json()
        );
    }
    assert_eq!(mock.server.upload_parts_received(), 4);
    let done = mock.finish("files", &upload_id, 3).await;
    assert_eq!(done.code(), 0, "{}", done.json());
    let token = done.json()["data"]["file_token"]
        .as_str()
        .expect("a token")
        .to_owned();
    assert_eq!(mock.server.drive_file(&token).expect("stored").bytes, file);
    assert_eq!(mock.server.pending_uploads(), 0);

    // A finished upload id is gone.
    let again = mock.part(&upload_id, 0, &file, 4).await;
    assert_eq!(again.code(), drive_codes::PARAMS_ERROR);
    let downloaded = mock
        .get(&format!("/open-apis/drive/v1/files/{token}/download"), None)
        .await;
    assert_eq!(downloaded.body, file);

    // A media goes the same way, and its token is not a drive file's.
    let media = mock.prepare("medias", 5, &mock.tenant).await;
    let media_id = id_of(&media);
    for (seq, bytes) in [(0u64, &b"abcd"[..]), (1, b"e")] {
        let answer = mock
            .part_as(
                "medias",
                &mock.tenant,
                &media_id,
                seq,
                bytes.len() as u64,
                bytes,
                None,
            )
            .await
            .expect("answered");
        assert_eq!(answer.code(), 0, "{}", answer.json());
    }
    let media_done = mock.finish("medias", &media_id, 2).await;
    let media_token = media_done.json()["data"]["file_token"]
        .as_str()
        .expect("a token")
        .to_owned();
    let as_media = mock
        .get(
            &format!("/open-apis/drive/v1/medias/{media_token}/download"),
            None,
        )
        .await;
    assert_eq!(as_media.body, b"abcde");
    let as_file = mock
        .get(
            &format!("/open-apis/drive/v1/files/{media_token}/download"),
            None,
        )
        .await;
    assert_eq!(
        (as_file.status, as_file.code()),
        (404, drive_codes::NOT_FOUND)
    );

    // 0 bytes: no blocks at all.
    let empty = mock.prepare("files", 0, &mock.tenant).await;
    assert_eq!(empty["block_num"].as_u64(), Some(0));
    let empty_done = mock.finish("files", &id_of(&empty), 0).await;
    assert_eq!(empty_done.code(), 0, "{}", empty_done.json());
    mock.server.shutdown().await;
}

#[tokio::test]
async fn bad_blocks_are_refused_with_the_platforms_codes() {
    let mock = Mock::start().await;
    mock.server.set_upload_block_size(4);
    let file: Vec<u8> = (100u8..110).collect();
    let upload_id = id_of(&mock.prepare("files", 10, &mock.tenant).await);
    let tenant = mock.tenant.clone();
    let send = |seq: u64, size: u64, bytes: Vec<u8>, checksum: Option<String>| {
        let (mock, tenant, upload_id) = (&mock, tenant.clone(), upload_id.clone());
        async move {
            mock.part_as("files", &tenant, &upload_id, seq, size, &bytes, checksum)
                .await
                .expect("answered")
                .code()
        }
    };
    // Out of range.
    assert_eq!(
        send(3, 4, file[..4].to_vec(), None).await,
        drive_codes::BLOCK_NUM_OUT_OF_BOUNDS
    );
    // `size` says 4, 3 bytes came.
    assert_eq!(
        send(0, 4, file[..3].to_vec(), None).await,
        drive_codes::SIZE_MISMATCH
    );
    // A middle block that is not a whole block, and a last block of the wrong size.
    assert_eq!(
        send(1, 3, file[4..7].to_vec(), None).await,
        drive_codes::SIZE_MISMATCH
    );
    assert_eq!(
        send(2, 4, file[6..10].to_vec(), None).await,
        drive_codes::SIZE_MISMATCH
    );
    // A checksum that does not match.
    let wrong = adler(&file[1..5]);
    assert_eq!(
        send(0, 4, file[..4].to_vec(), Some(wrong)).await,
        drive_codes::CHECKSUM_INVALID
    );
    // A missing form field.
    let no_seq = mock
        .post_form(
            "/open-apis/drive/v1/files/upload_part",
            &[
                Field::Text("upload_id", upload_id.clone()),
                Field::Text("size", "4".into()),
                Field::File(&file[..4]),
            ],
        )
        .await;
    assert_eq!(no_seq.code(), drive_codes::PARAMS_ERROR);
    // None of those was stored: finishing now names every block.
    let missing = mock.finish("files", &upload_id, 3).await;
    assert_eq!(missing.code(), drive_codes::BLOCK_MISSING);
    assert!(
        missing.json()["msg"]
            .as_str()
            .expect("a msg")
            .contains("seq 0, 1, 2"),
        "{}",
        missing.json()
    );

    assert_eq!(mock.part(&upload_id, 0, &file, 4).await.code(), 0);
    assert_eq!(mock.part(&upload_id, 2, &file, 4).await.code(), 0);
    let one_missing = mock.finish("files", &upload_id, 3).await;
    assert_eq!(one_missing.code(), drive_codes::BLOCK_MISSING);
    assert!(
        one_missing.json()["msg"]
            .as_str()
            .expect("a msg")
            .contains("(seq 1)")
    );
    // block_num must be the prepared one.
    assert_eq!(
        mock.finish("files", &upload_id, 2).await.code(),
        drive_codes::PARAMS_ERROR
    );

    // Another caller cannot continue the tenant's upload.
    let as_user = mock
        .part_as("files", USER_TOKEN, &upload_id, 1, 4, &file[4..8], None)
        .await
        .expect("answered");
    assert_eq!(as_user.code(), drive_codes::UPLOAD_USER_NOT_MATCH);
    // Nor the media endpoint.
    let as_media = mock
        .part_as("medias", &tenant, &upload_id, 1, 4, &file[4..8], None)
        .await
        .expect("answered");
    assert_eq!(as_media.code(), drive_codes::PARAMS_ERROR);

    assert_eq!(mock.part(&upload_id, 1, &file, 4).await.code(), 0);
    assert_eq!(mock.finish("files", &upload_id, 3).await.code(), 0);
    mock.server.shutdown().await;
}

#[tokio::test]
async fn blocks_of_the_platforms_size_fit() {
    // 4 MiB blocks and a 20 MiB upload_all are above axum's default body limit.
    let mock = Mock::start().await;
    let file = vec![9u8; 4 * 1024 * 1024 + 1];
    let data = mock.prepare("files", file.len() as u64, &mock.tenant).await;
    assert_eq!(data["block_size"].as_u64(), Some(4 * 1024 * 1024));
    let upload_id = id_of(&data);
    for seq in 0..2 {
        let answer = mock.part(&upload_id, seq, &file, 4 * 1024 * 1024).await;
        assert_eq!(answer.code(), 0, "{}", answer.json());
    }
    assert_eq!(mock.finish("files", &upload_id, 2).await.code(), 0);
    let whole = vec![3u8; 20 * 1024 * 1024];
    let answer = mock
        .upload_all("files", "whole.bin", whole.len() as u64, &whole, None)
        .await;
    assert_eq!(answer.code(), 0, "{}", answer.json());
    mock.server.shutdown().await;
}

#[tokio::test]
async fn upload_ids_expire() {
    let mock = Mock::start().await;
    mock.server.set_upload_block_size(4);
    let file = [1u8; 8];
    let first = id_of(&mock.prepare("files", 8, &mock.tenant).await);
    assert_eq!(mock.part(&first, 0, &file, 4).await.code(), 0);
    mock.server.expire_uploads();
    let late_part = mock.part(&first, 1, &file, 4).await;
    assert_eq!(
        (late_part.status, late_part.code()),
        (400, drive_codes::UPLOAD_ID_EXPIRED)
    );
    assert_eq!(
        mock.finish("files", &first, 2).await.code(),
        drive_codes::UPLOAD_ID_EXPIRED
    );

    // A short lifetime for ids prepared from now on.
    mock.server.set_upload_ttl(Duration::from_millis(50));
    let second = id_of(&mock.prepare("files", 8, &mock.tenant).await);
    assert_eq!(mock.part(&second, 0, &file, 4).await.code(), 0);
    tokio::time::sleep(Duration::from_millis(80)).await;
    assert_eq!(
        mock.part(&second, 1, &file, 4).await.code(),
        drive_codes::UPLOAD_ID_EXPIRED
    );
    mock.server.shutdown().await;
}

#[tokio::test]
async fn part_faults_hit_the_chosen_block() {
    let mock = Mock::start().await;
    mock.server.set_upload_block_size(4);
    let file: Vec<u8> = (0u8..12).collect();
    let upload_id = id_of(&mock.prepare("files", 12, &mock.tenant).await);
    mock.server.fail_upload_part(1, 2);
    assert_eq!(mock.part(&upload_id, 0, &file, 4).await.code(), 0);
    for _ in 0..2 {
        let failed = mock.part(&upload_id, 1, &file, 4).await;
        assert_eq!(
            (failed.status, failed.code()),
            (500, drive_codes::INTERNAL_ERROR)
        );
    }
    assert_eq!(mock.part(&upload_id, 1, &file, 4).await.code(), 0);

    // A dropped answer after the block was stored: the client sees an error, the block stays.
    mock.server
        .fail_upload_part_with(2, 1, Fault::DropAfterHandler);
    let dropped = mock
        .part_as(
            "files",
            &mock.tenant.clone(),
            &upload_id,
            2,
            4,
            &file[8..],
            None,
        )
        .await;
    assert!(dropped.is_err(), "the answer should break");
    assert_eq!(mock.server.upload_parts_received(), 5);
    let done = mock.finish("files", &upload_id, 3).await;
    assert_eq!(done.code(), 0, "{}", done.json());
    let token = done.json()["data"]["file_token"]
        .as_str()
        .expect("a token")
        .to_owned();
    assert_eq!(mock.server.drive_file(&token).expect("stored").bytes, file);

    // A dropped answer before: the block is not stored.
    let next = id_of(&mock.prepare("files", 4, &mock.tenant).await);
    mock.server
        .fail_upload_part_with(0, 1, Fault::DropBeforeHandler);
    assert!(
        mock.part_as("files", &mock.tenant.clone(), &next, 0, 4, &file[..4], None)
            .await
            .is_err()
    );
    assert_eq!(
        mock.finish("files", &next, 1).await.code(),
        drive_codes::BLOCK_MISSING
    );
    mock.server.shutdown().await;
}

#[tokio::test]
async fn downloads_stream_with_range_and_headers() {
    let mock = Mock::start().await;
    let bytes: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
    let token = mock.server.put_file("报告 2026.pdf", bytes.clone());
    let path = format!("/open-apis/drive/v1/files/{token}/download");

    let whole = mock.get(&path, None).await;
    assert_eq!(whole.status, 200);
    assert_eq!(whole.body, bytes);
    assert_eq!(whole.header("content-type"), Some("application/pdf"));
    assert_eq!(whole.header("content-length"), Some("1000"));
    assert_eq!(whole.header("accept-ranges"), Some("bytes"));
    assert_eq!(
        whole.header("content-disposition"),
        Some(
            "attachment; filename=\"__ 2026.pdf\"; filename*=UTF-8''%E6%8A%A5%E5%91%8A%202026.pdf"
        )
    );

    let tail = mock.get(&path, Some("bytes=600-")).await;
    assert_eq!(tail.status, 206);
    assert_eq!(tail.body, bytes[600..]);
    assert_eq!(tail.header("content-range"), Some("bytes 600-999/1000"));
    assert_eq!(tail.header("content-length"), Some("400"));
    let middle = mock.get(&path, Some("bytes=10-19")).await;
    assert_eq!(
        (middle.status, middle.body.as_slice()),
        (206, &bytes[10..20])
    );
    assert_eq!(middle.header("content-range"), Some("bytes 10-19/1000"));
    let last = mock.get(&path, Some("bytes=999-")).await;
    assert_eq!((last.status, last.body.as_slice()), (206, &bytes[999..]));

    let beyond = mock.get(&path, Some("bytes=1000-")).await;
    assert_eq!(beyond.status, 416);
    assert_eq!(beyond.header("content-range"), Some("bytes */1000"));

    // The body comes in pieces.
    mock.server
        .set_download_chunks(300, Duration::from_millis(30));
    let mut answer = mock
        .client
        .reqwest()
        .get(mock.url(&path))
        .header("Authorization", format!("Bearer {}", mock.tenant))
        .send()
        .await
        .expect("answered");
    let mut chunks = 0;
    let mut received = Vec::new();
    while let Some(chunk) = tokio::time::timeout(Duration::from_secs(5), answer.chunk())
        .await
        .expect("in time")
        .expect("a chunk")
    {
        chunks += 1;
        received.extend_from_slice(&chunk);
        assert!(chunks <= 1000, "too many chunks");
    }
    assert_eq!(received, bytes);
    assert!(chunks >= 2, "{chunks} chunk(s)");

    // An empty file, a plain ASCII name.
    let empty = mock.server.put_file("empty.txt", Vec::new());
    let empty_answer = mock
        .get(&format!("/open-apis/drive/v1/files/{empty}/download"), None)
        .await;
    assert_eq!((empty_answer.status, empty_answer.body.len()), (200, 0));
    assert_eq!(empty_answer.header("content-length"), Some("0"));
    assert_eq!(
        empty_answer.header("content-disposition"),
        Some("attachment; filename=\"empty.txt\"")
    );
    mock.server.shutdown().await;
}

#[tokio::test]
async fn unknown_tokens_and_ids() {
    let mock = Mock::start().await;
    // A token of the mock's own shape that it does not hold: not found.
    let gone = mock
        .get("/open-apis/drive/v1/files/boxmock0000/download", None)
        .await;
    assert_eq!((gone.status, gone.code()), (404, drive_codes::NOT_FOUND));
    // A token the mock cannot know: the catalog's generic download answer.
    let generic = mock
        .get("/open-apis/drive/v1/files/boxcnOther/download", None)
        .await;
    assert_eq!(generic.status, 200);
    assert!(!generic.body.is_empty());
    // An upload id of another shape is likewise answered by the catalog handler.
    let other = mock.finish("files", "7111211691345512356", 1).await;
    assert_eq!(other.code(), 0);
    let unknown_own = mock.finish("files", "mockupl0000", 1).await;
    assert_eq!(unknown_own.code(), drive_codes::PARAMS_ERROR);
    // No token: refused before anything else.
    let anonymous = mock
        .client
        .reqwest()
        .get(mock.url("/open-apis/drive/v1/files/boxmock0000/download"))
        .send()
        .await
        .expect("answered");
    assert_eq!(
        read!(anonymous).expect("a body").code(),
        codes::MISSING_ACCESS_TOKEN
    );
    mock.server.shutdown().await;
}
