#!/usr/bin/env bash
# The wasm side in its real runtimes, against lark-mock on 127.0.0.1:
#   1. lark-fetch + lark-core typed calls (wasm-bindgen-test) in Node and in headless Chromium
#   2. the npm package (lark-sdk) under `node --test` (node-sdk-shape.test.js sends calls written
#      for the official node-sdk, and checks every endpoint of the Rust catalog is there), plus a
#      TypeScript check of its types
#   3. examples/cloudflare-worker in workerd (miniflare)
#   4. examples/browser-extension (MV3), and the package in a web page, in headless Chromium
#      (playwright-core)
# and last the speed tables, short (bench/node.mjs, examples/cloudflare-worker/bench/workerd.mjs:
# printed, never a timed assertion).
# Installs what a fresh machine lacks and skips what is there: the wasm32 target, the
# wasm-bindgen CLI matching Cargo.lock, Debian's chromium + chromium-driver, and the pinned npm
# packages of each package folder (npm ci from the committed package-lock.json).
#
#   scripts/test-wasm.sh          build and run everything
#   scripts/test-wasm.sh build    only build the npm package's wasm (used by size-report.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
MODE=${1:-test}

export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
PKG=bindings/wasm/npm
started=$(date +%s)
step() { printf '\n==> [wasm %ss] %s\n' "$(($(date +%s) - started))" "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# ---------------------------------------------------------------- installs (idempotent)
step "toolchain"
rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
# The package's wasm is built with a size-optimised std (see build_variant), which needs std's
# source. Without it the builds fall back to the prebuilt std, about 10 % bigger.
BUILD_STD=1
if ! rustup component list --installed | grep -q '^rust-src'; then
    rustup component add rust-src || BUILD_STD=0
fi

# The CLI must be the exact version of the wasm-bindgen crate in Cargo.lock.
WB_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$WB_VERSION" ]; then
    step "cargo install wasm-bindgen-cli $WB_VERSION (about 3 minutes on 2 cores)"
    # No --locked: the CLI's lock file does not resolve against this index.
    cargo install wasm-bindgen-cli --version "$WB_VERSION"
fi

npm_ci() { # npm ci in $1 unless node_modules already matches its package-lock.json
    local dir=$1
    if ! cmp -s "$dir/package-lock.json" "$dir/node_modules/.lark-ci-lock" 2>/dev/null; then
        (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
        cp "$dir/package-lock.json" "$dir/node_modules/.lark-ci-lock"
    fi
}
npm_ci "$PKG"

# ---------------------------------------------------------------- the npm package's wasm
# Five builds: full (client + events + bot + long connection + files + users + observer), the same
# without the long connection for Workers, the full one with the channel layer, client only, bot only; each goes through
# wasm-bindgen --target web (runs in workerd, browsers, extensions and Node) and wasm-opt -Oz
# from npm binaryen (Debian's binaryen 108 breaks the output), and its glue is minified.
#
# std is rebuilt for size (`-Z build-std`, with RUSTC_BOOTSTRAP on the stable toolchain):
# `optimize_for_size` picks std's small code paths, and the `immediate-abort` panic strategy
# drops the panic machinery and its message strings (a panic already aborts: the wasm traps
# either way). That saves about 11 KB gzip per build. These flags are unstable, so if a
# toolchain refuses them the build falls back to the prebuilt std.
cargo_wasm() { # features
    cargo build --quiet -p lark-wasm --lib --target wasm32-unknown-unknown --profile wasm-release \
        --no-default-features --features "$1" "${@:2}"
}
build_variant() { # name features
    local name=$1 features=$2 out=$PKG/wasm/$1
    if [ "$BUILD_STD" = 1 ] && ! RUSTC_BOOTSTRAP=1 \
        CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort" \
        cargo_wasm "$features" -Z build-std=std,panic_abort -Z build-std-features=optimize_for_size; then
        echo "warning: -Z build-std failed; building $name with the prebuilt std" >&2
        BUILD_STD=0
    fi
    [ "$BUILD_STD" = 1 ] || cargo_wasm "$features"
    rm -rf "$out"
    wasm-bindgen --target web --out-dir "$out" --out-name lark_wasm \
        "$CARGO_TARGET_DIR/wasm32-unknown-unknown/wasm-release/lark_wasm.wasm"
    # Short import, export and module names (wasm-bindgen's carry hashes and Rust paths), with
    # the glue renamed to match: -1.5 KB gzip per Worker. The control flow flattened and
    # rebuilt before two -Oz rounds to a fixed point: -0.4 KB gzip more, a few seconds longer.
    # (The renaming is a run of its own: --converge would repeat it.)
    "$PKG/node_modules/.bin/wasm-opt" --enable-bulk-memory --enable-nontrapping-float-to-int \
        --flatten --rereloop -Oz -Oz --converge "$out/lark_wasm_bg.wasm" -o "$out/lark_wasm_bg.wasm"
    "$PKG/node_modules/.bin/wasm-opt" --enable-bulk-memory --enable-nontrapping-float-to-int \
        --minify-imports-and-exports-and-modules \
        "$out/lark_wasm_bg.wasm" -o "$out/lark_wasm_bg.wasm" >"$out/names.json"
    node scripts/wasm-short-names.mjs "$out/names.json" "$out"
    rm "$out/names.json"
    # The glue ships minified (same module, same exports; syntax left as written): -2 KB gzip
    # per build in the tarball. Bundlers minify it again in a user's app either way.
    "$PKG/node_modules/.bin/esbuild" --minify --format=esm --log-level=warning --allow-overwrite \
        "$out/lark_wasm.js" --outfile="$out/lark_wasm.js"
}
step "build the npm package's wasm (full, workers, channel, client, bot)"
build_variant full client,events,bot,ws,files,users,observe,fast-calls
# Workers get the full build without the long connection (a Worker lives for its requests;
# events reach it as HTTP callbacks): 22 KB gzip less in every Worker on lark-sdk.
build_variant workers client,events,bot,files,users,observe
# lark-sdk/channel: the full build with the channel layer (lark-bot-channel), in every runtime.
# Its typed messages, cards and streaming add about 130 KB gzip, so it is a build of its own
# rather than part of the two above (the example Worker stays within its budget).
build_variant channel client,events,bot,ws,files,users,observe,channel,fast-calls
build_variant client client
build_variant bot bot
[ "$MODE" = build ] && exit 0

if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    step "apt-get install chromium chromium-driver"
    as_root apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
fi
npm_ci examples/cloudflare-worker
npm_ci examples/browser-extension

# ---------------------------------------------------------------- lark-mock on loopback
step "start lark-mock"
cargo build --quiet -p lark-wasm-test-server
. scripts/lark-mock.sh
trap stop_mock EXIT
start_mock "$CARGO_TARGET_DIR/debug/lark-wasm-test-server"
echo "lark-mock at $LARK_MOCK_URL, control at $LARK_CONTROL_URL"

# ---------------------------------------------------------------- 1. wasm-bindgen-test
step "1/4 lark-fetch + lark-core on wasm32: Node and headless Chromium"
# Node 20 has WebSocket behind a flag (the long-connection tests need it); 22 has it by default.
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
    NODE_OPTIONS=--experimental-websocket \
    CHROMEDRIVER=/usr/bin/chromedriver \
    WASM_BINDGEN_TEST_TIMEOUT=60 \
    timeout 900 cargo test -p lark-fetch --features ws --target wasm32-unknown-unknown --tests

# ---------------------------------------------------------------- 2. npm package in Node
step "2/4 lark-sdk under node --test, and its TypeScript types"
(cd "$PKG" && NODE_OPTIONS=--experimental-websocket timeout 300 node --test --test-timeout=60000 test/)
(cd "$PKG" && timeout 300 node_modules/.bin/tsc -p test/tsconfig.json)

# ---------------------------------------------------------------- 3. Worker in workerd
step "3/4 examples/cloudflare-worker in workerd (miniflare)"
(cd examples/cloudflare-worker && timeout 120 node build.mjs --size &&
    timeout 300 node --test --test-timeout=60000 test/)

# ---------------------------------------------------------------- 4. MV3 extension in Chromium
step "4/4 examples/browser-extension and the package in a web page, headless Chromium (playwright-core)"
(cd examples/browser-extension && timeout 60 node build.mjs &&
    timeout 300 node --test --test-timeout=90000 test/)

# ---------------------------------------------------------------- speed tables
# Last, as they send thousands of messages to lark-mock. Short (about 25 s in all): lark-sdk
# through node:http and through Node's fetch, node-sdk, bare fetch and bare node:http in Node;
# lark-sdk and bare fetch in workerd. A failed call fails them; the speed is only printed
# (scripts/bench-npm.sh --long measures by hand, the mock on a core of its own).
step "speed tables: Node and workerd (short)"
(cd "$PKG" && timeout 120 node bench/node.mjs)
(cd examples/cloudflare-worker && timeout 120 node bench/workerd.mjs)

step "wasm tests passed in $(($(date +%s) - started)) s"
