// Size report (a): a Worker that only posts through a custom bot.
import { CustomBot } from 'lark-sdk/bot';

export default {
  async fetch(request, env) {
    const bot = new CustomBot(env.WEBHOOK, { secret: env.BOT_SECRET });
    await bot.sendText(await request.text());
    return new Response('sent');
  },
};
