"""Adding the pages to the web app.

Settings (environment variables, or the app's config under the same names):

- CRAMPVOICE_DASHBOARD_TOKEN: the operator's token for /login. Unset: the dashboard is
  open to requests from this machine only, and closed to everyone else.
- CRAMPVOICE_SECRET_KEY (the SMS app's setting): Flask's SECRET_KEY, which signs the
  session cookie, is derived from it unless SECRET_KEY is set itself.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Blueprint, Flask

from crampvoice_skill.handlers import Skill
from crampvoice_skill.web import TURN_LISTENER
from crampvoice_sms.web import services as sms_services
from crampvoice_web import auth, dashboard, legal, security, simulator
from crampvoice_web.services import EXTENSION, WebServices
from crampvoice_web.turns import TurnRecorder

#: The pages' templates and static files (no CDN: the JS, CSS and charts are all here).
assets = Blueprint(
    "web",
    __name__,
    static_folder="static",
    static_url_path="/assets",
    template_folder="templates",
)
OPERATOR_SESSION = timedelta(hours=12)


def init_app(app: Flask) -> None:
    """The simulator, the dashboard and the login on `app` (made by create_app), the
    public privacy and terms pages, and voice turns on /alexa counted for the dashboard."""
    config = app.config
    config.setdefault(auth.TOKEN_SETTING, os.environ.get(auth.TOKEN_SETTING, "").strip())
    if not config.get("SECRET_KEY"):
        key = str(config["CRAMPVOICE_SECRET_KEY"]).encode("utf-8")
        config["SECRET_KEY"] = hmac.new(key, b"flask-session", hashlib.sha256).hexdigest()
    # Flask's defaults (no SameSite, not Secure, a month) made stricter.
    config["SESSION_COOKIE_SAMESITE"] = config.get("SESSION_COOKIE_SAMESITE") or "Lax"
    config["SESSION_COOKIE_HTTPONLY"] = True
    if urlsplit(str(config["CRAMPVOICE_PUBLIC_URL"])).scheme == "https":
        config["SESSION_COOKIE_SECURE"] = True
    config["PERMANENT_SESSION_LIFETIME"] = OPERATOR_SESSION

    sms = sms_services(app)
    turns = TurnRecorder(sms.store, sms.conversations.hasher)
    app.extensions[TURN_LISTENER] = turns
    app.extensions[EXTENSION] = WebServices(skill=Skill(on_turn=turns), turns=turns)
    app.register_blueprint(assets)
    app.register_blueprint(auth.blueprint)
    app.register_blueprint(simulator.blueprint)
    app.register_blueprint(dashboard.blueprint)
    app.register_blueprint(legal.blueprint)  # public: /privacy, /terms
    security.init_app(app)  # guess limits, sessions, CSRF, safe next, headers
