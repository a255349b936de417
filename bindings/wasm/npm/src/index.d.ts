import type { Services } from './generated/api.js';

export type * from './generated/api.js';
export { CustomBot, BotReply, Mention } from './custom-bot.js';
// The channel layer (`createLarkChannel`, `LarkChannel`) is exported by `lark-sdk/channel`;
// the adapters take a channel too.
import type { LarkChannel } from './channel.js';

/** What `init` accepts: a URL, a Response, the bytes or a compiled module. */
export type WasmInput = string | URL | Request | Response | BufferSource | WebAssembly.Module;

/** Loads the wasm; Node and Workers entry points have already done it. */
export declare function init(input?: WasmInput | Promise<Response>): Promise<void>;
/** Loads the wasm synchronously from bytes or a compiled module. */
export declare function initSync(module: BufferSource | WebAssembly.Module): void;

import type { AppTicketStore, EventDedupStore, StoredUserLogin } from './stores.js';
// client.drive.upload / download (and their types).
export type * from './files.js';
/** The stores (`TokenStore`, `AppTicketStore`, `EventDedupStore`) and their Workers KV and Durable Object implementations. */
export * from './stores.js';
/** Message contents and card JSON 2.0 builders (also `lark-sdk/message`). */
export * as message from './message.js';

/** The `observer`, `logger` and `loggerLevel` options: their records, node-sdk's logger and `LoggerLevel` (the full and Workers builds). */
export * from './observe.js';
/** The options of `new LarkClient(options)`, generated from the table the wasm core reads them by. */
export type { LarkClientOptions } from './generated/options.js';
import type { LarkClientOptions } from './generated/options.js';

