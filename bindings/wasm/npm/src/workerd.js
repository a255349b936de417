// Cloudflare Workers: wrangler (and miniflare's module rules) import the .wasm as a compiled
// WebAssembly.Module, so no fetch and no eval is needed at start-up.
import module from '../wasm/full/lark_wasm_bg.wasm';
import { initSync } from './index.js';

initSync(module);

export * from './index.js';
