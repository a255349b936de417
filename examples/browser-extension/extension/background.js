// The extension's service worker, on lark-sdk's full build: posts through a custom bot, and
// signs users in with chrome.identity.launchWebAuthFlow (the code flow with PKCE) to call the
// Open Platform as them. Top-level await is not allowed in service workers, so the wasm loads
// on first use.
import { init, CustomBot, LarkClient, signInWithWebAuthFlow, withUser } from './vendor/lark-sdk/src/index.js';

const ready = init();

/** Posts `text` to the bot at `webhook` (signed when `secret` is set); resolves to the reply. */
async function postBotMessage({ webhook, secret, text }) {
  await ready;
  const bot = new CustomBot(webhook, secret ? { secret } : {});
  try {
    return await bot.sendText(text);
  } finally {
    bot.free();
  }
}

// Signed-in users' logins in chrome.storage.session: kept while the browser runs, out of
// content scripts' reach, and shared by every wake of this service worker. (The refreshes are
// the client's; the store only keeps what it is given.)
const sessionStore = {
  async get(key) {
    return (await chrome.storage.session.get(key))[key] ?? null;
  },
  async set(key, login) {
    await chrome.storage.session.set({ [key]: login });
  },
  async delete(key) {
    await chrome.storage.session.remove(key);
  },
};

// The app: the code exchange needs its credentials, so they come from the extension's own
// settings here (a published extension would rather exchange the code on its backend).
let client;
async function clientFor({ appId, appSecret, baseUrl }) {
  await ready;
  client ??= new LarkClient({ appId, appSecret, ...(baseUrl ? { baseUrl, accountsBaseUrl: baseUrl } : {}), userTokenStore: sessionStore });
  return client;
}

/** Signs `user` in through the authorize page; resolves to `{ scope, expiresAt }`. */
async function signIn({ app, user, scopes = ['contact:user.base:readonly'], interactive = true }) {
  return signInWithWebAuthFlow(await clientFor(app), { user, scopes, interactive });
}

/** The signed-in user's own profile (`authen/v1/user_info`, called as them). */
async function whoIs({ app, user }) {
  const me = await (await clientFor(app)).authen.v1.userInfo.get({}, withUser(user));
  return { open_id: me.data.open_id, name: me.data.name };
}

const HANDLERS = { 'lark.bot.post': postBotMessage, 'lark.user.signIn': signIn, 'lark.user.whoIs': whoIs };

// Other parts of the extension (a popup, an options page) ask with
// chrome.runtime.sendMessage({ type: 'lark.bot.post', webhook, secret, text }),
// { type: 'lark.user.signIn', app, user } or { type: 'lark.user.whoIs', app, user }.
chrome.runtime.onMessage.addListener((message, _sender, sendResponse) => {
  const handler = HANDLERS[message?.type];
  if (handler === undefined) return false;
  handler(message).then(
    (reply) => sendResponse({ ok: true, reply }),
    (error) => sendResponse({ ok: false, kind: error.kind, code: error.code, message: String(error.message) }),
  );
  return true;
});

Object.assign(globalThis, { postBotMessage, signIn, whoIs });
