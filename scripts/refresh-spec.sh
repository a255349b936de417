#!/usr/bin/env bash
# Refreshes spec/ from the shared API facts (../shared/api-facts by default, or the directory
# given), byte for byte, and rewrites the sha256 table in spec/README.md. Run the generator
# afterwards (`cargo run -p lark-codegen`) and commit spec/ with what it regenerates.
#   scripts/refresh-spec.sh [SOURCE_DIR]
#   scripts/refresh-spec.sh --check [SOURCE_DIR]   # exit 1 when spec/ differs from SOURCE_DIR
set -euo pipefail
cd "$(dirname "$0")/.."

check=false
if [ "${1:-}" = "--check" ]; then
    check=true
    shift
fi
source_dir=${1:-../shared/api-facts}
if [ ! -d "$source_dir" ]; then
    echo "refresh-spec.sh: $source_dir is not a directory" >&2
    exit 2
fi

# The facts the generator and the tests read, and the notes that explain them. (The shared
# directory also keeps the facts before the union of the official SDKs, `lark-api-full.json`,
# `lark-official-names.json` and the seed's `lark-api.json`; nothing here reads them.)
FILES=(
    lark-api-union.json
    lark-events.json
    lark-official-names-union.json
    README-official-names.md
    README-union.md
    oauth-facts.md
)

if $check; then
    status=0
    for file in "${FILES[@]}"; do
        cmp -s "$source_dir/$file" "spec/$file" || { echo "spec/$file differs from $source_dir/$file"; status=1; }
    done
    exit $status
fi

mkdir -p spec
for file in "${FILES[@]}"; do
    cp "$source_dir/$file" "spec/$file"
    chmod 644 "spec/$file"
done

table=$(cd spec && for file in "${FILES[@]}"; do
    printf '| `%s` | %s | `%s` |\n' "$file" "$(wc -c <"$file" | tr -d ' ')" "$(sha256sum "$file" | cut -d' ' -f1)"
done)
{
    cat <<'HEAD'
# spec/: the facts the generator reads

Everything generated in this repository (the typed API in `crates/lark-api`, the endpoint
catalog in `lark-core`, the typed events, the npm package's endpoint table and typings) is
written by `lark-codegen` from these files and from nothing else. They are copies, byte for
byte, of the project's shared API facts (`../shared/api-facts/` beside a checkout), so a fresh
clone regenerates and checks on its own: `cargo run -p lark-codegen -- --check` runs in the
test command and fails on any difference or on a missing file here.

To take newer facts: `scripts/refresh-spec.sh [SOURCE_DIR]` copies them and rewrites the table
below; then `cargo run -p lark-codegen` regenerates, and both are committed together.
`scripts/refresh-spec.sh --check` tells whether spec/ still matches the shared copy.

What each file is: the `conventions` key of each JSON file explains its format.
`lark-api-union.json` is every endpoint either official SDK (`@larksuiteoapi/node-sdk`,
`lark-oapi`) has, with its fields and types, and `lark-official-names-union.json` their official
names; `README-union.md` says how every value was derived and where the facts are weak (it calls
the facts before the union "the old file": `lark-api-full.json` in the shared directory, which
nothing here reads). `README-official-names.md` explains the names join; `oauth-facts.md` holds
the user-identity wire facts with their sources.

| file | bytes | sha256 |
|---|---|---|
HEAD
    echo "$table"
} >spec/README.md
echo "spec/ refreshed from $source_dir"
