// Stores shared by every instance of a Cloudflare Worker (Workers KV and a Durable Object).
// The binding types are the few members used, so no @cloudflare/workers-types is needed.

/** A token as a token store keeps it. Times are Unix milliseconds. */
export interface StoredToken {
  value: string;
  expiresAt: number;
  refreshAt: number;
}

/**
 * The core's claim on one token refresh: `fencing` tells it from every other claim (128 random
 * bits), `ttlMs` is how long it lasts unless released.
 */
export interface RefreshLease {
  key: string;
  fencing: string;
  ttlMs: number;
}

/**
 * Where a client keeps access tokens. A store that throws only costs a token fetch.
 *
 * With `tryAcquireRefresh` and `releaseRefresh` (both or neither) a refresh is single-flight
 * across every instance sharing the store: the claim must be atomic everywhere, lapse by itself
 * after `ttlMs`, and be released only while its `fencing` still matches.
 */
export interface TokenStore {
  get(key: string): Promise<StoredToken | null | undefined> | StoredToken | null | undefined;
  set(key: string, token: StoredToken): Promise<void> | void;
  delete?(key: string): Promise<void> | void;
  /** `true` when this caller holds the claim now; a throw makes the client fetch its own token. */
  tryAcquireRefresh?(lease: RefreshLease): Promise<boolean> | boolean;
  releaseRefresh?(lease: RefreshLease): Promise<void> | void;
}

/** Where a marketplace app's `app_ticket` is kept (a throw fails the app token fetch). */
export interface AppTicketStore {
  get(appId: string): Promise<string | null | undefined> | string | null | undefined;
  set(appId: string, ticket: string): Promise<void> | void;
}

/**
 * Remembers handled event ids. `firstSeen` is `true` the first time; a throw makes the
 * dispatcher answer 503, so the platform delivers the event again later.
 */
export interface EventDedupStore {
  firstSeen(eventId: string, ttlMs: number): Promise<boolean> | boolean;
  forget(eventId: string): Promise<void> | void;
}

/** The members of a Workers KV namespace binding these stores use. */
export interface KVNamespaceLike {
  get(key: string, type?: 'text'): Promise<string | null>;
  get(key: string, type: 'json'): Promise<unknown>;
  put(key: string, value: string, options?: { expirationTtl?: number }): Promise<void>;
  delete(key: string): Promise<void>;
}

/** The members of a Durable Object namespace binding these stores use. */
export interface DurableObjectNamespaceLike {
  idFromName(name: string): unknown;
  get(id: any): { fetch(input: string, init?: RequestInit): Promise<Response> };
}

export interface KvStoreOptions {
  /** What every key starts with (`lark:` by default). */
  prefix?: string;
}

export interface DurableObjectStoreOptions {
  /** Which object of the namespace: one per app (`lark` by default). */
  name?: string;
}

/** Claims on token refreshes in a `LarkCoordinator` Durable Object; pass it to `KvTokenStore`. */
export declare class DurableObjectRefreshLock {
  constructor(namespace: DurableObjectNamespaceLike, options?: DurableObjectStoreOptions);
  tryAcquire(lease: RefreshLease): Promise<boolean>;
  release(lease: RefreshLease): Promise<void>;
  /** The newest token a holder stored under `key`, or null. */
  token(key: string): Promise<StoredToken | null>;
  putToken(key: string, token: StoredToken): Promise<void>;
  deleteToken(key: string): Promise<void>;
  /** The newest user login a holder stored under `key` (`known: false`: the object has none). */
  login(key: string): Promise<{ known: false } | { known: true; login: StoredUserLogin | null }>;
  putLogin(key: string, login: StoredUserLogin): Promise<void>;
  /** Remembers for a while that `key` has no login, so a stale KV read does not bring it back. */
  deleteLogin(key: string): Promise<void>;
}

/** A signed-in user's login as a `userTokenStore` keeps it (Unix milliseconds). Secret. */
export interface StoredUserLogin {
  accessToken: string;
  refreshToken: string | null;
  expiresAt: number;
  refreshExpiresAt: number | null;
  scope: string;
}

/**
 * Signed-in users' logins in Workers KV, a `userTokenStore` for `LarkClient`. With
 * `refreshLock` (the same `DurableObjectRefreshLock` as `KvTokenStore`'s), one instance
 * refreshes a user at a time and the lock's object keeps the newest login (refresh tokens are
 * single-use: a stale KV read must not send a spent one).
 */
