/** @internal how a LarkClient hands its wasm client to an event dispatcher. */
export const CORE = Symbol('lark.core');
