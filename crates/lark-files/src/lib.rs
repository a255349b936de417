//! Files of any size on Feishu/Lark Drive, over any lark-core backend: uploads that switch to
//! the three-step flow above 20 MiB, and downloads that stream and resume.
//!
//! Everything here is built on the client's public API and is sans-IO like the core: bytes
//! come from an [`UploadSource`] and go out through the client's
//! [`HttpClient`]; a download is a [`DownloadStream`] of chunks. Memory
//! stays bounded by the parts in flight (parallel × block size) or by one chunk, never by the
//! file's size. The Drive calls are the generated ones of `lark-api`
//! (`lark_api::drive::v1::file::UploadPrepare`, ...).
//!
//! ```no_run
//! # async fn run<H: lark_core::HttpClient + 'static>(client: lark_core::Client<H>, data: Vec<u8>) -> lark_core::Result<()> {
//! use lark_files::{FilesExt, Upload};
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
//!
//! With the `tokio` feature, [`native`] reads and writes files on disk and tokio streams.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod checksum;
mod download;
#[cfg(all(feature = "tokio", not(target_arch = "wasm32")))]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub mod native;
mod upload;

pub use checksum::{Adler32, adler32};
pub use download::{DEFAULT_DOWNLOAD_RESUMES, DownloadOptions, DownloadProgress, DownloadStream};
pub use upload::{
    BytesSource, UPLOAD_ALL_LIMIT, Upload, UploadProgress, UploadSource, UploadState, Uploaded,
};

use lark_core::endpoint::{Download, Endpoint};
use lark_core::{BoxFuture, Client, HttpClient, MaybeSync, Result};

/// Uploads and streaming downloads as methods of the [`Client`]: `use lark_files::FilesExt;`
/// and call `client.upload(...)`, `client.download_stream(...)`.
pub trait FilesExt {
    /// Uploads `source` to Drive as `upload` describes, whatever its size: at most 20 MiB in
    /// one `upload_all` request, more in parts (`upload_prepare`, `upload_part` × n,
    /// `upload_finish`), each part checked by its Adler-32 checksum and retried on its own
    /// under the retry policy.
    ///
    /// Memory is bounded by the parts in flight ([`Upload::parallel`] × the block size), not
    /// by the file. Dropping the future stops the upload; with [`Upload::on_state`] it can be
    /// continued later ([`Upload::resume`]). A part that fails for good ends the upload with
    /// its error, the parts before it saved in the state.
    fn upload<'a>(
        &'a self,
        upload: Upload,
        source: &'a mut dyn UploadSource,
    ) -> BoxFuture<'a, Result<Uploaded>>;

    /// Starts downloading from `endpoint` (any endpoint answering bytes, such as
    /// `drive.v1.file.download` or `im.v1.messageResource.get`) and returns once the headers
    /// are in; the body is then read with [`DownloadStream::next_chunk`]. Dropping the stream
    /// stops the download.
    ///
    /// Failed answers (an error status, or a JSON envelope with a non-zero `code`) are the
    /// usual [`Error::Api`](lark_core::Error::Api) / [`Error::Decode`](lark_core::Error::Decode),
    /// retried under the retry policy like any GET. With [`DownloadOptions::range_start`] the
    /// answer must be the range asked for; a `416` whose `Content-Range` says the file is
    /// exactly `start` long is an empty stream (the earlier download was complete). A body
    /// that breaks off is fetched again from where it stopped ([`DownloadOptions::resumes`]).
    fn download_stream<'a, E>(
        &'a self,
        endpoint: &'a E,
        options: DownloadOptions,
    ) -> BoxFuture<'a, Result<DownloadStream>>
    where
        E: Endpoint<Output = Download> + MaybeSync;
}

impl<H: HttpClient + 'static> FilesExt for Client<H> {
    fn upload<'a>(
        &'a self,
        upload: Upload,
        source: &'a mut dyn UploadSource,
    ) -> BoxFuture<'a, Result<Uploaded>> {
        Box::pin(upload::run(self, upload, source))
    }

    fn download_stream<'a, E>(
        &'a self,
        endpoint: &'a E,
        options: DownloadOptions,
    ) -> BoxFuture<'a, Result<DownloadStream>>
    where
        E: Endpoint<Output = Download> + MaybeSync,
    {
        Box::pin(download::open_stream(self, endpoint, options))
    }
}

#[cfg(test)]
mod tests;
