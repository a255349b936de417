// `WSClient`: events over the platform's long connection (its WebSocket), handled by an
// EventDispatcher's handlers. The protocol (frames, fragments, acks, pings, liveness,
// reconnects) is the Rust core's (lark_fetch::ws), compiled into the full wasm build.
import { CORE } from './core-symbol.js';
import { buildError } from './client.js';

/** The `WSClient` class over one wasm build. */
export function wsClientClass(glue, wasm) {
  return class WSClient {
    #options;
    #core;
    #running;

    /**
     * @param {{ appId: string, appSecret: string, domain?: string, baseUrl?: string }} options
     *   As node-sdk's `new lark.WSClient({ appId, appSecret, domain })`.
     */
    constructor(options) {
      wasm.assertReady();
      if (glue.WasmWs === undefined) {
        // The Workers build: a Worker lives for its requests, a long connection needs a process.
        throw buildError('the long connection does not run in Cloudflare Workers: receive events as HTTP callbacks (EventDispatcher)');
      }
      // Read and checked by the wasm core as LarkClient's options are (appId, appSecret, domain or baseUrl).
      glue.checkClientOptions(options);
      this.#options = { ...options };
    }

    /**
     * Connects and receives events for `eventDispatcher` (as node-sdk: `start({ eventDispatcher })`;
     * the dispatcher itself works too) until `close()`. Resolves once closed; rejects with a
     * LarkError of kind `ws` on what retrying cannot mend (a wrong secret, no WebSocket here).
     * Each handler's answer is acked as it finishes; a card action's reply goes in the ack.
     */
    start(arg) {
      const dispatcher = arg?.eventDispatcher ?? arg;
      if (typeof dispatcher?.[CORE] !== 'function') {
        return Promise.reject(buildError('start needs an EventDispatcher: start({ eventDispatcher })'));
      }
      if (this.#running !== undefined) return Promise.reject(buildError('this WSClient was already started'));
      this.#core = new glue.WasmWs(this.#options, dispatcher[CORE]());
      this.#running = this.#core.run();
      return this.#running;
    }

    /** Stops: running handlers get up to 3 s to be acked, then the connection closes. */
    close() {
      this.#core?.stop();
      return this.#running ?? Promise.resolve();
    }
  };
}
