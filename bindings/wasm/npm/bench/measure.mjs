// The measuring loop and the table of the benchmarks (bench/node.mjs, and the workerd one in
// examples/cloudflare-worker, whose Worker bundles this file). Plain ECMAScript: runs in Node
// and in workerd.

/** The CPU time this process has used, in µs (user + system, all threads), where Node tells it. */
export const processCpu =
  typeof process !== 'undefined' && typeof process.cpuUsage === 'function'
    ? () => {
        const { user, system } = process.cpuUsage();
        return user + system;
      }
    : undefined;

/**
 * Calls `call` from `concurrency` loops until `ms` milliseconds have passed or `maxCalls` calls
 * were started; every answer goes through `check` (it throws on a wrong one). Resolves to
 * `{ calls, ms, cpu, error }`: the calls that finished well, the time taken, the CPU time used
 * meanwhile by `cpuClock` (µs, undefined without one), the first failure.
 */
export async function measure(call, check, concurrency, ms, maxCalls, cpuClock = processCpu) {
  let started = 0;
  let calls = 0;
  let error;
  const cpu0 = cpuClock?.();
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
  const elapsed = performance.now() - t0;
  return { calls, ms: elapsed, cpu: cpu0 === undefined ? undefined : cpuClock() - cpu0, error };
}

/** The two modes: short (the test command: about 1 s a cell) and long (by hand). */
export function plan(long) {
  return long
    ? { rounds: 3, warmMs: 1000, ms: 5000, maxCalls: 1_000_000 }
    : { rounds: 1, warmMs: 250, ms: 1000, maxCalls: 20_000 };
}

/** A measured cell as the tables take it: calls per second, and CPU µs per call when known. */
export const cellOf = ({ calls, ms, cpu }) => ({ rate: (calls * 1000) / ms, cpu: cpu === undefined || calls === 0 ? undefined : cpu / calls });

/**
 * Measures every `[name, call]` of `clients` at every concurrency, the clients taking turns
 * in each round; resolves to `{ name: { c: [cellOf(...), one per round] } }`. A failed call
 * throws (after naming the client).
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
        ((results[name] ??= {})[c] ??= []).push(cellOf(cell));
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
 * the rounds), the client's CPU time per call (median; when measured: it varies less than the
 * rate with what else the machine does), and the ratio of the median rates to each
 * `[baseline client, column title]`.
 */
export function formatTable(title, results, baselines) {
  const names = Object.keys(results);
  const cs = Object.keys(results[names[0]]).map(Number).sort((a, b) => b - a);
  const rates = (name, c) => results[name][c].map((cell) => cell.rate);
  const cpus = (name, c) => results[name][c].map((cell) => cell.cpu).filter((cpu) => cpu !== undefined);
  const withCpu = names.some((name) => cs.some((c) => cpus(name, c).length > 0));
  const head = ['client', ...cs.map((c) => `c=${c} req/s`)];
  if (withCpu) head.push(...cs.map((c) => `CPU µs/call c=${c}`));
  for (const [, label] of baselines) for (const c of cs) head.push(`${label} c=${c}`);
  const rows = names.map((name) => {
    const row = [name, ...cs.map((c) => rate(rates(name, c)))];
    if (withCpu) row.push(...cs.map((c) => (cpus(name, c).length ? Math.round(median(cpus(name, c))) : '')));
    for (const [base] of baselines) {
      for (const c of cs) {
        row.push(results[base]?.[c] ? `${(median(rates(name, c)) / median(rates(base, c))).toFixed(2)}×` : '');
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
