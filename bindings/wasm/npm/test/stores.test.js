// The shared stores in Node: the wasm core calling a JavaScript store's refresh lease, app_ticket
// and event de-duplication methods (against lark-mock), and the KV / Durable Object stores of
// stores.js over in-memory stand-ins for the Workers bindings. The Worker test
// (examples/cloudflare-worker/test/stores.test.js) runs the same stores on real workerd KV and
// Durable Objects.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  DurableObjectDedupStore,
  DurableObjectRefreshLock,
  EventDispatcher,
  KvAppTicketStore,
  KvEventDedupStore,
  KvTokenStore,
  LarkClient,
  LarkCoordinator,
  isLarkError,
} from 'lark-sdk';
import * as storesOnly from 'lark-sdk/stores';

const MOCK = process.env.LARK_MOCK_URL;
const CONTROL = process.env.LARK_CONTROL_URL;
assert.ok(MOCK && CONTROL, 'run through scripts/test-wasm.sh (LARK_MOCK_URL and LARK_CONTROL_URL)');

const APP = { appId: 'cli_mock_app', appSecret: 'mock-app-secret', baseUrl: MOCK };
const TOKEN = 'stores-verification-token';

async function stats() {
  return (await fetch(`${CONTROL}/stats`)).json();
}

/** Workers KV in memory: get (text or json), put (checks KV's 60 s minimum TTL), delete. */
function memoryKv() {
  const entries = new Map();
  const puts = [];
  return {
    entries,
    puts,
    async get(key, type) {
      await null;
      const value = entries.get(key);
      if (value === undefined) return null;
      return type === 'json' ? JSON.parse(value) : value;
    },
    async put(key, value, options = {}) {
      await null;
      if (typeof value !== 'string') throw new TypeError('KV put takes a string here');
      if (options.expirationTtl !== undefined && !(options.expirationTtl >= 60)) throw new Error(`expirationTtl ${options.expirationTtl} < 60`);
      puts.push({ key, options });
      entries.set(key, value);
    },
    async delete(key) {
      await null;
      entries.delete(key);
    },
  };
}

/** Durable Object storage in memory, with the calls LarkCoordinator makes. */
function memoryStorage() {
  const data = new Map();
  let alarm = null;
  return {
    data,
    get alarmAt() {
      return alarm;
    },
    async get(key) {
      return structuredClone(data.get(key));
    },
    async put(key, value) {
      data.set(key, structuredClone(value));
    },
    async delete(keys) {
      for (const key of Array.isArray(keys) ? keys : [keys]) data.delete(key);
    },
    async list({ startAfter, limit = Infinity } = {}) {
      const names = [...data.keys()].sort().filter((k) => startAfter === undefined || k > startAfter).slice(0, limit);
      return new Map(names.map((k) => [k, structuredClone(data.get(k))]));
    },
    async getAlarm() {
      return alarm;
    },
    async setAlarm(at) {
      if (!Number.isFinite(at)) throw new TypeError('setAlarm needs a time');
      alarm = at;
    },
  };
}

/**
 * A Durable Object namespace in memory: one LarkCoordinator per name, its requests taken one at
 * a time (as the runtime's input gate does).
 */
function memoryNamespace() {
  const objects = new Map();
  let requests = 0;
  const namespace = {
    objects,
    get requests() {
      return requests;
    },
    idFromName(name) {
      return `id:${name}`;
    },
    get(id) {
      if (!objects.has(id)) {
        const storage = memoryStorage();
        objects.set(id, { storage, object: new LarkCoordinator({ storage }), queue: Promise.resolve() });
      }
      const entry = objects.get(id);
      return {
        fetch(url, init) {
          requests += 1;
          const run = entry.queue.then(() => entry.object.fetch(new Request(url, init)));
          entry.queue = run.catch(() => {});
          return run;
        },
      };
    },
  };
  return namespace;
}

test('the stores entry point carries the stores alone', () => {
  assert.equal(storesOnly.KvTokenStore, KvTokenStore);
  assert.equal(storesOnly.LarkCoordinator, LarkCoordinator);
  assert.equal(typeof storesOnly.LarkClient, 'undefined');
});

