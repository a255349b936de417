// Testing your bot against lark-mock: node-sdk's WSClient, unchanged, pointed at the mock.
//   lark mock serve            # prints the base URL, e.g. http://127.0.0.1:PORT
//   LARK_MOCK_URL=http://127.0.0.1:PORT node --test example.test.mjs
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as lark from '@larksuiteoapi/node-sdk';

const MOCK = process.env.LARK_MOCK_URL;
const control = (path, body) =>
  fetch(`${MOCK}/_mock${path}`, {
    method: body ? 'POST' : 'GET',
    headers: { 'content-type': 'application/json' },
    body: body && JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  }).then((res) => res.json());

test('my bot receives a message over the long connection', { timeout: 20_000 }, async (t) => {
  const mock = await control(''); // the app id and secret the mock accepts, its chat, its user
  const received = [];
  const eventDispatcher = new lark.EventDispatcher({}).register({
    'im.message.receive_v1': async (data) => {
      received.push(JSON.parse(data.message.content).text);
    },
  });
  const ready = new Promise((onReady) => {
    const wsClient = new lark.WSClient({ appId: mock.app_id, appSecret: mock.app_secret, domain: MOCK, onReady });
    wsClient.start({ eventDispatcher });
    t.after(() => wsClient.close());
  });
  await ready;

  // Push an event as the platform would; the answer holds each client's ack.
  const answer = await control('/events', {
    event: {
      schema: '2.0',
      header: { event_type: 'im.message.receive_v1' }, // the mock fills in event_id, app_id, ...
      event: {
        sender: { sender_id: { open_id: mock.user_open_id }, sender_type: 'user' },
        message: { message_id: 'om_1', chat_id: mock.chat_id, chat_type: 'group', message_type: 'text', content: '{"text":"hi"}' },
      },
    },
  });
  assert.equal(answer.answers[0].code, 200); // the client acked: handled
  assert.deepEqual(received, ['hi']);
});
