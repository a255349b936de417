// What sends the requests in Node: node:http through keep-alive agents by default (the Node
// entry installs it; the global `fetch` is never called nor replaced), any function of
// `fetch`'s shape through the `fetch` option, and what a bad sender gives (a LarkError, never a
// crash). The other tests run through the default transport too: timeouts, retries, downloads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';

import { LarkClient, CustomBot, isLarkError } from 'lark-sdk';
import { nodeFetch } from '../src/node-http.js';

const MOCK = process.env.LARK_MOCK_URL;
const CONTROL = process.env.LARK_CONTROL_URL;
assert.ok(MOCK && CONTROL, 'run through scripts/test-wasm.sh (LARK_MOCK_URL and LARK_CONTROL_URL)');

const APP = { appId: 'cli_mock_app', appSecret: 'mock-app-secret', baseUrl: MOCK };
const send = (client, text) =>
  client.im.v1.message.create({ params: { receive_id_type: 'chat_id' }, data: { receive_id: 'oc_mock_chat', msg_type: 'text', content: JSON.stringify({ text }) } });

async function rejects(promise, check) {
  try {
    await promise;
  } catch (error) {
    assert.ok(isLarkError(error), `not a LarkError: ${error?.stack ?? error}`);
    check(error);
    return;
  }
  assert.fail('expected a LarkError');
}

// Counts the global fetch's calls to lark-mock while `body` runs, then puts it back.
async function countingGlobalFetch(body) {
  const original = globalThis.fetch;
  let calls = 0;
  globalThis.fetch = (url, init) => {
    if (String(url).startsWith(MOCK)) calls += 1;
    return original(url, init);
  };
  try {
    await body();
  } finally {
    globalThis.fetch = original;
  }
  return calls;
}

test('the Node entry sends through node:http: the global fetch is never called', async () => {
  const calls = await countingGlobalFetch(async () => {
    const client = new LarkClient(APP);
    for (let i = 0; i < 3; i += 1) {
      const answer = await send(client, `node:http ${i}`);
      assert.equal(answer.code, 0);
      assert.match(answer.data.message_id, /^om_/);
    }
    client.free();
  });
  assert.equal(calls, 0, 'the global fetch was called');
});

