"""The web app: one Flask app over the services of the composition root, with the SMS
webhooks (/sms, /sms/status), the voice webhooks (/voice, /voice/status), the Alexa
endpoint (/alexa), and the pages: the simulator, the dashboard and its login, the privacy
policy and terms.

    crampvoice serve                              # local: Flask's server on 127.0.0.1:8000
    gunicorn -w 2 --preload crampvoice_web.wsgi:app  # production

Settings come from the environment (crampvoice.settings), then from `config`. The pages'
own settings (environment variables, or the app's config under the same names):

- CRAMPVOICE_DASHBOARD_TOKEN: the operator's token for /login. Unset: the dashboard is
  open to requests from this machine only, and closed to everyone else.
- CRAMPVOICE_SECRET_KEY (the SMS app's setting): Flask's SECRET_KEY, which signs the
  session cookie, is derived from it unless SECRET_KEY is set itself.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer
from werkzeug.middleware.proxy_fix import ProxyFix

from crampvoice import composition
from crampvoice_skill.handlers import Skill
from crampvoice_skill.web import create_blueprint as alexa_blueprint
from crampvoice_sms.transport import TwilioTransport
from crampvoice_sms.voice_web import create_blueprint as voice_blueprint
from crampvoice_sms.web import create_blueprint as sms_blueprint
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


class Sessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions, with the signing serializer built once per key
    rather than on every request (the webhooks, which never carry a cookie, paid for it
    at each text)."""

    def __init__(self) -> None:
        self._built: tuple[object, URLSafeTimedSerializer | None] | None = None

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        built = self._built
        if built is None or built[0] != keys:
            built = self._built = (keys, super().get_signing_serializer(app))
        return built[1]


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """The whole web app, on `composition.build` (settings from the environment, then
    `config`); a `ConfigError` refuses unsafe settings."""
    instance = composition.default_instance_path()
    app = Flask(__name__, instance_path=instance, instance_relative_config=True)
    services = composition.build(
        composition.configure(config, instance_path=instance),
        transport_for=TwilioTransport.for_account,
    )
    app.config.from_mapping(services.config)
    hops = int(services.config["CRAMPVOICE_TRUSTED_PROXIES"])
    if hops:  # the client's address and scheme as the declared proxies saw them, no more
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    turns = TurnRecorder(services.store, services.hasher)
    app.extensions[EXTENSION] = WebServices(
        services=services, skill=Skill(on_turn=turns), turns=turns
    )
    app.register_blueprint(sms_blueprint(services))
    app.register_blueprint(voice_blueprint(services))  # /voice, /voice/status: phone calls
    skill_id = str(services.config["ALEXA_SKILL_ID"]) or None
    app.register_blueprint(alexa_blueprint(skill_id=skill_id, on_turn=turns))
    init_pages(app)
    return app


def init_pages(app: Flask) -> None:
    """The simulator, the dashboard and the login, and the public privacy and terms pages."""
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
    app.session_interface = Sessions()
    app.register_blueprint(assets)
    app.register_blueprint(auth.blueprint)
    app.register_blueprint(simulator.blueprint)
    app.register_blueprint(dashboard.blueprint)
    app.register_blueprint(legal.blueprint)  # public: /privacy, /terms
    # Guess limits, sessions, CSRF, a safe next, headers.
    security.init_app(app, expired_login=lambda: auth.login_form(expired=True))
