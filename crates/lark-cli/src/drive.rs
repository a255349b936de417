//! `lark drive upload PATH --parent-node TOKEN` and `lark drive download FILE_TOKEN [-o PATH]`:
//! files of any size, through lark-core's upload driver (one `upload_all` up to 20 MiB, the
//! three-step upload above) and its streaming download. A progress bar goes to stderr when it
//! is a terminal; piped, nothing but errors and notes does.
//!
//! A three-step upload keeps its state (lark-core's [`UploadState`] and what it is an upload
//! of) in a file beside the source, `PATH.lark-upload.json` unless `--state-file` names
//! another, rewritten atomically (a temporary file in the same directory, then a rename) after
//! `upload_prepare` and after each part. `--resume` continues from it, sending only the parts
//! the platform has not acknowledged, once the saved upload is checked to be of the same file
//! (size, modification time, name) to the same place (`--parent-node`, `--parent-type`,
//! `--media`) by the same app on the same host. Without `--resume` a state file present is
//! refused rather than overwritten (it is the only way back to the parts already sent);
//! `--restart` discards it and starts afresh. The file is removed once the upload is finished.
use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use lark_core::endpoint::EndpointMeta;
use lark_core::{Download, Endpoint, RequestOptions};
use lark_files::{DownloadOptions, FilesExt, Upload, UploadState};
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
    ///
    /// Files over 20 MiB go in parts (upload_prepare, upload_part × n, upload_finish). While
    /// they do, the upload's state is kept in PATH.lark-upload.json (or --state-file), so
    /// that an upload that stopped (a part that kept failing, a lost connection, Ctrl-C) is
    /// continued with --resume: only the parts the platform has not acknowledged are sent.
    /// The state file is removed when the upload is finished.
    ///
    /// A state file is only resumed for the same file (size, modification time, name) to the
    /// same --parent-node, --parent-type and --media, by the same app (with a user token or
    /// without, as before) on the same host;
    /// otherwise the upload is refused and the difference named. Without --resume, an
    /// existing state file is refused too, not overwritten: run with --resume to continue,
    /// or with --restart (or delete the state file) to start over. The platform keeps an
    /// unfinished upload for a limited time (24 hours); an expired one cannot be resumed and
    /// starts over with --restart.
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
    /// Continues the upload saved in the state file, sending only the parts not yet
    /// acknowledged; with no state file, starts a new upload (so a script may always pass
    /// it).
    #[arg(long, conflicts_with = "restart")]
    resume: bool,
    /// Discards the state file of an earlier, unfinished upload of this file and starts over.
    #[arg(long)]
    restart: bool,
    /// Where the state of a three-step upload is kept (PATH.lark-upload.json by default).
    #[arg(long, value_name = "FILE")]
    state_file: Option<PathBuf>,
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
    let parent_type = if args.media {
        args.parent_type.clone().ok_or_else(|| {
            Failure::usage("error: a media needs --parent-type (docx_image, docx_file, …)")
        })?
    } else {
        args.parent_type
            .clone()
            .unwrap_or_else(|| "explorer".to_owned())
    };
    let config = crate::env::config_from_env()?;
    let mut source = lark_files::native::FileSource::open(&args.path)
        .await
        .map_err(|e| failure(format!("error: cannot read {}: {e}", args.path.display())))?;
    let size = lark_files::UploadSource::size(&source);
    let state_path = args
        .state_file
        .clone()
        .unwrap_or_else(|| default_state_path(&args.path));
    if same_file(&state_path, &args.path) {
        return Err(Failure::usage(format!(
            "error: --state-file {} is the file to upload",
            state_path.display()
        )));
    }
    let target = Target {
        file_name: file_name.clone(),
        size,
        modified_unix_ns: modified_unix_ns(&args.path),
        parent_type: parent_type.clone(),
        parent_node: args.parent_node.clone(),
        media: args.media,
        app_id: config.app_id.clone(),
        base_url: config.domain.open_base().to_owned(),
        as_user: args.user_token.is_some(),
    };
    let saved = saved_state(&state_path, &target, args.resume, args.restart)?;
    let threshold = args
        .multipart_threshold
        .unwrap_or(lark_files::UPLOAD_ALL_LIMIT)
        .min(lark_files::UPLOAD_ALL_LIMIT);
    let in_parts = saved.is_some() || size > threshold;

    let bar = progress_bar("uploading", Some(size));
    let progress = bar.clone();
    let mut upload = if args.media {
        Upload::media(file_name, parent_type, args.parent_node.clone())
    } else {
        Upload::file(file_name, parent_type, args.parent_node.clone())
    }
    .parallel(args.parallel.max(1))
    .options(request_options(args.user_token.as_ref()))
    .on_progress(move |p: lark_files::UploadProgress| {
        progress.set_length(p.total);
        progress.set_position(p.bytes_sent);
    });
    if let Some(threshold) = args.multipart_threshold {
        upload = upload.multipart_threshold(threshold);
    }
    let resumed = saved.is_some();
    if let Some(state) = saved {
        upload = upload.resume(state);
    }
    let saver = in_parts.then(|| StateSaver::new(state_path.clone(), target, bar.clone()));
    if let Some(saver) = &saver {
        let saver = saver.clone();
        upload = upload.on_state(move |state: &UploadState| saver.save(state));
    }
    let client = lark_reqwest::client(config);
    let uploaded = client.upload(upload, &mut source).await;
    bar.finish_and_clear();
    let uploaded = match uploaded {
        Ok(uploaded) => uploaded,
        Err(error) => return Err(upload_failure(error, saver.as_ref(), &state_path, resumed)),
    };
    if in_parts {
        match std::fs::remove_file(&state_path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => crate::output::error_line(&format!(
                "warning: the upload is finished but its state file {} could not be removed: {e}",
                state_path.display()
            )),
        }
    }
    let answer = serde_json::json!({
        "file_token": uploaded.file_token,
        "size": uploaded.size,
        "parts": uploaded.parts,
    });
    crate::output::line(&answer.to_string())
}

