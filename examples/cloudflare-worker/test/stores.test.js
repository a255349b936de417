// Many instances of the Worker in workerd (through miniflare), sharing one KV namespace and one
// LarkCoordinator Durable Object, against lark-mock on loopback: each instance is its own
// isolate with its own client, as two Cloudflare locations would run it.
//   a, b: tokens in KV with the Durable Object's refresh lock, events de-duplicated in the object
//   c, d: the same tokens, events de-duplicated in KV (LARK_DEDUP = "kv")
//   e, f: another KV namespace and no Durable Object, to show what the lock is for
// Every outbound request goes through `outbound` below, which counts the token requests and
// holds each one for 300 ms, so concurrent refreshes really overlap.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { Miniflare } from 'miniflare';
import { bundled, forward } from '../fixtures/miniflare.js';

const MOCK = process.env.LARK_MOCK_URL;
const CONTROL = process.env.LARK_CONTROL_URL;
assert.ok(MOCK && CONTROL, 'run through scripts/test-wasm.sh (LARK_MOCK_URL and LARK_CONTROL_URL)');

const ENCRYPT_KEY = 'stores-encrypt-key';
const TOKEN = 'stores-verification-token';
const NAMES = ['a', 'b', 'c', 'd'];
const TOKEN_DELAY_MS = 300;

let mf;
const workers = {};
const tokenRequests = { tenant: 0, app: 0 };

// The Workers' fetch, forwarded to lark-mock from Node.
async function outbound(request) {
  const path = new URL(request.url).pathname;
  if (path.startsWith('/open-apis/auth/v3/')) {
    if (path.includes('tenant_access_token')) tokenRequests.tenant += 1;
    if (path.includes('app_access_token')) tokenRequests.app += 1;
    await new Promise((resolve) => setTimeout(resolve, TOKEN_DELAY_MS));
  }
  return forward(request);
}

function instance(name, extra = {}, kv = 'lark-kv', coordinator = true) {
  return {
    name,
    ...bundled('dist/worker'),
    outboundService: outbound,
    kvNamespaces: { LARK_KV: kv },
    // Every instance binds the object class of `a`: one namespace, as in one deployment.
    ...(coordinator ? { durableObjects: { LARK_COORDINATOR: { className: 'LarkCoordinator', scriptName: 'a' } } } : {}),
    bindings: {
      APP_ID: 'cli_mock_app',
      APP_SECRET: 'mock-app-secret',
      ISV_APP_ID: 'cli_mock_isv',
      ISV_APP_SECRET: 'mock-isv-secret',
      LARK_BASE_URL: MOCK,
      CHAT_ID: 'oc_mock_chat',
      ENCRYPT_KEY,
      VERIFICATION_TOKEN: TOKEN,
      ...extra,
    },
  };
}

before(async () => {
  mf = new Miniflare({
    cf: false,
    workers: [
      instance('a'),
      instance('b'),
      instance('c', { LARK_DEDUP: 'kv' }),
      instance('d', { LARK_DEDUP: 'kv' }),
      instance('e', {}, 'lark-kv-unlocked', false),
      instance('f', {}, 'lark-kv-unlocked', false),
    ],
  });
  await mf.ready;
  for (const name of [...NAMES, 'e', 'f']) workers[name] = await mf.getWorker(name);
});

after(async () => {
  await mf?.dispose();
});

function encrypt(plaintext) {
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-cbc', createHash('sha256').update(ENCRYPT_KEY).digest(), iv);
  return Buffer.concat([iv, cipher.update(plaintext, 'utf8'), cipher.final()]).toString('base64');
}

// A fresh encrypted, signed request for the event `plain` (each delivery is signed anew, as
// the platform's re-deliveries are).
function delivery(plain) {
  const body = JSON.stringify({ encrypt: encrypt(plain) });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = randomBytes(8).toString('hex');
  return {
    method: 'POST',
    body,
    headers: {
      'content-type': 'application/json',
      'x-lark-request-timestamp': timestamp,
      'x-lark-request-nonce': nonce,
      'x-lark-signature': createHash('sha256').update(timestamp + nonce + ENCRYPT_KEY + body).digest('hex'),
    },
  };
}

function messageEvent(id) {
  return JSON.stringify({
    schema: '2.0',
    header: { event_id: id, event_type: 'im.message.receive_v1', token: TOKEN, app_id: 'cli_mock_app' },
    event: { message: { message_id: 'om_x', content: JSON.stringify({ text: `event ${id}` }) } },
  });
}

async function handledCount(id) {
  let total = 0;
  for (const name of NAMES) {
    total += (await (await workers[name].fetch(`http://worker/handled?id=${encodeURIComponent(id)}`)).json()).count;
  }
  return total;
}

