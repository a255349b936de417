#!/usr/bin/env bash
# The lark-redis tests against a real redis-server, installed from the Debian package when
# missing. Each test starts its own server on a free 127.0.0.1 port and stops it at the end.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v redis-server >/dev/null; then
    sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null; then
            sudo="sudo"
        else
            echo "redis-server is missing and installing it needs root (no sudo here)" >&2
            exit 1
        fi
    fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq redis-server >/dev/null
    # The package starts a system-wide server on 6379; the tests start their own.
fi
redis-server --version

cargo test -p lark-redis
# Two channel instances de-duplicating through one Redis.
cargo test -p lark-bot-channel --test redis
