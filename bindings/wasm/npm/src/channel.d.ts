// The channel layer in node-sdk's shape (`createLarkChannel`, `LarkChannel`), over the Rust
// channel (lark-bot-channel) in the full and Workers builds. Option and event names follow
// node-sdk 1.74; where the Rust layer has no equivalent of an option, its doc says so.
import type { EventDispatcher, LarkClient, WSClient } from './index.js';
import type { LarkClientOptions } from './generated/options.js';
import type { EventDedupStore } from './stores.js';

export type ChatType = 'p2p' | 'group';

/** A message in, normalized (by the Rust channel). */
export interface NormalizedMessage {
  messageId: string;
  chatId: string;
  /** `p2p`, `group` (topic groups too), or a type the platform added since. */
  chatType: ChatType | (string & {});
  /** The sender's open id (else union id, else user id). */
  senderId: string;
  /** Every id of the sender, its type (`user`, `app`) and tenant. */
  sender: { openId?: string; unionId?: string; userId?: string; senderType: string; tenantKey?: string };
  /** Not set: events carry no sender name (node-sdk looks it up; call `rawClient.contact` for it). */
  senderName?: string;
  /** What a user reads: mentions as `@name`, the bot's own mention removed; merged bursts joined by newlines. */
  content: string;
  /** The platform's `message_type`: `text`, `post`, `image`, … */
  rawContentType: string;
  /** The `content` JSON as the platform sent it. */
  contentJson: unknown;
  resources: ResourceDescriptor[];
  mentions: MentionInfo[];
  mentionAll: boolean;
  mentionedBot: boolean;
  rootId?: string;
  threadId?: string;
  /** The message this one replies to (`parent_id`). */
  replyToMessageId?: string;
  /** Unix milliseconds. */
  createTime: number;
  eventId?: string;
  /** The ids of the messages of a burst merged into this one after the first. */
  mergedIds: string[];
  /** The raw event payload, with `includeRawEvent`. */
  raw?: unknown;
}

export interface ResourceDescriptor {
  type: 'image' | 'file' | 'audio' | 'video' | 'sticker';
  fileKey: string;
  fileName?: string;
}

export interface MentionInfo {
  key: string;
  name: string;
  openId?: string;
  unionId?: string;
  userId?: string;
  isBot: boolean;
}

/**
 * Why a message was dropped. node-sdk's policy reasons, and (unlike node-sdk, which drops them
 * silently) `stale`, `queue_full`, `malformed` and `unsupported_chat_type`. Re-deliveries are
 * dropped silently. `mention_all_blocked` is not used: an @all without `respondToMentionAll`
 * is `no_mention`.
 */
export type RejectReason =
  | 'group_not_allowed'
  | 'sender_not_allowed'
  | 'no_mention'
  | 'dm_disabled'
  | 'stale'
  | 'queue_full'
  | 'malformed'
  | 'unsupported_chat_type';

export interface RejectEvent {
  reason: RejectReason;
  /** The age in ms (`stale`), what was wrong (`malformed`), the chat type. */
  detail?: unknown;
  /** The reason, readable. */
  message: string;
  eventType: string;
  eventId?: string;
  chatId?: string;
  messageId?: string;
  /** The sender's open id (else union id, else user id), when the message could be read. */
  senderId?: string;
}

export interface UserIdsInfo {
  openId?: string;
  unionId?: string;
  userId?: string;
}

export interface ReactionEvent {
  messageId: string;
  emojiType: string;
  /** Only `added`: the channel hears `im.message.reaction.created_v1`. */
  action: 'added';
  operator: UserIdsInfo;
  operatorType: string;
  actionTime?: number;
}

export interface BotAddedEvent {
  chatId: string;
  operator: UserIdsInfo;
  /** The name the event carries. */
  name?: string;
}

export type BotRemovedEvent = BotAddedEvent;

/** A card action; the platform got an empty answer at once (update the card from the handler). */
export interface CardActionEvent {
  messageId?: string;
  chatId?: string;
  operator: UserIdsInfo;
  action: { value: unknown; tag?: string; name?: string; option?: string; formValue: Record<string, unknown> };
}

export interface LarkChannelError extends Error {
  name: 'LarkChannelError';
  code: 'ssrf_blocked' | 'not_connected' | 'unknown';
}

