// Cloudflare Workers: the channel build's wasm, imported as a compiled WebAssembly.Module.
// Events come as HTTP callbacks (`channel.handleEvent(request, ctx)`): a Worker lives for its
// requests, so the long connection is not for it.
import module from '../../wasm/channel/lark_wasm_bg.wasm';
import { initSync } from './index.js';

initSync(module);

export * from './index.js';
