// A few lines over lark-mock's control API (`/_mock/...`), shared by the tests in this folder.
// The SDK under test never sees any of this: it only gets the mock's URL as its `domain`.
import assert from 'node:assert/strict';

export const MOCK = process.env.LARK_MOCK_URL;
assert.ok(MOCK, 'LARK_MOCK_URL must be the base URL `lark mock serve` printed');

const TIMEOUT_MS = 20_000;

/** GET {MOCK}/_mock{path} as JSON. */
export async function get(path = '') {
  const res = await fetch(`${MOCK}/_mock${path}`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  assert.equal(res.status, 200, `GET /_mock${path}`);
  return res.json();
}

/** POST {MOCK}/_mock{path} with a JSON body; answers [status, JSON]. */
export async function post(path, body = {}) {
  const res = await fetch(`${MOCK}/_mock${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  return [res.status, await res.json()];
}

/** DELETE {MOCK}/_mock{path}. */
export async function del(path) {
  const res = await fetch(`${MOCK}/_mock${path}`, { method: 'DELETE', signal: AbortSignal.timeout(TIMEOUT_MS) });
  assert.equal(res.status, 200, `DELETE /_mock${path}`);
}

/** Pushes an event through the mock (over the long connection unless `via: 'http'`). */
export async function pushEvent(event, options = {}) {
  const [status, answer] = await post('/events', { event, ...options });
  assert.equal(status, 200, JSON.stringify(answer));
  return answer;
}

/** Polls `check` every 50 ms until it returns something truthy; fails after `ms`. */
export async function waitFor(what, check, ms = 10_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) assert.fail(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** `promise`, or a failure after `ms` (the timer does not keep the process alive). */
export async function within(ms, what, promise) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits until the mock has exactly `n` long connections open. */
export function waitForConnections(n) {
  return waitFor(`${n} open long connection(s)`, async () => (await get()).ws.open_connections === n);
}

/** An `im.message.receive_v1` event as the platform pushes it; the mock fills in the header. */
export function messageEvent(text, { chatId, openId, messageId = `om_${Date.now()}` }) {
  return {
    schema: '2.0',
    header: { event_type: 'im.message.receive_v1' },
    event: {
      sender: { sender_id: { open_id: openId }, sender_type: 'user' },
      message: {
        message_id: messageId,
        chat_id: chatId,
        chat_type: 'group',
        message_type: 'text',
        content: JSON.stringify({ text }),
      },
    },
  };
}

/** A `card.action.trigger` callback: the user clicked a button carrying `value`. */
export function cardAction(value, { chatId, openId, messageId = 'om_card' }) {
  return {
    schema: '2.0',
    header: { event_type: 'card.action.trigger' },
    event: {
      operator: { open_id: openId },
      token: `c-${messageId}`,
      action: { value, tag: 'button' },
      host: 'im_message',
      context: { open_message_id: messageId, open_chat_id: chatId },
    },
  };
}
