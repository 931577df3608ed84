"""The tables: one row per phone number, and what the SMS service must remember about it.

Nothing here stores what a person wrote: only the conversation state the core
needs, the replies already given (to answer a retried webhook identically), and
the bookkeeping that keeps the service lawful and cheap (opt-outs, delivery
failures, reply counters, the outbox).

The webhook's hot path is one SELECT (person, opt-out, bedtime subscription and both
reply budgets together) with no lock and no transaction, then one short transaction of
one UPDATE (or INSERT) of the person, two INSERTs (the MessageSid, the event) and one
upsert of the reply budgets: see `conversations.read_turn`, `save_turn`, `budgets.spend`.

Bedtime prompts: a `Subscription` per person (local time, IANA zone, the next send
instant in UTC) and a `Send` per subscription and local date, recorded before the
prompt goes out: see `crampvoice.worker`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    Time,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy import text as sql_text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NUMBER = 64  # E.164 is at most 16 characters; channel prefixes ("whatsapp:") add a few
SID = 64


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on SQLite and PostgreSQL alike."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass an aware UTC datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(table_name)s_%(column_0_name)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
        }
    )


class Person(Base):
    """A phone number that has texted the service, and where its conversation stands."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(NUMBER), unique=True)
    locale: Mapped[str] = mapped_column(String(16))
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Scheduled (not reply) messages stop after repeated delivery failures.
    scheduled_sends: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    # The first reply counter, read and written by no code since `reply_budgets` (0005);
    # kept so that a worker of the release before still runs beside this one, and
    # left to a later migration to drop.
    window_start: Mapped[datetime | None] = mapped_column(UTCDateTime)
    window_replies: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class OptOut(Base):
    """A number that must receive nothing (STOP, Twilio's OptOutType, or error 21610).

    Keyed by number, not person: a 21610 can arrive for a number that never texted."""

    __tablename__ = "opt_outs"

    number: Mapped[str] = mapped_column(String(NUMBER), primary_key=True)
    source: Mapped[str] = mapped_column(String(16))  # "keyword", "twilio", "21610"
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class OptOutTally(Base):
    """How many numbers are stopped now, by source: kept by the database itself (triggers
    on `opt_outs`, migration 0007), read by the dashboard instead of counting opt-outs."""

    __tablename__ = "opt_out_tallies"

    source: Mapped[str] = mapped_column(String(16), primary_key=True)
    count: Mapped[int] = mapped_column(Integer)


class ProcessedMessage(Base):
    """An inbound MessageSid already acted on, and the reply it got ("" for none)."""

    __tablename__ = "processed_messages"
    __table_args__ = (UniqueConstraint("sid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sid: Mapped[str] = mapped_column(String(SID))
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    reply: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class DeliveryFailure(Base):
    """An outbound message Twilio reported failed or undelivered (once per message)."""

    __tablename__ = "delivery_failures"
    __table_args__ = (UniqueConstraint("message_sid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    message_sid: Mapped[str] = mapped_column(String(SID))
    status: Mapped[str] = mapped_column(String(16))
    error_code: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class OutboxMessage(Base):
    """Every message sent through the REST path: queued here when there are no credentials."""

    __tablename__ = "outbox"
    __table_args__ = (UniqueConstraint("sid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(NUMBER), index=True)
    body: Mapped[str] = mapped_column(Text)
    scheduled: Mapped[bool] = mapped_column(Boolean, default=False)
    # "queued" (no credentials: kept here), "sent", "failed", "unknown", then Twilio's statuses.
    status: Mapped[str] = mapped_column(String(16))
    sid: Mapped[str | None] = mapped_column(String(SID))
    error_code: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class Event(Base):
    """One conversation turn, for the operator's dashboard: what was asked and how it was
    triaged, never who asked. `sender` is a keyed hash (erased with the person); `text` is
    kept only for messages the service could not answer, scrubbed of numbers and links."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    channel: Mapped[str] = mapped_column(String(8))  # "sms" or "voice"
    intent: Mapped[str] = mapped_column(String(32))
    triage: Mapped[str] = mapped_column(String(16))
    locale: Mapped[str] = mapped_column(String(16))
    answered: Mapped[bool] = mapped_column(Boolean)
    sender: Mapped[str | None] = mapped_column(String(64), index=True)
    text: Mapped[str | None] = mapped_column(String(160))


class Subscription(Base):
    """A person's nightly bedtime prompt: a local time in an IANA zone, and the next send
    instant in UTC (None while inactive). One row per person; BEDTIME OFF and STOP make
    it inactive, erasure deletes it. A zone chosen before any time is kept with no time."""

    __tablename__ = "subscriptions"
    __table_args__ = (
        UniqueConstraint("person_id"),
        CheckConstraint(
            "NOT active OR (local_time IS NOT NULL AND next_send_at IS NOT NULL)", name="scheduled"
        ),
        Index("ix_subscriptions_due", "active", "next_send_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    local_time: Mapped[time | None] = mapped_column(Time)
    zone: Mapped[str] = mapped_column(String(64))
    next_send_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean)
    rotation: Mapped[int] = mapped_column(Integer, default=0)  # the next prompt to send
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Send(Base):
    """One night's prompt for one subscription, recorded before it is sent: the UNIQUE
    (subscription, local date) key is what keeps a crash or a second worker from sending
    twice. `status`: "pending" (claimed, not yet attempted), "sending" (handed to the
    sender: never attempted again), then "sent", "queued" (outbox), "blocked", "failed",
    "unknown" (no answer: maybe sent), or "missed" (too late, or outside the send window)."""

    __tablename__ = "sends"
    __table_args__ = (
        UniqueConstraint("subscription_id", "local_date"),
        # Only claims in flight: small however many nights have been sent.
        Index(
            "ix_sends_pending",
            "updated_at",
            postgresql_where=sql_text("status = 'pending'"),
            sqlite_where=sql_text("status = 'pending'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscriptions.id", ondelete="CASCADE"))
    local_date: Mapped[date] = mapped_column(Date)
    prompt: Mapped[int] = mapped_column(Integer)  # which of the locale's reminders
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the instant it was scheduled for
    status: Mapped[str] = mapped_column(String(16))
    sid: Mapped[str | None] = mapped_column(String(SID))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the claim's lease runs from here


class ReplyBudget(Base):
    """Replies counted in a fixed window, for one number (`key`: its keyed hash, never the
    number) or for everyone (`key` "*"). Not erased with the person, so that DELETE cannot
    reset a limit; purged once the window is over (`crampvoice.retention`)."""

    __tablename__ = "reply_budgets"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    replies: Mapped[int] = mapped_column(Integer)
    escalations: Mapped[int] = mapped_column(Integer)


class PendingErasure(Base):
    """An erasure whose copy at the SMS provider (Twilio's stored messages to and from the
    number) is still to be deleted by the worker's housekeeping: the number, until then."""

    __tablename__ = "pending_erasures"

    number: Mapped[str] = mapped_column(String(NUMBER), primary_key=True)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer)


class Call(Base):
    """A phone call in progress: where its conversation stands, keyed by Twilio's CallSid.

    Deleted when Twilio reports the call over (and, failing that, a day later). The
    caller is a keyed hash (`NumberHasher`), never the number: DELETE by text erases a
    number's calls by that hash, as it erases its events."""

    __tablename__ = "calls"
    __table_args__ = (UniqueConstraint("sid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sid: Mapped[str] = mapped_column(String(SID))
    caller: Mapped[str] = mapped_column(String(64), index=True)
    locale: Mapped[str] = mapped_column(String(16))
    state: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
