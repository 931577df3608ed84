"""The app factory and its settings: working local defaults, unsafe settings refused."""

from __future__ import annotations

import subprocess
import sys

import pytest
from flask import Flask

from crampvoice import settings as config
from crampvoice_web.app import create_app
from crampvoice_web.services import services

from .conftest import Phone, settings


def test_every_setting_has_a_working_local_default() -> None:
    values = config.from_env({}, "/srv/instance")
    assert values["DATABASE_URL"] == "sqlite:////srv/instance/crampvoice.sqlite3"
    assert values["CRAMPVOICE_PUBLIC_URL"] == "http://127.0.0.1:8000"
    assert values["TWILIO_AUTH_TOKEN"] == config.LOCAL_AUTH_TOKEN
    assert values["ALEXA_SKILL_ID"] == ""  # /alexa refuses everything until it is set
    assert values["CRAMPVOICE_SMS_FAILURE_LIMIT"] == 5
    config.check(values)
    assert not config.twilio_account(values).live  # no credentials: the outbox


def test_settings_come_from_the_environment(database_url: str,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("CRAMPVOICE_SMS_RATE_LIMIT", "7")
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "from-the-environment")
    app = create_app({"TESTING": True})
    try:
        assert app.config["DATABASE_URL"] == database_url
        assert services(app).limits.replies == 7
        assert app.config["TWILIO_AUTH_TOKEN"] == "from-the-environment"
    finally:
        services(app).store.dispose()


@pytest.mark.parametrize(
    "values, problem",
    [
        ({"CRAMPVOICE_PUBLIC_URL": "https://cramp.example.org"}, "TWILIO_AUTH_TOKEN"),
        ({"CRAMPVOICE_PUBLIC_URL": "https://cramp.example.org", "TWILIO_AUTH_TOKEN": "real"},
         "CRAMPVOICE_SECRET_KEY"),
        ({"TWILIO_ACCOUNT_SID": "AC" + "0" * 32}, "TWILIO_FROM"),
        ({"CRAMPVOICE_PUBLIC_URL": "cramp.example.org"}, "CRAMPVOICE_PUBLIC_URL"),
        ({"CRAMPVOICE_SMS_RATE_LIMIT": "0"}, "CRAMPVOICE_SMS_RATE_LIMIT"),
        ({"CRAMPVOICE_SMS_FAILURE_LIMIT": "five"}, "CRAMPVOICE_SMS_FAILURE_LIMIT"),
    ],
)
def test_unsafe_or_unworkable_settings_are_refused(values: dict[str, str], problem: str) -> None:
    with pytest.raises(config.ConfigError, match=problem):
        config.check(config.from_env(values, "/srv/instance"))


def test_the_app_serves_sms_and_alexa(app: Flask) -> None:
    rules = {rule.rule for rule in app.url_map.iter_rules()}
    assert {"/sms", "/sms/status", "/alexa"} <= rules


def test_the_database_is_migrated_on_start(database_url: str, phone: Phone) -> None:
    from crampvoice.storage import current, head

    assert current(database_url) == head()
    app = create_app(settings(database_url))  # a second worker starting: nothing to do
    services(app).store.dispose()
    assert phone.text("hello") is not None


def test_the_core_and_storage_import_no_web_framework() -> None:
    code = (
        "import sys, crampvoice.engine, crampvoice.storage, crampvoice.render, crampvoice.phone\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'flask', 'werkzeug', 'twilio', 'ask_sdk_core', 'crampvoice_sms', 'crampvoice_skill'})\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
