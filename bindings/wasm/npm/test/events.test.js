// Events through the npm package in Node: the test encrypts and signs with Node's own crypto,
// an implementation independent of the SDK's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';

import { EventDispatcher, LarkClient, isLarkError, withTenantKey } from 'lark-sdk';

const ENCRYPT_KEY = 'test-encrypt-key';
const TOKEN = 'test-verification-token';

function encrypt(key, plaintext) {
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-cbc', createHash('sha256').update(key).digest(), iv);
  return Buffer.concat([iv, cipher.update(plaintext, 'utf8'), cipher.final()]).toString('base64');
}

function signed(body, { key = ENCRYPT_KEY, timestamp = Math.floor(Date.now() / 1000) } = {}) {
  const nonce = randomBytes(8).toString('hex');
  const signature = createHash('sha256').update(`${timestamp}${nonce}${key}${body}`).digest('hex');
  return {
    'content-type': 'application/json',
    'x-lark-request-timestamp': String(timestamp),
    'x-lark-request-nonce': nonce,
    'x-lark-signature': signature,
  };
}

function messageEvent(id, text) {
  return JSON.stringify({
    schema: '2.0',
    header: { event_id: id, event_type: 'im.message.receive_v1', create_time: '1700000000000', token: TOKEN, app_id: 'cli_x', tenant_key: 'tk' },
    event: { message: { message_id: 'om_1', content: JSON.stringify({ text }) } },
  });
}

function post(body, headers) {
  return new Request('http://localhost/webhook', { method: 'POST', body, headers });
}

test('an encrypted, signed event reaches its handler once', async () => {
  const seen = [];
  const events = new EventDispatcher({ encryptKey: ENCRYPT_KEY, verificationToken: TOKEN }).on('im.message.receive_v1', async (event) => {
    seen.push(event);
  });
  const body = JSON.stringify({ encrypt: encrypt(ENCRYPT_KEY, messageEvent('ev-1', 'hi')) });
  const response = await events.handleEvent(post(body, signed(body)));
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), {});
  assert.equal(seen.length, 1);
  assert.equal(seen[0].type, 'im.message.receive_v1');
  assert.equal(seen[0].id, 'ev-1');
  assert.equal(seen[0].encrypted, true);
  assert.equal(JSON.parse(seen[0].payload.message.content).text, 'hi');
  // The platform re-delivers: answered 200, not handled twice.
  const again = await events.handleEvent(post(body, signed(body)));
  assert.equal(again.status, 200);
  assert.equal(seen.length, 1);
});

test('bad signatures, stale timestamps, wrong tokens and garbage are refused', async () => {
  let handled = 0;
  const events = new EventDispatcher({ encryptKey: ENCRYPT_KEY, verificationToken: TOKEN }).fallback(() => {
    handled += 1;
  });
  const body = JSON.stringify({ encrypt: encrypt(ENCRYPT_KEY, messageEvent('ev-2', 'x')) });
  assert.equal((await events.handleEvent(post(body, signed(body, { key: 'other' })))).status, 401);
  assert.equal((await events.handleEvent(post(body, signed(body, { timestamp: 1_600_000_000 })))).status, 401);
  assert.equal((await events.handleEvent(post(body, { 'content-type': 'application/json' }))).status, 401);
  const tampered = body.replace(/.$/, ' }');
  assert.equal((await events.handleEvent(post(tampered, signed(body)))).status, 401);
  const wrongToken = JSON.stringify({ encrypt: encrypt(ENCRYPT_KEY, messageEvent('ev-3', 'x').replace(TOKEN, 'nope')) });
  assert.equal((await events.handleEvent(post(wrongToken, signed(wrongToken)))).status, 401);
  const garbage = JSON.stringify({ encrypt: 'bm90IHJlYWxseSBlbmNyeXB0ZWQ=' });
  assert.equal((await events.handleEvent(post(garbage, signed(garbage)))).status, 400);
  assert.equal(handled, 0);
});

test('url_verification is answered with the challenge', async () => {
  const events = new EventDispatcher({ encryptKey: ENCRYPT_KEY, verificationToken: TOKEN });
  const body = JSON.stringify({ encrypt: encrypt(ENCRYPT_KEY, JSON.stringify({ type: 'url_verification', challenge: 'c-123', token: TOKEN })) });
  const response = await events.handleEvent(post(body, signed(body)));
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { challenge: 'c-123' });
  assert.deepEqual(await events.verifyAndDecrypt(signed(body), body), { type: 'url_verification', challenge: 'c-123' });
});

test('a throwing handler answers 500 so the platform delivers again', async () => {
  let calls = 0;
  const events = new EventDispatcher({ encryptKey: ENCRYPT_KEY, verificationToken: TOKEN }).on('im.message.receive_v1', () => {
    calls += 1;
    if (calls === 1) throw new Error('database down');
  });
  const body = JSON.stringify({ encrypt: encrypt(ENCRYPT_KEY, messageEvent('ev-4', 'x')) });
  assert.equal((await events.handleEvent(post(body, signed(body)))).status, 500);
  assert.equal((await events.handleEvent(post(body, signed(body)))).status, 200);
  assert.equal(calls, 2);
});

