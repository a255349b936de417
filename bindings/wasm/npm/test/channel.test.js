// LarkChannel (the channel layer in node-sdk's shape) in Node against lark-mock, which plays
// the people: messages posted into chats (POST /_mock/people/messages) arrive over the long
// connection or as signed HTTP callbacks; GET /_mock/sent says what the bot answered, each
// CardKit streaming update with its time. scripts/test-wasm.sh starts the mock (LARK_MOCK_URL,
// LARK_CONTROL_URL) and sets --experimental-websocket for Node 20.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';

import { LarkChannel, adaptDefault, createLarkChannel } from 'lark-sdk/channel';

const MOCK = process.env.LARK_MOCK_URL;
const CONTROL = process.env.LARK_CONTROL_URL;
assert.ok(MOCK && CONTROL, 'run through scripts/test-wasm.sh (LARK_MOCK_URL and LARK_CONTROL_URL)');

const APP = { appId: 'cli_mock_app', appSecret: 'mock-app-secret', baseUrl: MOCK };
const BOT = 'ou_mock_bot';
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
// A PNG's signature and a few bytes: enough for the image checks.
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);

async function call(base, method, path, body) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? undefined : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(20_000),
  });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text);
}
const say = (message) => call(MOCK, 'POST', '/_mock/people/messages', { timeout_ms: 3000, ...message });
const sent = async (replyTo) => (await call(MOCK, 'GET', `/_mock/sent${replyTo ? `?reply_to=${replyTo}` : ''}`)).items;

async function eventually(what, check, seconds = 15) {
  for (let i = 0; i < seconds * 20; i += 1) {
    if (await check()) return;
    await sleep(50);
  }
  assert.fail(`${what}: not within ${seconds} s`);
}

let chatSeq = 0;
/** A chat id of its own for each use, so tests do not read each other's messages. */
const freshChat = (name) => `oc_npm_${name}_${process.pid}_${(chatSeq += 1)}`;

/** A channel on the long connection, connected (the only connection open), with what it saw. */
async function connected(options = {}) {
  await eventually('no other connection open', async () => (await call(CONTROL, 'GET', '/ws/stats')).open === 0);
  const channel = createLarkChannel({ ...APP, ...options });
  const seen = { messages: [], rejects: [], errors: [] };
  channel.on({
    message: (msg) => void seen.messages.push(msg),
    reject: (evt) => void seen.rejects.push(evt),
    error: (err) => void seen.errors.push(err),
  });
  await channel.connect();
  await eventually('the channel connects', async () => (await call(CONTROL, 'GET', '/ws/stats')).open === 1);
  return { channel, seen };
}

test('createLarkChannel makes a LarkChannel in node-sdk shape, and refuses what the Rust layer lacks', () => {
  const channel = createLarkChannel({ ...APP, transport: 'webhook', webhook: { allowUnverified: true } });
  assert.ok(channel instanceof LarkChannel);
  for (const method of ['connect', 'disconnect', 'on', 'send', 'stream', 'addReaction', 'removeReaction', 'recallMessage', 'getPolicy', 'handleEvent', 'handleRequest']) {
    assert.equal(typeof channel[method], 'function', method);
  }
  assert.equal(typeof channel.rawClient.im.message.create, 'function');
  assert.throws(() => channel.on('nope', () => {}), /unknown channel event/);
  assert.throws(() => createLarkChannel({ ...APP, policy: { dmMode: 'pair' } }), /pair/);
  assert.throws(() => createLarkChannel({ ...APP, policy: { dmMode: 'friends' } }), /dmMode/);
  assert.throws(() => createLarkChannel({ ...APP, transport: 'carrier-pigeon' }), /transport/);
  channel.free();
});

