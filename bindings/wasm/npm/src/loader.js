// Loading one wasm-bindgen build (`--target web` glue) once, in any runtime.

/**
 * @param {object} glue the wasm-bindgen glue module (`default` is its async init, `initSync`)
 * @param {string} entry the entry point users import, for error messages
 */
export function loader(glue, entry) {
  let ready = false;
  return {
    /** Loads the wasm: a URL, Response, bytes or WebAssembly.Module; by default the file next to the glue. */
    async init(input) {
      if (ready) return;
      await glue.default(input === undefined ? undefined : { module_or_path: input });
      ready = true;
    },
    /** Loads the wasm synchronously from bytes or a compiled WebAssembly.Module. */
    initSync(module) {
      if (ready) return;
      if (module === undefined) throw new TypeError('initSync needs the wasm bytes or a WebAssembly.Module');
      glue.initSync({ module });
      ready = true;
    },
    assertReady() {
      if (!ready) {
        throw new Error(`${entry}: call \`await init()\` before using the SDK (Node and Workers entry points do it for you)`);
      }
    },
  };
}
