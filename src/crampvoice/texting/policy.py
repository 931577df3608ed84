"""The SMS rules, as a pure function: given a message and where the person stands,
what to answer, what to remember, and what to do. No database, no web framework.

- Keywords: the core recognises STOP (STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT,
  REVOKE, OPTOUT), START (UNSTOP) and HELP (INFO). Twilio's `OptOutType`, when
  present, decides instead; Twilio's Advanced Opt-Out has then already sent its
  configured reply, so the service acts on it and does not answer a second time.
  YES opts back in only a stopped number; otherwise it is an ordinary "yes"
  (even when Twilio labels it START).
- A stopped number gets nothing but: the opted-out notice for a repeated STOP, the
  HELP reply, and START / UNSTOP / YES, which opt it back in.
- Replies are budgeted (`budget`): per number, past the limit one notice, then
  silence; for everyone together, past the global budget silence. Escalations count
  against their own far higher per-number limit, and the first of every window is
  always sent. Opt-out and erasure confirmations are counted but always sent.
- Bedtime commands ("BEDTIME 9:30pm", "TZ Sydney", "BEDTIME OFF": see
  `subscriptions`) come after triage and opt-out handling: an escalation always wins,
  and the core answers every message first, whatever it says.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
from dataclasses import dataclass, field, replace

from crampvoice import render
from crampvoice.bedtime import Schedule, Window
from crampvoice.engine import Core
from crampvoice.intents import Intent
from crampvoice.replies import system_reply
from crampvoice.reply import Action, Reply
from crampvoice.state import State
from crampvoice.texting import commands, subscriptions
from crampvoice.texting.budget import Spent
from crampvoice.texting.messages import Inbound, OptOutType
from crampvoice.triage import Level

log = logging.getLogger("crampvoice.sms")

KEYWORDS: dict[OptOutType, Intent] = {
    OptOutType.STOP: Intent.STOP,
    OptOutType.START: Intent.START,
    OptOutType.HELP: Intent.HELP,
}
EXEMPT_ACTIONS: frozenset[Action] = frozenset({"opt_out", "erase"})
DELETE_CONFIRM = "delete_confirm"  # the engine's pending question after DELETE
MAX_COMMAND = 2000  # a command is short: what is read to recognise one


@dataclass(frozen=True)
class Situation:
    """Where the person stands when their message arrives."""

    state: State
    locale: str
    stopped: bool
    replies_in_window: int
    reply_limit: int
    number: str = ""  # the sender, E.164: its time zones
    bedtime: Schedule | None = None  # the person's bedtime subscription, if any
    send_window: Window = field(default_factory=Window)  # local hours for bedtime prompts
    spent: Spent = field(default_factory=Spent)  # this window's counters (budget)
    escalation_limit: int = 20
    everyone_limit: int = 2000


@dataclass(frozen=True)
class Decision:
    text: str | None  # the SMS to answer with; None: no answer
    state: State | None  # the conversation state to keep; None: unchanged
    action: Action | None = None
    counts: bool = False  # counted against the reply rate limit
    intent: Intent = Intent.FALLBACK
    triage: Level = Level.NONE
    schedule: Schedule | None = None  # the bedtime subscription to store; None: unchanged
    escalation: bool = False  # counted as an escalation too


def notice(core: Core, locale: str, key: str, state: State, intent: Intent) -> Reply:
    """A reply made of one of the core's system texts (rate limit, opted out, error)."""
    return system_reply(core, locale, key, state, intent=intent)


@functools.lru_cache(maxsize=1024)
def _rendered(reply: Reply) -> str:
    """`render.sms` is pure and replies come from a finite set of content: render each once."""
    return render.sms(reply)


def sms_text(core: Core, reply: Reply) -> str:
    """The reply as an SMS that passes the budget gate; the core's error text if it can't."""
    try:
        return _rendered(reply)
    except render.BudgetError:
        log.exception("reply over the SMS budget (intent=%s): sending the error text", reply.intent)
        return render.sms(notice(core, reply.locale, "error", reply.state, reply.intent))


def decide(core: Core, message: Inbound, situation: Situation) -> Decision:
    keyword = KEYWORDS.get(message.opt_out_type) if message.opt_out_type else None
    words = commands.load()
    if situation.stopped:
        return _while_stopped(core, message, situation, keyword)
    if keyword is Intent.START:
        keyword = None  # already opted in: Twilio's opt-in words (YES) are ordinary words here
    erasing = _erasure(core, message, situation, words)
    if erasing is not None:
        return erasing
    asked = keyword or (Intent.STOP if words.is_stop(message.body) else None)
    state = situation.state
    reply = core.respond(message.body, state=state, locale=situation.locale, intent=asked)
    if reply.action == "erase":  # only the confirmation word erases (`_erasure`), never YES
        return _ask_erase(core, situation)
    if (
        reply.intent is Intent.FALLBACK
        and reply.escalation is None
        and words.may_mean_stop(message.body)
    ):  # "can you stop sending these": ask once, never guess an opt-out
        reply = notice(core, situation.locale, "stop_clarify", state, Intent.FALLBACK)
    twilio_answered = keyword is not None or (
        message.opt_out_type is OptOutType.START and reply.intent is Intent.START
    )
    if twilio_answered:  # Advanced Opt-Out sent its own reply: act on it, don't answer twice
        kept = reply.state if reply.action else None
        return Decision(None, kept, reply.action, intent=reply.intent, triage=reply.triage)
    if reply.escalation is not None:
        return _escalation(core, reply, situation)
    command = subscriptions.answer(
        message.body,
        situation.number,
        situation.state,
        situation.bedtime,
        situation.send_window,
    )
    if command is not None:
        return _bedtime(core, reply, command, situation)
    if reply.action in EXEMPT_ACTIONS:
        return _answer(core, reply, counts=True)
    return _limited(core, reply, situation)


