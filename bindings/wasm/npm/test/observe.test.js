// The `observer`, `logger` and `loggerLevel` client options in Node, against lark-mock
// (started by scripts/test-wasm.sh, which passes LARK_MOCK_URL) with faults injected through
// its control API. Each test faults a path of its own: the mock is shared with other files.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { LarkClient, LoggerLevel, isLarkError } from 'lark-sdk';
import { LarkClient as ClientOnly } from 'lark-sdk/client';

const MOCK = process.env.LARK_MOCK_URL;
assert.ok(MOCK, 'run through scripts/test-wasm.sh (LARK_MOCK_URL)');

const APP = { appId: 'cli_mock_app', appSecret: 'mock-app-secret', baseUrl: MOCK };
const ANNOUNCEMENT = '/open-apis/im/v1/chats/:chat_id/announcement';

async function fault(rule) {
  const response = await fetch(`${MOCK}/_mock/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(rule) });
  assert.equal(response.status, 200, await response.clone().text());
  const { id } = await response.json();
  return () => fetch(`${MOCK}/_mock/faults/${id}`, { method: 'DELETE' });
}

// A 500, then a 429 with a one-second reset hint, on the next two requests to `path`.
async function serverErrorThenRateLimit(path) {
  const removers = [
    await fault({ fault: { kind: 'http', status: 500, body: 'boom' }, path, method: 'GET', times: 1 }),
    await fault({ fault: { kind: 'rate_limited', reset_secs: 1 }, path, method: 'GET', nth: 2 }),
  ];
  return () => Promise.all(removers.map((remove) => remove()));
}

// A logger that keeps its lines by level.
function capture() {
  const lines = [];
  const logger = {};
  for (const level of ['error', 'warn', 'info', 'debug', 'trace']) logger[level] = (...msg) => lines.push([level, msg.join(' ')]);
  return { logger, lines };
}

test('the observer sees a call retried through a 500 and a 429: each attempt, then the call', async () => {
  const records = [];
  const client = new LarkClient({ ...APP, observer: (record) => records.push(record) });
  await client.tenantAccessToken();
  const done = await serverErrorThenRateLimit('/open-apis/im/v1/chats/oc_mock_chat/announcement');
  try {
    const answer = await client.im.v1.chatAnnouncement.get({ path: { chat_id: 'oc_mock_chat' } });
    assert.equal(answer.code, 0);
  } finally {
    await done();
  }
  assert.deepEqual(
    records.map((r) => [r.kind, r.attempt ?? r.attempts, r.ok, r.status, r.retried ?? null, r.reason]),
    [
      ['attempt', 1, false, 500, true, 'server error'],
      ['attempt', 2, false, 429, true, 'rate limited (reset hint)'],
      ['attempt', 3, true, 200, false, null],
      ['call', 3, true, 200, null, undefined],
    ],
  );
  const [first, limited, last, call] = records;
  for (const record of records) {
    assert.equal(record.service, 'im');
    assert.equal(record.endpoint, 'v1.chatAnnouncement.get');
    assert.equal(record.method, 'GET');
    assert.equal(record.path, ANNOUNCEMENT);
    assert.equal(typeof record.elapsedMs, 'number');
  }
  // The 500's body is not JSON.
  assert.equal(first.error, 'decode');
  assert.equal(limited.error, 'api');
  assert.equal(limited.code, 99991400);
  // The reset hint: about a second's wait before the third attempt.
  assert.ok(limited.delayMs >= 900 && limited.delayMs <= 2000, `delay ${limited.delayMs}`);
  assert.ok(first.delayMs > 0);
  assert.equal(last.delayMs, 0);
  assert.equal(last.error, null);
  assert.equal(last.code, null);
  assert.equal(typeof last.logId, 'string');
  assert.equal(call.ok, true);
  assert.equal(call.logId, last.logId);
  assert.ok(call.elapsedMs >= limited.delayMs, `${call.elapsedMs} ms for the call`);
  // Plain objects, the same as JSON.
  assert.deepEqual(JSON.parse(JSON.stringify(call)), { ...call });
});

test('an observer that throws or rejects never breaks a call', async () => {
  let heard = 0;
  const throwing = new LarkClient({
    ...APP,
    observer: () => {
      heard += 1;
      throw new Error('observer bug');
    },
  });
  assert.equal((await throwing.im.v1.chatAnnouncement.get({ path: { chat_id: 'oc_mock_chat' } })).code, 0);
  const rejecting = new LarkClient({ ...APP, observer: async () => Promise.reject(new Error('later bug')) });
  assert.equal((await rejecting.im.v1.chatAnnouncement.get({ path: { chat_id: 'oc_mock_chat' } })).code, 0);
  // Attempt and call (the token's own request is not a call of the client's).
  assert.equal(heard, 2);
  // A throwing logger neither.
  const badLogger = new LarkClient({ ...APP, loggerLevel: LoggerLevel.trace, logger: { debug: () => { throw new Error('logger bug'); } } });
  assert.equal((await badLogger.im.v1.chatAnnouncement.get({ path: { chat_id: 'oc_mock_chat' } })).code, 0);
});

test('a raw request is named `raw`, without its path', async () => {
  const records = [];
  const client = new LarkClient({ ...APP, observer: (record) => records.push(record) });
  await client.request({ method: 'GET', path: '/open-apis/im/v1/chats/oc_mock_chat' });
  assert.deepEqual(
    records.map((r) => [r.kind, r.service, r.endpoint, r.method, r.path, r.ok]),
    [
      ['attempt', 'raw', 'raw', 'GET', '', true],
      ['call', 'raw', 'raw', 'GET', '', true],
    ],
  );
});

test('the logger: errors only by default, on console; attempts at debug; never a secret', async () => {
  const path = '/open-apis/im/v1/chats/oc_mock_chat/members/is_in_chat';
  // By default: console, failed calls only.
  const consoleLines = [];
  const original = { ...console };
  for (const level of ['error', 'warn', 'info', 'debug', 'trace', 'log']) console[level] = (...msg) => consoleLines.push([level, msg.join(' ')]);
  let failed;
  try {
    const quiet = new LarkClient(APP);
    let done = await serverErrorThenRateLimit(path);
    await quiet.im.v1.chatMembers.isInChat({ path: { chat_id: 'oc_mock_chat' } }).finally(done);
    assert.deepEqual(consoleLines, [], 'a call that recovered logs nothing at the default level');
    done = await fault({ fault: { kind: 'lark_error', code: 99992402, msg: 'field validation failed', status: 400 }, path, method: 'GET', times: 1 });
    failed = await quiet.im.v1.chatMembers.isInChat({ path: { chat_id: 'oc_mock_chat' } }).then(
      () => assert.fail('expected the fault'),
      (error) => error,
    );
    await done();
  } finally {
    Object.assign(console, original);
  }
  assert.ok(isLarkError(failed) && failed.code === 99992402);
  assert.equal(consoleLines.length, 1, JSON.stringify(consoleLines));
  const [[level, line]] = consoleLines;
  assert.equal(level, 'error');
  assert.match(line, /im\.v1\.chatMembers\.isInChat GET \/open-apis\/im\/v1\/chats\/:chat_id\/members\/is_in_chat: call failed after 1 attempt: api error, HTTP 400, code 99992402/);
  assert.ok(line.includes(failed.logId), 'the log id');

  // At debug: every attempt and the call, the retries as warnings, the recovery as news.
  const { logger, lines } = capture();
  const client = new LarkClient({ ...APP, logger, loggerLevel: LoggerLevel.debug });
  const token = await client.tenantAccessToken();
  const done = await serverErrorThenRateLimit(path);
  await client.im.v1.chatMembers.isInChat({ path: { chat_id: 'oc_mock_chat' } }).finally(done);
  assert.deepEqual(
    lines.map(([level, text]) => [level, text.replace(/: .*/, '')]),
    [
      ['warn', '[lark-sdk] im.v1.chatMembers.isInChat GET /open-apis/im/v1/chats/:chat_id/members/is_in_chat'],
      ['warn', '[lark-sdk] im.v1.chatMembers.isInChat GET /open-apis/im/v1/chats/:chat_id/members/is_in_chat'],
      ['debug', '[lark-sdk] im.v1.chatMembers.isInChat GET /open-apis/im/v1/chats/:chat_id/members/is_in_chat'],
      ['info', '[lark-sdk] im.v1.chatMembers.isInChat GET /open-apis/im/v1/chats/:chat_id/members/is_in_chat'],
    ],
  );
  assert.match(lines[0][1], /attempt 1 failed: decode error, HTTP 500, .*; retried in \d+ ms \(server error\)$/);
  assert.match(lines[1][1], /attempt 2 failed: api error, HTTP 429, code 99991400, .*; retried in \d+ ms \(rate limited \(reset hint\)\)$/);
  assert.match(lines[2][1], /attempt 3 succeeded: HTTP 200, log id [^,]+, \d+ ms$/);
  assert.match(lines[3][1], /call succeeded after 3 attempts: HTTP 200, /);
  // At warn: only the retries; at fatal: nothing.
  for (const [level, expected] of [
    [LoggerLevel.warn, ['warn', 'warn']],
    [LoggerLevel.fatal, []],
  ]) {
    const { logger, lines } = capture();
    const client = new LarkClient({ ...APP, logger, loggerLevel: level });
    const done = await serverErrorThenRateLimit(path);
    await client.im.v1.chatMembers.isInChat({ path: { chat_id: 'oc_mock_chat' } }).finally(done);
    assert.deepEqual(lines.map(([l]) => l), expected);
  }
  // No secret, token or body in anything logged, at the most verbose level.
  const { logger: verbose, lines: all } = capture();
  const traced = new LarkClient({ ...APP, logger: verbose, loggerLevel: LoggerLevel.trace });
  const tracedToken = await traced.tenantAccessToken();
  await traced.im.v1.chatMembers.isInChat({ path: { chat_id: 'oc_mock_chat' } });
  await traced.im.v1.message.create({ params: { receive_id_type: 'chat_id' }, data: { receive_id: 'oc_mock_chat', msg_type: 'text', content: JSON.stringify({ text: 'body text' }) } });
  const text = [...lines, ...all, ...consoleLines].map(([, line]) => line).join('\n');
  assert.ok(all.length >= 4, text);
  for (const secret of [APP.appSecret, token, tracedToken, 'body text', 'oc_mock_chat']) assert.ok(!text.includes(secret), `"${secret}" logged`);
});

test('observer and logger options are checked; the client-only build says it lacks them', () => {
  assert.throws(() => new LarkClient({ ...APP, observer: 'metrics' }), /`observer` must be a function/);
  assert.throws(() => new LarkClient({ ...APP, loggerLevel: 7 }), /`loggerLevel` must be a LoggerLevel/);
  assert.throws(() => new LarkClient({ ...APP, logger: null }), /`logger` must be an object/);
  assert.deepEqual(LoggerLevel, { fatal: 0, error: 1, warn: 2, info: 3, debug: 4, trace: 5 });
  for (const option of [{ observer() {} }, { logger: console }, { loggerLevel: LoggerLevel.debug }]) {
    assert.throws(() => new ClientOnly({ ...APP, ...option }), /this build of lark-sdk has no observer or logger: import lark-sdk, the full build/);
  }
  new ClientOnly(APP).free();
});
