"""The login's defences, set up on the app by `init_app(app, expired_login)` (one call, after the
pages' blueprints are registered):

- **Token strength**: a CRAMPVOICE_DASHBOARD_TOKEN that is set must carry at least 120
  bits by a cautious estimate (`secrets.token_urlsafe(32)` has 256; "a" or a few words
  are refused); a weaker one stops the app at start with one line. No token at all
  stays the local mode: the dashboard only from this machine.
- **Guess limits and lockout** (`limits`, the engine under flask-limiter, by its
  maintainer): login attempts are counted per client address and across all clients in
  moving windows, before the token is compared (a right one clears the client's count);
  past a limit every login from there (the right token too) answers 429 with
  Retry-After until the window has room again. In memory by default, one store per
  app; CRAMPVOICE_RATELIMIT_STORAGE takes a `limits` storage URI (e.g. redis://) so
  several worker processes share the counts.
- **Sessions that logout ends**: a login opens a random session id, kept server-side (its
  SHA-256, in the app's database, so every worker process sees it) with its expiry; the
  signed cookie only carries it. Logout deletes it, so a cookie copied before logout no
  longer opens anything.
- **CSRF**: flask-wtf's CSRFProtect checks a token on every form POST. The machine
  endpoints (/sms and /voice, signed by Twilio; /alexa, signed by Amazon) use no cookie and are
  exempt; the simulator's JSON API is exempt from the token (its page's script sends
  none) and is covered, like every cookie-bearing POST, by the cross-origin check:
  a browser's Sec-Fetch-Site or Origin must say the request came from this site.
- **A safe `next`**: only a path of a page this app serves, never another host: no `//`,
  `/\\`, scheme, control character, or percent-encoding of any of these.
- **Security headers** on every response, explicit values in one place (flask-talisman
  is unmaintained since 2023, and `secure` would add a dependency for six constants):
  a strict CSP with frame-ancestors 'none', X-Frame-Options DENY, nosniff,
  Referrer-Policy same-origin, HSTS when served over https, and Cache-Control no-store
  on everything but the static assets and the public legal pages.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import math
import os
import re
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, cast
from urllib.parse import unquote, urlsplit

from flask import Flask, Response, current_app, g, jsonify, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from limits import RateLimitItem, parse_many
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from sqlalchemy import BigInteger, Column, Engine, MetaData, String, Table, delete, insert, select
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from crampvoice import strength
from crampvoice.errors import Refusal
from crampvoice.strength import bits as token_bits
from crampvoice_web.services import services

log = logging.getLogger("crampvoice.web")

EXTENSION = "crampvoice_web.security"
TOKEN_SETTING = "CRAMPVOICE_DASHBOARD_TOKEN"
PER_CLIENT_SETTING = "CRAMPVOICE_LOGIN_LIMITS"
GLOBAL_SETTING = "CRAMPVOICE_LOGIN_GLOBAL_LIMITS"
STORAGE_SETTING = "CRAMPVOICE_RATELIMIT_STORAGE"
#: Login attempts one client address may make, and all clients together.
PER_CLIENT_LIMITS = "5 per minute; 20 per hour"
GLOBAL_LIMITS = "100 per hour"
#: A little under 128, so that a random 128-bit token passes however its characters fell.
MIN_TOKEN_BITS = strength.MIN_BITS
MIN_TOKEN_LENGTH = strength.MIN_LENGTH
MAX_TOKEN = 512
MAX_NEXT = 2048
#: Endpoints whose callers are machines that sign each request and send no cookie.
MACHINE_BLUEPRINTS = ("sms", "voice", "alexa")
#: Cookie-bearing JSON endpoints whose page sends no CSRF token (the simulator's script):
#: the cross-origin check covers them.
JSON_BLUEPRINTS = ("simulator",)
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: Cacheable: the CSS and JS, and the public privacy and terms pages.
CACHEABLE = re.compile(r"^(web\.static|static|legal\..+)$")

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        # The charts size their bars with style attributes; no <style> element anywhere.
        "style-src 'self'",
        "style-src-attr 'unsafe-inline'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
}
#: One year; no includeSubDomains or preload: other hosts of the operator's domain are
#: not ours to pin to https.
HSTS = "max-age=31536000"


class WeakToken(Refusal):
    """An operator token that could be guessed: the app does not start with it."""


# --------------------------------------------------------------------------- token strength


def token_problem(token: str) -> str | None:
    """Why this operator token is unfit, in one line; None when it is fine."""
    advice = "make one with: python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"
    if len(token) > MAX_TOKEN:
        return f"{TOKEN_SETTING} is longer than {MAX_TOKEN} characters; {advice}"
    if any(not c.isprintable() or c.isspace() for c in token):
        return f"{TOKEN_SETTING} holds spaces or control characters; {advice}"
    bits = token_bits(token)
    if len(token) < MIN_TOKEN_LENGTH or bits < MIN_TOKEN_BITS:
        return (
            f"{TOKEN_SETTING} is too weak (about {bits:.0f} bits in {len(token)} characters, "
            f"at least {MIN_TOKEN_BITS} needed); {advice}"
        )
    return None


# --------------------------------------------------------------------------- a safe `next`


def _unsafe_text(text: str) -> bool:
    return (
        not text.startswith("/")
        or text.startswith(("//", "/\\"))
        or "\\" in text
        or any(not (0x21 <= ord(c) <= 0x7E) for c in text)
    )


def safe_next(target: object, fallback: str) -> str:
    """`target` if it is the path (and query) of a page this app serves, else `fallback`.

    Refused: anything not starting with one `/`; `//` or `/\\` (another host to a
    browser); a backslash, space, control or non-ASCII character (browsers drop tabs and
    newlines, turning `/\\t/evil.example` into `//evil.example`, and CR/LF would split
    the header); the same after percent-decoding, however often; a scheme or host; a
    path that is no GET route here."""
    if not isinstance(target, str) or not target or len(target) > MAX_NEXT:
        return fallback
    text = target
    for _ in range(4):  # %252F -> %2F -> /
        if _unsafe_text(text):
            return fallback
        decoded = unquote(text)
        if decoded == text:
            break
        text = decoded
    else:
        return fallback
    try:
        parts = urlsplit(target)
        current_app.url_map.bind(request.host).match(parts.path, method="GET")
    except (ValueError, HTTPException):
        return fallback
    if parts.scheme or parts.netloc or parts.fragment:
        return fallback
    return target


# --------------------------------------------------------------------------- guess limits


class LoginGuard:
    """Login attempts counted per client and overall (moving windows). Each attempt is
    counted before the token is compared (so parallel guesses cannot all slip in before
    the first is counted); a right token then takes the client's count back to zero."""

    def __init__(self, per_client: str, overall: str, storage_uri: str) -> None:
        try:
            self.per_client: list[RateLimitItem] = parse_many(per_client)
            self.overall: list[RateLimitItem] = parse_many(overall)
        except ValueError as error:
            raise Refusal(f"{PER_CLIENT_SETTING} / {GLOBAL_SETTING}: {error}") from None
        try:
            self.storage = cast(Storage, storage_from_string(storage_uri))
        except Exception as error:  # limits raises ConfigurationError and friends
            raise Refusal(f"{STORAGE_SETTING} {storage_uri!r} is unusable: {error}") from None
        self.limiter = MovingWindowRateLimiter(self.storage)

    def _checks(self, client: str) -> list[tuple[RateLimitItem, tuple[str, ...]]]:
        return [(item, ("login-failed", "client", client)) for item in self.per_client] + [
            (item, ("login-failed", "all")) for item in self.overall
        ]

    def attempt(self, client: str) -> int:
        """Count an attempt: 0 if it may go on, else the seconds until one may."""
        longest = 0.0
        for item, keys in self._checks(client):
            if not self.limiter.hit(item, *keys):
                reset = self.limiter.get_window_stats(item, *keys).reset_time
                longest = max(longest, reset - time.time(), 1.0)
        return math.ceil(longest)

    def succeeded(self, client: str) -> None:
        for item in self.per_client:
            self.limiter.clear(item, "login-failed", "client", client)


