// The two small Workers of the size report run in workerd too: the bot-only build and the
// client-only build, each bundled as wrangler would; and a Worker trying the long connection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Miniflare } from 'miniflare';

const MOCK = process.env.LARK_MOCK_URL;
const CONTROL = process.env.LARK_CONTROL_URL;
assert.ok(MOCK && CONTROL, 'run through scripts/test-wasm.sh (LARK_MOCK_URL and LARK_CONTROL_URL)');

function worker(dir, bindings, root = 'dist/size') {
  return new Miniflare({
    modules: true,
    scriptPath: `${root}/${dir}/index.js`,
    modulesRoot: `${root}/${dir}`,
    modulesRules: [
      { type: 'ESModule', include: ['**/*.js'] },
      { type: 'CompiledWasm', include: ['**/*.wasm'] },
    ],
    compatibilityDate: '2025-06-01',
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
