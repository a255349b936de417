// Cloudflare Workers: the bot-only wasm, imported as a compiled WebAssembly.Module.
import module from '../../wasm/bot/lark_wasm_bg.wasm';
import { initSync } from './index.js';

initSync(module);

export * from './index.js';
