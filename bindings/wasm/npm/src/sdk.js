// What every full entry of lark-sdk (index.js, workerd.js) exports as it is; the classes over
// one wasm build come from classes.js.
export { AppType, Domain, LarkError, isLarkError, withAll, withHelpDeskCredential, withTenantKey, withTenantToken, withUser, withUserAccessToken } from './client.js';
export { signInWithWebAuthFlow } from './users.js';
/** node-sdk's `LoggerLevel`, for the `loggerLevel` option. */
export { LoggerLevel } from './observe.js';
export { CATALOG, ENDPOINTS } from './generated/catalog.js';
/** Message contents and card JSON 2.0 builders (also `lark-sdk/message`). */
export * as message from './message.js';
export { DurableObjectDedupStore, DurableObjectRefreshLock, KvAppTicketStore, KvEventDedupStore, KvTokenStore, KvUserTokenStore, LarkCoordinator, userSignInRoutes } from './stores.js';
export { adaptDefault, adaptExpress, adaptKoa, adaptKoaRouter } from './adapters.js';
