// The full npm package in an ordinary web page in headless Chromium: `await init()` fetches the
// packaged wasm, LarkClient calls lark-mock across origins (CORS), events decrypt in the page.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const MOCK = process.env.LARK_MOCK_URL;
assert.ok(MOCK, 'run through scripts/test-wasm.sh (LARK_MOCK_URL)');

const root = fileURLToPath(new URL('../../../bindings/wasm/npm/', import.meta.url));
const TYPES = { '.js': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html' };
const PAGE = '<!doctype html><title>lark</title>';

let server;
let origin;
let browser;

before(async () => {
  // Serves the package folder; `/` is an empty page.
  server = createServer(async (request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url, 'http://x').pathname));
    if (path === '/') {
      response.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
      return;
    }
    const file = join(root, path);
    if (!file.startsWith(root)) {
      response.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      response.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${server.address().port}`;
  browser = await chromium.launch({
    // launch() gives the browser a fresh, empty profile of its own.
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    timeout: 30_000,
  });
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => server?.close(resolve));
});

test('LarkClient in a web page sends a message and reads it back across origins', async () => {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error));
  await page.goto(`${origin}/`);
  const result = await page.evaluate(async (mock) => {
    const { init, LarkClient, isLarkError } = await import('/src/index.js');
    await init();
    const client = new LarkClient({ appId: 'cli_mock_app', appSecret: 'mock-app-secret', baseUrl: mock });
    const content = JSON.stringify({ text: 'from a web page' });
    const { data: sent } = await client.im.v1.message.create({
      params: { receive_id_type: 'chat_id' },
      data: { receive_id: 'oc_mock_chat', msg_type: 'text', content },
    });
    const { data: got } = await client.im.message.get({ path: { message_id: sent.message_id } });
    let error;
    try {
      await client.im.v1.message.get({ path: { message_id: 'om_missing' } });
    } catch (e) {
      error = { lark: isLarkError(e), kind: e.kind, code: e.code, status: e.status, logId: Boolean(e.logId) };
    }
    return { id: sent.message_id, content: got.items[0].body.content, expected: content, error };
  }, MOCK);
  await page.close();
  assert.deepEqual(errors, []);
  assert.match(result.id, /^om_/);
  assert.equal(result.content, result.expected);
  assert.deepEqual(result.error, { lark: true, kind: 'api', code: 230001, status: 400, logId: true });
});
