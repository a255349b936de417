// The two small Workers of the size report run in workerd too: the bot-only build and the
// client-only build, each bundled as wrangler would; and a Worker trying the long connection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Miniflare } from 'miniflare';
import { bundled } from '../fixtures/miniflare.js';

const MOCK = process.env.LARK_MOCK_URL;
const CONTROL = process.env.LARK_CONTROL_URL;
assert.ok(MOCK && CONTROL, 'run through scripts/test-wasm.sh (LARK_MOCK_URL and LARK_CONTROL_URL)');

function worker(dir, bindings, root = 'dist/size') {
  return new Miniflare({
    ...bundled(`${root}/${dir}`),
    cf: false,
    bindings,
  });
}

test('(a) the custom-bot Worker posts a signed message', async () => {
  const mf = worker('bot-worker', { WEBHOOK: `${MOCK}/open-apis/bot/v2/hook/wasm-bot`, BOT_SECRET: 'wasm-bot-secret' });
  try {
    const text = `bot worker ${Date.now()}`;
    const response = await mf.dispatchFetch('http://worker/', { method: 'POST', body: text });
    assert.equal(await response.text(), 'sent');
    const received = await (await fetch(`${CONTROL}/bot/wasm-bot`)).json();
    assert.ok(received.some((m) => m.content?.text === text && m.sign));
  } finally {
    await mf.dispose();
  }
});

test('(b) the im Worker sends a message with app credentials', async () => {
  const mf = worker('im-worker', { APP_ID: 'cli_mock_app', APP_SECRET: 'mock-app-secret', CHAT_ID: 'oc_mock_chat', LARK_BASE_URL: MOCK });
  try {
    const response = await mf.dispatchFetch('http://worker/', { method: 'POST', body: 'im worker' });
    const sent = await response.json();
    assert.equal(response.status, 200, JSON.stringify(sent));
    assert.match(sent.message_id, /^om_/);
  } finally {
    await mf.dispose();
  }
});

test('a Worker gets the build without the long connection, and WSClient says to use HTTP callbacks', async () => {
  const mf = worker('ws-worker', {}, 'dist/test');
  try {
    const answer = await (await mf.dispatchFetch('http://worker/')).json();
    assert.equal(answer.lark, true);
    assert.match(answer.message, /long connection does not run in Cloudflare Workers.*HTTP callbacks/);
  } finally {
    await mf.dispose();
  }
});

test('the observer and the logger see each attempt of a call retried through a 500 and a 429 in workerd', async () => {
  const path = '/open-apis/im/v1/chats/oc_mock_chat/announcement';
  const faults = [
    { fault: { kind: 'http', status: 500, body: 'boom' }, path, method: 'GET', times: 1 },
    { fault: { kind: 'rate_limited', reset_secs: 1 }, path, method: 'GET', nth: 2 },
  ];
  const ids = [];
  for (const rule of faults) {
    const response = await fetch(`${MOCK}/_mock/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(rule) });
    assert.equal(response.status, 200);
    ids.push((await response.json()).id);
  }
  const mf = worker('observe-worker', { LARK_BASE_URL: MOCK }, 'dist/test');
  try {
    const response = await mf.dispatchFetch('http://worker/');
    const heard = await response.json();
    assert.equal(response.status, 200, JSON.stringify(heard));
    assert.equal(heard.code, 0);
    assert.deepEqual(
      heard.records.map((r) => [r.kind, r.service, r.endpoint, r.path, r.attempt ?? r.attempts, r.ok, r.status, r.code, r.retried ?? null, r.reason]),
      [
        ['attempt', 'im', 'v1.chatAnnouncement.get', '/open-apis/im/v1/chats/:chat_id/announcement', 1, false, 500, null, true, 'server error'],
        ['attempt', 'im', 'v1.chatAnnouncement.get', '/open-apis/im/v1/chats/:chat_id/announcement', 2, false, 429, 99991400, true, 'rate limited (reset hint)'],
        ['attempt', 'im', 'v1.chatAnnouncement.get', '/open-apis/im/v1/chats/:chat_id/announcement', 3, true, 200, null, false, null],
        ['call', 'im', 'v1.chatAnnouncement.get', '/open-apis/im/v1/chats/:chat_id/announcement', 3, true, 200, null, null, undefined],
      ],
    );
    assert.ok(heard.records[1].delayMs >= 900, `waited ${heard.records[1].delayMs} ms for the reset`);
    assert.deepEqual(heard.lines.map(([level]) => level), ['warn', 'warn', 'debug', 'info']);
    assert.ok(!JSON.stringify(heard).includes('mock-app-secret'));
  } finally {
    await mf.dispose();
    for (const id of ids) await fetch(`${MOCK}/_mock/faults/${id}`, { method: 'DELETE' });
  }
});
