// The client-only entry: LarkClient without events (its `events`, `on`, `handleEvent` and
// `verifyAndDecrypt` throw; use the main entry for them).
export { LarkClient, Client, isLarkError, LarkError, AppType, Domain, withAll, withHelpDeskCredential, withTenantKey, withTenantToken, withUser, withUserAccessToken, CATALOG, ENDPOINTS } from '../index.js';
export type * from '../index.js';

/** Loads the client-only wasm; Node and Workers entry points have already done it. */
export declare function init(input?: import('../index.js').WasmInput | Promise<Response>): Promise<void>;
/** Loads the client-only wasm synchronously from bytes or a compiled module. */
export declare function initSync(module: BufferSource | WebAssembly.Module): void;
