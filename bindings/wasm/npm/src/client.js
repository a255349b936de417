// `LarkClient`: the generated catalog turned into `client.<service>.<method>(params)`, every
// call handed to the wasm core (tokens, path encoding, envelope decoding, errors).
// The catalog's row bits (TOKENS, FLAGS) come from the same generated file as its rows.
import { CATALOG, FLAGS, TOKENS } from './generated/catalog.js';
import { CORE } from './core-symbol.js';

const DOMAINS = {
  feishu: 'https://open.feishu.cn',
  lark: 'https://open.larksuite.com',
};
// The host of the few approval endpoints that do not live on the Open API host.
const WWW_DOMAINS = {
  feishu: 'https://www.feishu.cn',
  lark: 'https://www.larksuite.com',
};
const DEFAULT_MAX_PAGES = 10000;

/** Whether `error` came from the SDK; its `kind` says what happened. */
export function isLarkError(error) {
  return error instanceof Error && error.name === 'LarkError' && typeof error.kind === 'string';
}

function buildError(message) {
  const error = new Error(message);
  error.name = 'LarkError';
  error.kind = 'build';
  return error;
}

function httpUrl(name, value) {
  if (typeof value !== 'string' || !/^https?:\/\//.test(value)) throw buildError(`\`${name}\` must be an http(s) URL`);
  return value;
}

// The Open API base and the `www` base: a custom `baseUrl` serves both unless `wwwBaseUrl`
// names another, as in the Rust Config.
function baseUrls(options) {
  let open;
  let www;
  if (options.baseUrl !== undefined) {
    open = httpUrl('baseUrl', options.baseUrl);
    www = open;
  } else {
    const domain = options.domain ?? 'feishu';
    open = DOMAINS[domain];
    www = WWW_DOMAINS[domain];
    if (open === undefined) throw buildError(`unknown domain \`${domain}\`: use 'feishu', 'lark' or baseUrl`);
  }
  if (options.wwwBaseUrl !== undefined) www = httpUrl('wwwBaseUrl', options.wwwBaseUrl);
  return { open, www };
}

function paginationError(message) {
  const error = new Error(`pagination: ${message}`);
  error.name = 'LarkError';
  error.kind = 'pagination';
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
    }
    parts.push(bytes === undefined ? [name, scalar(name, value)] : [name, bytes, fileName, contentType]);
  }
  return parts;
}

const cores = new WeakMap();
const eventOptions = new WeakMap();
const dispatchers = new WeakMap();

async function call(client, row, params, options) {
  const [method, path, tokens, flags, envelope = 'data', key] = row;
  params ??= {};
  const pathValues = flatten('path', params.path);
  const query = flatten('query', params.query);
  let body;
  let parts;
  if (flags & FLAGS.multipart) {
    parts = await multipart(params.body);
  } else if (flags & FLAGS.jsonBody) {
    body = JSON.stringify(params.body ?? {});
  } else if (params.body !== undefined) {
    throw buildError(`${method} ${path} takes no body`);
  }
  const out = await cores.get(client).call([method, path, tokens, flags, envelope, key], pathValues, query, body, parts, options ?? {});
  if (typeof out === 'string') return JSON.parse(out);
  // A download; for a JSON endpoint, an answer without payload or JSON content type.
  return flags & FLAGS.binary ? out : null;
}

function service(client, methods) {
  const api = {};
  for (const [name, row] of Object.entries(methods)) {
    api[name] = (params, options) => call(client, row, params, options);
  }
  return Object.freeze(api);
}

/**
 * The `LarkClient` class over one wasm build. `EventDispatcher` is the build's dispatcher class,
 * or undefined for a build without events.
 */
