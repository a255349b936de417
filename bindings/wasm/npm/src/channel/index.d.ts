// lark-sdk/channel: what lark-sdk exports, and the channel layer.
export * from '../index.js';
export * from '../channel.js';
