// Compiled by `tsc` (npm run typecheck), never run: the generated types must accept correct
// calls and reject wrong ones (each @ts-expect-error fails the check when it is not an error).
import { LarkClient, CustomBot, isLarkError, type LarkError, type MessageSendRawMessageResult } from '@lark-sdk/wasm';
import { CustomBot as SmallBot } from '@lark-sdk/wasm/bot';

export async function usage(client: LarkClient): Promise<string | undefined> {
  const sent: MessageSendRawMessageResult = await client.message.sendRawMessage({
    query: { receive_id_type: 'chat_id' },
    body: { receive_id: 'oc_1', msg_type: 'text', content: '{"text":"hi"}' },
  });
  const got = await client.message.getMessage({ path: { message_id: sent.message_id ?? '' } }, { tenantKey: 't' });
  const first = got.items?.[0]?.body?.content;
  const file = await client.message.getMessageFile({ path: { message_id: 'om_1', file_key: 'f' }, query: { type: 'file' } });
  const bytes: Uint8Array = file.data;
  for await (const page of client.pages(client.message.getMessageList, { query: { container_id_type: 'chat', container_id: 'oc_1' } })) {
    page.items?.forEach((item) => item.message_id);
  }
  await client.request({ method: 'GET', path: '/open-apis/x', query: { ids: [1, 2] }, tokens: ['tenant'] });
  // @ts-expect-error the path parameter is required
  await client.message.getMessage({});
  // @ts-expect-error receive_id is required
  await client.message.sendRawMessage({ query: { receive_id_type: 'chat_id' }, body: { msg_type: 'text', content: '' } });
  // @ts-expect-error no such service
  client.nowhere;
  // @ts-expect-error no such method
  client.message.sendMessagePlease;
  await new CustomBot('https://x/hook', { secret: 's' }).sendText('hi', { mentions: [{ openId: 'ou_1' }] });
  await new SmallBot('https://x/hook').sendCard({ elements: [] });
  try {
    await client.tenantAccessToken();
  } catch (error) {
    if (isLarkError(error)) {
      const e: LarkError = error;
      return `${e.kind} ${e.code ?? ''} ${bytes.length}`;
    }
  }
  return first;
}
