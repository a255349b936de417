// client.drive.upload / client.drive.download in Node against lark-mock (started by
// scripts/test-wasm.sh): upload_all and the three-step upload from bytes, a Blob and a
// ReadableStream, a failing block retried, progress, AbortSignal, downloads as a stream or a
// Blob, with the file name, the content type and a range start.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { LarkClient, isLarkError } from 'lark-sdk';

const MOCK = process.env.LARK_MOCK_URL;
const CONTROL = process.env.LARK_CONTROL_URL;
assert.ok(MOCK && CONTROL, 'run through scripts/test-wasm.sh (LARK_MOCK_URL and LARK_CONTROL_URL)');

const APP = { appId: 'cli_mock_app', appSecret: 'mock-app-secret', baseUrl: MOCK };
const MIB = 1024 * 1024;

async function control(path, method = 'GET', body) {
  const response = await fetch(CONTROL + path, { method, body });
  assert.equal(response.status, 200);
  return response.json();
}

const settings = (query) => control(`/drive/settings?${query}`, 'POST');
const stored = (token) => control(`/drive/file/${token}`);

function pattern(length, seed = 7) {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i += 1) out[i] = (i * 31 + seed) % 251;
  return out;
}

function adler32(bytes) {
  let a = 1;
  let b = 0;
  for (const byte of bytes) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}

async function assertStored(token, bytes, name) {
  const file = await stored(token);
  assert.ok(file, `the mock has no file ${token}`);
  assert.equal(file.size, bytes.length);
  assert.equal(file.adler32, adler32(bytes));
  if (file.bytes !== null) assert.deepEqual(Uint8Array.from(file.bytes), bytes);
  if (name !== undefined) assert.equal(file.name, name);
  return file;
}

function streamOf(bytes, chunk) {
  let offset = 0;
  return new ReadableStream({
    pull(controller) {
      if (offset >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(offset, offset + chunk));
      offset += chunk;
    },
  });
}

const client = new LarkClient(APP);

test('small files go up in one upload_all: bytes, 0 B, 1 B, a media', async () => {
  await settings(`blockSize=${4 * MIB}`);
  const bytes = pattern(3000);
  const up = await client.drive.upload({ file: bytes, fileName: 'notes.bin', parentNode: 'fldcnMock' });
  assert.equal(up.parts, 0);
  assert.equal(up.size, 3000);
  assert.match(up.fileToken, /^boxmock/);
  await assertStored(up.fileToken, bytes, 'notes.bin');
  for (const length of [0, 1]) {
    const small = await client.drive.upload({ file: pattern(length), fileName: `f${length}.bin`, parentNode: 'fldcnMock' });
    await assertStored(small.fileToken, pattern(length));
  }
  const media = await client.drive.upload({
    file: new Blob([pattern(10)], { type: 'image/png' }),
    fileName: 'pic.png',
    media: true,
    parentType: 'docx_image',
    parentNode: 'doxcnMock',
  });
  const file = await assertStored(media.fileToken, pattern(10), 'pic.png');
  assert.equal(file.media, true);
  assert.equal(file.contentType, 'image/png');
});

test('a Blob in blocks, with progress, the last block short', async () => {
  await settings('blockSize=1024');
  const bytes = pattern(5 * 1024 + 100);
  const seen = [];
  const up = await client.drive.upload({
    file: new File([bytes], 'blocks.bin'),
    parentNode: 'fldcnMock',
    multipartThreshold: 0,
    parallel: 2,
    onProgress: (p) => seen.push(p),
  });
  assert.equal(up.parts, 6);
  await assertStored(up.fileToken, bytes, 'blocks.bin');
  const last = seen.at(-1);
  assert.deepEqual(last, { bytesSent: bytes.length, total: bytes.length, partsDone: 6, partsTotal: 6 });
  for (let i = 1; i < seen.length; i += 1) assert.ok(seen[i].bytesSent >= seen[i - 1].bytesSent);
});

