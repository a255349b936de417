// Size report (b): a Worker that sends an im message with app credentials; the `im` entry
// bundles the im service's table only.
import { LarkClient } from 'lark-sdk/api/im';

export default {
  async fetch(request, env) {
    const client = new LarkClient({ appId: env.APP_ID, appSecret: env.APP_SECRET, baseUrl: env.LARK_BASE_URL });
    const sent = await client.im.message.create({
      params: { receive_id_type: 'chat_id' },
      data: { receive_id: env.CHAT_ID, msg_type: 'text', content: JSON.stringify({ text: await request.text() }) },
    });
    return Response.json(sent.data);
  },
};
