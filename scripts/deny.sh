#!/usr/bin/env bash
# cargo deny over the dependency graph, offline: licenses, bans (duplicates, wildcards) and
# sources (crates.io only), as deny.toml sets them. The advisory database is not fetched here
# (it is not in any package registry); `cargo deny check advisories` is for a machine that
# reaches it.
# Installs the pinned cargo-deny from crates.io when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

version=0.20.2
if ! cargo deny --version 2>/dev/null | grep -qx "cargo-deny $version"; then
    # Its own target dir: a shared one would hold the SDK's builds behind this one's lock.
    build_dir=$(mktemp -d)
    trap 'rm -rf "$build_dir"' EXIT
    cargo install --locked cargo-deny --version "$version" --target-dir "$build_dir" ||
        cargo install cargo-deny --version "$version" --target-dir "$build_dir"
fi
# cargo deny reads `cargo metadata` for every platform; the sources of the crates only other
# platforms use (windows-sys, core-foundation, ...) come from crates.io first, by the lock file.
cargo fetch --locked --quiet
cargo deny --offline --all-features check --hide-inclusion-graph licenses bans sources
