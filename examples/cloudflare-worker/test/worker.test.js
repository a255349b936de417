// The Worker in workerd (through miniflare), against lark-mock on loopback: it sends a message
// with the app's credentials, and answers an encrypted, signed event POST.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { Miniflare } from 'miniflare';
import { bundled } from '../fixtures/miniflare.js';

const MOCK = process.env.LARK_MOCK_URL;
const CONTROL = process.env.LARK_CONTROL_URL;
assert.ok(MOCK && CONTROL, 'run through scripts/test-wasm.sh (LARK_MOCK_URL and LARK_CONTROL_URL)');

const ENCRYPT_KEY = 'worker-encrypt-key';
const TOKEN = 'worker-verification-token';

let mf;

before(async () => {
  mf = new Miniflare({
    ...bundled('dist/worker'),
    cf: false,
    bindings: {
      APP_ID: 'cli_mock_app',
      APP_SECRET: 'mock-app-secret',
      LARK_BASE_URL: MOCK,
      CHAT_ID: 'oc_mock_chat',
      ENCRYPT_KEY,
      VERIFICATION_TOKEN: TOKEN,
    },
  });
  await mf.ready;
});

after(async () => {
  await mf?.dispose();
});

function encrypt(plaintext) {
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-cbc', createHash('sha256').update(ENCRYPT_KEY).digest(), iv);
  return Buffer.concat([iv, cipher.update(plaintext, 'utf8'), cipher.final()]).toString('base64');
}

function signedHeaders(body, key = ENCRYPT_KEY) {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const nonce = randomBytes(8).toString('hex');
  return {
    'content-type': 'application/json',
    'x-lark-request-timestamp': timestamp,
    'x-lark-request-nonce': nonce,
    'x-lark-signature': createHash('sha256').update(timestamp + nonce + key + body).digest('hex'),
  };
}

test('the Worker sends a message through the SDK', async () => {
  const response = await mf.dispatchFetch('http://worker/send', {
    method: 'POST',
    body: JSON.stringify({ text: 'hello from workerd' }),
  });
  const answer = await response.json();
  assert.equal(response.status, 200, JSON.stringify(answer));
  assert.match(answer.message_id, /^om_/);
  const messages = await (await fetch(`${CONTROL}/messages`)).json();
  const sent = messages.find((m) => m.message_id === answer.message_id);
  assert.ok(sent, 'lark-mock received the message');
  assert.equal(JSON.parse(sent.body.content).text, 'hello from workerd');
  // A second send reuses the isolate's cached token.
  const before = (await (await fetch(`${CONTROL}/stats`)).json()).tenantTokenRequests;
  const again = await mf.dispatchFetch('http://worker/send', { method: 'POST', body: JSON.stringify({ text: 'again' }) });
  assert.equal(again.status, 200);
  assert.equal((await (await fetch(`${CONTROL}/stats`)).json()).tenantTokenRequests, before);
});

test('the Worker answers an encrypted, signed event and refuses a forged one', async () => {
  const plain = JSON.stringify({
    schema: '2.0',
    header: { event_id: `ev-${Date.now()}`, event_type: 'im.message.receive_v1', token: TOKEN, app_id: 'cli_mock_app' },
    event: { message: { message_id: 'om_x', content: JSON.stringify({ text: 'an event for workerd' }) } },
  });
  const body = JSON.stringify({ encrypt: encrypt(plain) });
  const response = await mf.dispatchFetch('http://worker/events', { method: 'POST', body, headers: signedHeaders(body) });
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), {});
  const last = await (await mf.dispatchFetch('http://worker/last-event')).json();
  assert.deepEqual(last, { type: 'im.message.receive_v1', id: JSON.parse(plain).header.event_id, text: 'an event for workerd' });

  const forged = await mf.dispatchFetch('http://worker/events', { method: 'POST', body, headers: signedHeaders(body, 'not-the-key') });
  assert.equal(forged.status, 401);
  await forged.arrayBuffer();

  const challenge = JSON.stringify({ encrypt: encrypt(JSON.stringify({ type: 'url_verification', challenge: 'ch-1', token: TOKEN })) });
  const verified = await mf.dispatchFetch('http://worker/events', { method: 'POST', body: challenge, headers: signedHeaders(challenge) });
  assert.equal(verified.status, 200);
  assert.deepEqual(await verified.json(), { challenge: 'ch-1' });
});
