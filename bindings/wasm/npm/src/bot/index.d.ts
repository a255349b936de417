export { CustomBot, BotReply, Mention } from '../custom-bot.js';
export type { WasmInput } from '../index.js';

/** Loads the bot-only wasm; Node and Workers entry points have already done it. */
export declare function init(input?: import('../index.js').WasmInput | Promise<Response>): Promise<void>;
/** Loads the bot-only wasm synchronously from bytes or a compiled module. */
export declare function initSync(module: BufferSource | WebAssembly.Module): void;
