//! `lark drive upload PATH --parent-node TOKEN` and `lark drive download FILE_TOKEN [-o PATH]`:
//! files of any size, through lark-core's upload driver (one `upload_all` up to 20 MiB, the
//! three-step upload above) and its streaming download. A progress bar goes to stderr when it
//! is a terminal; piped, nothing but errors does.

use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use lark_core::endpoint::{EndpointMeta, ResponseKind};
use lark_core::{Download, DownloadOptions, Endpoint, RequestOptions, Upload};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::{Failure, Outcome};

/// `lark drive` arguments.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
    /// Uploads a file to a folder (or, with --media, a media to a document) and prints its
    /// file token as JSON.
    Upload(UploadArgs),
    /// Downloads a file (or, with --media, a media) by its file token.
    Download(DownloadArgs),
}

#[derive(Debug, clap::Args)]
struct UploadArgs {
    /// The file to upload.
    path: PathBuf,
    /// Where it goes: a folder token (a document's token with --media).
    #[arg(long, value_name = "TOKEN")]
    parent_node: String,
    /// The kind of the parent: `explorer` (a drive folder) for files; `docx_image`,
    /// `docx_file`, `sheet_image`, `bitable_file`, … for medias.
    #[arg(long, value_name = "TYPE")]
    parent_type: Option<String>,
    /// Uploads a media (drive/v1/medias, for documents) rather than a drive file.
    #[arg(long)]
    media: bool,
    /// The name it gets (the file's own name by default).
    #[arg(long, value_name = "NAME")]
    name: Option<String>,
    /// How many blocks go up at once in a three-step upload.
    #[arg(long, value_name = "N", default_value_t = 3)]
    parallel: usize,
    /// Sizes above which the three-step upload is used (at most, and by default, 20 MiB).
    #[arg(long, value_name = "BYTES", hide = true)]
    multipart_threshold: Option<u64>,
    /// Uploads as a user with this user access token instead of the app's tenant token.
    #[arg(
        long,
        value_name = "TOKEN",
        env = "LARK_USER_TOKEN",
        hide_env_values = true
    )]
    user_token: Option<String>,
}

#[derive(Debug, clap::Args)]
struct DownloadArgs {
    /// The file token.
    file_token: String,
    /// Where to write it; `-` is stdout. By default, a file in the current directory named as
    /// the answer names it (an existing file is not replaced).
    #[arg(long, short = 'o', value_name = "PATH")]
    output: Option<PathBuf>,
    /// Continues a download that stopped: asks for what comes after the bytes already in
    /// the --output file.
    #[arg(long, requires = "output")]
    resume: bool,
    /// Downloads a media (drive/v1/medias) rather than a drive file.
    #[arg(long)]
    media: bool,
    /// Downloads as a user with this user access token instead of the app's tenant token.
    #[arg(
        long,
        value_name = "TOKEN",
        env = "LARK_USER_TOKEN",
        hide_env_values = true
    )]
    user_token: Option<String>,
}

pub(crate) async fn run(args: Args) -> Outcome {
    match args.command {
        Command::Upload(args) => upload(args).await,
        Command::Download(args) => download(args).await,
    }
}

fn failure(message: String) -> Failure {
    Failure { message, code: 1 }
}

fn request_options(user_token: Option<&String>) -> RequestOptions {
    match user_token {
        Some(token) => RequestOptions::new().user_access_token(token.clone()),
        None => RequestOptions::new(),
    }
}

/// A bar on stderr when it is a terminal, a hidden one otherwise (pipes and logs get no
/// carriage-return noise).
fn progress_bar(verb: &str, length: Option<u64>) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = match length {
        Some(length) => ProgressBar::new(length),
        // A download's length comes with its headers: the bar shows from then on.
        None => ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden()),
    };
    let style = ProgressStyle::with_template(&format!(
        "{verb} [{{bar:30}}] {{bytes}}/{{total_bytes}} {{bytes_per_sec}} {{eta}}"
    ))
    .map(|s| s.progress_chars("=> "))
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar.enable_steady_tick(Duration::from_millis(200));
    bar
}

