// Calls per second in workerd (miniflare) against lark-mock: the same `im.v1.message.create`
// through lark-sdk and through bare `fetch`, at concurrency 64 and 1, measured inside the
// Worker (bench/worker.js, bundled by build.mjs). Prints a table with the ratios; a failed
// call fails the run, the speed is never checked.
//
//   LARK_MOCK_URL=http://127.0.0.1:PORT node bench/workerd.mjs [--long]
//   scripts/bench-npm.sh [--long]   starts lark-mock itself, on another core
import { readdirSync, readFileSync } from 'node:fs';
import { Miniflare } from 'miniflare';
import { bundled } from '../fixtures/miniflare.js';
import { cellOf, plan, printTable } from '../../../bindings/wasm/npm/bench/measure.mjs';

const MOCK = process.env.LARK_MOCK_URL;
if (!MOCK?.startsWith('http://127.0.0.1:')) {
  console.error('bench/workerd.mjs: set LARK_MOCK_URL to a lark-mock on 127.0.0.1 (scripts/bench-npm.sh starts one)');
  process.exit(2);
}
const { rounds, warmMs, ms, maxCalls } = plan(process.argv.includes('--long'));

// The CPU time (µs) of the workerd processes miniflare started (Linux: /proc), the Worker's
// cost per call; undefined elsewhere.
function workerdCpu() {
  try {
    let ticks = 0;
    let found = false;
    for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
      let stat;
      try {
        stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      } catch {
        continue;
      }
      // pid (comm) state ppid ... utime stime: fields 14 and 15, counted after the comm.
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (comm !== 'workerd' || Number(fields[1]) !== process.pid) continue;
      ticks += Number(fields[11]) + Number(fields[12]);
      found = true;
    }
    // Clock ticks are 1/100 s on Linux.
    return found ? ticks * 10_000 : undefined;
  } catch {
    return undefined;
  }
}

const mf = new Miniflare({ ...bundled('dist/bench/worker'), cf: false, bindings: { LARK_BASE_URL: MOCK } });
try {
  await mf.ready;
  const cell = async (client, c, time) => {
    const cpu0 = workerdCpu();
    const response = await mf.dispatchFetch(`http://worker/run?client=${client}&c=${c}&ms=${time}&max=${maxCalls}`);
    const answer = await response.json();
    if (answer.error !== null) throw new Error(`${client} at c=${c}: ${answer.error}`);
    return cellOf({ ...answer, cpu: cpu0 === undefined ? undefined : workerdCpu() - cpu0 });
  };
  const clients = [
    ['lark-sdk', 'sdk'],
    ['bare fetch', 'fetch'],
  ];
  const results = {};
  for (let round = 0; round < rounds; round += 1) {
    for (const c of [64, 1]) {
      for (const [name, client] of clients) {
        await cell(client, c, warmMs);
        ((results[name] ??= {})[c] ??= []).push(await cell(client, c, ms));
      }
    }
  }
  printTable(`workerd (miniflare), lark-mock at ${MOCK}, im.v1.message.create`, results, [['bare fetch', '× bare fetch']]);
} finally {
  await mf.dispose();
}
