// Compiled by `tsc` (npm run typecheck), never run: the generated types must accept correct
// calls, written as for node-sdk, and reject wrong ones (each @ts-expect-error fails the check
// when it is not an error).
import { LarkClient, CustomBot, EventDispatcher, LarkError, WSClient, isLarkError, withTenantKey, type im, type contact } from 'lark-sdk';
import { LarkClient as ImClient } from 'lark-sdk/api/im';
import { CustomBot as SmallBot } from 'lark-sdk/bot';
import {
  DurableObjectDedupStore,
  DurableObjectRefreshLock,
  KvAppTicketStore,
  KvEventDedupStore,
  KvTokenStore,
  type RefreshLease,
  type TokenStore,
} from 'lark-sdk';
import { LarkCoordinator as StoresCoordinator } from 'lark-sdk/stores';
import { message } from 'lark-sdk';
import * as msg from 'lark-sdk/message';
import { button, callback, card, chart, column, columnSet, divider, form, header, input, markdown, openUrl, option, selectStatic, table, tableColumn } from 'lark-sdk/message';

export async function usage(client: LarkClient, small: ImClient): Promise<string | undefined> {
  const sent = await client.im.v1.message.create({
    params: { receive_id_type: 'chat_id' },
    data: { receive_id: 'oc_1', msg_type: 'text', content: '{"text":"hi"}' },
  });
  const id: string | undefined = sent.data?.message_id;
  const code: number | undefined = sent.code;
  const typed: im.V1MessageCreateResponse | undefined = sent.data;
  // The default-version alias is the same method.
  await client.im.message.create({ params: { receive_id_type: 'open_id' }, data: { receive_id: 'ou_1', msg_type: 'text', content: '' } });
  // Unknown enum values still type-check.
  await small.im.message.create({ params: { receive_id_type: 'a_new_kind' }, data: { receive_id: 'x', msg_type: 'text', content: '' } });
  const got = await client.im.v1.message.get({ path: { message_id: id ?? '' } }, withTenantKey('t'));
  const first = got.data?.items?.[0]?.body?.content;
  const user = await client.contact.v3.user.get({ path: { user_id: 'ou_1' }, params: { user_id_type: 'open_id' } });
  const name: string | undefined = user.data?.user?.name;
  const req: contact.V3UserGetRequest = { path: { user_id: 'ou_1' } };
  await client.contact.user.get(req);
  const file = await client.im.v1.messageResource.get({ path: { message_id: 'om_1', file_key: 'f' }, params: { type: 'file' } });
  const bytes: Uint8Array = file.data;
  const blob: Blob = file.blob();
  await client.im.v1.image.create({ data: { image_type: 'message', image: new Uint8Array([1]) } });
  await client.im.v1.file.create({ data: { file_type: 'stream', file_name: 'a.txt', file: new Blob(['x']) } });
  for await (const page of await client.im.message.listWithIterator({ params: { container_id_type: 'chat', container_id: 'oc_1' } })) {
    page.items?.forEach((item) => item.message_id);
  }
  for await (const page of client.im.v1.chat.listWithIterator()) {
    page.items?.forEach((item) => item.chat_id);
  }
  for await (const page of client.pages(client.im.v1.message.list, { params: { container_id_type: 'chat', container_id: 'oc_1' } })) {
    page.has_more;
  }
  await client.request({ method: 'GET', path: '/open-apis/x', query: { ids: [1, 2] }, tokens: ['tenant'] });
  // @ts-expect-error the path parameter is required
  await client.im.v1.message.get({});
  // @ts-expect-error receive_id is required
  await client.im.v1.message.create({ params: { receive_id_type: 'chat_id' }, data: { msg_type: 'text', content: '' } });
  // @ts-expect-error no such service
  client.nowhere;
  // @ts-expect-error no such method
  client.im.v1.message.sendMessagePlease;
  // @ts-expect-error the per-service client has that service only
  small.contact;
  // @ts-expect-error the flat names of before are gone
  client.message.sendRawMessage;
  await new CustomBot('https://x/hook', { secret: 's' }).sendText('hi', { mentions: [{ openId: 'ou_1' }] });
  await new SmallBot('https://x/hook').sendCard({ elements: [] });
  try {
    await client.tenantAccessToken();
  } catch (error) {
    if (error instanceof LarkError) {
      return `${error.kind} ${error.code ?? ''} ${error.status ?? ''} ${error.logId ?? ''} ${bytes.length} ${blob.size} ${code} ${name}`;
    }
    if (isLarkError(error)) return error.msg;
  }
  return first;
}

