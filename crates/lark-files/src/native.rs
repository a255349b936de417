//! Files on disk and tokio streams for the uploads and downloads (feature `tokio`).
//!
//! Uploads read from a [`FileSource`] (any offset) or a [`ReaderSource`] (forward only), one
//! part at a time; downloads write to any `AsyncWrite` or to a file, chunk by chunk, and a
//! broken file download continues where it stopped ([`download_to_file`] with `resume`).
//!
//! ```no_run
//! # async fn run() -> lark_core::Result<()> {
//! use lark_api::drive::v1::file;
//! use lark_files::native::{FileSource, download_to_file};
//! use lark_files::{FilesExt, Upload};
//! let client = lark_reqwest::client(lark_core::Config::new("cli_xxx", "secret"));
//! let mut source = FileSource::open("video.mp4")
//!     .await
//!     .map_err(|e| lark_core::Error::Build(e.to_string()))?;
//! let uploaded = client
//!     .upload(Upload::file("video.mp4", "explorer", "fldcn_xxx"), &mut source)
//!     .await?;
//! // Back to disk; `true` continues a partial file with `Range`.
//! let endpoint = file::Download::new(uploaded.file_token);
//! download_to_file(&client, &endpoint, "copy.mp4", true).await?;
//! # Ok(()) }
//! ```
//!
//! Timeouts: `Config::timeout` (or `RequestOptions::timeout`) bounds each part request of an
//! upload, and for a download the wait for the headers and then for each chunk, so a large
//! file is not cut off for being large. A `reqwest::Client` built with `.timeout(…)` (see
//! `lark_reqwest::ReqwestClient::from_reqwest`) bounds whole
//! responses instead, bodies included.
//!
//! Local I/O errors (the file cannot be read or written) are [`Error::Build`] naming the file:
//! the core's error type has no I/O variant, and nothing about the exchange went wrong.

use std::io::SeekFrom;
use std::path::{Path, PathBuf};

use lark_core::{BoxFuture, Client, Download, Endpoint, Error, HttpClient, MaybeSync, Result};

use crate::{DownloadOptions, FilesExt, UploadSource};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncSeekExt, AsyncWrite, AsyncWriteExt};

fn local(what: &str, path: &Path, error: std::io::Error) -> Error {
    Error::Build(format!("cannot {what} {}: {error}", path.display()))
}

/// A file on disk as an [`UploadSource`]: parts are read where they are (seeking when a part
/// is not the next one), so a resumed upload reads only the parts it sends.
#[derive(Debug)]
pub struct FileSource {
    file: tokio::fs::File,
    path: PathBuf,
    size: u64,
    /// Where the next read starts without a seek.
    position: u64,
}

impl FileSource {
    /// Opens `path` for reading; its size is taken now.
    pub async fn open(path: impl AsRef<Path>) -> std::io::Result<Self> {
        let path = path.as_ref().to_owned();
        let file = tokio::fs::File::open(&path).await?;
        let size = file.metadata().await?.len();
        Ok(Self {
            file,
            path,
            size,
            position: 0,
        })
    }
}

impl UploadSource for FileSource {
    fn size(&self) -> u64 {
        self.size
    }

    fn read(&mut self, offset: u64, len: usize) -> BoxFuture<'_, Result<Vec<u8>>> {
        Box::pin(async move {
            if self.position != offset {
                self.file
                    .seek(SeekFrom::Start(offset))
                    .await
                    .map_err(|e| local("seek in", &self.path, e))?;
                self.position = offset;
            }
            let mut buffer = vec![0; len];
            // A file that shrank since it was opened ends early: an error, not a short part.
            self.file
                .read_exact(&mut buffer)
                .await
                .map_err(|e| local("read", &self.path, e))?;
            self.position = offset + len as u64;
            Ok(buffer)
        })
    }
}

/// Any `AsyncRead` of a known size as an [`UploadSource`], read once from start to end.
///
/// It cannot go back: resuming an upload with one fails unless the reader stands at the first
/// missing part (a part asked for out of order is an [`Error::Build`]); use [`FileSource`] to
/// resume from a file.
pub struct ReaderSource<R> {
    reader: R,
    size: u64,
    position: u64,
}

impl<R> std::fmt::Debug for ReaderSource<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReaderSource")
            .field("size", &self.size)
            .field("position", &self.position)
            .finish_non_exhaustive()
    }
}

impl<R: AsyncRead + Unpin + Send> ReaderSource<R> {
    /// `reader`, which holds `size` bytes.
    pub fn new(reader: R, size: u64) -> Self {
        Self {
            reader,
            size,
            position: 0,
        }
    }

    /// A reader that already stands `position` bytes in (to resume an upload whose first
    /// parts were sent).
    pub fn at(reader: R, size: u64, position: u64) -> Self {
        Self {
            reader,
            size,
            position,
        }
    }
}

