// Which function sends the wasm core's HTTP exchanges: the `fetch` client option when given,
// else the one the entry point installed (the Node entries: node-http.js), else none, and the
// wasm core uses the global `fetch` (Workers, browsers, extensions).
let installed;

/** Sets the sender of every client made without a `fetch` option (the Node entries call it). */
export function installFetch(send) {
  installed = send;
}

/** The sender for a client made with `options`, or undefined for the global `fetch`. */
export function fetchFor(options) {
  return options?.fetch ?? installed;
}
