// `LarkClient`: the generated catalog turned into node-sdk's call shape,
// `client.<service>.<version>.<resource>.<method>({ path, params, data })`, every call handed to
// the wasm core (tokens, idempotency keys, www routing, retries, path encoding, errors).
// The catalog's row bits (TOKENS, FLAGS) come from the generated bits.js; the rows come in as
// an argument, so an entry point bundles only the services it names.
import { FLAGS, TOKENS } from './generated/bits.js';
import { CORE } from './core-symbol.js';
import { fetchFor } from './transport.js';

/** Whether `error` came from the SDK; its `kind` says what happened. */
export function isLarkError(error) {
  return error instanceof Error && error.name === 'LarkError' && typeof error.kind === 'string';
}

/**
 * The SDK's errors, for `instanceof`: the wasm core throws `Error`s named `LarkError` with
 * `kind`, and for API errors `code`, `msg`, `logId` and the HTTP `status`.
 */
export class LarkError extends Error {
  static [Symbol.hasInstance](error) {
    return isLarkError(error);
  }
}

/** node-sdk's `lark.Domain`: `domain: Domain.Feishu` (a base URL string works too). */
export const Domain = Object.freeze({ Feishu: 'feishu', Lark: 'lark' });
/** node-sdk's `lark.AppType`. */
export const AppType = Object.freeze({ SelfBuild: 'self_built', ISV: 'marketplace' });

/** node-sdk's `lark.withTenantKey(key)`: the second argument of a call, for marketplace apps. */
export const withTenantKey = (tenantKey) => ({ tenantKey });
/** node-sdk's `lark.withUserAccessToken(token)`: acts for a user. */
export const withUserAccessToken = (userAccessToken) => ({ userAccessToken });
/** `lark.withUser(key)`: acts for a user signed in with `client.users` (refreshed as needed; the full build). */
export const withUser = (asUser) => ({ asUser });
/** node-sdk's `lark.withTenantToken(token)`: a tenant access token got elsewhere, sent as it is (never refreshed). */
export const withTenantToken = (tenantAccessToken) => ({ tenantAccessToken });
/** node-sdk's `lark.withHelpDeskCredential(id, token)`: helpdesk credentials for this call. */
export const withHelpDeskCredential = (id, token) => ({ helpDesk: { id, token } });
/** node-sdk's `lark.withAll([...])`: several of the above. */
export const withAll = (list) => Object.assign({}, ...list);

export function buildError(message) {
  const error = new Error(message);
  error.name = 'LarkError';
  error.kind = 'build';
  return error;
}

function scalar(name, value) {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  throw buildError(`parameter \`${name}\` must be a string, number or boolean`);
}

// `{ a: 1, ids: ['x', 'y'] }` → ['a', '1', 'ids', 'x', 'ids', 'y']: lists are repeated keys.
function flatten(group, values) {
  const out = [];
  if (values == null) return out;
  if (typeof values !== 'object') throw buildError(`\`${group}\` must be an object`);
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) {
      for (const item of value) out.push(name, scalar(name, item));
    } else {
      out.push(name, scalar(name, value));
    }
  }
  return out;
}

function bytesOf(value) {
  if (value instanceof Uint8Array) return value;
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return undefined;
}

// A multipart body: text fields as strings, files as bytes, a Blob, or { data, fileName, contentType }.
async function multipart(body) {
  const parts = [];
  for (const [name, value] of Object.entries(body ?? {})) {
    if (value === undefined || value === null) continue;
    let bytes = bytesOf(value);
    let fileName = null;
    let contentType = null;
    if (bytes === undefined && typeof Blob !== 'undefined' && value instanceof Blob) {
      bytes = new Uint8Array(await value.arrayBuffer());
      fileName = typeof value.name === 'string' ? value.name : null;
      contentType = value.type || null;
    } else if (bytes === undefined && typeof value === 'object' && 'data' in value) {
      bytes = bytesOf(value.data);
      if (bytes === undefined) throw buildError(`file field \`${name}\`: \`data\` must be bytes`);
      fileName = value.fileName ?? null;
      contentType = value.contentType ?? null;
    } else if (bytes === undefined && typeof value === 'object' && typeof value[Symbol.asyncIterator] === 'function') {
      // A Node stream (node-sdk's `fs.createReadStream(path)`): read whole, named after its file.
      const chunks = [];
      for await (const chunk of value) chunks.push(typeof chunk === 'string' ? new TextEncoder().encode(chunk) : bytesOf(chunk));
      bytes = new Uint8Array(await new Blob(chunks).arrayBuffer());
      fileName = typeof value.path === 'string' ? value.path.split(/[\\/]/).pop() : null;
    }
    parts.push(bytes === undefined ? [name, scalar(name, value)] : [name, bytes, fileName, contentType]);
  }
  return parts;
}

