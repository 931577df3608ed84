"""The SMS service layer: each message read, decided and written once, around the pure
policy.

    outcome = conversations.handle(Inbound(sid="SM...", sender="+447700900123", body="cramp"))
    outcome.text  # the SMS to answer with, or None

1. Read the person with their opt-out, reply counter and bedtime subscription (one
   query, no lock: a read never waits behind a writer).
2. Ask the core (through `policy.decide`) with nothing held.
3. Write everything the turn produced in one short transaction: the state and counter
   (only if the conversation is still as read; else read and decide again), the
   MessageSid with its reply, the event, and the action (opt-out, erasure, bedtime).
   The MessageSid's UNIQUE constraint makes a retried message fail as a whole: it gets
   the stored reply and nothing else happens, even when it arrives while the first is
   still running.

Safety first, storage second: understanding and triage never depend on the database.
When it is down, locked past its short timeout or read-only (`Unavailable`), the person
still gets the escalation or the answer, decided without the parts that need state (a
fresh conversation; an action that could not be stored gets the error text instead of
a confirmation), and the failure is logged and counted (`storage_failures`).
"""

from __future__ import annotations

import functools
import logging
import threading
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
from crampvoice.texting import commands
from crampvoice.texting.budget import Spent
from crampvoice.texting.messages import Inbound, StatusReport, clean_body
from crampvoice.texting.policy import Decision, Situation, decide, notice, sms_text
from crampvoice.texting.port import (
    Conflict,
    Conversation,
    TextingStorage,
    TextingTransaction,
    TurnEvent,
    Unavailable,
)

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
        commands.load()  # the command words, checked at start (a ContentError names the key)
        self.storage_failures = 0  # turns answered without the database, since start
        self._count = threading.Lock()

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
            if log.isEnabledFor(logging.INFO):
                log.info("sms %s from=%s not answered: its country is not served (%s)",
                         message.sid, self.hasher(message.sender),
                         phone.region(phone.e164(message.sender)) or "unknown")
            return Outcome(None)
        sender = self.hasher(message.sender)  # once: the event and the log line
        number = phone.e164(message.sender)
        # The reply budgets' key (kept through erasure): the same hash when Twilio sent
        # the number in E.164, as it does.
        budget_key = sender if number == message.sender.strip() else self.hasher(number)
        for attempt in range(1, ATTEMPTS + 1):
            at = self.clock()
            try:
                conversation, spent = self.storage.read_turn(
                    message.sender, budget_key, locale_for=phone.locale_for, at=at,
                    window=self.limits.window,
                )
            except Unavailable as error:
                return self._without_storage(message, sender, number, at, "read", error)
            situation = self._situation(conversation, number, spent)
            decision = decide(self.core, message, situation)
            try:
                with self.storage.transaction() as tx:
                    self._store(tx, message, conversation, situation, decision, sender, at)
                    if decision.text is not None and decision.counts:  # last: see budgets
                        tx.spend(budget_key, at, self.limits.window,
                                 escalation=decision.escalation)
            except Conflict:  # a retry of the MessageSid, or the conversation changed
                try:
                    stored = self.storage.processed_reply(message.sid)
                except Unavailable as error:
                    return self._unstored(message, sender, decision, "read", error)
                if stored is not None:
                    log.info(
                        "sms %s from=%s duplicate: the same reply, nothing done",
                        message.sid,
                        sender,
                    )
                    return Outcome(stored or None, duplicate=True)
                if attempt == ATTEMPTS:
                    return self._unstored(message, sender, decision, "write", "kept conflicting")
                continue
            except Unavailable as error:
                return self._unstored(message, sender, decision, "write", error)
            if log.isEnabledFor(logging.INFO):
                log.info(
                    "sms %s from=%s intent=%s triage=%s action=%s stopped=%s replied=%s",
                    message.sid,
                    sender,
                    decision.intent.value,
                    decision.triage.value,
                    decision.action or "-",
                    situation.stopped,
                    decision.text is not None,
                )
            return Outcome(decision.text)
        raise AssertionError("unreachable")

    def _situation(self, conversation: Conversation, number: str, spent: Spent) -> Situation:
        return Situation(
            state=State.from_dict(conversation.state),
            locale=conversation.locale,
            stopped=conversation.stopped,
            replies_in_window=spent.replies,
            reply_limit=self.limits.replies,
            number=number,
            bedtime=conversation.bedtime,
            send_window=self.limits.send_window,
            spent=spent,
            escalation_limit=self.limits.escalations,
            everyone_limit=self.limits.everyone,
        )

    def _store(
        self,
        tx: TextingTransaction,
        message: Inbound,
        conversation: Conversation,
        situation: Situation,
        decision: Decision,
        sender: str,
        at: datetime,
    ) -> None:
        """Everything one turn produced, in the one transaction `tx`."""
        reply = decision.text or ""
        if decision.action == "erase":
            tx.erase(message.sender, sender=sender)
            if self.forget_at_provider:
                tx.request_provider_erasure(message.sender, at)
            tx.record_processed(message.sid, reply, at)
            return
        person_id = tx.save_turn(
            conversation,
            number=message.sender,
            sid=message.sid,
            reply=reply,
            state=None if decision.state is None else decision.state.to_dict(),
            at=at,
            event=TurnEvent(
                intent=decision.intent.value,
                triage=decision.triage.value,
                locale=situation.locale,
                answered=decision.intent is not Intent.FALLBACK,
                sender=sender,
                text=message.body,
            ),
        )
        if decision.action == "opt_out":
            source = "twilio" if message.opt_out_type else "keyword"
            tx.opt_out(message.sender, source, at)
        elif decision.action == "opt_in":
            tx.opt_in(message.sender)
        if decision.schedule is not None:
            keep(tx, person_id, decision.schedule, at)

    def _without_storage(
        self,
        message: Inbound,
        sender: str,
        number: str,
        at: datetime,
        step: str,
        error: object,
    ) -> Outcome:
        """The database could not be read: decide as for a new conversation (no state,
        no counter, the number's own locale), so triage and the answer still reach the
        person."""
        situation = Situation(
            state=State(),
            locale=phone.locale_for(number),
            stopped=False,
            replies_in_window=0,
            reply_limit=self.limits.replies,
            number=number,
            send_window=self.limits.send_window,
        )
        return self._unstored(message, sender, decide(self.core, message, situation), step, error)

    def _unstored(
        self, message: Inbound, sender: str, decision: Decision, step: str, error: object
    ) -> Outcome:
        """Answer a turn that could not be stored: its reply, except that an action or a
        bedtime command that was not kept gets the error text ("try again") instead of
        its confirmation. Logged and counted."""
        with self._count:
            self.storage_failures += 1
        text = decision.text
        if decision.action is not None or decision.schedule is not None:
            state = decision.state or State()
            locale = phone.locale_for(phone.e164(message.sender))
            text = sms_text(self.core, notice(self.core, locale, "error", state, decision.intent))
        log.error(
            "sms %s from=%s storage unavailable (%s: %s): answered without it, "
            "intent=%s triage=%s action=%s replied=%s",
            message.sid,
            sender,
            step,
            error,
            decision.intent.value,
            decision.triage.value,
            decision.action or "-",
            text is not None,
        )
        return Outcome(text)


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
