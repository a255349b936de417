// The npm package in Node against lark-mock (started by scripts/test-wasm.sh, which passes
// LARK_MOCK_URL and LARK_CONTROL_URL).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { LarkClient, CustomBot, CATALOG, isLarkError } from 'lark-sdk';
import * as botOnly from 'lark-sdk/bot';

const MOCK = process.env.LARK_MOCK_URL;
const CONTROL = process.env.LARK_CONTROL_URL;
assert.ok(MOCK && CONTROL, 'run through scripts/test-wasm.sh (LARK_MOCK_URL and LARK_CONTROL_URL)');

const APP = { appId: 'cli_mock_app', appSecret: 'mock-app-secret', baseUrl: MOCK };
const CHAT_ID = 'oc_mock_chat';

async function control(path, method = 'GET') {
  const response = await fetch(CONTROL + path, { method });
  assert.equal(response.status, 200);
  return response.json();
}

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

test('the catalog covers every endpoint of the spec', () => {
  let rows = 0;
  const walk = (node) => Object.values(node).forEach((v) => (Array.isArray(v) ? (rows += 1) : walk(v)));
  walk(CATALOG);
  // As many rows as the spec has endpoints.
  const spec = JSON.parse(readFileSync(new URL('../../../../spec/lark-api-union.json', import.meta.url), 'utf8'));
  assert.equal(rows, spec.endpoints.length);
  // And the typings declare a method for every row of every service (a method of a version
  // itself is a call signature: `(payload: ...)`).
  for (const [service, versions] of Object.entries(CATALOG)) {
    let serviceRows = 0;
    const count = (node) => Object.values(node).forEach((v) => (Array.isArray(v) ? (serviceRows += 1) : count(v)));
    count(versions);
    const dts = readFileSync(new URL(`../src/generated/types/${service}.d.ts`, import.meta.url), 'utf8');
    const declared = [...dts.matchAll(/^\s+(\w*)\(payload/gm)].filter((m) => !m[1].endsWith('WithIterator')).length;
    assert.equal(declared, serviceRows, `typed methods of ${service}`);
  }
  // A tenant or a user token; JSON body, idempotency key `uuid` in the body, default-version alias.
  assert.deepEqual(CATALOG.im.v1.message.create, ['POST', '/open-apis/im/v1/messages', 3, 672, 'data', 'uuid']);
});

test('tenant token is fetched once and cached in the instance', async () => {
  const client = new LarkClient(APP);
  const before = (await control('/stats')).tenantTokenRequests;
  const token = await client.tenantAccessToken();
  assert.match(token, /^t-/);
  assert.equal(await client.tenantAccessToken(), token);
  await client.im.v1.message.list({ params: { container_id_type: 'chat', container_id: CHAT_ID } });
  assert.equal((await control('/stats')).tenantTokenRequests, before + 1);
});

test('send a message and read it back through typed methods', async () => {
  const client = new LarkClient(APP);
  const content = JSON.stringify({ text: 'hello from node' });
  const { data: sent } = await client.im.v1.message.create({
    params: { receive_id_type: 'chat_id' },
    data: { receive_id: CHAT_ID, msg_type: 'text', content },
  });
  assert.match(sent.message_id, /^om_/);
  const { data: got } = await client.im.v1.message.get({ path: { message_id: sent.message_id } });
  assert.equal(got.items[0].message_id, sent.message_id);
  assert.equal(got.items[0].body.content, content);
  const received = await control('/messages');
  assert.ok(received.some((m) => m.message_id === sent.message_id));
});

test('an API error keeps code, msg, log id, status and body', async () => {
  const client = new LarkClient(APP);
  await rejects(client.im.v1.message.get({ path: { message_id: 'om_missing' } }), (error) => {
    assert.equal(error.kind, 'api');
    assert.equal(error.code, 230001);
    assert.equal(error.status, 400);
    assert.equal(error.httpStatus, 400);
    assert.ok(error.logId);
    assert.ok(error.msg);
    assert.match(error.body, /230001/);
  });
  const wrong = new LarkClient({ ...APP, appSecret: 'wrong' });
  await rejects(wrong.tenantAccessToken(), (error) => {
    assert.equal(error.kind, 'token');
    assert.equal(error.code, 10014);
  });
});

test('an answer that is not JSON is a decode error with the raw body', async () => {
  const client = new LarkClient(APP);
  await rejects(client.request({ path: '/open-apis/wasm-test/broken' }), (error) => {
    assert.equal(error.kind, 'decode');
    assert.equal(error.httpStatus, 502);
    assert.match(error.body, /<html/);
  });
});

test('bad parameters are build errors and nothing is sent', async () => {
  const client = new LarkClient(APP);
  await rejects(client.im.v1.message.get({ path: { message_id: '' } }), (error) => assert.equal(error.kind, 'build'));
  await rejects(client.im.v1.message.get({}), (error) => assert.equal(error.kind, 'build'));
  await rejects(client.im.v1.message.get({ path: { message_id: 'om_1' }, data: {} }), (error) =>
    assert.equal(error.kind, 'build'),
  );
  assert.throws(() => new LarkClient({ ...APP, baseUrl: undefined, domain: 'nowhere' }), /unknown domain/);
  assert.throws(() => new LarkClient({ ...APP, appId: '' }), /appId/);
});

test('raw requests reach any path and return the whole body', async () => {
  const client = new LarkClient(APP);
  const answer = await client.request({
    method: 'POST',
    path: '/open-apis/im/v1/messages',
    query: { receive_id_type: 'chat_id' },
    body: { receive_id: CHAT_ID, msg_type: 'text', content: JSON.stringify({ text: 'raw' }) },
  });
  assert.equal(answer.code, 0);
  assert.match(answer.data.message_id, /^om_/);
});

test('pages follow page_token until has_more is false', async () => {
  const client = new LarkClient(APP);
  for (const text of ['page one', 'page two', 'page three']) {
    await client.im.v1.message.create({
      params: { receive_id_type: 'chat_id' },
      data: { receive_id: CHAT_ID, msg_type: 'text', content: JSON.stringify({ text }) },
    });
  }
  const seen = [];
  let pages = 0;
  for await (const page of client.pages(client.im.v1.message.list, {
    params: { container_id_type: 'chat', container_id: CHAT_ID, page_size: 2 },
  })) {
    pages += 1;
    seen.push(...page.items.map((m) => m.message_id));
    assert.ok(pages < 100, 'runaway pagination');
  }
  assert.ok(pages >= 2, `${pages} pages`);
  assert.equal(new Set(seen).size, seen.length, 'no message twice');
  // Every message in the chat (other tests post into chats of their own).
  assert.equal(seen.length, (await control('/messages')).filter((m) => m.chat_id === CHAT_ID).length);
});

test('a token store hook keeps tokens outside the instance', async () => {
  const kept = new Map();
  const calls = [];
  const store = {
    async get(key) {
      calls.push(['get', key]);
      return kept.get(key) ?? null;
    },
    async set(key, token) {
      calls.push(['set', key]);
      kept.set(key, token);
    },
    async delete(key) {
      calls.push(['delete', key]);
      kept.delete(key);
    },
  };
  const first = new LarkClient({ ...APP, tokenStore: store });
  const token = await first.tenantAccessToken();
  const [[key, stored]] = [...kept];
  assert.match(key, /tenant_access_token/);
  assert.equal(stored.value, token);
  assert.ok(stored.refreshAt > Date.now() && stored.expiresAt >= stored.refreshAt);
  // Another instance (another Worker isolate) finds it there and fetches nothing.
  const before = (await control('/stats')).tenantTokenRequests;
  const second = new LarkClient({ ...APP, tokenStore: store });
  assert.equal(await second.tenantAccessToken(), token);
  assert.equal((await control('/stats')).tenantTokenRequests, before);
  assert.ok(calls.some(([op]) => op === 'set'));
});

test('a token the platform rejects is evicted, refreshed and the call retried once', async () => {
  const client = new LarkClient(APP);
  const old = await client.tenantAccessToken();
  await control('/expire-tokens', 'POST');
  const sent = await client.im.v1.message.create({
    params: { receive_id_type: 'chat_id' },
    data: { receive_id: CHAT_ID, msg_type: 'text', content: JSON.stringify({ text: 'after expiry' }) },
  });
  assert.match(sent.data.message_id, /^om_/);
  assert.notEqual(await client.tenantAccessToken(), old);
});

test('a store that throws costs a token fetch, not the call', async () => {
  const broken = {
    get() {
      throw new Error('KV is down');
    },
    async set() {
      throw new Error('KV is down');
    },
  };
  const client = new LarkClient({ ...APP, tokenStore: broken });
  assert.match(await client.tenantAccessToken(), /^t-/);
});

test('custom bot: signed text, post and card reach the webhook', async () => {
  const webhook = `${MOCK}/open-apis/bot/v2/hook/wasm-bot`;
  const bot = new CustomBot(webhook, { secret: 'wasm-bot-secret' });
  const reply = await bot.sendText('deploy done', { mentions: [{ openId: 'ou_mock_user', name: 'Ann' }] });
  assert.equal(reply.httpStatus, 200);
  await bot.sendPost({ zh_cn: { title: 'Release', content: [[{ tag: 'text', text: 'notes' }]] } });
  await bot.sendCard({ elements: [{ tag: 'div', text: { tag: 'plain_text', content: 'card' } }] });
  const received = await control('/bot/wasm-bot');
  const last = received.slice(-3);
  assert.deepEqual(last.map((m) => m.msg_type), ['text', 'post', 'interactive']);
  assert.match(last[0].content.text, /deploy done/);
  assert.match(last[0].content.text, /<at user_id="ou_mock_user">Ann<\/at>/);
  assert.equal(last[0].sign, CustomBot.sign(Number(last[0].timestamp), 'wasm-bot-secret'));
});

test('custom bot: a wrong secret is an API error; the signature matches the documented vector', async () => {
  const bot = new CustomBot(`${MOCK}/open-apis/bot/v2/hook/wasm-bot`, { secret: 'not-the-secret' });
  await rejects(bot.sendText('nope'), (error) => {
    assert.equal(error.kind, 'api');
    assert.equal(error.code, 19021);
  });
  assert.equal(CustomBot.sign(1599360473, 'demo'), 'l1N0gAcBjdwBvGm1xMjOF0XSyaLRpR7tuO5dHfhAYc8=');
  assert.equal(new CustomBot('https://x.invalid/hook/t', { secret: 'demo' }).sign(1599360473), CustomBot.sign(1599360473, 'demo'));
  assert.throws(() => CustomBot.sign(1.5, 'demo'), /whole number/);
});

test('the bot-only entry posts with its smaller build', async () => {
  const bot = new botOnly.CustomBot(`${MOCK}/open-apis/bot/v2/hook/wasm-open-bot`);
  await bot.sendText('from the bot-only build');
  const received = await control('/bot/wasm-open-bot');
  assert.equal(received.at(-1).content.text, 'from the bot-only build');
  assert.equal(received.at(-1).sign, undefined);
});

test('the client-only entry sends with its smaller build and has no events', async () => {
  const { LarkClient: SmallClient } = await import('lark-sdk/client');
  const client = new SmallClient(APP);
  const sent = await client.im.message.create({
    params: { receive_id_type: 'chat_id' },
    data: { receive_id: CHAT_ID, msg_type: 'text', content: JSON.stringify({ text: 'client-only build' }) },
  });
  assert.match(sent.data.message_id, /^om_/);
  assert.throws(() => client.on('im.message.receive_v1', () => {}), /no events/);
});

test('a call slower than its timeout fails with kind timeout, and the fetch is aborted', async () => {
  const client = new LarkClient({ ...APP, timeoutMs: 200 });
  await client.tenantAccessToken();
  const started = Date.now();
  await rejects(client.request({ path: '/open-apis/wasm-test/slow' }), (error) => assert.equal(error.kind, 'timeout'));
  assert.ok(Date.now() - started < 2500);
  // A per-call timeout overrides the client's.
  const patient = new LarkClient(APP);
  await rejects(patient.request({ path: '/open-apis/wasm-test/slow', timeoutMs: 100 }), (error) => assert.equal(error.kind, 'timeout'));
});
