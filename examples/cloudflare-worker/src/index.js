// A Cloudflare Worker on @lark-sdk/wasm.
//   POST /send    {"text": "..."}  sends a text message to env.CHAT_ID with the app's credentials
//   POST /events  the event subscription URL: encrypted, signed events and url_verification
import { LarkClient } from '@lark-sdk/wasm';

// Tokens in Workers KV when a LARK_TOKENS namespace is bound, so every isolate shares them.
function kvTokenStore(kv) {
  return {
    async get(key) {
      return kv.get(key, 'json');
    },
    async set(key, token) {
      // KV forgets the entry once the token has expired (KV's minimum TTL is 60 s).
      const ttl = Math.max(60, Math.ceil((token.expiresAt - Date.now()) / 1000));
      await kv.put(key, JSON.stringify(token), { expirationTtl: ttl });
    },
    async delete(key) {
      await kv.delete(key);
    },
  };
}

// One client per isolate: its token cache outlives a single request.
let client;
let lastEvent = null;

function clientFor(env) {
  client ??= new LarkClient({
    appId: env.APP_ID,
    appSecret: env.APP_SECRET,
    ...(env.LARK_BASE_URL ? { baseUrl: env.LARK_BASE_URL } : { domain: env.LARK_DOMAIN ?? 'feishu' }),
    encryptKey: env.ENCRYPT_KEY,
    verificationToken: env.VERIFICATION_TOKEN,
    tokenStore: env.LARK_TOKENS ? kvTokenStore(env.LARK_TOKENS) : undefined,
  }).on('im.message.receive_v1', async (event) => {
    // Handlers should be quick: the platform waits about 3 s. Reply in the background with
    // ctx.waitUntil for anything slower.
    lastEvent = { type: event.type, id: event.id, text: JSON.parse(event.payload.message.content).text };
  });
  return client;
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const lark = clientFor(env);
    if (request.method === 'POST' && url.pathname === '/send') {
      const { text } = await request.json();
      try {
        const sent = await lark.im.v1.message.create({
          params: { receive_id_type: 'chat_id' },
          data: { receive_id: env.CHAT_ID, msg_type: 'text', content: JSON.stringify({ text }) },
        });
        return Response.json({ message_id: sent.data.message_id });
      } catch (error) {
        return Response.json({ kind: error.kind, code: error.code, message: error.message }, { status: 502 });
      }
    }
    if (request.method === 'POST' && url.pathname === '/events') {
      return lark.handleEvent(request);
    }
    if (request.method === 'GET' && url.pathname === '/last-event') {
      return Response.json(lastEvent);
    }
    return new Response('not found', { status: 404 });
  },
};
