#!/usr/bin/env bash
# A short, bounded run of every cargo-fuzz target of fuzz/ (events: decryption, envelope
# parsing, the dispatcher; the long connection: frame decoding and reassembly). Installs
# cargo-fuzz when missing. Works on stable Rust through RUSTC_BOOTSTRAP=1, since libFuzzer
# needs nightly-only compiler flags.
#
#   scripts/fuzz-smoke.sh              # FUZZ_SECONDS (default 15) per target
#   FUZZ_SECONDS=600 scripts/fuzz-smoke.sh
#
# A crash fails the script and leaves the input in fuzz/artifacts/<target>/.
set -euo pipefail

cd "$(dirname "$0")/../fuzz"
seconds="${FUZZ_SECONDS:-15}"

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz-smoke: installing cargo-fuzz"
    cargo install cargo-fuzz --locked || cargo install cargo-fuzz
fi

export RUSTC_BOOTSTRAP=1
targets=(decrypt envelope dispatcher ws_frames)

# One build for all targets, then bounded runs.
cargo fuzz build --sanitizer none

for target in "${targets[@]}"; do
    mkdir -p "corpus/$target"
    echo "fuzz-smoke: $target for ${seconds}s"
    log="$(mktemp)"
    if ! cargo fuzz run --sanitizer none "$target" "corpus/$target" "seeds/$target" -- \
        -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        >"$log" 2>&1; then
        tail -n 60 "$log"
        echo "fuzz-smoke: $target FAILED" >&2
        exit 1
    fi
    grep -E "stat::number_of_executed_units|Done [0-9]+ runs" "$log" | sed "s/^/  $target: /" || true
    rm -f "$log"
done
echo "fuzz-smoke: all targets ran clean"
