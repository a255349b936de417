//! Images and files uploaded for messages: `POST /open-apis/im/v1/images` (`image_type`,
//! `image`) and `POST /open-apis/im/v1/files` (`file_type`, `file_name`, `duration`, `file`),
//! multipart as on the platform (the form checked as every upload's is, code 99992402), within
//! its limits (an image at most 10 MB, a file 30 MB,
//! neither empty). Each answers a fresh key and is kept with its bytes
//! ([`MockServer::uploads`], `GET /_mock/uploads`).

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, Method, Uri};
use axum::routing::post;
use serde_json::json;

use crate::auth::{self, Kind};
use crate::codes;
use crate::kept::{Upload, UploadKind};
use crate::mock::MockServer;
use crate::reply::{HandlerResult, LarkError, now_millis, success};
use crate::state::Shared;

/// The largest image the platform takes.
const IMAGE_LIMIT: usize = 10 * 1024 * 1024;
/// The largest file the platform takes.
const FILE_LIMIT: usize = 30 * 1024 * 1024;
const IMAGE_TYPES: [&str; 2] = ["message", "avatar"];
const FILE_TYPES: [&str; 7] = ["opus", "mp4", "pdf", "doc", "xls", "ppt", "stream"];

fn invalid(detail: impl Into<String>) -> LarkError {
    LarkError::bad(codes::UPLOAD_INVALID_PARAM, detail)
}

/// Adds the two upload routes.
pub(crate) fn routes(router: Router<Arc<Shared>>) -> Router<Arc<Shared>> {
    // The dispatch has read the body already, within its own limit.
    router
        .route(
            "/open-apis/im/v1/images",
            post(upload_image).layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/open-apis/im/v1/files",
            post(upload_file).layer(DefaultBodyLimit::disable()),
        )
}

/// The file part `name`, checked against `limit`.
fn bytes_of(form: &crate::files::Form, name: &str, limit: usize) -> Result<Vec<u8>, LarkError> {
    let (bytes, _) = form
        .part(name)
        .ok_or_else(|| invalid(format!("form field `{name}` (a file part) is required")))?;
    if bytes.is_empty() || bytes.len() > limit {
        return Err(LarkError::bad(
            codes::UPLOAD_SIZE_LIMIT,
            format!(
                "the {name} is {} bytes; it must be between 1 byte and {} MB",
                bytes.len(),
                limit / (1024 * 1024)
            ),
        ));
    }
    Ok(bytes.to_vec())
}

/// The form of an image or file upload, once the caller's token and the form's fields are
/// checked as the endpoint's spec says.
async fn read_form(
    shared: &Shared,
    headers: &HeaderMap,
    uri: &Uri,
    body: Bytes,
) -> Result<crate::files::Form, LarkError> {
    auth::check(shared, headers, uri.path(), &[Kind::Tenant, Kind::User])?;
    crate::spec::check_form(&Method::POST, uri.path(), headers, &body)?;
    crate::files::parse_form(headers, body)
        .await
        .map_err(invalid)
}

async fn upload_image(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> HandlerResult {
    let form = read_form(&shared, &headers, &uri, body).await?;
    let image_type = form.field("image_type").unwrap_or("");
    if !IMAGE_TYPES.contains(&image_type) {
        return Err(invalid(format!(
            "image_type must be message or avatar, not `{image_type}`"
        )));
    }
    let bytes = bytes_of(&form, "image", IMAGE_LIMIT)?;
    let key = shared.new_id("img_v3_");
    shared.data().uploads.push(Upload {
        key: key.clone(),
        kind: UploadKind::Image,
        file_type: image_type.to_owned(),
        file_name: None,
        bytes,
        duration_ms: None,
        at_unix_ms: now_millis(),
    });
    Ok(success(json!({ "image_key": key })))
}

async fn upload_file(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    uri: Uri,
    body: Bytes,
) -> HandlerResult {
    let form = read_form(&shared, &headers, &uri, body).await?;
    let file_type = form.field("file_type").unwrap_or("");
    if !FILE_TYPES.contains(&file_type) {
        return Err(invalid(format!(
            "file_type must be one of {}, not `{file_type}`",
            FILE_TYPES.join(", ")
        )));
    }
    let file_name = form
        .field("file_name")
        .ok_or_else(|| invalid("form field `file_name` is required"))?
        .to_owned();
    let duration_ms = match form.field("duration") {
        Some(duration) => Some(
            duration
                .trim()
                .parse::<u64>()
                .map_err(|_| invalid("duration must be a whole number of milliseconds"))?,
        ),
        None => None,
    };
    let bytes = bytes_of(&form, "file", FILE_LIMIT)?;
    let key = shared.new_id("file_v3_");
    shared.data().uploads.push(Upload {
        key: key.clone(),
        kind: UploadKind::File,
        file_type: file_type.to_owned(),
        file_name: Some(file_name),
        bytes,
        duration_ms,
        at_unix_ms: now_millis(),
    });
    Ok(success(json!({ "file_key": key })))
}

impl MockServer {
    /// Every image and file uploaded for messages, oldest first.
    pub fn uploads(&self) -> Vec<Upload> {
        self.shared.data().uploads.clone()
    }

    /// The upload answered with `key` (an `image_key` or `file_key`).
    pub fn upload(&self, key: &str) -> Option<Upload> {
        self.shared
            .data()
            .uploads
            .iter()
            .find(|u| u.key == key)
            .cloned()
    }
}
