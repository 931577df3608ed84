"""Read-only aggregates for the operator's dashboard: counts, never who.

    with store.transaction() as session:
        report = stats.overview(session, days=14)

Everything here is a count over a period (days in UTC), except the texts the service
could not answer: those are shown only when at least `MIN_SENDERS` different people
sent the same (scrubbed, lower-cased) words, so no one person's message appears. No
phone number, and no keyed hash standing for one, leaves this module.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Boolean, case, column, desc, false, func, inspect, select, table
from sqlalchemy.orm import Session

from crampvoice.storage import repository
from crampvoice.storage.models import DeliveryFailure, Event, OptOut, OptOutTally, Person

#: The fewest different senders whose identical unanswered text the dashboard may show.
MIN_SENDERS = 2
#: Escalation levels, most serious first: the triage levels whose reply leads with whom
#: to call. "routine" triage is counted apart: it is no escalation.
ESCALATION_LEVELS = ("emergency", "urgent")
ROUTINE = "routine"
_COUNTED_LEVELS = (*ESCALATION_LEVELS, ROUTINE)
CHANNELS = ("sms", "voice")
MAX_DAYS = 366
TOP = 10
UNANSWERED_ROWS = 25
#: The table another part of the service keeps for bedtime prompts.
SUBSCRIPTIONS_TABLE = "subscriptions"


@dataclass(frozen=True)
class Day:
    """One UTC day: conversations and turns by channel."""

    day: date
    conversations: Mapping[str, int]
    turns: Mapping[str, int]


@dataclass(frozen=True)
class IntentCount:
    intent: str
    total: int
    by_channel: Mapping[str, int]


@dataclass(frozen=True)
class Unanswered:
    """A message the service could not answer, as several people wrote it."""

    text: str
    senders: int
    times: int


@dataclass(frozen=True)
class Overview:
    since: date  # the first day counted (UTC)
    until: date  # the last day counted, today (UTC)
    days: tuple[Day, ...]
    conversations: Mapping[str, int]  # over the period, by channel
    turns: Mapping[str, int]
    escalations: Mapping[str, int]  # emergency and urgent, most serious first
    escalations_by_channel: Mapping[str, Mapping[str, int]]
    routine: int  # turns triaged routine (not escalations)
    routine_by_channel: Mapping[str, int]
    top_intents: tuple[IntentCount, ...]
    unanswered_total: int  # unanswered turns in the period
    unanswered_shown: tuple[Unanswered, ...]
    unanswered_hidden: int  # unanswered texts sent by fewer than MIN_SENDERS people
    active_subscriptions: int | None  # None: this database keeps no subscriptions yet
    opt_outs: int  # numbers that must receive nothing, now
    opt_outs_new: int  # of which opted out in the period
    opt_outs_by_source: Mapping[str, int]
    delivery_failures: int  # in the period
    delivery_failures_by_error: Mapping[str, int]
    scheduled_off: int  # people whose scheduled messages stopped after failed deliveries
    locales: Mapping[str, int] = field(default_factory=dict)  # turns by locale


def _as_date(value: Any) -> date:
    """A day as SQL gave it: a date (PostgreSQL) or 'YYYY-MM-DD' (SQLite)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def period(days: int, now: datetime | None = None) -> tuple[date, date, datetime]:
    """The first and last UTC day of a period of `days` days ending today, and the
    instant it starts."""
    days = max(1, min(int(days), MAX_DAYS))
    until = (now or repository.utcnow()).astimezone(UTC).date()
    since = until - timedelta(days=days - 1)
    return since, until, datetime(since.year, since.month, since.day, tzinfo=UTC)


def _per_channel(rows: Any) -> dict[str, int]:
    found = {channel: 0 for channel in CHANNELS}
    for channel, count in rows:
        found[str(channel)] = int(count or 0)
    return found


# Conversations: the different people (SMS) or sessions (voice) with at least one turn;
# a turn recorded without a sender counts as a conversation of its own.
_CONVERSATIONS = func.count(func.distinct(Event.sender)) + func.coalesce(
    func.sum(case((Event.sender.is_(None), 1), else_=0)), 0
)


def daily(session: Session, start: datetime, since: date, until: date) -> tuple[Day, ...]:
    day = func.date(Event.at)
    rows = session.execute(
        select(day, Event.channel, _CONVERSATIONS, func.count())
        .where(Event.at >= start)
        .group_by(day, Event.channel)
    ).all()
    conversations: dict[date, dict[str, int]] = {}
    turns: dict[date, dict[str, int]] = {}
    for raw_day, channel, talks, count in rows:
        key = _as_date(raw_day)
        conversations.setdefault(key, {})[str(channel)] = int(talks or 0)
        turns.setdefault(key, {})[str(channel)] = int(count or 0)
    result = []
    for offset in range((until - since).days + 1):
        key = since + timedelta(days=offset)
        result.append(
            Day(
                day=key,
                conversations={c: conversations.get(key, {}).get(c, 0) for c in CHANNELS},
                turns={c: turns.get(key, {}).get(c, 0) for c in CHANNELS},
            )
        )
    return tuple(result)


def escalations(session: Session, start: datetime) -> dict[str, dict[str, int]]:
    """Triaged turns by level (emergency, urgent and routine), then by channel."""
    rows = session.execute(
        select(Event.triage, Event.channel, func.count())
        .where(Event.at >= start, Event.triage.in_(_COUNTED_LEVELS))
        .group_by(Event.triage, Event.channel)
    ).all()
    found = {level: {channel: 0 for channel in CHANNELS} for level in _COUNTED_LEVELS}
    for level, channel, count in rows:
        found[str(level)][str(channel)] = int(count or 0)
    return found


