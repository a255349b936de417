// Users signing in to the Worker, in workerd (through miniflare) against lark-mock on loopback:
// two instances (`a`, `b`: two isolates, as two locations would run them) share one KV
// namespace and one LarkCoordinator Durable Object. `/login` on one and the callback on the
// other complete a sign-in (the pending sign-in waits in KV under its state); an expired login
// is refreshed once between both instances (the Durable Object's lease); a spent refresh token
// ends the login everywhere.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Miniflare } from 'miniflare';
import { bundled, forward } from '../fixtures/miniflare.js';

const MOCK = process.env.LARK_MOCK_URL;
const CONTROL = process.env.LARK_CONTROL_URL;
assert.ok(MOCK && CONTROL, 'run through scripts/test-wasm.sh (LARK_MOCK_URL and LARK_CONTROL_URL)');

const USER_KEY = 'user_access_token:cli_mock_app:alice';
const TOKEN_DELAY_MS = 300;

let mf;
const workers = {};

// The Workers' fetch, forwarded to lark-mock from Node; token requests are held a while so
// concurrent refreshes really overlap.
async function outbound(request) {
  if (new URL(request.url).pathname === '/oauth/v3/token') await new Promise((resolve) => setTimeout(resolve, TOKEN_DELAY_MS));
  return forward(request);
}

function instance(name) {
  return {
    name,
    ...bundled('dist/worker'),
    outboundService: outbound,
    kvNamespaces: { LARK_KV: 'users-kv' },
    durableObjects: { LARK_COORDINATOR: { className: 'LarkCoordinator', scriptName: 'a' } },
    bindings: {
      APP_ID: 'cli_mock_app',
      APP_SECRET: 'mock-app-secret',
      LARK_BASE_URL: MOCK,
      CHAT_ID: 'oc_mock_chat',
      REDIRECT_URI: 'https://worker.example/callback',
    },
  };
}

before(async () => {
  mf = new Miniflare({ cf: false, workers: [instance('a'), instance('b')] });
  await mf.ready;
  for (const name of ['a', 'b']) workers[name] = await mf.getWorker(name);
});

after(async () => {
  await mf?.dispose();
});

async function refreshes() {
  return (await (await fetch(`${CONTROL}/stats`, { signal: AbortSignal.timeout(10_000) })).json()).userTokenRefreshes;
}

// The login as the Durable Object keeps it (what a stale KV read is checked against).
async function coordinator(op, args) {
  const namespace = await mf.getDurableObjectNamespace('LARK_COORDINATOR', 'a');
  const stub = namespace.get(namespace.idFromName('cli_mock_app'));
  return (await stub.fetch(`https://lark-coordinator/${op}`, { method: 'POST', body: JSON.stringify(args) })).json();
}

async function kv() {
  return mf.getKVNamespace('LARK_KV', 'a');
}

// Puts `login` in both places, as a refresh would leave it.
async function storeLogin(login) {
  await (await kv()).put(`lark:user:${USER_KEY}`, JSON.stringify(login));
  await coordinator('login/put', { key: USER_KEY, login });
}

async function signIn() {
  const login = await workers.a.fetch('https://worker.example/login?user=alice', { redirect: 'manual' });
  assert.equal(login.status, 302);
  const authorize = login.headers.get('location');
  assert.ok(authorize.startsWith(`${MOCK}/open-apis/authen/v1/authorize?`));
  // lark-mock signs the test user in and sends the browser back to the callback.
  const approved = await fetch(authorize, { redirect: 'manual', signal: AbortSignal.timeout(10_000) });
  assert.equal(approved.status, 302);
  const callback = approved.headers.get('location');
  assert.ok(callback.startsWith('https://worker.example/callback?'));
  // The callback reaches the other instance: the pending sign-in is in KV.
  const done = await workers.b.fetch(callback);
  assert.equal(done.status, 200, await done.clone().text());
  const status = await done.json();
  assert.equal(status.user, 'alice');
  assert.ok(status.expiresAt > Date.now());
  return callback;
}

test('a user signs in through /login and the callback, then calls as themselves on any instance', async () => {
  const callback = await signIn();
  for (const name of ['a', 'b']) {
    const me = await workers[name].fetch('https://worker.example/me?user=alice');
    assert.equal(me.status, 200);
    assert.deepEqual(await me.json(), { open_id: 'ou_mock_user' });
  }
  // The pending sign-in was single-use: a replayed callback is refused.
  const replay = await workers.a.fetch(callback);
  assert.equal(replay.status, 400);
  // A login with no pending sign-in behind it, and a user that never signed in.
  assert.equal((await workers.a.fetch('https://worker.example/callback?code=x&state=forged')).status, 400);
  const nobody = await workers.a.fetch('https://worker.example/me?user=nobody');
  assert.equal(nobody.status, 401);
  assert.equal((await nobody.json()).mustReauthorize, true);
  assert.equal((await workers.a.fetch('https://worker.example/login', { redirect: 'manual' })).status, 401);
});

test('an expired login is refreshed once between two instances; a spent refresh token ends it', async () => {
  await signIn();
  const first = await (await kv()).get(`lark:user:${USER_KEY}`, 'json');
  assert.equal(typeof first.refreshToken, 'string');

  // Expired everywhere: eight calls on two instances refresh it once between them.
  await storeLogin({ ...first, expiresAt: Date.now() - 1000 });
  const before = await refreshes();
  const answers = await Promise.all(
    Array.from({ length: 8 }, (_, i) => workers[i % 2 ? 'a' : 'b'].fetch('https://worker.example/me?user=alice')),
  );
  for (const answer of answers) assert.equal(answer.status, 200, await answer.clone().text());
  assert.equal((await refreshes()) - before, 1);
  const second = await (await kv()).get(`lark:user:${USER_KEY}`, 'json');
  assert.notEqual(second.refreshToken, first.refreshToken);
  assert.ok(second.expiresAt > Date.now());

  // The first refresh token is spent: the login ends, in KV and in the Durable Object.
  await storeLogin({ ...first, expiresAt: Date.now() - 1000 });
  const ended = await workers.b.fetch('https://worker.example/me?user=alice');
  assert.equal(ended.status, 401);
  const error = await ended.json();
  assert.equal(error.kind, 'oauth');
  assert.equal(error.mustReauthorize, true);
  assert.match(error.message, /must authorize again/);
  for (const secret of [first.refreshToken, first.accessToken]) assert.ok(!error.message.includes(secret));
  assert.equal(await (await kv()).get(`lark:user:${USER_KEY}`), null);
  assert.deepEqual(await coordinator('login/get', { key: USER_KEY }), { known: true, login: null });
  // And the other instance, even with KV showing the old login, says the same.
  await (await kv()).put(`lark:user:${USER_KEY}`, JSON.stringify({ ...first, expiresAt: Date.now() - 1000 }));
  assert.equal((await workers.a.fetch('https://worker.example/me?user=alice')).status, 401);
});
