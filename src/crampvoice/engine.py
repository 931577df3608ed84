"""The advice core: one message in, one `Reply` out, for every channel.

    core = Core.default()
    reply = core.respond("i have a cramp in my calf", state=State(), locale="en-GB")

Order of business, every message: triage first (an escalation replaces everything
else), then a pending follow-up question, then the intent.
"""

from __future__ import annotations

import functools
import logging
import re
from dataclasses import dataclass, replace

from crampvoice import gsm
from crampvoice.content import (
    SMS_ONE_SEGMENT,
    ContentError,
    LocaleContent,
    Text,
    fill_runtime,
    library,
)
from crampvoice.content import Library as ContentLibrary
from crampvoice.intents import CONTROL_INTENTS, Intent
from crampvoice.reply import Action, Escalation, Part, Reply
from crampvoice.state import State
from crampvoice.triage import NONE, Assessment, Level, Triage, vocabulary
from crampvoice.understanding import Understander, Understanding, phrasings

log = logging.getLogger("crampvoice.core")

#: Answers about leg cramps that a message about something else must not get.
_LEG_ANSWERS = frozenset(
    {
        Intent.FALLBACK,
        Intent.RELIEF_NOW,
        Intent.CAUSES,
        Intent.DURATION,
        Intent.ABOUT,
        Intent.PREVENTION,
        Intent.BEDTIME,
        Intent.START,
        Intent.HELP,  # "...pains shoot down my legs. What is this?" asks about a symptom
    }
)
#: Concepts of the belly, which have their own answer (not leg cramps, but cramps).
_BELLY = frozenset({"belly", "tightening"})
#: First aid said after the number to call, by triage reason.
FIRST_AID = {"bleeding_vein": "first_aid_bleeding"}
_ANSWERS = frozenset(
    {Intent.CAUSES, Intent.DURATION, Intent.ABOUT, Intent.PREVENTION, Intent.BEDTIME}
)
#: Answers kept while a safety question is asked, and given when it is settled.
_HELD = _ANSWERS | {Intent.SUPPLEMENTS, Intent.MEDICINE, Intent.RELIEF_NOW}
_DIGITS = re.compile(r"\d[\d ]{1,12}\d")

#: Topics that play a guide through in one reply, every hold counted, with no "next":
#: the topic's voice follows the guide's intro, and its SMS is the whole routine.
ROUTINES = {"bedtime_routine": "bedtime"}
#: Seconds given to a step of repetitions (foot flexes, circles) that has no hold of its
#: own, when nobody is there to say "next"; the last step (a tip) needs none.
ROUTINE_PACE_SECONDS = 20


@dataclass(frozen=True)
class Turn:
    """What the core decided about one message, before composing the reply."""

    understanding: Understanding
    assessment: Assessment


class Core:
    def __init__(self, content: ContentLibrary, understander: Understander, triage: Triage):
        self.content = content
        self.understander = understander
        self.triage = triage
        _check_triage_content(content, triage)

    @classmethod
    @functools.cache
    def default(cls) -> Core:
        """The core on the shipped content, built once per process."""
        content = library()
        topic_intents = {key: topic.intent for key, topic in content.get(None).topics.items()}
        triage = Triage(vocabulary("en"))
        language = phrasings("en", triage.vocab.words)
        return cls(content, Understander(language, topic_intents), triage)

    # ------------------------------------------------------------------ entry point

    def respond(
        self,
        text: str | None,
        *,
        state: State | None = None,
        locale: str | None = None,
        intent: Intent | None = None,
        topic: str | None = None,
    ) -> Reply:
        """Answer a message. `intent` (and `topic`) are given when a platform already
        classified the request (Alexa); `text` is what was said, and is always triaged."""
        state = state or State()
        content = self.content.get(locale)
        text = (text or "").strip()[:2000]
        # A defect must not leave a person with no answer at all, nor lose the triage to a
        # failure elsewhere: each step is caught on its own, logged, and answered with the
        # fallback and the safety net.
        try:
            assessment = self.triage.assess(text) if text else NONE
        except Exception:
            log.exception("core: a message could not be triaged; answering with the safety net")
            assessment = NONE
        try:
            if intent is not None:
                understanding = Understanding(intent, topic or _default_topic(intent), 10.0, ())
            else:
                understanding = self.understander.understand(text)
        except Exception:
            log.exception("core: a message could not be read; answering with the fallback")
            understanding = Understanding(Intent.FALLBACK, None, 0.0, ())
        return _Composer(content, state, self.triage).compose(Turn(understanding, assessment))

    def understand(self, text: str) -> Understanding:
        return self.understander.understand(text)

    def assess(self, text: str) -> Assessment:
        return self.triage.assess(text)


