// Node: the wasm core's HTTP exchanges through node:http and node:https, over keep-alive agents
// (connections reused, no TLS handshake per request): Node's `fetch` is two to three times
// slower. The Node entry points install it; `new LarkClient({ fetch: globalThis.fetch })` goes
// through Node's fetch instead. It takes what the wasm core hands a `fetch` (`init`: `method`,
// `headers` as `[name, value]` pairs, `body` as bytes or text, `signal`) and resolves to what
// the core reads of a `Response`: `status`, `headers` as `[name, value]` pairs (names
// lower-case), `arrayBuffer()` and `body` (a stream with `getReader().read()`). Timeouts,
// retries and errors stay the core's: it stops a request when a call times out or is dropped,
// through `signal`, or, cheaper, through the `init.cancel` this sender sets. `larkTransport`
// tells the core (the builds with lark-fetch's `node-transport`) to call it that way: no
// AbortController, and text bodies as strings.
import http from 'node:http';
import https from 'node:https';
import { installFetch } from './transport.js';

// Like Node's own global agents: idle sockets closed after 5 s (before a server's keep-alive
// timeout ends them under a request), the most recently used reused first.
const agentOptions = { keepAlive: true, scheduling: 'lifo', timeout: 5000 };
const httpAgent = new http.Agent(agentOptions);
const httpsAgent = new https.Agent(agentOptions);

function abortError() {
  const error = new Error('This operation was aborted');
  error.name = 'AbortError';
  return error;
}

/** Sends one request; see the top of the file. */
export function nodeFetch(url, init = {}) {
  return new Promise((resolve, reject) => {
    const secure = url.startsWith('https:');
    if (!secure && !url.startsWith('http:')) {
      reject(new TypeError(`not an http(s) URL: ${url}`));
      return;
    }
    const { signal } = init;
    if (signal?.aborted) {
      reject(abortError());
      return;
    }
    // Repeated names become a list, which node:http sends as repeated lines.
    const headers = {};
    for (const [name, value] of init.headers ?? []) {
      const key = name.toLowerCase();
      const had = headers[key];
      headers[key] = had === undefined ? value : [].concat(had, value);
    }
    let request;
    let response;
    let live = true;
    const onAbort = () => {
      if (!live) return;
      const error = abortError();
      request.destroy(error);
      response?.destroy(error);
    };
    const done = () => {
      live = false;
      signal?.removeEventListener('abort', onAbort);
    };
    try {
      request = (secure ? https : http).request(url, { method: init.method ?? 'GET', headers, agent: secure ? httpsAgent : httpAgent });
    } catch (error) {
      reject(error);
      return;
    }
    if (signal) signal.addEventListener('abort', onAbort);
    else init.cancel = onAbort;
    request.on('error', (error) => {
      done();
      reject(error);
    });
    request.on('response', (res) => {
      response = res;
      res.on('close', done);
      resolve(new NodeResponse(res));
    });
    // One write with the request head (node:http joins a string body to it, a byte body goes
    // as a second write: a round of its own on the server). Latin-1 keeps bytes as they are.
    let body = init.body ?? undefined;
    if (body instanceof Uint8Array && body.length <= 65536) body = Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('latin1');
    request.end(body, typeof body === 'string' && init.body !== body ? 'latin1' : undefined);
  });
}

/** The part of a `Response` the wasm core reads, over a node:http answer. */
class NodeResponse {
  #res;

  constructor(res) {
    this.#res = res;
    this.status = res.statusCode;
    // `res.headers`: names lower-case, repeats joined with ", " (Set-Cookie: a list), as fetch's Headers.
    const headers = [];
    for (const [name, value] of Object.entries(res.headers)) {
      headers.push([name, Array.isArray(value) ? value.join(', ') : value]);
    }
    this.headers = headers;
  }

  /** The whole body (bytes; the core copies them either way). */
  arrayBuffer() {
    // Events rather than an async iterator: a few microseconds less a call.
    const res = this.#res;
    return new Promise((resolve, reject) => {
      const chunks = [];
      let length = 0;
      res.on('data', (chunk) => {
        chunks.push(chunk);
        length += chunk.length;
      });
      res.on('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, length)));
      res.on('error', reject);
      // Destroyed before the end (aborted): no `end` comes.
      res.on('close', () => {
        if (!res.complete) reject(res.errored ?? abortError());
      });
    });
  }

  /** The body as it arrives: `getReader().read()` resolves to `{ done, value }` (bytes). */
  get body() {
    const chunks = this.#res[Symbol.asyncIterator]();
    return { getReader: () => ({ read: () => chunks.next() }) };
  }
}

nodeFetch.larkTransport = true;
installFetch(nodeFetch);
