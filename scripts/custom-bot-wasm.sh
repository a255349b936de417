#!/usr/bin/env bash
# lark-custom-bot on wasm32-unknown-unknown under Node (wasm-bindgen-test-runner), after
# checking that the committed signature vectors match their Python generator:
#   1. the offline tests (signing vectors, builders, replies, send loop with closure clients);
#   2. round trips over lark-fetch to lark-mock's webhook, served by lark-wasm-test-server
#      on 127.0.0.1, whose URLs reach the tests at compile time.
# Idempotent: installs the wasm target and the matching wasm-bindgen-cli only when missing.
# Needs rustup, cargo and node on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."

rustup target list --installed | grep -qx wasm32-unknown-unknown \
    || rustup target add wasm32-unknown-unknown
want=$(awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{ print $2 }' || true)
if [ "$have" != "$want" ]; then
    # Not --locked: that fails on this index. About 3 minutes on 2 cores.
    cargo install wasm-bindgen-cli --version "$want"
fi
echo "== lark-custom-bot: signature vectors match scripts/custom_bot_vectors.py"
python3 scripts/custom_bot_vectors.py --check

export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner
export WASM_BINDGEN_TEST_TIMEOUT=60

echo "== lark-custom-bot: offline tests on wasm32 (Node)"
timeout 900 cargo test -p lark-custom-bot --target wasm32-unknown-unknown --tests

echo "== lark-custom-bot: round trips to lark-mock on wasm32 (Node)"
cargo build -p lark-wasm-test-server
target_dir=$(cargo metadata --format-version 1 --no-deps \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
server="$target_dir/debug/lark-wasm-test-server"
. scripts/lark-mock.sh
trap stop_mock EXIT
start_mock "$server"
echo "lark-mock at $LARK_MOCK_URL, control at $LARK_CONTROL_URL"
timeout 900 cargo test -p lark-custom-bot --target wasm32-unknown-unknown \
    --features wasm-mock-tests --test wasm_mock
