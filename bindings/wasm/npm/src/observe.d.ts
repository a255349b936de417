// The `observer`, `logger` and `loggerLevel` client options (the full and Workers builds).

/** What both records hold. Never a token, a secret or a body. */
interface RecordFields {
  /** The service as the catalog names it (`im`); `raw` for `client.request`. */
  service: string;
  /** The method under its service as the package names it (`v1.message.create`); `raw` for `client.request`. */
  endpoint: string;
  /** The HTTP method. */
  method: string;
  /** The path template (`/open-apis/im/v1/messages/:message_id`); empty for `client.request`. */
  path: string;
  /** Whether it succeeded. */
  ok: boolean;
  /** The HTTP status, when an answer came back. */
  status: number | null;
  /** Lark's non-zero code, when the answer carried one. */
  code: number | null;
  /** The platform's log id (`X-Tt-Logid`), when the answer carried one. */
  logId: string | null;
  /** The kind of error (`api`, `transport`, `timeout`, `token`, `decode`, ...; a LarkError's `kind`); null on success. */
  error: string | null;
  /** Milliseconds it took (a call's include its waits between attempts). */
  elapsedMs: number;
}

/** One attempt of a call: what came back and what was decided. */
export interface AttemptRecord extends RecordFields {
  kind: 'attempt';
  /** The attempt's number, from 1. */
  attempt: number;
  /** Whether the call is tried again. */
  retried: boolean;
  /**
   * Why it is tried again (`server error`, `rate limited`, `rate limited (reset hint)`, `token rejected`,
   * `connect failed`, `transport failed`, `timed out`, `token unavailable`, `transient code`) or why not
   * (`attempts exhausted`, `not retryable`, `deadline`); null on success.
   */
  reason: string | null;
  /** Milliseconds waited before the next attempt; 0 when there is none. */
  delayMs: number;
}

/** One call, once its last attempt is over. */
export interface CallRecord extends RecordFields {
  kind: 'call';
  /** Attempts sent. */
  attempts: number;
}

/** What the `observer` option hears: a record per attempt, then one per call. */
export type ObserveRecord = AttemptRecord | CallRecord;

/** The `observer` client option; what it throws (or rejects with) is ignored. */
export type Observer = (record: ObserveRecord) => unknown;

/** node-sdk's logger: each method gets one line of text. */
export interface Logger {
  error: (...msg: any[]) => void | Promise<void>;
  warn: (...msg: any[]) => void | Promise<void>;
  info: (...msg: any[]) => void | Promise<void>;
  debug: (...msg: any[]) => void | Promise<void>;
  trace: (...msg: any[]) => void | Promise<void>;
}

/** node-sdk's `LoggerLevel`. */
export declare enum LoggerLevel {
  fatal = 0,
  error = 1,
  warn = 2,
  info = 3,
  debug = 4,
  trace = 5,
}

/** A `LoggerLevel`'s name, which `loggerLevel` takes too. */
export type LoggerLevelName = keyof typeof LoggerLevel;
