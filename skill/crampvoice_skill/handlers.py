"""The Alexa adapter: request handlers over the advice core.

Every handler reads as three steps: parse the request, ask the core, render the reply.
Intents dispatch through one table (`catalog.catalog().routes`), built from the
core's catalog, with one generic handler; nothing here knows what any intent means,
except the core intents that act on the device (`ACTIONS`: a bedtime reminder through
Amazon's Reminders API, in reminders.py), whose words still come from the core.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import time
from typing import Any

from ask_sdk_core.dispatch_components import (
    AbstractExceptionHandler,
    AbstractRequestHandler,
    AbstractRequestInterceptor,
    AbstractResponseInterceptor,
)
from ask_sdk_core.exceptions import AskSdkException
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_core.skill import CustomSkill
from ask_sdk_core.skill_builder import CustomSkillBuilder
from ask_sdk_core.utils import get_intent_name, is_intent_name, is_request_type
from ask_sdk_model import Intent as AlexaIntent
from ask_sdk_model import IntentRequest, RequestEnvelope, Response, Slot
from ask_sdk_model.interfaces.connections.send_request_directive import SendRequestDirective
from ask_sdk_model.slu.entityresolution import StatusCode
from ask_sdk_model.ui import AskForPermissionsConsentCard

from crampvoice import bedtime
from crampvoice.engine import Core
from crampvoice.intents import Intent
from crampvoice.reply import Reply
from crampvoice.state import State
from crampvoice_skill import envelope, reminders
from crampvoice_skill.catalog import NAVIGATE_HOME, Route, catalog
from crampvoice_skill.speech import content_for, system_reply, to_response

log = logging.getLogger(__name__)

FALLBACK = "AMAZON.FallbackIntent"

#: Core intents the skill carries out on the device: (handler input, the time asked) -> outcome.
ACTIONS: Mapping[Intent, Callable[[HandlerInput, time], reminders.Outcome]] = {
    Intent.REMINDER_SET: reminders.set_reminder,
    Intent.REMINDER_CANCEL: reminders.cancel_reminder,
}


#: Request attribute: the core's reply to this turn (for `TurnReporter`).
REPLY = "reply"


@dataclass(frozen=True)
class TurnReport:
    """One turn as a dashboard may count it: what was asked and how it was triaged,
    never what was said. `intent` is the core's intent, or "launch" for opening the skill."""

    intent: str
    triage: str
    locale: str
    answered: bool
    session_id: str | None


TurnListener = Callable[[TurnReport], None]


def locale_of(handler_input: HandlerInput) -> str | None:
    locale = handler_input.attributes_manager.request_attributes.get("locale")
    return locale if isinstance(locale, str) else None


def state_of(handler_input: HandlerInput) -> State:
    state = handler_input.attributes_manager.request_attributes.get("state")
    return state if isinstance(state, State) else State()


def spoken_text(intent: AlexaIntent | None, route: Route) -> str:
    """What was said in the route's slots: each slot's words, and the value a synonym
    resolved to when that differs, so the core triages the words and the meaning."""
    words: list[str] = []
    slots = (intent.slots if intent is not None else None) or {}
    for name in route.slots:
        slot = slots.get(name)
        if slot is not None and slot.value:
            words.append(slot.value)
            resolved = resolved_value(slot)
            if resolved and resolved.lower() != slot.value.lower():
                words.append(resolved)
    return " ".join(words)


def route_of(handler_input: HandlerInput) -> Route:
    routes = catalog().routes
    return routes.get(str(get_intent_name(handler_input))) or routes[FALLBACK]


def intent_of(handler_input: HandlerInput) -> AlexaIntent | None:
    """The intent of an IntentRequest (None for any other request)."""
    request = handler_input.request_envelope.request
    return request.intent if isinstance(request, IntentRequest) else None


def slot_value(intent: AlexaIntent | None, name: str) -> str | None:
    slot = (intent.slots or {}).get(name) if intent is not None else None
    return slot.value if slot is not None else None


