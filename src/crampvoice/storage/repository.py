"""The storage operations, by concern, under one name: `repository.erase(...)`.

Each is a small named operation on one session (one transaction) that the caller owns
(`Store.transaction()`); nothing here commits. The operations live in one module per
concern: `people`, `conversations` (the webhook's turn), `consent` (opt-outs and
deliveries), `outbox`, `events`, `erasure`, `schedules` (bedtime subscriptions) and
`sends` (the bedtime worker's claims).
"""

from __future__ import annotations

from crampvoice.storage.consent import (
    may_send,
    opt_in,
    opt_out,
    record_delivery,
)
from crampvoice.storage.conversations import (
    processed_reply,
    record_processed,
)
from crampvoice.storage.erasure import (
    erase,
    rows_about,
)
from crampvoice.storage.events import (
    record_event,
)
from crampvoice.storage.outbox import (
    add_outbox,
    outbox,
)
from crampvoice.storage.people import (
    add_person,
    is_stopped,
    number_key,
    person,
    save_state,
    utcnow,
)
from crampvoice.storage.schedules import (
    count_active_subscriptions,
    next_due,
    save_subscription,
    send_counts,
    sends,
    subscription,
)
from crampvoice.storage.sends import (
    Claim,
    Due,
    advance_subscriptions,
    due_subscriptions,
    finish_sends,
    orphaned_sends,
    record_sends,
    skip_send,
    start_send,
)
from crampvoice.texting.port import Conversation
from crampvoice.texting.rules import FAILED_STATUSES, OPTED_OUT_ERROR

__all__ = [
    "FAILED_STATUSES",
    "OPTED_OUT_ERROR",
    "Claim",
    "Conversation",
    "Due",
    "add_outbox",
    "add_person",
    "advance_subscriptions",
    "count_active_subscriptions",
    "due_subscriptions",
    "erase",
    "finish_sends",
    "is_stopped",
    "may_send",
    "next_due",
    "number_key",
    "opt_in",
    "opt_out",
    "orphaned_sends",
    "outbox",
    "person",
    "processed_reply",
    "record_delivery",
    "record_event",
    "record_processed",
    "record_sends",
    "rows_about",
    "save_state",
    "save_subscription",
    "send_counts",
    "sends",
    "skip_send",
    "start_send",
    "subscription",
    "utcnow",
]
