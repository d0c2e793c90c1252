"""Personal data at rest: ID numbers and phones are stored encrypted and found by a keyed hash.

One master key from settings; two sub-keys derived from it with HKDF so the lookup hash and the
encryption never share a key. The hash is deterministic (it is an index key); the ciphertext is not.
"""
from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_NONCE_BYTES = 12


@functools.cache
def _subkey(master: str, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(master.encode())


class PiiVault:
    def __init__(self, master_key: str) -> None:
        if len(master_key) < 16:
            raise ValueError("the PII master key must be at least 16 characters")
        self._lookup_key = _subkey(master_key, b"pensioncert lookup v1")
        self._aead = AESGCM(_subkey(master_key, b"pensioncert seal v1"))

    def lookup(self, kind: str, value: str) -> str:
        """Keyed hash for equality lookups; ``kind`` keeps a phone and an ID from ever colliding."""
        digest = hmac.new(self._lookup_key, f"{kind}:{value}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:24]).decode()

    def seal(self, value: str) -> str:
        nonce = os.urandom(_NONCE_BYTES)
        return base64.b64encode(nonce + self._aead.encrypt(nonce, value.encode(), None)).decode()

    def open(self, sealed: str) -> str:
        raw = base64.b64decode(sealed)
        return self._aead.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], None).decode()