def top_intents(session: Session, start: datetime, limit: int = TOP) -> tuple[IntentCount, ...]:
    rows = session.execute(
        select(Event.intent, Event.channel, func.count())
        .where(Event.at >= start)
        .group_by(Event.intent, Event.channel)
    ).all()
    by_intent: dict[str, dict[str, int]] = {}
    for intent, channel, count in rows:
        by_intent.setdefault(str(intent), {c: 0 for c in CHANNELS})[str(channel)] = int(count)
    ranked = sorted(by_intent.items(), key=lambda item: (-sum(item[1].values()), item[0]))
    return tuple(
        IntentCount(intent, sum(channels.values()), channels) for intent, channels in ranked[:limit]
    )


def unanswered(
    session: Session, start: datetime, limit: int = UNANSWERED_ROWS
) -> tuple[int, tuple[Unanswered, ...], int]:
    """(unanswered turns, the texts at least MIN_SENDERS people sent, how many texts are
    held back because fewer people sent them). Texts are grouped lower-cased, and shown
    so, so that what appears is exactly what each of those people wrote."""
    total = session.scalar(
        select(func.count()).select_from(Event).where(Event.at >= start, Event.answered.is_(False))
    )
    words = func.lower(Event.text)
    senders = func.count(func.distinct(Event.sender))
    grouped = (
        select(words.label("words"), senders.label("senders"), func.count().label("times"))
        .where(Event.at >= start, Event.answered.is_(False), Event.text.is_not(None))
        .group_by(words)
        .subquery()
    )
    shown = session.execute(
        select(grouped.c.words, grouped.c.senders, grouped.c.times)
        .where(grouped.c.senders >= MIN_SENDERS)
        .order_by(desc(grouped.c.senders), desc(grouped.c.times), grouped.c.words)
        .limit(limit)
    ).all()
    hidden = session.scalar(
        select(func.count()).select_from(grouped).where(grouped.c.senders < MIN_SENDERS)
    )
    return (
        int(total or 0),
        tuple(Unanswered(str(text), int(people), int(times)) for text, people, times in shown),
        int(hidden or 0),
    )


def active_subscriptions(session: Session) -> int | None:
    """Active bedtime subscriptions; None when this database has no such table (yet)."""
    counter: Callable[[Session], int] | None = getattr(
        repository, "count_active_subscriptions", None
    )
    if counter is not None:
        return int(counter(session))
    if not inspect(session.connection()).has_table(SUBSCRIPTIONS_TABLE):
        return None
    subscriptions = table(SUBSCRIPTIONS_TABLE, column("active", Boolean))
    count = session.scalar(
        select(func.count()).select_from(subscriptions).where(subscriptions.c.active.is_(True))
    )
    return int(count or 0)


def opt_outs(session: Session, start: datetime) -> tuple[int, int, dict[str, int]]:
    """(numbers stopped now, of which in the period, stopped now by source)."""
    rows = session.execute(select(OptOutTally.source, OptOutTally.count)).all()
    by_source = {str(source): int(count) for source, count in rows if count}
    new = session.scalar(select(func.count()).select_from(OptOut).where(OptOut.created_at >= start))
    return sum(by_source.values()), int(new or 0), by_source


def delivery_failures(session: Session, start: datetime) -> tuple[int, dict[str, int]]:
    rows = session.execute(
        select(DeliveryFailure.error_code, func.count())
        .where(DeliveryFailure.created_at >= start)
        .group_by(DeliveryFailure.error_code)
    ).all()
    by_error = {str(code or "none"): int(count) for code, count in rows}
    return sum(by_error.values()), by_error


def overview(session: Session, *, days: int = 14, now: datetime | None = None) -> Overview:
    """Everything the dashboard shows, for the `days` days up to today (UTC)."""
    since, until, start = period(days, now)
    levels = escalations(session, start)
    total, shown, hidden = unanswered(session, start)
    stopped, stopped_new, by_source = opt_outs(session, start)
    failures, by_error = delivery_failures(session, start)
    locales = session.execute(
        select(Event.locale, func.count()).where(Event.at >= start).group_by(Event.locale)
    ).all()
    return Overview(
        since=since,
        until=until,
        days=daily(session, start, since, until),
        conversations=_per_channel(
            session.execute(
                select(Event.channel, _CONVERSATIONS)
                .where(Event.at >= start)
                .group_by(Event.channel)
            ).all()
        ),
        turns=_per_channel(
            session.execute(
                select(Event.channel, func.count()).where(Event.at >= start).group_by(Event.channel)
            ).all()
        ),
        escalations={level: sum(levels[level].values()) for level in ESCALATION_LEVELS},
        escalations_by_channel={level: levels[level] for level in ESCALATION_LEVELS},
        routine=sum(levels[ROUTINE].values()),
        routine_by_channel=levels[ROUTINE],
        top_intents=top_intents(session, start),
        unanswered_total=total,
        unanswered_shown=shown,
        unanswered_hidden=hidden,
        active_subscriptions=active_subscriptions(session),
        opt_outs=stopped,
        opt_outs_new=stopped_new,
        opt_outs_by_source=by_source,
        delivery_failures=failures,
        delivery_failures_by_error=by_error,
        scheduled_off=int(
            session.scalar(
                select(func.count()).select_from(Person)
                .where(Person.scheduled_sends == false())  # `= false`: on its index
            )
            or 0
        ),
        locales={str(locale): int(count) for locale, count in locales},
    )
