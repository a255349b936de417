// node-sdk's Client against lark-mock: send a message to a chat, then list the chat's messages.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as lark from '@larksuiteoapi/node-sdk';
import { MOCK, get } from './mock.mjs';

test('client.im.v1.message.create, then message.list finds it', async () => {
  const mock = await get();
  const client = new lark.Client({
    appId: mock.app_id,
    appSecret: mock.app_secret,
    domain: MOCK,
    loggerLevel: lark.LoggerLevel.warn,
  });
  const text = `hello from node-sdk ${Date.now()}`;

  const sent = await client.im.v1.message.create({
    params: { receive_id_type: 'chat_id' },
    data: { receive_id: mock.chat_id, msg_type: 'text', content: JSON.stringify({ text }) },
  });
  assert.equal(sent.code, 0, sent.msg);
  const messageId = sent.data.message_id;
  assert.match(messageId, /^om_/);
  assert.equal(sent.data.chat_id, mock.chat_id);

  const listed = await client.im.v1.message.list({
    params: { container_id_type: 'chat', container_id: mock.chat_id },
  });
  assert.equal(listed.code, 0, listed.msg);
  const found = listed.data.items.find((m) => m.message_id === messageId);
  assert.ok(found, 'message.list returns the message just sent');
  assert.equal(JSON.parse(found.body.content).text, text);

  const got = await client.im.v1.message.get({ path: { message_id: messageId } });
  assert.equal(got.code, 0, got.msg);
  assert.equal(got.data.items[0].message_id, messageId);

  // The mock saw it too.
  const { items } = await get('/messages');
  assert.ok(items.some((m) => m.message_id === messageId && m.chat_id === mock.chat_id));
});
