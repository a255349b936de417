//! Files of any size on the wasm client: `upload` (one `upload_all` up to 20 MiB, the
//! three-step upload above, through lark-files' driver) reading its bytes through a JavaScript
//! `read(offset, length)` function, and `downloadStream`, a download read chunk by chunk.
//!
//! The JavaScript layer (`npm/src/files.js`) turns a Blob, a File, bytes or a ReadableStream
//! into the `read` function (a Blob is read with `slice(...).arrayBuffer()`, one block at a
//! time, so memory stays at a few blocks), and an `AbortSignal` into the `aborted` promise:
//! when it settles, the work in progress is dropped, which aborts its `fetch`es.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::Poll;

use lark_core::endpoint::ResponseKind;
use lark_core::{BoxFuture, Download, Endpoint, EndpointMeta, Error, TokenKind};
use lark_files::{
    DownloadOptions, DownloadProgress, DownloadStream, FilesExt, Upload, UploadProgress,
    UploadSource,
};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::client::{WasmClient, promise, request_options};
use crate::error::{get, get_string, lark_error, set, to_js};

/// The bytes of an upload, read through a JavaScript `read(offset, length)` that resolves to a
/// `Uint8Array`.
struct JsSource {
    read: js_sys::Function,
    size: u64,
}

impl UploadSource for JsSource {
    fn size(&self) -> u64 {
        self.size
    }

    fn read(&mut self, offset: u64, len: usize) -> BoxFuture<'_, Result<Vec<u8>, Error>> {
        // Offsets and lengths of a file below 2^53 bytes are exact as JavaScript numbers.
        let called = self.read.call2(
            &JsValue::NULL,
            &JsValue::from_f64(offset as f64),
            &JsValue::from_f64(len as f64),
        );
        Box::pin(async move {
            let failed = |e: JsValue| {
                let detail = e
                    .dyn_ref::<js_sys::Error>()
                    .map(|e| String::from(e.message()))
                    .or_else(|| e.as_string())
                    .unwrap_or_else(|| "the source failed".to_owned());
                Error::Build(format!("reading the upload's bytes failed: {detail}"))
            };
            let value = match called {
                Ok(value) if value.has_type::<js_sys::Promise>() => {
                    JsFuture::from(value.unchecked_into::<js_sys::Promise>())
                        .await
                        .map_err(failed)?
                }
                Ok(value) => value,
                Err(e) => return Err(failed(e)),
            };
            let bytes = value
                .dyn_into::<js_sys::Uint8Array>()
                .map_err(|_| Error::Build("the upload's read() must give a Uint8Array".into()))?;
            Ok(bytes.to_vec())
        })
    }
}

/// Runs `work` until it ends or `aborted` (a promise, when there is one) settles; `None` when
/// aborted. Dropping `work` drops its requests, and lark-fetch aborts their `fetch`es.
async fn unless_aborted<F: Future>(work: F, aborted: Option<JsValue>) -> Option<F::Output> {
    let mut aborted = aborted
        .and_then(|p| p.dyn_into::<js_sys::Promise>().ok())
        .map(JsFuture::from);
    let mut work = std::pin::pin!(work);
    std::future::poll_fn(|cx| {
        if let Some(signal) = aborted.as_mut() {
            if Pin::new(signal).poll(cx).is_ready() {
                return Poll::Ready(None);
            }
        }
        work.as_mut().poll(cx).map(Some)
    })
    .await
}

fn aborted_error() -> JsValue {
    lark_error("aborted", "aborted")
}

fn number(options: &JsValue, name: &str) -> Option<f64> {
    get(options, name)
        .and_then(|v| v.as_f64())
        .filter(|n| n.is_finite() && *n >= 0.0)
}

/// Calls `callback` with `value`; an exception in a progress callback does not stop the work.
fn report(callback: &js_sys::Function, value: &js_sys::Object) {
    let _ = callback.call1(&JsValue::NULL, value);
}

/// A binary endpoint described at run time: a path template, its values, the query.
struct DynDownload {
    meta: EndpointMeta,
    path: String,
}

impl Endpoint for DynDownload {
    type Output = Download;

    fn meta(&self) -> &EndpointMeta {
        &self.meta
    }

    fn path(&self) -> lark_core::Result<String> {
        Ok(self.path.clone())
    }
}

