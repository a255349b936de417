// Node: the channel build's wasm is read from the package and instantiated on import.
import { readFileSync } from 'node:fs';
import { initSync } from './index.js';

initSync(readFileSync(new URL('../../wasm/channel/lark_wasm_bg.wasm', import.meta.url)));

export * from './index.js';
