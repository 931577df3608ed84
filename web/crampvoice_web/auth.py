"""Who may see the pages: this machine, or an operator who has logged in.

- A *local* request comes from a loopback address, names a loopback host (so a DNS
  rebinding page cannot pass for one), and carries no proxy header (behind a reverse
  proxy on the same machine every request would otherwise look local).
- An *operator* has given CRAMPVOICE_DASHBOARD_TOKEN at /login (compared in constant
  time); a signed session cookie remembers it, bound to the token, so changing the
  token logs everyone out.

The dashboard: an operator, or a local request when no token is set (the local
default). The simulator: an operator, or any local request; never an open relay.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import ipaddress
import logging
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

log = logging.getLogger("crampvoice.web")

blueprint = Blueprint("auth", __name__)
View = TypeVar("View", bound=Callable[..., Any])

TOKEN_SETTING = "CRAMPVOICE_DASHBOARD_TOKEN"
OPERATOR = "operator"
LOOPBACK_NAMES = frozenset({"localhost"})
#: Headers a reverse proxy adds: a request that has passed through one is not local.
PROXY_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Real-IP")
MAX_TOKEN = 512


def _loopback_host(name: str) -> bool:
    if name.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def is_local() -> bool:
    """Whether this request comes from this machine, to this machine, with no proxy."""
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
    token = operator_token()
    held = session.get(OPERATOR)
    return bool(token) and isinstance(held, str) and hmac.compare_digest(held, _fingerprint(token))


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


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never another host (an open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return url_for("dashboard.page")
    return target


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> Any:
    token = operator_token()
    target = _safe_next(request.values.get("next"))
    if not token:
        status = 200 if is_local() else 403
        return render_template("crampvoice_web/login.html", closed=True, target=target), status
    if request.method == "GET":
        return render_template("crampvoice_web/login.html", closed=False, target=target)
    given = request.form.get("token", "")[:MAX_TOKEN]
    if not hmac.compare_digest(given.encode("utf-8"), token.encode("utf-8")):
        log.warning("web: a login with a wrong token from %s", request.remote_addr)
        page = render_template("crampvoice_web/login.html", closed=False, target=target, wrong=True)
        return page, 401
    session.clear()
    session[OPERATOR] = _fingerprint(token)
    session.permanent = True
    return redirect(target)


@blueprint.post("/logout")
def logout() -> Response:
    session.pop(OPERATOR, None)
    return cast(Response, redirect(url_for("auth.login")))