/// A download whose headers are in: `nextChunk()` resolves to the next `Uint8Array`, or to
/// `undefined` at the end; `cancel()` drops it (and its `fetch`).
#[wasm_bindgen]
#[derive(Debug)]
pub struct WasmDownload {
    stream: Rc<RefCell<Option<DownloadStream>>>,
    cancelled: Rc<Cell<bool>>,
    resumed: Rc<Cell<u32>>,
    file_name: Option<String>,
    content_type: Option<String>,
    content_length: Option<u64>,
    total_size: Option<u64>,
    start: u64,
    status: u16,
}

#[wasm_bindgen]
impl WasmDownload {
    /// The file name from `Content-Disposition`.
    #[wasm_bindgen(getter, js_name = fileName)]
    pub fn file_name(&self) -> Option<String> {
        self.file_name.clone()
    }

    /// The `Content-Type`.
    #[wasm_bindgen(getter, js_name = contentType)]
    pub fn content_type(&self) -> Option<String> {
        self.content_type.clone()
    }

    /// The length of this answer's body.
    #[wasm_bindgen(getter, js_name = contentLength)]
    pub fn content_length(&self) -> Option<f64> {
        self.content_length.map(|n| n as f64)
    }

    /// The whole file's size.
    #[wasm_bindgen(getter, js_name = totalSize)]
    pub fn total_size(&self) -> Option<f64> {
        self.total_size.map(|n| n as f64)
    }

    /// Where this answer starts in the file.
    #[wasm_bindgen(getter)]
    pub fn start(&self) -> f64 {
        self.start as f64
    }

    /// The HTTP status (200, 206, or 416 for a resume past a complete file).
    #[wasm_bindgen(getter)]
    pub fn status(&self) -> u16 {
        self.status
    }

    /// How many times the body broke off and was fetched again from where it stopped.
    #[wasm_bindgen(getter)]
    pub fn resumed(&self) -> u32 {
        self.resumed.get()
    }

    /// The next chunk: a `Uint8Array`, or `undefined` when the body is over.
    #[wasm_bindgen(js_name = nextChunk)]
    pub fn next_chunk(&self) -> js_sys::Promise {
        let stream = Rc::clone(&self.stream);
        let cancelled = Rc::clone(&self.cancelled);
        let resumed = Rc::clone(&self.resumed);
        wasm_bindgen_futures::future_to_promise(async move {
            // Taken out for the wait, so `cancel()` never meets a borrowed stream.
            let Some(mut current) = stream.borrow_mut().take() else {
                return if cancelled.get() {
                    Err(aborted_error())
                } else {
                    Err(lark_error("build", "a chunk is already being read"))
                };
            };
            let next = current.next_chunk().await;
            resumed.set(current.resumed());
            if !cancelled.get() {
                *stream.borrow_mut() = Some(current);
            }
            match next {
                Some(Ok(chunk)) => Ok(js_sys::Uint8Array::from(chunk.as_slice()).into()),
                Some(Err(e)) => Err(to_js(e)),
                None => Ok(JsValue::UNDEFINED),
            }
        })
    }

    /// Stops the download: the body is no longer read, and its `fetch` is aborted.
    pub fn cancel(&self) {
        self.cancelled.set(true);
        self.stream.borrow_mut().take();
    }
}

