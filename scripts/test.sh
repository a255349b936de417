#!/usr/bin/env bash
# The whole test suite, as CI runs it. Installs what a fresh machine lacks, skips what is there.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }
started=$(date +%s)

step "toolchain"
# rust-toolchain.toml pins the toolchain; a fresh machine installs it (with its components and
# the wasm32 target) here.
rustup toolchain install >/dev/null
installed_components=$(rustup component list --installed 2>/dev/null || true)
for component in rustfmt clippy; do
    grep -q "^$component" <<<"$installed_components" || rustup component add "$component"
done
rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

step "format"
cargo fmt --all --check

step "generated code matches the facts in spec/ (fails on a difference or a missing spec file)"
cargo run --quiet -p lark-codegen -- --check
if [ -d ../shared/api-facts ]; then
    step "spec/ is the shared facts, byte for byte"
    scripts/refresh-spec.sh --check
fi

step "clippy"
cargo clippy --workspace --all-targets --all-features -- -D warnings

step "tests"
cargo test --workspace --all-features

step "the README's quickstart, on its own (no workspace feature unification), against the embedded mock"
env -u LARK_APP_ID -u LARK_APP_SECRET -u LARK_BASE_URL -u LARK_CHAT_ID \
    cargo run --quiet -p lark-quickstart

step "the event server example plays the platform against itself on 127.0.0.1"
cargo run --quiet -p lark-examples --example event_server -- --self-test

step "the endpoint metrics example counts calls, retries and 429s per endpoint against the embedded mock"
cargo run --quiet -p lark-examples --example endpoint_metrics

step "the long-connection echo bot example receives an event from the embedded mock and replies"
cargo run --quiet -p lark-examples --example ws_echo_bot

if command -v python3 >/dev/null; then
    step "the committed custom-bot signatures are what an independent Python HMAC computes"
    python3 scripts/custom_bot_vectors.py --check
fi
if python3 -c "import cryptography" 2>/dev/null; then
    step "the committed event vectors are what Python's cryptography derives"
    python3 scripts/event_vectors.py >/dev/null
    git diff --exit-code -- crates/lark-core/testdata/event_vectors.json
fi

step "lark-core and lark-api on wasm32 (default features built, every feature type-checked)"
cargo build -p lark-core -p lark-api --target wasm32-unknown-unknown
cargo check -p lark-core -p lark-api --all-features --target wasm32-unknown-unknown

step "lark-bot-channel on wasm32 (no IO and no async runtime of its own)"
cargo check -p lark-bot-channel --target wasm32-unknown-unknown

step "the docs build without warnings (broken links fail), with default features and with full"
RUSTDOCFLAGS="-D warnings" cargo doc --quiet --no-deps -p lark-core -p lark-api
RUSTDOCFLAGS="-D warnings" cargo doc --quiet --no-deps -p lark-core -p lark-api --features lark-core/full,lark-api/full

step "lark-redis against a real redis-server"
scripts/redis-test.sh

for extra in scripts/custom-bot-wasm.sh scripts/fuzz-smoke.sh scripts/test-wasm.sh scripts/official-clients.sh \
    scripts/size-report.sh \
    scripts/npm-pack-test.sh \
    scripts/readme-usage.sh \
    scripts/msrv.sh \
    scripts/deny.sh \
    scripts/package-check.sh \
    ; do
    if [ -x "$extra" ]; then
        step "$extra"
        "$extra"
    fi
done

step "done in $(( $(date +%s) - started )) s"
