// Calls written exactly as for the official @larksuiteoapi/node-sdk (only the import and the
// constructor differ), sent through this package to lark-mock (started by
// scripts/test-wasm.sh, which passes LARK_MOCK_URL and LARK_CONTROL_URL).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';

import * as lark from 'lark-sdk';
import { LarkClient as ImClient, LarkError as ImLarkError } from 'lark-sdk/api/im';

const MOCK = process.env.LARK_MOCK_URL;
const CONTROL = process.env.LARK_CONTROL_URL;
assert.ok(MOCK && CONTROL, 'run through scripts/test-wasm.sh (LARK_MOCK_URL and LARK_CONTROL_URL)');

// node-sdk: new lark.Client({ appId, appSecret, appType: lark.AppType.SelfBuild, domain: lark.Domain.Feishu })
const client = new lark.Client({ appId: 'cli_mock_app', appSecret: 'mock-app-secret', appType: lark.AppType.SelfBuild, domain: MOCK });
const CHAT_ID = 'oc_mock_chat';
const spec = (file) => JSON.parse(readFileSync(new URL(`../../../../spec/${file}`, import.meta.url), 'utf8'));
const SPEC = spec('lark-api-union.json');

test('im.v1.message.create resolves to { code, msg, data }', async () => {
  const content = JSON.stringify({ text: 'hello, as node-sdk writes it' });
  const res = await client.im.v1.message.create({
    params: { receive_id_type: 'chat_id' },
    data: { receive_id: CHAT_ID, msg_type: 'text', content },
  });
  assert.equal(res.code, 0);
  assert.equal(typeof res.msg, 'string');
  assert.match(res.data.message_id, /^om_/);
  const received = await (await fetch(`${CONTROL}/messages`)).json();
  assert.ok(received.some((m) => m.message_id === res.data.message_id && m.body?.content === content));
});

test('the default-version alias is the same call: client.im.message.list', async () => {
  assert.equal(typeof client.im.message.create, 'function');
  assert.equal(typeof client.im.chatMembers.create, 'function');
  const res = await client.im.message.list({ params: { container_id_type: 'chat', container_id: CHAT_ID } });
  assert.equal(res.code, 0);
  assert.ok(Array.isArray(res.data.items));
  assert.ok(res.data.items.length > 0);
});

test('contact.v3.user.get with path and params', async () => {
  const res = await client.contact.v3.user.get({ path: { user_id: 'ou_mock_user' }, params: { user_id_type: 'open_id' } });
  assert.equal(res.code, 0);
  assert.equal(res.data.user.name, 'Mock User');
  const same = await client.contact.user.get({ path: { user_id: 'mock_user' }, params: { user_id_type: 'user_id' } });
  assert.equal(same.data.user.open_id, 'ou_mock_user');
});

test('listWithIterator walks every page', async () => {
  for (const text of ['it one', 'it two', 'it three']) {
    await client.im.message.create({
      params: { receive_id_type: 'chat_id' },
      data: { receive_id: CHAT_ID, msg_type: 'text', content: JSON.stringify({ text }) },
    });
  }
  const seen = [];
  let pages = 0;
  // node-sdk: for await (const items of await client.im.message.listWithIterator({...}))
  for await (const page of await client.im.message.listWithIterator({
    params: { container_id_type: 'chat', container_id: CHAT_ID, page_size: 2 },
  })) {
    pages += 1;
    assert.equal(page.has_more, undefined, 'node-sdk strips has_more from the pages');
    seen.push(...page.items.map((m) => m.message_id));
    assert.ok(pages < 100, 'runaway pagination');
  }
  assert.ok(pages >= 2, `${pages} pages`);
  assert.equal(new Set(seen).size, seen.length);
  // Every message in the chat (other tests post into chats of their own).
  assert.equal(seen.length, (await (await fetch(`${CONTROL}/messages`)).json()).filter((m) => m.chat_id === CHAT_ID).length);
  // Without the await, the same iterator.
  let again = 0;
  for await (const page of client.im.v1.message.listWithIterator({ params: { container_id_type: 'chat', container_id: CHAT_ID, page_size: 50 } })) {
    again += page.items.length;
  }
  assert.equal(again, seen.length);
});

