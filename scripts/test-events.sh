#!/usr/bin/env bash
# Everything that checks the events part (issue 5): the core module and its generated types,
# the Python vectors, the CLI, the axum example, the wasm32 build and a short fuzz run.
# Idempotent; needs only rustup/cargo (and python3 with `cryptography`, if present, to
# re-derive the vectors). EVENTS_SKIP_FUZZ=1 skips the fuzz run; FUZZ_SECONDS sets its length.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { echo "== events: $*"; }

step "lark-core event module, vectors, dispatcher, all 154 generated types"
cargo test -p lark-core --features event-types --lib event::
cargo test -p lark-core --features event-types --doc event
cargo test -p lark-core --features event-types \
    --test event_dispatcher --test event_vectors --test event_types_generated

step "lark event decrypt / verify"
cargo test -p lark-cli --test event

step "examples/event_server.rs plays the platform against itself on 127.0.0.1"
cargo run -q -p lark-examples --example event_server -- --self-test

step "lark-core with the event types builds for wasm32"
rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
cargo check -q -p lark-core --no-default-features --features event-types --target wasm32-unknown-unknown

if python3 -c "import cryptography" 2>/dev/null; then
    step "the committed vectors are what scripts/event_vectors.py derives"
    python3 scripts/event_vectors.py >/dev/null
    git diff --exit-code -- crates/lark-core/testdata/event_vectors.json
else
    step "python3 cryptography not installed: the committed vectors are used as they are"
fi

if [ "${EVENTS_SKIP_FUZZ:-0}" != 1 ]; then
    step "fuzz targets, ${FUZZ_SECONDS:-15}s each"
    scripts/fuzz-smoke.sh
fi
echo "== events: all green"
