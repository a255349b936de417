// node-sdk's server adapters — `adaptDefault` (Node's http), `adaptExpress`, `adaptKoa`,
// `adaptKoaRouter` — over an EventDispatcher or a CardActionHandler. Unlike a JSON round trip,
// they hand the dispatcher the body's bytes as received, so signatures check; the answer is
// the dispatcher's own (401 for a bad signature, 400, 413, 500 for a handler that threw, the
// challenge of a verified url_verification, or the handler's reply).

// A request body read from a stream stops here: the dispatcher refuses bigger ones anyway (413).
const STREAM_LIMIT = 1024 * 1024 + 1;

async function readStream(stream) {
  const chunks = [];
  let size = 0;
  // Past the limit the rest is read and dropped, not left unread: the socket must stay open
  // for the dispatcher's 413.
  for await (const chunk of stream) {
    if (size >= STREAM_LIMIT) continue;
    const bytes = typeof chunk === 'string' ? new TextEncoder().encode(chunk) : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const kept = bytes.subarray(0, STREAM_LIMIT - size);
    chunks.push(kept);
    size += kept.byteLength;
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const bytes of chunks) {
    out.set(bytes, at);
    at += bytes.byteLength;
  }
  return out;
}

/**
 * The raw body: what a body parser kept as bytes or text (`express.raw()`, `express.text()`,
 * koa-bodyparser's `rawBody`), else the stream when no parser read it, else the parsed JSON
 * written back (a signed request may then fail its check: keep the bytes for these routes).
 */
async function rawBody(req, parsed, raw) {
  if (typeof raw === 'string' || raw instanceof Uint8Array) return raw;
  if (typeof parsed === 'string' || parsed instanceof Uint8Array) return parsed;
  if (req.readableEnded !== true && req.complete !== true) return readStream(req);
  if (parsed !== undefined && parsed !== null && typeof parsed === 'object') return JSON.stringify(parsed);
  return new Uint8Array(0);
}

function checkDispatcher(dispatcher) {
  if (typeof dispatcher?.handleRequest !== 'function') {
    throw new TypeError('the adapter takes an EventDispatcher or a CardActionHandler');
  }
}

function pathOf(url) {
  const at = String(url ?? '').indexOf('?');
  return at < 0 ? String(url ?? '') : String(url).slice(0, at);
}

/**
 * `http.createServer().on('request', adaptDefault('/webhook/event', dispatcher))`: answers the
 * requests to `path` (query strings allowed) and leaves the others alone, so several adapters
 * can share a server. `options.autoChallenge` is accepted for node-sdk's sake: a verified
 * url_verification is always answered.
 */
export function adaptDefault(path, dispatcher, options = {}) {
  checkDispatcher(dispatcher);
  return async (req, res) => {
    if (pathOf(req.url) !== path) return;
    const out = await dispatcher.handleRequest(req.method, req.headers, await rawBody(req));
    res.statusCode = out.status;
    for (const [name, value] of out.headers) res.setHeader(name, value);
    res.end(out.body);
  };
}

/** Express (4 or 5): `app.post('/webhook/event', adaptExpress(dispatcher))`. */
export function adaptExpress(dispatcher, options = {}) {
  checkDispatcher(dispatcher);
  return async (req, res) => {
    const out = await dispatcher.handleRequest(req.method, req.headers, await rawBody(req, req.body, req.rawBody));
    res.status(out.status);
    for (const [name, value] of out.headers) res.set(name, value);
    res.end(Buffer.from(out.body.buffer, out.body.byteOffset, out.body.byteLength));
  };
}

async function answerKoa(ctx, dispatcher) {
  const { req, request } = ctx;
  const out = await dispatcher.handleRequest(req.method, req.headers, await rawBody(req, request?.body, request?.rawBody));
  ctx.status = out.status;
  for (const [name, value] of out.headers) ctx.set(name, value);
  ctx.body = Buffer.from(out.body.buffer, out.body.byteOffset, out.body.byteLength);
}

/** Koa: `app.use(adaptKoa('/webhook/event', dispatcher))`; other paths go on to `next`. */
export function adaptKoa(path, dispatcher, options = {}) {
  checkDispatcher(dispatcher);
  return async (ctx, next) => {
    if (pathOf(ctx.originalUrl ?? ctx.url) !== path) return next();
    await answerKoa(ctx, dispatcher);
  };
}

/** @koa/router: `router.post('/webhook/event', adaptKoaRouter(dispatcher))`. */
export function adaptKoaRouter(dispatcher, options = {}) {
  checkDispatcher(dispatcher);
  return async (ctx) => {
    await answerKoa(ctx, dispatcher);
  };
}