/// Lark's code for an upload id the platform no longer keeps (it expired).
const UPLOAD_ID_EXPIRED: i64 = 1_061_021;

/// What `--resume` and `--restart` say to do, for the messages.
fn start_over(state_path: &Path) -> String {
    format!(
        "start over with --restart instead of --resume (or delete {} and run without --resume)",
        state_path.display()
    )
}

/// The failure of an upload, with what the user can do next: an expired upload starts over;
/// one whose state is saved continues with `--resume`.
fn upload_failure(
    error: lark_core::Error,
    saver: Option<&StateSaver>,
    state_path: &Path,
    resumed: bool,
) -> Failure {
    let expired = error.code() == Some(UPLOAD_ID_EXPIRED);
    let mut failure = Failure::from(error);
    let Some(saver) = saver else {
        return failure;
    };
    if expired {
        failure.message = format!(
            "{}\nerror: the platform no longer keeps this upload (its upload id expired), so it \
             cannot be resumed: {}",
            failure.message,
            start_over(state_path)
        );
        failure.code = 1;
    } else if let (Some(problem), false) = (saver.problem(), saver.saved()) {
        failure.message = format!(
            "{}\nwarning: the upload's state could not be saved ({problem}): it cannot be \
             resumed",
            failure.message
        );
    } else if resumed || saver.saved() {
        failure.message = format!(
            "{}\nthe upload's state is saved in {}: run the same command with --resume to send \
             the missing parts (or with --restart to start over)",
            failure.message,
            state_path.display(),
        );
    }
    failure
}

/// The suffix of the state file beside the source.
const STATE_SUFFIX: &str = ".lark-upload.json";

/// The layout of the state file; a file of another layout is refused.
const STATE_VERSION: u32 = 1;

/// `PATH.lark-upload.json`.
fn default_state_path(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(STATE_SUFFIX);
    PathBuf::from(name)
}

/// Whether `a` and `b` name one existing file.
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// The source's modification time in nanoseconds since 1970, when the file system has one.
fn modified_unix_ns(path: &Path) -> Option<u64> {
    let modified = std::fs::metadata(path).ok()?.modified().ok()?;
    let since = modified.duration_since(SystemTime::UNIX_EPOCH).ok()?;
    u64::try_from(since.as_nanos()).ok()
}

/// What a saved upload is an upload of, checked before it is resumed. No secret: a user
/// token is only recorded as used or not.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct Target {
    /// The name it is uploaded under (the file's own, or --name).
    file_name: String,
    /// The source's size.
    size: u64,
    /// The source's modification time (ns since 1970), when known.
    modified_unix_ns: Option<u64>,
    parent_type: String,
    parent_node: String,
    media: bool,
    /// LARK_APP_ID: an upload id belongs to the app (or user) that prepared it.
    app_id: String,
    /// The Open API host.
    base_url: String,
    /// Whether it went up with a user access token rather than the tenant token.
    as_user: bool,
}

