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
from xml.sax.saxutils import escape

from flask import Blueprint, Response, abort, request

from crampvoice.composition import Services
from crampvoice.settings import public_url
from crampvoice.storage.texting import SqlTexting
from crampvoice.texting.port import Unavailable
from crampvoice.texting.service import Conversations, Deliveries
from crampvoice_sms.messages import Malformed, parse_inbound, parse_status
from crampvoice_sms.signature import Signatures

log = logging.getLogger("crampvoice.sms")

EXTENSION = "crampvoice_sms"
View = TypeVar("View", bound=Callable[..., Any])


def create_blueprint(services: Services) -> Blueprint:
    """POST /sms and POST /sms/status over the services the composition root built."""
    storage = SqlTexting(services.store)
    conversations = Conversations(storage, services.core, services.limits,
                                  services.hasher, clock=services.clock,
                                  forget_at_provider=services.account.live)
    deliveries = Deliveries(storage, services.limits, services.hasher, clock=services.clock)
    signatures = Signatures(str(services.config["TWILIO_AUTH_TOKEN"]))
    signed_urls = {path: public_url(services.config, path) for path in ("/sms", "/sms/status")}
    blueprint = Blueprint("sms", __name__)
    # The service, for its counters (`storage_failures`: turns answered without storage).
    blueprint.record_once(lambda state: state.app.extensions.__setitem__(EXTENSION, conversations))

    def signed_by_twilio(view: View) -> View:
        """403 unless X-Twilio-Signature matches the public URL and the form."""

        @functools.wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            signature = request.headers.get("X-Twilio-Signature", "")
            url = signed_urls.get(request.path) or public_url(services.config, request.path)
            if request.query_string:
                url += "?" + request.query_string.decode("utf-8", "replace")
            fields = list(request.form.lists())
            if not signature or not signatures.valid(url, fields, signature):
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

    @blueprint.errorhandler(Unavailable)
    def unavailable(error: Unavailable) -> tuple[str, int]:
        log.error("sms: %s not recorded: storage unavailable (%s)", request.path, error)
        return "Storage unavailable\n", 503

    @blueprint.errorhandler(Malformed)
    def malformed(error: Malformed) -> tuple[str, int]:
        log.warning("sms: refused %s: %s", request.path, error)
        return f"Bad request: {error}\n", 400

    return blueprint


_XML = '<?xml version="1.0" encoding="UTF-8"?>'
_EMPTY = (_XML + "<Response />").encode("utf-8")


@functools.lru_cache(maxsize=4096)
def _twiml_bytes(text: str) -> bytes:
    """TwiML for one message, as twilio's MessagingResponse writes it (text escaped).
    Replies come from a finite set of content, so each is built once."""
    return f"{_XML}<Response><Message>{escape(text)}</Message></Response>".encode()


def twiml(text: str | None) -> Response:
    body = _twiml_bytes(text) if text else _EMPTY
    return Response(body, mimetype="application/xml")
