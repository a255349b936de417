// Copies lark-sdk (its JavaScript and the full wasm build) into extension/vendor/, since an
// extension loads files from its own folder and resolves no package names. The full build:
// the service worker posts through a custom bot and signs users in (`client.users`).
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';

const pkg = new URL('../../bindings/wasm/npm/', import.meta.url);
const vendor = new URL('./extension/vendor/lark-sdk/', import.meta.url);
if (!existsSync(new URL('wasm/full/lark_wasm_bg.wasm', pkg))) {
  throw new Error('build the wasm first: scripts/test-wasm.sh');
}
rmSync(vendor, { recursive: true, force: true });
mkdirSync(new URL('src/', vendor), { recursive: true });
// The modules only: no typings (the generated types are most of the package).
cpSync(new URL('src/', pkg), new URL('src/', vendor), {
  recursive: true,
  filter: (source) => !source.endsWith('.d.ts') && !source.includes('/generated/types') && !source.includes('/generated/services'),
});
for (const file of ['lark_wasm.js', 'lark_wasm_bg.wasm']) {
  cpSync(new URL(`wasm/full/${file}`, pkg), new URL(`wasm/full/${file}`, vendor));
}
