// lark-sdk: browsers and extensions load the wasm with `await init()`; the `node` and
// `workerd` export conditions pick entry points that load it on import.
import { glue, wasm } from './full.js';
import { customBotClass } from './custom-bot.js';
import { larkClientClass } from './client.js';
import * as files from './files.js';
import * as users from './users.js';
import { cardActionHandlerClass, eventDispatcherClass } from './events.js';
import { wsClientClass } from './ws.js';

import { CATALOG } from './generated/catalog.js';

export { AppType, Domain, LarkError, isLarkError, withAll, withHelpDeskCredential, withTenantKey, withTenantToken, withUser, withUserAccessToken } from './client.js';
export { signInWithWebAuthFlow } from './users.js';
export { CATALOG, ENDPOINTS } from './generated/catalog.js';
/** Message contents and card JSON 2.0 builders (also `lark-sdk/message`). */
export * as message from './message.js';
export { DurableObjectDedupStore, DurableObjectRefreshLock, KvAppTicketStore, KvEventDedupStore, KvTokenStore, KvUserTokenStore, LarkCoordinator, userSignInRoutes } from './stores.js';

/** Loads the wasm (a URL, Response, bytes or WebAssembly.Module; by default the packaged file). */
export const init = (input) => wasm.init(input);
/** Loads the wasm synchronously from bytes or a WebAssembly.Module. */
export const initSync = (module) => wasm.initSync(module);

export const CustomBot = customBotClass(glue, wasm);
export const EventDispatcher = eventDispatcherClass(glue, wasm);
/** node-sdk's card callback handler, over an EventDispatcher. */
export const CardActionHandler = /* @__PURE__ */ cardActionHandlerClass(EventDispatcher);
export { adaptDefault, adaptExpress, adaptKoa, adaptKoaRouter } from './adapters.js';
export const WSClient = wsClientClass(glue, wasm);
export const LarkClient = larkClientClass(glue, wasm, EventDispatcher, CATALOG, files, users);
/** node-sdk's name of the client. */
export const Client = LarkClient;
