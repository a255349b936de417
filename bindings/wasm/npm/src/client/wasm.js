// The client-only wasm build, loaded once for `lark-sdk/client` and every
// `lark-sdk/api/<service>` entry (they share one instance).
import * as glue from '../../wasm/client/lark_wasm.js';
import { loader } from '../loader.js';

export { glue };
export const wasm = loader(glue, 'lark-sdk/client');
