#!/usr/bin/env bash
# The npm package as a user gets it: `npm pack` on bindings/wasm/npm, the tarball installed into
# an empty project (`npm init -y`, `npm install ./lark-sdk-*.tgz`, offline: the package has no
# runtime dependencies), then Node imports `lark-sdk` from that project and sends a message to
# lark-mock on 127.0.0.1 (the wasm test server), which must have received it.
#
#   scripts/npm-pack-test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PKG=bindings/wasm/npm
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}

# The tarball carries the wasm builds; build them when missing (as size-report.sh does).
if [ ! -f "$PKG/wasm/full/lark_wasm_bg.wasm" ] || [ ! -f "$PKG/wasm/workers/lark_wasm_bg.wasm" ] ||
    [ ! -f "$PKG/wasm/client/lark_wasm_bg.wasm" ] ||
    [ ! -f "$PKG/wasm/bot/lark_wasm_bg.wasm" ] || [ ! -f "$PKG/wasm/channel/lark_wasm_bg.wasm" ]; then
    scripts/test-wasm.sh build
fi

WORK=$(mktemp -d)
. scripts/lark-mock.sh
cleanup() {
    stop_mock
    rm -rf "$WORK"
}
trap cleanup EXIT

echo "==> npm pack $PKG"
(cd "$PKG" && npm pack --silent --pack-destination "$WORK" >/dev/null)
TARBALL=$(ls "$WORK"/lark-sdk-*.tgz)
# The package must install without the registry: no runtime dependencies at all.
node -e '
  const pkg = JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8"));
  for (const field of ["dependencies", "peerDependencies", "optionalDependencies", "bundleDependencies"]) {
    if (pkg[field] && Object.keys(pkg[field]).length) { console.error(`lark-sdk has ${field}: ${Object.keys(pkg[field])}`); process.exit(1); }
  }' "$PKG/package.json"

echo "==> install $(basename "$TARBALL") into an empty project (offline)"
mkdir "$WORK/app"
(cd "$WORK/app" && npm init -y >/dev/null && npm pkg set type=module &&
    npm install --offline --no-audit --no-fund --loglevel=error "$TARBALL")
[ -f "$WORK/app/node_modules/lark-sdk/package.json" ] || { echo "lark-sdk is not installed"; exit 1; }

echo "==> start lark-mock on 127.0.0.1"
cargo build --quiet -p lark-wasm-test-server
start_mock "$CARGO_TARGET_DIR/debug/lark-wasm-test-server"

echo "==> node: import { LarkClient } from 'lark-sdk'; send a message"
cat >"$WORK/app/send.mjs" <<'EOF'
import assert from 'node:assert/strict';
import { LarkClient, isLarkError } from 'lark-sdk';
import { LarkClient as ImClient } from 'lark-sdk/api/im';
import { text, toRequest } from 'lark-sdk/message';

const baseUrl = process.env.LARK_MOCK_URL;
const options = { appId: 'cli_mock_app', appSecret: 'mock-app-secret', baseUrl };
const stamp = `pack test ${process.pid}`;

const client = new LarkClient(options);
const { code, data } = await client.im.v1.message.create({
  params: { receive_id_type: 'chat_id' },
  data: { receive_id: 'oc_mock_chat', ...toRequest('text', text(stamp)) },
});
assert.equal(code, 0);
assert.match(data.message_id, /^om_/);

// The per-service entry of the same tarball.
const im = new ImClient(options);
await im.im.message.create({
  params: { receive_id_type: 'chat_id' },
  data: { receive_id: 'oc_mock_chat', msg_type: 'text', content: JSON.stringify({ text: `${stamp} (im)` }) },
});

// A bad option is the SDK's error, not a crash.
assert.throws(() => new LarkClient({ ...options, domain: 'nowhere', baseUrl: undefined }), (e) => isLarkError(e) && e.kind === 'build');

const sent = await (await fetch(`${process.env.LARK_CONTROL_URL}/messages`)).json();
const texts = JSON.stringify(sent);
assert.ok(texts.includes(stamp), `the mock did not receive "${stamp}": ${texts.slice(0, 500)}`);
assert.ok(texts.includes(`${stamp} (im)`), 'the mock did not receive the lark-sdk/api/im message');
console.log(`sent ${data.message_id} through the installed lark-sdk`);
EOF
(cd "$WORK/app" && timeout 120 node send.mjs)
echo "==> npm pack test passed"
