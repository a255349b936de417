// Cloudflare Workers: the client-only wasm, imported as a compiled WebAssembly.Module.
import module from '../../wasm/client/lark_wasm_bg.wasm';
import { initSync } from './index.js';

initSync(module);

export * from './index.js';
