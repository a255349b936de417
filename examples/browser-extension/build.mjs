// Copies the bot-only part of lark-sdk into extension/vendor/, since an extension loads
// files from its own folder and resolves no package names.
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';

const pkg = new URL('../../bindings/wasm/npm/', import.meta.url);
const vendor = new URL('./extension/vendor/lark-sdk/', import.meta.url);
if (!existsSync(new URL('wasm/bot/lark_wasm_bg.wasm', pkg))) {
  throw new Error('build the wasm first: scripts/test-wasm.sh');
}
rmSync(vendor, { recursive: true, force: true });
mkdirSync(new URL('src/', vendor), { recursive: true });
for (const file of ['loader.js', 'custom-bot.js']) cpSync(new URL(`src/${file}`, pkg), new URL(`src/${file}`, vendor));
cpSync(new URL('src/bot/index.js', pkg), new URL('src/bot/index.js', vendor));
for (const file of ['lark_wasm.js', 'lark_wasm_bg.wasm']) {
  cpSync(new URL(`wasm/bot/${file}`, pkg), new URL(`wasm/bot/${file}`, vendor));
}
