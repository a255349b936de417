#!/usr/bin/env bash
# The MSRV check: builds the published library crates with the toolchain named by
# `rust-version` in the workspace Cargo.toml (installed here when missing), against the
# committed Cargo.lock. rust-toolchain.toml pins the newer toolchain the repository is developed
# with; `cargo +X` overrides it.
set -euo pipefail
cd "$(dirname "$0")/.."

msrv=$(sed -n 's/^rust-version = "\(.*\)"$/\1/p' Cargo.toml | head -n1)
[ -n "$msrv" ] || { echo "no rust-version in Cargo.toml" >&2; exit 1; }
# rust-version "1.85" means 1.85.0 (rustup would take "1.85" for the newest 1.85.x).
case "$msrv" in *.*.*) toolchain=$msrv ;; *) toolchain=$msrv.0 ;; esac

rustup toolchain list | grep -q "^$toolchain-" ||
    rustup toolchain install "$toolchain" --profile minimal
rustup +"$toolchain" target list --installed | grep -qx wasm32-unknown-unknown ||
    rustup target add --toolchain "$toolchain" wasm32-unknown-unknown

# Apart from the main builds: nothing is shared across compilers, and the main build's lock is not
# held while this one runs.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}/msrv"

echo "==> cargo +$toolchain check: the published library crates (native)"
cargo +"$toolchain" check --locked \
    -p lark-sdk -p lark-core -p lark-api -p lark-message -p lark-custom-bot \
    -p lark-reqwest -p lark-mock -p lark-redis -p lark-bot-channel
# Every feature but the 64 other services: they are the same generated code as im, contact and
# auth (plain serde types), and would double the time.
echo "==> cargo +$toolchain check: lark-sdk with every native feature but api-full"
cargo +"$toolchain" check --locked -p lark-sdk --features message,channel,custom-bot,ws,files,redis,event-types
echo "==> cargo +$toolchain check: lark-sdk on wasm32 (fetch)"
cargo +"$toolchain" check --locked -p lark-sdk --no-default-features --features fetch,im,message,ws \
    --target wasm32-unknown-unknown
echo "MSRV $toolchain: ok"
