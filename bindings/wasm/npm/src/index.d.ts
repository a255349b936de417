import type { Services } from './generated/api.js';

export type * from './generated/api.js';
export { CustomBot, BotReply, Mention } from './custom-bot.js';

/** What `init` accepts: a URL, a Response, the bytes or a compiled module. */
export type WasmInput = string | URL | Request | Response | BufferSource | WebAssembly.Module;

/** Loads the wasm; Node and Workers entry points have already done it. */
export declare function init(input?: WasmInput | Promise<Response>): Promise<void>;
/** Loads the wasm synchronously from bytes or a compiled module. */
export declare function initSync(module: BufferSource | WebAssembly.Module): void;

/** A token as a token store keeps it. Times are Unix milliseconds. */
export interface StoredToken {
  value: string;
  expiresAt: number;
  refreshAt: number;
}

/** Where a client keeps access tokens, such as Workers KV. A store that throws only costs a token fetch. */
export interface TokenStore {
  get(key: string): Promise<StoredToken | null | undefined> | StoredToken | null | undefined;
  set(key: string, token: StoredToken): Promise<void> | void;
  delete?(key: string): Promise<void> | void;
}

export interface LarkClientOptions {
  appId: string;
  appSecret: string;
  /** `feishu` (open.feishu.cn, the default) or `lark` (open.larksuite.com). */
  domain?: 'feishu' | 'lark';
  /** Any other base URL, such as lark-mock or a proxy; wins over `domain`. */
  baseUrl?: string;
  /**
   * Where the few approval endpoints of the `www` host go: `domain`'s www host by default
   * (www.feishu.cn, www.larksuite.com), or `baseUrl` when that is given.
   */
  wwwBaseUrl?: string;
  appType?: 'self_built' | 'marketplace';
  /** Keeps tokens outside the instance; by default they live in it. */
  tokenStore?: TokenStore;
  /** The timeout of one HTTP exchange (30 s by default; 0 waits as long as fetch does). */
  timeoutMs?: number;
  /** Credentials for the helpdesk endpoints. */
  helpdesk?: { id: string; token: string };
  /** The event encrypt key: decrypts events and checks their signatures. */
  encryptKey?: string;
  /** The event verification token. */
  verificationToken?: string;
}

/** Per-call settings. */
export interface CallOptions {
  /** Acts for a user (for endpoints that accept user access tokens). */
  userAccessToken?: string;
  /** The tenant of a marketplace app. */
  tenantKey?: string;
  /** Extra headers. */
  headers?: Record<string, string>;
  /** This call's timeout. */
  timeoutMs?: number;
}

/** A file for a multipart upload. */
export type FileInput =
  | Uint8Array
  | ArrayBuffer
  | Blob
  | { data: Uint8Array | ArrayBuffer; fileName?: string; contentType?: string };

/** A downloaded file. */
export interface Download {
  data: Uint8Array;
  contentType: string | null;
  fileName: string | null;
}

/** A page of a paginated endpoint. */
export type Paged<T> = T & { has_more?: boolean; page_token?: string };

/** Any call outside the typed API. */
export interface RawRequest extends CallOptions {
  method?: string;
  /** `/open-apis/...` */
  path: string;
  query?: Record<string, string | number | boolean | Array<string | number | boolean>>;
  body?: unknown;
  /** The token kinds the endpoint accepts; tenant (or user, when given) by default. */
  tokens?: Array<'tenant' | 'user' | 'app'>;
}

/**
 * An error from the SDK. `kind`: `build` (nothing was sent), `transport`, `timeout`, `api` (the
 * platform answered a non-zero `code`), `decode` (the answer was not what the endpoint sends;
 * `body` keeps it), `token`, `event`, `pagination` (`pages()` met a page-token cycle or its
 * `maxPages` limit).
 */
export interface LarkError extends Error {
  name: 'LarkError';
  kind: 'build' | 'transport' | 'timeout' | 'api' | 'decode' | 'token' | 'event' | 'pagination' | 'other';
  code?: number;
  msg?: string;
  logId?: string;
  httpStatus?: number;
  body?: string;
}

/** A decoded event or callback. `payload` is the envelope's `event` (a legacy card: the body). */
export interface LarkEvent<P = any> {
  type: string;
  id: string | null;
  createTime: string | null;
  appId: string | null;
  tenantKey: string | null;
  schema: '1.0' | '2.0' | 'card' | 'other';
  encrypted: boolean;
  payload: P;
}

/** A url_verification challenge, as `verifyAndDecrypt` returns it. */
export interface UrlVerification {
  type: 'url_verification';
  challenge: string;
}

/** Handles one event; a callback's handler (card actions, link previews) returns the reply. */
export type EventHandler = (event: LarkEvent) => unknown | Promise<unknown>;

export interface EventDispatcherOptions {
  encryptKey?: string;
  verificationToken?: string;
  /**
   * Without `verificationToken` or `encryptKey` every request is refused (500) unless this is
   * `true`: then anyone who reaches the endpoint can post any event. An `app_ticket` is taken
   * only from a verified request either way.
   */
  allowUnverified?: boolean;
  /** How far a signed request's timestamp may be from now (300 s by default; 0 turns it off). */
  freshnessSecs?: number;
  /** Receives pushed `app_ticket`s (marketplace apps). */
  client?: LarkClient;
}

/** Events and callbacks: verified, decrypted, de-duplicated and answered, handled by type. */
export declare class EventDispatcher {
  constructor(options?: EventDispatcherOptions);
  on(type: string, handler: EventHandler): this;
  fallback(handler: EventHandler): this;
  /** Answers one request, as a Worker's `fetch` handler would. */
  handleEvent(request: Request): Promise<Response>;
  /** Checks and decrypts without running handlers; rejects with a LarkError of kind `event`. */
  verifyAndDecrypt(
    headers: Headers | Record<string, string | string[] | undefined> | Array<[string, string]>,
    rawBody: string | Uint8Array | ArrayBuffer | Blob | Request,
  ): Promise<LarkEvent | UrlVerification>;
  free(): void;
}

export declare function isLarkError(error: unknown): error is LarkError;

/** One app's client; `client.<service>.<method>(params)` for every endpoint of the spec. */
export declare class LarkClient {
  constructor(options: LarkClientOptions);
  /** Any endpoint; the answer is the whole JSON body after the `code` check. */
  request<T = Record<string, unknown>>(request: RawRequest): Promise<T>;
  /** Every page of a paginated endpoint. */
  pages<P extends { query?: object }, R extends { has_more?: boolean; page_token?: string }>(
    method: (params: P, options?: CallOptions) => Promise<R>,
    params: P,
    options?: CallOptions & { maxPages?: number },
  ): AsyncGenerator<R, void, void>;
  tenantAccessToken(tenantKey?: string): Promise<string>;
  appAccessToken(): Promise<string>;
  setAppTicket(ticket: string): Promise<void>;
  /** An event dispatcher with this client's encrypt key and verification token. */
  readonly events: EventDispatcher;
  on(type: string, handler: EventHandler): this;
  handleEvent(request: Request): Promise<Response>;
  verifyAndDecrypt(
    headers: Headers | Record<string, string | string[] | undefined> | Array<[string, string]>,
    rawBody: string | Uint8Array | ArrayBuffer | Blob | Request,
  ): Promise<LarkEvent | UrlVerification>;
  free(): void;
}
export interface LarkClient extends Services {}

/** The compact endpoint table: `CATALOG[service][method] = [method, path, tokens, flags, envelope?]`. */
export declare const CATALOG: Record<string, Record<string, [string, string, number, number, (string | null)?]>>;
