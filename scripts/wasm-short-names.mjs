// Renames the wasm-bindgen glue's side of a build whose wasm went through
// `wasm-opt --minify-imports-and-exports-and-modules` (scripts/test-wasm.sh), so both sides
// use the short names: wasm-bindgen names every import `__wbg_<name>_<16 hex digits>` in a
// module `./lark_wasm_bg.js`, and some exports after whole Rust paths, which cost about
// 1.5 KB gzip per build across the wasm and its glue.
//
//   node scripts/wasm-short-names.mjs NAMES.json DIR
//
// NAMES.json is what wasm-opt printed: { imports: [[module, name, short]], exports:
// [[name, short]] }. DIR holds lark_wasm.js and its .d.ts files. Every import must be found in
// the glue exactly once, or the script fails (a glue it does not understand is not shipped).
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const [namesFile, dir] = process.argv.slice(2);
if (!namesFile || !dir) throw new Error('usage: node scripts/wasm-short-names.mjs NAMES.json DIR');
const names = JSON.parse(readFileSync(namesFile, 'utf8'));
const escape = (s) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
// Not part of a longer identifier on either side.
const word = (s) => `(?<![\\w$])${escape(s)}(?![\\w$])`;

function replaceCounted(text, pattern, replacement, expected, what) {
  let count = 0;
  const out = text.replace(new RegExp(pattern, 'g'), () => {
    count += 1;
    return replacement;
  });
  if (expected !== undefined && count !== expected) {
    throw new Error(`${what}: found ${count} times in the glue, expected ${expected}`);
  }
  return out;
}

const gluePath = join(dir, 'lark_wasm.js');
let glue = readFileSync(gluePath, 'utf8');
const modules = new Set(names.imports.map(([module]) => module));
if (modules.size > 1) throw new Error(`imports from several modules: ${[...modules].join(', ')}`);
for (const module of modules) {
  // wasm-opt names the one module `a`.
  glue = replaceCounted(glue, `"${escape(module)}":`, '"a":', 1, `module ${module}`);
}
for (const [, name, short] of names.imports) {
  glue = replaceCounted(glue, `${word(name)}:`, `${short}:`, 1, `import ${name}`);
}
let dts = existsSync(join(dir, 'lark_wasm.d.ts')) ? readFileSync(join(dir, 'lark_wasm.d.ts'), 'utf8') : null;
let bgDts = existsSync(join(dir, 'lark_wasm_bg.wasm.d.ts'))
  ? readFileSync(join(dir, 'lark_wasm_bg.wasm.d.ts'), 'utf8')
  : null;
for (const [name, short] of names.exports) {
  glue = replaceCounted(glue, `(?<![\\w$])wasm\\.${escape(name)}(?![\\w$])`, `wasm.${short}`);
  if (dts !== null) dts = replaceCounted(dts, `readonly ${word(name)}:`, `readonly ${short}:`);
  if (bgDts !== null) bgDts = replaceCounted(bgDts, `export const ${word(name)}:`, `export const ${short}:`);
}
// Anything the glue still names by a long name would fail at instantiation or at its first
// call; catch it here.
for (const [name] of names.exports) {
  if (new RegExp(`(?<![\\w$])wasm\\[`).test(glue) || new RegExp(`exports\\.${escape(name)}(?![\\w$])`).test(glue)) {
    throw new Error(`the glue reads export ${name} in a way this script does not rename`);
  }
}
writeFileSync(gluePath, glue);
if (dts !== null) writeFileSync(join(dir, 'lark_wasm.d.ts'), dts);
if (bgDts !== null) writeFileSync(join(dir, 'lark_wasm_bg.wasm.d.ts'), bgDts);