test('two clients sharing a KV token store with a Durable Object lock fetch ONE token', async () => {
  const kv = memoryKv();
  const namespace = memoryNamespace();
  const store = () => new KvTokenStore(kv, { prefix: 'test1:', refreshLock: new DurableObjectRefreshLock(namespace, { name: 'cli_mock_app' }) });
  const clients = [new LarkClient({ ...APP, tokenStore: store() }), new LarkClient({ ...APP, tokenStore: store() })];
  const before = (await stats()).tenantTokenRequests;
  const tokens = await Promise.all(Array.from({ length: 10 }, (_, i) => clients[i % 2].tenantAccessToken()));
  assert.equal((await stats()).tenantTokenRequests, before + 1);
  assert.equal(new Set(tokens).size, 1);
  assert.match(tokens[0], /^t-/);
  // In KV under the prefix, with an expirationTtl KV accepts; the lock is released.
  const kept = JSON.parse(kv.entries.get('test1:token:tenant_access_token:cli_mock_app'));
  assert.equal(kept.value, tokens[0]);
  const put = kv.puts.find((p) => p.key === 'test1:token:tenant_access_token:cli_mock_app');
  assert.ok(put.options.expirationTtl >= 60);
  const { storage } = namespace.objects.get('id:cli_mock_app');
  assert.equal(storage.data.has('lock:tenant_access_token:cli_mock_app'), false);
  assert.equal(storage.data.get('token:tenant_access_token:cli_mock_app').token.value, tokens[0]);
  // A third instance whose KV does not show the token yet (another location) finds it in the object.
  const lagging = new LarkClient({ ...APP, tokenStore: new KvTokenStore(memoryKv(), { prefix: 'test1:', refreshLock: new DurableObjectRefreshLock(namespace, { name: 'cli_mock_app' }) }) });
  assert.equal(await lagging.tenantAccessToken(), tokens[0]);
  assert.equal((await stats()).tenantTokenRequests, before + 1);
  clients.forEach((c) => c.free());
  lagging.free();
});

test('the client hands the store its lease, and takes its answer', async () => {
  const leases = [];
  const released = [];
  let claims = 0;
  const tokens = new Map();
  const store = {
    get: (key) => tokens.get(key),
    set: (key, token) => void tokens.set(key, token),
    delete: (key) => void tokens.delete(key),
    tryAcquireRefresh(lease) {
      leases.push(lease);
      claims += 1;
      // Another instance holds the claim twice, then it lapses.
      return claims > 2;
    },
    releaseRefresh: (lease) => void released.push(lease),
  };
  const client = new LarkClient({ ...APP, tokenStore: store, tokenRefreshLock: { ttlMs: 4000, pollIntervalMs: 5 } });
  assert.match(await client.tenantAccessToken(), /^t-/);
  assert.equal(leases.length, 3);
  const [lease] = leases;
  assert.deepEqual(Object.keys(lease).sort(), ['fencing', 'key', 'ttlMs']);
  assert.equal(lease.key, 'tenant_access_token:cli_mock_app');
  assert.match(lease.fencing, /^[0-9a-f]{32}$/);
  assert.equal(lease.ttlMs, 4000);
  assert.ok(leases.every((l) => l.fencing === lease.fencing));
  assert.deepEqual(released, [lease]);
  client.free();
});

test('a lock that never frees, or throws, or answers garbage, costs a fetch of our own', async () => {
  const tokens = new Map();
  const base = { get: (key) => tokens.get(key), set: (key, token) => void tokens.set(key, token) };
  const held = new LarkClient({
    ...APP,
    tokenStore: { ...base, tryAcquireRefresh: () => false, releaseRefresh: () => {} },
    tokenRefreshLock: { maxWaitMs: 100, pollIntervalMs: 10 },
  });
  const started = Date.now();
  assert.match(await held.tenantAccessToken(), /^t-/);
  assert.ok(Date.now() - started >= 100, 'waited for the holder first');
  for (const acquire of [() => { throw new Error('down'); }, () => Promise.reject(new Error('down')), () => 'yes']) {
    tokens.clear();
    const client = new LarkClient({ ...APP, tokenStore: { ...base, tryAcquireRefresh: acquire, releaseRefresh: () => {} } });
    assert.match(await client.tenantAccessToken(), /^t-/);
    client.free();
  }
  held.free();
});

test('a token store with only one of the lease methods is refused', () => {
  for (const extra of [{ tryAcquireRefresh: () => true }, { releaseRefresh: () => {} }]) {
    assert.throws(
      () => new LarkClient({ ...APP, tokenStore: { get() {}, set() {}, ...extra } }),
      (error) => isLarkError(error) && error.kind === 'build' && /tryAcquireRefresh/.test(error.message),
    );
  }
});

function messageEvent(id) {
  return JSON.stringify({
    schema: '2.0',
    header: { event_id: id, event_type: 'im.message.receive_v1', token: TOKEN, app_id: 'cli_x' },
    event: { message: { message_id: 'om_1', content: '{"text":"hi"}' } },
  });
}

