// Stores shared by every instance of a Cloudflare Worker: tokens, the marketplace `app_ticket`
// and event ids in Workers KV, and a Durable Object for what KV cannot do.
//
// Why a Durable Object: KV is eventually consistent. A write is seen at once where it was made
// but can take 60 s or more to reach other locations, and there is no compare-and-set, so two
// isolates that both read "no lock" and both write one each think they won. A refresh lock on
// KV would not be single-flight, and de-duplication on KV lets an event delivered to two
// locations at once through twice. A Durable Object is one single-threaded instance per name,
// worldwide, with transactional storage: claims and event ids checked there are exact.
//
// Plain JavaScript, no wasm: `LarkClient` and `EventDispatcher` take these objects as
// `tokenStore`, `appTicketStore` and `dedupStore`; the wasm core calls their methods.

// KV refuses an `expirationTtl` under 60 seconds.
const KV_MIN_TTL_SECS = 60;
// The Durable Object's storage keeps at most this long; alarms come at least this far apart.
const DAY_MS = 24 * 3600 * 1000;
const MIN_ALARM_GAP_MS = 60 * 1000;

function kvTtl(ms) {
  return Math.max(KV_MIN_TTL_SECS, Math.ceil(ms / 1000));
}

function need(value, name, methods) {
  if (value === null || typeof value !== 'object' || methods.some((m) => typeof value[m] !== 'function')) {
    throw new TypeError(`${name} needs a binding with ${methods.join(', ')}`);
  }
}

function isToken(value) {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof value.value === 'string' &&
    Number.isFinite(value.expiresAt) &&
    Number.isFinite(value.refreshAt)
  );
}

function isLogin(value) {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof value.accessToken === 'string' &&
    Number.isFinite(value.expiresAt) &&
    (value.refreshToken === null || typeof value.refreshToken === 'string')
  );
}

// A login in KV this far from expiry is used as it is; closer, the lock's object is asked too.
const LOGIN_FRESH_MS = 10 * 60 * 1000;
// How long a Durable Object remembers a removed login: longer than KV takes to show the removal.
const LOGIN_TOMBSTONE_MS = 5 * 60 * 1000;

/**
 * A Durable Object namespace (the binding of `LarkCoordinator`) seen through one object of it.
 * @internal
 */
class Coordinator {
  #namespace;
  #name;

  constructor(namespace, name, what) {
    need(namespace, what, ['idFromName', 'get']);
    this.#namespace = namespace;
    this.#name = String(name);
  }

  async call(op, args) {
    // A stub is cheap and belongs to the request that makes it: one per call.
    const stub = this.#namespace.get(this.#namespace.idFromName(this.#name));
    const response = await stub.fetch(`https://lark-coordinator/${op}`, { method: 'POST', body: JSON.stringify(args) });
    const answer = await response.json().catch(() => null);
    if (!response.ok || answer === null) throw new Error(`LarkCoordinator ${op}: HTTP ${response.status}`);
    return answer;
  }
}

/**
 * Claims on token refreshes, taken in a `LarkCoordinator` Durable Object: one instance of the
 * app refreshes a token while the others wait for it. Pass it to `KvTokenStore` as
 * `refreshLock`. The object also keeps the newest token each holder stored, so a waiter in a
 * location where KV has not caught up yet still finds it.
 */
export class DurableObjectRefreshLock {
  #coordinator;

  /**
   * @param namespace the Durable Object binding of `LarkCoordinator` (wrangler.toml `[[durable_objects.bindings]]`)
   * @param options `name`: which object (one per app: the default is `lark`)
   */
  constructor(namespace, { name = 'lark' } = {}) {
    this.#coordinator = new Coordinator(namespace, name, 'DurableObjectRefreshLock');
  }

  /** Claims the refresh of `lease.key` for `lease.ttlMs`: true when this caller holds it now. */
  async tryAcquire(lease) {
    const { acquired } = await this.#coordinator.call('lock/acquire', { key: lease.key, fencing: lease.fencing, ttlMs: lease.ttlMs });
    return acquired === true;
  }

  /** Gives the claim up, only while it is still `lease`'s. */
  async release(lease) {
    await this.#coordinator.call('lock/release', { key: lease.key, fencing: lease.fencing });
  }

  /** The newest token stored under `key` through this lock, or null. */
  async token(key) {
    const { token } = await this.#coordinator.call('token/get', { key });
    return isToken(token) ? token : null;
  }

