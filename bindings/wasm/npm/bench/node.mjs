// Calls per second in Node against lark-mock: the same `im.v1.message.create` sent through
// lark-sdk (its Node transport, node:http, and Node's fetch), through the official node-sdk
// (axios over node:http), through bare `fetch` and through bare `node:http` with a keep-alive
// agent, at concurrency 64 and 1. Prints a table with ratios; checks every answer (a failed
// call fails the run) but never the speed.
//
//   LARK_MOCK_URL=http://127.0.0.1:PORT node bench/node.mjs           short: ~1 s a cell
//   LARK_MOCK_URL=http://127.0.0.1:PORT node bench/node.mjs --long    3 rounds of 5 s a cell
//   scripts/bench-npm.sh [--long]   builds and starts lark-mock itself, on another core
import http from 'node:http';
import * as lark from '@larksuiteoapi/node-sdk';
import { LarkClient } from 'lark-sdk';
import { printTable, run } from './measure.mjs';

const MOCK = process.env.LARK_MOCK_URL;
if (!MOCK?.startsWith('http://127.0.0.1:')) {
  console.error('bench/node.mjs: set LARK_MOCK_URL to a lark-mock on 127.0.0.1 (scripts/bench-npm.sh starts one)');
  process.exit(2);
}
const LONG = process.argv.includes('--long');
const APP = { appId: 'cli_mock_app', appSecret: 'mock-app-secret' };
const CHAT_ID = 'oc_mock_chat';
const params = { receive_id_type: 'chat_id' };
const data = { receive_id: CHAT_ID, msg_type: 'text', content: JSON.stringify({ text: 'bench' }) };

function check(answer) {
  if (answer?.code !== 0 || typeof answer.data?.message_id !== 'string') {
    throw new Error(`unexpected answer: ${JSON.stringify(answer)?.slice(0, 200)}`);
  }
}

// Bare clients fetch the tenant token once, as a cache would.
async function tenantToken() {
  const answer = await fetch(`${MOCK}/open-apis/auth/v3/tenant_access_token/internal`, {
    method: 'POST',
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify({ app_id: APP.appId, app_secret: APP.appSecret }),
  }).then((r) => r.json());
  if (typeof answer.tenant_access_token !== 'string') throw new Error(`no token: ${JSON.stringify(answer)}`);
  return answer.tenant_access_token;
}

const token = await tenantToken();
const url = `${MOCK}/open-apis/im/v1/messages?receive_id_type=chat_id`;
const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json; charset=utf-8' };

const agent = new http.Agent({ keepAlive: true, scheduling: 'lifo', timeout: 5000 });
function nodeHttpCall() {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify(data);
    const request = http.request(url, { method: 'POST', headers, agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch (error) {
          reject(error);
        }
      });
      res.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}

const ours = new LarkClient({ ...APP, baseUrl: MOCK });
const oursFetch = new LarkClient({ ...APP, baseUrl: MOCK, fetch: globalThis.fetch });
const official = new lark.Client({ ...APP, domain: MOCK, loggerLevel: lark.LoggerLevel.error });

const clients = [
  ['lark-sdk (node:http)', () => ours.im.v1.message.create({ params, data })],
  ['lark-sdk (fetch mode)', () => oursFetch.im.v1.message.create({ params, data })],
  ['node-sdk 1.74', () => official.im.v1.message.create({ params, data })],
  ['bare fetch', () => fetch(url, { method: 'POST', headers, body: JSON.stringify(data) }).then((r) => r.json())],
  ['bare node:http', nodeHttpCall],
];

const results = await run(clients, check, { long: LONG, concurrency: [64, 1] });
printTable(`Node ${process.versions.node}, lark-mock at ${MOCK}, im.v1.message.create`, results, [
  ['node-sdk 1.74', '× node-sdk'],
  ['bare fetch', '× bare fetch'],
]);
ours.free();
oursFetch.free();