def _check_triage_content(content: ContentLibrary, triage: Triage) -> None:
    """Every reason an escalation can give, and every safety question, in every locale."""
    escalating = {r.reason for r in triage.vocab.rules if r.level.escalates}
    escalating |= {d.reason for d in triage.vocab.doubts}
    emergency = {r.reason for r in triage.vocab.rules if r.level is Level.EMERGENCY}
    for locale, texts in content.locales.items():
        for reason in sorted(escalating - set(texts.reasons)):
            raise ContentError(f"content ({locale})", f"reasons.{reason}", "missing")
        for reason in sorted(emergency):
            # What an emergency SMS can hold: why, the number, first aid, a crisis line.
            why = {"why": texts.reasons[reason].sms}
            pieces = [fill_runtime(texts.escalation["emergency"].sms, why)]
            if reason in FIRST_AID:
                pieces.append(texts.system[FIRST_AID[reason]].sms)
            if f"{reason}_after" in texts.reasons:
                pieces.append(texts.reasons[f"{reason}_after"].sms)
            if gsm.septets(" ".join(pieces)) > SMS_ONE_SEGMENT:
                raise ContentError(
                    f"content ({locale})",
                    f"reasons.{reason}",
                    "the emergency SMS is over one message",
                )
        for ask in sorted(triage.questions):
            for key in (ask, f"{ask}_clear"):
                if key not in texts.system:
                    raise ContentError(f"content ({locale})", f"system.{key}", "missing")


def _default_topic(intent: Intent) -> str | None:
    return None if intent in CONTROL_INTENTS else intent.value


