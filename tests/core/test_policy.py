"""`policy.decide`, the SMS rules as a pure function: a text and where the person stands
in, what to answer, keep and do out. Rows written by hand from the rules in its
docstring and the README ("The SMS service"); the webhook tests in tests/sms run the same
rules through Twilio's signed requests and a real database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time

import pytest

from crampvoice.bedtime import Schedule, Window
from crampvoice.engine import Core
from crampvoice.intents import Intent
from crampvoice.state import State
from crampvoice.texting.budget import Spent
from crampvoice.texting.messages import Inbound, OptOutType
from crampvoice.texting.policy import Decision, Situation, decide
from crampvoice.triage import Level

UK = "+447400123456"
AU = "+61412345678"
LIMIT = 3
ESCALATIONS = 5  # escalations per number per window
EVERYONE = 10  # replies to all numbers per window
SWOLLEN = "my calf is swollen, red and hot"
PENDING = State(pending="delete_confirm")  # DELETE was just asked


@dataclass(frozen=True)
class Case:
    body: str
    stopped: bool = False
    sent: int = 0  # replies already counted in the window
    number: str = UK
    opt_out_type: OptOutType | None = None
    state: State = field(default_factory=State)
    window: Window = field(default_factory=Window)
    escalations: int = 0  # escalations among `sent`
    everyone: int = 0  # replies to every number in the window


def run(case: Case) -> Decision:
    situation = Situation(
        state=case.state,
        locale="en-GB",
        stopped=case.stopped,
        replies_in_window=case.sent,
        reply_limit=LIMIT,
        number=case.number,
        send_window=case.window,
        spent=Spent(case.sent, case.escalations, case.everyone),
        escalation_limit=ESCALATIONS,
        everyone_limit=EVERYONE,
    )
    message = Inbound("SM1", case.number, case.body, opt_out_type=case.opt_out_type)
    return decide(Core.default(), message, situation)


def starts(decision: Decision, words: str) -> bool:
    return decision.text is not None and decision.text.startswith(words)


# (case, what is answered (the reply's first words; None: nothing), action, counted)
ROWS = [
    # Opting out and back in, by keyword or by Twilio's Advanced Opt-Out.
    (Case("STOP"), "You won't get more messages", "opt_out", True),
    (Case("unsubscribe"), "You won't get more messages", "opt_out", True),
    (Case("STOP", sent=LIMIT + 1, everyone=EVERYONE), "You won't get more messages", "opt_out",
     True),
    (Case("STOP", opt_out_type=OptOutType.STOP), None, "opt_out", False),
    (Case("HELP", opt_out_type=OptOutType.HELP), None, None, False),
    # A stopped number gets nothing but the opted-out notice, HELP, and opting back in.
    (Case("what causes cramps", stopped=True), None, None, False),
    (Case("STOP", stopped=True), "You have opted out. Reply START", None, True),
    (Case("HELP", stopped=True), "Cramp Coach: leg cramp help", None, True),
    (Case("START", stopped=True), "Welcome back to Cramp Coach", "opt_in", True),
    (Case("YES", stopped=True), "Welcome back to Cramp Coach", "opt_in", True),
    (Case("yes please", stopped=True), None, None, False),
    (Case("START", stopped=True, opt_out_type=OptOutType.START), None, "opt_in", False),
    (Case("START", stopped=True, sent=LIMIT), None, "opt_in", False),
    # Natural opt-outs are STOP; a message that may mean it gets one question.
    (Case("Stop, please!"), "You won't get more messages", "opt_out", True),
    (Case("quit texting"), "You won't get more messages", "opt_out", True),
    (Case("remove me from your list"), "You won't get more messages", "opt_out", True),
    (Case("Don't text me again"), "You won't get more messages", "opt_out", True),
    (Case("remove me", stopped=True), "You have opted out. Reply START", None, True),
    (Case("I want to quit"), "Do you want no more texts", None, True),
    (Case("can I cancel this"), "Do you want no more texts", None, True),
    (Case("my cramp won't stop"), "Contact the maternity triage", None, True),  # no opt-out
    # Erasure: DELETE asks for ERASE (never a bare YES); where no question can be asked
    # (stopped, over the limit) it erases at once.
    (Case("DELETE"), "Reply ERASE to erase everything", None, True),
    (Case("ERASE", state=PENDING), "Done. Everything we stored", "erase", True),
    (Case("erase.", state=PENDING, sent=LIMIT + 5), "Done. Everything we stored", "erase", True),
    (Case("YES", state=PENDING), "Reply ERASE to erase everything", None, True),
    (Case("NO", state=PENDING), "OK, nothing has been erased", None, True),
    (Case("DELETE", stopped=True), "Done. Everything we stored", "erase", True),
    (Case("DELETE", stopped=True, sent=LIMIT), None, "erase", False),
    (Case("DELETE", sent=LIMIT), "Done. Everything we stored", "erase", True),
    (Case("delete my data", sent=LIMIT + 1), None, "erase", False),
    # The reply limit: past it one notice, then silence; escalations have their own.
    (Case("what causes cramps", sent=LIMIT - 1), "No one knows for sure", None, True),
    (Case("what causes cramps", sent=LIMIT), "You've sent a lot of messages", None, True),
    (Case("what causes cramps", sent=LIMIT + 1), None, None, False),
    (Case(SWOLLEN, sent=LIMIT + 1), "Contact the maternity triage", None, True),
    (Case(SWOLLEN, sent=9, escalations=ESCALATIONS - 1), "Contact the maternity", None, True),
    (Case(SWOLLEN, sent=9, escalations=ESCALATIONS), None, None, False),
    # The global budget: ordinary replies stop; the first escalation of a window still goes.
    (Case("what causes cramps", everyone=EVERYONE), None, None, False),
    (Case(SWOLLEN, everyone=EVERYONE), "Contact the maternity triage", None, True),
    (Case(SWOLLEN, sent=1, escalations=1, everyone=EVERYONE), None, None, False),
    # Bedtime by text: confirmed in the person's zone; OFF always works.
    (Case("BEDTIME 9:30pm"), "Cramp Coach: a bedtime stretch tip every night at 9:30 pm (UK time)",
     None, True),
    (Case("BEDTIME 9:30pm", sent=LIMIT), "You've sent a lot of messages", None, True),
    (Case("BEDTIME OFF", sent=LIMIT + 1), "Bedtime tips are off", None, False),
    (Case("BEDTIME 25:00"), "Sorry, 25:00 isn't a time of day", None, True),
    (Case("BEDTIME 9:30pm", number=AU), "Which time zone are you in?", None, True),
    (Case("BEDTIME 7am", window=Window.parse("08:00-21:00")),
     "Sorry, we can only send bedtime tips between 8:00 am and 9:00 pm", None, True),
]


@pytest.mark.parametrize(("case", "answer", "action", "counted"), ROWS)
def test_decide(case: Case, answer: str | None, action: str | None, counted: bool) -> None:
    decision = run(case)
    if answer is None:
        assert decision.text is None
    else:
        assert starts(decision, answer), decision.text
    assert decision.action == action
    assert decision.counts is counted


def test_an_escalation_wins_over_a_bedtime_command() -> None:
    decision = run(Case("BEDTIME 9pm my calf is swollen red and hot"))
    assert decision.triage is Level.URGENT and decision.schedule is None


def test_a_bedtime_time_is_kept_with_the_numbers_zone() -> None:
    decision = run(Case("remind me at 10 tonight"))
    assert decision.intent is Intent.REMINDER_SET
    assert decision.schedule == Schedule(time(22, 0), "Europe/London", active=True)


def test_bedtime_off_turns_the_subscription_off_and_keeps_its_time() -> None:
    current = Schedule(time(21, 30), "Europe/London", active=True)
    situation = Situation(State(), "en-GB", False, 0, LIMIT, UK, bedtime=current)
    decision = decide(Core.default(), Inbound("SM2", UK, "BEDTIME OFF"), situation)
    assert decision.schedule == Schedule(time(21, 30), "Europe/London", active=False)
    assert decision.intent is Intent.REMINDER_CANCEL


def test_an_asked_zone_completes_the_waiting_time() -> None:
    asked = run(Case("BEDTIME 9:30pm", number=AU))
    assert asked.state is not None and asked.schedule is None
    decision = run(Case("TZ Sydney", number=AU, state=asked.state))
    assert decision.schedule == Schedule(time(21, 30), "Australia/Sydney", active=True)
    assert starts(decision, "Cramp Coach: a bedtime stretch tip every night at 9:30 pm")
