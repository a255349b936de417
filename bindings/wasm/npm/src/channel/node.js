// Node: the channel build's wasm is read from the package and instantiated on import; requests
// go through node:http (node-http.js), and the channel fetches media URLs through Node's
// resolver and http(s) (src/media-node.js).
import { readFileSync } from 'node:fs';
import '../node-http.js';
import { EventDispatcher, LarkClient, WSClient, initSync } from './index.js';
import { glue, wasm } from './wasm.js';
import { larkChannelClass } from '../channel.js';
import { nodeFetchMedia } from '../media-node.js';

initSync(readFileSync(new URL('../../wasm/channel/lark_wasm_bg.wasm', import.meta.url)));

export * from './index.js';
/** node-sdk's channel, fetching media URLs in Node: see channel.d.ts. */
export const LarkChannel = larkChannelClass(glue, wasm, LarkClient, EventDispatcher, WSClient, nodeFetchMedia);
/** `new LarkChannel(opts)`, as node-sdk's `createLarkChannel`. */
export const createLarkChannel = (opts) => new LarkChannel(opts);
