// Signed-in users in Node against lark-mock (started by scripts/test-wasm.sh): the code flow
// with PKCE through `client.users`, calls with `withUser`, the refresh of an expired login
// (once for concurrent calls), and a spent refresh token ending the login.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { LarkClient, isLarkError, withUser } from 'lark-sdk';
import { LarkClient as ClientOnly, withUser as withUserClientOnly } from 'lark-sdk/client';
import { LarkClient as ImOnly, withUser as withUserIm } from 'lark-sdk/api/im';

const MOCK = process.env.LARK_MOCK_URL;
const CONTROL = process.env.LARK_CONTROL_URL;
assert.ok(MOCK && CONTROL, 'run through scripts/test-wasm.sh (LARK_MOCK_URL and LARK_CONTROL_URL)');

// The accounts host is lark-mock's own port.
const APP = { appId: 'cli_mock_app', appSecret: 'mock-app-secret', baseUrl: MOCK, accountsBaseUrl: MOCK };
// lark-mock's authorize page signs this user in.
const MOCK_USER = 'ou_mock_user';
const REDIRECT = 'http://127.0.0.1:9/callback';

/** A user token store in a Map, counting its writes. */
class MapStore {
  map = new Map();
  sets = 0;
  async get(key) {
    return this.map.has(key) ? structuredClone(this.map.get(key)) : null;
  }
  async set(key, login) {
    this.sets += 1;
    this.map.set(key, structuredClone(login));
  }
  async delete(key) {
    this.map.delete(key);
  }
  only() {
    assert.equal(this.map.size, 1);
    return [...this.map.entries()][0];
  }
}

async function stats() {
  const response = await fetch(`${CONTROL}/stats`, { signal: AbortSignal.timeout(10_000) });
  return response.json();
}

// The authorize page answers with a redirect to the callback: follow it by hand.
async function authorize(url) {
  const answer = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(10_000) });
  assert.equal(answer.status, 302);
  return answer.headers.get('location');
}

async function signIn(client, user) {
  const pending = await client.users.beginSignIn({ redirectUri: REDIRECT, scopes: ['contact:user.base:readonly'] });
  return client.users.finishSignIn(user, pending, await authorize(pending.url));
}

async function rejects(promise) {
  try {
    await promise;
  } catch (error) {
    assert.ok(isLarkError(error), `not a LarkError: ${error?.stack ?? error}`);
    return error;
  }
  assert.fail('expected a LarkError');
}

test('a user signs in with PKCE and calls as themselves', async () => {
  const store = new MapStore();
  const client = new LarkClient({ ...APP, userTokenStore: store });
  const pending = await client.users.beginSignIn({ redirectUri: REDIRECT, scopes: ['contact:user.base:readonly'] });
  const url = new URL(pending.url);
  assert.equal(url.origin + url.pathname, `${MOCK}/open-apis/authen/v1/authorize`);
  assert.equal(url.searchParams.get('state'), pending.state);
  assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
  assert.match(url.searchParams.get('scope'), /offline_access/);
  assert.equal(pending.redirectUri, REDIRECT);
  // The pending sign-in is plain data: a Worker keeps it between two requests.
  const kept = JSON.parse(JSON.stringify(pending));
  const login = await client.users.finishSignIn('alice', kept, await authorize(pending.url));
  assert.ok(login.expiresAt > Date.now());
  assert.equal(typeof login.scope, 'string');
  assert.equal(login.accessToken, undefined);

  const [key, stored] = store.only();
  assert.match(key, /alice/);
  assert.equal(typeof stored.accessToken, 'string');
  assert.equal(typeof stored.refreshToken, 'string');
  assert.equal(stored.expiresAt, login.expiresAt);

  const me = await client.authen.v1.userInfo.get({}, withUser('alice'));
  assert.equal(me.code, 0);
  assert.equal(me.data.open_id, MOCK_USER);
  assert.equal(await client.users.accessToken('alice'), stored.accessToken);
  const status = await client.users.status('alice');
  assert.deepEqual(Object.keys(status).sort(), ['expiresAt', 'refreshExpiresAt', 'scope']);
  assert.equal(await client.users.status('bob'), null);

  await client.users.signOut('alice');
  assert.equal(store.map.size, 0);
  const gone = await rejects(client.authen.v1.userInfo.get({}, withUser('alice')));
  assert.equal(gone.kind, 'oauth');
  assert.equal(gone.mustReauthorize, true);
  client.free();
});

test('a redirect with another state, or none of the code, stores nothing', async () => {
  const store = new MapStore();
  const client = new LarkClient({ ...APP, userTokenStore: store });
  const pending = await client.users.beginSignIn({ redirectUri: REDIRECT, scopes: [] });
  const redirect = await authorize(pending.url);
  const forged = await rejects(client.users.finishSignIn('alice', { ...pending, state: 'other' }, redirect));
  assert.equal(forged.kind, 'oauth');
  assert.match(forged.message, /invalid_state/);
  const denied = await rejects(client.users.finishSignIn('alice', pending, `${REDIRECT}?error=access_denied&state=${pending.state}`));
  assert.match(denied.message, /access_denied/);
  const malformed = await rejects(client.users.finishSignIn('alice', { state: pending.state }, redirect));
  assert.equal(malformed.kind, 'build');
  for (const error of [forged, denied, malformed]) assert.ok(!error.message.includes(pending.codeVerifier));
  assert.equal(store.map.size, 0);
  // The code was not spent: the right state still signs in.
  await client.users.finishSignIn('alice', pending, new URL(redirect));
  assert.equal(store.map.size, 1);
  client.free();
});