impl<R: AsyncRead + Unpin + Send> UploadSource for ReaderSource<R> {
    fn size(&self) -> u64 {
        self.size
    }

    fn read(&mut self, offset: u64, len: usize) -> BoxFuture<'_, Result<Vec<u8>>> {
        Box::pin(async move {
            if offset != self.position {
                return Err(Error::Build(format!(
                    "a ReaderSource reads in order: asked for offset {offset}, the reader \
                     stands at {}",
                    self.position
                )));
            }
            let mut buffer = vec![0; len];
            self.reader.read_exact(&mut buffer).await.map_err(|e| {
                Error::Build(format!(
                    "cannot read {len} bytes at offset {offset} of the upload's reader: {e}"
                ))
            })?;
            self.position += len as u64;
            Ok(buffer)
        })
    }
}

/// A finished download.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Downloaded {
    /// Bytes written by this call.
    pub bytes_written: u64,
    /// Where in the file they start.
    pub start: u64,
    /// The whole file's size, when the answer told it.
    pub total_size: Option<u64>,
    /// The file name from `Content-Disposition`.
    pub file_name: Option<String>,
    /// The `Content-Type` header.
    pub content_type: Option<String>,
}

/// Downloads `endpoint` into `writer`, chunk by chunk, and flushes it.
pub async fn download_to_writer<H, E, W>(
    client: &Client<H>,
    endpoint: &E,
    options: DownloadOptions,
    mut writer: W,
) -> Result<Downloaded>
where
    H: HttpClient + 'static,
    E: Endpoint<Output = Download> + MaybeSync,
    W: AsyncWrite + Unpin + Send,
{
    let mut stream = client.download_stream(endpoint, options).await?;
    let mut written = 0u64;
    while let Some(chunk) = stream.next_chunk().await {
        let chunk = chunk?;
        writer
            .write_all(&chunk)
            .await
            .map_err(|e| Error::Build(format!("cannot write the download: {e}")))?;
        written += chunk.len() as u64;
    }
    writer
        .flush()
        .await
        .map_err(|e| Error::Build(format!("cannot write the download: {e}")))?;
    Ok(Downloaded {
        bytes_written: written,
        start: stream.start,
        total_size: stream.total_size,
        file_name: stream.file_name.take(),
        content_type: stream.content_type.take(),
    })
}

/// Downloads `endpoint` into the file at `path`.
///
/// With `resume`, an existing file is continued: the download asks for the bytes from the
/// file's length on (`Range`) and appends them; a file already complete is left as it is.
/// Without, the file is replaced. The file is touched only once the answer's headers are in,
/// so a refused download leaves it as it was; a download broken off keeps the bytes written
/// so far, and calling again with `resume` continues from there.
pub async fn download_to_file<H, E>(
    client: &Client<H>,
    endpoint: &E,
    path: impl AsRef<Path>,
    resume: bool,
) -> Result<Downloaded>
where
    H: HttpClient + 'static,
    E: Endpoint<Output = Download> + MaybeSync,
{
    download_to_file_with(client, endpoint, path, resume, DownloadOptions::new()).await
}

/// [`download_to_file`] with options (progress, request options). The range start is the
/// file's length with `resume` and 0 without, whatever `options` says.
pub async fn download_to_file_with<H, E>(
    client: &Client<H>,
    endpoint: &E,
    path: impl AsRef<Path>,
    resume: bool,
    options: DownloadOptions,
) -> Result<Downloaded>
where
    H: HttpClient + 'static,
    E: Endpoint<Output = Download> + MaybeSync,
{
    let path = path.as_ref();
    let start = if resume {
        match tokio::fs::metadata(path).await {
            Ok(metadata) => metadata.len(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
            Err(e) => return Err(local("read the size of", path, e)),
        }
    } else {
        0
    };
    let mut stream = client
        .download_stream(endpoint, options.range_start(start))
        .await?;
    let mut downloaded = Downloaded {
        bytes_written: 0,
        start,
        total_size: stream.total_size,
        file_name: stream.file_name.take(),
        content_type: stream.content_type.take(),
    };
    if stream.status == 416 {
        // The file was already complete.
        return Ok(downloaded);
    }
    let mut file = if start > 0 {
        let mut file = tokio::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .await
            .map_err(|e| local("open", path, e))?;
        file.seek(SeekFrom::Start(start))
            .await
            .map_err(|e| local("seek in", path, e))?;
        file
    } else {
        tokio::fs::File::create(path)
            .await
            .map_err(|e| local("create", path, e))?
    };
    while let Some(chunk) = stream.next_chunk().await {
        let chunk = chunk?;
        file.write_all(&chunk)
            .await
            .map_err(|e| local("write", path, e))?;
        downloaded.bytes_written += chunk.len() as u64;
    }
    file.flush().await.map_err(|e| local("write", path, e))?;
    file.sync_all().await.map_err(|e| local("write", path, e))?;
    Ok(downloaded)
}
