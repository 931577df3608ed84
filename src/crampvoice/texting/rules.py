"""Deliverability, as rules the storage applies: which delivery reports stop a number,
and when failing deliveries turn a person's scheduled messages off."""

from __future__ import annotations

#: Twilio's error for a message to a number that has opted out: it stops the number.
OPTED_OUT_ERROR = "21610"
FAILED_STATUSES = frozenset({"failed", "undelivered"})
DELIVERED = "delivered"


def after_delivery(status: str, failures: int, limit: int) -> tuple[int, bool | None]:
    """(consecutive failures, scheduled sends on) after one report about a new message:
    `limit` failures in a row turn scheduled sends off (False); a delivered message
    resets the count; None: scheduled sends as they were."""
    if status in FAILED_STATUSES:
        failures += 1
        return failures, (False if failures >= limit else None)
    if status == DELIVERED:
        return 0, None
    return failures, None
