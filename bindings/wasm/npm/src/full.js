// The full build: app client, events and custom bot.
import * as glue from '../wasm/full/lark_wasm.js';
import { loader } from './loader.js';

export { glue };
export const wasm = loader(glue, 'lark-sdk');