test('a file upload: im.v1.image.create and im.v1.file.create with bytes, a Blob and a stream', async () => {
  const image = await client.im.v1.image.create({ data: { image_type: 'message', image: new Uint8Array([0x89, 0x50, 0x4e, 0x47]) } });
  assert.equal(image.code, 0);
  const file = await client.im.v1.file.create({
    data: { file_type: 'stream', file_name: 'notes.txt', file: new Blob(['some notes'], { type: 'text/plain' }) },
  });
  assert.equal(file.code, 0);
  // node-sdk's usual form: fs.createReadStream(path).
  const { createReadStream } = await import('node:fs');
  const streamed = await client.im.v1.file.create({
    data: { file_type: 'stream', file_name: 'package.json', file: createReadStream(new URL('../package.json', import.meta.url)) },
  });
  assert.equal(streamed.code, 0);
});

test('a download resolves to the bytes with name and content type', async () => {
  const res = await client.im.v1.messageResource.get({ path: { message_id: 'om_any', file_key: 'file_v2_x' }, params: { type: 'file' } });
  assert.ok(res.data instanceof Uint8Array);
  assert.equal(new TextDecoder().decode(res.data), 'lark-mock file bytes');
  assert.equal(res.fileName, 'mock.bin');
  assert.equal(res.contentType, 'application/octet-stream');
  assert.equal(await res.blob().text(), 'lark-mock file bytes');
  const chunks = [];
  for await (const chunk of res.getReadableStream()) chunks.push(...chunk);
  assert.equal(chunks.length, 'lark-mock file bytes'.length);
});

test('an API error throws a LarkError with code, msg, logId and HTTP status', async () => {
  try {
    await client.im.v1.message.get({ path: { message_id: 'om_missing' } });
    assert.fail('no error');
  } catch (error) {
    assert.ok(error instanceof lark.LarkError, String(error?.stack ?? error));
    assert.ok(error instanceof ImLarkError);
    assert.equal(error.kind, 'api');
    assert.equal(error.code, 230001);
    assert.equal(error.status, 400);
    assert.ok(error.msg);
    assert.ok(error.logId);
  }
});

test('a marketplace tenant and a user token go in the second argument, as with lark.withTenantKey', async () => {
  assert.deepEqual(lark.withAll([lark.withTenantKey('t1'), lark.withUserAccessToken('u-1')]), { tenantKey: 't1', userAccessToken: 'u-1' });
  const res = await client.im.v1.message.list({ params: { container_id_type: 'chat', container_id: CHAT_ID } }, lark.withAll([]));
  assert.equal(res.code, 0);
});

test('client.request({ method, url, params, data }) as node-sdk', async () => {
  const res = await client.request({
    method: 'POST',
    url: '/open-apis/im/v1/messages',
    params: { receive_id_type: 'chat_id' },
    data: { receive_id: CHAT_ID, msg_type: 'text', content: JSON.stringify({ text: 'raw, node-sdk style' }) },
  });
  assert.equal(res.code, 0);
  assert.match(res.data.message_id, /^om_/);
});

test('lark-sdk/api/im: a client with the im service only', async () => {
  const small = new ImClient({ appId: 'cli_mock_app', appSecret: 'mock-app-secret', baseUrl: MOCK });
  assert.equal(small.contact, undefined);
  const res = await small.im.message.create({
    params: { receive_id_type: 'chat_id' },
    data: { receive_id: CHAT_ID, msg_type: 'text', content: JSON.stringify({ text: 'from the im entry' }) },
  });
  assert.match(res.data.message_id, /^om_/);
});