const cores = new WeakMap();
const eventOptions = new WeakMap();
const dispatchers = new WeakMap();
// A method function → its row, for `client.pages(method, payload)`.
const rows = new WeakMap();

// node-sdk's payload `{ path, params, data, headers }` as the wasm core's arguments
// `pathValues, query, body, parts, options`; `headers` join the call's options (left undefined
// when there are none: the core then reads nothing of them). A promise only for a multipart
// body (its files may be read first): a JSON call goes to the core without waiting a turn.
function shape(row, payload, options) {
  const [method, path, , flags] = row;
  payload ??= {};
  if (typeof payload !== 'object') throw buildError('the payload must be an object: { path, params, data }');
  const pathValues = flatten('path', payload.path);
  const query = flatten('params', payload.params);
  if (payload.headers != null) options = { ...options, headers: { ...payload.headers, ...options?.headers } };
  if (flags & FLAGS.multipart) return multipart(payload.data).then((parts) => [pathValues, query, undefined, parts, options]);
  let body;
  if (flags & FLAGS.jsonBody) {
    body = JSON.stringify(payload.data ?? {});
  } else if (payload.data !== undefined) {
    throw buildError(`${method} ${path} takes no data`);
  }
  return [pathValues, query, body, undefined, options];
}

async function call(client, row, payload, options) {
  const [method, path, tokens, flags, , key] = row;
  let args = shape(row, payload, options);
  if (!Array.isArray(args)) args = await args;
  // The answer is the whole body `{ code, msg, data }`, as node-sdk gives it; the core checks `code`.
  const out = await cores.get(client).call([method, path, tokens, flags, null, key], ...args);
  if (typeof out === 'string') return JSON.parse(out);
  // A download; for a JSON endpoint, an answer without payload or JSON content type.
  return flags & FLAGS.binary ? download(out) : null;
}

// A downloaded file: its bytes, name and content type, plus node-sdk's `getReadableStream`
// (no `writeFile`: Workers and browsers have no file system; `fs.writeFile(path, file.data)`).
function download({ data, contentType, fileName }) {
  return {
    data,
    contentType,
    fileName,
    blob() {
      return new Blob([data], contentType ? { type: contentType } : {});
    },
    getReadableStream() {
      return new Blob([data]).stream();
    },
  };
}

// Pages of one endpoint, each its payload (`data`): the wasm core walks them with lark-core's
// pagination (the page token in the query or the body, `has_more`, a page token seen before or
// more than `maxPages` pages, 10,000 by default, ending it with a LarkError of kind
// `pagination` after the pages before).
async function* walk(client, row, payload, options) {
  const pages = cores.get(client).pages(row, ...(await shape(row, payload, options)));
  try {
    for (let page; (page = await pages.next()) !== undefined; ) yield JSON.parse(page);
  } finally {
    pages.free();
  }
}

// `<method>WithIterator`: node-sdk resolves to an async iterable of pages (each page's data
// without `has_more` and the page token); this one is that iterable too, so both
// `for await (const page of await m(...))` and `for await (const page of m(...))` work.
// Unlike node-sdk, a failed page throws its LarkError instead of ending quietly.
function withIterator(client, row, payload, options) {
  const pages = {
    async *[Symbol.asyncIterator]() {
      for await (const page of walk(client, row, payload, options)) {
        if (page === null || typeof page !== 'object') {
          yield page;
          continue;
        }
        const { has_more, page_token, next_page_token, ...rest } = page;
        // A cursor-paginated row names its answer's next cursor (seventh entry).
        if (row[6]) delete rest[row[6][1]];
        yield rest;
      }
    },
  };
  return {
    [Symbol.asyncIterator]: () => pages[Symbol.asyncIterator](),
    then(resolve, reject) {
      return Promise.resolve(pages).then(resolve, reject);
    },
  };
}