test('DM and group policies and mention gating (long connection)', async () => {
  const team = freshChat('team');
  const other = freshChat('other');
  const { channel, seen } = await connected({
    policy: { dmMode: 'allowlist', dmAllowlist: ['ou_friend'], groupAllowlist: [team], requireMention: true },
  });
  try {
    await say({ to_bot: true, from: 'ou_friend', text: 'hello from a friend' });
    await say({ to_bot: true, from: 'ou_stranger', text: 'hello from a stranger' });
    await say({ chat_id: team, text: 'to the bot', mentions: ['bot'] });
    await say({ chat_id: team, text: 'not to the bot' });
    await say({ chat_id: team, text: 'to everyone', mention_all: true });
    await say({ chat_id: other, text: 'elsewhere', mentions: ['bot'] });
    await eventually('2 handled, 4 rejected', () => seen.messages.length === 2 && seen.rejects.length === 4);
    const [dm, group] = seen.messages;
    assert.equal(dm.chatType, 'p2p');
    assert.equal(dm.senderId, 'ou_friend');
    assert.equal(dm.content, 'hello from a friend');
    assert.equal(group.chatType, 'group');
    assert.equal(group.chatId, team);
    assert.equal(group.mentionedBot, true);
    assert.equal(group.content, 'to the bot', 'the bot’s own mention is stripped');
    assert.equal(group.rawContentType, 'text');
    assert.deepEqual(
      seen.rejects.map((r) => r.reason),
      ['sender_not_allowed', 'no_mention', 'no_mention', 'group_not_allowed'],
    );
    assert.equal(seen.rejects[3].chatId, other);
    assert.equal(seen.rejects[0].senderId, 'ou_stranger');
    assert.equal(channel.botIdentity?.openId, BOT);
  } finally {
    await channel.disconnect();
  }
});

test('@all counts when respondToMentionAll is on; DMs refused when disabled', async () => {
  const team = freshChat('all');
  const { channel, seen } = await connected({ policy: { dmMode: 'disabled', respondToMentionAll: true } });
  try {
    await say({ chat_id: team, text: 'everyone listen', mention_all: true });
    await say({ to_bot: true, text: 'a DM' });
    await eventually('1 handled, 1 rejected', () => seen.messages.length === 1 && seen.rejects.length === 1);
    assert.equal(seen.messages[0].mentionAll, true);
    assert.equal(seen.rejects[0].reason, 'dm_disabled');
  } finally {
    await channel.disconnect();
  }
});

test('a re-delivered event is handled once', async () => {
  const { channel, seen } = await connected();
  try {
    const posted = await say({ to_bot: true, text: 'only once', times: 3 });
    assert.equal(posted.deliveries.length, 3);
    await eventually('handled', () => seen.messages.length === 1);
    await sleep(300);
    assert.equal(seen.messages.length, 1);
  } finally {
    await channel.disconnect();
  }
});

test('each chat in order, 50 chats in parallel', async () => {
  const CHATS = 50;
  const ROUNDS = 4;
  const chats = Array.from({ length: CHATS }, () => freshChat('order'));
  const handled = new Map(chats.map((c) => [c, []]));
  const busy = new Set();
  let overlap = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const { channel } = await connected({ policy: { requireMention: false } });
  channel.on('message', async (msg) => {
    if (busy.has(msg.chatId)) overlap += 1;
    busy.add(msg.chatId);
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    await sleep(5 + Math.floor(Math.random() * 20));
    handled.get(msg.chatId)?.push(Number(msg.content));
    inFlight -= 1;
    busy.delete(msg.chatId);
  });
  try {
    for (let round = 0; round < ROUNDS; round += 1) {
      await Promise.all(chats.map((chat_id) => say({ chat_id, text: String(round), timeout_ms: 2000 })));
    }
    await eventually('every message handled', () => [...handled.values()].every((seq) => seq.length === ROUNDS), 30);
    for (const [chat, seq] of handled) assert.deepEqual(seq, [0, 1, 2, 3], chat);
    assert.equal(overlap, 0, 'one message of a chat at a time');
    assert.ok(maxInFlight > 1, `chats ran in parallel (at most ${maxInFlight} at once)`);
  } finally {
    await channel.disconnect();
  }
});

test('a burst from one sender is merged into one message', async () => {
  const chat = freshChat('burst');
  const { channel, seen } = await connected({ policy: { requireMention: false }, safety: { batch: { text: { delayMs: 400 } } } });
  try {
    for (const text of ['first', 'second', 'third']) await say({ chat_id: chat, text });
    await eventually('merged', () => seen.messages.length >= 1);
    await sleep(600);
    assert.equal(seen.messages.length, 1, 'one message');
    assert.equal(seen.messages[0].content, 'first\nsecond\nthird');
    assert.equal(seen.messages[0].mergedIds.length, 2);
  } finally {
    await channel.disconnect();
  }
});

