"""The core's system replies: one text of `system.*` (welcome, HELP's notices, opted out,
rate limited, error, the bedtime confirmations, a reminder's outcome) as a `Reply`, on
every channel. Adapters render it (SMS text, SSML); they never build replies of their own.

    system_reply(core, "en-GB", "bedtime_confirm", values={"time": "9:30 pm",
                 "zone": "Europe/London"})   # "... at 9:30 pm (UK time) ..."
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from crampvoice.content import Text, fill_runtime
from crampvoice.engine import Core
from crampvoice.intents import Intent
from crampvoice.reply import Part, Reply
from crampvoice.state import State
from crampvoice.triage import Level


def system_reply(
    core: Core,
    locale: str | None,
    key: str,
    state: State | None = None,
    *,
    intent: Intent | None = None,
    triage: Level = Level.NONE,
    values: Mapping[str, str] | None = None,
    prompt: str | None = None,
    say_prompt: bool = True,
    end: bool = True,
) -> Reply:
    """A reply of the system text `key`: the core's reply shape (so numbers are read as
    phone numbers on a speaker), its runtime placeholders filled from `values` ({time},
    {window}; a {zone} IANA name is shown as people there call it: "Eastern time"),
    `prompt` a system text said next (the reprompt), `end` closing the conversation."""
    content = core.content.get(locale)
    text = content.system[key]
    if values:
        filled = dict(values)
        if "zone" in filled:
            filled["zone"] = content.zone_name(filled["zone"])
        text = Text(voice=fill_runtime(text.voice, filled), sms=fill_runtime(text.sms, filled))
    base = core.respond(None, locale=locale, intent=Intent.FALLBACK)
    return dataclasses.replace(
        base,
        intent=intent or base.intent,
        triage=triage,
        parts=(Part(text),),
        state=state or State(),
        prompt=content.system[prompt] if prompt else None,
        say_prompt=say_prompt,
        end_session=end,
    )
