// lark-sdk/channel: everything lark-sdk exports, and the channel layer (`createLarkChannel`,
// `LarkChannel`), over a wasm build of its own: the channel's typed messages, cards and
// streaming add about 130 KB gzip, which the main entry's builds (and every Worker on them)
// do not carry. Browsers and extensions call `await init()` first; the `node` and `workerd`
// conditions load the wasm on import.
import { glue, wasm } from './wasm.js';
import { sdkClasses } from '../classes.js';

export * from '../sdk.js';
export const { init, initSync, CustomBot, EventDispatcher, CardActionHandler, WSClient, LarkClient, Client, LarkChannel, createLarkChannel } = sdkClasses(glue, wasm);
