// lark-sdk/bot: only the custom bot, in a smaller wasm build.
import * as glue from '../../wasm/bot/lark_wasm.js';
import { loader } from '../loader.js';
import { customBotClass } from '../custom-bot.js';

const wasm = loader(glue, 'lark-sdk/bot');

/** Loads the wasm (a URL, Response, bytes or WebAssembly.Module; by default the packaged file). */
export const init = (input) => wasm.init(input);
/** Loads the wasm synchronously from bytes or a WebAssembly.Module. */
export const initSync = (module) => wasm.initSync(module);

export const CustomBot = customBotClass(glue, wasm);