  /** Keeps `token` as the newest under `key`. */
  async putToken(key, token) {
    await this.#coordinator.call('token/put', { key, token });
  }

  /** Forgets the token under `key` (the platform refused it). */
  async deleteToken(key) {
    await this.#coordinator.call('token/delete', { key });
  }

  /**
   * The newest user login stored under `key` through this lock: `{ known: false }` when the
   * object has no record, else `{ known: true, login }` (`login` null: signed out or ended).
   */
  async login(key) {
    const { known, login } = await this.#coordinator.call('login/get', { key });
    return known === true ? { known: true, login: isLogin(login) ? login : null } : { known: false };
  }

  /** Keeps `login` as the newest under `key`. */
  async putLogin(key, login) {
    await this.#coordinator.call('login/put', { key, login });
  }

  /** Records that `key` has no login any more (so a stale KV read does not bring it back). */
  async deleteLogin(key) {
    await this.#coordinator.call('login/delete', { key });
  }
}

/**
 * Access tokens in Workers KV, shared by every isolate and location: a `tokenStore` for
 * `LarkClient`. KV is read first on every call (it is cached near the isolate); with a
 * `refreshLock` (a `DurableObjectRefreshLock`), a refresh is single-flight across all instances
 * and a token KV does not show yet is read from the lock's object. Without one, each isolate
 * refreshes on its own (its concurrent calls still share one refresh).
 */
export class KvTokenStore {
  #kv;
  #prefix;
  #lock;

  /**
   * @param kv a KV namespace binding
   * @param options `prefix` of every key (`lark:` by default), `refreshLock`
   */
  constructor(kv, { prefix = 'lark:', refreshLock } = {}) {
    need(kv, 'KvTokenStore', ['get', 'put', 'delete']);
    if (refreshLock !== undefined) need(refreshLock, 'KvTokenStore refreshLock', ['tryAcquire', 'release', 'token', 'putToken', 'deleteToken']);
    this.#kv = kv;
    this.#prefix = String(prefix);
    this.#lock = refreshLock;
  }

  #key(key) {
    return `${this.#prefix}token:${key}`;
  }

  async get(key) {
    const stored = await this.#kv.get(this.#key(key), 'json');
    const token = isToken(stored) ? stored : null;
    if (this.#lock === undefined || (token !== null && token.refreshAt > Date.now())) return token;
    // Missing or due: another location may have refreshed already, and KV may not show it here
    // for a while. The lock's object saw that refresh.
    const shared = await this.#lock.token(key);
    return shared !== null && (token === null || shared.refreshAt > token.refreshAt) ? shared : token;
  }

  async set(key, token) {
    const left = token.expiresAt - Date.now();
    // A token for which the platform gives no end (the app_ticket kept here) stays until replaced.
    const options = Number.isFinite(left) && left < 365 * DAY_MS ? { expirationTtl: kvTtl(left) } : {};
    await this.#kv.put(this.#key(key), JSON.stringify(token), options);
    await this.#lock?.putToken(key, token);
  }

  async delete(key) {
    await this.#kv.delete(this.#key(key));
    await this.#lock?.deleteToken(key);
  }

  /** Claims the refresh of `lease.key` (the core's lease `{ key, fencing, ttlMs }`). */
  async tryAcquireRefresh(lease) {
    // Without a lock, every claim succeeds: the client's own single-flight is all there is.
    return this.#lock === undefined ? true : this.#lock.tryAcquire(lease);
  }

  async releaseRefresh(lease) {
    await this.#lock?.release(lease);
  }
}

/**
 * Signed-in users' logins in Workers KV, a `userTokenStore` for `LarkClient`: each login under
 * its key, kept until its refresh token expires. The refreshes are the client's (the Rust
 * core's); with a `refreshLock` (a `DurableObjectRefreshLock`, the same as `KvTokenStore`'s) one
 * instance refreshes a user at a time, and the lock's object keeps the newest login, so an
 * instance where KV still shows a spent refresh token reads the new one instead (refresh tokens
 * are single-use: sending a spent one ends the login). Without a lock, two locations refreshing
 * one user at once can end that login.
 */
export class KvUserTokenStore {
  #kv;
  #prefix;
  #lock;