def _escalation(core: Core, reply: Reply, situation: Situation) -> Decision:
    """The first escalation of a window always goes; then up to the escalation limit
    while everyone's budget lasts; past that silence (and a log line)."""
    spent = situation.spent
    if spent.escalations == 0 or (
        spent.escalations < situation.escalation_limit
        and spent.everyone < situation.everyone_limit
    ):
        return replace(_answer(core, reply, counts=True), escalation=True)
    log.warning("sms: escalation not sent: over the escalation budget (%d)", spent.escalations)
    return Decision(None, None, intent=reply.intent, triage=reply.triage)


def _erasure(
    core: Core, message: Inbound, situation: Situation, words: commands.Commands
) -> Decision | None:
    """DELETE asks for ERASE; ERASE after it erases; a YES or NO answers the question.
    Over the reply limit, where the question could not be asked, DELETE erases at once
    (its "done" takes the one notice's place, then silence). None: not about erasure."""
    pending = situation.state.pending == DELETE_CONFIRM
    if pending and words.confirms_erase(message.body):
        return _erased(core, situation, reply_allowed=True)
    if not pending and situation.replies_in_window < situation.reply_limit:
        return None  # the ordinary case: DELETE is asked about by the core's own reply
    intent = core.understand(message.body.strip()[:MAX_COMMAND]).intent
    if intent is Intent.DELETE and situation.replies_in_window >= situation.reply_limit:
        sent, limit = situation.replies_in_window, situation.reply_limit
        return _erased(core, situation, reply_allowed=sent == limit)
    if pending and intent is Intent.YES:  # a bare YES: the question again, with its word
        return _ask_erase(core, situation)
    return None


def _ask_erase(core: Core, situation: Situation) -> Decision:
    again = notice(core, situation.locale, DELETE_CONFIRM, situation.state, Intent.DELETE)
    return _limited(core, dataclasses.replace(again, state=situation.state), situation)


def _erased(core: Core, situation: Situation, *, reply_allowed: bool) -> Decision:
    done = notice(core, situation.locale, "delete_done", State(), Intent.DELETE)
    text = sms_text(core, done) if reply_allowed else None
    return Decision(text, State(), "erase", text is not None, Intent.DELETE)


def _bedtime(
    core: Core, reply: Reply, command: subscriptions.Answer, situation: Situation
) -> Decision:
    """A bedtime command's answer; over the reply limit nothing changes (a subscription
    is never made without its confirmation), except BEDTIME OFF, which always works."""
    answer = system_reply(  # a {zone} is shown as "Eastern time", never "America/New_York"
        core,
        situation.locale,
        command.key,
        command.state or situation.state,
        intent=command.intent,
        triage=reply.triage,
        values=command.values,
    )
    if command.exempt or situation.replies_in_window < situation.reply_limit:
        return Decision(
            sms_text(core, answer),
            command.state,
            None,
            not command.exempt,
            command.intent,
            reply.triage,
            command.schedule,
        )
    return _limited(core, answer, situation)


def _answer(core: Core, reply: Reply, *, counts: bool) -> Decision:
    return Decision(
        sms_text(core, reply), reply.state, reply.action, counts, reply.intent, reply.triage
    )


def _limited(core: Core, reply: Reply, situation: Situation) -> Decision:
    sent, limit = situation.replies_in_window, situation.reply_limit
    if situation.spent.everyone >= situation.everyone_limit:
        log.warning("sms: reply not sent: the global reply budget is spent")
        return Decision(None, None, intent=reply.intent, triage=reply.triage)
    if sent < limit:
        return _answer(core, reply, counts=True)
    if sent == limit:
        limited = notice(core, situation.locale, "rate_limited", situation.state, reply.intent)
        return Decision(sms_text(core, limited), None, None, True, reply.intent, reply.triage)
    return Decision(None, None, intent=reply.intent, triage=reply.triage)


def _while_stopped(
    core: Core, message: Inbound, situation: Situation, keyword: Intent | None
) -> Decision:
    words = commands.load()
    intent = keyword or core.understand(message.body.strip()[:MAX_COMMAND]).intent
    if intent is Intent.YES and message.body.strip().strip(".!").upper() != "YES":
        intent = Intent.FALLBACK  # only the bare keyword YES opts back in, as on Twilio
    if keyword is None and (intent is Intent.DELETE or words.confirms_erase(message.body)):
        # No question can be asked of a stopped number: DELETE erases at once (the
        # opt-out is kept), within the reply limit with its "done".
        allowed = situation.replies_in_window < situation.reply_limit
        return _erased(core, situation, reply_allowed=allowed)
    if keyword is None and words.is_stop(message.body):
        intent = Intent.STOP
    action: Action | None = None
    if intent in (Intent.START, Intent.YES):
        reply = core.respond(message.body, locale=situation.locale, intent=Intent.START)
        action = "opt_in"
    elif intent is Intent.HELP:
        reply = core.respond(message.body, locale=situation.locale, intent=Intent.HELP)
    elif intent is Intent.STOP:
        reply = notice(core, situation.locale, "stopped", State(), Intent.STOP)
    else:
        return Decision(None, None, intent=intent)  # nothing else reaches a stopped number
    state = reply.state if action else None
    if keyword is not None or situation.replies_in_window >= situation.reply_limit:
        # Twilio answered already, or the number is over its limit: act, say nothing
        # (a stopped number never gets the rate-limit notice).
        return Decision(None, state, action, intent=intent, triage=reply.triage)
    return Decision(sms_text(core, reply), state, action, True, intent, reply.triage)
