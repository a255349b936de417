#!/usr/bin/env bash
# The generated API (issue 3): the generated files match the facts, every endpoint builds the
# request the facts describe, every answer type decodes samples, every endpoint is accepted by
# lark-mock through the SDK, the CLI's catalog commands work, and lark-core with every feature
# builds for wasm32. Idempotent; needs only rustup/cargo.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo run -q -p lark-codegen -- --check

cargo test -p lark-api --features full --test generated_endpoints --test generated_answers --test names
cargo test -p lark-mock --features every-endpoint --test every_endpoint --test spec_validation
cargo test -p lark-cli --test endpoints

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    rustup target add wasm32-unknown-unknown
fi
cargo build -p lark-core -p lark-api --all-features --target wasm32-unknown-unknown
