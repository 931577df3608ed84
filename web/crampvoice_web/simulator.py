"""The simulator at /: a phone texting the real /sms, and a speaker talking to the skill.

    GET  /                      the page
    POST /simulator/sms         {"country": "GB", "text": "..."} -> the TwiML reply's texts
    GET  /simulator/outbox      ?country=GB&after=ID -> what the worker sent that phone
    POST /simulator/voice       {"locale", "screen", "session", "say" | "launch" | "end"}
    POST /simulator/call        {"country", "start" | "digits" | "speech" | "silence" |
                                 "hang_up"} -> what the real /voice answered, as steps to play

Each route reads as parse, ask the real code path, render. Only this machine or a
logged-in operator may use them (auth.py): off loopback the simulator is no relay.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, render_template, request, session

from crampvoice import settings
from crampvoice.content import library
from crampvoice.storage import repository
from crampvoice_skill.fake import LOCALES
from crampvoice_web import auth, calls, speaker, texting
from crampvoice_web.calls import fake_call_sid
from crampvoice_web.services import services, web_services

log = logging.getLogger("crampvoice.web")

blueprint = Blueprint("simulator", __name__)

NUMBERS = "sim_numbers"  # session: country -> this browser's simulated number
SPEAKER = "sim_speaker"  # session: this browser's simulated Alexa user and device
CALL = "sim_call"  # session: this browser's call in progress (its CallSid)
MAX_SPEECH = 300
OUTBOX_ROWS = 50


class Refused(ValueError):
    """A simulator request no browser of ours sends: 400, never a 500."""


@blueprint.errorhandler(Refused)
@blueprint.errorhandler(speaker.BadInput)
def refused(error: ValueError) -> tuple[Any, int]:
    return jsonify(error=str(error)), 400


def phone_enabled(app: Flask) -> bool:
    """The phone is off when REST sends are live: the worker's prompts to a simulated
    number would go out through Twilio to a real phone."""
    return not settings.twilio_account(app.config).live


def _body() -> dict[str, Any]:
    if not request.is_json:
        raise Refused("send JSON")
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise Refused("send a JSON object")
    return data


def _country(value: object) -> str:
    if not isinstance(value, str) or value not in texting.COUNTRIES:
        raise Refused("unknown country")
    return value


def number_for(country: str, *, create: bool) -> str | None:
    """This browser's number in `country` (made on first use)."""
    numbers = session.get(NUMBERS)
    if not isinstance(numbers, dict):
        numbers = {}
    number = numbers.get(country)
    if not isinstance(number, str) and create:
        number = texting.new_number(country)
        session[NUMBERS] = {**numbers, country: number}
    return number if isinstance(number, str) else None


def _device(locale: object, screen: object) -> speaker.Device:
    ids = session.get(SPEAKER)
    known = isinstance(ids, dict) and all(isinstance(ids.get(k), str) for k in ("user", "device"))
    if not known:
        ids = {
            "user": "amzn1.ask.account.SIMULATOR" + secrets.token_hex(16).upper(),
            "device": "amzn1.ask.device.SIMULATOR" + secrets.token_hex(16).upper(),
        }
        session[SPEAKER] = ids
    if not isinstance(locale, str):
        raise Refused("locale must be a string")
    skill_id = str(current_app.config.get("ALEXA_SKILL_ID") or speaker.SIMULATOR_SKILL_ID)
    assert isinstance(ids, dict)
    return speaker.device(locale, bool(screen), ids["user"], ids["device"], skill_id)


@blueprint.get("/")
@auth.simulator_page
def page() -> str:
    content = library()
    return render_template(
        "crampvoice_web/simulator.html",
        program=content.get(None).program_name,
        countries=texting.countries(),
        locales=LOCALES,
        phone_enabled=phone_enabled(current_app),
        service_number=texting.display(texting.service_number(current_app)),
        dashboard=auth.may_see_dashboard(),
        operator=auth.is_operator(),
    )