/** Per-call settings. */
export interface CallOptions {
  /** Acts for a user (for endpoints that accept user access tokens). */
  userAccessToken?: string;
  /** Acts for a user signed in with `client.users` (its stored token, refreshed as needed; the full build). */
  asUser?: string;
  /** A tenant access token got elsewhere, sent instead of the client's own (never refreshed). */
  tenantAccessToken?: string;
  /** Helpdesk credentials for this call (helpdesk endpoints), over the client's. */
  helpDesk?: { id: string; token: string };
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
  /** A Node stream, as node-sdk takes `fs.createReadStream(path)`: read whole, named after its file. */
  | AsyncIterable<Uint8Array | string>
  | { data: Uint8Array | ArrayBuffer; fileName?: string; contentType?: string };

/** A downloaded file: its bytes, name and content type. */
export interface Download {
  data: Uint8Array;
  contentType: string | null;
  fileName: string | null;
  /** The bytes as a Blob of the content type. */
  blob(): Blob;
  /** node-sdk's stream of the bytes (a web ReadableStream). */
  getReadableStream(): ReadableStream<Uint8Array>;
}

/** What a call resolves to: the platform's whole answer, `{ code, msg, data }`, as node-sdk gives it. */
export interface Answer<D = Record<string, unknown>> {
  code?: number;
  msg?: string;
  data?: D;
}

/**
 * `<method>WithIterator(payload)`: the pages of a paginated endpoint (each page's `data`
 * without `has_more` and the page token), as node-sdk's promise of an async iterable, and as
 * that iterable itself. A failed page throws its LarkError.
 */
export type PageIterator<T> = AsyncIterable<Omit<T, 'has_more' | 'page_token' | 'next_page_token'>> &
  PromiseLike<AsyncIterable<Omit<T, 'has_more' | 'page_token' | 'next_page_token'>>>;

/** Any call outside the typed API. */
export type RawRequest = CallOptions & RawRequestFields & ({ path: string } | { url: string });
export interface RawRequestFields {
  method?: string;
  /** `/open-apis/...` */
  path?: string;
  /** node-sdk's name of `path`. */
  url?: string;
  query?: Record<string, string | number | boolean | Array<string | number | boolean>>;
  /** node-sdk's name of `query`. */
  params?: Record<string, string | number | boolean | Array<string | number | boolean>>;
  body?: unknown;
  /** node-sdk's name of `body`. */
  data?: unknown;
  /** The token kinds the endpoint accepts; tenant (or user, when given) by default. */
  tokens?: Array<'tenant' | 'user' | 'app'>;
}

/**
 * An error from the SDK. `kind`: `build` (nothing was sent), `transport`, `timeout`, `api` (the
 * platform answered a non-zero `code`), `decode` (the answer was not what the endpoint sends;
 * `body` keeps it), `token`, `event`, `pagination` (a page-token cycle or the `maxPages` limit),
 * `oauth` (a refused sign-in or user-token refresh; `mustReauthorize`: the user has to sign in again).
 */
export interface LarkError extends Error {
  name: 'LarkError';
  kind: 'build' | 'transport' | 'timeout' | 'api' | 'decode' | 'token' | 'event' | 'pagination' | 'ws' | 'oauth' | 'other';
  code?: number;
  /** For `oauth`: the login is gone and the user has to sign in again. */
  mustReauthorize?: boolean;
  msg?: string;
  logId?: string;
  /** The HTTP status of the answer. */
  status?: number;
  /** The same as `status`. */
  httpStatus?: number;
  body?: string;
}
/** `error instanceof LarkError` is `isLarkError(error)`. */
export declare const LarkError: { prototype: LarkError; [Symbol.hasInstance](error: unknown): error is LarkError };

/** node-sdk's `lark.Domain`. */
export declare const Domain: { readonly Feishu: 'feishu'; readonly Lark: 'lark' };
/** node-sdk's `lark.AppType`. */
export declare const AppType: { readonly SelfBuild: 'self_built'; readonly ISV: 'marketplace' };
/** node-sdk's `lark.withTenantKey(key)`, the second argument of a call. */
export declare function withTenantKey(tenantKey: string): CallOptions;
/** node-sdk's `lark.withUserAccessToken(token)`. */
export declare function withUserAccessToken(userAccessToken: string): CallOptions;
/** node-sdk's `lark.withTenantToken(token)`: a tenant access token got elsewhere. */
export declare function withTenantToken(tenantAccessToken: string): CallOptions;
/** node-sdk's `lark.withHelpDeskCredential(id, token)`. */
export declare function withHelpDeskCredential(id: string, token: string): CallOptions;
/** `lark.withUser(key)`: acts for a user signed in with `client.users` (the full build). */
export declare function withUser(user: string): CallOptions;
/** node-sdk's `lark.withAll([...])`. */
export declare function withAll(options: CallOptions[]): CallOptions;

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
  /** Also receives pushed `app_ticket`s of `appId` (for an instance that makes no calls). */
  appTicketStore?: AppTicketStore;
  appId?: string;
  /** Remembers event ids beyond this instance (in it by default). */
  dedupStore?: EventDedupStore;
  /** How long event ids are remembered (12 hours by default). */
  dedupTtlSecs?: number;
}

/** Events and callbacks: verified, decrypted, de-duplicated and answered, handled by type. */
export declare class EventDispatcher {
  constructor(options?: EventDispatcherOptions);
  on(type: string, handler: EventHandler): this;
  /**
   * node-sdk's `register({ 'im.message.receive_v1': async (data) => ... })`: `data` is the event's
   * fields with `event_id`, `event_type`, `create_time`, `tenant_key` and `app_id` beside them.
   */
  register(handlers: Record<string, (data: Record<string, any>) => unknown | Promise<unknown>>): this;
  fallback(handler: EventHandler): this;
  /** Answers one request, as a Worker's `fetch` handler would. */
  handleEvent(request: Request): Promise<Response>;
  /**
   * Answers one request from any server: `headers` as a Headers, Node's `req.headers` or pairs,
   * `rawBody` the bytes as received (so signatures check).
   */
  handleRequest(
    method: string,
    headers: IncomingHeaders,
    rawBody: RawBody,
  ): Promise<DispatchedAnswer>;
  /** Checks and decrypts without running handlers; rejects with a LarkError of kind `event`. */
  verifyAndDecrypt(
    headers: IncomingHeaders,
    rawBody: RawBody,
  ): Promise<LarkEvent | UrlVerification>;
  free(): void;
}