export async function nodeSdkForms(client: LarkClient, stream: AsyncIterable<Uint8Array>): Promise<void> {
  await client.im.v1.file.create({ data: { file_type: 'stream', file_name: 'a.bin', file: stream } });
  await client.request({ method: 'POST', url: '/open-apis/im/v1/messages', params: { receive_id_type: 'chat_id' }, data: {} });
  // @ts-expect-error a request needs a path or url
  await client.request({ method: 'GET' });
}

export async function longConnection(): Promise<void> {
  const eventDispatcher = new EventDispatcher().register({
    'im.message.receive_v1': async (data) => {
      void data.message;
    },
  });
  const ws = new WSClient({ appId: 'cli_x', appSecret: 's', domain: 'lark' });
  const running: Promise<void> = ws.start({ eventDispatcher });
  await ws.close();
  await running;
  // @ts-expect-error the secret is required
  new WSClient({ appId: 'cli_x' });
}

export function sharedStores(env: { KV: KVNamespaceStub; COORDINATOR: NamespaceStub }): LarkClient {
  const refreshLock = new DurableObjectRefreshLock(env.COORDINATOR, { name: 'cli_x' });
  const client = new LarkClient({
    appId: 'cli_x',
    appSecret: 's',
    tokenStore: new KvTokenStore(env.KV, { prefix: 'app:', refreshLock }),
    appTicketStore: new KvAppTicketStore(env.KV),
    tokenRefreshLock: { ttlMs: 5000, maxWaitMs: 8000 },
    eventDedupStore: new DurableObjectDedupStore(env.COORDINATOR),
  });
  new EventDispatcher({ dedupStore: new KvEventDedupStore(env.KV), dedupTtlSecs: 3600, appTicketStore: new KvAppTicketStore(env.KV), appId: 'cli_x' });
  // A store of one's own, with the refresh lease.
  const own: TokenStore = {
    get: () => null,
    set: () => {},
    tryAcquireRefresh: (lease: RefreshLease) => lease.ttlMs > 0 && lease.fencing !== '',
    releaseRefresh: () => {},
  };
  new LarkClient({ appId: 'cli_x', appSecret: 's', tokenStore: own });
  // What sends the requests: Node's fetch, or any function of its shape.
  new LarkClient({ appId: 'cli_x', appSecret: 's', fetch: globalThis.fetch });
  new LarkClient({
    appId: 'cli_x',
    appSecret: 's',
    fetch: async (url: string, init) => ({ status: 200, headers: [['content-type', 'application/json']], arrayBuffer: async () => new TextEncoder().encode(url + init.method), body: null }),
  });
  new CustomBot('https://x/hook', { fetch: globalThis.fetch });
  // @ts-expect-error a number is no sender
  new LarkClient({ appId: 'cli_x', appSecret: 's', fetch: 1 });
  const coordinator: { fetch(request: Request): Promise<Response>; alarm(): Promise<void> } = new StoresCoordinator({ storage: {} });
  void coordinator;
  // @ts-expect-error a dedup store answers whether the id is new
  new EventDispatcher({ dedupStore: { firstSeen: () => 'yes', forget: () => {} } });
  // @ts-expect-error the refresh lock is a DurableObjectRefreshLock
  new KvTokenStore(env.KV, { refreshLock: {} });
  return client;
}

interface KVNamespaceStub {
  get(key: string, type?: 'text'): Promise<string | null>;
  get(key: string, type: 'json'): Promise<unknown>;
  put(key: string, value: string, options?: { expirationTtl?: number }): Promise<void>;
  delete(key: string): Promise<void>;
}
interface NamespaceStub {
  idFromName(name: string): unknown;
  get(id: unknown): { fetch(input: string, init?: RequestInit): Promise<Response> };
}

