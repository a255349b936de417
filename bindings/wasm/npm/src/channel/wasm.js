// The channel build: the full one (client, events, long connection, files, users, custom bot,
// observer) with the channel layer (lark-bot-channel).
import * as glue from '../../wasm/channel/lark_wasm.js';
import { loader } from '../loader.js';

export { glue };
export const wasm = loader(glue, 'lark-sdk/channel');