/** A request's headers as servers have them: a Headers, Node's `req.headers`, or pairs. */
export type IncomingHeaders = Headers | Record<string, string | string[] | undefined> | Array<[string, string]>;
/** A request's body, as received (the bytes the signature covers). */
export type RawBody = string | Uint8Array | ArrayBuffer | Blob | Request;

/** The dispatcher's answer to a request: its status, headers and body. */
export interface DispatchedAnswer {
  status: number;
  headers: Array<[string, string]>;
  body: Uint8Array;
}

/**
 * node-sdk's `CardActionHandler`: `handler(data)` gets a legacy card callback
 * (`card.action.trigger_v1`: the body as sent) or a current one (`card.action.trigger`: the
 * event's fields with `event_id`, `event_type`, ... beside them) and returns the reply.
 */
export declare class CardActionHandler {
  constructor(
    params: EventDispatcherOptions,
    handler: (data: Record<string, any>) => unknown | Promise<unknown>,
  );
  handleEvent(request: Request): Promise<Response>;
  handleRequest(
    method: string,
    headers: IncomingHeaders,
    rawBody: RawBody,
  ): Promise<DispatchedAnswer>;
  free(): void;
}

/** Accepted for node-sdk's sake: a verified url_verification is always answered. */
export interface AdapterOptions {
  autoChallenge?: boolean;
  logger?: unknown;
}

/** Node's http: `server.on('request', adaptDefault('/webhook/event', dispatcher))`; other paths are left alone. */
export declare function adaptDefault(
  path: string,
  dispatcher: EventDispatcher | CardActionHandler | LarkChannel,
  options?: AdapterOptions,
): (req: any, res: any) => Promise<void>;
/** Express: `app.post('/webhook/event', adaptExpress(dispatcher))`. Keep the raw body (no `express.json()` on this route, or `express.raw()`). */
export declare function adaptExpress(
  dispatcher: EventDispatcher | CardActionHandler | LarkChannel,
  options?: AdapterOptions,
): (req: any, res: any) => Promise<void>;
/** Koa: `app.use(adaptKoa('/webhook/event', dispatcher))`; other paths go on to `next`. */
export declare function adaptKoa(
  path: string,
  dispatcher: EventDispatcher | CardActionHandler | LarkChannel,
  options?: AdapterOptions,
): (ctx: any, next: () => Promise<unknown>) => Promise<unknown>;
/** @koa/router: `router.post('/webhook/event', adaptKoaRouter(dispatcher))`. */
export declare function adaptKoaRouter(
  dispatcher: EventDispatcher | CardActionHandler | LarkChannel,
  options?: AdapterOptions,
): (ctx: any, next?: () => Promise<unknown>) => Promise<void>;

export interface WSClientOptions {
  appId: string;
  appSecret: string;
  /** `'feishu'` (default), `'lark'` or a base URL. */
  domain?: string;
  /** A base URL (a proxy or lark-mock) instead of the domain. */
  baseUrl?: string;
}

/**
 * Events over the platform's long connection (no public URL needed): frames, fragments, acks,
 * pings, liveness and reconnects run in the wasm core. Needs a global `WebSocket` (browsers,
 * extensions, Node 22, or Node 20 with `--experimental-websocket`); Workers keep HTTP callbacks:
 * their build of lark-sdk has no long connection, and the constructor throws a LarkError there.
 */
export declare class WSClient {
  constructor(options: WSClientOptions);
  /** Receives events until `close()`; rejects with a LarkError of kind `ws` on a fatal answer. */
  start(arg: { eventDispatcher: EventDispatcher } | EventDispatcher): Promise<void>;
  /** Stops: running handlers get up to 3 s to be acked. */
  close(): Promise<void>;
}

export declare function isLarkError(error: unknown): error is LarkError;

/** Keeps signed-in users' logins outside the instance (shared by every instance that uses it). */
export interface UserTokenStore {
  get(key: string): Promise<StoredUserLogin | null> | StoredUserLogin | null;
  set(key: string, login: StoredUserLogin): Promise<void> | void;
  delete(key: string): Promise<void> | void;
  /** With `releaseRefresh`: one refresh of a user at a time across instances (the token store's lease). */
  tryAcquireRefresh?(lease: { key: string; fencing: string; ttlMs: number }): Promise<boolean>;
  releaseRefresh?(lease: { key: string; fencing: string; ttlMs: number }): Promise<void>;
}