def resolved_value(slot: Slot) -> str | None:
    """The slot type's value a spoken synonym matched (entity resolution), if any."""
    authorities = slot.resolutions.resolutions_per_authority if slot.resolutions else None
    for authority in authorities or []:
        if authority.status and authority.status.code == StatusCode.ER_SUCCESS_MATCH:
            value = authority.values[0].value if authority.values else None
            return str(value.name) if value is not None else None
    return None


# --------------------------------------------------------------------------- interceptors


class LocaleInterceptor(AbstractRequestInterceptor):
    """Reads the request's locale and the conversation state once, for every handler."""

    def process(self, handler_input: HandlerInput) -> None:
        envelope = handler_input.request_envelope
        attributes = handler_input.attributes_manager.request_attributes
        attributes["locale"] = envelope.request.locale if envelope.request else None
        session = envelope.session.attributes if envelope.session is not None else None
        attributes["state"] = State.from_dict(session)


class TurnLog(AbstractResponseInterceptor):
    """Logs each turn's request type and intent, never what was said."""

    def process(self, handler_input: HandlerInput, response: Response | None) -> None:
        request = handler_input.request_envelope.request
        name = (
            get_intent_name(handler_input)
            if is_request_type("IntentRequest")(handler_input)
            else "-"
        )
        ended = response.should_end_session if response is not None else None
        log.info("alexa %s %s end=%s", request.object_type if request else "-", name, ended)


def turn_report(handler_input: HandlerInput) -> TurnReport | None:
    """The turn just answered: a launch, a core answer, or a device action; None for the
    rest (a session ending, a connection coming back), which are no turn of their own."""
    envelope = handler_input.request_envelope
    session = envelope.session.session_id if envelope.session is not None else None
    locale = content_for(locale_of(handler_input)).locale
    if is_request_type("LaunchRequest")(handler_input) or is_intent_name(NAVIGATE_HOME)(
        handler_input
    ):
        return TurnReport("launch", "none", locale, True, session)
    reply = handler_input.attributes_manager.request_attributes.get(REPLY)
    if isinstance(reply, Reply):
        answered = reply.intent is not Intent.FALLBACK
        return TurnReport(reply.intent.value, reply.triage.value, reply.locale, answered, session)
    if is_request_type("IntentRequest")(handler_input):
        route = route_of(handler_input)
        if route.intent is not None and route.intent in ACTIONS:
            return TurnReport(route.intent.value, "none", locale, True, session)
    return None


class TurnReporter(AbstractResponseInterceptor):
    """Tells a listener about each turn (`TurnReport`); a failing listener is logged and
    never costs the person their answer."""

    def __init__(self, listener: TurnListener) -> None:
        self.listener = listener

    def process(self, handler_input: HandlerInput, response: Response | None) -> None:
        report = turn_report(handler_input)
        if report is None:
            return
        try:
            self.listener(report)
        except Exception:
            log.exception("alexa: the turn listener failed")


# --------------------------------------------------------------------------- handlers