export function larkClientClass(glue, wasm, EventDispatcher) {
  class LarkClient {
    /**
     * @param {import('./index.js').LarkClientOptions} options
     */
    constructor(options) {
      wasm.assertReady();
      if (options === null || typeof options !== 'object') throw buildError('LarkClient needs options');
      const appType = options.appType ?? 'self_built';
      if (appType !== 'self_built' && appType !== 'marketplace') {
        throw buildError("`appType` must be 'self_built' or 'marketplace'");
      }
      const store = options.tokenStore;
      if (store !== undefined && (typeof store?.get !== 'function' || typeof store?.set !== 'function')) {
        throw buildError('`tokenStore` needs async get(key) and set(key, token) methods');
      }
      const bases = baseUrls(options);
      cores.set(
        this,
        new glue.WasmClient({
          appId: options.appId,
          appSecret: options.appSecret,
          baseUrl: bases.open,
          wwwBaseUrl: bases.www,
          marketplace: appType === 'marketplace',
          timeoutMs: options.timeoutMs,
          helpdeskId: options.helpdesk?.id,
          helpdeskToken: options.helpdesk?.token,
          encryptKey: options.encryptKey,
          verificationToken: options.verificationToken,
          tokenStore: store,
        }),
      );
      eventOptions.set(this, { encryptKey: options.encryptKey, verificationToken: options.verificationToken });
    }

    /**
     * Any endpoint, typed or not: the answer is the whole JSON body, after the `code` check.
     * `tokens` lists the token kinds the endpoint accepts (tenant, or user when given, by default).
     */
    async request({ method = 'GET', path, query, body, tokens = ['tenant', 'user'], ...options } = {}) {
      if (typeof path !== 'string') throw buildError('request needs a `path`');
      let bits = 0;
      for (const token of tokens) {
        if (TOKENS[token] === undefined) throw buildError(`unknown token kind \`${token}\``);
        bits |= TOKENS[token];
      }
      const flags = body === undefined ? 0 : FLAGS.jsonBody;
      const out = await cores
        .get(this)
        .call([String(method).toUpperCase(), path, bits, flags, null], [], flatten('query', query), body === undefined ? undefined : JSON.stringify(body), undefined, options);
      return typeof out === 'string' ? JSON.parse(out) : null;
    }

    /**
     * Every page of a paginated endpoint, following `page_token` while `has_more` is true (or,
     * for answers without `has_more`, while a page token comes back), as the Rust client does.
     * A page token seen before (the server's tokens go round in a cycle) or more than
     * `options.maxPages` pages (10,000 by default) end it with a LarkError of kind
     * `pagination`, after the pages before.
     */
    async *pages(method, params = {}, options = {}) {
      const { maxPages = DEFAULT_MAX_PAGES, ...callOptions } = options ?? {};
      let token;
      const seen = new Set();
      for (let pages = 0; ; pages += 1) {
        if (pages >= maxPages) throw paginationError(`stopped after ${maxPages} pages (maxPages)`);
        const query = token === undefined ? params.query : { ...params.query, page_token: token };
        const page = await method({ ...params, query }, callOptions);
        yield page;
        const next = page?.page_token || page?.next_page_token;
        const more = typeof page?.has_more === 'boolean' ? page.has_more : Boolean(next);
        if (!more || !next) return;
        if (seen.has(next)) {
          throw paginationError(`page ${pages + 1} points to a page token seen before: the server's page tokens go round in a cycle`);
        }
        seen.add(next);
        token = next;
      }
    }

    /** The tenant access token (cached); a marketplace app names the tenant. */
    tenantAccessToken(tenantKey) {
      return cores.get(this).tenantAccessToken(tenantKey);
    }

    /** The app access token (cached). */
    appAccessToken() {
      return cores.get(this).appAccessToken();
    }

    /** Stores the `app_ticket` pushed to a marketplace app. */
    setAppTicket(ticket) {
      return cores.get(this).setAppTicket(String(ticket));
    }

    /**
     * This client's event dispatcher, with its `encryptKey` and `verificationToken`; pushed
     * `app_ticket`s go to its token store.
     */
    get events() {
      let dispatcher = dispatchers.get(this);
      if (dispatcher === undefined) {
        if (EventDispatcher === undefined) throw new Error('this build has no events: import @lark-sdk/wasm');
        const { encryptKey, verificationToken } = eventOptions.get(this);
        dispatcher = new EventDispatcher({ encryptKey, verificationToken, client: this });
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
  for (const [name, methods] of Object.entries(CATALOG)) {
    Object.defineProperty(LarkClient.prototype, name, {
      configurable: true,
      enumerable: false,
      get() {
        const api = service(this, methods);
        Object.defineProperty(this, name, { value: api, enumerable: false });
        return api;
      },
    });
  }
  return LarkClient;
}
