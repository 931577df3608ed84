"""POST /alexa: the skill as a self-hosted HTTPS endpoint, in the project's Flask app.

Every request is verified first (`verify.py`); anything that fails is answered 400
and never reaches the skill.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import cast

import flask

from crampvoice_skill.handlers import Skill, TurnListener, TurnReport
from crampvoice_skill.verify import RequestVerifier, VerificationError

log = logging.getLogger(__name__)

#: Alexa's requests are a few kilobytes.
MAX_BODY = 128 * 1024
#: An app may set `app.extensions[TURN_LISTENER]` to a `TurnListener`: it is told about
#: each turn answered here (intent, triage, locale; never what was said).
TURN_LISTENER = "crampvoice_skill.turns"


def app_listener(report: TurnReport) -> None:
    """The current app's turn listener, if it has one."""
    listener: TurnListener | None = flask.current_app.extensions.get(TURN_LISTENER)
    if listener is not None:
        listener(report)


def create_blueprint(
    skill_id: str | None = None,
    verifier: RequestVerifier | None = None,
    on_turn: TurnListener | None = None,
) -> flask.Blueprint:
    """The /alexa endpoint. The skill id defaults to $ALEXA_SKILL_ID; without one,
    every request is refused. Each turn answered is reported to `on_turn`, by default
    to the app's `TURN_LISTENER`."""
    skill_id = skill_id or os.environ.get("ALEXA_SKILL_ID") or None
    verifier = verifier or RequestVerifier(skill_id)
    skill = Skill(skill_id=verifier.skill_id, on_turn=on_turn or app_listener)
    blueprint = flask.Blueprint("alexa", __name__)

    @blueprint.post("/alexa")
    def alexa() -> tuple[flask.Response, int]:
        if (flask.request.content_length or 0) > MAX_BODY:
            return _refuse("body too large")
        body = flask.request.get_data(cache=False)
        try:
            verifier.verify(cast(Mapping[str, str], flask.request.headers), body)
            reply = skill.handle_json(body)
        except VerificationError as error:
            return _refuse(str(error))
        except Exception:  # a signed envelope the SDK cannot read
            log.exception("alexa: unreadable request envelope")
            return _refuse("unreadable request envelope")
        return flask.jsonify(reply), 200

    return blueprint


def _refuse(reason: str) -> tuple[flask.Response, int]:
    log.warning("alexa: request refused: %s", reason)
    return flask.jsonify(error="bad request"), 400