// Every endpoint of the Rust catalog (lark_core::api::CATALOG, generated from the same model)
// is a method of the client, by its official name (services spelled as node-sdk does:
// `client.human_authentication`), and paginated ones have their iterator.
test('the package exposes every endpoint of the Rust catalog', () => {
  // One file per service, and mod.rs with `CATALOG`.
  const dir = new URL('../../../../crates/lark-core/src/api/catalog/', import.meta.url);
  const index = readFileSync(new URL('mod.rs', dir), 'utf8');
  const rust = readdirSync(dir)
    .filter((file) => file.endsWith('.rs') && file !== 'mod.rs')
    .map((file) => readFileSync(new URL(file, dir), 'utf8'))
    .join('\n');
  const names = [...rust.matchAll(/^ +service: "([^"]+)",\n +name: "([^"]+)",/gm)].map(([, service, name]) => `${service}.${name}`);
  const paginated = new Set(
    [...rust.matchAll(/^ +service: "([^"]+)",\n +name: "([^"]+)",[\s\S]*?^ +pages: (Some|None)/gm)]
      .filter((m) => m[3] === 'Some')
      .map(([, service, name]) => `${service}.${name}`),
  );
  const declared = Number(/CATALOG: &\[&EndpointMeta\] = &\[/.test(index) && /\((\d+) of them\)/.exec(index)[1]);
  assert.equal(names.length, declared);
  // As many as the spec has rows.
  assert.equal(names.length, SPEC.endpoints.length);
  let rows = 0;
  const walk = (node) => Object.values(node).forEach((v) => (Array.isArray(v) ? (rows += 1) : walk(v)));
  walk(lark.CATALOG);
  assert.equal(rows, names.length);
  assert.equal(lark.ENDPOINTS, names.length);
  for (const name of names) {
    const [service, ...rest] = name.split('.');
    let node = client[service];
    for (const part of rest) node = node?.[part];
    assert.equal(typeof node, 'function', name);
    if (paginated.has(name)) {
      const iterator = rest.slice(0, -1).reduce((n, p) => n[p], client[service])[`${rest.at(-1)}WithIterator`];
      assert.equal(typeof iterator, 'function', `${name}WithIterator`);
    }
  }
  assert.equal(paginated.size, rust.match(/^ +pages: Some\(/gm).length);
  assert.ok(paginated.has('vc.v1.note.unifiedNoteTranscript'), 'the cursor-paginated endpoint');
  assert.equal(typeof client.human_authentication.v1.identity.create, 'function');
});

test('every method of node-sdk 1.74 is here, under its accessor and its default-version alias', () => {
  const rows = spec('lark-official-names-union.json').endpoints;
  const at = (accessor) => accessor.split('.').reduce((node, part) => node?.[part], client);
  let methods = 0;
  for (const row of rows) {
    // createByCard and the like are node-sdk helpers over another method, not endpoints.
    if (row.sdk_helper_of) continue;
    assert.equal(typeof at(row.node_accessor), 'function', row.node_accessor);
    if (row.node_accessor_default) assert.equal(typeof at(row.node_accessor_default), 'function', row.node_accessor_default);
    if (row.pagination) assert.equal(typeof at(`${row.node_accessor}WithIterator`), 'function', `${row.node_accessor}WithIterator`);
    methods += 1;
  }
  assert.equal(methods, rows.filter((row) => !row.sdk_helper_of).length);
  assert.ok(methods > 0);
});

test('a cursor-paginated method walks its cursor: vc.v1.note.unifiedNoteTranscriptWithIterator', async () => {
  // It takes `cursor_id` and answers `next_cursor_id`; lark-mock answers every paginated
  // endpoint with two pages and refuses a cursor it did not issue, and a cursor sent under
  // another name would bring the first page back (a cycle, which ends the walk with an error).
  const pages = [];
  for await (const page of await client.vc.v1.note.unifiedNoteTranscriptWithIterator({ path: { note_id: 'note_1' }, params: { page_size: 50 } })) {
    pages.push(page);
  }
  assert.equal(pages.length, 2);
  for (const page of pages) {
    assert.equal(page.has_more, undefined);
    assert.equal(page.next_cursor_id, undefined);
  }
  // Pages of the plain call carry the cursor.
  const first = await client.vc.v1.note.unifiedNoteTranscript({ path: { note_id: 'note_1' } });
  assert.equal(first.data.has_more, true);
  assert.equal(typeof first.data.next_cursor_id, 'string');
  const last = await client.vc.v1.note.unifiedNoteTranscript({ path: { note_id: 'note_1' }, params: { cursor_id: first.data.next_cursor_id } });
  assert.equal(last.data.has_more, false);
});