  /**
   * @param kv a KV namespace binding
   * @param options `prefix` of every key (`lark:` by default), `refreshLock`
   */
  constructor(kv, { prefix = 'lark:', refreshLock } = {}) {
    need(kv, 'KvUserTokenStore', ['get', 'put', 'delete']);
    if (refreshLock !== undefined) need(refreshLock, 'KvUserTokenStore refreshLock', ['tryAcquire', 'release', 'login', 'putLogin', 'deleteLogin']);
    this.#kv = kv;
    this.#prefix = String(prefix);
    this.#lock = refreshLock;
  }

  #key(key) {
    return `${this.#prefix}user:${key}`;
  }

  async get(key) {
    const stored = await this.#kv.get(this.#key(key), 'json');
    const login = isLogin(stored) ? stored : null;
    // Fresh in KV: use it. Missing or expiring: another location may have refreshed (or ended)
    // the login, which KV may not show here yet; the lock's object saw it.
    if (this.#lock === undefined || (login !== null && login.expiresAt > Date.now() + LOGIN_FRESH_MS)) return login;
    const shared = await this.#lock.login(key);
    return shared.known ? shared.login : login;
  }

  async set(key, login) {
    const until = Number.isFinite(login.refreshExpiresAt) ? login.refreshExpiresAt : login.expiresAt;
    await this.#kv.put(this.#key(key), JSON.stringify(login), { expirationTtl: kvTtl(until - Date.now()) });
    await this.#lock?.putLogin(key, login);
  }

  async delete(key) {
    await this.#kv.delete(this.#key(key));
    await this.#lock?.deleteLogin(key);
  }

  /** Claims the refresh of `lease.key` (the core's lease `{ key, fencing, ttlMs }`). */
  async tryAcquireRefresh(lease) {
    return this.#lock === undefined ? true : this.#lock.tryAcquire(lease);
  }

  async releaseRefresh(lease) {
    await this.#lock?.release(lease);
  }
}

/**
 * A Worker's sign-in routes for users (the code flow with PKCE), over `client.users`:
 * `GET {loginPath}` redirects to the authorize page, with the pending sign-in kept in KV under
 * its `state` for `ttlSecs`; `GET` on `redirectUri`'s path finishes it (the state is checked, the
 * code traded with the PKCE verifier, the login stored in the client's `userTokenStore`).
 * Returns `async (request) => Response | null` (null: not one of these routes).
 *
 * `userOf(request)` names the user the sign-in is for (a session, a query parameter), or
 * returns null to refuse (401). `onSignedIn(request, user, status)` makes the callback's
 * answer (by default JSON `{ user, scope, expiresAt }`).
 */
export function userSignInRoutes(client, { kv, redirectUri, scopes = [], userOf, onSignedIn, loginPath = '/login', prefix = 'lark:', ttlSecs = 600 } = {}) {
  need(kv, 'userSignInRoutes kv', ['get', 'put', 'delete']);
  if (typeof userOf !== 'function') throw new TypeError('userSignInRoutes needs userOf(request): the user key of a sign-in');
  const callbackPath = new URL(redirectUri).pathname;
  const pendingKey = (state) => `${prefix}signin:${state}`;
  return async (request) => {
    const url = new URL(request.url);
    if (request.method !== 'GET' || (url.pathname !== loginPath && url.pathname !== callbackPath)) return null;
    try {
      if (url.pathname === loginPath) {
        const user = await userOf(request);
        if (typeof user !== 'string' || user === '') return Response.json({ error: 'no user to sign in' }, { status: 401 });
        const pending = await client.users.beginSignIn({ redirectUri, scopes });
        await kv.put(pendingKey(pending.state), JSON.stringify({ user, pending }), { expirationTtl: Math.max(KV_MIN_TTL_SECS, ttlSecs) });
        return new Response(null, { status: 302, headers: { location: pending.url, 'cache-control': 'no-store' } });
      }
      const state = url.searchParams.get('state');
      const kept = state ? await kv.get(pendingKey(state), 'json') : null;
      if (kept === null || typeof kept.user !== 'string') return Response.json({ error: 'unknown or expired sign-in: start again' }, { status: 400 });
      // Single-use: a replayed callback finds nothing.
      await kv.delete(pendingKey(state));
      const status = await client.users.finishSignIn(kept.user, kept.pending, request.url);
      return onSignedIn ? await onSignedIn(request, kept.user, status) : Response.json({ user: kept.user, scope: status.scope, expiresAt: status.expiresAt });
    } catch (error) {
      // The SDK's messages carry no code, verifier or token.
      return Response.json({ error: error?.message ?? String(error), kind: error?.kind }, { status: error?.kind === 'oauth' ? 400 : 502 });
    }
  };
}

