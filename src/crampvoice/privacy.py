"""Keeping what the service learns about people to the minimum it needs."""

from __future__ import annotations

import re

_EMAIL = re.compile(r"\S+@\S+")
_LINK = re.compile(r"(https?://|www\.)\S+", re.IGNORECASE)
_DIGITS = re.compile(r"\+?\d[\d\s().-]{2,}\d|\d{3,}")
MAX_SCRUBBED = 120


def scrub(text: str) -> str:
    """A message with emails, links and any run of digits (phone numbers, dates of birth,
    addresses) removed, squeezed and cut short: what an editor may see of an unanswered
    message, never who sent it."""
    text = "".join(c if c.isprintable() else " " for c in text)  # no NULs or controls
    text = _EMAIL.sub("[email]", text)
    text = _LINK.sub("[link]", text)
    text = _DIGITS.sub("[number]", text)
    text = " ".join(text.split())
    return text[:MAX_SCRUBBED]
