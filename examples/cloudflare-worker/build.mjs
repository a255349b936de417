// Bundles the Worker the way wrangler does: esbuild with the `workerd` export condition, each
// imported .wasm kept as a separate module that workerd compiles (CompiledWasm).
//   node build.mjs            -> dist/worker/index.js (+ .wasm), dist/assistant/ (src/assistant.js)
//   node build.mjs --size     -> also dist/size/{bot,im}-worker/ for scripts/size-report.sh,
//                                and dist/test/{ws,observe,channel}-worker/ for the tests
//   (always) dist/bench/worker/ for the benchmark (bench/workerd.mjs)
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

function wasmModules(outdir) {
  return {
    name: 'wasm-modules',
    setup(b) {
      b.onResolve({ filter: /\.wasm$/ }, (args) => {
        const source = join(args.resolveDir, args.path);
        // lark_wasm_bg.wasm of the `full`, `client` or `bot` build.
        const name = `${basename(dirname(source))}-${basename(source)}`;
        mkdirSync(outdir, { recursive: true });
        copyFileSync(source, join(outdir, name));
        return { path: `./${name}`, external: true };
      });
    },
  };
}

async function bundle(entry, outdir) {
  rmSync(outdir, { recursive: true, force: true });
  await build({
    entryPoints: [entry],
    outfile: join(outdir, 'index.js'),
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    minify: true,
    logLevel: 'warning',
    plugins: [wasmModules(outdir)],
  });
}

await bundle('src/index.js', 'dist/worker');
await bundle('src/assistant.js', 'dist/assistant');
await bundle('bench/worker.js', 'dist/bench/worker');
if (process.argv.includes('--size')) {
  await bundle('size/bot-worker.js', 'dist/size/bot-worker');
  await bundle('size/im-worker.js', 'dist/size/im-worker');
  await bundle('fixtures/ws-worker.js', 'dist/test/ws-worker');
  await bundle('fixtures/observe-worker.js', 'dist/test/observe-worker');
  await bundle('fixtures/channel-worker.js', 'dist/test/channel-worker');
}