/**
 * A marketplace app's `app_ticket` in Workers KV: the instance that receives the `app_ticket`
 * event writes it, every instance reads it. An `appTicketStore` for `LarkClient` and
 * `EventDispatcher`. (Another location may read the previous ticket for up to a minute; the
 * platform still accepts it.)
 */
export class KvAppTicketStore {
  #kv;
  #prefix;

  /** @param options `prefix` of every key (`lark:` by default) */
  constructor(kv, { prefix = 'lark:' } = {}) {
    need(kv, 'KvAppTicketStore', ['get', 'put']);
    this.#kv = kv;
    this.#prefix = String(prefix);
  }

  async get(appId) {
    const ticket = await this.#kv.get(`${this.#prefix}app_ticket:${appId}`);
    return typeof ticket === 'string' && ticket !== '' ? ticket : null;
  }

  async set(appId, ticket) {
    await this.#kv.put(`${this.#prefix}app_ticket:${appId}`, String(ticket));
  }
}

/**
 * Event ids in Workers KV, a `dedupStore` for `EventDispatcher`: BEST EFFORT. A re-delivery
 * that reaches another instance minutes later is dropped, but KV has no atomic
 * write-if-absent, so two deliveries of one event that arrive together (or in two locations
 * within KV's propagation delay) can both be handled. Use `DurableObjectDedupStore` when an
 * event must be handled exactly once. Each new event costs one KV write.
 */
export class KvEventDedupStore {
  #kv;
  #prefix;

  /** @param options `prefix` of every key (`lark:` by default) */
  constructor(kv, { prefix = 'lark:' } = {}) {
    need(kv, 'KvEventDedupStore', ['get', 'put', 'delete']);
    this.#kv = kv;
    this.#prefix = String(prefix);
  }

