// `LarkChannel` / `createLarkChannel`: the channel layer in node-sdk's shape, over the Rust
// channel (lark-bot-channel), compiled into the `channel` wasm build (`lark-sdk/channel`). Every rule — the
// normalized message, the policy, de-duplication, per-chat order, bursts, stale messages,
// chunking, the SSRF guard, throttled streaming — is the Rust side's; this file maps options,
// fans events out to handlers and picks the transport.
import { CORE } from './core-symbol.js';
import { buildError } from './client.js';

const EVENT_NAMES = ['message', 'reject', 'cardAction', 'reaction', 'botAdded', 'botRemoved', 'error'];
/** How long `idle()` waits for the chats by default: what a Worker's `waitUntil` allows after the answer. */
const IDLE_LIMIT_MS = 30_000;
const IDLE_POLL_MS = 10;

function channelError(code, message, cause) {
  const error = new Error(message, cause === undefined ? undefined : { cause });
  error.name = 'LarkChannelError';
  error.code = code;
  return error;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The `LarkChannel` class over one wasm build, its `LarkClient`, `EventDispatcher` and `WSClient`;
 * `defaultFetchMedia` (`{ resolve, get }`, Node's in the node entry) does the IO of media URLs.
 */
export function larkChannelClass(glue, wasm, LarkClient, EventDispatcher, WSClient, defaultFetchMedia) {
  class LarkChannel {
    #opts;
    #core;
    #handlers = new Map(EVENT_NAMES.map((name) => [name, new Set()]));
    #running;

    /** @param {import('./channel.d.ts').LarkChannelOptions} opts */
    constructor(opts) {
      wasm.assertReady();
      if (opts === null || typeof opts !== 'object') throw buildError('createLarkChannel needs options: { appId, appSecret, ... }');
      const transport = opts.transport ?? 'websocket';
      if (transport !== 'websocket' && transport !== 'webhook') throw buildError(`transport must be websocket or webhook, not ${String(transport)}`);
      if (opts.policy?.dmMode === 'pair') throw buildError('dmMode pair is not supported: use allowlist');
      this.#opts = { ...opts, transport };
      const { webhook = {}, safety = {}, policy, outbound, includeRawEvent, includeRawInMessage, botOpenId, transport: _t, ...clientOptions } = opts;
      this.rawClient = new LarkClient(clientOptions);
      const ttl = safety.dedup?.ttl;
      this.eventDispatcher = new EventDispatcher({
        verificationToken: webhook.verificationToken,
        encryptKey: webhook.encryptKey,
        allowUnverified: webhook.allowUnverified === true,
        dedupStore: safety.dedup?.store,
        dedupTtlSecs: typeof ttl === 'number' ? Math.ceil(ttl / 1000) : undefined,
        client: this.rawClient,
      });
      this.#core = new glue.WasmChannel(
        this.rawClient[CORE](),
        this.eventDispatcher[CORE](),
        {
          policy: policy ?? {},
          safety: {
            staleMessageWindowMs: safety.staleMessageWindowMs,
            mergeWindowMs: safety.batch?.text?.delayMs,
            queueLimit: safety.chatQueue?.limit,
          },
          outbound: outbound ?? {},
          botOpenId,
          fetchMedia: mediaIo(outbound?.fetchMedia, defaultFetchMedia),
          keepRaw: includeRawEvent === true || includeRawInMessage === true,
        },
        {
          message: (json) => this.#emit('message', JSON.parse(json)),
          event: (json) => {
            const { kind, ...event } = JSON.parse(json);
            return this.#emit(kind, event);
          },
          reject: (json) => void this.#emit('reject', JSON.parse(json)).catch(() => {}),
          error: (text) => void this.#emit('error', channelError('unknown', text)).catch(() => {}),
        },
      );
    }

    /** Each handler of `name` in turn (a chat's next message waits for them). */
    async #emit(name, value) {
      for (const handler of [...(this.#handlers.get(name) ?? [])]) {
        try {
          await handler(value);
        } catch (error) {
          if (name === 'error') continue;
          await this.#emit('error', channelError('unknown', `a ${name} handler threw: ${error?.message ?? error}`, error));
        }
      }
    }

    /** `on('message', fn)` or `on({ message, reject, ... })`; returns a function that removes them. */
    on(name, handler) {
      if (typeof name === 'object' && name !== null) {
        const off = Object.entries(name).map(([key, fn]) => this.on(key, fn));
        return () => off.forEach((f) => f());
      }
      const set = this.#handlers.get(name);
      if (set === undefined) throw buildError(`unknown channel event ${String(name)} (one of ${EVENT_NAMES.join(', ')})`);
      if (typeof handler !== 'function') throw new TypeError('the handler must be a function');
      set.add(handler);
      return () => set.delete(handler);
    }

    /**
     * Starts receiving: the long connection (transport `websocket`), or nothing to start for
     * `webhook` (route requests to `handleEvent` / `handleRequest`). Resolves once started and
     * the bot's identity is asked for; a fatal long-connection error is emitted as `error`.
     */
    async connect() {
      if (this.#opts.transport === 'websocket' && this.rawWsClient === undefined) {
        this.rawWsClient = new WSClient(this.#opts);
        this.#running = this.rawWsClient.start({ eventDispatcher: this.eventDispatcher }).catch((error) =>
          this.#emit('error', channelError('not_connected', error?.message ?? String(error), error)),
        );
      }
      const openId = await this.#core.botOpenId();
      if (openId !== undefined) this.botIdentity = { openId };
    }

    /** Closes the long connection (handlers in hand get up to 3 s to be acked). */
    async disconnect() {
      await this.rawWsClient?.close();
      await this.#running;
      this.rawWsClient = undefined;
      this.#running = undefined;
    }

    /**
     * Answers one HTTP callback (a Fetch API Request). The event is acked before its handlers
     * run; pass a Worker's `ctx` and the handlers are kept alive after the answer through
     * `ctx.waitUntil(channel.idle())`.
     */
    async handleEvent(request, ctx) {
      const response = await this.eventDispatcher.handleEvent(request);
      if (typeof ctx?.waitUntil === 'function') ctx.waitUntil(this.idle());
      return response;
    }

    /** The same for any server (`adaptDefault(path, channel)`, `adaptExpress(channel)`, ...). */
    handleRequest(method, headers, rawBody) {
      return this.eventDispatcher.handleRequest(method, headers, rawBody);
    }

    /** Resolves once no chat has messages waiting or in hand (at most `limitMs`, 30 s by default): whether it got there. */
    async idle(limitMs = IDLE_LIMIT_MS) {
      const until = Date.now() + limitMs;
      while (this.#core.busyChats() > 0) {
        if (Date.now() >= until) return false;
        await sleep(IDLE_POLL_MS);
      }
      return true;
    }

    /**
     * Sends to the chat `to` (or, with `replyTo`, replies to that message): `{ text }` and
     * `{ markdown }` cut to the platform's limits, `{ image: { source } }` and
     * `{ file: { source, fileName } }`, `{ video: { source, duration, coverImageKey } }` (MP4)
     * and `{ audio: { source, duration } }` (Opus in Ogg; durations in milliseconds) from bytes
     * or a URL (behind the SSRF guard), `{ post }`,
     * `{ card }`, `{ shareChat }`, `{ shareUser }`, `{ sticker }` as they are.
     */
    async send(to, input, opts = {}) {
      const replyTo = opts.replyTo;
      const inThread = opts.replyInThread === true;
      if (input === null || typeof input !== 'object') throw buildError('send needs an input such as { text }');
      try {
        if (typeof input.text === 'string' || typeof input.markdown === 'string') {
          const markdown = typeof input.markdown === 'string';
          const ids = await this.#core.text(String(to), replyTo, markdown ? input.markdown : input.text, markdown, inThread);
          return { messageId: ids[0] ?? '', chunkIds: ids };
        }
        const kind = MEDIA_KINDS.find((k) => input[k] !== undefined);
        if (kind !== undefined) {
          const media = input[kind];
          const source = typeof media.source === 'string' ? media.source : toBytes(media.source);
          const messageId = await this.#core.media(String(to), replyTo, kind, source, media.fileName, inThread, media.duration, media.coverImageKey);
          return { messageId };
        }
        const [msgType, content] = plainContent(input);
        return { messageId: await this.#plain(String(to), replyTo, inThread, msgType, content) };
      } catch (error) {
        throw error?.kind === 'ssrf' ? channelError('ssrf_blocked', error.message, error) : error;
      }
    }

    async #plain(to, replyTo, inThread, msgType, content) {
      const json = JSON.stringify(content);
      const out = replyTo
        ? await this.rawClient.im.message.reply({ path: { message_id: replyTo }, data: { msg_type: msgType, content: json, reply_in_thread: inThread } })
        : await this.rawClient.im.message.create({ params: { receive_id_type: 'chat_id' }, data: { receive_id: to, msg_type: msgType, content: json } });
      return out?.data?.message_id ?? '';
    }

    /**
     * Streams an answer into a CardKit card replying to `opts.replyTo`: `{ markdown: async (c) => { await c.append('...') } }`.
     * Updates are throttled (`outbound.streamThrottleMs`, `streamThrottleChars`); the final one
     * carries the whole text, or the answer goes as a plain reply when the card fails.
     */
    async stream(to, input, opts = {}) {
      if (typeof input?.markdown !== 'function') throw buildError('stream supports { markdown: producer } (card streams are not supported)');
      if (typeof opts.replyTo !== 'string') throw buildError('stream needs opts.replyTo: the answer replies to a message');
      const stream = await this.#core.stream(String(to), opts.replyTo, opts.replyInThread === true);
      const messageId = stream.messageId() ?? '';
      const controller = {
        messageId,
        append: (chunk) => stream.push(String(chunk)),
        setContent: async (full) => {
          const text = String(full);
          const current = stream.text();
          if (!text.startsWith(current)) throw buildError('setContent can only extend the text streamed so far');
          if (text.length > current.length) await stream.push(text.slice(current.length));
        },
      };
      await input.markdown(controller);
      const inCard = await stream.finish();
      return { messageId: inCard ? messageId : '' };
    }

    /** Adds a reaction to a message; resolves to its `reaction_id`. */
    async addReaction(messageId, emojiType) {
      const out = await this.rawClient.im.messageReaction.create({ path: { message_id: messageId }, data: { reaction_type: { emoji_type: emojiType } } });
      return out?.data?.reaction_id ?? '';
    }

    /** Removes one of the bot's reactions. */
    async removeReaction(messageId, reactionId) {
      await this.rawClient.im.messageReaction.delete({ path: { message_id: messageId, reaction_id: reactionId } });
    }

    /** Recalls one of the bot's messages. */
    async recallMessage(messageId) {
      await this.rawClient.im.message.delete({ path: { message_id: messageId } });
    }

    /** The policy options the channel was made with (the Rust policy is fixed when it is built). */
    getPolicy() {
      return Object.freeze({ ...(this.#opts.policy ?? {}) });
    }

    free() {
      this.#core.free();
    }
  }
  return LarkChannel;
}

/** What `send` uploads before it sends, in the order it looks for them. */
const MEDIA_KINDS = ['image', 'file', 'video', 'audio'];

/** The media IO: the platform's default with what `outbound.fetchMedia` replaces, or none. */
function mediaIo(given, fallback) {
  const io = { ...(fallback ?? {}), ...(given ?? {}) };
  return typeof io.resolve === 'function' && typeof io.get === 'function' ? io : undefined;
}

function toBytes(source) {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (ArrayBuffer.isView(source)) return new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  throw buildError('a media source is a URL string or bytes (Uint8Array, Buffer)');
}

function plainContent(input) {
  if (input.post !== undefined) return ['post', input.post];
  if (input.card !== undefined) return ['interactive', input.card];
  if (input.shareChat !== undefined) return ['share_chat', { chat_id: input.shareChat.chatId }];
  if (input.shareUser !== undefined) return ['share_user', { user_id: input.shareUser.userId }];
  if (input.sticker !== undefined) return ['sticker', { file_key: input.sticker.fileKey }];
  throw buildError('send takes one of text, markdown, image, file, post, card, shareChat, shareUser, sticker');
}
