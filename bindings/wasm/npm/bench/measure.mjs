// The measuring loop and the table of the benchmarks (bench/node.mjs, and the workerd one in
// examples/cloudflare-worker, whose Worker bundles this file). Plain ECMAScript: runs in Node
// and in workerd.

/**
 * Calls `call` from `concurrency` loops until `ms` milliseconds have passed or `maxCalls` calls
 * were started; every answer goes through `check` (it throws on a wrong one). Resolves to
 * `{ calls, ms, error }`: the calls that finished well, the time taken, the first failure.
 */
export async function measure(call, check, concurrency, ms, maxCalls) {
  let started = 0;
  let calls = 0;
  let error;
  const t0 = performance.now();
  const deadline = t0 + ms;
  async function loop() {
    while (error === undefined && started < maxCalls && performance.now() < deadline) {
      started += 1;
      try {
        check(await call());
        calls += 1;
      } catch (e) {
        error ??= e;
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, loop));
  return { calls, ms: performance.now() - t0, error };
}

/** The two modes: short (the test command: about 1 s a cell) and long (by hand). */
export function plan(long) {
  return long
    ? { rounds: 3, warmMs: 1000, ms: 5000, maxCalls: 1_000_000 }
    : { rounds: 1, warmMs: 250, ms: 1000, maxCalls: 20_000 };
}

/**
 * Measures every `[name, call]` of `clients` at every concurrency, the clients taking turns
 * in each round; resolves to `{ name: { c: [calls per second, one per round] } }`. A failed
 * call throws (after naming the client).
 */
export async function run(clients, check, { long = false, concurrency = [64, 1] } = {}) {
  const { rounds, warmMs, ms, maxCalls } = plan(long);
  const results = {};
  for (let round = 0; round < rounds; round += 1) {
    for (const c of concurrency) {
      for (const [name, call] of clients) {
        const warm = await measure(call, check, c, warmMs, maxCalls);
        const cell = warm.error ?? (await measure(call, check, c, ms, maxCalls));
        const error = warm.error ?? cell.error;
        if (error !== undefined) throw new Error(`${name} at c=${c}: ${error?.stack ?? error}`);
        ((results[name] ??= {})[c] ??= []).push((cell.calls * 1000) / cell.ms);
      }
    }
  }
  return results;
}

const median = (list) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)];
const rate = (list) => {
  const low = Math.round(Math.min(...list));
  const high = Math.round(Math.max(...list));
  return low === high ? `${low}` : `${low}–${high}`;
};

/**
 * The table of `results` (from `run`): calls per second at each concurrency (the range over
 * the rounds), and the ratio of the medians to each `[baseline client, column title]`.
 */
export function formatTable(title, results, baselines) {
  const names = Object.keys(results);
  const cs = Object.keys(results[names[0]]).map(Number).sort((a, b) => b - a);
  const head = ['client', ...cs.map((c) => `c=${c} req/s`)];
  for (const [, label] of baselines) for (const c of cs) head.push(`${label} c=${c}`);
  const rows = names.map((name) => {
    const row = [name, ...cs.map((c) => rate(results[name][c]))];
    for (const [base] of baselines) {
      for (const c of cs) {
        const of = results[base]?.[c];
        row.push(of ? `${(median(results[name][c]) / median(of)).toFixed(2)}×` : '');
      }
    }
    return row;
  });
  const line = (cells) => `| ${cells.join(' | ')} |`;
  return [title, line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Prints `formatTable(...)`. */
export function printTable(title, results, baselines) {
  console.log(`\n${formatTable(title, results, baselines)}\n`);
}
