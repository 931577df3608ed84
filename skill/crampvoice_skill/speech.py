"""A core `Reply` as an Alexa response: SSML, reprompt, card, screen and session.

Every word comes from the reply (the core's content); this module only decides
where the words go.
"""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import Response
from ask_sdk_model.ui import SimpleCard

from crampvoice import render, replies
from crampvoice.content import LocaleContent
from crampvoice.engine import Core
from crampvoice.reply import Reply
from crampvoice.state import State

APL_TOKEN = "crampvoice-step"
#: The APL versions the screen layout is written for (it uses only APL 1.0 features),
#: oldest first. A device gets the newest of these that it reports supporting.
APL_VERSIONS = ("1.0", "1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7", "1.8", "1.9",
                "2022.1", "2022.2", "2023.1", "2023.2", "2023.3", "2024.1", "2024.2")


@functools.cache
def _apl_layout() -> str:
    return resources.files("crampvoice_skill").joinpath("apl/step.json").read_text("utf-8")


def apl_document(version: str = APL_VERSIONS[-1]) -> dict[str, Any]:
    """The screen layout (apl/step.json, read once per process), declaring `version`."""
    document: dict[str, Any] = json.loads(_apl_layout())
    document["version"] = version
    return document


def _version_key(version: str) -> tuple[int, ...]:
    try:
        return tuple(int(part) for part in version.split("."))
    except ValueError:
        return ()


def content_for(locale: str | None) -> LocaleContent:
    return Core.default().content.get(locale)


def system_reply(
    locale: str | None,
    key: str,
    state: State,
    *,
    prompt: str = "reprompt",
    say_prompt: bool = True,
    values: dict[str, str] | None = None,
    end: bool = False,
) -> Reply:
    """A reply of one system text (welcome, error, a reminder's outcome): the core's
    (`crampvoice.replies`), with the reprompt as its prompt."""
    reply: Reply = replies.system_reply(
        Core.default(), locale, key, state,
        values=values, prompt=prompt, say_prompt=say_prompt, end=end,
    )
    return reply


def to_response(handler_input: HandlerInput, reply: Reply, *, apl: bool = True) -> Response:
    """Speak the reply; ask again only when a question is open; card for escalations.
    `apl=False` sends no screen (a response that hands over to Alexa's own dialog)."""
    builder = handler_input.response_builder
    builder.speak(render.ssml(reply))
    reprompt = render.reprompt_ssml(reply)
    if reprompt is not None:
        builder.ask(reprompt)
    content = content_for(reply.locale)
    if reply.escalation is not None:
        builder.set_card(SimpleCard(title=content.program_name, content=render.plain_voice(reply)))
    version = apl_version(handler_input) if apl else None
    if version is not None:
        # Imported here: the APL package is ~200 classes, and most speakers have no screen.
        from ask_sdk_model.interfaces.alexa.presentation.apl import RenderDocumentDirective

        builder.add_directive(
            RenderDocumentDirective(
                token=APL_TOKEN, document=apl_document(version), datasources=screen(reply, content)
            )
        )
    # Nothing asked, nothing to wait for: a session never stays open without a question.
    builder.set_should_end_session(reply.end_session or reprompt is None)
    if handler_input.request_envelope.session is not None:
        handler_input.attributes_manager.session_attributes = reply.state.to_dict()
    response: Response = builder.response
    return response


def apl_version(handler_input: HandlerInput) -> str | None:
    """The APL version to send: the newest of `APL_VERSIONS` no newer than the device's
    reported `runtime.maxVersion` (the oldest when it reports none); None when the device
    does not report Alexa.Presentation.APL."""
    context = handler_input.request_envelope.context
    system = context.system if context is not None else None
    device = system.device if system is not None else None
    interfaces = device.supported_interfaces if device is not None else None
    apl = interfaces.alexa_presentation_apl if interfaces is not None else None
    if apl is None:
        return None
    reported = apl.runtime.max_version if apl.runtime is not None else None
    if not reported:
        return APL_VERSIONS[0]
    ceiling = _version_key(str(reported))
    usable = [v for v in APL_VERSIONS if _version_key(v) <= ceiling]
    return usable[-1] if usable else None


def screen(reply: Reply, content: LocaleContent) -> dict[str, Any]:
    """The APL data: the step (or answer) on screen and what to say next."""
    progress = ""
    guide = content.guides.get(reply.state.guide or "")
    if guide is not None:
        progress = f"{reply.state.step + 1} / {len(guide.steps)}"
    open_question = reply.prompt is not None and not reply.end_session
    return {
        "screen": {
            "title": content.program_name,
            "progress": progress,
            "text": " ".join(part.text.voice for part in reply.parts if part.text.voice),
            "hint": reply.prompt.voice if open_question and reply.prompt is not None else "",
        }
    }