test('node:http keeps connections alive between calls', async () => {
  // A server of our own that counts connections.
  let connections = 0;
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ code: 0, msg: 'ok', tenant_access_token: 't-x', expire: 7200, data: { n: 1 } }));
    });
  });
  server.on('connection', () => {
    connections += 1;
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const client = new LarkClient({ appId: 'cli_x', appSecret: 's', baseUrl: `http://127.0.0.1:${server.address().port}` });
    for (let i = 0; i < 5; i += 1) assert.equal((await client.request({ path: '/open-apis/x' })).code, 0);
    // The token request and five calls, in a row: one connection.
    assert.equal(connections, 1);
    client.free();
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

test('the fetch option sends through the function given: globalThis.fetch is Node fetch mode', async () => {
  let seen = 0;
  const calls = await countingGlobalFetch(async () => {
    const client = new LarkClient({ ...APP, fetch: (url, init) => (seen += 1, globalThis.fetch(url, init)) });
    assert.equal((await send(client, 'fetch mode')).code, 0);
    client.free();
  });
  assert.ok(seen >= 1, 'the fetch option was not called');
  assert.equal(calls, seen, 'each request went through the global fetch once');
});

test('a custom bot sends through node:http too, and through its fetch option when given', async () => {
  let seen = 0;
  const calls = await countingGlobalFetch(async () => {
    const bot = new CustomBot(`${MOCK}/open-apis/bot/v2/hook/wasm-open-bot`);
    assert.equal((await bot.sendText('bot over node:http')).httpStatus, 200);
    const counted = new CustomBot(`${MOCK}/open-apis/bot/v2/hook/wasm-open-bot`, { fetch: (url, init) => (seen += 1, nodeFetch(url, init)) });
    assert.equal((await counted.sendText('bot over the fetch option')).httpStatus, 200);
  });
  assert.equal(calls, 0);
  assert.equal(seen, 1);
  assert.throws(() => new CustomBot(`${MOCK}/open-apis/bot/v2/hook/wasm-open-bot`, { fetch: 'nope' }), /`fetch` must be a function/);
});

test('a bad sender fails the call with a LarkError, never the process', async () => {
  assert.throws(() => new LarkClient({ ...APP, fetch: 42 }), (error) => isLarkError(error) && /`fetch` must be a function/.test(error.message));
  // A token given, so the call goes straight to the sender; no retries, so it fails at once.
  const call = (fetch) => new LarkClient({ ...APP, fetch }).request({ path: '/open-apis/x', tenantAccessToken: 't-given' });
  const bytes = async () => new ArrayBuffer(0);
  const cases = [
    [() => { throw new Error('sender exploded'); }, /sender exploded/],
    [async () => { throw new TypeError('no route'); }, /no route/],
    [async () => undefined, /not a Response/],
    [async () => 'text', /not a Response/],
    [async () => ({ headers: [], arrayBuffer: bytes, body: null }), /status/],
    [async () => ({ status: 200, arrayBuffer: bytes, body: null }), /not a Response/],
    [async () => ({ status: 200, headers: [undefined, 'x', ['content-type']], arrayBuffer: async () => -1, body: null }), /not a Response/],
    [async () => ({ status: 200, headers: [], body: null }), /arrayBuffer/],
  ];
  for (const [fetch, message] of cases) {
    await rejects(call(fetch), (error) => {
      assert.equal(error.kind, 'transport');
      assert.match(error.message, message);
    });
  }
  // Bytes as a Uint8Array (a Node Buffer) are read as well as an ArrayBuffer.
  const json = Buffer.from(JSON.stringify({ code: 0, msg: 'ok', data: { fine: true } }));
  const answer = await call(async () => ({ status: 200, headers: [['content-type', 'application/json']], arrayBuffer: async () => json, body: null }));
  assert.deepEqual(answer.data, { fine: true });
});

test('node:http: a refused connection is a LarkError, an aborted request rejects', async () => {
  const client = new LarkClient({ appId: 'cli_x', appSecret: 's', baseUrl: 'http://127.0.0.1:9' });
  await rejects(client.request({ path: '/open-apis/x', tenantAccessToken: 't-given' }), (error) => {
    assert.equal(error.kind, 'transport');
    assert.match(error.message, /ECONNREFUSED/);
  });
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(nodeFetch(`${MOCK}/open-apis/wasm-test/slow`, { method: 'GET', headers: [], signal: controller.signal }), { name: 'AbortError' });
  // Aborted while waiting for the answer.
  const later = new AbortController();
  const pending = nodeFetch(`${MOCK}/open-apis/wasm-test/slow`, { method: 'GET', headers: [], signal: later.signal });
  setTimeout(() => later.abort(), 50);
  await assert.rejects(pending, { name: 'AbortError' });
});

test('node:http: a call that times out stops its request (through init.cancel, no AbortController)', async () => {
  // A server on loopback that never answers, and sees when the client closes the connection.
  let closed = 0;
  let opened = 0;
  const server = http.createServer(() => {});
  server.on('connection', (socket) => {
    opened += 1;
    socket.on('close', () => (closed += 1));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${server.address().port}`;
  const made = [];
  const Original = globalThis.AbortController;
  globalThis.AbortController = class extends Original {
    constructor() {
      super();
      made.push(this);
    }
  };
  try {
    const client = new LarkClient({ appId: 'cli_x', appSecret: 's', baseUrl: base, timeoutMs: 150 });
    await rejects(client.request({ path: '/open-apis/x', tenantAccessToken: 't-given' }), (error) => assert.equal(error.kind, 'timeout'));
    for (let i = 0; i < 100 && closed < opened; i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.ok(opened >= 1);
    assert.equal(closed, opened, 'the timed-out request still holds its connection');
    assert.equal(made.length, 0, 'the Node transport cancels through init.cancel');
    // The sender sets `init.cancel` when it gets no signal; calling it rejects the request.
    const init = { method: 'GET', headers: [] };
    const pending = nodeFetch(`${base}/y`, init);
    assert.equal(typeof init.cancel, 'function');
    init.cancel();
    await assert.rejects(pending, { name: 'AbortError' });
  } finally {
    globalThis.AbortController = Original;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});