  async firstSeen(eventId, ttlMs) {
    const key = `${this.#prefix}event:${eventId}`;
    if ((await this.#kv.get(key)) !== null) return false;
    await this.#kv.put(key, '1', { expirationTtl: kvTtl(ttlMs) });
    return true;
  }

  async forget(eventId) {
    await this.#kv.delete(`${this.#prefix}event:${eventId}`);
  }
}

/**
 * Event ids in a `LarkCoordinator` Durable Object, a `dedupStore` for `EventDispatcher`: EXACT.
 * One object checks and records every id of the app in turn, so of two deliveries of an event,
 * wherever and whenever they arrive, one is handled. Costs one Durable Object request per event.
 */
export class DurableObjectDedupStore {
  #coordinator;

  /** @param options `name`: which object (one per app: the default is `lark`) */
  constructor(namespace, { name = 'lark' } = {}) {
    this.#coordinator = new Coordinator(namespace, name, 'DurableObjectDedupStore');
  }

  async firstSeen(eventId, ttlMs) {
    const { first } = await this.#coordinator.call('event/first-seen', { id: String(eventId), ttlMs });
    return first === true;
  }

  async forget(eventId) {
    await this.#coordinator.call('event/forget', { id: String(eventId) });
  }
}

/**
 * The Durable Object behind `DurableObjectRefreshLock` and `DurableObjectDedupStore`. Export it
 * from the Worker's main module and bind it in wrangler.toml:
 *
 *     export { LarkCoordinator } from 'lark-sdk/stores';
 *
 *     [[durable_objects.bindings]]
 *     name = "LARK_COORDINATOR"
 *     class_name = "LarkCoordinator"
 *     [[migrations]]
 *     tag = "v1"
 *     new_sqlite_classes = ["LarkCoordinator"]
 *
 * Requests reach one object one at a time, and its storage is transactional, so a read and the
 * write that follows are never interleaved with another request's. Every record carries the
 * time it lapses (`until`); an alarm deletes lapsed records.
 */
export class LarkCoordinator {
  #storage;

  constructor(state) {
    this.#storage = state.storage;
  }

  async fetch(request) {
    let args;
    try {
      args = await request.json();
    } catch {
      return Response.json({ error: 'the body must be JSON' }, { status: 400 });
    }
    const op = new URL(request.url).pathname.slice(1);
    const text = (name) => (typeof args?.[name] === 'string' && args[name] !== '' ? args[name] : undefined);
    const key = text('key');
    const id = text('id');
    const now = Date.now();
    switch (op) {
      case 'lock/acquire': {
        const fencing = text('fencing');
        const ttlMs = Number(args.ttlMs);
        if (key === undefined || fencing === undefined || !(ttlMs > 0)) break;
        const held = await this.#storage.get(`lock:${key}`);
        if (held !== undefined && held.until > now && held.fencing !== fencing) return Response.json({ acquired: false });
        await this.#keep(`lock:${key}`, { fencing, until: now + Math.min(ttlMs, DAY_MS) });
        return Response.json({ acquired: true });
      }
      case 'lock/release': {
        const fencing = text('fencing');
        if (key === undefined || fencing === undefined) break;
        const held = await this.#storage.get(`lock:${key}`);
        // Only the holder's own claim: a holder slower than the TTL must not free its successor's.
        if (held?.fencing === fencing) await this.#storage.delete(`lock:${key}`);
        return Response.json({ released: held?.fencing === fencing });
      }
      case 'token/get': {
        if (key === undefined) break;
        const kept = await this.#storage.get(`token:${key}`);
        return Response.json({ token: kept !== undefined && kept.until > now ? kept.token : null });
      }
      case 'token/put': {
        if (key === undefined || !isToken(args.token)) break;
        const { value, expiresAt, refreshAt } = args.token;
        await this.#keep(`token:${key}`, { token: { value, expiresAt, refreshAt }, until: Math.min(expiresAt, now + DAY_MS) });
        return Response.json({ ok: true });
      }
      case 'token/delete': {
        if (key === undefined) break;
        await this.#storage.delete(`token:${key}`);
        return Response.json({ ok: true });
      }
      case 'login/get': {
        if (key === undefined) break;
        const kept = await this.#storage.get(`login:${key}`);
        return Response.json(kept !== undefined && kept.until > now ? { known: true, login: kept.login } : { known: false });
      }
      case 'login/put': {
        if (key === undefined || !isLogin(args.login)) break;
        const { accessToken, refreshToken, expiresAt, refreshExpiresAt, scope } = args.login;
        const login = { accessToken, refreshToken, expiresAt, refreshExpiresAt: refreshExpiresAt ?? null, scope: typeof scope === 'string' ? scope : '' };
        await this.#keep(`login:${key}`, { login, until: now + DAY_MS });
        return Response.json({ ok: true });
      }
      case 'login/delete': {
        if (key === undefined) break;
        await this.#keep(`login:${key}`, { login: null, until: now + LOGIN_TOMBSTONE_MS });
        return Response.json({ ok: true });
      }
      case 'event/first-seen': {
        const ttlMs = Number(args.ttlMs);
        if (id === undefined || !(ttlMs > 0)) break;
        const seen = await this.#storage.get(`event:${id}`);
        if (seen !== undefined && seen.until > now) return Response.json({ first: false });
        await this.#keep(`event:${id}`, { until: now + Math.min(ttlMs, DAY_MS) });
        return Response.json({ first: true });
      }
      case 'event/forget': {
        if (id === undefined) break;
        await this.#storage.delete(`event:${id}`);
        return Response.json({ ok: true });
      }
      default:
        return Response.json({ error: `unknown operation ${op}` }, { status: 404 });
    }
    return Response.json({ error: `malformed ${op} request` }, { status: 400 });
  }

  // Writes a record and makes sure an alarm will come to delete it once it lapses.
  async #keep(name, record) {
    await this.#storage.put(name, record);
    if ((await this.#storage.getAlarm()) === null) {
      await this.#storage.setAlarm(Math.max(record.until, Date.now() + MIN_ALARM_GAP_MS));
    }
  }

  /** Deletes lapsed records, and comes back for the next one to lapse. */
  async alarm() {
    const now = Date.now();
    let next = Infinity;
    let start;
    // Bounded: 1,000 records a page, at most 1,000 pages an alarm (the rest wait for the next).
    for (let page = 0; page < 1000; page += 1) {
      const records = await this.#storage.list(start === undefined ? { limit: 1000 } : { startAfter: start, limit: 1000 });
      const lapsed = [];
      for (const [name, record] of records) {
        start = name;
        if (!(record?.until > now)) lapsed.push(name);
        else next = Math.min(next, record.until);
      }
      // delete() takes up to 128 keys at a time.
      for (let i = 0; i < lapsed.length; i += 128) await this.#storage.delete(lapsed.slice(i, i + 128));
      if (records.size < 1000) break;
      if (page === 999) next = now;
    }
    if (next !== Infinity) await this.#storage.setAlarm(Math.max(next, now + MIN_ALARM_GAP_MS));
  }
}
