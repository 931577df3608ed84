"""Request envelopes as Alexa sends them, whole or in part, into what ask-sdk can read.

Alexa's optional parts may be missing (a test tool's envelope without `context`, a
request outside a session, a device that reports no interfaces), and Alexa adds
request types over time. ask-sdk reads `context.System` on every request and cannot
deserialize a request type it does not know, so each envelope is read here first:

- `read` gives the envelope with a `context.System` (its application and user taken
  from the session when `context` is missing), or None for a request type ask-sdk
  does not know, which the skill answers with an empty response;
- `EMPTY` is that response: valid for every request type, it says nothing and leaves
  the session as it is.
"""

from __future__ import annotations

import json
from typing import Any

from ask_sdk_model.request import Request

#: The request types ask-sdk-model can deserialize.
KNOWN_TYPES = frozenset(Request.discriminator_value_class_map)
#: A response for any request: nothing said, nothing shown, the session as it was.
EMPTY: dict[str, Any] = {"version": "1.0", "response": {}}


class EnvelopeError(ValueError):
    """Not a request envelope: not JSON, not an object, or no request with a type."""


def parse(body: str | bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise EnvelopeError(f"not JSON: {error}") from None
    if not isinstance(data, dict):
        raise EnvelopeError("not a JSON object")
    request = data.get("request")
    if not isinstance(request, dict) or not isinstance(request.get("type"), str):
        raise EnvelopeError("no request type")
    return data


def request_type(data: dict[str, Any]) -> str:
    kind = data["request"].get("type")
    if not isinstance(kind, str):
        raise EnvelopeError("no request type")
    return kind


def application_id(data: dict[str, Any]) -> str | None:
    """The skill the request is for, from `context.System` or else the session."""
    for part in (_get(data, "context", "System"), _get(data, "session")):
        found = _get(part, "application", "applicationId")
        if isinstance(found, str):
            return found
    return None


def read(data: dict[str, Any]) -> dict[str, Any] | None:
    """The envelope with the parts ask-sdk reads filled in; None for a request type
    ask-sdk cannot deserialize."""
    if request_type(data) not in KNOWN_TYPES:
        return None
    context = _table(data.get("context"))
    system = _table(context.get("System"))
    if isinstance(system.get("application"), dict) and system.get("user") is not None:
        return data
    session = _table(data.get("session"))
    app = application_id(data)
    system.setdefault("application", {"applicationId": app} if app else {})
    user = session.get("user")
    if isinstance(user, dict):
        system.setdefault("user", user)
    return {**data, "context": {**context, "System": system}}


def _table(value: Any) -> dict[str, Any]:
    """A copy of an object of the envelope; an empty one for anything else."""
    return dict(value) if isinstance(value, dict) else {}


def _get(data: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data
