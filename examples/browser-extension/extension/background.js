// The extension's service worker: posts through a custom bot with the bot-only wasm build.
// Top-level await is not allowed in service workers, so the wasm loads on first use.
import { init, CustomBot } from './vendor/lark-sdk/src/bot/index.js';

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

// Other parts of the extension (a popup, an options page) ask with
// chrome.runtime.sendMessage({ type: 'lark.bot.post', webhook, secret, text }).
chrome.runtime.onMessage.addListener((message, _sender, sendResponse) => {
  if (message?.type !== 'lark.bot.post') return false;
  postBotMessage(message).then(
    (reply) => sendResponse({ ok: true, reply }),
    (error) => sendResponse({ ok: false, kind: error.kind, code: error.code, message: String(error.message) }),
  );
  return true;
});

globalThis.postBotMessage = postBotMessage;