/** The options of a build with signed-in users (`lark-sdk`). */
export interface LarkClientUserOptions {
  /** Keeps signed-in users' logins; by default they live in the instance. */
  userTokenStore?: UserTokenStore;
  /** The OAuth (accounts) host of a custom `baseUrl` (a proxy, lark-mock); `domain`'s by default. */
  accountsBaseUrl?: string;
}

/** A sign-in begun with `client.users.beginSignIn`: keep it (it holds the PKCE verifier) until the redirect. */
export interface PendingSignIn {
  /** Where to send the user. */
  url: string;
  state: string;
  codeVerifier: string;
  redirectUri: string;
}

/** What is known of a login without its tokens. */
export interface UserLoginStatus {
  scope: string;
  expiresAt: number;
  refreshExpiresAt: number | null;
}

/** `client.users`: signs users in (code flow with PKCE) and keeps their tokens (the full build). */
export interface LarkUsers {
  beginSignIn(options: { redirectUri: string; scopes?: string[] }): Promise<PendingSignIn>;
  /** Checks the redirect's state, trades its code and stores the login under `user`. */
  finishSignIn(user: string, pending: PendingSignIn, redirect: string | URL | Request): Promise<UserLoginStatus>;
  signOut(user: string): Promise<void>;
  /** The user's access token, refreshed when due; a `LarkError` with `mustReauthorize` when the login ended. */
  accessToken(user: string): Promise<string>;
  status(user: string): Promise<UserLoginStatus | null>;
}

/**
 * Signs `user` in from an MV3 extension through `chrome.identity.launchWebAuthFlow` (the
 * `identity` permission; the redirect URI is `chrome.identity.getRedirectURL(path)`).
 */
export declare function signInWithWebAuthFlow(
  client: LarkClient,
  options: { user: string; scopes?: string[]; interactive?: boolean; path?: string; identity?: unknown },
): Promise<UserLoginStatus>;

/** What every `LarkClient` has beside its services. */
export interface LarkClientCore {
  /** Any endpoint; the answer is the whole JSON body after the `code` check. */
  request<T = Record<string, unknown>>(request: RawRequest): Promise<T>;
  /** Every page of a paginated method of this client, as its `data` (with `has_more` and the token). */
  pages<P, D>(
    method: (payload: P, options?: CallOptions) => Promise<Answer<D>>,
    payload?: P,
    options?: CallOptions & { maxPages?: number },
  ): AsyncGenerator<D, void, void>;
  tenantAccessToken(tenantKey?: string): Promise<string>;
  appAccessToken(): Promise<string>;
  setAppTicket(ticket: string): Promise<void>;
  /** Signed-in users (the full build; elsewhere it throws). */
  readonly users: LarkUsers;
  /** An event dispatcher with this client's encrypt key and verification token. */
  readonly events: EventDispatcher;
  on(type: string, handler: EventHandler): this;
  handleEvent(request: Request): Promise<Response>;
  verifyAndDecrypt(
    headers: IncomingHeaders,
    rawBody: RawBody,
  ): Promise<LarkEvent | UrlVerification>;
  free(): void;
}

/**
 * One app's client, in node-sdk's call shape: `client.<service>.<version>.<resource>.<method>({
 * path, params, data })` for every endpoint, and `client.<service>.<resource>.<method>(...)` for
 * the default version.
 */
export interface LarkClient extends LarkClientCore, Services {}
export declare const LarkClient: { new (options: LarkClientOptions & LarkClientUserOptions): LarkClient; prototype: LarkClient };
/** node-sdk's name of the client. */
export declare const Client: typeof LarkClient;
export type Client = LarkClient;

/** The compact endpoint table: `CATALOG.im.v1.message.create = [method, path, tokens, flags, envelope?, key?]`. */
export declare const CATALOG: Record<string, Record<string, Record<string, unknown>>>;
/** How many endpoints the package calls. */
export declare const ENDPOINTS: number;