// `client.<service>`: `<version>.<resource>.<method>`, and `<resource>.<method>` for the
// endpoints the catalog marks as the default version's.
function serviceApi(client, versions) {
  const api = {};
  const at = (node, key) => (node[key] ??= {});
  const add = (node, name, row) => {
    const method = (payload, options) => call(client, row, payload, options);
    rows.set(method, row);
    // A method named like a resource of its version (`sheets.v2.import` beside
    // `sheets.v2.import.result`) carries that resource's methods.
    if (node[name] !== undefined) Object.assign(method, node[name]);
    node[name] = method;
    if (row[3] & FLAGS.paginated) node[`${name}WithIterator`] = (payload, options) => withIterator(client, row, payload, options);
  };
  for (const [version, resources] of Object.entries(versions)) {
    const tree = at(api, version);
    for (const [resource, methods] of Object.entries(resources)) {
      // A method of the version itself.
      if (Array.isArray(methods)) {
        add(tree, resource, methods);
        if (methods[3] & FLAGS.defaultVersion) add(api, resource, methods);
        continue;
      }
      // `""`: a method of the version named like this resource, which carries its methods.
      const own = methods[''];
      if (own !== undefined) {
        add(tree, resource, own);
        if (own[3] & FLAGS.defaultVersion) add(api, resource, own);
      }
      for (const [name, row] of Object.entries(methods)) {
        if (name === '') continue;
        add(at(tree, resource), name, row);
        if (row[3] & FLAGS.defaultVersion) add(at(api, resource), name, row);
      }
    }
  }
  return api;
}

// The error of a build without `what` (one message for all: a smaller bundle).
function missing(what) {
  throw new Error(`this build of lark-sdk has no ${what}: import lark-sdk, the full build`);
}

// files.js, or the error of a build without file transfers.
function withFiles(files) {
  return files ?? missing('file transfers (client.drive.upload / download, downloadStream)');
}

/**
 * The `LarkClient` class over one wasm build with the services of `catalog` (all of them, or
 * one for `lark-sdk/api/<service>`). `EventDispatcher` is the build's dispatcher class,
 * or undefined for a build without events; `files` is files.js for a build with file
 * transfers, or undefined (the client-only build leaves both out, so a Worker does not bundle them);
 * `users` is users.js for a build with signed-in users, or undefined; `observe` is observe.js for
 * a build with the observer and logger, or undefined.
 */