impl Target {
    /// What differs between the `saved` upload and this one, in words; empty when nothing.
    fn differences(&self, saved: &Target) -> Vec<String> {
        let mut out = Vec::new();
        let mut text = |what: &str, saved: &str, now: &str| {
            if saved != now {
                out.push(format!(
                    "{what} was `{}`, is `{}`",
                    saved.escape_debug(),
                    now.escape_debug()
                ));
            }
        };
        text("the name", &saved.file_name, &self.file_name);
        text("--parent-node", &saved.parent_node, &self.parent_node);
        text("--parent-type", &saved.parent_type, &self.parent_type);
        text("the app (LARK_APP_ID)", &saved.app_id, &self.app_id);
        text("the host", &saved.base_url, &self.base_url);
        let yes_no = |b: bool| if b { "given" } else { "not given" };
        if saved.media != self.media {
            out.push(format!(
                "--media was {}, is {}",
                yes_no(saved.media),
                yes_no(self.media)
            ));
        }
        if saved.as_user != self.as_user {
            out.push(format!(
                "a user token (--user-token) was {}, is {}",
                yes_no(saved.as_user),
                yes_no(self.as_user)
            ));
        }
        if saved.size != self.size {
            out.push(format!(
                "the file had {} bytes, has {}",
                saved.size, self.size
            ));
        } else if saved.modified_unix_ns != self.modified_unix_ns {
            out.push(
                "the file was modified since the upload began (its modification time changed)"
                    .to_owned(),
            );
        }
        out
    }
}

/// The state file as written.
#[derive(serde::Serialize)]
struct SavedRef<'a> {
    lark_upload_state: u32,
    target: &'a Target,
    state: &'a UploadState,
}

/// The state file as read (its layout number checked first).
#[derive(serde::Deserialize)]
struct Saved {
    target: Target,
    state: UploadState,
}

/// Reads the state file at `path`; `None` when there is none.
fn read_saved(path: &Path) -> Result<Option<Saved>, Failure> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(failure(format!(
                "error: cannot read the upload state file {}: {e}",
                path.display()
            )));
        }
    };
    let unusable = |why: String| {
        failure(format!(
            "error: {} is not a usable upload state file ({why}); start over with --restart (or \
             delete it)",
            path.display()
        ))
    };
    let version = serde_json::from_slice::<serde_json::Value>(&bytes)
        .map_err(|e| unusable(e.to_string()))?
        .get("lark_upload_state")
        .and_then(serde_json::Value::as_u64);
    if version != Some(u64::from(STATE_VERSION)) {
        return Err(unusable(match version {
            Some(v) => format!("layout {v}, this lark reads layout {STATE_VERSION}"),
            None => "no `lark_upload_state` layout number".to_owned(),
        }));
    }
    let saved: Saved = serde_json::from_slice(&bytes).map_err(|e| unusable(e.to_string()))?;
    Ok(Some(saved))
}

/// The saved state to continue, after `--resume` and `--restart` are applied to the state file
/// at `path`: `Some` only with `--resume` and a state file that matches `target`.
fn saved_state(
    path: &Path,
    target: &Target,
    resume: bool,
    restart: bool,
) -> Result<Option<UploadState>, Failure> {
    if restart {
        return match std::fs::remove_file(path) {
            Ok(()) => Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(failure(format!(
                "error: cannot remove the upload state file {}: {e}",
                path.display()
            ))),
        };
    }
    let saved = read_saved(path)?;
    let Some(saved) = saved else {
        if resume {
            crate::output::error_line(&format!(
                "note: no upload state at {}: starting a new upload",
                path.display()
            ));
        }
        return Ok(None);
    };
    let sent = format!(
        "{} of {} parts sent",
        saved.state.parts_done.len(),
        saved.state.block_num
    );
    if !resume {
        return Err(failure(format!(
            "error: {} holds an unfinished upload ({sent}); continue it with --resume, or start \
             over with --restart (or delete it)",
            path.display()
        )));
    }
    let differences = target.differences(&saved.target);
    if !differences.is_empty() {
        return Err(failure(format!(
            "error: the upload saved in {} ({sent}) is not this one: {}; resume with the same \
             file and options, or {}",
            path.display(),
            differences.join("; "),
            start_over(path)
        )));
    }
    if saved.state.size != target.size || saved.state.file_name != target.file_name {
        return Err(failure(format!(
            "error: the upload state in {} contradicts itself (its parts are of another file); {}",
            path.display(),
            start_over(path)
        )));
    }
    Ok(Some(saved.state))
}

