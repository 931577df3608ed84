"""Twilio's signature on a webhook request: 403 unless X-Twilio-Signature matches.

The URL signed is CRAMPVOICE_PUBLIC_URL plus the path (and query), the URL Twilio
called, never `request.url`, which behind a proxy is an internal address: the same rule
as POST /sms (`crampvoice_sms.web`)."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from typing import Any, TypeVar, cast

from flask import abort, request

from crampvoice.settings import public_url
from crampvoice_sms.signature import Signatures

View = TypeVar("View", bound=Callable[..., Any])


def signed_by_twilio(config: Mapping[str, Any], log: logging.Logger) -> Callable[[View], View]:
    """A decorator: the view runs only for a request Twilio signed with our auth token."""
    signatures = Signatures(str(config["TWILIO_AUTH_TOKEN"]))  # the check /sms makes

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            signature = request.headers.get("X-Twilio-Signature", "")
            url = public_url(config, request.path)
            if request.query_string:
                url += "?" + request.query_string.decode("utf-8", "replace")
            if not signature or not signatures.valid(url, list(request.form.lists()), signature):
                log.warning("refused %s: missing or wrong X-Twilio-Signature", request.path)
                abort(403)
            return view(*args, **kwargs)

        return cast(View, checked)

    return decorate
