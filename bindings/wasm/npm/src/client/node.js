// Node: the client-only wasm is read from the package and instantiated on import; requests
// go through node:http (node-http.js).
import { readFileSync } from 'node:fs';
import '../node-http.js';
import { initSync } from './index.js';

initSync(readFileSync(new URL('../../wasm/client/lark_wasm_bg.wasm', import.meta.url)));

export * from './index.js';
