#!/usr/bin/env bash
# The official SDKs' own clients, unchanged but for the domain, against `lark mock serve`:
# @larksuiteoapi/node-sdk (npm) under `node --test` and lark-oapi (PyPI) under unittest, driven
# through the mock's control API (tests/official/: REST calls, the long connection with whole,
# fragmented and card-action events, signed and encrypted HTTP callbacks).
# Installs what a fresh machine lacks and skips what is there: the pinned npm packages (npm ci
# from the committed package-lock.json) and a venv in tests/official/.venv with the pinned
# requirements.txt.
#
#   scripts/official-clients.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DIR=tests/official
VENV=$DIR/.venv
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
started=$(date +%s)
step() { printf '\n==> [official %ss] %s\n' "$(($(date +%s) - started))" "$*"; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# ---------------------------------------------------------------- installs (idempotent)
if ! cmp -s "$DIR/package-lock.json" "$DIR/node_modules/.lark-ci-lock" 2>/dev/null; then
    step "npm ci in $DIR (@larksuiteoapi/node-sdk)"
    (cd "$DIR" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$DIR/package-lock.json" "$DIR/node_modules/.lark-ci-lock"
fi
if [ ! -x "$VENV/bin/python" ]; then
    step "python3 -m venv $VENV"
    if ! python3 -m venv "$VENV"; then
        # Debian's python3 keeps venv (ensurepip) in a package of its own.
        rm -rf "$VENV"
        as_root apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
        python3 -m venv "$VENV"
    fi
fi
if ! cmp -s "$DIR/requirements.txt" "$VENV/.lark-requirements" 2>/dev/null; then
    step "pip install -r $DIR/requirements.txt (lark-oapi)"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$DIR/requirements.txt"
    cp "$DIR/requirements.txt" "$VENV/.lark-requirements"
fi

# ---------------------------------------------------------------- lark mock serve on loopback
step "build lark"
cargo build --quiet -p lark-cli --bin lark

step "start lark mock serve"
MOCK_OUT=$(mktemp)
MOCK_ERR=$(mktemp)
"$CARGO_TARGET_DIR/debug/lark" mock serve >"$MOCK_OUT" 2>"$MOCK_ERR" &
MOCK_PID=$!
cleanup() {
    kill "$MOCK_PID" 2>/dev/null || true
    wait "$MOCK_PID" 2>/dev/null || true
    rm -f "$MOCK_OUT" "$MOCK_ERR"
}
trap cleanup EXIT
# The first line of stdout is the base URL; 10 s at most.
LARK_MOCK_URL=
for _ in $(seq 1 100); do
    LARK_MOCK_URL=$(grep -m1 -E '^http://127\.0\.0\.1:[0-9]+$' "$MOCK_OUT" || true)
    [ -n "$LARK_MOCK_URL" ] && break
    kill -0 "$MOCK_PID" 2>/dev/null || break
    sleep 0.1
done
if [ -z "$LARK_MOCK_URL" ]; then
    echo "lark mock serve printed no base URL:" >&2
    cat "$MOCK_OUT" "$MOCK_ERR" >&2
    exit 1
fi
export LARK_MOCK_URL
echo "lark-mock at $LARK_MOCK_URL"

# ---------------------------------------------------------------- the tests
# One test file at a time: the long-connection tests each want to be the only client.
step "node-sdk 1.74.0 under node --test"
(cd "$DIR" && timeout 120 node --test --test-concurrency=1 --test-timeout=60000 node/*.test.mjs)

step "lark-oapi 1.7.5 under unittest"
(cd "$DIR" && timeout 120 .venv/bin/python -m unittest discover -s python -v)

step "the official clients passed in $(($(date +%s) - started)) s"
