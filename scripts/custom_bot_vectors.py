#!/usr/bin/env python3
"""Writes crates/lark-custom-bot/testdata/sign_vectors.json.

An implementation of the custom-bot webhook signature that shares no code with the Rust
crate, so the Rust tests check the crate against an independent computation:

    sign = base64( HMAC-SHA256( key = f"{timestamp}\\n{secret}", message = b"" ) )

Run from anywhere: `python3 scripts/custom_bot_vectors.py`. Pass `--check` to fail (exit 1)
when the committed file differs from what the script computes.
"""

import base64
import hashlib
import hmac
import json
import pathlib
import sys

OUT = pathlib.Path(__file__).resolve().parent.parent / (
    "crates/lark-custom-bot/testdata/sign_vectors.json"
)

# (name, timestamp in Unix seconds, secret)
CASES = [
    ("typical", 1599360473, "demo"),
    ("typical_2", 1700000000, "hT9ozf1tVLZ5kFcNxCk7ye"),
    ("zero_timestamp", 0, "secret"),
    ("empty_secret", 1599360473, ""),
    ("unicode_secret", 1640995200, "秘密🔑ключ"),
    ("whitespace_secret", 1640995200, " spaced\tsecret\n"),
    ("long_secret", 1712345678, "s" * 100 + "0123456789" * 10),
    # Longer than the SHA-256 block (64 bytes) once the timestamp is prepended: HMAC hashes it.
    ("block_plus_one", 1712345678, "k" * 54),
    ("max_u32_timestamp", 4294967295, "abc"),
    ("far_future", 32503680000, "year-3000"),
]


def sign(timestamp: int, secret: str) -> str:
    key = f"{timestamp}\n{secret}".encode("utf-8")
    digest = hmac.new(key, b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def render() -> str:
    vectors = [
        {"name": name, "timestamp": ts, "secret": secret, "sign": sign(ts, secret)}
        for name, ts, secret in CASES
    ]
    doc = {
        "algorithm": "base64(HMAC-SHA256(key = timestamp + '\\n' + secret, message = ''))",
        "generator": "scripts/custom_bot_vectors.py",
        "vectors": vectors,
    }
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


def main() -> int:
    text = render()
    if "--check" in sys.argv[1:]:
        current = OUT.read_text(encoding="utf-8") if OUT.exists() else ""
        if current != text:
            print(f"{OUT} is stale: run scripts/custom_bot_vectors.py", file=sys.stderr)
            return 1
        print(f"{OUT} is up to date")
        return 0
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