#[wasm_bindgen]
impl WasmClient {
    /// Uploads a file or media of any size and resolves to `{ fileToken, size, parts }`
    /// (`parts` is 0 for a single `upload_all`).
    ///
    /// `options`: `fileName`, `parentType`, `parentNode`, `media` (drive/v1/medias), `extra`
    /// (media only), `size`, `read(offset, length)` → `Promise<Uint8Array>`, `parallel`,
    /// `multipartThreshold`, `contentType`, `onProgress({ bytesSent, total, partsDone,
    /// partsTotal })`, `aborted` (a promise that settles on abort) and `request`
    /// (`userAccessToken`, `tenantKey`, `headers`, `timeoutMs`).
    pub fn upload(&self, options: JsValue) -> js_sys::Promise {
        let client = self.client.clone();
        promise(Box::pin(async move {
            let text = |name: &str| {
                get_string(&options, name).ok_or_else(|| {
                    lark_error("build", &["upload: `", name, "` is required"].concat())
                })
            };
            let (file_name, parent_type, parent_node) =
                (text("fileName")?, text("parentType")?, text("parentNode")?);
            let read = get(&options, "read")
                .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
                .ok_or_else(|| lark_error("build", "upload: `read` must be a function"))?;
            let size = number(&options, "size")
                .ok_or_else(|| lark_error("build", "upload: `size` must be a number of bytes"))?;
            let media = get(&options, "media").and_then(|v| v.as_bool()) == Some(true);
            let mut upload = if media {
                Upload::media(file_name, parent_type, parent_node)
            } else {
                Upload::file(file_name, parent_type, parent_node)
            };
            if let Some(extra) = get_string(&options, "extra") {
                upload = upload.extra(extra);
            }
            if let Some(parallel) = number(&options, "parallel") {
                upload = upload.parallel(parallel as usize);
            }
            if let Some(threshold) = number(&options, "multipartThreshold") {
                upload = upload.multipart_threshold(threshold as u64);
            }
            if let Some(content_type) = get_string(&options, "contentType") {
                upload = upload.content_type(content_type);
            }
            if let Some(request) = get(&options, "request") {
                upload = upload.options(request_options(&request)?);
            }
            if let Some(callback) =
                get(&options, "onProgress").and_then(|f| f.dyn_into::<js_sys::Function>().ok())
            {
                upload = upload.on_progress(move |p: UploadProgress| {
                    let value = js_sys::Object::new();
                    set(&value, "bytesSent", p.bytes_sent as f64);
                    set(&value, "total", p.total as f64);
                    set(&value, "partsDone", p.parts_done as f64);
                    set(&value, "partsTotal", p.parts_total as f64);
                    report(&callback, &value);
                });
            }
            let mut source = JsSource {
                read,
                size: size as u64,
            };
            let work = client.upload(upload, &mut source);
            let uploaded = unless_aborted(work, get(&options, "aborted"))
                .await
                .ok_or_else(aborted_error)?
                .map_err(to_js)?;
            let out = js_sys::Object::new();
            set(&out, "fileToken", uploaded.file_token.as_str());
            set(&out, "size", uploaded.size as f64);
            set(&out, "parts", uploaded.parts as f64);
            Ok(out.into())
        }))
    }

    /// Starts a download from a binary endpoint (`template` such as
    /// `/open-apis/drive/v1/files/:file_token/download`, `pathValues` `[name, value, ...]`,
    /// `query` `[key, value, ...]`, `tokenBits` as in the catalog) and resolves once its
    /// headers are in.
    ///
    /// `options`: `rangeStart`, `resumes` (how many times in a row a broken body is fetched
    /// again; 3 by default, 0 for never), `onProgress({ received, position, total })`,
    /// `aborted` and `request` (as for `upload`).
    #[wasm_bindgen(js_name = downloadStream)]
    pub fn download_stream(
        &self,
        template: String,
        path_values: Vec<String>,
        query: Vec<String>,
        token_bits: u32,
        options: JsValue,
    ) -> js_sys::Promise {
        let client = self.client.clone();
        promise(Box::pin(async move {
            let path = crate::call::path_with_query(&template, &path_values, &query)?;
            let tokens: &'static [TokenKind] = crate::bits::token_kinds(token_bits);
            let endpoint = DynDownload {
                meta: EndpointMeta::new("api", "download", http::Method::GET, "", tokens)
                    .response(ResponseKind::Binary),
                path,
            };
            let mut download = DownloadOptions::new();
            if let Some(start) = number(&options, "rangeStart") {
                download = download.range_start(start as u64);
            }
            if let Some(resumes) = number(&options, "resumes") {
                download = download.resumes(resumes.min(f64::from(u32::MAX)) as u32);
            }
            if let Some(request) = get(&options, "request") {
                download = download.request(request_options(&request)?);
            }
            if let Some(callback) =
                get(&options, "onProgress").and_then(|f| f.dyn_into::<js_sys::Function>().ok())
            {
                download = download.on_progress(move |p: DownloadProgress| {
                    let value = js_sys::Object::new();
                    set(&value, "received", p.received as f64);
                    set(&value, "position", p.position as f64);
                    set(
                        &value,
                        "total",
                        p.total
                            .map_or(JsValue::NULL, |t| JsValue::from_f64(t as f64)),
                    );
                    report(&callback, &value);
                });
            }
            let work = client.download_stream(&endpoint, download);
            let stream = unless_aborted(work, get(&options, "aborted"))
                .await
                .ok_or_else(aborted_error)?
                .map_err(to_js)?;
            Ok(JsValue::from(WasmDownload {
                file_name: stream.file_name.clone(),
                content_type: stream.content_type.clone(),
                content_length: stream.content_length,
                total_size: stream.total_size,
                start: stream.start,
                status: stream.status,
                stream: Rc::new(RefCell::new(Some(stream))),
                cancelled: Rc::new(Cell::new(false)),
                resumed: Rc::new(Cell::new(0)),
            }))
        }))
    }
}
