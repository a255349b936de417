#!/usr/bin/env bash
# `cargo package` for every published crate of the workspace (those without `publish = false`):
# the manifests, the files each .crate holds and its dependencies by version are what crates.io
# takes. Unverified by default; `--verify` also builds each .crate as crates.io would.
set -euo pipefail
cd "$(dirname "$0")/.."

started=$(date +%s)
# The workspace's members without `publish = false`.
mapfile -t published < <(cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json,sys; [print(p["name"]) for p in json.load(sys.stdin)["packages"] if p.get("publish") != []]')
[ "${#published[@]}" -gt 70 ] || { echo "only ${#published[@]} published crates: ${published[*]}" >&2; exit 1; }
# --allow-dirty: the check is of the manifests, also before a commit.
cargo package --quiet --no-verify --allow-dirty "${published[@]/#/-p=}"
echo "cargo package --no-verify: ${#published[@]} published crates packaged in $(( $(date +%s) - started )) s"

# Verified: each .crate is unpacked and built on its own against the others' .crates (lark-sdk
# needs all of them: its optional dependencies are every service). Slower; on with --verify.
if [ "${1:-}" = --verify ]; then
    started=$(date +%s)
    cargo package --quiet --allow-dirty "${published[@]/#/-p=}"
    echo "cargo package (verified): ${#published[@]} crates in $(( $(date +%s) - started )) s"
fi