export function messageBuilders(client: LarkClient): Promise<unknown> {
  const greeting: msg.TextContent = msg.text(msg.at('ou_1', 'Ann'), ' ', msg.bold('done'), msg.link('log', 'https://x'));
  const rich = msg.post({ zh_cn: msg.postBody('Title', [[msg.post.text('a', { style: ['bold'] }), msg.post.at('all')], [msg.post.hr()]]) });
  const shown = card({
    header: header('Title', { subtitle: 'sub', template: 'blue' }),
    config: { update_multi: true },
    elements: [
      markdown('**hi**'),
      button('Open', { type: 'primary', behaviors: [openUrl('https://x'), callback({ k: 1 })], confirm: { title: 't', text: 'c' } }),
      form('f', [input('reason', { placeholder: 'why', required: true }), button('Send', { form_action_type: 'submit', name: 'send' })]),
      columnSet([column([divider()], { width: 'auto' })]),
      selectStatic([option('a', 'A')], { name: 's' }),
      table([tableColumn('n', 'Name', 'text')], [{ n: 'x' }]),
      chart({ type: 'line' }),
    ],
  });
  const viaRoot: typeof msg.card = message.card;
  void viaRoot;
  // @ts-expect-error a text content does not go with msg_type image
  msg.toRequest('image', greeting);
  // @ts-expect-error a button's type is a string
  button('x', { type: 3 });
  return client.im.v1.message.create({
    params: { receive_id_type: 'chat_id' },
    data: { receive_id: 'oc_1', ...msg.toRequest('post', rich) },
  }).then(() => client.im.v1.message.create({ params: { receive_id_type: 'chat_id' }, data: { receive_id: 'oc_1', ...msg.toRequest('interactive', msg.interactive(shown)) } }));
}

// node-sdk's card handler and server adapters.
import { CardActionHandler, adaptDefault, adaptExpress, adaptKoa, adaptKoaRouter } from 'lark-sdk';
export async function adapters(): Promise<void> {
  const cards = new CardActionHandler({ verificationToken: 'v' }, async (data) => ({ toast: { type: 'info', content: String(data.open_id) } }));
  const events = new EventDispatcher({ encryptKey: 'k' });
  const onRequest: (req: any, res: any) => Promise<void> = adaptDefault('/webhook/card', cards, { autoChallenge: true });
  void onRequest;
  void adaptExpress(events);
  void adaptKoa('/webhook/event', events);
  void adaptKoaRouter(cards);
  const answer = await events.handleRequest('POST', { 'x-lark-signature': 's' }, '{}');
  const status: number = answer.status;
  const firstHeader: [string, string] | undefined = answer.headers[0];
  void status;
  void firstHeader;
  // @ts-expect-error a handler is required
  new CardActionHandler({ verificationToken: 'v' });
}

import { withAll, withHelpDeskCredential, withTenantToken } from 'lark-sdk';
import { withTenantToken as imWithTenantToken } from 'lark-sdk/api/im';
export async function givenTokens(client: LarkClient): Promise<void> {
  await client.helpdesk.v1.category.list({}, withAll([withTenantToken('t'), withHelpDeskCredential('id', 'token')]));
  await client.im.v1.chat.get({ path: { chat_id: 'oc_1' } }, imWithTenantToken('t'));
}

import { KvUserTokenStore, signInWithWebAuthFlow, userSignInRoutes, withUser, type PendingSignIn, type UserTokenStore } from 'lark-sdk';
export async function signedInUsers(env: { KV: KVNamespaceStub; COORDINATOR: NamespaceStub }, request: Request): Promise<Response | null> {
  const refreshLock = new DurableObjectRefreshLock(env.COORDINATOR, { name: 'cli_x' });
  const client = new LarkClient({
    appId: 'cli_x',
    appSecret: 's',
    accountsBaseUrl: 'http://127.0.0.1:1',
    userTokenStore: new KvUserTokenStore(env.KV, { refreshLock }),
  });
  const pending: PendingSignIn = await client.users.beginSignIn({ redirectUri: 'https://w.example/callback', scopes: ['im:message'] });
  const status = await client.users.finishSignIn('alice', pending, new URL('https://w.example/callback?code=c&state=s'));
  const expires: number = status.expiresAt;
  void expires;
  const token: string = await client.users.accessToken('alice');
  void token;
  await client.authen.v1.userInfo.get({}, withUser('alice'));
  await client.users.signOut('alice');
  await signInWithWebAuthFlow(client, { user: 'alice', scopes: [], interactive: true });
  const own: UserTokenStore = { get: () => null, set: () => {}, delete: () => {} };
  new LarkClient({ appId: 'cli_x', appSecret: 's', userTokenStore: own });
  // @ts-expect-error a user token store needs delete
  new LarkClient({ appId: 'cli_x', appSecret: 's', userTokenStore: { get: () => null, set: () => {} } });
  const routes = userSignInRoutes(client, { kv: env.KV, redirectUri: 'https://w.example/callback', userOf: () => 'alice' });
  return routes(request);
}