test('stale messages are dropped after a reconnect', async () => {
  const { channel, seen } = await connected({ safety: { staleMessageWindowMs: 60_000 } });
  await channel.disconnect();
  await eventually('disconnected', async () => (await call(CONTROL, 'GET', '/ws/stats')).open === 0);
  // No connection open: the mock keeps the events for the next one, as the platform does.
  await say({ to_bot: true, text: 'from before', sent_ago_ms: 5 * 60_000, timeout_ms: 100 });
  await say({ to_bot: true, text: 'just now', timeout_ms: 100 });
  await channel.connect();
  try {
    await eventually('one handled, one rejected', () => seen.messages.length === 1 && seen.rejects.length === 1);
    assert.equal(seen.messages[0].content, 'just now');
    assert.equal(seen.rejects[0].reason, 'stale');
    assert.ok(seen.rejects[0].detail >= 5 * 60_000);
  } finally {
    await channel.disconnect();
  }
});

test('a 2,000-character answer streams in throttled updates and ends with the full text', async () => {
  const THROTTLE = 200;
  const { channel, seen } = await connected({ outbound: { streamThrottleMs: THROTTLE, streamThrottleChars: 20 } });
  const answer = Array.from({ length: 100 }, (_, i) => `word${String(i).padStart(3, '0')} `.padEnd(20, '.')).join('');
  assert.equal(answer.length, 2000);
  let result;
  channel.on('message', async (msg) => {
    result = await channel.stream(msg.chatId, {
      markdown: async (c) => {
        for (let i = 0; i < answer.length; i += 20) {
          await c.append(answer.slice(i, i + 20));
          await sleep(15);
        }
      },
    }, { replyTo: msg.messageId });
  });
  try {
    const started = Date.now();
    const { message_id } = await say({ to_bot: true, text: 'tell me a long story' });
    await eventually('answered', () => result !== undefined, 30);
    const took = Date.now() - started;
    assert.equal(seen.errors.length, 0, String(seen.errors[0]));
    const [reply] = await sent(message_id);
    assert.ok(reply?.card, 'the answer is a CardKit card');
    assert.equal(result.messageId, reply.message_id);
    const updates = reply.card.updates.filter((u) => u.kind === 'content' || typeof u.content === 'string');
    assert.ok(updates.length >= 3, `several updates (${updates.length})`);
    assert.equal(updates.at(-1).content, answer, 'the last update is the whole text');
    for (let i = 1; i < updates.length; i += 1) {
      assert.ok(answer.startsWith(updates[i - 1].content), 'each update is a prefix of the answer');
      // Each gap is measured where the mock receives it, so it jitters with the load.
      const gap = updates[i].at_unix_ms - updates[i - 1].at_unix_ms;
      assert.ok(gap >= THROTTLE / 2, `updates ${i - 1} and ${i} are ${gap} ms apart`);
    }
    const mean = (updates.at(-1).at_unix_ms - updates[0].at_unix_ms) / (updates.length - 1);
    assert.ok(mean >= THROTTLE * 0.9, `updates ${mean} ms apart on average`);
    assert.ok(updates.length <= took / THROTTLE + 3, `${updates.length} updates in ${took} ms`);
  } finally {
    await channel.disconnect();
  }
});

// The bot sends into the mock's seeded chat (a chat it is in); each test reads back its own ids.
const SEEDED_CHAT = 'oc_mock_chat';

test('long text is cut into several messages that join to the whole', async () => {
  const chat = SEEDED_CHAT;
  const channel = createLarkChannel({ ...APP, transport: 'webhook', outbound: { textChunkLimit: 1000 } });
  try {
    const text = Array.from({ length: 300 }, (_, i) => `line ${i}`).join('\n');
    const { messageId, chunkIds } = await channel.send(chat, { text });
    assert.ok(chunkIds.length >= 2, `${chunkIds.length} messages`);
    assert.equal(messageId, chunkIds[0]);
    const mine = (await sent()).filter((m) => chunkIds.includes(m.message_id));
    assert.equal(mine.length, chunkIds.length);
    assert.equal(mine.map((m) => m.content.text).join('').replace(/\s+/g, ''), text.replace(/\s+/g, ''));
    for (const m of mine) assert.ok(JSON.stringify(m.content).length <= 1100, 'each within the limit');
  } finally {
    channel.free();
  }
});

