// A Cloudflare Worker on lark-sdk.
//   POST /send          {"text": "..."}  sends a text message to env.CHAT_ID with the app's credentials
//   POST /events        the event subscription URL: encrypted, signed events and url_verification
//   GET  /last-event    the last message event this isolate handled
//   GET  /handled?id=   how many times this isolate handled the event `id`
//   POST /isv/events    a marketplace app's event URL (its `app_ticket` events), when ISV_APP_ID is set
//   GET  /isv/app-token whether the marketplace app gets an app access token (from the shared app_ticket)
//   GET  /login?user=   signs a user in (code flow with PKCE): redirects to the authorize page
//   GET  /callback      where the authorize page sends the user back; stores the login in KV
//   GET  /me?user=      the signed-in user's user_info, called as that user
//
// Many isolates, many locations: with a KV namespace bound as LARK_KV, every isolate shares
// the access tokens and the marketplace app_ticket; with the LarkCoordinator Durable Object
// bound as LARK_COORDINATOR, ONE isolate refreshes a token while the others wait for it, and an
// event delivered twice (to any isolates) is handled once. See wrangler.toml.
import {
  DurableObjectDedupStore,
  DurableObjectRefreshLock,
  KvAppTicketStore,
  KvEventDedupStore,
  KvTokenStore,
  KvUserTokenStore,
  LarkClient,
  userSignInRoutes,
  withUser,
} from 'lark-sdk';

// The Durable Object class must be exported by the Worker's main module to be bound.
export { LarkCoordinator } from 'lark-sdk';

// One client per isolate: its token cache outlives a single request.
let client;
let isvClient;
let signInRoutes;
let lastEvent = null;
const handled = new Map();

function base(env) {
  // lark-mock (or a proxy) serves the accounts (OAuth) host too.
  return env.LARK_BASE_URL ? { baseUrl: env.LARK_BASE_URL, accountsBaseUrl: env.LARK_ACCOUNTS_BASE_URL ?? env.LARK_BASE_URL } : { domain: env.LARK_DOMAIN ?? 'feishu' };
}

// The shared stores of one app, or none when nothing is bound (each isolate then keeps its own).
function stores(env, appId) {
  if (!env.LARK_KV) return {};
  const coordinator = env.LARK_COORDINATOR;
  // One Durable Object per app: it serialises that app's refresh claims and event ids.
  const refreshLock = coordinator ? new DurableObjectRefreshLock(coordinator, { name: appId }) : undefined;
  // KV de-duplication is best effort; the Durable Object's is exact (see stores.js).
  const eventDedupStore =
    coordinator && env.LARK_DEDUP !== 'kv' ? new DurableObjectDedupStore(coordinator, { name: appId }) : new KvEventDedupStore(env.LARK_KV);
  return {
    tokenStore: new KvTokenStore(env.LARK_KV, { refreshLock }),
    // Signed-in users' logins: refreshed by the client, one instance at a time (the same lock).
    userTokenStore: new KvUserTokenStore(env.LARK_KV, { refreshLock }),
    appTicketStore: new KvAppTicketStore(env.LARK_KV),
    eventDedupStore,
  };
}

function clientFor(env) {
  client ??= new LarkClient({
    appId: env.APP_ID,
    appSecret: env.APP_SECRET,
    ...base(env),
    encryptKey: env.ENCRYPT_KEY,
    verificationToken: env.VERIFICATION_TOKEN,
    ...stores(env, env.APP_ID),
  }).on('im.message.receive_v1', async (event) => {
    // Handlers should be quick: the platform waits about 3 s. Reply in the background with
    // ctx.waitUntil for anything slower.
    handled.set(event.id, (handled.get(event.id) ?? 0) + 1);
    lastEvent = { type: event.type, id: event.id, text: JSON.parse(event.payload.message.content).text };
  });
  return client;
}

// A marketplace app: the platform pushes its app_ticket to one isolate; every isolate reads it
// from KV to buy the app access token.
function isvClientFor(env) {
  isvClient ??= new LarkClient({
    appId: env.ISV_APP_ID,
    appSecret: env.ISV_APP_SECRET,
    appType: 'marketplace',
    ...base(env),
    encryptKey: env.ENCRYPT_KEY,
    verificationToken: env.VERIFICATION_TOKEN,
    ...stores(env, env.ISV_APP_ID),
  });
  return isvClient;
}

function failure(error) {
  return Response.json({ kind: error.kind, code: error.code, message: error.message }, { status: 502 });
}

// `/login` and the callback: the pending sign-in waits in KV under its state.
function signInRoutesFor(env, request) {
  signInRoutes ??= userSignInRoutes(clientFor(env), {
    kv: env.LARK_KV,
    redirectUri: env.REDIRECT_URI ?? new URL('/callback', request.url).href,
    scopes: ['contact:user.base:readonly'],
    // A real Worker takes the user from its session; this example takes `?user=`.
    userOf: (req) => new URL(req.url).searchParams.get('user'),
  });
  return signInRoutes;
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (env.LARK_KV) {
      const answer = await signInRoutesFor(env, request)(request);
      if (answer !== null) return answer;
    }
    if (request.method === 'GET' && url.pathname === '/me') {
      try {
        const me = await clientFor(env).authen.v1.userInfo.get({}, withUser(url.searchParams.get('user') ?? ''));
        return Response.json({ open_id: me.data.open_id });
      } catch (error) {
        return Response.json({ kind: error.kind, mustReauthorize: error.mustReauthorize === true, message: error.message }, { status: error.kind === 'oauth' ? 401 : 502 });
      }
    }
    if (request.method === 'POST' && url.pathname === '/send') {
      const { text } = await request.json();
      try {
        const sent = await clientFor(env).im.v1.message.create({
          params: { receive_id_type: 'chat_id' },
          data: { receive_id: env.CHAT_ID, msg_type: 'text', content: JSON.stringify({ text }) },
        });
        return Response.json({ message_id: sent.data.message_id });
      } catch (error) {
        return failure(error);
      }
    }
    if (request.method === 'POST' && url.pathname === '/events') {
      return clientFor(env).handleEvent(request);
    }
    if (request.method === 'GET' && url.pathname === '/last-event') {
      return Response.json(lastEvent);
    }
    if (request.method === 'GET' && url.pathname === '/handled') {
      return Response.json({ count: handled.get(url.searchParams.get('id')) ?? 0 });
    }
    if (env.ISV_APP_ID && request.method === 'POST' && url.pathname === '/isv/events') {
      return isvClientFor(env).handleEvent(request);
    }
    if (env.ISV_APP_ID && request.method === 'GET' && url.pathname === '/isv/app-token') {
      try {
        // The token itself never leaves the Worker.
        await isvClientFor(env).appAccessToken();
        return Response.json({ ok: true });
      } catch (error) {
        return failure(error);
      }
    }
    return new Response('not found', { status: 404 });
  },
};
