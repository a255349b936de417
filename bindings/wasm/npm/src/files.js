// `client.drive.upload(...)` and `client.drive.download(...)`: files of any size through the
// wasm core's upload driver (one upload_all up to 20 MiB, the three-step upload above, blocks
// retried on their own) and its streaming download. A Blob or File is read a block at a time
// (`slice().arrayBuffer()`), so memory stays at a few blocks whatever the file's size.
import { buildError } from './client.js';

const FILE_DOWNLOAD = '/open-apis/drive/v1/files/:file_token/download';
const MEDIA_DOWNLOAD = '/open-apis/drive/v1/medias/:file_token/download';
// Tenant or user token (see generated/bits.js).
const TENANT_OR_USER = 3;

function bytesOf(value) {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return undefined;
}

// Reads a stream (a web ReadableStream, or any async iterable of chunks such as a Node stream)
// in order: each read must start where the previous one ended.
function sequentialReader(stream, size) {
  const iterator = typeof stream.getReader === 'function' ? readerIterator(stream.getReader()) : stream[Symbol.asyncIterator]();
  let position = 0;
  let pending = new Uint8Array(0);
  let queue = Promise.resolve();
  const take = async (offset, length) => {
    if (offset !== position) throw buildError(`a stream is read in order: asked for byte ${offset}, at ${position}`);
    const out = new Uint8Array(length);
    let filled = 0;
    while (filled < length) {
      if (pending.length === 0) {
        const { value, done } = await iterator.next();
        if (done) throw buildError(`the stream ended at byte ${position + filled}, before the ${size} bytes given as \`size\``);
        pending = typeof value === 'string' ? new TextEncoder().encode(value) : bytesOf(value) ?? new Uint8Array(0);
        continue;
      }
      const n = Math.min(length - filled, pending.length);
      out.set(pending.subarray(0, n), filled);
      pending = pending.subarray(n);
      filled += n;
    }
    position += length;
    return out;
  };
  // Reads come one at a time even if the core asks for several blocks at once.
  return (offset, length) => {
    const next = queue.then(() => take(offset, length));
    queue = next.catch(() => {});
    return next;
  };
}

async function* readerIterator(reader) {
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock?.();
  }
}

// `{ read, size, fileName, contentType }` for what can be uploaded.
function sourceOf(file, size) {
  const bytes = bytesOf(file);
  if (bytes !== undefined) {
    // A view, not a copy: the core copies each block into wasm memory as it reads it.
    return { size: bytes.length, read: (offset, length) => bytes.subarray(offset, offset + length) };
  }
  if (typeof Blob !== 'undefined' && file instanceof Blob) {
    return {
      size: file.size,
      read: async (offset, length) => new Uint8Array(await file.slice(offset, offset + length).arrayBuffer()),
      fileName: typeof file.name === 'string' && file.name !== '' ? file.name : undefined,
      contentType: file.type || undefined,
    };
  }
  if (file !== null && typeof file === 'object' && (typeof file.getReader === 'function' || typeof file[Symbol.asyncIterator] === 'function')) {
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
      throw buildError('upload: a stream needs `size`, its length in bytes');
    }
    return { size, read: sequentialReader(file, size), fileName: typeof file.path === 'string' ? file.path.split(/[\\/]/).pop() : undefined };
  }
  throw buildError('upload: `file` must be a Blob, a File, bytes or a ReadableStream');
}

// A promise that settles when `signal` aborts (none without a signal), and a function that
// stops listening once the work is over.
function abortedBy(signal) {
  if (signal == null) return { aborted: undefined, release() {} };
  if (typeof signal.addEventListener !== 'function') throw buildError('`signal` must be an AbortSignal');
  let release = () => {};
  const aborted = new Promise((resolve) => {
    if (signal.aborted) return resolve();
    signal.addEventListener('abort', resolve, { once: true });
    release = () => signal.removeEventListener('abort', resolve);
  });
  return { aborted, release: () => release() };
}

function abortError(signal) {
  if (signal?.reason !== undefined) return signal.reason;
  const error = new Error('This operation was aborted');
  error.name = 'AbortError';
  return error;
}

// Runs `start(aborted)`; the core's "aborted" comes out as the signal's reason, as from fetch.
async function abortable(signal, start) {
  const { aborted, release } = abortedBy(signal);
  try {
    return await start(aborted);
  } catch (error) {
    if (signal?.aborted && error?.kind === 'aborted') throw abortError(signal);
    throw error;
  } finally {
    release();
  }
}

function requestOptions(options) {
  const { userAccessToken, tenantKey, headers, timeoutMs } = options ?? {};
  return { userAccessToken, tenantKey, headers, timeoutMs };
}