class LaunchHandler(AbstractRequestHandler):
    """ "Open Cramp Coach" and "go home": the welcome, a fresh conversation."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(
            is_request_type("LaunchRequest")(handler_input)
            or is_intent_name(NAVIGATE_HOME)(handler_input)
        )

    def handle(self, handler_input: HandlerInput) -> Response:
        reply = system_reply(locale_of(handler_input), "welcome", State(), say_prompt=False)
        return to_response(handler_input, reply)


def render_outcome(handler_input: HandlerInput, outcome: reminders.Outcome) -> Response:
    """A reminder's outcome: the core's text for it, the AskFor directive and the consent
    card when asked for; the conversation ends (Alexa's own consent dialog, or done)."""
    reply = system_reply(
        locale_of(handler_input), outcome.key, State(), values=outcome.values(), end=True
    )
    builder = handler_input.response_builder
    if outcome.ask:
        token = reminders.ask_token(outcome.at or reminders.DEFAULT_AT)
        payload = reminders.ASK_FOR_PAYLOAD
        builder.add_directive(SendRequestDirective(name="AskFor", payload=payload, token=token))
    if outcome.card:
        builder.set_card(AskForPermissionsConsentCard(permissions=[reminders.SCOPE]))
    return to_response(handler_input, reply, apl=not outcome.ask)


class ActionIntentHandler(AbstractRequestHandler):
    """The intents that act on the device (`ACTIONS`): the time asked, the action, its words."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(
            is_request_type("IntentRequest")(handler_input)
            and route_of(handler_input).intent in ACTIONS
        )

    def handle(self, handler_input: HandlerInput) -> Response:
        route = route_of(handler_input)
        intent = intent_of(handler_input)
        values = [slot_value(intent, name) for name in route.values]
        # The words Alexa heard, read by the core's one bedtime rule, as a text's are.
        at = bedtime.read_time(next((v for v in values if v), None)) or reminders.DEFAULT_AT
        assert route.intent is not None
        return render_outcome(handler_input, ACTIONS[route.intent](handler_input, at))


class CoreIntentHandler(AbstractRequestHandler):
    """Every intent: its route from the table, what was said, the core's reply."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_request_type("IntentRequest")(handler_input))

    def handle(self, handler_input: HandlerInput) -> Response:
        route = route_of(handler_input)
        reply = Core.default().respond(
            spoken_text(intent_of(handler_input), route),
            state=state_of(handler_input),
            locale=locale_of(handler_input),
            intent=route.intent,
            topic=route.topic,
        )
        handler_input.attributes_manager.request_attributes[REPLY] = reply
        return to_response(handler_input, reply)


class ReminderConsentHandler(AbstractRequestHandler):
    """Back from Alexa asking for the reminders permission (AskFor): set the reminder at
    the time carried in the token, or say why not."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        request = handler_input.request_envelope.request
        return bool(
            is_request_type("Connections.Response")(handler_input)
            and getattr(request, "name", None) == "AskFor"
        )

    def handle(self, handler_input: HandlerInput) -> Response:
        return render_outcome(handler_input, reminders.consent_answered(handler_input))


class ConnectionsResponseHandler(AbstractRequestHandler):
    """Back from any other connection: carry on where the person was."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_request_type("Connections.Response")(handler_input))

    def handle(self, handler_input: HandlerInput) -> Response:
        reply = system_reply(locale_of(handler_input), "reprompt", state_of(handler_input))
        return to_response(handler_input, reply)


class SessionEndedHandler(AbstractRequestHandler):
    """The session ended (timeout, "exit", an error): nothing may be said."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_request_type("SessionEndedRequest")(handler_input))

    def handle(self, handler_input: HandlerInput) -> Response:
        request = handler_input.request_envelope.request
        error = getattr(request, "error", None)
        kind = getattr(error, "object_type", None)
        log.info("alexa session ended: %s %s", getattr(request, "reason", None), kind or "")
        response: Response = handler_input.response_builder.response
        return response


class ExceptionEncounteredHandler(AbstractRequestHandler):
    """Alexa reports that a response of ours failed: log what it says; nothing may be said."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_request_type("System.ExceptionEncountered")(handler_input))

    def handle(self, handler_input: HandlerInput) -> Response:
        error = getattr(handler_input.request_envelope.request, "error", None)
        kind = getattr(error, "object_type", None)
        log.warning("alexa reported an error: %s %s", kind, getattr(error, "message", None))
        response: Response = handler_input.response_builder.response
        return response


class CanFulfillHandler(AbstractRequestHandler):
    """Name-free invocation asks whether the skill can answer; the skill does not take part
    (no CAN_FULFILL_INTENT_REQUEST interface), so the answer is no."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return bool(is_request_type("CanFulfillIntentRequest")(handler_input))

    def handle(self, handler_input: HandlerInput) -> Response:
        from ask_sdk_model.canfulfill.can_fulfill_intent import CanFulfillIntent
        from ask_sdk_model.canfulfill.can_fulfill_intent_values import CanFulfillIntentValues

        log.info("alexa: CanFulfillIntentRequest answered NO")
        builder = handler_input.response_builder
        builder.set_can_fulfill_intent(CanFulfillIntent(can_fulfill=CanFulfillIntentValues.NO))
        response: Response = builder.response
        return response


class UnhandledRequestHandler(AbstractRequestHandler):
    """Any other request type (a screen touch, a message, a reminder's event, one added by
    Amazon later): logged, and answered with an empty response."""

    def can_handle(self, handler_input: HandlerInput) -> bool:
        return True

    def handle(self, handler_input: HandlerInput) -> Response:
        log.info("alexa: no handler for %s, answered empty", request_type(handler_input))
        response: Response = handler_input.response_builder.response
        return response


def request_type(handler_input: HandlerInput) -> str:
    request = handler_input.request_envelope.request
    return str(request.object_type) if request is not None else "-"


class SafeErrorHandler(AbstractExceptionHandler):
    """Anything unexpected: a safe reply that still says what to do in an emergency."""

    def can_handle(self, handler_input: HandlerInput, exception: Exception) -> bool:
        return True

    def handle(self, handler_input: HandlerInput, exception: Exception) -> Response:
        log.exception("alexa handler failed", exc_info=exception)
        request = handler_input.request_envelope.request
        locale = getattr(request, "locale", None)
        reply = system_reply(locale, "error", State(), say_prompt=False)
        return to_response(handler_input, reply)


# --------------------------------------------------------------------------- the skill


class Skill:
    """The Alexa skill, built once: JSON request envelopes in, response envelopes out."""

    def __init__(self, skill_id: str | None = None, on_turn: TurnListener | None = None) -> None:
        # The API client reaches Amazon's Reminders and settings APIs with each request's
        # apiEndpoint and apiAccessToken; it loads `requests` only when first used.
        builder = CustomSkillBuilder(api_client=reminders.LazyApiClient())
        builder.skill_id = skill_id  # type: ignore[assignment]  # ask-sdk types it as None
        self.skill_id = skill_id
        for handler in (  # the first that can handle a request handles it
            LaunchHandler(),
            ActionIntentHandler(),
            CoreIntentHandler(),
            ReminderConsentHandler(),
            ConnectionsResponseHandler(),
            SessionEndedHandler(),
            ExceptionEncounteredHandler(),
            CanFulfillHandler(),
            UnhandledRequestHandler(),  # last: anything else
        ):
            builder.add_request_handler(handler)
        builder.add_global_request_interceptor(LocaleInterceptor())
        builder.add_global_response_interceptor(TurnLog())
        if on_turn is not None:  # e.g. the dashboard's counts (never what was said)
            builder.add_global_response_interceptor(TurnReporter(on_turn))
        builder.add_exception_handler(SafeErrorHandler())
        self.skill: CustomSkill = builder.create()
        catalog()  # the core, its content and the intent table, loaded before the first request

    def handle(self, event: dict[str, Any], context: Any = None) -> dict[str, Any]:
        """The Lambda handler: the event is the request envelope as a dict."""
        if not isinstance(event, dict) or not isinstance(event.get("request"), dict):
            raise envelope.EnvelopeError("not a request envelope")
        return self.handle_envelope(event, context)

    def handle_json(self, body: str | bytes, context: Any = None) -> dict[str, Any]:
        """A request envelope as JSON (POST /alexa)."""
        return self.handle_envelope(envelope.parse(body), context)

    def handle_envelope(self, data: dict[str, Any], context: Any = None) -> dict[str, Any]:
        """A request envelope in, a response envelope out. Envelopes with optional parts
        missing are completed (`envelope.read`); a request type ask-sdk does not know gets
        an empty response. A request for another skill raises AskSdkException."""
        known = envelope.read(data)
        if known is None:
            self.check_skill(data)
            log.info("alexa: unknown request type %s, answered empty", envelope.request_type(data))
            return dict(envelope.EMPTY)
        serializer = self.skill.serializer
        request = serializer.deserialize(payload=json.dumps(known), obj_type=RequestEnvelope)
        response = self.skill.invoke(request_envelope=request, context=context)
        result = serializer.serialize(response)
        assert isinstance(result, dict)  # a response envelope serializes to an object
        return result

    def check_skill(self, data: dict[str, Any]) -> None:
        """What ask-sdk checks for the requests it reads: the skill id, when one is set."""
        if self.skill_id is not None and envelope.application_id(data) != self.skill_id:
            raise AskSdkException("Skill ID Verification failed!!")
