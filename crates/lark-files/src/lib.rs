//! Files of any size: uploads to Drive that switch to the three-step flow above 20 MiB, and
//! downloads that stream.
//!
//! Everything here is sans-IO like the rest of the core: bytes come from an [`UploadSource`]
//! and go out through the client's [`HttpClient`](crate::HttpClient); a download is a
//! [`DownloadStream`] of chunks. Memory stays bounded by the parts in flight (parallel ×
//! block size) or by one chunk, never by the file's size.
//!
//! ```no_run
//! # async fn run<H: lark_core::HttpClient>(client: lark_core::Client<H>, data: Vec<u8>) -> lark_core::Result<()> {
//! use lark_core::files::Upload;
//! let mut source = data;
//! let uploaded = client
//!     .upload(
//!         Upload::file("report.pdf", "explorer", "fldcn_xxx")
//!             .on_progress(|p| println!("{} / {} bytes", p.bytes_sent, p.total)),
//!         &mut source,
//!     )
//!     .await?;
//! println!("{}", uploaded.file_token);
//! # Ok(()) }
//! ```

mod checksum;
mod download;
mod upload;

pub use checksum::{Adler32, adler32};
pub use download::{DEFAULT_DOWNLOAD_RESUMES, DownloadOptions, DownloadProgress, DownloadStream};
pub use upload::{
    BytesSource, UPLOAD_ALL_LIMIT, Upload, UploadProgress, UploadSource, UploadState, Uploaded,
};

#[cfg(test)]
mod tests;
