// `client.drive.upload` and `client.drive.download` (files.js): files of any size.

/** What `client.drive.upload` reports after each block (and once for an upload_all). */
export interface UploadProgress {
  bytesSent: number;
  total: number;
  partsDone: number;
  /** 0 for a single upload_all. */
  partsTotal: number;
}

/** What `client.drive.download` reports after each chunk. */
export interface DownloadProgress {
  /** Bytes of this answer so far. */
  received: number;
  /** `rangeStart` + `received`: where the file stands. */
  position: number;
  /** The whole file's size, when the answer says. */
  total: number | null;
}

/** The call's own token and headers, as the second argument of the other methods. */
export interface FileRequestOptions {
  userAccessToken?: string;
  tenantKey?: string;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export interface DriveUploadOptions extends FileRequestOptions {
  /**
   * The bytes: a Blob or File (read a block at a time), bytes, or a ReadableStream / async
   * iterable of chunks (read once, in order; give `size`).
   */
  file: Blob | Uint8Array | ArrayBuffer | ArrayBufferView | ReadableStream<Uint8Array> | AsyncIterable<Uint8Array | string>;
  /** The name it gets (a File's own name by default). */
  fileName?: string;
  /** `explorer` (a folder; the default for files); for medias `docx_image`, `docx_file`, ... */
  parentType?: string;
  /** The folder (or, for a media, the document) it goes in. */
  parentNode: string;
  /** Uploads a media (drive/v1/medias) instead of a drive file. */
  media?: boolean;
  /** A media's `extra`. */
  extra?: string;
  /** The length of a stream, in bytes. */
  size?: number;
  /** Blocks sent at once in a three-step upload (3 by default). */
  parallel?: number;
  /** Files above this many bytes take the three-step upload (20 MiB, the most, by default). */
  multipartThreshold?: number;
  contentType?: string;
  onProgress?: (progress: UploadProgress) => void;
  /** Stops the upload: the promise rejects with the signal's reason. */
  signal?: AbortSignal;
}

export interface DriveUploaded {
  fileToken: string;
  size: number;
  /** Blocks of a three-step upload; 0 for an upload_all. */
  parts: number;
}

export interface DriveDownloadOptions extends FileRequestOptions {
  /** Downloads a media (drive/v1/medias) instead of a drive file. */
  media?: boolean;
  /** Starts at this byte (`Range: bytes=N-`), to resume. */
  rangeStart?: number;
  /**
   * How many times in a row a body that breaks off (a dropped connection, a stalled chunk, a
   * short body) is fetched again from where it stopped (default 3; each byte received resets
   * the count; 0 turns it off). The new answer must be the rest of the same file.
   */
  resumes?: number;
  onProgress?: (progress: DownloadProgress) => void;
  /** Stops the download: a stream being read errors with the signal's reason. */
  signal?: AbortSignal;
}

/** A download whose headers are in; its body is read once, as a stream or as a Blob. */
export interface DriveDownload {
  readonly fileName: string | null;
  readonly contentType: string | null;
  readonly contentLength: number | null;
  readonly totalSize: number | null;
  /** Where this answer starts in the file. */
  readonly start: number;
  /** 200, 206 for a range, 416 for a resume of a complete file (an empty body). */
  readonly status: number;
  /** How many times the body broke off and was fetched again (updated as chunks are read). */
  readonly resumed: number;
  getReadableStream(): ReadableStream<Uint8Array>;
  blob(): Promise<Blob>;
  arrayBuffer(): Promise<ArrayBuffer>;
  cancel(): void;
}

export interface DriveFiles {
  /** Uploads a file (or media) of any size: one upload_all up to 20 MiB, blocks above. */
  upload(options: DriveUploadOptions): Promise<DriveUploaded>;
  /** Downloads a file (or media) by its token, as a stream. */
  download(fileToken: string, options?: DriveDownloadOptions): Promise<DriveDownload>;
}

/** `options` of `client.downloadStream`: those of `client.drive.download` but `media`. */
export type DownloadStreamOptions = Omit<DriveDownloadOptions, 'media'>;

declare module './generated/types/drive.js' {
  interface Service extends DriveFiles {}
}

declare module './index.js' {
  interface LarkClientCore {
    /**
     * A binary endpoint's answer as a stream, with progress, a range start and an AbortSignal:
     * `client.downloadStream(client.im.v1.messageResource.get, { path, params })`.
     */
    downloadStream<P>(method: (payload: P, ...rest: never[]) => Promise<unknown>, payload?: P, options?: DownloadStreamOptions): Promise<DriveDownload>;
  }
}
