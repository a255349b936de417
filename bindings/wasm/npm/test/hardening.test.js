// The npm package against a fetch stubbed in this process: what two isolates send, how pages
// are followed, where the www endpoints go. Each test puts `fetch` (and `Date.now`) back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';

import { LarkClient, isLarkError, withAll, withHelpDeskCredential, withTenantToken } from 'lark-sdk';
import { larkClientClass } from '../src/client.js';
import { loader } from '../src/loader.js';
import im from '../src/generated/catalog/im.js';

const WASM = new URL('../wasm/client/lark_wasm_bg.wasm', import.meta.url);
// The stubbed global `fetch` as the clients' sender (the Node entry sends through node:http).
const APP = { appId: 'cli_x', appSecret: 's', baseUrl: 'http://127.0.0.1:9', fetch: (url, init) => globalThis.fetch(url, init) };

// A request body as the core hands it over (bytes).
const bodyText = (body) => new TextDecoder().decode(body);

function json(value) {
  return new Response(JSON.stringify(value), { headers: { 'content-type': 'application/json' } });
}

/** Runs `body` with `fetch` answered by `answer(url, init)` (token requests answered here). */
async function withFetch(answer, body) {
  const real = globalThis.fetch;
  const seen = [];
  globalThis.fetch = async (url, init) => {
    seen.push({ url: String(url), init });
    if (String(url).includes('/open-apis/auth/')) return json({ code: 0, tenant_access_token: 't-1', expire: 7200 });
    return answer(String(url), init);
  };
  try {
    await body(seen);
  } finally {
    globalThis.fetch = real;
  }
}

/** A LarkClient class over a wasm instance of its own, as a second Worker isolate has. */
async function isolate(tag) {
  const glue = await import(`../wasm/client/lark_wasm.js?isolate=${tag}`);
  const wasm = loader(glue, `isolate ${tag}`);
  wasm.initSync(readFileSync(WASM));
  return larkClientClass(glue, wasm, undefined, { im });
}

test('two isolates on one frozen clock never send the same idempotency key', async () => {
  const keys = [];
  const realNow = Date.now;
  // Workers freeze Date.now() during a request.
  Date.now = () => 1_700_000_000_000;
  try {
    await withFetch(
      (url, init) => {
        keys.push(JSON.parse(bodyText(init.body)).uuid);
        return json({ code: 0, data: { message_id: 'om_1' } });
      },
      async () => {
        for (const tag of ['a', 'b']) {
          const Client = await isolate(tag);
          const client = new Client(APP);
          for (let i = 0; i < 10_000; i += 1) {
            await client.im.v1.message.create({
              params: { receive_id_type: 'chat_id' },
              data: { receive_id: 'oc_1', msg_type: 'text', content: '{"text":"k"}' },
            });
          }
        }
      },
    );
  } finally {
    Date.now = realNow;
  }
  assert.equal(keys.length, 20_000);
  assert.ok(keys.every((k) => typeof k === 'string' && k.length === 36), 'every call carries a uuid');
  assert.equal(new Set(keys).size, 20_000, 'a key repeated');
});

test('pages follow the page token of answers without has_more (calendar search)', async () => {
  await withFetch(
    (url) => {
      const token = new URL(url).searchParams.get('page_token');
      if (token === null) return json({ code: 0, data: { items: [1], page_token: 'p2' } });
      if (token === 'p2') return json({ code: 0, data: { items: [2], page_token: 'p3' } });
      return json({ code: 0, data: { items: [3] } });
    },
    async () => {
      const client = new LarkClient(APP);
      const items = [];
      for await (const page of client.pages(client.calendar.v4.calendar.search, { data: { query: 'x' } })) {
        items.push(...page.items);
      }
      assert.deepEqual(items, [1, 2, 3]);
    },
  );
});

test('pages end with a pagination error on a token cycle and at maxPages', async () => {
  await withFetch(
    (url) => {
      const token = new URL(url).searchParams.get('page_token');
      return json({ code: 0, data: { has_more: true, page_token: token === 'A' ? 'B' : 'A', items: [] } });
    },
    async () => {
      const client = new LarkClient(APP);
      let pages = 0;
      try {
        for await (const _ of client.im.message.listWithIterator({ params: { container_id_type: 'chat', container_id: 'oc_1' } })) {
          pages += 1;
          assert.ok(pages < 50, 'runaway pagination');
        }
        assert.fail('no error');
      } catch (error) {
        assert.ok(isLarkError(error), String(error));
        assert.equal(error.kind, 'pagination');
        assert.match(error.message, /cycle/);
      }
      assert.equal(pages, 3);
    },
  );
  let n = 0;
  await withFetch(
    () => json({ code: 0, data: { has_more: true, page_token: `p${(n += 1)}`, items: [] } }),
    async () => {
      const client = new LarkClient(APP);
      let pages = 0;
      try {
        for await (const _ of client.pages(client.im.v1.message.list, { params: { container_id_type: 'chat', container_id: 'oc_1' } }, { maxPages: 4 })) {
          pages += 1;
        }
        assert.fail('no error');
      } catch (error) {
        assert.equal(error.kind, 'pagination');
      }
      assert.equal(pages, 4);
    },
  );
});

