// A streaming assistant on Cloudflare Workers: answers DMs and @mentions in groups by streaming
// a generated reply into a card, over HTTP callbacks (POST /events is the event URL). The
// channel acks each event at once and keeps the answer alive with ctx.waitUntil; each chat's
// messages are answered in order, re-deliveries once, messages older than two minutes never.
// No external model: the reply is composed here, a word at a time.
import { createLarkChannel } from 'lark-sdk/channel';

let channel; // one per isolate: its token cache and chat queues outlive a request

function assistant(env) {
  channel ??= createLarkChannel({
    appId: env.APP_ID,
    appSecret: env.APP_SECRET,
    ...(env.LARK_BASE_URL ? { baseUrl: env.LARK_BASE_URL } : { domain: env.LARK_DOMAIN ?? 'feishu' }),
    transport: 'webhook',
    webhook: { verificationToken: env.VERIFICATION_TOKEN, encryptKey: env.ENCRYPT_KEY },
    policy: { requireMention: true }, // in groups; DMs are open
    safety: { staleMessageWindowMs: 120_000 },
    outbound: { streamThrottleMs: Number(env.STREAM_THROTTLE_MS ?? 300) },
  });
  channel.on('message', (msg) =>
    channel.stream(msg.chatId, { markdown: async (answer) => {
      for (const word of compose(msg.content, Number(env.ANSWER_CHARS ?? 600))) {
        await answer.append(word);
        await new Promise((resolve) => setTimeout(resolve, 5)); // a model takes its time
      }
    } }, { replyTo: msg.messageId }));
  return channel;
}

/** The "model": `chars` characters about `question`, a word at a time. */
function* compose(question, chars) {
  const words = `You asked: "${question}". Here is a long and thoughtful answer. `.split(/(?<= )/);
  for (let n = 0, i = 0; n < chars; i += 1) {
    const word = words[i % words.length].slice(0, chars - n);
    n += word.length;
    yield word;
  }
}

export default {
  fetch(request, env, ctx) {
    const { pathname } = new URL(request.url);
    if (request.method === 'POST' && pathname === '/events') return assistant(env).handleEvent(request, ctx);
    return new Response('not found', { status: 404 });
  },
};