test('exactly one block, and a ReadableStream of odd chunks', async () => {
  await settings('blockSize=1024');
  const one = await client.drive.upload({ file: pattern(1024), fileName: 'one.bin', parentNode: 'fldcnMock', multipartThreshold: 0 });
  assert.equal(one.parts, 1);
  await assertStored(one.fileToken, pattern(1024));
  const bytes = pattern(3 * 1024 + 5, 3);
  const streamed = await client.drive.upload({
    file: streamOf(bytes, 333),
    size: bytes.length,
    fileName: 'stream.bin',
    parentNode: 'fldcnMock',
    multipartThreshold: 0,
  });
  assert.equal(streamed.parts, 4);
  await assertStored(streamed.fileToken, bytes, 'stream.bin');
  // A stream without its size cannot be split into blocks.
  await assert.rejects(
    client.drive.upload({ file: streamOf(bytes, 10), fileName: 'x', parentNode: 'fldcnMock' }),
    (error) => isLarkError(error) && error.kind === 'build',
  );
  // A stream shorter than it said.
  await assert.rejects(
    client.drive.upload({ file: streamOf(bytes, 100), size: bytes.length + 10, fileName: 'x', parentNode: 'fldcnMock', multipartThreshold: 0 }),
    (error) => isLarkError(error) && /ended at byte/.test(error.message),
  );
});

test('a failing block is retried on its own', async () => {
  await settings('blockSize=1024');
  const before = (await control('/drive/stats')).partsReceived;
  await control('/drive/fail-part?seq=1&times=2', 'POST');
  const bytes = pattern(3 * 1024);
  const up = await client.drive.upload({ file: bytes, fileName: 'retry.bin', parentNode: 'fldcnMock', multipartThreshold: 0 });
  assert.equal(up.parts, 3);
  await assertStored(up.fileToken, bytes);
  assert.equal((await control('/drive/stats')).partsReceived - before, 5);
});

test('one byte over 20 MiB takes the three-step upload', async () => {
  await settings(`blockSize=${4 * MIB}`);
  const bytes = pattern(20 * MIB + 1, 11);
  const up = await client.drive.upload({ file: new Blob([bytes]), fileName: 'big.bin', parentNode: 'fldcnMock' });
  assert.equal(up.parts, 6);
  await assertStored(up.fileToken, bytes, 'big.bin');
});

test('an AbortSignal stops an upload', async () => {
  await settings('blockSize=1024');
  const before = (await control('/drive/stats')).partsReceived;
  const controller = new AbortController();
  const bytes = pattern(40 * 1024);
  const upload = client.drive.upload({
    file: bytes,
    fileName: 'aborted.bin',
    parentNode: 'fldcnMock',
    multipartThreshold: 0,
    parallel: 1,
    signal: controller.signal,
    onProgress: (p) => {
      if (p.partsDone >= 2) controller.abort();
    },
  });
  await assert.rejects(upload, (error) => error.name === 'AbortError');
  const sent = (await control('/drive/stats')).partsReceived - before;
  assert.ok(sent < 40, `${sent} of 40 blocks went up after the abort`);
  // Aborted before it starts: nothing is sent.
  await assert.rejects(
    client.drive.upload({ file: bytes, fileName: 'x', parentNode: 'fldcnMock', signal: AbortSignal.abort() }),
    (error) => error.name === 'AbortError',
  );
});

