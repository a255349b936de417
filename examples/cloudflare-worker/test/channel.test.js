// The channel layer in workerd (miniflare) over HTTP callbacks, against lark-mock, which plays
// the people: it posts users' messages as signed callbacks to the Worker's event URL and
// records what the bot said (GET /_mock/sent, with each CardKit streaming update and its time).
//   - src/assistant.js, the streaming assistant example: DMs and @mentions answered by a
//     streamed 2,000-character reply in throttled updates ending with the whole text; group
//     messages without a mention and stale messages not answered;
//   - fixtures/channel-worker.js: per-chat order with 50 chats in parallel, a burst merged, a
//     re-delivery handled once, stale messages dropped, long text chunked, the SSRF guard.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Miniflare } from 'miniflare';
import { bundled } from '../fixtures/miniflare.js';

const MOCK = process.env.LARK_MOCK_URL;
assert.ok(MOCK, 'run through scripts/test-wasm.sh (LARK_MOCK_URL)');
const TOKEN = 'channel-worker-token';
const APP = { APP_ID: 'cli_mock_app', APP_SECRET: 'mock-app-secret', LARK_BASE_URL: MOCK, VERIFICATION_TOKEN: TOKEN };
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function mock(method, path, body) {
  const response = await fetch(`${MOCK}${path}`, {
    method,
    headers: body === undefined ? undefined : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(20_000),
  });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text);
}
/** A user's message, delivered as a signed HTTP callback; asserts the Worker acked it. */
async function say(message) {
  const posted = await mock('POST', '/_mock/people/messages', { via: 'http', timeout_ms: 5000, ...message });
  for (const delivery of posted.deliveries) assert.equal(delivery.answers[0]?.status, 200, JSON.stringify(delivery));
  return posted;
}
const repliesTo = async (id) => (await mock('GET', `/_mock/sent?reply_to=${id}`)).items;

async function eventually(what, check, seconds = 20) {
  for (let i = 0; i < seconds * 20; i += 1) {
    if (await check()) return;
    await sleep(50);
  }
  assert.fail(`${what}: not within ${seconds} s`);
}

let chatSeq = 0;
const freshChat = (name) => `oc_wd_${name}_${process.pid}_${(chatSeq += 1)}`;

/** A Worker from `dir` in miniflare, lark-mock's only callback while its tests run. */
function worker(dir, bindings) {
  const state = {};
  before(async () => {
    state.mf = new Miniflare({ ...bundled(dir), cf: false, bindings: { ...APP, ...bindings } });
    const url = await state.mf.ready;
    await mock('DELETE', '/_mock/callbacks');
    await mock('POST', '/_mock/callbacks', { url: new URL('/events', url).href, verification_token: TOKEN });
  });
  after(async () => {
    await mock('DELETE', '/_mock/callbacks');
    await state.mf?.dispose();
  });
  return state;
}

describe('the streaming assistant Worker (src/assistant.js)', () => {
  const THROTTLE = 200;
  worker('dist/assistant', { ANSWER_CHARS: '2000', STREAM_THROTTLE_MS: String(THROTTLE) });

  test('a DM gets a 2,000-character answer streamed in throttled updates, ending with the whole text', async () => {
    const started = Date.now();
    const { message_id, deliveries } = await say({ to_bot: true, text: 'what is wasm' });
    assert.ok(deliveries[0].answers[0].elapsed_ms < 2000, 'acked before the answer is written');
    let reply;
    await eventually('the answer is finished', async () => {
      [reply] = await repliesTo(message_id);
      const last = reply?.card?.updates?.filter((u) => typeof u.content === 'string').at(-1);
      return last?.content?.length === 2000 && reply.card.card?.config?.streaming_mode === false;
    }, 40).catch(async (error) => {
      assert.fail(`${error.message}: ${JSON.stringify(reply?.card ?? reply)?.slice(0, 600)}`);
    });
    const took = Date.now() - started;
    const updates = reply.card.updates.filter((u) => typeof u.content === 'string');
    const whole = updates.at(-1).content;
    assert.ok(whole.startsWith('You asked: "what is wasm". Here is a long'), whole.slice(0, 60));
    assert.ok(updates.length >= 3, `several updates (${updates.length})`);
    for (let i = 1; i < updates.length; i += 1) {
      assert.ok(whole.startsWith(updates[i - 1].content), 'each update is a prefix of the answer');
      // Each gap is measured where the mock receives it, so it jitters with the load.
      const gap = updates[i].at_unix_ms - updates[i - 1].at_unix_ms;
      assert.ok(gap >= THROTTLE / 2, `updates ${i - 1} and ${i} are ${gap} ms apart`);
    }
    const mean = (updates.at(-1).at_unix_ms - updates[0].at_unix_ms) / (updates.length - 1);
    assert.ok(mean >= THROTTLE * 0.9, `updates ${mean} ms apart on average`);
    assert.ok(updates.length <= took / THROTTLE + 3, `${updates.length} updates in ${took} ms`);
  });

  test('in a group only an @mention is answered; a stale message is not', async () => {
    const chat = freshChat('assistant');
    const quiet = await say({ chat_id: chat, text: 'talking among ourselves' });
    const old = await say({ to_bot: true, text: 'from before', sent_ago_ms: 10 * 60_000 });
    const asked = await say({ chat_id: chat, text: 'and you?', mentions: ['bot'] });
    await eventually('the mention is answered', async () => (await repliesTo(asked.message_id)).length === 1, 40);
    await sleep(500);
    assert.deepEqual(await repliesTo(quiet.message_id), []);
    assert.deepEqual(await repliesTo(old.message_id), []);
  });
});

