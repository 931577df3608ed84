"""Phone numbers: the region a number belongs to, and so the locale its replies use."""

from __future__ import annotations

import functools

import phonenumbers

from crampvoice.content import library


@functools.lru_cache(maxsize=4096)
def region(number: str) -> str | None:
    """ISO country code of an E.164 number ("+447700900123" -> "GB"), or None (a pure
    function of the text, parsed once per number)."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return None
    code = phonenumbers.region_code_for_number(parsed)
    if (not code or code == "ZZ") and parsed.country_code:
        # Ranges with no region of their own (fictional, new, or unassigned numbers) still
        # belong to a country calling code: +44 is the UK's, +1 the US's main region.
        code = phonenumbers.region_code_for_country_code(parsed.country_code)
    return code if code and code != "ZZ" else None


def locale_for(number: str) -> str:
    """The content locale for replies to this number (unknown country: the neutral base)."""
    return library().locale_for_country(region(number))


@functools.lru_cache(maxsize=4096)
def e164(number: str) -> str:
    """The stored form of a number: E.164 when it parses, else as given (trimmed)."""
    number = number.strip()
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
