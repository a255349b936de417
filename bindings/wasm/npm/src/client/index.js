// @lark-sdk/wasm/client: only LarkClient (every endpoint, tokens, raw requests), in a smaller
// wasm build without events and custom bots.
import * as glue from '../../wasm/client/lark_wasm.js';
import { loader } from '../loader.js';
import { larkClientClass } from '../client.js';

const wasm = loader(glue, '@lark-sdk/wasm/client');

export { isLarkError } from '../client.js';

/** Loads the wasm (a URL, Response, bytes or WebAssembly.Module; by default the packaged file). */
export const init = (input) => wasm.init(input);
/** Loads the wasm synchronously from bytes or a WebAssembly.Module. */
export const initSync = (module) => wasm.initSync(module);

export const LarkClient = larkClientClass(glue, wasm, undefined);
