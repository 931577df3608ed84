"""How guessable a secret is: a cautious entropy estimate, shared by every check of a
secret (the operator token, the production key and Twilio token).

    bits("a")                          # 0.0
    bits(secrets.token_urlsafe(32))    # about 256
"""

from __future__ import annotations

import math
import string
from collections import Counter

#: A little under 128, so that a random 128-bit secret passes however its characters fell.
MIN_BITS = 120
MIN_LENGTH = 20
ADVICE = "make one with: python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"


def bits(secret: str) -> float:
    """The secret's length times log2 of the alphabet its character classes suggest
    (punctuation counts only the marks it uses), taken as zero when a few characters
    make up most of it."""
    alphabet = 0
    for chars in (string.ascii_lowercase, string.ascii_uppercase, string.digits):
        if any(c in chars for c in secret):
            alphabet += len(chars)
    alphabet += len({c for c in secret if not c.isascii() or not c.isalnum()})
    if not secret or alphabet < 2:
        return 0.0
    commonest = Counter(secret).most_common(1)[0][1]
    if len(set(secret)) < 8 or commonest > max(4, len(secret) // 3):
        return 0.0
    return len(secret) * math.log2(alphabet)


def weakness(name: str, secret: str) -> str | None:
    """Why the secret in setting `name` is too weak, in one line; None when it is fine."""
    estimate = bits(secret)
    if len(secret) < MIN_LENGTH or estimate < MIN_BITS:
        return (
            f"{name} is too weak (about {estimate:.0f} bits in {len(secret)} characters, "
            f"at least {MIN_BITS} needed); {ADVICE}"
        )
    return None
