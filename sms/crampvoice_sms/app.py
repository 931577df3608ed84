"""The web app factory: the SMS webhooks and the Alexa endpoint in one Flask app.

    crampvoice serve                      # local: Flask's server on 127.0.0.1:8000
    gunicorn -w 2 crampvoice_sms.wsgi:app # production

Settings come from the environment (see config.py), then from `config`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask
from twilio.request_validator import RequestValidator

from crampvoice.engine import Core
from crampvoice.storage import Store, upgrade
from crampvoice_skill.web import create_blueprint as alexa_blueprint
from crampvoice_sms import config as settings
from crampvoice_sms import web
from crampvoice_sms.outbound import Sender
from crampvoice_sms.privacy import NumberHasher
from crampvoice_sms.service import Conversations, Deliveries
from crampvoice_web import init_app as add_web_pages


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(settings.from_env(os.environ, app.instance_path))
    if config is not None:
        app.config.from_mapping(config)
    settings.check(app.config)

    url = str(app.config["DATABASE_URL"])
    if url.startswith("sqlite:///" + app.instance_path):
        os.makedirs(app.instance_path, exist_ok=True)
    if app.config["DATABASE_AUTO_UPGRADE"]:
        upgrade(url)
    store = Store(url)
    hasher = NumberHasher(str(app.config["CRAMPVOICE_SECRET_KEY"]))
    limits = settings.limits(app.config)
    app.extensions[web.EXTENSION] = web.SmsServices(
        store=store,
        conversations=Conversations(store, Core.default(), limits, hasher),
        deliveries=Deliveries(store, limits, hasher),
        sender=Sender(store, settings.twilio_account(app.config), hasher),
        validator=RequestValidator(str(app.config["TWILIO_AUTH_TOKEN"])),
    )
    app.register_blueprint(web.blueprint)
    app.register_blueprint(alexa_blueprint(skill_id=app.config["ALEXA_SKILL_ID"] or None))
    add_web_pages(app)  # the simulator at /, the dashboard at /dashboard (crampvoice_web)
    return app
