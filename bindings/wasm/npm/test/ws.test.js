// The long connection through the npm package in Node, against lark-mock (scripts/test-wasm.sh
// starts it and passes LARK_MOCK_URL and LARK_CONTROL_URL; Node 20 needs
// --experimental-websocket, which the script sets).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { EventDispatcher, WSClient, isLarkError } from 'lark-sdk';

const MOCK = process.env.LARK_MOCK_URL;
const CONTROL = process.env.LARK_CONTROL_URL;
assert.ok(MOCK && CONTROL, 'run through scripts/test-wasm.sh (LARK_MOCK_URL and LARK_CONTROL_URL)');

const control = async (method, path, body) => {
  const response = await fetch(`${CONTROL}${path}`, {
    method,
    headers: body === undefined ? undefined : { 'content-type': 'text/plain' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return response.json();
};

async function eventually(what, check) {
  for (let i = 0; i < 100; i += 1) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`${what}: not within 10 s`);
}

const messageEvent = (id) => ({
  schema: '2.0',
  header: { event_id: id, event_type: 'im.message.receive_v1', create_time: '1700000000000', token: '', app_id: 'cli_mock_app' },
  event: { message: { message_id: `om_${id}`, chat_id: 'oc_mock_chat', message_type: 'text', content: '{"text":"hi"}' } },
});

test('WSClient receives events and card actions as node-sdk code expects, and acks them', async () => {
  const seen = [];
  const dispatcher = new EventDispatcher()
    // node-sdk's register: `data` is the event's fields with the header's beside them.
    .register({
      'im.message.receive_v1': async (data) => {
        seen.push([data.event_id, data.message.message_id]);
      },
    })
    .on('card.action.trigger', async (event) => ({
      toast: { type: 'success', content: `clicked ${event.payload.action.value.k}` },
    }));
  const before = (await control('GET', '/ws/stats')).accepted;
  const acksBefore = (await control('GET', '/ws/acks')).length;
  const ws = new WSClient({ appId: 'cli_mock_app', appSecret: 'mock-app-secret', baseUrl: MOCK });
  const running = ws.start({ eventDispatcher: dispatcher });
  await eventually('the client connects', async () => {
    const stats = await control('GET', '/ws/stats');
    return stats.accepted > before && stats.open >= 1;
  });

  const whole = await control('POST', '/ws/push', messageEvent('ev_npm_1'));
  const parts = await control('POST', '/ws/push?parts=2', messageEvent('ev_npm_2'));
  const card = messageEvent('ev_npm_card');
  card.header.event_type = 'card.action.trigger';
  card.event = { operator: { open_id: 'ou_1' }, action: { value: { k: 'v' } } };
  const cardId = (await control('POST', '/ws/card', card)).messageId;
  await eventually('three acks', async () => (await control('GET', '/ws/acks')).length >= acksBefore + 3);
  const acks = await control('GET', '/ws/acks');
  for (const id of [whole.messageId, parts.messageId, cardId]) {
    const ack = acks.find((a) => a.messageId === id);
    assert.ok(ack, `no ack of ${id}`);
    assert.equal(ack.code, 200);
  }
  assert.deepEqual(acks.find((a) => a.messageId === cardId).data, { toast: { type: 'success', content: 'clicked v' } });
  assert.deepEqual(seen.sort(), [['ev_npm_1', 'om_ev_npm_1'], ['ev_npm_2', 'om_ev_npm_2']]);

  await ws.close();
  await running;
});

test('a wrong secret ends start() with a LarkError instead of retrying', async () => {
  const ws = new WSClient({ appId: 'cli_mock_app', appSecret: 'wrong', baseUrl: MOCK });
  await assert.rejects(ws.start(new EventDispatcher()), (error) => {
    assert.ok(isLarkError(error));
    assert.equal(error.kind, 'ws');
    assert.equal(error.fatal, true);
    assert.ok(!error.message.includes('wrong'), error.message);
    return true;
  });
});

test('start() needs an EventDispatcher', async () => {
  const ws = new WSClient({ appId: 'cli_mock_app', appSecret: 'mock-app-secret', baseUrl: MOCK });
  await assert.rejects(ws.start({}), (error) => isLarkError(error) && error.kind === 'build');
});