test('media from loopback, private, link-local and odd hosts is refused before any fetch', async () => {
  const chat = SEEDED_CHAT;
  const channel = createLarkChannel({ ...APP, transport: 'webhook' });
  try {
    const before = (await call(MOCK, 'GET', '/_mock/uploads')).items.length;
    for (const source of ['http://127.0.0.1:8080/a.png', 'http://10.0.0.1/a.png', 'http://169.254.169.254/latest/meta-data', 'http://[::ffff:127.0.0.1]/a.png', 'http://localhost/a.png', 'http://2130706433/a.png', 'file:///etc/passwd']) {
      await assert.rejects(channel.send(chat, { image: { source } }), (error) => {
        assert.equal(error.code, 'ssrf_blocked', `${source}: ${error.message}`);
        assert.ok(!/token|secret/i.test(error.message));
        return true;
      });
    }
    assert.equal((await call(MOCK, 'GET', '/_mock/uploads')).items.length, before, 'nothing uploaded');
    // Bytes at hand go through.
    const { messageId } = await channel.send(chat, { image: { source: PNG } });
    assert.match(messageId, /^om_/);
    const fileSent = await channel.send(chat, { file: { source: new TextEncoder().encode('report'), fileName: 'report.txt' } });
    assert.match(fileSent.messageId, /^om_/);
  } finally {
    channel.free();
  }
});

test('a video and a voice message: checked by their bytes, uploaded with their duration', async () => {
  const chat = SEEDED_CHAT;
  const channel = createLarkChannel({ ...APP, transport: 'webhook' });
  try {
    const uploads = async () => (await call(MOCK, 'GET', '/_mock/uploads')).items;
    const cover = await channel.send(chat, { image: { source: PNG } });
    const coverKey = (await sent()).find((m) => m.message_id === cover.messageId).content.image_key;
    const mp4 = new Uint8Array([0, 0, 0, 0x18, ...new TextEncoder().encode('ftypmp42 a short clip')]);
    const video = await channel.send(chat, { video: { source: mp4, duration: 1500, coverImageKey: coverKey } });
    const videoMessage = (await sent()).find((m) => m.message_id === video.messageId);
    assert.equal(videoMessage.msg_type, 'media');
    assert.equal(videoMessage.content.image_key, coverKey);
    const videoUpload = (await uploads()).find((u) => u.key === videoMessage.content.file_key);
    assert.deepEqual([videoUpload.type, videoUpload.duration_ms, videoUpload.size], ['mp4', 1500, mp4.length]);

    // An Ogg page whose one segment is an OpusHead packet; no duration given.
    const opus = new Uint8Array(28 + 19);
    opus.set(new TextEncoder().encode('OggS'));
    opus.set([1, 19], 26);
    opus.set(new TextEncoder().encode('OpusHead'), 28);
    const audio = await channel.send(chat, { audio: { source: opus } });
    const audioMessage = (await sent()).find((m) => m.message_id === audio.messageId);
    assert.equal(audioMessage.msg_type, 'audio');
    const audioUpload = (await uploads()).find((u) => u.key === audioMessage.content.file_key);
    assert.deepEqual([audioUpload.type, audioUpload.duration_ms], ['opus', null]);

    // Bytes of another format, or a duration that is not one: refused, nothing uploaded.
    const before = (await uploads()).length;
    await assert.rejects(channel.send(chat, { video: { source: PNG, duration: 1000 } }), /not mp4/);
    await assert.rejects(channel.send(chat, { audio: { source: mp4 } }), /not opus/);
    await assert.rejects(channel.send(chat, { audio: { source: opus, duration: -1 } }), /milliseconds/);
    assert.equal((await uploads()).length, before);
  } finally {
    channel.free();
  }
});