export declare class KvUserTokenStore {
  constructor(kv: KVNamespaceLike, options?: KvStoreOptions & { refreshLock?: DurableObjectRefreshLock });
  get(key: string): Promise<StoredUserLogin | null>;
  set(key: string, login: StoredUserLogin): Promise<void>;
  delete(key: string): Promise<void>;
  tryAcquireRefresh(lease: RefreshLease): Promise<boolean>;
  releaseRefresh(lease: RefreshLease): Promise<void>;
}

/** The options of `userSignInRoutes`. */
export interface UserSignInRoutesOptions {
  /** Where pending sign-ins wait for their callback, under their `state`. */
  kv: KVNamespaceLike;
  /** The callback URL registered for the app; its path is the callback route. */
  redirectUri: string;
  scopes?: string[];
  /** The user key a sign-in is for (a session, a query parameter), or null to refuse (401). */
  userOf(request: Request): string | null | undefined | Promise<string | null | undefined>;
  /** The callback's answer; by default JSON `{ user, scope, expiresAt }`. */
  onSignedIn?(request: Request, user: string, status: { scope: string; expiresAt: number; refreshExpiresAt: number | null }): Response | Promise<Response>;
  /** The route that starts a sign-in (`/login` by default). */
  loginPath?: string;
  prefix?: string;
  /** How long a pending sign-in waits (600 s by default, at least 60). */
  ttlSecs?: number;
}

/**
 * A Worker's sign-in routes: `GET loginPath` redirects to the authorize page, the callback
 * finishes the sign-in (state, PKCE) and stores the login in the client's `userTokenStore`.
 * Resolves to null for any other request.
 */
export declare function userSignInRoutes(
  client: { users: { beginSignIn(o: { redirectUri: string; scopes?: string[] }): Promise<unknown>; finishSignIn(user: string, pending: any, redirect: string): Promise<{ scope: string; expiresAt: number; refreshExpiresAt: number | null }> } },
  options: UserSignInRoutesOptions,
): (request: Request) => Promise<Response | null>;

/**
 * Access tokens in Workers KV. With `refreshLock`, one instance refreshes a token while the
 * others wait for it; without, each isolate refreshes on its own.
 */
export declare class KvTokenStore implements TokenStore {
  constructor(kv: KVNamespaceLike, options?: KvStoreOptions & { refreshLock?: DurableObjectRefreshLock });
  get(key: string): Promise<StoredToken | null>;
  set(key: string, token: StoredToken): Promise<void>;
  delete(key: string): Promise<void>;
  tryAcquireRefresh(lease: RefreshLease): Promise<boolean>;
  releaseRefresh(lease: RefreshLease): Promise<void>;
}

/** A marketplace app's `app_ticket` in Workers KV, written by one instance and read by all. */
export declare class KvAppTicketStore implements AppTicketStore {
  constructor(kv: KVNamespaceLike, options?: KvStoreOptions);
  get(appId: string): Promise<string | null>;
  set(appId: string, ticket: string): Promise<void>;
}

/**
 * Event ids in Workers KV: best effort (KV has no atomic write-if-absent, so two deliveries
 * arriving together can both be handled). `DurableObjectDedupStore` is exact.
 */
export declare class KvEventDedupStore implements EventDedupStore {
  constructor(kv: KVNamespaceLike, options?: KvStoreOptions);
  firstSeen(eventId: string, ttlMs: number): Promise<boolean>;
  forget(eventId: string): Promise<void>;
}

/** Event ids in a `LarkCoordinator` Durable Object: exact, one request per event. */
export declare class DurableObjectDedupStore implements EventDedupStore {
  constructor(namespace: DurableObjectNamespaceLike, options?: DurableObjectStoreOptions);
  firstSeen(eventId: string, ttlMs: number): Promise<boolean>;
  forget(eventId: string): Promise<void>;
}

/**
 * The Durable Object class behind `DurableObjectRefreshLock` and `DurableObjectDedupStore`:
 * export it from the Worker's main module and bind it in wrangler.toml.
 */
export declare class LarkCoordinator {
  constructor(state: { storage: any }, env?: unknown);
  fetch(request: Request): Promise<Response>;
  alarm(): Promise<void>;
}
