"""What a production entry point refuses to start with (`crampvoice_web.wsgi:app` and
the Alexa Lambda): no local default, no plain http, no debug mode, no guessable secret,
and (the Lambda) no missing skill id. Each refusal is one line that names the setting
and what to do; `refuse_or_exit` prints it on stderr and exits with status 3, so gunicorn
and Lambda show that line, not a traceback (3 is gunicorn's "worker failed to boot": a
worker that exits with it stops gunicorn instead of being restarted).

The local entry points (`crampvoice serve`, `make run`, the CLI) keep their defaults.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Mapping
from typing import NoReturn, TypeVar
from urllib.parse import urlsplit

from crampvoice import strength
from crampvoice.settings import ConfigError, is_loopback

T = TypeVar("T")

TRUTHY = frozenset({"1", "true", "yes", "on"})
#: Variables that turn on a debug mode: Flask's debugger runs code for whoever reaches it.
DEBUG_SETTINGS = ("FLASK_DEBUG", "CRAMPVOICE_DEBUG")
#: gunicorn's WORKER_BOOT_ERROR: the arbiter halts rather than restart the worker.
EXIT_STATUS = 3
SKILL_ID = re.compile(r"^amzn1\.ask\.skill\.[0-9a-f-]{36}$")


def _set(env: Mapping[str, str], name: str) -> str:
    return env.get(name, "").strip()


def _debug(env: Mapping[str, str]) -> None:
    for name in DEBUG_SETTINGS:
        if _set(env, name).lower() in TRUTHY:
            raise ConfigError(f"{name} is on: unset it in production (a debug mode is not safe)")


def check_web(env: Mapping[str, str]) -> None:
    """The web app in production: every setting that has a local default set for real."""
    _debug(env)
    public = _set(env, "CRAMPVOICE_PUBLIC_URL")
    if not public:
        raise ConfigError("set CRAMPVOICE_PUBLIC_URL to the https URL Twilio calls")
    parts = urlsplit(public)
    if parts.scheme != "https" or not parts.hostname or is_loopback(public):
        raise ConfigError(f"CRAMPVOICE_PUBLIC_URL must be a public https URL, not {public!r}")
    if not _set(env, "DATABASE_URL"):
        raise ConfigError("set DATABASE_URL: production does not use the local SQLite file")
    for name in ("TWILIO_AUTH_TOKEN", "CRAMPVOICE_SECRET_KEY"):
        value = _set(env, name)
        if not value:
            raise ConfigError(f"set {name}: production has no local default")
        problem = strength.weakness(name, value)
        if problem:
            raise ConfigError(problem)
    token = _set(env, "CRAMPVOICE_DASHBOARD_TOKEN")  # optional; checked before the database
    problem = strength.weakness("CRAMPVOICE_DASHBOARD_TOKEN", token) if token else None
    if problem:
        raise ConfigError(problem)


def check_lambda(env: Mapping[str, str]) -> None:
    """The Alexa Lambda: it answers only its own skill."""
    _debug(env)
    skill_id = _set(env, "ALEXA_SKILL_ID")
    if not skill_id:
        raise ConfigError(
            "set ALEXA_SKILL_ID (amzn1.ask.skill....): without it the Lambda would answer any skill"
        )
    if not SKILL_ID.match(skill_id):
        raise ConfigError(f"ALEXA_SKILL_ID must look like amzn1.ask.skill.<uuid>, not {skill_id!r}")


def refuse_or_exit(start: Callable[[], T], *, prog: str = "crampvoice") -> T:
    """`start()`, or its refusal as one line on stderr and exit status 3."""
    from crampvoice.errors import Refusal

    try:
        return start()
    except Refusal as error:
        _exit(prog, str(error))


def _exit(prog: str, line: str) -> NoReturn:
    print(f"{prog}: {line}", file=sys.stderr, flush=True)
    raise SystemExit(EXIT_STATUS)