test('downloads stream with the name, the type, progress and a range start', async () => {
  // Chunks a few milliseconds apart arrive as chunks.
  await settings('chunkSize=1000&chunkDelayMs=5');
  const bytes = pattern(10_000, 5);
  const { fileToken } = await control(`/drive/put?name=${encodeURIComponent('季度报告.pdf')}`, 'POST', bytes);
  const progress = [];
  const file = await client.drive.download(fileToken, { onProgress: (p) => progress.push(p) });
  assert.equal(file.fileName, '季度报告.pdf');
  assert.equal(file.contentType, 'application/pdf');
  assert.equal(file.totalSize, 10_000);
  const chunks = [];
  for await (const chunk of file.getReadableStream()) chunks.push(chunk);
  assert.ok(chunks.length >= 2, `${chunks.length} chunk(s)`);
  assert.deepEqual(new Uint8Array(await new Blob(chunks).arrayBuffer()), bytes);
  assert.deepEqual(progress.at(-1), { received: 10_000, position: 10_000, total: 10_000 });
  assert.throws(() => file.getReadableStream(), /read already/);

  const tail = await client.drive.download(fileToken, { rangeStart: 9_000 });
  assert.equal(tail.start, 9_000);
  assert.equal(tail.status, 206);
  const blob = await tail.blob();
  assert.equal(blob.type, 'application/pdf');
  assert.deepEqual(new Uint8Array(await blob.arrayBuffer()), bytes.slice(9_000));

  // A resume of a complete file is empty.
  const complete = await client.drive.download(fileToken, { rangeStart: 10_000 });
  assert.equal((await complete.blob()).size, 0);

  const media = await control('/drive/put?name=m.bin&media=1', 'POST', pattern(50));
  const asMedia = await client.drive.download(media.fileToken, { media: true });
  assert.deepEqual(new Uint8Array(await asMedia.arrayBuffer()), pattern(50));

  await assert.rejects(client.drive.download('boxmock0'), (error) => isLarkError(error) && error.code === 1061003 && error.status === 404);
  await settings('chunkSize=65536&chunkDelayMs=0');
});

test('a download whose connection drops is fetched again from where it broke', async () => {
  await settings('chunkSize=4096&chunkDelayMs=0');
  const bytes = pattern(100_000, 7);
  const { fileToken } = await control('/drive/put?name=drop.bin', 'POST', bytes);
  // Two drops in a row, 30 000 bytes into each answer.
  await control('/drive/break-downloads?after=30000&times=2', 'POST');
  const progress = [];
  const file = await client.drive.download(fileToken, { onProgress: (p) => progress.push(p) });
  assert.deepEqual(new Uint8Array(await file.arrayBuffer()), bytes);
  assert.equal(file.resumed, 2);
  assert.deepEqual(progress.at(-1), { received: 100_000, position: 100_000, total: 100_000 });

  // With resumes off, the drop is the stream's error.
  await control('/drive/break-downloads?after=30000&times=1', 'POST');
  const once = await client.drive.download(fileToken, { resumes: 0 });
  await assert.rejects(once.arrayBuffer(), (error) => isLarkError(error));
  assert.equal(once.resumed, 0);
  await assert.rejects(client.drive.download(fileToken, { resumes: -1 }), /`resumes` must be a whole number/);
  await settings('chunkSize=65536&chunkDelayMs=0');
});

test('client.downloadStream takes any download method of the client', async () => {
  const bytes = pattern(3000, 9);
  const { fileToken } = await control('/drive/put?name=any.bin', 'POST', bytes);
  const file = await client.downloadStream(client.drive.v1.file.download, { path: { file_token: fileToken } }, { rangeStart: 1000 });
  assert.equal(file.start, 1000);
  assert.deepEqual(new Uint8Array(await file.arrayBuffer()), bytes.slice(1000));
  // Another service's download (answered by the mock's catalog handler).
  const resource = await client.downloadStream(client.im.v1.messageResource.get, {
    path: { message_id: 'om_any', file_key: 'file_v2_x' },
    params: { type: 'file' },
  });
  assert.equal(await (await resource.blob()).text(), 'lark-mock file bytes');
  assert.equal(resource.fileName, 'mock.bin');
  await assert.rejects(
    client.downloadStream(client.im.v1.message.get, { path: { message_id: 'om_x' } }),
    (error) => isLarkError(error) && error.kind === 'build',
  );
});

test('an AbortSignal stops a download', async () => {
  await settings('chunkSize=100&chunkDelayMs=20');
  try {
    const { fileToken } = await control('/drive/put?name=slow.bin', 'POST', pattern(10_000));
    const controller = new AbortController();
    const file = await client.drive.download(fileToken, { signal: controller.signal });
    const reader = file.getReadableStream().getReader();
    const first = await reader.read();
    assert.equal(first.done, false);
    controller.abort();
    await assert.rejects(
      (async () => {
        for (let i = 0; i < 200; i += 1) {
          const { done } = await reader.read();
          if (done) return;
        }
      })(),
      (error) => error.name === 'AbortError',
    );
    await assert.rejects(client.drive.download(fileToken, { signal: AbortSignal.abort() }), (error) => error.name === 'AbortError');
  } finally {
    await settings('chunkSize=65536&chunkDelayMs=0');
  }
});