test('pages carry the page token in the body where the endpoint takes it there (corehr assigned user search)', async () => {
  await withFetch(
    (url, init) => {
      const body = JSON.parse(bodyText(init.body));
      assert.equal(new URL(url).searchParams.get('page_token'), null);
      assert.deepEqual(body.role_id, 'r1', 'the caller\'s fields stay');
      if (body.page_token === 'start') return json({ code: 0, data: { items: [1], has_more: true, page_token: 'b2' } });
      if (body.page_token === 'b2') return json({ code: 0, data: { items: [2], has_more: true, next_page_token: 'b3' } });
      return json({ code: 0, data: { items: [3], has_more: false, page_token: 'b4' } });
    },
    async (seen) => {
      const client = new LarkClient(APP);
      const items = [];
      for await (const page of client.corehr.v1.assignedUser.searchWithIterator({ data: { role_id: 'r1', page_token: 'start' } })) {
        assert.equal(page.has_more, undefined, 'WithIterator strips has_more');
        items.push(...page.items);
      }
      assert.deepEqual(items, [1, 2, 3]);
      const tokens = seen.filter((s) => !s.url.includes('/auth/')).map((s) => JSON.parse(bodyText(s.init.body)).page_token);
      assert.deepEqual(tokens, ['start', 'b2', 'b3'], 'the caller\'s token starts the walk, then the server\'s');
    },
  );
});

test('the client options are checked by the wasm core', () => {
  const build = (options, pattern) =>
    assert.throws(
      () => new LarkClient(options),
      (error) => isLarkError(error) && error.kind === 'build' && pattern.test(error.message),
    );
  build(undefined, /options object/);
  build({ appSecret: 's' }, /`appId` is required/);
  build({ ...APP, timeoutMs: '5' }, /`timeoutMs` must be a number/);
  build({ ...APP, appType: 'isv' }, /`appType` must be 'self_built' or 'marketplace'/);
  build({ ...APP, baseUrl: 'ftp://x' }, /`baseUrl` must be an http\(s\) URL/);
  build({ ...APP, wwwBaseUrl: 'www.feishu.cn' }, /`wwwBaseUrl` must be an http\(s\) URL/);
  build({ ...APP, tokenStore: 'redis' }, /`tokenStore` must be an object/);
  build({ ...APP, tokenStore: {} }, /`tokenStore` needs async `get\(key\)`/);
  build({ ...APP, helpdesk: { id: 'h' } }, /`token` is required/);
  // node-sdk's options this SDK has no use for are left alone; `loggerLevel` takes a level's name too.
  new LarkClient({ ...APP, loggerLevel: 'info', disableTokenCache: false }).free();
  build({ ...APP, loggerLevel: 'verbose' }, /`loggerLevel` must be a LoggerLevel/);
});

test('open.feishu.cn given as a base URL keeps www.feishu.cn for the www endpoints', async () => {
  await withFetch(
    () => json({ code: 0, data: {} }),
    async (seen) => {
      const body = { data: { instance_code: 'i', approval_code: 'a', user_id: 'u', task_id: 't' } };
      await new LarkClient({ ...APP, baseUrl: undefined, domain: 'https://open.feishu.cn/' }).approval.v2.instance.approve(body);
      await new LarkClient({ ...APP, baseUrl: 'https://open.larksuite.com' }).approval.v2.instance.approve(body);
      assert.deepEqual(
        seen.filter((s) => !s.url.includes('/auth/')).map((s) => s.url),
        ['https://www.feishu.cn/approval/openapi/v2/instance/approve', 'https://www.larksuite.com/approval/openapi/v2/instance/approve'],
      );
    },
  );
});

test('www endpoints go to the www host, or to wwwBaseUrl beside a custom baseUrl', async () => {
  await withFetch(
    () => json({ code: 0, data: {} }),
    async (seen) => {
      const body = { data: { instance_code: 'i', approval_code: 'a', user_id: 'u', task_id: 't' } };
      await new LarkClient({ appId: 'cli_x', appSecret: 's', fetch: APP.fetch }).approval.v2.instance.approve(body);
      await new LarkClient({ ...APP, wwwBaseUrl: 'http://127.0.0.1:10/' }).approval.v2.instance.approve(body);
      await new LarkClient(APP).approval.instance.approve(body);
      const calls = seen.filter((s) => !s.url.includes('/auth/')).map((s) => s.url);
      assert.deepEqual(calls, [
        'https://www.feishu.cn/approval/openapi/v2/instance/approve',
        'http://127.0.0.1:10/approval/openapi/v2/instance/approve',
        'http://127.0.0.1:9/approval/openapi/v2/instance/approve',
      ]);
      // Token requests stay on the Open API host.
      assert.equal(seen[0].url, 'https://open.feishu.cn/open-apis/auth/v3/tenant_access_token/internal');
    },
  );
});

