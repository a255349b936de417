// Acting as a user with node-sdk's own `client.accessToken` (the `/oauth/v3/token` exchange),
// unchanged, against the mock's accounts host: a code from the authorize page (PKCE, S256),
// exchanged for a user token; `authen.userInfo.get` with that token names the signed-in user;
// a refresh rotates the refresh token, and the old one is refused when used again.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import * as lark from '@larksuiteoapi/node-sdk';
import { MOCK, get } from './mock.mjs';

const REDIRECT = 'http://127.0.0.1:9/callback';
const quiet = { error() {}, warn() {}, info() {}, debug() {}, trace() {} };

/** What a browser does with the authorize URL: the `code` of the redirect it answers. */
async function authorize(appId, challenge, state) {
  const url = new URL('/open-apis/authen/v1/authorize', MOCK);
  url.search = new URLSearchParams({
    client_id: appId,
    redirect_uri: REDIRECT,
    response_type: 'code',
    scope: 'contact:user.base:readonly offline_access',
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  const res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(10_000) });
  assert.equal(res.status, 302, await res.text());
  const location = new URL(res.headers.get('location'));
  assert.equal(`${location.origin}${location.pathname}`, REDIRECT);
  assert.equal(location.searchParams.get('state'), state);
  const code = location.searchParams.get('code');
  assert.ok(code, `no code in ${location}`);
  return code;
}

test('client.accessToken: code with PKCE, user_info as the user, a single-use refresh', async () => {
  const mock = await get();
  // A custom domain has no accounts host node-sdk knows: name it (the mock plays both).
  const client = new lark.Client({
    appId: mock.app_id,
    appSecret: mock.app_secret,
    domain: MOCK,
    oauthBaseUrl: MOCK,
    // The refusals below are expected: keep node-sdk's error log out of the test output
    // (`LoggerLevel.fatal` is 0, which node-sdk reads as "unset" and logs at info).
    logger: quiet,
  });
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');

  // A wrong verifier is refused (and the code spent): the app signs the user in again.
  const stolen = await authorize(mock.app_id, challenge, 'st-1');
  await assert.rejects(
    client.accessToken.retrieveByAuthorizationCode({
      code: stolen,
      redirectUri: REDIRECT,
      codeVerifier: randomBytes(32).toString('base64url'),
    }),
    (e) => e instanceof lark.AccessTokenError && e.statusCode === 400 && e.error === 'invalid_grant',
  );

  const code = await authorize(mock.app_id, challenge, 'st-2');
  const token = await client.accessToken.retrieveByAuthorizationCode({
    code,
    redirectUri: REDIRECT,
    codeVerifier: verifier,
  });
  assert.match(token.accessToken, /^u-/);
  assert.equal(token.tokenType, 'Bearer');
  assert.ok(token.expiresIn > 0);
  assert.ok(token.refreshToken, 'offline_access gives a refresh token');
  assert.ok(token.refreshTokenExpiresIn > token.expiresIn);
  assert.match(token.scope, /offline_access/);

  // The user token calls the API as the signed-in user.
  const me = await client.authen.userInfo.get({}, lark.withUserAccessToken(token.accessToken));
  assert.equal(me.code, 0, me.msg);
  assert.equal(me.data.open_id, mock.user_open_id);
  assert.equal(me.data.tenant_key, mock.tenant_key);
  assert.ok(me.data.union_id && me.data.name && me.data.email, JSON.stringify(me.data));

  // A refresh answers a new access token and the next refresh token...
  const next = await client.accessToken.refresh({ refreshToken: token.refreshToken });
  assert.notEqual(next.accessToken, token.accessToken);
  assert.ok(next.refreshToken);
  assert.notEqual(next.refreshToken, token.refreshToken);
  const again = await client.authen.v1.userInfo.get({}, lark.withUserAccessToken(next.accessToken));
  assert.equal(again.data.open_id, mock.user_open_id);

  // ...and the old refresh token is spent: 20073, invalid_grant, without echoing it.
  await assert.rejects(client.accessToken.refresh({ refreshToken: token.refreshToken }), (e) => {
    assert.ok(e instanceof lark.AccessTokenError, String(e));
    assert.equal(e.statusCode, 400);
    assert.equal(e.code, 20073);
    assert.equal(e.error, 'invalid_grant');
    assert.ok(!`${e.message} ${e.errorDescription}`.includes(token.refreshToken));
    return true;
  });
  // The new one still works once.
  const third = await client.accessToken.refresh({ refreshToken: next.refreshToken });
  assert.match(third.accessToken, /^u-/);

  // user_info refuses a token that names no user: an unknown user token, a tenant token.
  const refused = (options) =>
    client.authen.userInfo.get({}, options).then(
      (answer) => assert.fail(`accepted: ${JSON.stringify(answer)}`),
      (e) => [e.response?.status, e.response?.data?.code],
    );
  assert.deepEqual(await refused(lark.withUserAccessToken('u-never-issued')), [400, 99991668]);
  const tenantToken = await client.tokenManager.getTenantAccessToken();
  assert.match(tenantToken, /^t-/);
  assert.deepEqual(await refused(lark.withTenantToken(tenantToken)), [400, 99991663]);
});
