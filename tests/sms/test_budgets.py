"""Cost and abuse limits through the real webhook: per-number and global reply budgets,
escalations limited only far above what a person in distress sends (the first of every
window always goes), countries not served get nothing, bodies cut at 1,600 characters."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from crampvoice.storage.models import Event, Person, ReplyBudget
from crampvoice_web.services import services

from .conftest import Phone

EMERGENCY = "I have chest pain and can't breathe"


@pytest.fixture
def app_settings(request: pytest.FixtureRequest) -> dict[str, Any]:
    return {
        **getattr(request, "param", {}),
        "CRAMPVOICE_SMS_RATE_LIMIT": 3,
        "CRAMPVOICE_SMS_ESCALATION_LIMIT": 5,
        "CRAMPVOICE_SMS_GLOBAL_LIMIT": 12,
        "CRAMPVOICE_SMS_RATE_WINDOW": 3600,
    }


def test_an_emergency_flood_gets_the_escalation_limit_and_no_more(phone: Phone) -> None:
    replies = [phone.text(EMERGENCY) for _ in range(12)]
    sent = [r for r in replies if r is not None]
    assert len(sent) == 5 and all(r.startswith("Call 999 now") for r in sent)
    assert replies[:5] == sent  # the first ones, never a later one instead


def test_escalations_still_go_past_the_ordinary_limit(phone: Phone) -> None:
    for _ in range(5):
        phone.text("tips")
    assert phone.text("tips") is None
    urgent = phone.text("my calf is swollen red and hot")
    assert urgent is not None and "now" in urgent


def test_the_global_budget_stops_ordinary_replies_not_the_first_escalation(
    client: FlaskClient,
) -> None:
    numbers = ["+447400123401", "+447400123402", "+447400123403", "+447400123404"]
    for number in numbers:
        for _ in range(3):
            assert Phone(client, number).text("tips") is not None  # 12: the global budget
    late = Phone(client, "+447400123499")
    assert late.text("tips") is None
    first = late.text(EMERGENCY)
    assert first is not None and first.startswith("Call 999 now")
    assert late.text(EMERGENCY) is None  # past the global budget: only the first


def test_budgets_are_kept_by_hash_not_by_number(app: Flask, phone: Phone) -> None:
    phone.text("tips")
    with services(app).store.transaction() as session:
        keys = set(session.scalars(select(ReplyBudget.key)))
    assert keys == {"*", services(app).hasher(phone.number)}
    assert all(phone.number not in key for key in keys)


@pytest.mark.parametrize("number", ["+882123456789", "+22507123456", "+5511987654321"])
def test_countries_not_served_get_nothing_and_nothing_is_stored(
    app: Flask, client: FlaskClient, number: str
) -> None:
    assert Phone(client, number).text(EMERGENCY) is None
    with services(app).store.transaction() as session:
        assert session.scalar(select(func.count()).select_from(Person)) == 0
        assert session.scalar(select(func.count()).select_from(Event)) == 0


@pytest.mark.parametrize("app_settings", [{"CRAMPVOICE_SMS_COUNTRIES": "*"}], indirect=True)
def test_every_country_when_configured(client: FlaskClient) -> None:
    reply = Phone(client, "+5511987654321").text(EMERGENCY)
    assert reply is not None and "emergency" in reply.lower()


@pytest.mark.parametrize("app_settings", [{"CRAMPVOICE_SMS_COUNTRIES": "GB"}], indirect=True)
def test_a_configured_list_is_the_only_one(client: FlaskClient, phone: Phone) -> None:
    assert phone.text("tips") is not None
    assert Phone(client, "+12015550123").text("tips") is None


def test_a_body_past_1600_characters_is_cut_before_parsing(phone: Phone) -> None:
    reply = phone.text("x " * 799 + "I have chest pain and can't breathe")
    assert reply is not None and not reply.startswith("Call 999")  # past the cut: unread
    reply = phone.text(EMERGENCY + " " + "x" * 60_000)
    assert reply is not None and reply.startswith("Call 999 now")


# --------------------------------------------------------------------------- erasure abuse


def rows_about(app: Flask, number: str) -> int:
    from crampvoice.storage import repository

    with services(app).store.transaction() as session:
        return repository.rows_about(session, number)


def test_the_delete_erase_cycle_does_not_reset_the_limit(app: Flask, phone: Phone) -> None:
    replies = []
    for _ in range(20):
        replies += [phone.text("DELETE"), phone.text("ERASE")]
    sent = [r for r in replies if r is not None]
    assert len(sent) <= 2 * 3  # the limit is 3: never 40 replies
    assert rows_about(app, phone.number) == 0  # and every erasure was still done
    assert phone.text("tips") is None  # the limit still holds after all those erasures


def test_delete_after_stop_erases_and_keeps_the_opt_out(app: Flask, phone: Phone) -> None:
    phone.text("cramp")
    assert phone.text("STOP") is not None
    done = phone.text("DELETE")
    assert done is not None and "erased" in done
    assert rows_about(app, phone.number) == 1  # only the opt-out: never text this number
    assert phone.text("tips") is None  # still stopped


def test_delete_over_the_limit_is_honoured(app: Flask, phone: Phone) -> None:
    for _ in range(5):
        phone.text("tips")
    assert phone.text("DELETE") is None  # no reply left in the budget, but...
    assert rows_about(app, phone.number) == 0  # ...the erasure is done


def test_natural_opt_outs_stop_everything(app: Flask, client: FlaskClient) -> None:
    from crampvoice.storage import repository

    for n, words in enumerate(["stop please", "Quit texting!", "remove me", "opt out"]):
        phone = Phone(client, f"+4474001234{n:02d}")
        phone.text("hello")
        reply = phone.text(words)
        assert reply is not None and "START" in reply
        with services(app).store.transaction() as session:
            assert repository.is_stopped(session, phone.number)