async fn upload(args: UploadArgs) -> Outcome {
    let file_name = match &args.name {
        Some(name) => name.clone(),
        None => args
            .path
            .file_name()
            .and_then(|n| n.to_str())
            .map(str::to_owned)
            .ok_or_else(|| {
                Failure::usage(format!(
                    "error: {} has no file name to upload under; give --name",
                    args.path.display()
                ))
            })?,
    };
    let mut source = lark_reqwest::files::FileSource::open(&args.path)
        .await
        .map_err(|e| failure(format!("error: cannot read {}: {e}", args.path.display())))?;
    let bar = progress_bar("uploading", Some(lark_core::UploadSource::size(&source)));
    let progress = bar.clone();
    let mut upload = if args.media {
        let parent_type = args.parent_type.clone().ok_or_else(|| {
            Failure::usage("error: a media needs --parent-type (docx_image, docx_file, …)")
        })?;
        Upload::media(file_name, parent_type, args.parent_node.clone())
    } else {
        let parent_type = args.parent_type.as_deref().unwrap_or("explorer");
        Upload::file(file_name, parent_type, args.parent_node.clone())
    }
    .parallel(args.parallel.max(1))
    .options(request_options(args.user_token.as_ref()))
    .on_progress(move |p: lark_core::UploadProgress| {
        progress.set_length(p.total);
        progress.set_position(p.bytes_sent);
    });
    if let Some(threshold) = args.multipart_threshold {
        upload = upload.multipart_threshold(threshold);
    }
    let client = lark_reqwest::client(crate::api::config_from_env()?);
    let uploaded = client.upload(upload, &mut source).await;
    bar.finish_and_clear();
    let uploaded = uploaded?;
    let answer = serde_json::json!({
        "file_token": uploaded.file_token,
        "size": uploaded.size,
        "parts": uploaded.parts,
    });
    crate::output::line(&answer.to_string())
}

/// What is left as is in a path segment.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// `GET /open-apis/drive/v1/{files,medias}/:file_token/download`, described by the catalog.
#[derive(Debug)]
struct DriveDownload {
    meta: EndpointMeta,
    path: String,
}

impl DriveDownload {
    fn new(file_token: &str, media: bool) -> Result<Self, Failure> {
        if file_token.is_empty() {
            return Err(Failure::usage("error: the file token is empty"));
        }
        let id = if media {
            "drive.v1.media.download"
        } else {
            "drive.v1.file.download"
        };
        let spec = lark_core::api::find_id(id)
            .ok_or_else(|| failure(format!("error: the catalog has no {id}")))?;
        let encoded = utf8_percent_encode(file_token, SEGMENT).to_string();
        Ok(Self {
            meta: crate::call::meta(spec, ResponseKind::Binary)?,
            path: spec.path.replace(":file_token", &encoded),
        })
    }
}

impl Endpoint for DriveDownload {
    type Output = Download;

    fn meta(&self) -> &EndpointMeta {
        &self.meta
    }

    fn path(&self) -> lark_core::Result<String> {
        Ok(self.path.clone())
    }
}

/// A name from a `Content-Disposition` that is safe to create in the current directory: its
/// last path component, not empty, not `.` or `..`, without control characters.
fn safe_name(name: &str) -> Option<String> {
    let last = name.rsplit(['/', '\\']).next()?.trim();
    let ok = !last.is_empty() && last != "." && last != ".." && !last.chars().any(char::is_control);
    ok.then(|| last.to_owned())
}

async fn download(args: DownloadArgs) -> Outcome {
    let endpoint = DriveDownload::new(&args.file_token, args.media)?;
    let client = lark_reqwest::client(crate::api::config_from_env()?);
    let bar = progress_bar("downloading", None);
    let on_terminal = std::io::stderr().is_terminal();
    let progress = bar.clone();
    let options = DownloadOptions::new()
        .request(request_options(args.user_token.as_ref()))
        .on_progress(move |p: lark_core::DownloadProgress| {
            if progress.length().is_none() && on_terminal {
                progress.set_draw_target(ProgressDrawTarget::stderr());
            }
            progress.set_length(p.total.unwrap_or(p.position));
            progress.set_position(p.position);
        });
    let outcome = match &args.output {
        Some(path) if path.as_os_str() == "-" => to_stdout(&client, &endpoint, options).await,
        Some(path) => to_path(&client, &endpoint, path, args.resume, options).await,
        None => to_named_file(&client, &endpoint, options).await,
    };
    bar.finish_and_clear();
    outcome
}

