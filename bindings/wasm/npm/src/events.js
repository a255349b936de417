// `EventDispatcher`: events and callbacks checked, decrypted and answered by the wasm core
// (lark-core's dispatcher), handled by JavaScript functions chosen by event type.
import { CORE } from './core-symbol.js';

async function bytes(body) {
  if (typeof body === 'string') return new TextEncoder().encode(body);
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  if (body && typeof body.arrayBuffer === 'function') return new Uint8Array(await body.arrayBuffer());
  throw new TypeError('the raw body must be a string, bytes, a Blob or a Request');
}

function flatHeaders(headers) {
  const out = [];
  if (headers == null) return out;
  if (typeof headers.forEach === 'function' && !Array.isArray(headers)) {
    headers.forEach((value, name) => out.push(String(name), String(value)));
  } else {
    const entries = Array.isArray(headers) ? headers : Object.entries(headers);
    for (const [name, value] of entries) {
      if (value === undefined || value === null) continue;
      out.push(String(name), Array.isArray(value) ? value.join(', ') : String(value));
    }
  }
  return out;
}

/**
 * node-sdk's `CardActionHandler(params, handler)` over an EventDispatcher: `handler(data)` gets
 * a card callback — the legacy one (`card.action.trigger_v1`: the body as sent, `open_id`,
 * `action`, ...) or the current one (`card.action.trigger`: the event's fields with `event_id`,
 * `event_type`, ... beside them, as `register` gives) — and returns the reply (a card, a toast),
 * or nothing for `{}`. Verified by the dispatcher: the SHA-1 signature with the verification
 * token for legacy callbacks, the token or the encrypt key's signature for the current ones.
 */
export function cardActionHandlerClass(EventDispatcher) {
  return class CardActionHandler {
    #events;

    constructor(params = {}, handler) {
      if (typeof handler !== 'function') throw new TypeError('the card handler must be a function');
      this.#events = new EventDispatcher(params)
        .on('card.action.trigger_v1', (event) => handler(event.payload ?? {}))
        .register({ 'card.action.trigger': handler });
    }

    /** Answers one request, as EventDispatcher's does. */
    handleEvent(request) {
      return this.#events.handleEvent(request);
    }

    /** Answers one request from any server, as EventDispatcher's does. */
    handleRequest(method, headers, rawBody) {
      return this.#events.handleRequest(method, headers, rawBody);
    }

    free() {
      this.#events.free();
    }
  };
}

/** The `EventDispatcher` class over one wasm build. */
export function eventDispatcherClass(glue, wasm) {
  return class EventDispatcher {
    #inner;
    #handlers = new Map();
    #fallback;

    /**
     * @param {{ encryptKey?: string, verificationToken?: string, allowUnverified?: boolean, freshnessSecs?: number, client?: object, dedupStore?: object, dedupTtlSecs?: number, appTicketStore?: object, appId?: string }} [options]
     *   Without `verificationToken` or `encryptKey` every request is refused (500) unless
     *   `allowUnverified` is `true`; an `app_ticket` is taken only from a verified request.
     *   `client` (a LarkClient) receives pushed `app_ticket`s; so does `appTicketStore` (with
     *   `appId`), for an instance that makes no calls. `dedupStore` (`firstSeen(eventId, ttlMs)`,
     *   `forget(eventId)`, such as a KvEventDedupStore) remembers event ids beyond this instance,
     *   for `dedupTtlSecs` (12 hours by default).
     */
    constructor(options = {}) {
      wasm.assertReady();
      this.#inner = new glue.WasmEvents({
        encryptKey: options.encryptKey,
        verificationToken: options.verificationToken,
        allowUnverified: options.allowUnverified === true,
        freshnessSecs: options.freshnessSecs,
        dedupStore: options.dedupStore,
        dedupTtlSecs: options.dedupTtlSecs,
        appTicketStore: options.appTicketStore,
        appId: options.appId,
        dispatch: (json) => this.#dispatch(json),
      });
      if (options.client !== undefined) this.#inner.ticketsTo(options.client[CORE]());
    }

    /** Handles events of `type` (`im.message.receive_v1`, `card.action.trigger`, ...). A callback's handler returns the reply. */
    on(type, handler) {
      if (typeof handler !== 'function') throw new TypeError('the handler must be a function');
      this.#handlers.set(String(type), handler);
      return this;
    }

    /**
     * node-sdk's `register({ 'im.message.receive_v1': async (data) => ... })`: each handler gets
     * node-sdk's `data`, the event's fields with `event_id`, `event_type`, `create_time`,
     * `tenant_key` and `app_id` beside them.
     */
    register(handlers) {
      for (const [type, handler] of Object.entries(handlers ?? {})) {
        if (typeof handler !== 'function') throw new TypeError(`the handler of ${type} must be a function`);
        this.on(type, (event) =>
          handler({
            ...(event.payload ?? {}),
            event_id: event.id,
            event_type: event.type,
            create_time: event.createTime,
            tenant_key: event.tenantKey,
            app_id: event.appId,
          }),
        );
      }
      return this;
    }

    /** Handles every event type without a handler of its own. */
    fallback(handler) {
      if (typeof handler !== 'function') throw new TypeError('the handler must be a function');
      this.#fallback = handler;
      return this;
    }

    async #dispatch(json) {
      const event = JSON.parse(json);
      const handler = this.#handlers.get(event.type) ?? this.#fallback;
      if (handler === undefined) return undefined;
      const reply = await handler(event);
      return reply === undefined ? undefined : JSON.stringify(reply);
    }

    /**
     * Answers one event or callback request (a Fetch API Request, as Workers and browsers have):
     * 401 for a bad signature, stale timestamp or token, 400 for what cannot be decrypted, the
     * challenge for url_verification, 200 `{}` (or a callback's reply) once the handler is done,
     * 500 when it throws (the platform then delivers again).
     */
    async handleEvent(request) {
      const out = await this.handleRequest(request.method, request.headers, request);
      return new Response(out.body, { status: out.status, headers: out.headers });
    }

    /**
     * The same for any server: `headers` as a Headers, an object (Node's `req.headers`) or
     * `[name, value]` pairs, `rawBody` the bytes as received (a string, bytes, a Blob or a
     * Request). Resolves to `{ status, headers: [[name, value], ...], body: Uint8Array }`.
     */
    async handleRequest(method, headers, rawBody) {
      const out = await this.#inner.handle(String(method ?? 'POST'), flatHeaders(headers), await bytes(rawBody));
      const pairs = [];
      for (let i = 0; i + 1 < out.headers.length; i += 2) pairs.push([out.headers[i], out.headers[i + 1]]);
      return { status: out.status, headers: pairs, body: out.body };
    }

    /**
     * Checks the signature, freshness and token and decrypts, without running handlers: the
     * event `{ type, id, createTime, appId, tenantKey, schema, encrypted, payload }`, or
     * `{ type: 'url_verification', challenge }`. Rejects with a LarkError of kind `event`.
     */
    async verifyAndDecrypt(headers, rawBody) {
      return JSON.parse(await this.#inner.verifyAndDecrypt(flatHeaders(headers), await bytes(rawBody)));
    }

    /** @internal the wasm dispatcher, for a WSClient. */
    [CORE]() {
      return this.#inner;
    }

    free() {
      this.#inner.free();
    }
  };
}
