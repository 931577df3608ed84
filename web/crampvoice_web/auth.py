"""Who may see the pages: this machine, or an operator who has logged in.

- A *local* request exists only in the local setup (a loopback CRAMPVOICE_PUBLIC_URL and
  no CRAMPVOICE_TRUSTED_PROXIES: `crampvoice.settings.local_mode`); deployed, none is,
  however it looks. There, it comes from a loopback address, names a loopback host (so a DNS
  rebinding page cannot pass for one), and carries no proxy header (behind a reverse
  proxy on the same machine every request would otherwise look local).
- An *operator* has given CRAMPVOICE_DASHBOARD_TOKEN at /login (compared in constant
  time); a signed session cookie remembers it, bound to the token, so changing the
  token logs everyone out, and carries a server-side session id that logout ends.
  Guesses are limited, forms carry CSRF tokens, `next` stays on this site
  (security.py).

The dashboard: an operator, or a local request when no token is set (the local
default). The simulator: an operator, or any local request; never an open relay.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import ipaddress
import logging
import math
from collections.abc import Callable
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy.exc import SQLAlchemyError

from crampvoice.settings import local_mode
from crampvoice_web import security

log = logging.getLogger("crampvoice.web")

blueprint = Blueprint("auth", __name__)
View = TypeVar("View", bound=Callable[..., Any])

TOKEN_SETTING = security.TOKEN_SETTING
OPERATOR = "operator"
SESSION_ID = "operator_session"
LOOPBACK_NAMES = frozenset({"localhost"})
#: Headers a reverse proxy adds: a request that has passed through one is not local.
PROXY_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Real-IP")
MAX_TOKEN = security.MAX_TOKEN


def _loopback_host(name: str) -> bool:
    if name.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def is_local() -> bool:
    """Whether this request comes from this machine, to this machine, with no proxy, in
    the local setup."""
    if not local_mode(current_app.config):
        return False
    try:
        peer = ipaddress.ip_address((request.remote_addr or "").split("%")[0])
    except ValueError:
        return False
    if not peer.is_loopback or any(name in request.headers for name in PROXY_HEADERS):
        return False
    try:
        host = urlsplit("//" + request.host).hostname or ""
    except ValueError:
        return False
    return _loopback_host(host)


def operator_token() -> str:
    return str(current_app.config.get(TOKEN_SETTING) or "")


def _fingerprint(token: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode("utf-8")
    return hmac.new(key, b"operator:" + token.encode("utf-8"), hashlib.sha256).hexdigest()


def is_operator() -> bool:
    """A login with the current token whose server-side session is still open."""
    token = operator_token()
    held = session.get(OPERATOR)
    if not token or not isinstance(held, str) or not hmac.compare_digest(held, _fingerprint(token)):
        return False
    return security.session_is_live(session.get(SESSION_ID))


def may_see_dashboard() -> bool:
    return is_operator() or (is_local() and not operator_token())


def may_use_simulator() -> bool:
    return is_operator() or is_local()


def _refuse(api: bool) -> Any:
    """No access: JSON routes answer 401 (403 when nobody can log in); pages send the
    person to the login form, which says when the dashboard is closed."""
    closed = not operator_token()
    if api:
        reason = "closed: set CRAMPVOICE_DASHBOARD_TOKEN" if closed else "log in at /login"
        return jsonify(error=reason), 403 if closed else 401
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _guard(allowed: Callable[[], bool], api: bool) -> Callable[[View], View]:
    def decorate(view: View) -> View:
        @functools.wraps(view)
        def checked(*args: Any, **kwargs: Any) -> Any:
            if not allowed():
                return _refuse(api)
            return view(*args, **kwargs)

        return cast(View, checked)

    return decorate


def dashboard_page(view: View) -> View:
    return _guard(may_see_dashboard, api=False)(view)


def dashboard_api(view: View) -> View:
    return _guard(may_see_dashboard, api=True)(view)


def simulator_page(view: View) -> View:
    return _guard(may_use_simulator, api=False)(view)


def simulator_api(view: View) -> View:
    return _guard(may_use_simulator, api=True)(view)


def _target() -> str:
    """Where to go after logging in: `next` if it is a page of this site (security.py)."""
    return security.safe_next(request.values.get("next"), url_for("dashboard.page"))


def login_form(**shown: Any) -> str:
    return render_template(
        "crampvoice_web/login.html", closed=not operator_token(), target=_target(), **shown
    )


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> Any:
    token = operator_token()
    if not token:
        return login_form(), 200 if is_local() else 403
    if request.method == "GET":
        return login_form()
    guard = security.security().guard
    client = security.client_address()
    wait = guard.attempt(client)
    if wait:
        log.warning("web: a login from %s refused: too many wrong tokens", client)
        page = login_form(locked=math.ceil(wait / 60))
        return page, 429, {"Retry-After": str(wait)}
    given = request.form.get("token", "")[:MAX_TOKEN]
    if not hmac.compare_digest(given.encode("utf-8"), token.encode("utf-8")):
        log.warning("web: a login with a wrong token from %s", client)
        return login_form(wrong=True), 401
    guard.succeeded(client)
    try:
        opened = security.security().sessions.open(current_app.permanent_session_lifetime)
    except SQLAlchemyError as error:
        log.error("web: cannot open an operator session: %s", type(error).__name__)
        return login_form(unavailable=True), 503
    session.clear()  # a fresh session: nothing from before the login carries over
    session[OPERATOR] = _fingerprint(token)
    session[SESSION_ID] = opened
    session.permanent = True
    return redirect(_target())


@blueprint.post("/logout")
def logout() -> Response:
    """Ends this login on the server too: the cookie, even a copy, opens nothing after."""
    try:
        security.security().sessions.close(session.get(SESSION_ID))
    except SQLAlchemyError as error:
        log.error("web: cannot close an operator session: %s", type(error).__name__)
    session.clear()
    return cast(Response, redirect(url_for("auth.login")))
