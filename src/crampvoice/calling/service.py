"""The call service: one transaction per webhook around the pure call rules.

    turn = calls.handle(Heard(sid="CA...", caller="+447700900123", speech="i have a cramp"))

Load the call's state (row locked), ask `policy.decide`, store the new state and one
event for the dashboard (the caller as a keyed hash), all in one transaction; then, if
the caller confirmed it, text the steps through the outbound sender (its gate: GSM-7,
never to a stopped number; without Twilio credentials, the outbox). The row is deleted
when Twilio reports the call over.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError

from crampvoice import phone
from crampvoice.calling.messages import CallStatus, Heard
from crampvoice.calling.policy import CallState, CallTurn, Situation, decide, steps_texts, texted
from crampvoice.engine import Core
from crampvoice.hashing import NumberHasher
from crampvoice.intents import Intent
from crampvoice.outbound import Sender
from crampvoice.storage import Store, calls, erasure, events

log = logging.getLogger("crampvoice.call")

Clock = Callable[[], datetime]


def utcnow() -> datetime:
    return datetime.now(UTC)


def textable(number: str) -> bool:
    """A caller that can get a text: a number of a known country (not withheld)."""
    return number.startswith("+") and phone.region(number) is not None


class Calls:
    def __init__(
        self,
        store: Store,
        core: Core,
        hasher: NumberHasher,
        sender: Callable[[], Sender],
        *,
        line: str = "",
        clock: Clock = utcnow,
    ) -> None:
        self.store = store
        self.core = core
        self.hasher = hasher
        self.sender = sender  # built on first use (the composition root's Sender)
        self.line = line
        self.clock = clock

    def handle(self, heard: Heard) -> CallTurn:
        try:
            turn, situation = self._turn(heard)
        except IntegrityError:  # two first requests of one call raced: the second reads it
            turn, situation = self._turn(heard)
        if turn.send_steps is not None:
            turn = texted(self.core, situation, turn, self._send_steps(heard, turn.send_steps,
                                                                          situation.locale))
        log.info(
            "call %s from=%s intent=%s triage=%s then=%s texted=%s",
            heard.sid,
            self.hasher(heard.caller),
            turn.reply.intent.value,
            turn.triage.value,
            turn.then,
            turn.send_steps or "-",
        )
        return turn

    def _turn(self, heard: Heard) -> tuple[CallTurn, Situation]:
        at = self.clock()
        caller = self.hasher(heard.caller)
        with self.store.transaction() as session:
            found = calls.load(session, heard.sid)
            if found is None:
                calls.forget_stale(session, at)
            locale = found.locale if found else phone.locale_for(heard.caller)
            situation = Situation(locale, bool(self.line), textable(heard.caller))
            state = CallState.from_dict(found.state) if found else None
            turn = decide(self.core, heard, state, situation)
            if turn.erase:
                erasure.erase(session, heard.caller, sender=caller)
                found = None
            calls.save(session, found, sid=heard.sid, caller=caller, locale=locale,
                       state=turn.state.to_dict(), at=at)
            events.record_event(
                session,
                channel="call",
                intent=turn.reply.intent.value,
                triage=turn.triage.value,
                locale=locale,
                answered=turn.reply.intent is not Intent.FALLBACK,
                at=at,
                sender=caller,
                text=heard.speech or None,
            )
        return turn, situation

    def _send_steps(self, heard: Heard, guide: str, locale: str) -> bool:
        """Text the steps (the confirmation first); False when the number may not get them."""
        sender = self.sender()
        for text in steps_texts(self.core, locale, guide):
            result = sender.send(phone.e164(heard.caller), text)
            if result.status == "blocked":
                return False
        return True

    def ended(self, status: CallStatus) -> None:
        """A status callback: a call that is over loses its stored state."""
        if not status.ended:
            return
        with self.store.transaction() as session:
            gone = calls.end(session, status.sid)
        log.info("call %s from=%s %s: state deleted=%s", status.sid,
                 self.hasher(status.caller), status.status, bool(gone))