test('an expired login is refreshed once for concurrent calls; a spent refresh token ends it', async () => {
  const store = new MapStore();
  const client = new LarkClient({ ...APP, userTokenStore: store });
  await signIn(client, 'alice');
  const [key, first] = store.only();

  // The access token has expired: five calls at once refresh it once.
  store.map.set(key, { ...first, expiresAt: Date.now() - 1000 });
  const before = (await stats()).userTokenRefreshes;
  const sets = store.sets;
  const answers = await Promise.all(Array.from({ length: 5 }, () => client.authen.v1.userInfo.get({}, withUser('alice'))));
  for (const me of answers) assert.equal(me.data.open_id, MOCK_USER);
  assert.equal((await stats()).userTokenRefreshes - before, 1);
  assert.equal(store.sets - sets, 1);
  const [, second] = store.only();
  assert.notEqual(second.accessToken, first.accessToken);
  assert.notEqual(second.refreshToken, first.refreshToken);
  assert.ok(second.expiresAt > Date.now());
  // The fresh token serves the next call without a refresh.
  await client.authen.v1.userInfo.get({}, withUser('alice'));
  assert.equal((await stats()).userTokenRefreshes - before, 1);

  // Refresh tokens are single-use: the first one is spent. The login ends, the entry goes.
  store.map.set(key, { ...first, expiresAt: Date.now() - 1000 });
  const spent = await rejects(client.authen.v1.userInfo.get({}, withUser('alice')));
  assert.equal(spent.kind, 'oauth');
  assert.equal(spent.mustReauthorize, true);
  assert.match(spent.message, /must authorize again/);
  for (const secret of [first.refreshToken, first.accessToken, second.refreshToken]) assert.ok(!spent.message.includes(secret));
  assert.equal(store.map.size, 0);
  const again = await rejects(client.users.accessToken('alice'));
  assert.equal(again.mustReauthorize, true);
  client.free();
});

test('a user token store that throws or answers garbage is a clear error, never a token', async () => {
  const store = new MapStore();
  const client = new LarkClient({ ...APP, userTokenStore: store });
  await signIn(client, 'alice');
  const [key, login] = store.only();

  store.map.set(key, { accessToken: 5, expiresAt: 'soon' });
  const garbage = await rejects(client.authen.v1.userInfo.get({}, withUser('alice')));
  assert.equal(garbage.kind, 'token');
  assert.match(garbage.message, /userTokenStore\.get must answer/);

  store.map.set(key, { ...login, refreshToken: 42 });
  const half = await rejects(client.users.accessToken('alice'));
  assert.match(half.message, /userTokenStore\.get must answer/);

  const throwing = new LarkClient({ ...APP, userTokenStore: { ...store, get: async () => { throw new Error('kv down'); }, set: store.set, delete: store.delete } });
  const down = await rejects(throwing.users.accessToken('alice'));
  assert.equal(down.kind, 'token');
  assert.match(down.message, /userTokenStore\.get: kv down/);
  for (const error of [garbage, half, down]) assert.ok(!error.message.includes(login.accessToken) && !error.message.includes(login.refreshToken));

  assert.throws(() => new LarkClient({ ...APP, userTokenStore: { get() {}, set() {} } }), /userTokenStore` needs/);
  assert.throws(() => new LarkClient({ ...APP, userTokenStore: { ...store, get() {}, set() {}, delete() {}, tryAcquireRefresh() {} } }), /both `tryAcquireRefresh/);
  assert.throws(() => new LarkClient({ ...APP, accountsBaseUrl: 'ftp://x' }), /accountsBaseUrl/);
  assert.throws(() => client.users.accessToken(''), /non-empty string/);
  client.free();
  throwing.free();
});

test('without a user token store, logins live in the instance', async () => {
  const client = new LarkClient(APP);
  await signIn(client, 'carol');
  const me = await client.authen.v1.userInfo.get({}, withUser('carol'));
  assert.equal(me.data.open_id, MOCK_USER);
  // `request` takes the option too.
  const raw = await client.request({ method: 'GET', url: '/open-apis/authen/v1/user_info', tokens: ['user'], asUser: 'carol' });
  assert.equal(raw.data.open_id, MOCK_USER);
  client.free();
});

test('the client-only build says user sign-in needs the full build', async () => {
  const client = new ClientOnly(APP);
  assert.throws(() => client.users, /has no user sign-in.*the full build/);
  const error = await rejects(client.authen.v1.userInfo.get({}, withUserClientOnly('alice')));
  assert.equal(error.kind, 'build');
  assert.match(error.message, /needs the full build/);
  client.free();
  // The per-service entries too.
  const im = new ImOnly(APP);
  assert.throws(() => im.users, /has no user sign-in/);
  assert.deepEqual(withUserIm('alice'), { asUser: 'alice' });
  im.free();
});
