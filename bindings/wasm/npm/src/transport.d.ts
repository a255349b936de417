/** What the SDK hands the function that sends its requests. */
export interface LarkFetchInit {
  method: string;
  /** `[name, value]` pairs, repeats kept. */
  headers: [string, string][];
  /** The body, when there is one. */
  body?: Uint8Array<ArrayBuffer>;
  /** Aborted when the call times out or is given up. */
  signal?: AbortSignal;
}

/** The part of a `Response` the SDK reads. */
export interface LarkFetchResponse {
  status: number;
  /** Iterable as `[name, value]` pairs, names lower-case (a `Headers` is). */
  headers: Iterable<[string, string]>;
  /** The whole body. */
  arrayBuffer(): Promise<ArrayBuffer | Uint8Array>;
  /** The body as it arrives (downloads), or null. */
  readonly body: { getReader(): { read(): Promise<{ done: boolean; value?: Uint8Array }> } } | null;
}

/**
 * What sends the SDK's requests: `globalThis.fetch`, or a function of its shape. The Node entry
 * points send through node:http / node:https with keep-alive agents; everywhere else the global
 * `fetch` is used.
 */
export type LarkFetch = (url: string, init: LarkFetchInit) => Promise<Response | LarkFetchResponse> | Response | LarkFetchResponse;
