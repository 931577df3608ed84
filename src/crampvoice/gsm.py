"""GSM-7 encoding: what an SMS may contain and how many segments it costs.

One character outside the GSM 03.38 alphabet turns a whole message into UCS-2
(70 characters a message instead of 160), so every outgoing text is checked.
"""

from __future__ import annotations

# The GSM 03.38 basic character set (one septet each).
BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: each costs two septets (escape + character).
EXTENSION = frozenset("|^€{}[]~\\\f")

SINGLE_SEGMENT = 160
MULTI_SEGMENT = 153


class NotGsm7Error(ValueError):
    """A text holds characters that would force the whole SMS into UCS-2."""

    def __init__(self, text: str, bad: list[str]) -> None:
        self.bad = bad
        shown = ", ".join(f"{c!r} (U+{ord(c):04X})" for c in bad)
        super().__init__(f"not GSM-7: {shown}")


def non_gsm_characters(text: str) -> list[str]:
    """Every distinct character of `text` that GSM-7 cannot carry, in order of appearance."""
    seen: list[str] = []
    for char in text:
        if char not in BASIC and char not in EXTENSION and char not in seen:
            seen.append(char)
    return seen


def is_gsm7(text: str) -> bool:
    return not non_gsm_characters(text)


def septets(text: str) -> int:
    """Length in GSM-7 septets: extension characters count twice."""
    bad = non_gsm_characters(text)
    if bad:
        raise NotGsm7Error(text, bad)
    return sum(2 if char in EXTENSION else 1 for char in text)


def segments(text: str) -> int:
    """How many SMS segments `text` costs when sent as GSM-7."""
    length = septets(text)
    if length <= SINGLE_SEGMENT:
        return 1
    return -(-length // MULTI_SEGMENT)


# Look-alikes people paste or phones autocorrect into, mapped to GSM-7.
_FOLD = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2033": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u2026": "...",
        "\u00a0": " ",
        "\u2009": " ",
        "\u202f": " ",
    }
)


def fold(text: str) -> str:
    """Replace common typographic look-alikes with their GSM-7 equivalents."""
    return text.translate(_FOLD)
