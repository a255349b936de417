// lark-sdk: browsers and extensions load the wasm with `await init()`; the `node` and
// `workerd` export conditions pick entry points that load it on import.
import { glue, wasm } from './full.js';
import { sdkClasses } from './classes.js';

export * from './sdk.js';
export const { init, initSync, CustomBot, EventDispatcher, CardActionHandler, WSClient, LarkClient, Client } = sdkClasses(glue, wasm);
