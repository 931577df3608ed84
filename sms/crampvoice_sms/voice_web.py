"""The Twilio voice webhooks as a Flask blueprint: POST /voice and POST /voice/status.

Each handler reads as three steps: parse the signed form, ask the call service, write
the TwiML. Signatures are checked exactly as for /sms (`crampvoice_sms.signed`).
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, request

from crampvoice import settings
from crampvoice.calling.service import Calls
from crampvoice.composition import Services
from crampvoice_sms.calls import parse_call, parse_call_status
from crampvoice_sms.messages import Malformed
from crampvoice_sms.signed import signed_by_twilio
from crampvoice_sms.twiml_voice import Voice

log = logging.getLogger("crampvoice.call")


def create_blueprint(services: Services) -> Blueprint:
    """POST /voice and POST /voice/status over the composition root's services."""
    line = settings.maternity_line(services.config)
    calls = Calls(services.store, services.core, services.hasher, lambda: services.sender,
                  line=line, clock=services.clock)
    voice = Voice(services.core, line=line)
    signed = signed_by_twilio(services.config, log)
    blueprint = Blueprint("voice", __name__)

    @blueprint.post("/voice")
    @signed
    def answer() -> Response:
        heard = parse_call(request.form)
        turn = calls.handle(heard)
        return Response(voice.twiml(turn), mimetype="application/xml")

    @blueprint.post("/voice/status")
    @signed
    def status() -> Response:
        calls.ended(parse_call_status(request.form))
        return Response(status=204)

    @blueprint.errorhandler(Malformed)
    def malformed(error: Malformed) -> tuple[str, int]:
        log.warning("call: refused %s: %s", request.path, error)
        return f"Bad request: {error}\n", 400

    return blueprint
