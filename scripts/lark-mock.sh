# Sourced by the scripts that need lark-mock on 127.0.0.1 (test-wasm.sh, npm-pack-test.sh,
# bench-npm.sh): `start_mock COMMAND...` runs the mock (the wasm test server, which prints
# LARK_MOCK_URL= and LARK_CONTROL_URL= once it listens, and stops when its stdin closes), holds
# its stdin open on fd 9, waits up to 30 s for the two URLs and exports them; `stop_mock` closes
# its stdin, gives it 5 s to end, then kills it (call it from the script's EXIT trap; it does
# nothing when no mock was started).
MOCK_PID=
MOCK_LOG=
MOCK_IN=

start_mock() {
    MOCK_LOG=$(mktemp)
    MOCK_IN=$(mktemp -u)
    mkfifo "$MOCK_IN"
    "$@" <"$MOCK_IN" >"$MOCK_LOG" 2>&1 &
    MOCK_PID=$!
    exec 9>"$MOCK_IN"
    for _ in $(seq 1 300); do
        grep -q '^LARK_CONTROL_URL=' "$MOCK_LOG" && break
        kill -0 "$MOCK_PID" 2>/dev/null || { cat "$MOCK_LOG"; exit 1; }
        sleep 0.1
    done
    LARK_MOCK_URL=$(sed -n 's/^LARK_MOCK_URL=//p' "$MOCK_LOG")
    LARK_CONTROL_URL=$(sed -n 's/^LARK_CONTROL_URL=//p' "$MOCK_LOG")
    [ -n "$LARK_MOCK_URL" ] && [ -n "$LARK_CONTROL_URL" ] || {
        echo "lark-mock did not start"
        cat "$MOCK_LOG"
        exit 1
    }
    export LARK_MOCK_URL LARK_CONTROL_URL
}

stop_mock() {
    exec 9>&- 2>/dev/null || true
    if [ -n "$MOCK_PID" ]; then
        for _ in $(seq 1 50); do kill -0 "$MOCK_PID" 2>/dev/null || break; sleep 0.1; done
        kill "$MOCK_PID" 2>/dev/null || true
        wait "$MOCK_PID" 2>/dev/null || true
    fi
    rm -f "$MOCK_IN" "$MOCK_LOG"
    MOCK_PID=
}