function post(body) {
  return new Request('http://localhost/webhook', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
}

test('an EventDispatcher de-duplicates through a dedupStore, and answers 503 when it throws', async () => {
  const calls = [];
  const seen = new Set();
  const dedupStore = {
    firstSeen(id, ttlMs) {
      calls.push(['firstSeen', id, ttlMs]);
      if (id === 'ev-down') throw new Error('store down');
      if (seen.has(id)) return false;
      seen.add(id);
      return true;
    },
    async forget(id) {
      calls.push(['forget', id]);
      seen.delete(id);
    },
  };
  const handled = [];
  const dispatcher = new EventDispatcher({ verificationToken: TOKEN, dedupStore, dedupTtlSecs: 600 }).on('im.message.receive_v1', (event) => {
    handled.push(event.id);
    if (event.id === 'ev-fails' && handled.filter((id) => id === 'ev-fails').length === 1) throw new Error('handler failed');
  });
  assert.equal((await dispatcher.handleEvent(post(messageEvent('ev-1')))).status, 200);
  assert.equal((await dispatcher.handleEvent(post(messageEvent('ev-1')))).status, 200);
  assert.deepEqual(handled, ['ev-1']);
  assert.deepEqual(calls[0], ['firstSeen', 'ev-1', 600_000]);
  // The store cannot tell: 503, so the platform delivers again; the handler did not run.
  const down = await dispatcher.handleEvent(post(messageEvent('ev-down')));
  assert.equal(down.status, 503);
  await down.arrayBuffer();
  assert.deepEqual(handled, ['ev-1']);
  // A failed handler makes the store forget the id, so the re-delivery runs it again.
  assert.equal((await dispatcher.handleEvent(post(messageEvent('ev-fails')))).status, 500);
  assert.ok(calls.some((c) => c[0] === 'forget' && c[1] === 'ev-fails'));
  assert.equal((await dispatcher.handleEvent(post(messageEvent('ev-fails')))).status, 200);
  assert.deepEqual(handled, ['ev-1', 'ev-fails', 'ev-fails']);
  // A store without both methods is refused.
  assert.throws(() => new EventDispatcher({ verificationToken: TOKEN, dedupStore: { firstSeen() {} } }), /forget/);
  dispatcher.free();
});

test('KV and Durable Object dedup stores: one handling per event id, KV TTL at least 60 s', async () => {
  const kv = memoryKv();
  const namespace = memoryNamespace();
  for (const store of [new KvEventDedupStore(kv, { prefix: 'd:' }), new DurableObjectDedupStore(namespace)]) {
    let handled = 0;
    const dispatcher = new EventDispatcher({ verificationToken: TOKEN, dedupStore: store, dedupTtlSecs: 5 }).on('im.message.receive_v1', () => {
      handled += 1;
    });
    for (let i = 0; i < 3; i += 1) assert.equal((await dispatcher.handleEvent(post(messageEvent('ev-shared')))).status, 200);
    assert.equal(handled, 1);
    dispatcher.free();
  }
  assert.equal(kv.entries.get('d:event:ev-shared'), '1');
  assert.equal(kv.puts.find((p) => p.key === 'd:event:ev-shared').options.expirationTtl, 60);
  // The object answers concurrent first sightings exactly once.
  const exact = new DurableObjectDedupStore(namespace, { name: 'race' });
  const answers = await Promise.all(Array.from({ length: 20 }, () => exact.firstSeen('ev-race', 60_000)));
  assert.equal(answers.filter(Boolean).length, 1);
  await exact.forget('ev-race');
  assert.equal(await exact.firstSeen('ev-race', 60_000), true);
});

test('an app_ticket pushed to one instance buys the app token on another', async () => {
  const kv = memoryKv();
  const tickets = new KvAppTicketStore(kv);
  // The receiving instance makes no calls: its dispatcher writes the ticket to the store.
  const receiver = new EventDispatcher({ verificationToken: TOKEN, appTicketStore: tickets, appId: 'cli_mock_isv' });
  const { ticket } = await (await fetch(`${CONTROL}/push-ticket/cli_mock_isv`, { method: 'POST' })).json();
  const event = JSON.stringify({
    uuid: `ticket-${Date.now()}`,
    token: TOKEN,
    ts: String(Date.now() / 1000),
    type: 'event_callback',
    event: { type: 'app_ticket', app_id: 'cli_mock_isv', app_ticket: ticket },
  });
  assert.equal((await receiver.handleEvent(post(event))).status, 200);
  assert.equal(kv.entries.get('lark:app_ticket:cli_mock_isv'), ticket);
  const before = (await stats()).appTokenRequests;
  const caller = new LarkClient({ appId: 'cli_mock_isv', appSecret: 'mock-isv-secret', appType: 'marketplace', baseUrl: MOCK, appTicketStore: tickets });
  assert.match(await caller.appAccessToken(), /^a-/);
  assert.equal((await stats()).appTokenRequests, before + 1);
  // A store that throws fails the token fetch with a token error, and says why.
  const broken = new LarkClient({
    appId: 'cli_mock_isv',
    appSecret: 'mock-isv-secret',
    appType: 'marketplace',
    baseUrl: MOCK,
    appTicketStore: { get: () => Promise.reject(new Error('kv down')), set() {} },
  });
  await assert.rejects(broken.appAccessToken(), (error) => isLarkError(error) && error.kind === 'token' && /kv down/.test(error.message));
  assert.throws(() => new EventDispatcher({ appTicketStore: tickets }), /appId/);
  receiver.free();
  caller.free();
  broken.free();
});

test('LarkCoordinator: claims are exclusive, fenced, lapse after their TTL; an alarm purges', async () => {
  const storage = memoryStorage();
  const object = new LarkCoordinator({ storage });
  const call = async (op, args) => {
    const response = await object.fetch(new Request(`https://x/${op}`, { method: 'POST', body: JSON.stringify(args) }));
    return { status: response.status, ...(await response.json()) };
  };
  assert.equal((await call('lock/acquire', { key: 'k', fencing: 'f1', ttlMs: 50 })).acquired, true);
  assert.equal((await call('lock/acquire', { key: 'k', fencing: 'f2', ttlMs: 50 })).acquired, false);
  // Only the holder releases.
  assert.equal((await call('lock/release', { key: 'k', fencing: 'f2' })).released, false);
  assert.equal((await call('lock/acquire', { key: 'k', fencing: 'f2', ttlMs: 50 })).acquired, false);
  await new Promise((resolve) => setTimeout(resolve, 60));
  // Lapsed: the next caller takes it over, and the old holder cannot free it.
  assert.equal((await call('lock/acquire', { key: 'k', fencing: 'f2', ttlMs: 5000 })).acquired, true);
  assert.equal((await call('lock/release', { key: 'k', fencing: 'f1' })).released, false);
  assert.equal((await call('lock/acquire', { key: 'k', fencing: 'f3', ttlMs: 50 })).acquired, false);
  assert.equal((await call('lock/release', { key: 'k', fencing: 'f2' })).released, true);
  assert.equal((await call('lock/acquire', { key: 'k', fencing: 'f3', ttlMs: 50 })).acquired, true);
  // Malformed and unknown requests.
  assert.equal((await call('lock/acquire', { key: 'k', ttlMs: 5 })).status, 400);
  assert.equal((await call('event/first-seen', { id: 'e', ttlMs: -1 })).status, 400);
  assert.equal((await call('token/put', { key: 'k', token: { value: 1 } })).status, 400);
  assert.equal((await call('nope', {})).status, 404);
  const bad = await object.fetch(new Request('https://x/lock/acquire', { method: 'POST', body: 'not json' }));
  assert.equal(bad.status, 400);
  // Records carry their lapse time; the alarm deletes what lapsed and comes back for the rest.
  assert.ok(storage.alarmAt >= Date.now());
  await call('event/first-seen', { id: 'long', ttlMs: 3_600_000 });
  await new Promise((resolve) => setTimeout(resolve, 60));
  await object.alarm();
  assert.deepEqual([...storage.data.keys()], ['event:long']);
  assert.ok(storage.alarmAt > Date.now() + 3_000_000);
});

test('the KV stores check their bindings and read what they did not write as missing', async () => {
  assert.throws(() => new KvTokenStore({}), /KvTokenStore/);
  assert.throws(() => new KvTokenStore(memoryKv(), { refreshLock: {} }), /refreshLock/);
  assert.throws(() => new DurableObjectRefreshLock({ get() {} }), /idFromName/);
  const kv = memoryKv();
  const store = new KvTokenStore(kv);
  kv.entries.set('lark:token:x', JSON.stringify({ value: 'v' }));
  assert.equal(await store.get('x'), null);
  assert.equal(await store.tryAcquireRefresh({ key: 'x', fencing: 'f', ttlMs: 1 }), true);
  // A token without an end (the app_ticket, kept in the token store) gets no expirationTtl.
  await store.set('app_ticket:cli', { value: 'tk', expiresAt: 2 ** 64, refreshAt: 2 ** 64 });
  assert.deepEqual(kv.puts.at(-1).options, {});
  // A token that ends in 10 s still gets KV's minimum.
  await store.set('t', { value: 't-1', expiresAt: Date.now() + 10_000, refreshAt: Date.now() + 5_000 });
  assert.equal(kv.puts.at(-1).options.expirationTtl, 60);
  const tickets = new KvAppTicketStore(kv);
  assert.equal(await tickets.get('none'), null);
});
