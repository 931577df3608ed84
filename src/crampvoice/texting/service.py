"""The SMS service layer: one transaction per message around the pure policy.

    outcome = conversations.handle(Inbound(sid="SM...", sender="+447700900123", body="cramp"))
    outcome.text  # the SMS to answer with, or None

Load the person with their opt-out, reply counter and bedtime subscription (one
query, row locked), ask the core (through `policy.decide`), then store the new state,
the action, the subscription, and the MessageSid with its reply, all in one
transaction. The MessageSid's UNIQUE constraint makes a retried message fail as a
whole: it gets the stored reply and nothing else happens, even when it arrives while
the first is still running.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from crampvoice import bedtime, phone
from crampvoice.bedtime import Schedule
from crampvoice.content import library
from crampvoice.engine import Core
from crampvoice.hashing import NumberHasher
from crampvoice.intents import Intent
from crampvoice.settings import Limits
from crampvoice.state import State
from crampvoice.texting.messages import Inbound, StatusReport, clean_body
from crampvoice.texting.policy import Decision, Situation, decide
from crampvoice.texting.port import Conflict, TextingStorage, TextingTransaction

log = logging.getLogger("crampvoice.sms")

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)

ATTEMPTS = 3  # a lost race (duplicate MessageSid, first message from a number) is retried


@dataclass(frozen=True)
class Outcome:
    text: str | None  # the SMS to answer with; None: an empty TwiML response
    duplicate: bool = False


class Conversations:
    def __init__(
        self,
        storage: TextingStorage,
        core: Core,
        limits: Limits,
        hasher: NumberHasher,
        clock: Clock = utcnow,
        *,
        forget_at_provider: bool = False,
    ) -> None:
        self.storage = storage
        self.core = core
        self.limits = limits
        self.hasher = hasher
        self.clock = clock
        self.forget_at_provider = forget_at_provider  # the provider keeps copies (Twilio)

    def served(self, number: str) -> bool:
        """Whether texts from this number's country are answered (CRAMPVOICE_SMS_COUNTRIES)."""
        allowed = self.limits.countries
        if allowed is not None and "*" in allowed:
            return True
        if allowed is None:
            allowed = self._content_countries
        return phone.region(phone.e164(number)) in allowed

    @functools.cached_property
    def _content_countries(self) -> frozenset[str]:
        found = library()
        return frozenset(found.countries) | frozenset(found.emergency_112)

    def handle(self, message: Inbound) -> Outcome:
        body = clean_body(message.body)  # cut at Twilio's longest before any parsing
        if body != message.body:
            message = replace(message, body=body)
        if not self.served(message.sender):
            log.info("sms %s from=%s not answered: its country is not served (%s)",
                     message.sid, self.hasher(message.sender),
                     phone.region(phone.e164(message.sender)) or "unknown")
            return Outcome(None)
        for attempt in range(1, ATTEMPTS + 1):
            try:
                with self.storage.transaction() as tx:
                    decision, stopped = self._turn(tx, message)
            except Conflict:  # the MessageSid is taken (a retry), or a race to add a person
                with self.storage.transaction() as tx:
                    stored = tx.processed_reply(message.sid)
                if stored is not None:
                    log.info(
                        "sms %s from=%s duplicate: the same reply, nothing done",
                        message.sid,
                        self.hasher(message.sender),
                    )
                    return Outcome(stored or None, duplicate=True)
                if attempt == ATTEMPTS:
                    raise
                continue
            log.info(
                "sms %s from=%s intent=%s triage=%s action=%s stopped=%s replied=%s",
                message.sid,
                self.hasher(message.sender),
                decision.intent.value,
                decision.triage.value,
                decision.action or "-",
                stopped,
                decision.text is not None,
            )
            return Outcome(decision.text)
        raise AssertionError("unreachable")

    def _turn(self, tx: TextingTransaction, message: Inbound) -> tuple[Decision, bool]:
        """One message in one transaction: load, decide, act, store."""
        at = self.clock()
        conversation = tx.open_conversation(message.sender, locale_for=phone.locale_for, at=at)
        budget_key = self.hasher(phone.e164(message.sender))
        spent = tx.spent(budget_key, at, self.limits.window)
        situation = Situation(
            state=State.from_dict(conversation.state),
            locale=conversation.locale,
            stopped=conversation.stopped,
            replies_in_window=spent.replies,
            reply_limit=self.limits.replies,
            number=phone.e164(message.sender),
            bedtime=conversation.bedtime,
            send_window=self.limits.send_window,
            spent=spent,
            escalation_limit=self.limits.escalations,
            everyone_limit=self.limits.everyone,
        )
        decision = decide(self.core, message, situation)
        reply = decision.text or ""
        sender = self.hasher(message.sender)
        if decision.text is not None and decision.counts:
            tx.spend(budget_key, at, self.limits.window, escalation=decision.escalation)
        if decision.action == "erase":
            tx.erase(message.sender, sender=sender)
            if self.forget_at_provider:
                tx.request_provider_erasure(message.sender, at)
            tx.record_processed(message.sid, reply, at)
            return decision, situation.stopped
        if decision.action == "opt_out":
            source = "twilio" if message.opt_out_type else "keyword"
            tx.opt_out(message.sender, source, at)
        elif decision.action == "opt_in":
            tx.opt_in(message.sender)
        if decision.schedule is not None:
            keep(tx, conversation.person_id, decision.schedule, at)
        tx.record_event(
            channel="sms",
            intent=decision.intent.value,
            triage=decision.triage.value,
            locale=situation.locale,
            answered=decision.intent is not Intent.FALLBACK,
            at=at,
            sender=sender,
            text=message.body,
        )
        tx.close_conversation(
            conversation,
            sid=message.sid,
            reply=reply,
            state=None if decision.state is None else decision.state.to_dict(),
            counted=decision.text is not None and decision.counts,
            window=self.limits.window,
            at=at,
        )
        return decision, situation.stopped


def keep(tx: TextingTransaction, person_id: int, schedule: Schedule, now: datetime) -> None:
    """Store a bedtime subscription, with its next send in UTC when it is active."""
    due = None
    if schedule.active and schedule.at is not None:
        due = bedtime.next_send(schedule.at, schedule.zone, now)
    tx.save_subscription(
        person_id,
        at=schedule.at,
        zone=schedule.zone,
        active=due is not None,
        next_send_at=due,
        now=now,
    )


class Deliveries:
    """Status callbacks for messages sent: stops on 21610, counts failed deliveries."""

    def __init__(
        self,
        storage: TextingStorage,
        limits: Limits,
        hasher: NumberHasher,
        clock: Clock = utcnow,
    ) -> None:
        self.storage = storage
        self.limits = limits
        self.hasher = hasher
        self.clock = clock

    def record(self, report: StatusReport) -> None:
        with self.storage.transaction() as tx:
            tx.record_delivery(
                report.to,
                report.sid,
                report.status,
                report.error_code,
                self.clock(),
                failure_limit=self.limits.failures,
            )
        log.info(
            "sms status %s to=%s status=%s error=%s",
            report.sid,
            self.hasher(report.to),
            report.status,
            report.error_code or "-",
        )
