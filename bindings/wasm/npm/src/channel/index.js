// lark-sdk/channel: everything lark-sdk exports, and the channel layer (`createLarkChannel`,
// `LarkChannel`), over a wasm build of its own: the channel's typed messages, cards and
// streaming add about 130 KB gzip, which the main entry's builds (and every Worker on them)
// do not carry. Browsers and extensions call `await init()` first; the `node` and `workerd`
// conditions load the wasm on import.
import { glue, wasm } from './wasm.js';
import { sdkClasses } from '../classes.js';
import { larkChannelClass } from '../channel.js';

export * from '../sdk.js';
const classes = sdkClasses(glue, wasm);
export const { init, initSync, CustomBot, EventDispatcher, CardActionHandler, WSClient, LarkClient, Client } = classes;
/** node-sdk's channel: see channel.d.ts. */
export const LarkChannel = larkChannelClass(glue, wasm, LarkClient, EventDispatcher, WSClient);
/** `new LarkChannel(opts)`, as node-sdk's `createLarkChannel`. */
export const createLarkChannel = (opts) => new LarkChannel(opts);