@blueprint.post("/simulator/number")
@auth.simulator_api
def number() -> Any:
    """This browser's number for a country (a new one with {"new": true})."""
    data = _body()
    country = _country(data.get("country"))
    if data.get("new") is True:
        numbers = session.get(NUMBERS)
        if isinstance(numbers, dict):
            session[NUMBERS] = {k: v for k, v in numbers.items() if k != country}
    found = number_for(country, create=True)
    assert found is not None
    return jsonify(country=country, number=found, display=texting.display(found))


@blueprint.post("/simulator/sms")
@auth.simulator_api
def sms() -> Any:
    if not phone_enabled(current_app):
        return jsonify(error="the phone is off: this server sends real texts"), 409
    data = _body()
    country = _country(data.get("country"))
    text = data.get("text")
    if not isinstance(text, str) or not text.strip() or len(text) > texting.MAX_BODY:
        raise Refused(f"text must be 1 to {texting.MAX_BODY} characters")
    sender = number_for(country, create=True)
    assert sender is not None
    try:
        replies = texting.text_service(current_app, sender, text)
    except texting.SimulatorError as error:
        log.error("simulator: the app refused its own text: %s", error)
        return jsonify(error="the SMS endpoint refused the simulator's request"), 502
    return jsonify(number=sender, display=texting.display(sender), replies=replies)


@blueprint.get("/simulator/outbox")
@auth.simulator_api
def outbox() -> Any:
    """What was sent to this browser's phone outside a reply (bedtime prompts)."""
    country = _country(request.args.get("country"))
    try:
        after = int(request.args.get("after", "0"))
    except ValueError:
        raise Refused("after must be a whole number") from None
    number = number_for(country, create=False)
    if number is None:
        return jsonify(messages=[])
    with services().store.transaction() as db:
        sent = [m for m in repository.outbox(db, number) if m.id > after][:OUTBOX_ROWS]
        messages = [
            {
                "id": m.id,
                "text": m.body,
                "scheduled": m.scheduled,
                "status": m.status,
                "at": m.created_at.isoformat(),
            }
            for m in sent
        ]
    return jsonify(messages=messages)


@blueprint.post("/simulator/voice")
@auth.simulator_api
def voice() -> Any:
    data = _body()
    device = _device(data.get("locale"), data.get("screen"))
    program = library().get(device.locale).program_name
    heard = speaker.Heard.from_json(data, program, device.locale)
    turn = speaker.converse(web_services().skill.handle_json, heard, device)
    return jsonify(turn)


@blueprint.post("/simulator/call")
@auth.simulator_api
def call() -> Any:
    """A phone call from this browser's number to the real /voice, signed as Twilio signs."""
    if not phone_enabled(current_app):  # the steps by text would reach a real phone
        return jsonify(error="the phone is off: this server sends real texts"), 409
    data = _body()
    caller = number_for(_country(data.get("country")), create=True)
    assert caller is not None
    if data.get("start") is True or not isinstance(session.get(CALL), str):
        session[CALL] = fake_call_sid()
    sid = str(session[CALL])
    fields = _call_fields(data)
    try:
        twiml = texting.call_service(current_app, caller, sid, **fields)
    except texting.SimulatorError as error:
        log.error("simulator: the app refused its own call: %s", error)
        return jsonify(error="the voice endpoint refused the simulator's request"), 502
    if fields.get("hang_up"):
        session.pop(CALL, None)
        return jsonify(number=caller, steps=[], then="ended")
    return jsonify(number=caller, display=texting.display(caller), **calls.play(twiml))


def _call_fields(data: dict[str, Any]) -> dict[str, str | None]:
    if data.get("hang_up") is True:
        return {"hang_up": "1"}
    if data.get("start") is True or data.get("silence") is True:
        return {}
    digits, speech = data.get("digits"), data.get("speech")
    if isinstance(digits, str) and len(digits) == 1 and digits in "0123456789*#":
        return {"digits": digits}
    if isinstance(speech, str) and 0 < len(speech.strip()) <= MAX_SPEECH:
        return {"speech": speech}
    raise Refused("send start, digits (one key), speech, silence or hang_up")