describe('LarkChannel in workerd (fixtures/channel-worker.js)', () => {
  const state = worker('dist/test/channel-worker', { MERGE_MS: '300' });
  const seen = async () => (await state.mf.dispatchFetch('http://worker/seen')).json();

  test('each chat in order, 50 chats in parallel', async () => {
    const chats = Array.from({ length: 50 }, () => freshChat('order'));
    // A sender per round, so the merge window joins nothing here.
    for (let round = 0; round < 4; round += 1) {
      await Promise.all(chats.map((chat_id) => say({ chat_id, text: `n${round}`, from: `ou_round_${round}` })));
    }
    let messages;
    await eventually('all handled', async () => {
      messages = (await seen()).messages.filter(([chat]) => chats.includes(chat));
      return messages.length === 200;
    }, 40);
    for (const chat of chats) {
      assert.deepEqual(messages.filter(([c]) => c === chat).map(([, text]) => text), ['n0', 'n1', 'n2', 'n3'], chat);
    }
  });

  test('a burst from one sender is merged; a re-delivery is handled once', async () => {
    const chat = freshChat('burst');
    for (const text of ['one', 'two', 'three']) await say({ chat_id: chat, text, from: 'ou_bursty' });
    const again = freshChat('again');
    await say({ chat_id: again, text: 'once', times: 3 });
    await eventually('handled', async () => (await seen()).messages.filter(([c]) => c === chat || c === again).length >= 2);
    await sleep(500);
    const mine = (await seen()).messages.filter(([c]) => c === chat || c === again);
    assert.deepEqual(mine.filter(([c]) => c === chat), [[chat, 'one\ntwo\nthree', 2]]);
    assert.deepEqual(mine.filter(([c]) => c === again), [[again, 'once', 0]]);
  });

  test('a stale message is dropped', async () => {
    const before = (await seen()).rejects.filter((r) => r === 'stale').length;
    const chat = freshChat('stale');
    await say({ chat_id: chat, text: 'from before the reconnect', sent_ago_ms: 5 * 60_000 });
    await eventually('rejected', async () => (await seen()).rejects.filter((r) => r === 'stale').length === before + 1);
    assert.equal((await seen()).messages.filter(([c]) => c === chat).length, 0);
  });

  test('long text is cut into several messages', async () => {
    const { message_id } = await say({ chat_id: freshChat('long'), text: 'long 300' });
    let replies;
    await eventually('answered', async () => (replies = await repliesTo(message_id)).length >= 2);
    await sleep(300);
    replies = await repliesTo(message_id);
    const text = Array.from({ length: 300 }, (_, i) => `line ${i}`).join('\n');
    assert.equal(replies.map((m) => m.content.text).join('').replace(/\s+/g, ''), text.replace(/\s+/g, ''));
    for (const m of replies) assert.ok(JSON.stringify(m.content).length <= 1100);
  });

  test('media from loopback and private addresses is refused', async () => {
    const uploads = (await mock('GET', '/_mock/uploads')).items.length;
    const before = (await seen()).errors.filter((e) => e === 'ssrf_blocked').length;
    for (const url of ['http://127.0.0.1:9/x.png', 'http://10.0.0.1/x.png', 'http://169.254.169.254/latest']) {
      await say({ chat_id: freshChat('ssrf'), text: `image ${url}` });
    }
    await eventually('refused', async () => (await seen()).errors.filter((e) => e === 'ssrf_blocked').length === before + 3);
    assert.equal((await mock('GET', '/_mock/uploads')).items.length, uploads, 'nothing uploaded');
  });
});
