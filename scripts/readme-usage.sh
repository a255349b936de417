#!/usr/bin/env bash
# Runs the README's Usage block (a doc test of lark-sdk, extracted by crates/lark-sdk/build.rs)
# for real: `lark mock serve` on 127.0.0.1, its credentials and base URL in the environment the
# block reads, then `cargo test -p lark-sdk --doc` with LARK_SDK_README_RUN set. A plain
# `cargo test` only compiles the block (no_run), so it never reaches a real host.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --quiet -p lark-cli
target_dir=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
workdir=$(mktemp -d)
mock_pid=
cleanup() {
    if [ -n "$mock_pid" ]; then kill "$mock_pid" 2>/dev/null || true; wait "$mock_pid" 2>/dev/null || true; fi
    rm -rf "$workdir"
}
trap cleanup EXIT

"$target_dir/debug/lark" mock serve >"$workdir/url" 2>"$workdir/log" &
mock_pid=$!
for _ in $(seq 100); do
    [ -s "$workdir/url" ] && break
    kill -0 "$mock_pid" 2>/dev/null || { cat "$workdir/log" >&2; exit 1; }
    sleep 0.1
done
base_url=$(head -n1 "$workdir/url")
case "$base_url" in
    http://127.0.0.1:*) ;;
    *) echo "lark mock serve printed no loopback URL: '$base_url'" >&2; cat "$workdir/log" >&2; exit 1 ;;
esac

# The mock's app and the chat it starts with (lark_mock::MockServer::APP_ID, APP_SECRET, CHAT_ID).
export LARK_APP_ID=cli_mock_app LARK_APP_SECRET=mock-app-secret LARK_CHAT_ID=oc_mock_chat
export LARK_BASE_URL=$base_url LARK_SDK_README_RUN=1
out=$(cargo test --quiet -p lark-sdk --doc -- ReadmeUsage 2>&1) || { echo "$out" >&2; exit 1; }
echo "$out"
grep -q "1 passed" <<<"$out" || { echo "the README's Usage doc test is missing" >&2; exit 1; }
# It ran (not only compiled): the chat on the mock holds the message it sent.
messages=$("$target_dir/debug/lark" api GET /open-apis/im/v1/messages \
    --query container_id_type=chat --query container_id="$LARK_CHAT_ID")
grep -q 'hello' <<<"$messages" || { echo "the README's Usage block sent nothing: $messages" >&2; exit 1; }
echo "the README's Usage block sent a message to lark-mock and read it back"
