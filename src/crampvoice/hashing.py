"""Phone numbers never reach the logs in clear: a keyed hash stands for them."""

from __future__ import annotations

import hashlib
import hmac


class NumberHasher:
    """`hasher("+447700900123")` -> "n:3f9a..." (the same number, the same tag)."""

    def __init__(self, key: str) -> None:
        self._key = key.encode("utf-8")

    def __call__(self, number: str) -> str:
        digest = hmac.new(self._key, number.strip().encode("utf-8"), hashlib.sha256)
        return "n:" + digest.hexdigest()[:16]
