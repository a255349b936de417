#!/usr/bin/env bash
# Gzip sizes of what a user ships with lark-sdk:
#   (a) a Worker that only posts through a custom bot        (examples/cloudflare-worker/size/bot-worker.js)
#   (b) a Worker that sends an im message with app credentials, through the per-service entry
#       lark-sdk/api/im (examples/cloudflare-worker/size/im-worker.js)
#   the example Worker on lark-sdk (client with every endpoint, events, files, custom bot, signed-in users;
#   Workers get the full build without the long connection)
#   (c) the whole npm package (the tarball `npm pack` makes)
# A Worker's size is its bundle as wrangler makes it (esbuild, minified, workerd condition) plus
# its wasm module, each gzipped (-9), which is how Cloudflare counts the compressed limit.
# Budgets (gzip): (a) 75 KB, (b) 95 KB, the full Worker 230 KB. The report prints the figures and
# exits non-zero when a Worker grows past its budget (or something cannot be measured); the
# package's (c) goal of <= 400 KB is reported, not enforced.
set -euo pipefail
cd "$(dirname "$0")/.."

PKG=bindings/wasm/npm
WORKER=examples/cloudflare-worker
if [ ! -f "$PKG/wasm/full/lark_wasm_bg.wasm" ] || [ ! -f "$PKG/wasm/workers/lark_wasm_bg.wasm" ] ||
    [ ! -f "$PKG/wasm/client/lark_wasm_bg.wasm" ] ||
    [ ! -f "$PKG/wasm/bot/lark_wasm_bg.wasm" ] || [ ! -f "$PKG/wasm/channel/lark_wasm_bg.wasm" ]; then
    scripts/test-wasm.sh build
fi
if ! cmp -s "$WORKER/package-lock.json" "$WORKER/node_modules/.lark-ci-lock" 2>/dev/null; then
    (cd "$WORKER" && npm ci --no-audit --no-fund --loglevel=error)
    cp "$WORKER/package-lock.json" "$WORKER/node_modules/.lark-ci-lock"
fi
(cd "$WORKER" && node build.mjs --size)

gz() { gzip -9c "$1" | wc -c; }
kb() { awk -v b="$1" 'BEGIN { printf "%.1f KB", b / 1024 }'; }

worker_size() { # dir -> prints "js_raw js_gz wasm_raw wasm_gz"
    local dir=$1 js wasm
    js=$dir/index.js
    wasm=$(ls "$dir"/*.wasm)
    echo "$(wc -c <"$js") $(gz "$js") $(wc -c <"$wasm") $(gz "$wasm")"
}

over_budget=0
report_worker() { # label dir budget_bytes
    local label=$1 dir=$2 budget=$3
    read -r js_raw js_gz wasm_raw wasm_gz < <(worker_size "$dir")
    local total=$((js_gz + wasm_gz)) verdict
    if [ "$total" -le "$budget" ]; then verdict="  budget $(kb "$budget"): within, $(kb $((budget - total))) to spare"
    else verdict="  budget $(kb "$budget"): OVER by $(kb $((total - budget)))"; over_budget=1; fi
    printf '%s\n    JS   %8d B raw, %s gzip\n    wasm %8d B raw, %s gzip\n    total %s gzip%s\n' \
        "$label" "$js_raw" "$(kb "$js_gz")" "$wasm_raw" "$(kb "$wasm_gz")" "$(kb "$total")" "$verdict"
}

echo "== lark-sdk size report (gzip -9)"
report_worker "(a) Worker posting through a custom bot (lark-sdk/bot)" "$WORKER/dist/size/bot-worker" $((75 * 1024))
report_worker "(b) Worker sending an im message with app credentials (lark-sdk/api/im)" "$WORKER/dist/size/im-worker" $((95 * 1024))
report_worker "    the example Worker on lark-sdk (client with every endpoint + events + files + bot + users)" "$WORKER/dist/worker" $((230 * 1024))
# The streaming assistant (src/assistant.js) on lark-sdk/channel, the build with the channel layer:
# reported, with no budget of its own.
read -r js_raw js_gz wasm_raw wasm_gz < <(worker_size "$WORKER/dist/assistant")
printf '%s\n    JS   %8d B raw, %s gzip\n    wasm %8d B raw, %s gzip\n    total %s gzip (reported, no budget)\n' \
    "    the streaming assistant Worker on lark-sdk/channel (the above + the channel layer)" \
    "$js_raw" "$(kb "$js_gz")" "$wasm_raw" "$(kb "$wasm_gz")" "$(kb $((js_gz + wasm_gz)))"

PACK_DIR=$(mktemp -d)
trap 'rm -rf "$PACK_DIR"' EXIT
(cd "$PKG" && npm pack --silent --pack-destination "$PACK_DIR" >/dev/null)
TARBALL=$(ls "$PACK_DIR"/*.tgz)
tar_size=$(wc -c <"$TARBALL")
unpacked=$(tar -xzOf "$TARBALL" | wc -c)
goal=$((400 * 1024))
if [ "$tar_size" -le "$goal" ]; then verdict="met"; else verdict="MISSED by $(kb $((tar_size - goal)))"; fi
printf '(c) the whole package (npm pack: 5 wasm builds, JS, generated catalog, entries and types)\n    %s gzip tarball, %s unpacked  goal <= %s: %s\n' \
    "$(kb "$tar_size")" "$(kb "$unpacked")" "$(kb "$goal")" "$verdict"
echo "    per file or folder (gzip, the files of a folder concatenated):"
group_size() { # pattern -> gzip bytes of the matching files, concatenated
    tar -tzf "$TARBALL" | grep -E "$1" | sort | while read -r file; do tar -xzOf "$TARBALL" "$file"; done | gzip -9c | wc -c
}
for group in 'src/generated/types/' 'src/generated/catalog/' 'src/generated/services/'; do
    printf '      %-45s %s\n' "$group*" "$(kb "$(group_size "^package/$group")")"
done
tar -tzf "$TARBALL" | grep -v 'src/generated/\(types\|catalog\|services\)/' | sort | while read -r file; do
    size=$(tar -xzOf "$TARBALL" "$file" | gzip -9c | wc -c)
    [ "$size" -ge 2048 ] && printf '      %-45s %s\n' "${file#package/}" "$(kb "$size")"
done
if [ "$over_budget" = 1 ]; then
    echo "error: a Worker build grew past its budget (see above)" >&2
    exit 1
fi