class _Composer:
    """Builds the reply for one turn in one locale."""

    def __init__(self, content: LocaleContent, state: State, triage: Triage) -> None:
        self.content = content
        self.state = state
        self.triage = triage
        region = content.region
        numbers = {region.emergency_number} | set(_DIGITS.findall(region.advice_line))
        self.numbers = tuple(sorted(n for n in numbers if n))

    def reply(
        self,
        turn: Turn,
        parts: list[Part],
        state: State,
        *,
        prompt: Text | None = None,
        end: bool = False,
        level: Level | None = None,
        escalation: Escalation | None = None,
        action: Action | None = None,
        topic: str | None = None,
        sources: tuple[str, ...] = (),
        say_prompt: bool = True,
    ) -> Reply:
        level = level or turn.assessment.level
        if not level.escalates and level is Level.ROUTINE and not turn.assessment.ask:
            mention = Part(
                self.content.escalation["routine"],
                optional=True,
                shorter=self.system("routine_short"),
            )
            parts = [*parts, mention]
        return Reply(
            intent=turn.understanding.intent,
            topic=topic,
            triage=level,
            locale=self.content.locale,
            parts=tuple(parts),
            state=state,
            prompt=prompt,
            say_prompt=say_prompt,
            end_session=end,
            escalation=escalation,
            action=action,
            sources=sources,
            say_as_digits=self.numbers,
            hold_done=self.system("hold_done").voice,
        )

    def compose(self, turn: Turn) -> Reply:
        assessment = turn.assessment
        intent = turn.understanding.intent
        if assessment.level.escalates:
            if intent is Intent.FALLBACK:
                # "I can't breathe" asks for nothing we know, but it was answered: with help.
                turn = self.as_intent(turn, Intent.WHEN_TO_GET_HELP)
            return self.escalate(turn, assessment)
        if self.state.pending:
            settled = self.follow_up(turn)
            if settled is not None:
                return settled
        if assessment.ask:  # a safety check first; the question asked is kept for after it
            question = self.system(assessment.ask)
            held = self.held(turn)
            turn = self.as_intent(turn, Intent.WHEN_TO_GET_HELP)
            return self.reply(
                turn, [Part(question)], State(pending=assessment.ask, topic=held), prompt=question
            )
        named = self.content.topics.get(self.triage.topic(assessment) or "")
        if named is not None and (intent in _LEG_ANSWERS or intent in _HELD):
            # What the message names decides ("ants crawling in my legs, I can't sleep").
            return self.topic(self.as_intent(turn, named.intent), named.key)
        elsewhere = self.triage.elsewhere(assessment)
        if assessment.informational and not elsewhere and (
            intent is Intent.FALLBACK or turn.understanding.guessed
        ):
            # Danger signs asked about, or told as a story that is over, and nothing about
            # leg cramps to answer instead: the warning signs, what to do.
            return self.answer(self.as_intent(turn, Intent.WHEN_TO_GET_HELP))
        if elsewhere and (
            intent in _LEG_ANSWERS
            or (intent is Intent.WHEN_TO_GET_HELP and not assessment.informational)
        ):
            # "I get headaches every day, what can I take?": not a leg-cramp question.
            topic = "not_leg_cramp" if assessment.concepts & _BELLY else "other_topic"
            other = self.topic(self.as_intent(turn, Intent.NOT_LEG_CRAMP), topic)
            return replace(other, parts=(*other.parts, Part(self.system("safety_net"))))
        if assessment.distress and (
            intent is Intent.FALLBACK or (intent in _ANSWERS and not assessment.question)
        ):
            # "help me", "it won't stop": the first instruction, and the danger signs.
            relief = self.answer(self.as_intent(turn, Intent.RELIEF_NOW))
            distress = self.system("distress")
            net = Text(voice=self.system("safety_net").voice, sms="")
            intro = Part(Text(voice=distress.voice, sms=distress.sms))
            return replace(relief, parts=(intro, *relief.parts[1:], Part(net)))
        return self.answer(turn)

    def held(self, turn: Turn) -> str | None:
        """The answer a message asked for, to give once its safety question is settled."""
        understood = turn.understanding
        if understood.intent not in _HELD or understood.guessed:
            return None
        if self.triage.elsewhere(turn.assessment):
            return "not_leg_cramp" if turn.assessment.concepts & _BELLY else "other_topic"
        key = understood.topic or understood.intent.value
        return key if key in self.content.topics and key not in ROUTINES else None

    def as_intent(self, turn: Turn, intent: Intent) -> Turn:
        understood = replace(turn.understanding, intent=intent, topic=intent.value)
        return replace(turn, understanding=understood)

    # ------------------------------------------------------------------ pieces

    def system(self, key: str) -> Text:
        return self.content.system[key]

    def escalate(self, turn: Turn, assessment: Assessment) -> Reply:
        """Who to call now and why, in one plain sentence (then first aid, a crisis line)."""
        level = assessment.level
        reasons = self.content.reasons
        why = next((reasons[r] for r in assessment.reasons if r in reasons), Text("", ""))
        text = self.content.escalation[level.value]
        parts = [
            Part(
                Text(
                    voice=" ".join(fill_runtime(text.voice, {"why": why.voice}).split()),
                    sms=" ".join(fill_runtime(text.sms, {"why": why.sms}).split()),
                )
            )
        ]
        # What follows for the reason said (its first aid, its crisis line) is required:
        # the load check keeps each within one SMS. Another reason's is said where it
        # fits, so two reasons together never push an escalation over its budget.
        lead = next((r for r in assessment.reasons if r in reasons), None)
        for reason, key in FIRST_AID.items():
            if reason in assessment.reasons:
                parts.append(Part(self.system(key), optional=reason != lead))
        for reason in assessment.reasons:
            if f"{reason}_after" in reasons:
                parts.append(Part(reasons[f"{reason}_after"], optional=reason != lead))
        escalation = Escalation(level, self.content.region.emergency_number, assessment.reasons)
        return self.reply(
            turn,
            parts,
            State(),
            end=True,
            level=level,
            escalation=escalation,
            topic=turn.understanding.topic,
        )

    def follow_up(self, turn: Turn) -> Reply | None:
        intent = turn.understanding.intent
        question = self.triage.doubt(self.state.pending or "")
        if question is not None:
            if intent is Intent.YES:
                return self.escalate(turn, Assessment(question.yes, (question.reason,)))
            if intent is Intent.NO:
                # The question asked before it, answered now where it fits (REPEAT gives it).
                held = self.content.topics.get(self.state.topic or "")
                parts = [Part(self.system(f"{question.ask}_clear"))]
                if held is not None:
                    parts.append(Part(held.text, optional=True))
                return self.reply(
                    turn,
                    parts,
                    State(topic=held.key if held else None),
                    prompt=self.system("more_prompt"),
                    level=Level.ROUTINE,
                    topic=held.key if held else None,
                    sources=held.sources if held else (),
                )
        if self.state.pending == "delete_confirm":
            if intent is Intent.YES:
                return self.reply(
                    turn, [Part(self.system("delete_done"))], State(), action="erase", end=True
                )
            if intent is Intent.NO:
                return self.reply(turn, [Part(self.system("delete_cancelled"))], State())
        return None  # something else: the question lapses and the message is answered

    def guide_step(self, turn: Turn, guide_key: str, index: int) -> Reply:
        guide = self.content.guides[guide_key]
        if index >= len(guide.steps):
            done = [Part(guide.done)]
            if guide_key == "relief":  # the end of every relief sequence names the danger signs
                done.append(Part(self.system("safety_net")))
            return self.reply(
                turn,
                done,
                State(topic=guide_key),
                prompt=self.system("more_prompt"),
                sources=guide.sources,
            )
        step = guide.steps[index]
        return self.reply(
            turn,
            [Part(step.text, hold=step.hold)],
            State(guide=guide_key, step=index),
            prompt=self.system("next_hint"),
            topic=guide_key,
            sources=guide.sources,
        )

    def answer(self, turn: Turn) -> Reply:
        intent = turn.understanding.intent
        state = self.state
        if intent is Intent.NEXT:
            if state.guide:
                return self.guide_step(turn, state.guide, state.step + 1)
            return self.no_guide(turn)
        if intent is Intent.PREVIOUS:
            if state.guide:
                if state.step == 0:
                    first = self.guide_step(turn, state.guide, 0)
                    return replace(first, parts=(Part(self.system("first_step")), *first.parts))
                return self.guide_step(turn, state.guide, state.step - 1)
            return self.no_guide(turn)
        if intent is Intent.REPEAT:
            if state.guide:
                return self.guide_step(turn, state.guide, state.step)
            if state.topic and state.topic in self.content.topics:
                return self.topic(turn, state.topic)
            return self.no_guide(turn)
        if intent is Intent.YES:
            return self.reply(
                turn, [Part(self.system("reprompt"))], state, prompt=self.system("reprompt")
            )
        if intent is Intent.NO:
            return self.reply(turn, [Part(self.system("goodbye"))], State(), end=True)
        if intent is Intent.DELETE:
            return self.reply(
                turn,
                [Part(self.system("delete_confirm"))],
                State(pending="delete_confirm"),
                prompt=self.system("delete_confirm"),
            )
        if intent is Intent.FALLBACK:
            # The fallback already lists what to ask: the reprompt is for speakers only.
            # Not understood is never all we say: the danger signs and what to do follow.
            return self.reply(
                turn,
                [Part(self.system("fallback")), Part(self.system("safety_net"))],
                state,
                prompt=self.system("reprompt"),
                say_prompt=False,
            )
        topic = turn.understanding.topic or intent.value
        if topic == Intent.RELIEF_NOW.value:
            # The first sentence is the first instruction; the SMS carries all steps in brief.
            guide = self.content.guides["relief"]
            summary = self.content.topics[topic].text
            reply = self.guide_step(turn, "relief", 0)
            intro = Part(Text(voice=guide.intro.voice, sms=summary.sms))
            step = Part(Text(voice=guide.steps[0].text.voice, sms=""), hold=guide.steps[0].hold)
            return replace(reply, parts=(intro, step), topic=topic)
        return self.topic(turn, topic)

    def routine(self, turn: Turn, key: str, guide_key: str) -> Reply:
        """A whole guide in one reply for a speaker left to play unattended; one text by SMS."""
        guide = self.content.guides[guide_key]
        topic = self.content.topics[key]
        last = len(guide.steps) - 1
        parts = [
            Part(Text(voice=guide.intro.voice, sms=topic.text.sms)),
            Part(Text(voice=topic.text.voice, sms="")),
        ]
        for index, step in enumerate(guide.steps):
            hold = step.hold or (ROUTINE_PACE_SECONDS if index < last else 0)
            parts.append(Part(Text(voice=step.text.voice, sms=""), hold=hold))
        parts.append(Part(Text(voice=guide.done.voice, sms="")))
        return self.reply(
            turn,
            parts,
            State(topic=key),
            end=True,  # bedtime: the routine ends the conversation, no question left open
            topic=key,
            sources=tuple(dict.fromkeys((*topic.sources, *guide.sources))),
        )

    def topic(self, turn: Turn, key: str) -> Reply:
        if key in ROUTINES:  # asked for, or repeated
            return self.routine(turn, key, ROUTINES[key])
        topic = self.content.topics.get(key) or self.content.topic_for(turn.understanding.intent)
        intent = turn.understanding.intent
        if intent is Intent.STOP:
            return self.reply(
                turn,
                [Part(topic.text)],
                State(),
                end=True,
                action="opt_out",
                topic=topic.key,
                sources=topic.sources,
            )
        action: Action | None = "opt_in" if intent is Intent.START else None
        end = intent is Intent.THANKS
        # Welcome and help texts already end by offering what to ask next.
        inviting = intent in (Intent.GREETING, Intent.HELP, Intent.START)
        return self.reply(
            turn,
            [Part(topic.text)],
            State(topic=topic.key),
            prompt=None if end else self.system("reprompt" if inviting else "more_prompt"),
            say_prompt=not inviting,
            end=end,
            action=action,
            topic=topic.key,
            sources=topic.sources,
        )

    def no_guide(self, turn: Turn) -> Reply:
        return self.reply(
            turn, [Part(self.system("no_guide"))], self.state, prompt=self.system("reprompt")
        )
