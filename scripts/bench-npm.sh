#!/usr/bin/env bash
# The npm package's speed by hand: lark-mock (a release build) on one core, the clients on the
# other, the same `im.v1.message.create` through lark-sdk (node:http and fetch mode),
# node-sdk, bare fetch and bare node:http in Node (bindings/wasm/npm/bench/node.mjs), then
# lark-sdk against bare fetch in workerd (examples/cloudflare-worker/bench/workerd.mjs).
# Needs the package's wasm (scripts/test-wasm.sh build) and the npm packages of both folders.
#
#   scripts/bench-npm.sh            short: about 1 s a cell (what scripts/test-wasm.sh runs)
#   scripts/bench-npm.sh --long     3 rounds of 5 s a cell
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
MODE=${1:-}

cargo build --quiet --release -p lark-wasm-test-server
# Two cores or more: the mock on core 0, the clients on core 1.
pin_mock=() pin_bench=()
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
    pin_mock=(taskset -c 0) pin_bench=(taskset -c 1)
fi
. scripts/lark-mock.sh
trap stop_mock EXIT
start_mock "${pin_mock[@]}" "$CARGO_TARGET_DIR/release/lark-wasm-test-server"

(cd bindings/wasm/npm && "${pin_bench[@]}" node bench/node.mjs $MODE)
(cd examples/cloudflare-worker && node build.mjs && "${pin_bench[@]}" node bench/workerd.mjs $MODE)
