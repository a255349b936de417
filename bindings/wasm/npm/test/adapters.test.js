// node-sdk's server adapters and CardActionHandler, on real servers bound to 127.0.0.1: Node's
// http, Express and Koa (with @koa/router and koa-bodyparser). Requests are encrypted and signed
// with Node's own crypto, independently of the SDK.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';

import express from 'express';
import Koa from 'koa';
import Router from '@koa/router';
import bodyParser from 'koa-bodyparser';

import { CardActionHandler, EventDispatcher, adaptDefault, adaptExpress, adaptKoa, adaptKoaRouter } from 'lark-sdk';

const ENCRYPT_KEY = 'adapter-encrypt-key';
const TOKEN = 'adapter-verification-token';

function encrypt(plaintext) {
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-cbc', createHash('sha256').update(ENCRYPT_KEY).digest(), iv);
  return Buffer.concat([iv, cipher.update(plaintext, 'utf8'), cipher.final()]).toString('base64');
}

/** An encrypted event, signed with the encrypt key (SHA-256). */
function encryptedEvent(id, text) {
  const plain = JSON.stringify({
    schema: '2.0',
    header: { event_id: id, event_type: 'im.message.receive_v1', create_time: '1700000000000', token: TOKEN, app_id: 'cli_x', tenant_key: 'tk' },
    event: { message: { message_id: 'om_1', content: JSON.stringify({ text }) } },
  });
  const body = JSON.stringify({ encrypt: encrypt(plain) });
  return { body, headers: signedHeaders(body, (t, n) => createHash('sha256').update(`${t}${n}${ENCRYPT_KEY}${body}`).digest('hex')) };
}

/** A legacy card callback (no envelope), signed with the verification token (SHA-1). */
function legacyCard(value) {
  const body = JSON.stringify({
    open_id: 'ou_1',
    open_message_id: 'om_card',
    tenant_key: 'tk',
    token: 'c-update',
    action: { tag: 'button', value },
  });
  return { body, headers: signedHeaders(body, (t, n) => createHash('sha1').update(`${t}${n}${TOKEN}${body}`).digest('hex')) };
}

function signedHeaders(body, sign) {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = randomBytes(8).toString('hex');
  return { 'content-type': 'application/json', 'x-lark-request-timestamp': timestamp, 'x-lark-request-nonce': nonce, 'x-lark-signature': sign(timestamp, nonce) };
}

/** Runs `body(base)` against `server` listening on 127.0.0.1, then closes it. */
async function serving(server, body) {
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await body(`http://127.0.0.1:${server.address().port}`);
  } finally {
    server.closeAllConnections?.();
    await new Promise((resolve) => server.close(resolve));
  }
}

async function post(url, { body, headers }) {
  const response = await fetch(url, { method: 'POST', body, headers, signal: AbortSignal.timeout(10_000) });
  return { status: response.status, text: await response.text() };
}

function dispatchers() {
  const seen = [];
  const events = new EventDispatcher({ encryptKey: ENCRYPT_KEY, verificationToken: TOKEN }).register({
    'im.message.receive_v1': (data) => {
      seen.push(data);
    },
  });
  const clicks = [];
  const cards = new CardActionHandler({ encryptKey: ENCRYPT_KEY, verificationToken: TOKEN }, async (data) => {
    clicks.push(data);
    return { toast: { type: 'info', content: `chose ${data.action.value.choice}` }, elements: [{ tag: 'markdown', content: 'Done' }] };
  });
  return { events, cards, seen, clicks };
}

