// node-sdk's WSClient + EventDispatcher on lark-mock's long connection: a whole event, one cut
// into three frames, and a card action whose toast comes back in the ack.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import * as lark from '@larksuiteoapi/node-sdk';
import { MOCK, cardAction, get, messageEvent, pushEvent, waitForConnections, within } from './mock.mjs';

let mock;
let wsClient;
const messages = []; // [text, event_id] per im.message.receive_v1 the handler saw
const clicks = []; // action.value per card.action.trigger

before(async () => {
  mock = await get();
  await waitForConnections(0); // nobody else's client would ack our events
  const eventDispatcher = new lark.EventDispatcher({ loggerLevel: lark.LoggerLevel.warn }).register({
    'im.message.receive_v1': async (data) => {
      messages.push([JSON.parse(data.message.content).text, data.event_id]);
    },
    'card.action.trigger': async (data) => {
      clicks.push(data.action.value);
      return { toast: { type: 'success', content: `clicked ${data.action.value.k}` } };
    },
  });
  let ready;
  const connected = new Promise((resolve) => (ready = resolve));
  wsClient = new lark.WSClient({
    appId: mock.app_id,
    appSecret: mock.app_secret,
    domain: MOCK,
    loggerLevel: lark.LoggerLevel.warn,
    onReady: () => ready(),
  });
  wsClient.start({ eventDispatcher });
  await within(10_000, 'the WSClient to connect', connected);
  await waitForConnections(1);
});

after(async () => {
  wsClient?.close();
  await waitForConnections(0);
});

const ids = () => ({ chatId: mock.chat_id, openId: mock.user_open_id });

test('a whole event reaches the handler once and is acked 200', async () => {
  const answer = await pushEvent(messageEvent('whole', ids()));
  assert.equal(answer.via, 'ws');
  assert.equal(answer.timed_out, false);
  assert.equal(answer.answers.length, 1);
  assert.equal(answer.answers[0].code, 200);
  assert.deepEqual(messages, [['whole', answer.event_id]]);
});

test('an event cut into three frames is put back together and handled once', async () => {
  const answer = await pushEvent(messageEvent('in three parts', ids()), { fragments: 3 });
  assert.equal(answer.timed_out, false);
  assert.equal(answer.answers[0].code, 200);
  assert.deepEqual(messages.at(-1), ['in three parts', answer.event_id]);
  assert.equal(messages.length, 2);
});

test('a card action: the handler gets it once and its toast comes back in the ack', async () => {
  const answer = await pushEvent(cardAction({ k: 'v' }, ids()));
  assert.equal(answer.timed_out, false);
  assert.equal(answer.answers[0].code, 200);
  assert.deepEqual(answer.answers[0].reply, { toast: { type: 'success', content: 'clicked v' } });
  assert.deepEqual(clicks, [{ k: 'v' }]);
  assert.equal(messages.length, 2);

  // The acks the mock recorded, one per frame pushed.
  const acks = (await get('/acks')).items.slice(-3);
  assert.deepEqual(acks.map((a) => [a.type, a.code]), [['event', 200], ['event', 200], ['event', 200]]);
});