export interface EventMap {
  /** Accepted messages; a chat's next message waits for its handlers. */
  message: (msg: NormalizedMessage) => void | Promise<void>;
  reject: (evt: RejectEvent) => void;
  cardAction: (evt: CardActionEvent) => void | Promise<void>;
  reaction: (evt: ReactionEvent) => void | Promise<void>;
  botAdded: (evt: BotAddedEvent) => void | Promise<void>;
  botRemoved: (evt: BotRemovedEvent) => void | Promise<void>;
  error: (err: LarkChannelError) => void;
}
export type EventName = keyof EventMap;

export interface PolicyConfig {
  /** Groups the bot answers in; every group when unset. */
  groupAllowlist?: string[];
  /** `open` (default), `allowlist`, `disabled`; node-sdk's `pair` is not supported (an error). */
  dmMode?: 'open' | 'allowlist' | 'disabled';
  /** Senders (open, union or user ids) allowed to DM with `dmMode: 'allowlist'`. */
  dmAllowlist?: string[];
  /** Whether group messages must @mention the bot (default `true`). */
  requireMention?: boolean;
  /** Whether an @all counts as a mention (default `false`). */
  respondToMentionAll?: boolean;
}

export interface SafetyConfig {
  /**
   * Re-deliveries are dropped by the event dispatcher's de-duplication: `ttl` (ms, 12 hours by
   * default) and `store` (an EventDedupStore such as KvEventDedupStore, to share it between
   * instances). `maxEntries` and `sweepIntervalMs` have no equivalent (the in-memory store
   * sweeps itself).
   */
  dedup?: { ttl?: number; store?: EventDedupStore };
  /** Each chat's messages are always handled one at a time, in order (`enabled` has no effect); `limit`: the most waiting per chat (1,000). */
  chatQueue?: { enabled?: boolean; limit?: number };
  /**
   * Messages from one sender in one chat within `text.delayMs` of the first are merged into one.
   * The other batch options (`longThresholdChars`, `maxMessages`, `media`, …) have no equivalent.
   */
  batch?: { text?: { delayMs?: number } };
  /** Messages created longer ago than this (ms) are rejected as `stale` (what a reconnect delivers late). Off by default. */
  staleMessageWindowMs?: number;
}

export interface OutboundConfig {
  /** The request-body budget of one text message in bytes (at most and by default 150 KB less overhead); node-sdk counts characters. */
  textChunkLimit?: number;
  /** The shortest time between two updates of a streamed answer (ms, 100 by default). */
  streamThrottleMs?: number;
  /** How many new characters a streamed answer waits for before an update (20 by default). */
  streamThrottleChars?: number;
  /** How `{ markdown }` renders: a card (default) or a post. node-sdk's `markdownConverter` has no equivalent. */
  markdownAs?: 'card' | 'post';
  /**
   * Media URLs are always checked — the URL, every address its host resolves to, each
   * redirect (five at most) — and loopback, private, link-local, CGNAT, … addresses are refused
   * unless allowed here by kind (node-sdk's `ssrfGuard: false` and host allowlists have no
   * equivalent).
   */
  ssrfGuard?: { allow?: Array<'loopback' | 'private' | 'linkLocal' | 'uniqueLocal' | 'sharedCgnat'> };
  /**
   * The IO of media URLs, whose checks stay in the channel: `resolve(host)`, the addresses a
   * name resolves to, and `get(url, addresses, maxBytes)`, one GET connected to one of those
   * addresses only, following no redirect, reading at most `maxBytes + 1` bytes. Node has both
   * by default (its resolver and http(s)); elsewhere (Workers, browsers) a URL needs them given,
   * else sending media from a URL fails after the URL's check: send bytes.
   */
  fetchMedia?: {
    resolve?(host: string): Promise<string[]>;
    get?(url: string, addresses: string[], maxBytes: number): Promise<{ status: number; location?: string; bytes?: Uint8Array; contentType?: string }>;
  };
}

export interface WebhookOptions {
  verificationToken?: string;
  encryptKey?: string;
  /** Accept unsigned requests when neither a token nor a key is set (tests only). */
  allowUnverified?: boolean;
}

/**
 * node-sdk's options, with the client's (`LarkClientOptions`: `domain`, `baseUrl`, stores,
 * `logger`, …). `wsConfig`, `handshakeTimeoutMs`, `agent`, `cache` and `httpInstance` have no
 * equivalent here.
 */