test('adaptDefault: two routes on one Node server, signatures checked, other paths left alone', async () => {
  const { events, cards, seen, clicks } = dispatchers();
  const server = createServer();
  server.on('request', adaptDefault('/webhook/event', events));
  server.on('request', adaptDefault('/webhook/card', cards));
  server.on('request', (req, res) => {
    if (!req.url.startsWith('/webhook/')) res.writeHead(404).end('not here');
  });
  await serving(server, async (base) => {
    const event = encryptedEvent('ev-a1', 'hello');
    assert.deepEqual(await post(`${base}/webhook/event`, event), { status: 200, text: '{}' });
    assert.equal(seen.length, 1);
    assert.equal(seen[0].event_id, 'ev-a1');
    assert.equal(JSON.parse(seen[0].message.content).text, 'hello');
    // A query string still matches the path.
    const second = encryptedEvent('ev-a2', 'again');
    assert.equal((await post(`${base}/webhook/event?from=test`, second)).status, 200);
    assert.equal(seen.length, 2);

    const card = legacyCard({ choice: 'tea' });
    const answer = await post(`${base}/webhook/card`, card);
    assert.equal(answer.status, 200);
    assert.deepEqual(JSON.parse(answer.text), { toast: { type: 'info', content: 'chose tea' }, elements: [{ tag: 'markdown', content: 'Done' }] });
    assert.equal(clicks.length, 1);
    assert.equal(clicks[0].open_id, 'ou_1');
    assert.equal(clicks[0].open_message_id, 'om_card');

    // Forged: refused, no handler runs.
    const forged = legacyCard({ choice: 'coffee' });
    forged.headers['x-lark-signature'] = '0'.repeat(40);
    assert.equal((await post(`${base}/webhook/card`, forged)).status, 401);
    const tampered = encryptedEvent('ev-a3', 'x');
    assert.equal((await post(`${base}/webhook/event`, { ...tampered, body: tampered.body.replace('"}', 'A"}') })).status, 401);
    assert.equal(clicks.length, 1);
    assert.equal(seen.length, 2);

    // The URL check of the console: a verified url_verification gets its challenge back.
    const challenge = JSON.stringify({ encrypt: encrypt(JSON.stringify({ type: 'url_verification', challenge: 'ch-1', token: TOKEN })) });
    const verified = await post(`${base}/webhook/event`, { body: challenge, headers: { 'content-type': 'application/json' } });
    assert.equal(verified.status, 200);
    assert.deepEqual(JSON.parse(verified.text), { challenge: 'ch-1' });

    assert.deepEqual(await post(`${base}/elsewhere`, event), { status: 404, text: 'not here' });

    // A body over the dispatcher's limit is answered 413, over an open socket.
    const huge = { body: 'x'.repeat(2 * 1024 * 1024), headers: { 'content-type': 'application/json' } };
    assert.equal((await post(`${base}/webhook/event`, huge)).status, 413);
  });
});

test('adaptExpress: with no body parser, with express.raw(), and with express.json() for encrypted events', async () => {
  const { events, cards, seen, clicks } = dispatchers();
  const app = express();
  app.post('/webhook/event', adaptExpress(events));
  app.post('/raw/event', express.raw({ type: '*/*' }), adaptExpress(events));
  app.post('/json/event', express.json(), adaptExpress(events));
  app.post('/webhook/card', adaptExpress(cards, { autoChallenge: true }));
  await serving(createServer(app), async (base) => {
    for (const [path, id] of [['/webhook/event', 'ev-e1'], ['/raw/event', 'ev-e2'], ['/json/event', 'ev-e3']]) {
      const answer = await post(`${base}${path}`, encryptedEvent(id, path));
      assert.equal(answer.status, 200, `${path}: ${answer.text}`);
    }
    assert.deepEqual(seen.map((data) => data.event_id), ['ev-e1', 'ev-e2', 'ev-e3']);
    const answer = await post(`${base}/webhook/card`, legacyCard({ choice: 'juice' }));
    assert.equal(answer.status, 200);
    assert.equal(JSON.parse(answer.text).toast.content, 'chose juice');
    assert.equal(clicks.length, 1);
    const forged = encryptedEvent('ev-e4', 'x');
    forged.headers['x-lark-request-nonce'] = 'changed';
    assert.equal((await post(`${base}/webhook/event`, forged)).status, 401);
  });
});

test('adaptKoa and adaptKoaRouter: koa-bodyparser\'s raw body is what is checked', async () => {
  const { events, cards, seen, clicks } = dispatchers();
  const app = new Koa();
  app.use(bodyParser());
  app.use(adaptKoa('/webhook/event', events));
  const router = new Router();
  router.post('/webhook/card', adaptKoaRouter(cards));
  app.use(router.routes());
  await serving(createServer(app.callback()), async (base) => {
    assert.deepEqual(await post(`${base}/webhook/event`, encryptedEvent('ev-k1', 'koa')), { status: 200, text: '{}' });
    assert.equal(seen[0].event_id, 'ev-k1');
    const answer = await post(`${base}/webhook/card`, legacyCard({ choice: 'water' }));
    assert.equal(answer.status, 200);
    assert.equal(JSON.parse(answer.text).toast.content, 'chose water');
    assert.equal(clicks[0].action.value.choice, 'water');
    // Another path goes on to the next middleware: Koa's own 404 here.
    assert.equal((await post(`${base}/nothing`, encryptedEvent('ev-k2', 'x'))).status, 404);
    assert.equal(seen.length, 1);
  });
});

test('the adapters take only a dispatcher', () => {
  for (const adapt of [(d) => adaptDefault('/x', d), (d) => adaptExpress(d), (d) => adaptKoa('/x', d), (d) => adaptKoaRouter(d)]) {
    assert.throws(() => adapt({}), /EventDispatcher or a CardActionHandler/);
  }
  assert.throws(() => new CardActionHandler({ verificationToken: TOKEN }), /card handler must be a function/);
});