async fn to_path(
    client: &lark_core::Client<lark_reqwest::ReqwestClient>,
    endpoint: &DriveDownload,
    path: &Path,
    resume: bool,
    options: DownloadOptions,
) -> Outcome {
    let done =
        lark_reqwest::files::download_to_file_with(client, endpoint, path, resume, options).await?;
    let summary = serde_json::json!({
        "path": path.display().to_string(),
        "bytes_written": done.bytes_written,
        "start": done.start,
        "total_size": done.total_size,
        "file_name": done.file_name,
        "content_type": done.content_type,
    });
    crate::output::line(&summary.to_string())
}

async fn to_stdout(
    client: &lark_core::Client<lark_reqwest::ReqwestClient>,
    endpoint: &DriveDownload,
    options: DownloadOptions,
) -> Outcome {
    let mut stream = client.download_stream(endpoint, options).await?;
    while let Some(chunk) = stream.next_chunk().await {
        let chunk = chunk?;
        let mut out = std::io::stdout().lock();
        match out.write_all(&chunk) {
            Ok(()) => {}
            // The reader has what it wanted (`| head -c 10`).
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(()),
            Err(e) => return Err(failure(format!("error: cannot write stdout: {e}"))),
        }
    }
    crate::output::stdout(&[])
}

async fn to_named_file(
    client: &lark_core::Client<lark_reqwest::ReqwestClient>,
    endpoint: &DriveDownload,
    options: DownloadOptions,
) -> Outcome {
    let mut stream = client.download_stream(endpoint, options).await?;
    let name = stream
        .file_name
        .as_deref()
        .and_then(safe_name)
        .ok_or_else(|| {
            failure("error: the answer names no usable file name; give -o PATH".to_owned())
        })?;
    let path = PathBuf::from(&name);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(|e| {
            failure(format!(
                "error: cannot create {name}: {e} (give -o PATH to choose another, or --resume with -o to continue)"
            ))
        })?;
    let mut written = 0u64;
    while let Some(chunk) = stream.next_chunk().await {
        let chunk = chunk?;
        file.write_all(&chunk)
            .map_err(|e| failure(format!("error: cannot write {name}: {e}")))?;
        written += chunk.len() as u64;
    }
    file.sync_all()
        .map_err(|e| failure(format!("error: cannot write {name}: {e}")))?;
    let summary = serde_json::json!({
        "path": name,
        "bytes_written": written,
        "start": 0,
        "total_size": stream.total_size,
        "file_name": stream.file_name,
        "content_type": stream.content_type,
    });
    crate::output::line(&summary.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_from_headers_stay_in_the_directory() {
        assert_eq!(safe_name("report.pdf").as_deref(), Some("report.pdf"));
        assert_eq!(safe_name("../../etc/passwd").as_deref(), Some("passwd"));
        assert_eq!(safe_name("a\\b.txt").as_deref(), Some("b.txt"));
        assert_eq!(safe_name("报告.txt").as_deref(), Some("报告.txt"));
        assert_eq!(safe_name(".."), None);
        assert_eq!(safe_name("dir/"), None);
        assert_eq!(safe_name("a\u{7}b"), None);
    }

    #[test]
    fn download_paths_are_encoded() {
        let file = DriveDownload::new("boxcn a/b", false).unwrap();
        assert_eq!(
            file.path,
            "/open-apis/drive/v1/files/boxcn%20a%2Fb/download"
        );
        let media = DriveDownload::new("boxcn1", true).unwrap();
        assert_eq!(media.path, "/open-apis/drive/v1/medias/boxcn1/download");
        assert!(DriveDownload::new("", false).is_err());
    }
}
