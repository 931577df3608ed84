"""The Twilio webhooks as a Flask blueprint: POST /sms and POST /sms/status.

Each handler reads as three steps: parse the signed form, ask the service, render
the reply (TwiML). Signatures are checked against CRAMPVOICE_PUBLIC_URL plus the
path (and query), the URL Twilio called, never `request.url`, which behind a proxy
is an internal address.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import Blueprint, Response, abort, request
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from crampvoice.composition import Services
from crampvoice.settings import public_url
from crampvoice.storage.texting import SqlTexting
from crampvoice.texting.service import Conversations, Deliveries
from crampvoice_sms.messages import Malformed, parse_inbound, parse_status

log = logging.getLogger("crampvoice.sms")

View = TypeVar("View", bound=Callable[..., Any])


def create_blueprint(services: Services) -> Blueprint:
    """POST /sms and POST /sms/status over the services the composition root built."""
    storage = SqlTexting(services.store)
    conversations = Conversations(storage, services.core, services.limits,
                                  services.hasher, clock=services.clock,
                                  forget_at_provider=services.account.live)
    deliveries = Deliveries(storage, services.limits, services.hasher, clock=services.clock)
    validator = RequestValidator(str(services.config["TWILIO_AUTH_TOKEN"]))
    blueprint = Blueprint("sms", __name__)

    def signed_by_twilio(view: View) -> View:
        """403 unless X-Twilio-Signature matches the public URL and the form."""

        @functools.wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            signature = request.headers.get("X-Twilio-Signature", "")
            url = public_url(services.config, request.path)
            if request.query_string:
                url += "?" + request.query_string.decode("utf-8", "replace")
            if not signature or not validator.validate(url, request.form, signature):
                log.warning("sms: refused %s: missing or wrong X-Twilio-Signature", request.path)
                abort(403)
            return view(*args, **kwargs)

        return cast(View, checked)

    @blueprint.post("/sms")
    @signed_by_twilio
    def inbound() -> Response:
        message = parse_inbound(request.form)
        outcome = conversations.handle(message)
        return twiml(outcome.text)

    @blueprint.post("/sms/status")
    @signed_by_twilio
    def status() -> Response:
        report = parse_status(request.form)
        deliveries.record(report)
        return Response(status=204)

    @blueprint.errorhandler(Malformed)
    def malformed(error: Malformed) -> tuple[str, int]:
        log.warning("sms: refused %s: %s", request.path, error)
        return f"Bad request: {error}\n", 400

    return blueprint


def twiml(text: str | None) -> Response:
    reply = MessagingResponse()
    if text:
        reply.message(text)
    return Response(str(reply), mimetype="application/xml")