export interface LarkChannelOptions extends LarkClientOptions {
  /** `websocket` (the long connection; default; not in Workers) or `webhook` (HTTP callbacks). */
  transport?: 'websocket' | 'webhook';
  webhook?: WebhookOptions;
  safety?: SafetyConfig;
  policy?: PolicyConfig;
  outbound?: OutboundConfig;
  /** Attach the raw event payload to messages as `raw`. */
  includeRawEvent?: boolean;
  /** @deprecated node-sdk's old name of `includeRawEvent`. */
  includeRawInMessage?: boolean;
  /** The bot's open id, so it is not asked of `bot.v3.info`. */
  botOpenId?: string;
}

export type SendInput =
  | { text: string }
  | { markdown: string }
  /** A URL (checked by the SSRF guard) or bytes; local paths are not read. */
  | { image: { source: string | Uint8Array } }
  | { file: { source: string | Uint8Array; fileName: string } }
  /** An Opus (Ogg) voice message; `duration` in milliseconds. Other bytes are refused before upload. */
  | { audio: { source: string | Uint8Array; duration?: number } }
  /** An MP4 video the chat plays; `duration` in milliseconds, `coverImageKey` an uploaded image. Other bytes are refused before upload. */
  | { video: { source: string | Uint8Array; duration?: number; coverImageKey?: string } }
  | { post: object }
  | { card: object }
  | { shareChat: { chatId: string } }
  | { shareUser: { userId: string } }
  | { sticker: { fileKey: string } };

export interface SendOptions {
  /** Reply to this message rather than post to the chat. */
  replyTo?: string;
  replyInThread?: boolean;
}

export interface SendResult {
  messageId: string;
  /** Each message a long text or markdown was cut into. */
  chunkIds?: string[];
}

export interface MarkdownStreamController {
  append(chunk: string): Promise<void>;
  /** Only extends what was streamed so far (the Rust stream appends). */
  setContent(full: string): Promise<void>;
  readonly messageId: string;
}
export type MarkdownStreamProducer = (controller: MarkdownStreamController) => Promise<void>;
/** Only markdown streams (node-sdk's `card` streams have no equivalent). */
export type StreamInput = { markdown: MarkdownStreamProducer };

export interface BotIdentity {
  openId: string;
}

export declare class LarkChannel {
  constructor(opts: LarkChannelOptions);
  readonly rawClient: LarkClient;
  rawWsClient?: WSClient;
  /** The dispatcher the channel is registered on (for adapters, or your own handlers of other events). */
  readonly eventDispatcher: EventDispatcher;
  botIdentity?: BotIdentity;
  /**
   * Starts the long connection (transport `websocket`; Node 22, Node 20 with
   * `--experimental-websocket`, browsers) and learns the bot's open id. Unlike node-sdk it
   * resolves once the connection is started, not after its first handshake; a fatal connection
   * error (a wrong secret) is emitted as `error` with code `not_connected`. Reconnects are the
   * Rust core's and are not emitted (no `reconnecting` / `reconnected`).
   */
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  on<K extends EventName>(name: K, handler: EventMap[K]): () => void;
  on(handlers: Partial<EventMap>): () => void;
  send(to: string, input: SendInput, opts?: SendOptions): Promise<SendResult>;
  /** Streams into a CardKit card replying to `opts.replyTo` (required); `messageId` is '' when it ended as a plain reply. */
  stream(to: string, input: StreamInput, opts: SendOptions & { replyTo: string }): Promise<SendResult>;
  addReaction(messageId: string, emojiType: string): Promise<string>;
  removeReaction(messageId: string, reactionId: string): Promise<void>;
  recallMessage(messageId: string): Promise<void>;
  /** The policy options given (the policy is fixed when the channel is made: no `updatePolicy`). */
  getPolicy(): Readonly<PolicyConfig>;
  /** Answers an HTTP callback; with a Worker's `ctx`, keeps the handlers alive through `ctx.waitUntil`. */
  handleEvent(request: Request, ctx?: { waitUntil(promise: Promise<unknown>): void }): Promise<Response>;
  /** The same for any server: what the adapters (`adaptDefault(path, channel)`, …) call. */
  handleRequest(
    method: string,
    headers: Headers | Record<string, string | string[] | undefined> | Array<[string, string]>,
    rawBody: string | Uint8Array | ArrayBuffer | Blob | Request,
  ): Promise<{ status: number; headers: Array<[string, string]>; body: Uint8Array }>;
  /** Resolves once no chat has messages waiting or in hand (at most `limitMs`, 30 s): whether it got there. */
  idle(limitMs?: number): Promise<boolean>;
  free(): void;
}

export declare function createLarkChannel(opts: LarkChannelOptions): LarkChannel;