// The same in headless Chromium: the package served to a web page (`await init()` fetches the
// wasm), a File read a block at a time, fetch across origins to lark-mock (CORS, a preflight
// for the multipart POSTs and the ranged GET). playwright-core comes from
// examples/browser-extension, which scripts/test-wasm.sh installs before these tests run.
test('in headless Chromium: a File in blocks, a ranged download, an abort', async () => {
  const { createServer } = await import('node:http');
  const { readFile } = await import('node:fs/promises');
  const { extname, join, normalize } = await import('node:path');
  const { fileURLToPath } = await import('node:url');
  const playwright = new URL('../../../../examples/browser-extension/node_modules/playwright-core/index.mjs', import.meta.url);
  const { chromium } = await import(playwright.href);
  const root = fileURLToPath(new URL('../', import.meta.url));
  const types = { '.js': 'text/javascript', '.wasm': 'application/wasm' };
  const server = createServer(async (request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url, 'http://x').pathname));
    if (path === '/') return response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>files</title>');
    const file = join(root, path);
    if (!file.startsWith(root)) return response.writeHead(403).end();
    let body;
    try {
      body = await readFile(file);
    } catch {
      return response.writeHead(404).end();
    }
    response.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' }).end(body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    timeout: 30_000,
  });
  try {
    await settings('blockSize=1024&chunkSize=512&chunkDelayMs=0');
    const page = await browser.newPage();
    const errors = [];
    page.on('pageerror', (error) => errors.push(error));
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    const result = await page.evaluate(async (mock) => {
      const { init, LarkClient } = await import('/src/index.js');
      await init();
      const client = new LarkClient({ appId: 'cli_mock_app', appSecret: 'mock-app-secret', baseUrl: mock });
      const bytes = new Uint8Array(4 * 1024 + 9).map((_, i) => (i * 7) % 256);
      const progress = [];
      const up = await client.drive.upload({
        file: new File([bytes], 'from-the-page.bin'),
        parentNode: 'fldcnPage',
        multipartThreshold: 0,
        onProgress: (p) => progress.push(p.bytesSent),
      });
      const whole = await client.drive.download(up.fileToken);
      const chunks = [];
      for await (const chunk of whole.getReadableStream()) chunks.push(chunk.length);
      const tail = await client.drive.download(up.fileToken, { rangeStart: 4000 });
      const tailBytes = new Uint8Array(await tail.arrayBuffer());
      const controller = new AbortController();
      controller.abort();
      let aborted = null;
      try {
        await client.drive.upload({ file: bytes, fileName: 'x', parentNode: 'f', signal: controller.signal });
      } catch (error) {
        aborted = error.name;
      }
      return {
        up,
        progress: progress.at(-1),
        name: whole.fileName,
        chunks,
        tailStart: tail.start,
        tailOk: tailBytes.length === bytes.length - 4000 && tailBytes.every((b, i) => b === bytes[4000 + i]),
        aborted,
      };
    }, MOCK);
    assert.deepEqual(errors, []);
    assert.equal(result.up.parts, 5);
    assert.equal(result.progress, 4 * 1024 + 9);
    assert.equal(result.name, 'from-the-page.bin');
    assert.equal(result.chunks.reduce((a, b) => a + b, 0), 4 * 1024 + 9);
    assert.equal(result.tailStart, 4000);
    assert.ok(result.tailOk, 'the ranged download differs');
    assert.equal(result.aborted, 'AbortError');
    const file = await stored(result.up.fileToken);
    assert.equal(file.name, 'from-the-page.bin');
    assert.equal(file.size, 4 * 1024 + 9);
  } finally {
    await settings('chunkSize=65536&chunkDelayMs=0');
    await browser.close();
    await new Promise((resolve) => server.close(resolve));
  }
});
