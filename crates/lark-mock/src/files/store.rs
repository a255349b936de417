//! The drive files and uploads the mock holds, apart from the routes that change them (the
//! server's state keeps them; the routes in the parent module reach them through it).

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::body::Bytes;

use crate::fault::Fault;
use crate::reply::lock;

/// The platform's block size for the three-step upload: 4 MiB.
const DEFAULT_BLOCK_SIZE: u64 = 4 * 1024 * 1024;
/// The largest file `upload_all` takes: 20 MiB.
const DEFAULT_UPLOAD_ALL_LIMIT: u64 = 20 * 1024 * 1024;
/// How long an upload id stays valid: the platform keeps it for 24 hours.
const DEFAULT_UPLOAD_TTL: Duration = Duration::from_secs(24 * 3600);
/// The size of the chunks a download body is written in.
const DEFAULT_CHUNK_SIZE: usize = 64 * 1024;
/// Which of the two drive resources a request went through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Area {
    Files,
    Medias,
}

impl Area {
    pub(super) fn of(path: &str) -> Area {
        if path.starts_with("/open-apis/drive/v1/medias/") {
            Area::Medias
        } else {
            Area::Files
        }
    }
}

/// A file the mock stores, as [`MockServer::drive_file`](crate::mock::MockServer::drive_file) returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MockFile {
    /// The file token.
    pub file_token: String,
    /// The file name given at upload.
    pub name: String,
    /// The content type downloads answer with.
    pub content_type: String,
    /// `parent_type` of the upload (empty for a file put with [`MockServer::put_file`](crate::mock::MockServer::put_file)).
    pub parent_type: String,
    /// `parent_node` of the upload.
    pub parent_node: String,
    /// Whether it came through `drive/v1/medias` rather than `drive/v1/files`.
    pub media: bool,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

#[derive(Debug, Clone)]
pub(super) struct Stored {
    pub(super) name: String,
    pub(super) content_type: String,
    pub(super) parent_type: String,
    pub(super) parent_node: String,
    pub(super) area: Area,
    pub(super) bytes: Bytes,
}

#[derive(Debug)]
pub(super) struct PendingUpload {
    pub(super) area: Area,
    pub(super) caller: String,
    pub(super) file_name: String,
    pub(super) parent_type: String,
    pub(super) parent_node: String,
    pub(super) size: u64,
    pub(super) block_size: u64,
    pub(super) block_num: u64,
    pub(super) parts: BTreeMap<u64, Bytes>,
    pub(super) expires_at: Instant,
}

#[derive(Debug)]
pub(super) struct PartFault {
    pub(super) seq: u64,
    pub(super) remaining: u64,
    pub(super) fault: Fault,
}

#[derive(Debug)]
pub(super) struct Settings {
    pub(super) block_size: u64,
    pub(super) upload_ttl: Duration,
    pub(super) upload_all_limit: u64,
    pub(super) chunk_size: usize,
    pub(super) chunk_delay: Duration,
}

#[derive(Debug)]
pub(super) struct FilesData {
    pub(super) settings: Settings,
    pub(super) stored: HashMap<String, Stored>,
    pub(super) uploads: HashMap<String, PendingUpload>,
    pub(super) part_faults: Vec<PartFault>,
    pub(super) parts_received: u64,
    /// For each of the next downloads, the bytes of its body after which the connection drops.
    pub(super) download_breaks: std::collections::VecDeque<u64>,
}

/// The drive state of one mock server.
#[derive(Debug)]
pub(crate) struct Files {
    pub(super) data: Mutex<FilesData>,
}

impl Default for Files {
    fn default() -> Self {
        Self {
            data: Mutex::new(FilesData {
                settings: Settings {
                    block_size: DEFAULT_BLOCK_SIZE,
                    upload_ttl: DEFAULT_UPLOAD_TTL,
                    upload_all_limit: DEFAULT_UPLOAD_ALL_LIMIT,
                    chunk_size: DEFAULT_CHUNK_SIZE,
                    chunk_delay: Duration::ZERO,
                },
                stored: HashMap::new(),
                uploads: HashMap::new(),
                part_faults: Vec::new(),
                parts_received: 0,
                download_breaks: std::collections::VecDeque::new(),
            }),
        }
    }
}

impl Files {
    pub(super) fn data(&self) -> std::sync::MutexGuard<'_, FilesData> {
        lock(&self.data)
    }
}
