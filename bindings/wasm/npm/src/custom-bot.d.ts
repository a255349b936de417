import type { LarkFetch } from './transport.js';

/** What the platform answered a custom-bot post. */
export interface BotReply {
  msg: string;
  httpStatus: number;
  logId: string | null;
  data: unknown;
}

/** A mention in a text message. */
export interface Mention {
  openId: string;
  name?: string;
}

/** Posts to a custom-bot webhook, signing when a secret is given. */
export declare class CustomBot {
  /** `fetch`: what sends the posts, as the client's `fetch` option. */
  constructor(webhook: string, options?: { secret?: string; fetch?: LarkFetch });
  sendText(text: string, options?: { mentions?: Mention[]; atAll?: boolean }): Promise<BotReply>;
  /** Rich text: `{ zh_cn: { title, content: [[{ tag: 'text', text }]] } }`. */
  sendPost(post: Record<string, unknown>): Promise<BotReply>;
  /** An interactive card, as its JSON object. */
  sendCard(card: Record<string, unknown>): Promise<BotReply>;
  sendImage(imageKey: string): Promise<BotReply>;
  sendShareChat(chatId: string): Promise<BotReply>;
  /** The `sign` field for `timestamp` (Unix seconds, now by default) with this bot's secret. */
  sign(timestamp?: number): string;
  /** The `sign` field: base64 HMAC-SHA256 keyed with `"{timestamp}\n{secret}"` over nothing. */
  static sign(timestamp: number, secret: string): string;
  free(): void;
}