# --------------------------------------------------------------------------- sessions


_metadata = MetaData()
#: Live operator sessions: the SHA-256 of each session id and its expiry (Unix seconds).
#: Nothing about a person: no phone number, no message.
operator_sessions = Table(
    "operator_sessions",
    _metadata,
    Column("id", String(64), primary_key=True),
    Column("expires", BigInteger, nullable=False),
)


def _digest(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


class OperatorSessions:
    """Server-side operator sessions in the app's database, shared by every worker."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._ready = False

    def _ensure_table(self) -> None:
        """The table, made on first use (not at start: a database that is down then
        must not stop the app, whose replies to texts do not need it)."""
        if self._ready:
            return
        try:
            _metadata.create_all(self.engine)
        except SQLAlchemyError:  # another worker made it at the same moment
            _metadata.create_all(self.engine)
        self._ready = True

    def open(self, lifetime: timedelta) -> str:
        self._ensure_table()
        session_id = secrets.token_urlsafe(32)
        now = int(time.time())
        with self.engine.begin() as connection:
            connection.execute(delete(operator_sessions).where(operator_sessions.c.expires <= now))
            connection.execute(
                insert(operator_sessions).values(
                    id=_digest(session_id), expires=now + int(lifetime.total_seconds())
                )
            )
        return session_id

    def is_live(self, session_id: object) -> bool:
        if not isinstance(session_id, str) or not session_id or len(session_id) > 128:
            return False
        self._ensure_table()
        with self.engine.connect() as connection:
            expires = connection.execute(
                select(operator_sessions.c.expires).where(
                    operator_sessions.c.id == _digest(session_id)
                )
            ).scalar()
        return expires is not None and int(expires) > time.time()

    def close(self, session_id: object) -> None:
        if not isinstance(session_id, str) or not session_id:
            return
        self._ensure_table()
        with self.engine.begin() as connection:
            connection.execute(
                delete(operator_sessions).where(operator_sessions.c.id == _digest(session_id))
            )


# --------------------------------------------------------------------------- the app


@dataclass(frozen=True)
class Security:
    guard: LoginGuard
    sessions: OperatorSessions
    csrf: CSRFProtect


def security(app: Flask | None = None) -> Security:
    found: Security = (app or current_app).extensions[EXTENSION]
    return found


def session_is_live(session_id: object) -> bool:
    """Whether this server-side session is open; False (logged, fail closed) when the
    database cannot say. Asked once per request."""
    key = "crampvoice_operator_session_live"
    if key not in g:
        try:
            setattr(g, key, security().sessions.is_live(session_id))
        except SQLAlchemyError as error:
            log.error("web: cannot check the operator session: %s", type(error).__name__)
            setattr(g, key, False)
    return bool(g.get(key))


def client_address() -> str:
    return request.remote_addr or "unknown"


def _hosts() -> set[str]:
    hosts = {request.host.lower()}
    public = str(current_app.config.get("CRAMPVOICE_PUBLIC_URL") or "")
    if public:
        hosts.add(urlsplit(public).netloc.lower())
    return hosts


def cross_origin() -> bool:
    """Whether a browser says this request came from another site (Sec-Fetch-Site, or
    else Origin). Clients that are no browser send neither and are not refused here."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site not in ("same-origin", "none")
    origin = request.headers.get("Origin")
    if origin is None:
        return False
    try:
        netloc = urlsplit(origin).netloc.lower()
    except ValueError:
        return True
    return origin == "null" or netloc not in _hosts()


def _check_origin() -> Any:
    if request.method not in UNSAFE_METHODS or request.blueprint in MACHINE_BLUEPRINTS:
        return None
    if cross_origin():
        log.warning("web: refused a cross-site %s %s", request.method, request.path)
        return jsonify(error="cross-site request refused"), 403
    return None


def _headers(response: Response, *, https: bool) -> Response:
    """The headers above on every response, unless a view set its own; HSTS when served
    over https (or `https`: the public URL is)."""
    headers = response.headers
    present = {name.lower() for name in headers.keys()}  # noqa: SIM118 (Headers: a list)
    for name, value in HEADERS.items():
        if name.lower() not in present:
            headers.add(name, value)
    if (https or request.is_secure) and "strict-transport-security" not in present:
        headers.add("Strict-Transport-Security", HSTS)
    if not CACHEABLE.match(request.endpoint or ""):
        headers["Cache-Control"] = "no-store"
    return response


def _csrf_refused(error: CSRFError, expired_login: Callable[[], str]) -> Any:
    log.warning("web: %s %s refused: %s", request.method, request.path, error.description)
    if request.endpoint == "auth.login":
        return expired_login(), 400
    return jsonify(error="this form has expired: reload the page and try again"), 400


def init_app(app: Flask, expired_login: Callable[[], str]) -> None:
    """The defences above on `app`; refuses (WeakToken) a weak operator token.
    `expired_login` is the login page saying its form expired (a refused CSRF token)."""
    config = app.config
    config.setdefault(TOKEN_SETTING, os.environ.get(TOKEN_SETTING, "").strip())
    token = str(config.get(TOKEN_SETTING) or "")
    problem = token_problem(token) if token else None
    if problem:
        raise WeakToken(problem)
    for name, default in (
        (PER_CLIENT_SETTING, PER_CLIENT_LIMITS),
        (GLOBAL_SETTING, GLOBAL_LIMITS),
        (STORAGE_SETTING, "memory://"),
    ):
        config.setdefault(name, os.environ.get(name, "").strip() or default)
    guard = LoginGuard(
        str(config[PER_CLIENT_SETTING]), str(config[GLOBAL_SETTING]), str(config[STORAGE_SETTING])
    )

    sessions = OperatorSessions(services(app).store.engine)
    # A form's token lasts as long as its session (12 hours), not flask-wtf's default
    # hour: a dashboard left open can still log out. Logging in starts a new session.
    config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    csrf = CSRFProtect()
    csrf.init_app(app)
    for name in (*MACHINE_BLUEPRINTS, *JSON_BLUEPRINTS):
        if name in app.blueprints:
            csrf.exempt(app.blueprints[name])
    app.extensions[EXTENSION] = Security(guard, sessions, csrf)
    # Before CSRFProtect's own check, so a cross-site POST is refused as such.
    app.before_request_funcs.setdefault(None, []).insert(0, _check_origin)
    https = urlsplit(str(config.get("CRAMPVOICE_PUBLIC_URL") or "")).scheme == "https"
    app.after_request(functools.partial(_headers, https=https))
    app.register_error_handler(CSRFError, lambda error: _csrf_refused(error, expired_login))
