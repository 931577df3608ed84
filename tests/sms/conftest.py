"""Fixtures for the SMS service: the real app on a real database, and a phone that
texts it the way Twilio would: the one fake Twilio (`crampvoice_sms.fake`), whose forms
are signed with twilio's own RequestValidator."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from crampvoice.storage import Store, upgrade
from crampvoice_sms import fake
from tests.conftest import offline_settings

TOKEN = "test-auth-token-0123456789abcdef"
PUBLIC_URL = "https://cramp.example.org"
SECRET = "test-secret-key"
UK_NUMBER = "+447400123456"  # valid numbers: phonenumbers gives no region to fictional ones
US_NUMBER = "+12015550123"
TWILIO_NUMBER = "+15005550006"
ACCOUNT_SID = "AC" + "1" * 32
new_sid = fake.counting_sids()


def sign(url: str, form: dict[str, str], token: str = TOKEN) -> str:
    return fake.signature(token, url, form)


def settings(database_url: str, **extra: Any) -> dict[str, Any]:
    return offline_settings(
        database_url, token=TOKEN, public_url=PUBLIC_URL, secret=SECRET, **extra
    )


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    """A migrated, empty database (SQLite and PostgreSQL) and its store."""
    upgrade(database_url)
    store = Store(database_url)
    yield store
    store.dispose()


@pytest.fixture
def app_base_settings() -> Callable[..., dict[str, Any]]:
    return settings


class Phone:
    """One person texting the service through Twilio."""

    def __init__(self, client: FlaskClient, number: str) -> None:
        self.client = client
        self.number = number

    def form(self, body: str, **extra: str) -> dict[str, str]:
        return fake.inbound_form(
            self.number, body, to=TWILIO_NUMBER, account_sid=ACCOUNT_SID, sid=new_sid(), **extra
        )

    def post(
        self,
        form: dict[str, str],
        *,
        path: str = "/sms",
        signed_url: str | None = None,
        signature: str | None = None,
    ) -> TestResponse:
        if signature is None:
            signature = sign(signed_url or PUBLIC_URL + path, form)
        return self.client.post(path, data=form, headers={"X-Twilio-Signature": signature})

    def send(self, form: dict[str, str]) -> str | None:
        """Post a signed text; the reply's text, or None for an empty TwiML response."""
        response = self.post(form)
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.mimetype in ("application/xml", "text/xml")
        texts = fake.reply_texts(response.get_data(as_text=True))
        assert len(texts) <= 1
        return texts[0] if texts else None

    def text(self, body: str, **extra: str) -> str | None:
        return self.send(self.form(body, **extra))


@pytest.fixture
def phone(client: FlaskClient) -> Phone:
    return Phone(client, UK_NUMBER)


@pytest.fixture
def us_phone(client: FlaskClient) -> Phone:
    return Phone(client, US_NUMBER)
