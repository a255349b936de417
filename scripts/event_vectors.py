#!/usr/bin/env python3
"""Writes crates/lark-core/testdata/event_vectors.json: event encryption and request signatures
computed by an implementation independent of the SDK (PyPI `cryptography` and hashlib).

    pip install cryptography && python3 scripts/event_vectors.py

The Rust tests (crates/lark-core/tests/event_vectors.rs) read the committed file, so running
them needs no Python. Everything is deterministic: fixed keys, IVs, timestamps and nonces.
"""

import base64
import hashlib
import json
import pathlib

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

OUT = pathlib.Path(__file__).resolve().parent.parent / "crates/lark-core/testdata/event_vectors.json"


def aes_key(encrypt_key: str) -> bytes:
    return hashlib.sha256(encrypt_key.encode()).digest()


def encrypt(encrypt_key: str, plaintext: bytes, iv: bytes) -> str:
    padder = padding.PKCS7(128).padder()
    padded = padder.update(plaintext) + padder.finalize()
    enc = Cipher(algorithms.AES(aes_key(encrypt_key)), modes.CBC(iv)).encryptor()
    return base64.b64encode(iv + enc.update(padded) + enc.finalize()).decode()


def decrypt(encrypt_key: str, sealed: str) -> bytes:
    data = base64.b64decode(sealed)
    dec = Cipher(algorithms.AES(aes_key(encrypt_key)), modes.CBC(data[:16])).decryptor()
    padded = dec.update(data[16:]) + dec.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    return unpadder.update(padded) + unpadder.finalize()


def padding_fails(encrypt_key: str, sealed: str) -> bool:
    try:
        decrypt(encrypt_key, sealed)
    except ValueError:
        return True
    return False


def sha256_signature(timestamp: str, nonce: str, encrypt_key: str, body: bytes) -> str:
    return hashlib.sha256(timestamp.encode() + nonce.encode() + encrypt_key.encode() + body).hexdigest()


def sha1_signature(timestamp: str, nonce: str, token: str, body: bytes) -> str:
    return hashlib.sha1(timestamp.encode() + nonce.encode() + token.encode() + body).hexdigest()


def compact(value) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def main() -> None:
    plaintexts = [
        "",
        "a",
        "0123456789abcdef",  # exactly one block: a whole block of padding follows
        compact({"type": "url_verification", "challenge": "ajls384kdjx98XX", "token": "xxxxxx"}),
        compact({
            "schema": "2.0",
            "header": {"event_id": "5e3702a84e847582be8db7fb73283c02", "event_type": "im.message.receive_v1",
                       "create_time": "1608725989000", "token": "v-token", "app_id": "cli_a1", "tenant_key": "t1"},
            "event": {"message": {"chat_id": "oc_1", "content": "{\"text\":\"你好 👋\"}", "message_type": "text"}},
        }),
        compact({"uuid": "41b5f371157e3d5341b38b20396e77a3", "token": "v-token", "ts": "1550038209.428520",
                 "type": "event_callback", "event": {"type": "app_ticket", "app_id": "cli_a1", "app_ticket": "tk-1"}}),
        "x" * 1000,
    ]
    keys = ["kudryavka", "encrypt-key-2", "键🔑"]
    encryption = []
    for i, text in enumerate(plaintexts):
        key = keys[i % len(keys)]
        iv = bytes((i * 17 + j) % 256 for j in range(16))
        sealed = encrypt(key, text.encode(), iv)
        assert decrypt(key, sealed) == text.encode()
        encryption.append({"encrypt_key": key, "iv_hex": iv.hex(), "plaintext": text, "encrypt": sealed})

    # Ciphertexts the SDK must refuse, each checked here to fail in `cryptography` too.
    good = encryption[4]
    raw = base64.b64decode(good["encrypt"])
    flipped_last = bytearray(raw)
    flipped_last[-1] ^= 0x01  # changes the last plaintext byte: the padding breaks
    wrong_key = next(k for k in ("wrong-key", "wrong-key-2", "wrong-key-3") if padding_fails(k, good["encrypt"]))
    rejected = [
        {"why": "wrong key", "encrypt_key": wrong_key, "encrypt": good["encrypt"]},
        {"why": "tampered last block", "encrypt_key": good["encrypt_key"],
         "encrypt": base64.b64encode(bytes(flipped_last)).decode()},
        {"why": "truncated to a partial block", "encrypt_key": good["encrypt_key"],
         "encrypt": base64.b64encode(raw[:-5]).decode()},
        {"why": "IV only", "encrypt_key": good["encrypt_key"], "encrypt": base64.b64encode(raw[:16]).decode()},
        {"why": "not base64", "encrypt_key": good["encrypt_key"], "encrypt": "not base64!!"},
        {"why": "empty", "encrypt_key": good["encrypt_key"], "encrypt": ""},
    ]
    for case in rejected[:2]:
        assert padding_fails(case["encrypt_key"], case["encrypt"]), case["why"]

    signatures = []
    for i, (timestamp, nonce, key, body) in enumerate([
        ("1700000000", "13ce2b2b", "kudryavka", compact({"encrypt": encryption[4]["encrypt"]})),
        ("1700000123", "nonce-ü", "encrypt-key-2", '{"schema":"2.0","header":{},"event":{}}'),
        ("1", "", "k", ""),
        # Key order and spacing as sent: re-serialising this body would change the signature.
        ("1700000000", "n", "k", '{ "b": 1,\n  "a": "\\u00e9" }'),
    ]):
        signatures.append({"timestamp": timestamp, "nonce": nonce, "encrypt_key": key, "body": body,
                           "signature": sha256_signature(timestamp, nonce, key, body.encode())})

    card_body = compact({"open_id": "ou_1", "open_message_id": "om_1", "tenant_key": "t1", "token": "c-update",
                         "action": {"tag": "button", "value": {"k": "v"}}})
    card_signatures = [{"timestamp": "1700000000", "nonce": "n-1", "verification_token": "v-token",
                        "body": card_body, "signature": sha1_signature("1700000000", "n-1", "v-token", card_body.encode())}]

    # A whole signed, encrypted request as the platform sends it, and what the SDK must answer.
    inner = encryption[4]["plaintext"]
    sealed_body = compact({"encrypt": encrypt("kudryavka", inner.encode(), bytes(range(16)))})
    requests = [{
        "encrypt_key": "kudryavka", "verification_token": "v-token",
        "timestamp": "1700000000", "nonce": "n-2",
        "signature": sha256_signature("1700000000", "n-2", "kudryavka", sealed_body.encode()),
        "body": sealed_body, "event_type": "im.message.receive_v1",
        "event_id": "5e3702a84e847582be8db7fb73283c02",
    }]
    challenge_plain = encryption[3]["plaintext"]
    challenge_body = compact({"encrypt": encrypt("kudryavka", challenge_plain.encode(), bytes(16))})
    challenges = [{"encrypt_key": "kudryavka", "verification_token": "xxxxxx", "body": challenge_body,
                   "challenge": "ajls384kdjx98XX"}]

    vectors = {
        "generator": "scripts/event_vectors.py (PyPI cryptography + hashlib)",
        "encryption": encryption,
        "rejected": rejected,
        "signatures": signatures,
        "card_signatures": card_signatures,
        "requests": requests,
        "challenges": challenges,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(vectors, ensure_ascii=False, indent=2) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
