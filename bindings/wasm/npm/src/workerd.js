// Cloudflare Workers: the Workers build of the wasm (the full one without the long connection:
// a Worker lives for its requests, so events come as HTTP callbacks), imported as a compiled
// WebAssembly.Module (wrangler's and miniflare's module rules), so no fetch and no eval is
// needed at start-up.
import module from '../wasm/workers/lark_wasm_bg.wasm';
import * as glue from '../wasm/workers/lark_wasm.js';
import { loader } from './loader.js';
import { sdkClasses } from './classes.js';

const wasm = loader(glue, 'lark-sdk');
wasm.initSync(module);

export * from './sdk.js';
export const { init, initSync, CustomBot, EventDispatcher, CardActionHandler, WSClient, LarkClient, Client } = sdkClasses(glue, wasm);
