// The benchmark's Worker (bench/workerd.mjs drives it): `GET /run?client=sdk|fetch&c=N&ms=T&max=M`
// sends `im.v1.message.create` to lark-mock from N loops for T milliseconds (at most M calls),
// through lark-sdk or through bare `fetch`, and answers `{ calls, ms, error }`.
import { LarkClient } from 'lark-sdk';
import { measure } from '../../../bindings/wasm/npm/bench/measure.mjs';

const params = { receive_id_type: 'chat_id' };
const data = { receive_id: 'oc_mock_chat', msg_type: 'text', content: JSON.stringify({ text: 'bench' }) };
const APP = { appId: 'cli_mock_app', appSecret: 'mock-app-secret' };

// One client and one token per isolate, as a Worker keeps them.
let client;
let token;

function check(answer) {
  if (answer?.code !== 0 || typeof answer.data?.message_id !== 'string') {
    throw new Error(`unexpected answer: ${JSON.stringify(answer)?.slice(0, 200)}`);
  }
}

async function bareFetch(env) {
  token ??= await fetch(`${env.LARK_BASE_URL}/open-apis/auth/v3/tenant_access_token/internal`, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify({ app_id: APP.appId, app_secret: APP.appSecret }),
  })
    .then((r) => r.json())
    .then((a) => a.tenant_access_token);
  const url = `${env.LARK_BASE_URL}/open-apis/im/v1/messages?receive_id_type=chat_id`;
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json; charset=utf-8' };
  return () => fetch(url, { method: 'POST', headers, body: JSON.stringify(data) }).then((r) => r.json());
}

export default {
  async fetch(request, env) {
    const query = new URL(request.url).searchParams;
    let call;
    if (query.get('client') === 'sdk') {
      client ??= new LarkClient({ ...APP, baseUrl: env.LARK_BASE_URL });
      call = () => client.im.v1.message.create({ params, data });
    } else {
      call = await bareFetch(env);
    }
    const number = (name) => Number(query.get(name));
    const { calls, ms, error } = await measure(call, check, number('c'), number('ms'), number('max'));
    return Response.json({ calls, ms, error: error === undefined ? null : String(error?.stack ?? error) });
  },
};
