// The `observer`, `logger` and `loggerLevel` client options (the full and Workers builds): the
// wasm core hands lark-core's record of every attempt and call to one function made here,
// which names the call from the catalog, tells the user's observer and logs node-sdk's way.
// Records carry names, numbers, codes and log ids: never a token, a secret or a body.
import { buildError } from './client.js';

/** node-sdk's `LoggerLevel`. */
export const LoggerLevel = Object.freeze({ fatal: 0, error: 1, warn: 2, info: 3, debug: 4, trace: 5 });
const LEVEL_NAMES = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];

// `METHOD path` → [service, endpoint] of every row of a catalog, made on its first record.
const names = new WeakMap();
function nameOf(catalog, method, path) {
  let index = names.get(catalog);
  if (index === undefined) {
    index = new Map();
    const walk = (service, parts, node) => {
      for (const [key, value] of Object.entries(node)) {
        // `''`: the method named like the resource that holds it.
        const at = key === '' ? parts : [...parts, key];
        if (!Array.isArray(value)) walk(service, at, value);
        else if (!index.has(`${value[0]} ${value[1]}`)) index.set(`${value[0]} ${value[1]}`, [service, at.join('.')]);
      }
    };
    for (const [service, versions] of Object.entries(catalog)) walk(service, [], versions);
    names.set(catalog, index);
  }
  return index.get(`${method} ${path}`);
}

// The level a record is logged at: a failed call is an error, an attempt tried again a
// warning, a call that needed more than one attempt news, the rest detail.
function levelOf(isCall, ok, attempts, retried) {
  if (isCall) return !ok ? LoggerLevel.error : attempts > 1 ? LoggerLevel.info : LoggerLevel.debug;
  return retried ? LoggerLevel.warn : LoggerLevel.debug;
}

// One log line: what was called, what came back, what was decided.
function line(record) {
  const { kind, ok, status, code, logId, error, reason } = record;
  const name = record.service === 'raw' ? `request ${record.method}` : `${record.service}.${record.endpoint} ${record.method} ${record.path}`;
  const head =
    kind === 'call'
      ? `call ${ok ? 'succeeded' : 'failed'} after ${record.attempts} attempt${record.attempts === 1 ? '' : 's'}`
      : `attempt ${record.attempt} ${ok ? 'succeeded' : 'failed'}`;
  const facts = [];
  if (error !== null) facts.push(`${error} error`);
  if (status !== null) facts.push(`HTTP ${status}`);
  if (code !== null) facts.push(`code ${code}`);
  if (logId !== null) facts.push(`log id ${logId}`);
  facts.push(`${record.elapsedMs} ms`);
  let decision = '';
  if (kind === 'attempt' && reason !== null) decision = record.retried ? `; retried in ${record.delayMs} ms (${reason})` : `; not retried (${reason})`;
  return `[lark-sdk] ${name}: ${head}: ${facts.join(', ')}${decision}`;
}

// Calls `fn` and drops what it throws or rejects with: an observer or a logger never breaks a call.
function quietly(fn, self, argument) {
  try {
    const out = fn.call(self, argument);
    if (out !== null && typeof out === 'object' && typeof out.then === 'function') out.then(undefined, () => {});
  } catch {
    // Dropped on purpose.
  }
}

/**
 * The function the wasm core calls with each record, from the client options `observer`,
 * `logger` (console by default) and `loggerLevel` (`error` by default), names looked up in
 * `catalog`; undefined when nothing would hear a record.
 */
export function emitter({ observer, logger = console, loggerLevel = LoggerLevel.error }, catalog) {
  if (observer !== undefined && typeof observer !== 'function') throw buildError('`observer` must be a function');
  if (logger === null || (typeof logger !== 'object' && typeof logger !== 'function')) {
    throw buildError('`logger` must be an object with error, warn, info, debug and trace methods');
  }
  // A level's name works too (`'debug'`).
  if (typeof loggerLevel === 'string') loggerLevel = LoggerLevel[loggerLevel];
  if (!Number.isInteger(loggerLevel) || LEVEL_NAMES[loggerLevel] === undefined) {
    throw buildError('`loggerLevel` must be a LoggerLevel: fatal (0), error, warn, info, debug or trace (5), or its name');
  }
  if (observer === undefined && loggerLevel < LoggerLevel.error) return undefined;
  const emit = (record) => {
    if (record.service === '') [record.service, record.endpoint] = nameOf(catalog, record.method, record.path) ?? ['api', 'call'];
    const level = levelOf(record.kind === 'call', record.ok, record.attempts, record.retried);
    const text = level <= loggerLevel ? line(record) : undefined;
    if (observer !== undefined) quietly(observer, undefined, record);
    const log = text === undefined ? undefined : logger[LEVEL_NAMES[level]];
    if (typeof log === 'function') quietly(log, logger, text);
  };
  // Asked by the wasm core before it builds a record (`count`: the call's attempts, or the
  // attempt's number): without an observer, only what the logger would print.
  emit.wants = (isCall, ok, count, retried) => observer !== undefined || levelOf(isCall, ok, count, retried) <= loggerLevel;
  return emit;
}