test('a GET with a body is a build error and nothing is sent', async () => {
  await withFetch(
    () => json({ code: 0, data: {} }),
    async (seen) => {
      const client = new LarkClient(APP);
      try {
        await client.request({ method: 'GET', path: '/open-apis/test/get', body: { a: 1 } });
        assert.fail('sent');
      } catch (error) {
        assert.ok(isLarkError(error), String(error));
        assert.equal(error.kind, 'build');
        assert.match(error.message, /GET/);
      }
      assert.equal(seen.filter((s) => !s.url.includes('/auth/')).length, 0);
    },
  );
});

test('per-call headers are sent as given, never over the SDK\'s own, and bad ones send nothing', async () => {
  await withFetch(
    () =>
      new Response(JSON.stringify({ code: 0, data: { message_id: 'om_1' } }), {
        headers: { 'content-type': 'application/json', 'x-tt-logid': 'log-1', 'x-custom-answer': 'kept' },
      }),
    async (seen) => {
      const client = new LarkClient(APP);
      const payload = { params: { receive_id_type: 'chat_id' }, data: { receive_id: 'oc_1', msg_type: 'text', content: '{}' } };
      const answer = await client.im.v1.message.create(
        { ...payload, headers: { 'X-Request-Tag': 'from-payload' } },
        { headers: { 'X-Tt-Env': 'boe_x', Authorization: 'Bearer forged', 'content-type': 'text/plain' } },
      );
      assert.equal(answer.data.message_id, 'om_1');
      const sent = seen.filter((s) => !s.url.includes('/auth/'));
      assert.equal(sent.length, 1);
      const headers = sent[0].init.headers.map(([name, value]) => [name.toLowerCase(), value]);
      const all = (name) => headers.filter(([n]) => n === name).map(([, v]) => v);
      assert.deepEqual(all('x-request-tag'), ['from-payload']);
      assert.deepEqual(all('x-tt-env'), ['boe_x']);
      // The SDK's Authorization and Content-Type win, as with RequestOptions::header in Rust.
      assert.deepEqual(all('authorization'), ['Bearer t-1']);
      assert.deepEqual(all('content-type'), ['application/json; charset=utf-8']);

      for (const [headers, message] of [
        [{ 'bad name': 'x' }, /invalid header name `bad name`/],
        [{ 'x-ok': 'line\nbreak' }, /invalid value of header `x-ok`/],
        [{ 'x-ok': 7 }, /header values must be strings/],
      ]) {
        await assert.rejects(client.im.v1.message.create(payload, { headers }), (error) => {
          assert.ok(isLarkError(error), String(error));
          assert.equal(error.kind, 'build');
          assert.match(error.message, message);
          return true;
        });
      }
      assert.equal(seen.filter((s) => !s.url.includes('/auth/')).length, 1, 'nothing more was sent');
    },
  );
});

test('the client-only build says it has no file transfers', async () => {
  const { LarkClient: ClientOnly } = await import('lark-sdk/client');
  const client = new ClientOnly(APP);
  for (const call of [
    () => client.drive.upload({ file: new Uint8Array(1), fileName: 'a', parentNode: 'f' }),
    () => client.drive.download('box'),
    () => client.downloadStream(client.drive.v1.file.download, { path: { file_token: 'box' } }),
  ]) {
    await assert.rejects(call, /has no file transfers/);
  }
});

test('withTenantToken sends a token got elsewhere as it is; withHelpDeskCredential brings helpdesk credentials', async () => {
  await withFetch(
    () => json({ code: 0, data: {} }),
    async (seen) => {
      const client = new LarkClient(APP);
      await client.helpdesk.v1.category.list({}, withAll([withTenantToken('t-given'), withHelpDeskCredential('hd-1', 'hd-secret')]));
      // No token request: the given token went out, with the call's helpdesk credentials.
      assert.equal(seen.length, 1);
      const headers = Object.fromEntries(seen[0].init.headers.map(([name, value]) => [name.toLowerCase(), value]));
      assert.equal(headers.authorization, 'Bearer t-given');
      assert.equal(headers['x-lark-helpdesk-authorization'], Buffer.from('hd-1:hd-secret').toString('base64'));
      // Without credentials anywhere, a helpdesk endpoint is refused before sending.
      await assert.rejects(client.helpdesk.v1.category.list({}, withTenantToken('t-given')), (error) => {
        assert.ok(isLarkError(error), String(error));
        assert.equal(error.kind, 'build');
        assert.match(error.message, /helpdesk credentials/);
        return true;
      });
      await assert.rejects(client.helpdesk.v1.category.list({}, { helpDesk: { id: 'only-id' } }), /helpDesk needs an id and a token/);
      assert.equal(seen.length, 1);
    },
  );
});
