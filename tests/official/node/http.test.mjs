// node-sdk's EventDispatcher and CardActionHandler behind node:http (adaptDefault), with a
// verification token and an encrypt key: lark-mock checks each request URL with the platform's
// challenge, then posts events to it signed and encrypted, as the platform does.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import * as lark from '@larksuiteoapi/node-sdk';
import { cardAction, del, get, messageEvent, post, pushEvent } from './mock.mjs';

const encryptKey = 'test-encrypt-key';
const verificationToken = 'test-verification-token';

let mock;
let server;
let base;
const messages = []; // the texts EventDispatcher handled
const clicks = []; // the action values CardActionHandler handled

before(async () => {
  mock = await get();
  await del('/callbacks');
  const eventDispatcher = new lark.EventDispatcher({
    encryptKey,
    verificationToken,
    loggerLevel: lark.LoggerLevel.warn,
  }).register({
    'im.message.receive_v1': async (data) => {
      messages.push(JSON.parse(data.message.content).text);
    },
  });
  const cardDispatcher = new lark.CardActionHandler(
    { encryptKey, verificationToken, loggerLevel: lark.LoggerLevel.warn },
    async (data) => {
      clicks.push(data.action.value);
      return { toast: { type: 'info', content: `got ${data.action.value.k}` } };
    },
  );
  server = http.createServer();
  server.on('request', lark.adaptDefault('/webhook/event', eventDispatcher, { autoChallenge: true }));
  server.on('request', lark.adaptDefault('/webhook/card', cardDispatcher, { autoChallenge: true }));
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${server.address().port}`;
});

after(async () => {
  await del('/callbacks');
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const ids = () => ({ chatId: mock.chat_id, openId: mock.user_open_id });

test('both request URLs pass the platform challenge', async () => {
  // As on the platform's console: one URL for events, one for callbacks (card actions).
  for (const [path, receives] of [['/webhook/event', 'events'], ['/webhook/card', 'callbacks']]) {
    const [status, answer] = await post('/callbacks', {
      url: `${base}${path}`,
      receives,
      verification_token: verificationToken,
      encrypt_key: encryptKey,
    });
    assert.equal(status, 200, JSON.stringify(answer));
    assert.equal(answer.verified, true);
  }
  const { callbacks } = await get('/callbacks');
  assert.deepEqual(callbacks.map((c) => [c.url, c.receives, c.encrypt_key]), [
    [`${base}/webhook/event`, 'events', true],
    [`${base}/webhook/card`, 'callbacks', true],
  ]);
});

test('a message event reaches EventDispatcher, signed and encrypted', async () => {
  const answer = await pushEvent(messageEvent('by callback', ids()), { via: 'http' });
  assert.equal(answer.timed_out, false, JSON.stringify(answer));
  assert.deepEqual(answer.answers.map((a) => [a.url, a.status]), [[`${base}/webhook/event`, 200]]);
  assert.deepEqual(messages, ['by callback']);
  assert.deepEqual(clicks, []);
});

test('a card action reaches CardActionHandler and its reply comes back', async () => {
  const answer = await pushEvent(cardAction({ k: 'h' }, ids()), { via: 'http' });
  assert.equal(answer.timed_out, false, JSON.stringify(answer));
  assert.equal(answer.answers.length, 1, JSON.stringify(answer));
  assert.equal(answer.answers[0].url, `${base}/webhook/card`);
  assert.equal(answer.answers[0].status, 200);
  assert.deepEqual(answer.answers[0].reply, { toast: { type: 'info', content: 'got h' } });
  assert.deepEqual(clicks, [{ k: 'h' }]);
  assert.deepEqual(messages, ['by callback']);
});