export function larkClientClass(glue, wasm, EventDispatcher, catalog, files, users, observe) {
  class LarkClient {
    /**
     * @param {import('./index.js').LarkClientOptions} options
     */
    constructor(options) {
      wasm.assertReady();
      // `observer`, `logger`, `loggerLevel`: one function for the wasm core's records (observe.js).
      const given = options ?? {};
      const emit = observe ? observe.emitter(given, catalog) : (given.observer ?? given.logger ?? given.loggerLevel) !== undefined && missing('observer or logger');
      // What sends the requests: the `fetch` option, else the entry point's (node:http in Node).
      const send = fetchFor(given);
      // The wasm core reads and checks the options (LarkClientOptions, generated from the same table).
      const extra = emit || send !== given.fetch;
      cores.set(this, new glue.WasmClient(extra && options !== null && typeof options === 'object' ? { ...options, observer: emit || undefined, fetch: send } : options));
      eventOptions.set(this, { encryptKey: options.encryptKey, verificationToken: options.verificationToken, dedupStore: options.eventDedupStore });
    }

    /**
     * Any endpoint, typed or not: the answer is the whole JSON body, after the `code` check.
     * `tokens` lists the token kinds the endpoint accepts (tenant, or user when given, by default).
     */
    async request({ method = 'GET', path, url, query, params, body, data, tokens = ['tenant', 'user'], ...options } = {}) {
      // node-sdk's `client.request({ method, url, params, data })` works as well.
      path ??= url;
      query ??= params;
      body ??= data;
      if (typeof path !== 'string') throw buildError('request needs a `path`');
      let bits = 0;
      for (const token of tokens) {
        if (TOKENS[token] === undefined) throw buildError(`unknown token kind \`${token}\``);
        bits |= TOKENS[token];
      }
      // `raw`: the path is the caller's, ids and all, not a catalog template.
      const flags = (body === undefined ? 0 : FLAGS.jsonBody) | FLAGS.raw;
      const out = await cores
        .get(this)
        .call([String(method).toUpperCase(), path, bits, flags, null], [], flatten('query', query), body === undefined ? undefined : JSON.stringify(body), undefined, options);
      return typeof out === 'string' ? JSON.parse(out) : null;
    }

    /**
     * Every page of a paginated endpoint, as its `data`: `client.pages(client.im.message.list,
     * payload)`. A page token seen before or more than `options.maxPages` pages (10,000 by
     * default) end it with a LarkError of kind `pagination`.
     */
    pages(method, payload = {}, options = {}) {
      const row = rows.get(method);
      if (row === undefined) throw buildError('pages() takes a method of this client, such as client.im.message.list');
      if (!(row[3] & FLAGS.paginated)) throw buildError(`${row[0]} ${row[1]} is not paginated`);
      return walk(this, row, payload, options);
    }

    /**
     * A binary endpoint's answer as a stream, with progress, a range start and an AbortSignal:
     * `client.downloadStream(client.im.v1.messageResource.get, payload, options)` (files.js).
     */
    async downloadStream(method, payload = {}, options = {}) {
      const row = rows.get(method);
      if (row === undefined || !(row[3] & FLAGS.binary)) throw buildError('downloadStream() takes a download method of this client, such as client.drive.v1.file.download');
      return withFiles(files).downloadFrom(cores.get(this), row[1], flatten('path', payload?.path), flatten('params', payload?.params), row[2], options);
    }

    /** The tenant access token (cached); a marketplace app names the tenant. */
    tenantAccessToken(tenantKey) {
      return cores.get(this).token(0, tenantKey);
    }

    /** The app access token (cached). */
    appAccessToken() {
      return cores.get(this).token(1);
    }

    /** Stores the `app_ticket` pushed to a marketplace app. */
    setAppTicket(ticket) {
      return cores.get(this).token(2, String(ticket));
    }

    /** Signed-in users: `beginSignIn`, `finishSignIn`, `signOut`, `accessToken`, `status` (users.js). */
    get users() {
      return (users ?? missing('user sign-in')).usersOf(cores.get(this));
    }

    /**
     * This client's event dispatcher, with its `encryptKey` and `verificationToken`; pushed
     * `app_ticket`s go to its token store.
     */
    get events() {
      let dispatcher = dispatchers.get(this);
      if (dispatcher === undefined) {
        if (EventDispatcher === undefined) missing('events');
        const { encryptKey, verificationToken, dedupStore } = eventOptions.get(this);
        dispatcher = new EventDispatcher({ encryptKey, verificationToken, dedupStore, client: this });
        dispatchers.set(this, dispatcher);
      }
      return dispatcher;
    }

    /** Handles events of `type` through `client.events`. */
    on(type, handler) {
      this.events.on(type, handler);
      return this;
    }

    /** `client.events.handleEvent(request)`. */
    handleEvent(request) {
      return this.events.handleEvent(request);
    }

    /** `client.events.verifyAndDecrypt(headers, rawBody)`. */
    verifyAndDecrypt(headers, rawBody) {
      return this.events.verifyAndDecrypt(headers, rawBody);
    }

    /** @internal */
    [CORE]() {
      return cores.get(this);
    }

    /** Frees the wasm memory now instead of at garbage collection. */
    free() {
      dispatchers.get(this)?.free();
      dispatchers.delete(this);
      cores.get(this)?.free();
      cores.delete(this);
    }
  }

  // `client.<service>`: built on first use, then kept on the instance.
  for (const [name, versions] of Object.entries(catalog)) {
    Object.defineProperty(LarkClient.prototype, name, {
      configurable: true,
      enumerable: false,
      get() {
        const api = serviceApi(this, versions);
        // `client.drive.upload` / `.download`: files of any size (files.js).
        if (name === 'drive') {
          if (files !== undefined) files.addDriveFiles(api, () => cores.get(this));
          else for (const method of ['upload', 'download']) Object.defineProperty(api, method, { value: async () => withFiles(files), enumerable: false });
        }
        Object.defineProperty(this, name, { value: api, enumerable: false });
        return api;
      },
    });
  }
  return LarkClient;
}