/// Writes `bytes` to `path` whole or not at all: into a temporary file in the same directory,
/// flushed to disk, then renamed over `path`.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = path.file_name().unwrap_or(path.as_os_str());
    let mut temp_name = std::ffi::OsString::from(".");
    temp_name.push(name);
    temp_name.push(format!(".{}.tmp", std::process::id()));
    let temp = dir.join(temp_name);
    let written = (|| {
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    written
}

/// Saves an upload's state to its file from [`Upload::on_state`], which cannot fail: the first
/// failure is kept (and shown once) and the upload goes on.
#[derive(Clone)]
struct StateSaver {
    path: Arc<PathBuf>,
    target: Arc<Target>,
    bar: ProgressBar,
    record: Arc<Mutex<SaveRecord>>,
}

#[derive(Default)]
struct SaveRecord {
    saved: bool,
    problem: Option<String>,
}

impl StateSaver {
    fn new(path: PathBuf, target: Target, bar: ProgressBar) -> Self {
        Self {
            path: Arc::new(path),
            target: Arc::new(target),
            bar,
            record: Arc::default(),
        }
    }

    fn record(&self) -> std::sync::MutexGuard<'_, SaveRecord> {
        self.record
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn save(&self, state: &UploadState) {
        let saved = SavedRef {
            lark_upload_state: STATE_VERSION,
            target: &self.target,
            state,
        };
        let outcome = serde_json::to_vec_pretty(&saved)
            .map_err(|e| e.to_string())
            .and_then(|bytes| write_atomically(&self.path, &bytes).map_err(|e| e.to_string()));
        let mut record = self.record();
        match outcome {
            Ok(()) => record.saved = true,
            Err(e) if record.problem.is_none() => {
                let problem = format!("cannot write {}: {e}", self.path.display());
                self.bar.suspend(|| {
                    crate::output::error_line(&format!(
                        "warning: the upload's state is not saved ({problem}); it goes on, but \
                         may not be resumed from where it stops"
                    ));
                });
                record.problem = Some(problem);
            }
            Err(_) => {}
        }
    }

    fn saved(&self) -> bool {
        self.record().saved
    }

    fn problem(&self) -> Option<String> {
        self.record().problem.clone()
    }
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
            meta: spec.clone(),
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
    let client = lark_reqwest::client(crate::env::config_from_env()?);
    let bar = progress_bar("downloading", None);
    let on_terminal = std::io::stderr().is_terminal();
    let progress = bar.clone();
    let options = DownloadOptions::new()
        .request(request_options(args.user_token.as_ref()))
        .on_progress(move |p: lark_files::DownloadProgress| {
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
        lark_files::native::download_to_file_with(client, endpoint, path, resume, options).await?;
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

    fn target() -> Target {
        Target {
            file_name: "a.bin".to_owned(),
            size: 100,
            modified_unix_ns: Some(5),
            parent_type: "explorer".to_owned(),
            parent_node: "fldcn1".to_owned(),
            media: false,
            app_id: "cli_1".to_owned(),
            base_url: "https://open.feishu.cn".to_owned(),
            as_user: false,
        }
    }

    #[test]
    fn saved_uploads_name_what_differs() {
        let saved = target();
        assert!(target().differences(&saved).is_empty());
        let now = Target {
            parent_node: "fldcn2".to_owned(),
            media: true,
            as_user: true,
            app_id: "cli_2".to_owned(),
            ..target()
        };
        assert_eq!(
            now.differences(&saved),
            [
                "--parent-node was `fldcn1`, is `fldcn2`",
                "the app (LARK_APP_ID) was `cli_1`, is `cli_2`",
                "--media was not given, is given",
                "a user token (--user-token) was not given, is given",
            ]
        );
        // A new size says so; the same size with another time says the file changed.
        let grown = Target {
            size: 101,
            modified_unix_ns: Some(6),
            ..target()
        };
        assert_eq!(
            grown.differences(&saved),
            ["the file had 100 bytes, has 101"]
        );
        let touched = Target {
            modified_unix_ns: Some(6),
            ..target()
        };
        assert_eq!(touched.differences(&saved).len(), 1);
        assert!(touched.differences(&saved)[0].contains("modified"));
    }

    #[test]
    fn state_files_are_replaced_whole() {
        let dir = std::env::temp_dir().join(format!("lark-cli-state-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("x.bin.lark-upload.json");
        write_atomically(&path, b"first").unwrap();
        write_atomically(&path, b"second").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file is left");
        assert!(same_file(
            &path,
            &dir.join(".").join("x.bin.lark-upload.json")
        ));
        assert!(!same_file(&path, &dir.join("missing")));
        // Into a directory that is not there: an error, not a panic.
        assert!(write_atomically(&dir.join("no/such/dir/s.json"), b"x").is_err());
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(
            default_state_path(Path::new("dir/movie.mp4")),
            Path::new("dir/movie.mp4.lark-upload.json")
        );
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
