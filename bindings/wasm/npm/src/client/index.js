// lark-sdk/client: only LarkClient (every endpoint, tokens, raw requests), in a smaller
// wasm build without events and custom bots. `lark-sdk/api/<service>` is the same with
// one service's table.
import { glue, wasm } from './wasm.js';
import { larkClientClass } from '../client.js';
import { CATALOG } from '../generated/catalog.js';

export { AppType, Domain, LarkError, isLarkError, withAll, withHelpDeskCredential, withTenantKey, withTenantToken, withUser, withUserAccessToken } from '../client.js';
export { CATALOG, ENDPOINTS } from '../generated/catalog.js';

/** Loads the wasm (a URL, Response, bytes or WebAssembly.Module; by default the packaged file). */
export const init = (input) => wasm.init(input);
/** Loads the wasm synchronously from bytes or a WebAssembly.Module. */
export const initSync = (module) => wasm.initSync(module);

export const LarkClient = larkClientClass(glue, wasm, undefined, CATALOG);
/** node-sdk's name of the client. */
export const Client = LarkClient;