// Five concurrent sends on each of `names`, all answered with a message id.
async function sendFrom(names) {
  const sends = [];
  for (let i = 0; i < 5; i += 1) {
    for (const name of names) {
      sends.push(workers[name].fetch('http://worker/send', { method: 'POST', body: JSON.stringify({ text: `cold ${name} ${i}` }) }));
    }
  }
  for (const response of await Promise.all(sends)) {
    const answer = await response.json();
    assert.equal(response.status, 200, JSON.stringify(answer));
    assert.match(answer.message_id, /^om_/);
  }
}

test('without the Durable Object, each instance on a cold cache fetches its own token', async () => {
  const before = tokenRequests.tenant;
  await sendFrom(['e', 'f']);
  // Each isolate's own calls share one refresh; KV cannot make the two share one.
  assert.equal(tokenRequests.tenant, before + 2);
});

test('on a cold cache, many concurrent calls on four instances fetch ONE tenant token', async () => {
  const before = tokenRequests.tenant;
  // Five at once per isolate as well: the calls that wait for another request's refresh must
  // not be cancelled as hung (see `anchored` in bindings/wasm/src/client.rs).
  await sendFrom(NAMES);
  assert.equal(tokenRequests.tenant, before + 1);
  // The token is in KV, under the store's prefix, with its times.
  const kept = await (await mf.getKVNamespace('LARK_KV', 'a')).get('lark:token:tenant_access_token:cli_mock_app', 'json');
  assert.match(kept.value, /^t-/);
  assert.ok(kept.refreshAt > Date.now() && kept.expiresAt >= kept.refreshAt);
  // Warm: more calls anywhere fetch nothing.
  const again = await workers.d.fetch('http://worker/send', { method: 'POST', body: JSON.stringify({ text: 'warm' }) });
  assert.equal(again.status, 200);
  assert.equal(tokenRequests.tenant, before + 1);
});

test('an event delivered to several instances at once is handled once (Durable Object de-duplication)', async () => {
  const id = `ev-do-${Date.now()}-${randomBytes(4).toString('hex')}`;
  const plain = messageEvent(id);
  const deliveries = [workers.a, workers.b, workers.a, workers.b].map((w) => w.fetch('http://worker/events', delivery(plain)));
  for (const response of await Promise.all(deliveries)) {
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), {});
  }
  // A re-delivery later, to either instance, is dropped too.
  assert.equal((await workers.b.fetch('http://worker/events', delivery(plain))).status, 200);
  assert.equal(await handledCount(id), 1);
  // Another event goes through.
  const other = `${id}-2`;
  assert.equal((await workers.b.fetch('http://worker/events', delivery(messageEvent(other)))).status, 200);
  assert.equal(await handledCount(other), 1);
});

test('an event re-delivered to another instance is handled once (KV de-duplication)', async () => {
  const id = `ev-kv-${Date.now()}-${randomBytes(4).toString('hex')}`;
  const plain = messageEvent(id);
  assert.equal((await workers.c.fetch('http://worker/events', delivery(plain))).status, 200);
  assert.equal((await workers.d.fetch('http://worker/events', delivery(plain))).status, 200);
  assert.equal((await workers.c.fetch('http://worker/events', delivery(plain))).status, 200);
  assert.equal(await handledCount(id), 1);
  // The id is in KV, with a TTL KV accepts.
  assert.equal(await (await mf.getKVNamespace('LARK_KV', 'c')).get(`lark:event:${id}`), '1');
});

test('an app_ticket pushed to one instance is read by another', async () => {
  const { ticket } = await (await fetch(`${CONTROL}/push-ticket/cli_mock_isv`, { method: 'POST' })).json();
  assert.match(ticket, /^tk-/);
  const event = JSON.stringify({
    uuid: `ticket-${Date.now()}`,
    token: TOKEN,
    ts: String(Date.now() / 1000),
    type: 'event_callback',
    event: { type: 'app_ticket', app_id: 'cli_mock_isv', app_ticket: ticket },
  });
  const pushed = await workers.a.fetch('http://worker/isv/events', delivery(event));
  assert.equal(pushed.status, 200, await pushed.clone().text());
  await pushed.arrayBuffer();
  assert.equal(await (await mf.getKVNamespace('LARK_KV', 'a')).get('lark:app_ticket:cli_mock_isv'), ticket);

  const before = tokenRequests.app;
  // `c` never saw the event; it buys the app access token with the ticket `a` stored.
  const token = await workers.c.fetch('http://worker/isv/app-token');
  assert.equal(token.status, 200, await token.clone().text());
  assert.deepEqual(await token.json(), { ok: true });
  assert.equal(tokenRequests.app, before + 1);
  // `b` finds that token in KV.
  const again = await workers.b.fetch('http://worker/isv/app-token');
  assert.equal(again.status, 200);
  await again.arrayBuffer();
  assert.equal(tokenRequests.app, before + 1);
});