test('a card action callback answers with its handler reply', async () => {
  const events = new EventDispatcher({ encryptKey: ENCRYPT_KEY, verificationToken: TOKEN }).on('card.action.trigger', (event) => ({
    toast: { type: 'success', content: `clicked ${event.payload.action.value.id}` },
  }));
  const plain = JSON.stringify({
    schema: '2.0',
    header: { event_id: 'cb-1', event_type: 'card.action.trigger', token: TOKEN },
    event: { action: { value: { id: 'ok' } } },
  });
  const body = JSON.stringify({ encrypt: encrypt(ENCRYPT_KEY, plain) });
  const response = await events.handleEvent(post(body, signed(body)));
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { toast: { type: 'success', content: 'clicked ok' } });
});

test('verifyAndDecrypt opens an event without handling it, and refuses a bad one', async () => {
  const client = new LarkClient({ appId: 'cli_x', appSecret: 's', baseUrl: 'http://127.0.0.1:9', encryptKey: ENCRYPT_KEY, verificationToken: TOKEN });
  const body = JSON.stringify({ encrypt: encrypt(ENCRYPT_KEY, messageEvent('ev-5', 'peek')) });
  const event = await client.verifyAndDecrypt(new Headers(signed(body)), new TextEncoder().encode(body));
  assert.equal(event.type, 'im.message.receive_v1');
  assert.equal(JSON.parse(event.payload.message.content).text, 'peek');
  // Not marked as handled: the dispatcher still handles it.
  let handled = 0;
  client.on('im.message.receive_v1', () => {
    handled += 1;
  });
  assert.equal((await client.handleEvent(post(body, signed(body)))).status, 200);
  assert.equal(handled, 1);
  try {
    await client.verifyAndDecrypt(signed(body, { key: 'other' }), body);
    assert.fail('accepted a bad signature');
  } catch (error) {
    assert.ok(isLarkError(error));
    assert.equal(error.kind, 'event');
    assert.equal(error.httpStatus, 401);
  }
});

test('marketplace app: a pushed app_ticket event buys tenant tokens', async () => {
  const MOCK = process.env.LARK_MOCK_URL;
  const CONTROL = process.env.LARK_CONTROL_URL;
  const client = new LarkClient({
    appId: 'cli_mock_isv',
    appSecret: 'mock-isv-secret',
    appType: 'marketplace',
    baseUrl: MOCK,
    encryptKey: ENCRYPT_KEY,
    verificationToken: TOKEN,
  });
  // No ticket yet: the token request fails and asks the platform to resend one.
  try {
    await client.tenantAccessToken('tenant_a');
    assert.fail('a token without an app_ticket');
  } catch (error) {
    assert.equal(error.kind, 'token');
  }
  const { ticket } = await (await fetch(`${CONTROL}/push-ticket/cli_mock_isv`, { method: 'POST' })).json();
  assert.ok(ticket);
  const plain = JSON.stringify({
    uuid: `ticket-${Date.now()}`,
    token: TOKEN,
    ts: '1700000000.0',
    type: 'event_callback',
    event: { type: 'app_ticket', app_id: 'cli_mock_isv', app_ticket: ticket },
  });
  const body = JSON.stringify({ encrypt: encrypt(ENCRYPT_KEY, plain) });
  const response = await client.handleEvent(post(body, signed(body)));
  assert.equal(response.status, 200);
  assert.match(await client.tenantAccessToken('tenant_a'), /^t-/);
  const sent = await client.im.v1.message.create(
    {
      params: { receive_id_type: 'chat_id' },
      data: { receive_id: 'oc_mock_chat', msg_type: 'text', content: JSON.stringify({ text: 'from an ISV app' }) },
    },
    withTenantKey('tenant_a'),
  );
  assert.match(sent.data.message_id, /^om_/);
});

test('a dispatcher without token or key refuses every request unless opened on purpose', async () => {
  let handled = 0;
  const closed = new EventDispatcher().on('im.message.receive_v1', () => {
    handled += 1;
  });
  const body = messageEvent('ev-closed', 'unsigned');
  const response = await closed.handleEvent(post(body, { 'content-type': 'application/json' }));
  assert.equal(response.status, 500);
  assert.match((await response.json()).error, /allowUnverified|allow_unverified/);
  assert.equal(handled, 0);
  const open = new EventDispatcher({ allowUnverified: true }).on('im.message.receive_v1', () => {
    handled += 1;
  });
  assert.equal((await open.handleEvent(post(body, { 'content-type': 'application/json' }))).status, 200);
  assert.equal(handled, 1);
});

test('a forged app_ticket is refused and never reaches the token store', async () => {
  const stored = [];
  const tokenStore = {
    async get() {
      return undefined;
    },
    async set(key, value) {
      stored.push(key);
    },
    async delete() {},
  };
  const client = new LarkClient({ appId: 'cli_isv', appSecret: 's', appType: 'marketplace', baseUrl: 'http://127.0.0.1:9', tokenStore });
  const forged = JSON.stringify({
    uuid: 'forged-1',
    token: 'not-the-token',
    ts: '1700000000.0',
    type: 'event_callback',
    event: { type: 'app_ticket', app_id: 'cli_isv', app_ticket: 'forged' },
  });
  const checked = new EventDispatcher({ verificationToken: TOKEN, client });
  assert.equal((await checked.handleEvent(post(forged, { 'content-type': 'application/json' }))).status, 401);
  const open = new EventDispatcher({ allowUnverified: true, client });
  assert.equal((await open.handleEvent(post(forged, { 'content-type': 'application/json' }))).status, 500);
  assert.deepEqual(stored, []);
});
