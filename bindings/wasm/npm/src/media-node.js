// Node's IO for a channel's media URLs (`lark-sdk/channel` in Node): resolving a name and one
// GET to addresses already checked. The rules — which URLs and addresses are allowed, redirects,
// size limits — are the Rust channel's (lark-wasm's JsFetcher with the channel's UrlGuard).
import { lookup } from 'node:dns/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';

const TIMEOUT_MS = 30_000;

/** Every address `host` resolves to. */
async function resolve(host) {
  return (await lookup(host, { all: true, verbatim: true })).map((found) => found.address);
}

/**
 * One GET of `url` connected to `addresses[0]` only (the name still goes in the Host header and
 * TLS), following no redirect, with no proxy, reading at most `maxBytes + 1` bytes: resolves to
 * `{ status, location }` for a redirect, else `{ status, bytes, contentType }`.
 */
function get(url, addresses, maxBytes) {
  return new Promise((done, fail) => {
    const target = new URL(url);
    const address = addresses[0];
    if (address === undefined) return fail(new Error('no address to connect to'));
    const family = isIP(address);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(
      target,
      {
        method: 'GET',
        agent: false,
        timeout: TIMEOUT_MS,
        lookup: (_host, options, callback) => (options?.all ? callback(null, [{ address, family }]) : callback(null, address, family)),
      },
      (response) => {
        const status = response.statusCode ?? 0;
        const location = response.headers.location;
        if (status >= 300 && status < 400 && location) {
          response.resume();
          return done({ status, location: new URL(location, target).href });
        }
        const chunks = [];
        let size = 0;
        const finish = () => done({ status, bytes: new Uint8Array(Buffer.concat(chunks)), contentType: response.headers['content-type'] });
        response.on('data', (chunk) => {
          chunks.push(chunk);
          size += chunk.length;
          if (size > maxBytes) {
            // Enough to say it is too large; the rest is not read.
            response.destroy();
            finish();
          }
        });
        response.on('end', finish);
        response.on('error', fail);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${TIMEOUT_MS / 1000} s`)));
    request.on('error', fail);
    request.end();
  });
}

/** The `fetchMedia` of a channel in Node. */
export const nodeFetchMedia = { resolve, get };
