// `CustomBot` over whichever build's `WasmCustomBot` (the full one or the bot-only one).
import { fetchFor } from './transport.js';

function reply(raw) {
  return {
    msg: raw.msg,
    httpStatus: raw.httpStatus,
    logId: raw.logId ?? null,
    data: raw.data == null ? null : JSON.parse(raw.data),
  };
}

function whole(seconds) {
  if (!Number.isSafeInteger(seconds) || seconds < 0) {
    throw new TypeError('the timestamp must be a whole number of Unix seconds');
  }
  return seconds;
}

export function customBotClass(glue, wasm) {
  return class CustomBot {
    #inner;
    #secret;

    /**
     * @param {string} webhook the bot's webhook URL
     * @param {{ secret?: string, fetch?: Function }} [options] the signing secret, when the bot
     *   checks signatures; what sends the posts (as the client's `fetch` option)
     */
    constructor(webhook, options = {}) {
      wasm.assertReady();
      if (typeof webhook !== 'string' || webhook === '') throw new TypeError('CustomBot needs the webhook URL');
      const secret = options.secret ?? undefined;
      if (secret !== undefined && typeof secret !== 'string') throw new TypeError('`secret` must be a string');
      this.#secret = secret;
      const send = fetchFor(options);
      if (send !== undefined && typeof send !== 'function') throw new TypeError('`fetch` must be a function');
      this.#inner = new glue.WasmCustomBot(webhook, secret, send);
    }

    /** Posts text; `mentions` are `{ openId, name }`, `atAll` mentions everyone. */
    async sendText(text, options = {}) {
      const mentions = [];
      for (const m of options.mentions ?? []) mentions.push(String(m.openId), String(m.name ?? ''));
      if (options.atAll) mentions.push('all', '');
      return reply(await this.#inner.sendText(String(text), mentions));
    }

    /** Posts rich text: `{ zh_cn: { title, content: [[{ tag: 'text', text }]] } }`. */
    async sendPost(post) {
      return reply(await this.#inner.sendPost(JSON.stringify(post)));
    }

    /** Posts an interactive card (its JSON object). */
    async sendCard(card) {
      return reply(await this.#inner.sendCard(JSON.stringify(card)));
    }

    /** Posts an uploaded image by its `image_key`. */
    async sendImage(imageKey) {
      return reply(await this.#inner.sendImage(String(imageKey)));
    }

    /** Shares a group chat. */
    async sendShareChat(chatId) {
      return reply(await this.#inner.sendShareChat(String(chatId)));
    }

    /** The `sign` field for `timestamp` (Unix seconds, now by default) with this bot's secret. */
    sign(timestamp = Math.floor(Date.now() / 1000)) {
      if (this.#secret === undefined) throw new Error('this CustomBot has no secret to sign with');
      return glue.signWebhook(whole(timestamp), this.#secret);
    }

    /** The `sign` field for `timestamp` (Unix seconds) and `secret`. */
    static sign(timestamp, secret) {
      wasm.assertReady();
      return glue.signWebhook(whole(timestamp), String(secret));
    }

    /** Frees the wasm memory now instead of at garbage collection. */
    free() {
      this.#inner.free();
    }
  };
}