async function upload(core, options) {
  if (options === null || typeof options !== 'object') throw buildError('upload needs options: { file, parentNode, ... }');
  const { file, fileName, parentType, parentNode, media = false, extra, size, parallel, multipartThreshold, contentType, onProgress, signal, ...rest } = options;
  const source = sourceOf(file, size);
  const name = fileName ?? source.fileName;
  if (typeof name !== 'string' || name === '') throw buildError('upload: `fileName` is required');
  if (typeof parentNode !== 'string' || parentNode === '') throw buildError('upload: `parentNode` is required');
  const type = parentType ?? (media ? undefined : 'explorer');
  if (typeof type !== 'string') throw buildError('upload: a media needs `parentType` (docx_image, docx_file, ...)');
  if (onProgress !== undefined && typeof onProgress !== 'function') throw buildError('upload: `onProgress` must be a function');
  if (signal?.aborted) throw abortError(signal);
  return abortable(signal, (aborted) =>
    core.upload({
      fileName: name,
      parentType: type,
      parentNode,
      media: Boolean(media),
      extra,
      size: source.size,
      read: source.read,
      parallel,
      multipartThreshold,
      contentType: contentType ?? source.contentType,
      onProgress,
      aborted,
      request: requestOptions(rest),
    }),
  );
}

// A started download: read it once, as a stream or as a Blob.
function downloaded(stream, signal) {
  let taken = false;
  const take = () => {
    if (taken) throw buildError('the download was read already: call getReadableStream() or blob() once');
    taken = true;
  };
  const onAbort = () => stream.cancel();
  signal?.addEventListener('abort', onAbort, { once: true });
  const done = () => signal?.removeEventListener('abort', onAbort);
  const next = async () => {
    try {
      return await stream.nextChunk();
    } catch (error) {
      if (signal?.aborted) throw abortError(signal);
      throw error;
    }
  };
  return {
    fileName: stream.fileName ?? null,
    contentType: stream.contentType ?? null,
    contentLength: stream.contentLength ?? null,
    totalSize: stream.totalSize ?? null,
    start: stream.start,
    status: stream.status,
    /** How many times the body broke off and was fetched again from where it stopped. */
    get resumed() {
      return stream.resumed;
    },
    getReadableStream() {
      take();
      return new ReadableStream({
        async pull(controller) {
          try {
            const chunk = await next();
            if (chunk === undefined) {
              done();
              controller.close();
            } else {
              controller.enqueue(chunk);
            }
          } catch (error) {
            done();
            controller.error(error);
          }
        },
        cancel() {
          done();
          stream.cancel();
        },
      });
    },
    async blob() {
      take();
      const chunks = [];
      try {
        for (let chunk = await next(); chunk !== undefined; chunk = await next()) chunks.push(chunk);
      } finally {
        done();
      }
      return new Blob(chunks, this.contentType ? { type: this.contentType } : {});
    },
    async arrayBuffer() {
      return (await this.blob()).arrayBuffer();
    },
    /** Stops the download. */
    cancel() {
      done();
      stream.cancel();
    },
  };
}

async function download(core, fileToken, options = {}) {
  if (typeof fileToken !== 'string' || fileToken === '') throw buildError('download needs a file token');
  const { media = false, ...rest } = options ?? {};
  return downloadFrom(core, media ? MEDIA_DOWNLOAD : FILE_DOWNLOAD, ['file_token', fileToken], [], TENANT_OR_USER, rest);
}

/**
 * Any binary endpoint as a stream: `template` and its `pathValues` (`[name, value, ...]`), the
 * flattened `query`, the catalog's token bits; `options` as for `client.drive.download`.
 */
export async function downloadFrom(core, template, pathValues, query, tokens, options = {}) {
  const { rangeStart, resumes, onProgress, signal, ...rest } = options ?? {};
  if (rangeStart !== undefined && (!Number.isSafeInteger(rangeStart) || rangeStart < 0)) {
    throw buildError('download: `rangeStart` must be a whole number of bytes');
  }
  if (resumes !== undefined && (!Number.isSafeInteger(resumes) || resumes < 0)) {
    throw buildError('download: `resumes` must be a whole number, 0 or more');
  }
  if (onProgress !== undefined && typeof onProgress !== 'function') throw buildError('download: `onProgress` must be a function');
  if (signal?.aborted) throw abortError(signal);
  const stream = await abortable(signal, (aborted) =>
    filesCore(() => core).downloadStream(template, pathValues, query, tokens, {
      rangeStart,
      resumes,
      onProgress,
      aborted,
      request: requestOptions(rest),
    }),
  );
  return downloaded(stream, signal);
}

// The wasm core of this client, when its build has file transfers.
function filesCore(core) {
  const it = core();
  if (typeof it?.upload !== 'function' || typeof it?.downloadStream !== 'function') {
    throw new Error('this build of lark-sdk has no file transfers (client.drive.upload / download)');
  }
  return it;
}

/** Adds `upload` and `download` to `client.drive`, over the client's wasm core. */
export function addDriveFiles(api, core) {
  Object.defineProperty(api, 'upload', { value: async (options) => upload(filesCore(core), options), enumerable: false });
  Object.defineProperty(api, 'download', { value: async (fileToken, options) => download(filesCore(core), fileToken, options), enumerable: false });
  return api;
}