// The observer, node-sdk's logger and LoggerLevel (the full build).
import { LoggerLevel, type ObserveRecord } from 'lark-sdk';

export function observed(): LarkClient {
  const seen: string[] = [];
  const client = new LarkClient({
    appId: 'cli_a',
    appSecret: 's',
    observer: (record: ObserveRecord) => {
      if (record.kind === 'attempt') {
        const attempt: number = record.attempt;
        const reason: string | null = record.reason;
        seen.push(`${attempt} ${reason} ${record.delayMs}`);
      } else {
        const attempts: number = record.attempts;
        const logId: string | null = record.logId;
        seen.push(`${attempts} ${logId} ${record.elapsedMs}`);
      }
    },
    logger: console,
    loggerLevel: LoggerLevel.debug,
  });
  new LarkClient({ appId: 'cli_a', appSecret: 's', loggerLevel: 'warn' });
  // @ts-expect-error a level is a LoggerLevel or its name
  new LarkClient({ appId: 'cli_a', appSecret: 's', loggerLevel: 'verbose' });
  // @ts-expect-error the observer is a function
  new LarkClient({ appId: 'cli_a', appSecret: 's', observer: {} });
  return client;
}

// The channel layer, in node-sdk's shape (the full and Workers builds).
import { createLarkChannel, LarkChannel, type NormalizedMessage, type RejectEvent } from 'lark-sdk/channel';

export async function channelUsage(): Promise<string> {
  const channel: LarkChannel = createLarkChannel({
    appId: 'cli_a',
    appSecret: 's',
    transport: 'webhook',
    webhook: { verificationToken: 't' },
    policy: { dmMode: 'allowlist', dmAllowlist: ['ou_1'], groupAllowlist: ['oc_1'], requireMention: true, respondToMentionAll: false },
    safety: { staleMessageWindowMs: 60_000, batch: { text: { delayMs: 500 } }, dedup: { ttl: 60_000 } },
    outbound: { streamThrottleMs: 200, streamThrottleChars: 20, textChunkLimit: 4000, ssrfGuard: { allow: ['loopback'] } },
  });
  const off = channel.on('message', async (msg: NormalizedMessage) => {
    const text: string = msg.content;
    await channel.send(msg.chatId, { text }, { replyTo: msg.messageId });
    await channel.send(msg.chatId, { image: { source: 'https://example.com/a.png' } });
    await channel.send(msg.chatId, { video: { source: new Uint8Array(8), duration: 1500, coverImageKey: 'img_v3_x' } });
    await channel.send(msg.chatId, { audio: { source: new Uint8Array(8) } });
    // @ts-expect-error a duration is a number of milliseconds
    await channel.send(msg.chatId, { audio: { source: new Uint8Array(8), duration: '2s' } });
    await channel.stream(msg.chatId, { markdown: async (c) => { await c.append('hi'); } }, { replyTo: msg.messageId });
  });
  channel.on({ reject: (evt: RejectEvent) => void evt.reason, error: (err) => void err.code });
  // @ts-expect-error node-sdk's pair mode is not supported
  createLarkChannel({ appId: 'a', appSecret: 's', policy: { dmMode: 'pair' } });
  // @ts-expect-error no such event
  channel.on('comment', () => {});
  // @ts-expect-error a stream replies to a message
  await channel.stream('oc_1', { markdown: async () => {} });
  adaptDefault('/webhook/event', channel);
  off();
  const { messageId } = await channel.send('oc_1', { markdown: '**hi**' });
  return messageId;
}