test('HTTP callbacks through adaptDefault: the event is acked, handled, and answered in order', async () => {
  const chat = freshChat('http');
  const channel = createLarkChannel({ ...APP, transport: 'webhook', webhook: { verificationToken: 'npm-channel-token' }, policy: { requireMention: false } });
  const handled = [];
  channel.on('message', async (msg) => {
    await sleep(20);
    handled.push(msg.content);
    await channel.send(msg.chatId, { text: `you said: ${msg.content}` }, { replyTo: msg.messageId });
  });
  const server = createServer(adaptDefault('/webhook/event', channel));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}/webhook/event`;
  try {
    await call(MOCK, 'POST', '/_mock/callbacks', { url, verification_token: 'npm-channel-token' });
    const posted = [];
    for (const text of ['one', 'two', 'three']) posted.push(await say({ chat_id: chat, text, via: 'http' }));
    for (const p of posted) assert.equal(p.deliveries[0].answers[0].status, 200);
    await eventually('answered', async () => handled.length === 3 && (await sent()).filter((m) => m.chat_id === chat).length === 3);
    assert.deepEqual(handled, ['one', 'two', 'three']);
    const replies = (await sent()).filter((m) => m.chat_id === chat).map((m) => m.content.text);
    assert.deepEqual(replies, ['you said: one', 'you said: two', 'you said: three']);
  } finally {
    await call(MOCK, 'DELETE', '/_mock/callbacks');
    await new Promise((resolve) => server.close(resolve));
    channel.free();
  }
});

test('two instances sharing a dedup store handle an event delivered to both once', async () => {
  const chat = freshChat('twins');
  // What Redis or a KV namespace would be to two processes: one store both ask.
  const seenIds = new Map();
  const shared = {
    firstSeen: async (id) => (seenIds.has(id) ? false : (seenIds.set(id, true), true)),
    forget: async (id) => void seenIds.delete(id),
  };
  const handled = [];
  const servers = [];
  const channels = [];
  try {
    for (const name of ['a', 'b']) {
      const channel = createLarkChannel({
        ...APP,
        transport: 'webhook',
        webhook: { verificationToken: 'npm-twins-token' },
        policy: { requireMention: false },
        safety: { dedup: { store: shared } },
      });
      channel.on('message', (msg) => void handled.push([name, msg.content]));
      const server = createServer(adaptDefault('/events', channel));
      await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
      await call(MOCK, 'POST', '/_mock/callbacks', { url: `http://127.0.0.1:${server.address().port}/events`, verification_token: 'npm-twins-token' });
      channels.push(channel);
      servers.push(server);
    }
    for (const text of ['first', 'second']) {
      const posted = await say({ chat_id: chat, text, via: 'http', times: 2 });
      assert.equal(posted.deliveries.length, 2);
      for (const d of posted.deliveries) assert.equal(d.answers.length, 2, 'both instances got each delivery');
    }
    await eventually('handled', () => handled.length >= 2);
    await sleep(300);
    assert.deepEqual(handled.map(([, text]) => text).sort(), ['first', 'second']);
    assert.equal(seenIds.size, 2);
  } finally {
    await call(MOCK, 'DELETE', '/_mock/callbacks');
    for (const server of servers) await new Promise((resolve) => server.close(resolve));
    for (const channel of channels) channel.free();
  }
});

test('media from a URL: fetched from checked addresses only, each redirect checked again', async () => {
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 7, 7, 7, 7]);
  const server = createServer((req, res) => {
    if (req.url === '/a.png') return res.writeHead(200, { 'content-type': 'image/png' }).end(png);
    if (req.url === '/to-private') return res.writeHead(302, { location: 'http://10.0.0.1/a.png' }).end();
    if (req.url === '/to-local') return res.writeHead(302, { location: '/a.png' }).end();
    res.writeHead(404).end();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = server.address().port;
  // A name that resolves to loopback: what a hostile URL's DNS would answer.
  const fetchMedia = { resolve: async () => ['127.0.0.1'] };
  const strict = createLarkChannel({ ...APP, transport: 'webhook', outbound: { fetchMedia } });
  const loopback = createLarkChannel({ ...APP, transport: 'webhook', outbound: { fetchMedia, ssrfGuard: { allow: ['loopback'] } } });
  try {
    const uploads = async () => (await call(MOCK, 'GET', '/_mock/uploads')).items;
    const before = (await uploads()).length;
    await assert.rejects(strict.send(SEEDED_CHAT, { image: { source: `http://media.test:${port}/a.png` } }), (error) => {
      assert.equal(error.code, 'ssrf_blocked', error.message);
      assert.match(error.message, /127\.0\.0\.1/);
      return true;
    });
    await assert.rejects(loopback.send(SEEDED_CHAT, { image: { source: `http://media.test:${port}/to-private` } }), (error) => {
      assert.equal(error.code, 'ssrf_blocked', error.message);
      assert.match(error.message, /10\.0\.0\.1/);
      return true;
    });
    assert.equal((await uploads()).length, before, 'nothing uploaded');
    const { messageId } = await loopback.send(SEEDED_CHAT, { image: { source: `http://media.test:${port}/to-local` } });
    assert.match(messageId, /^om_/);
    const file = await loopback.send(SEEDED_CHAT, { file: { source: `http://127.0.0.1:${port}/a.png` } });
    assert.match(file.messageId, /^om_/);
    const added = (await uploads()).slice(before);
    assert.deepEqual(added.map((u) => [u.kind, u.size]), [['image', png.length], ['file', png.length]]);
    await assert.rejects(loopback.send(SEEDED_CHAT, { image: { source: `http://127.0.0.1:${port}/missing.png` } }), /404/);
  } finally {
    strict.free();
    loopback.free();
    await new Promise((resolve) => server.close(resolve));
  }
});
