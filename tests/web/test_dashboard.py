"""The operator's dashboard: counts that move with what people do, and nothing that
identifies anyone (no numbers, no text only one person sent). On SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine

from crampvoice.composition import Services as SmsServices
from crampvoice.storage import repository, stats
from crampvoice_sms import fake
from tests.web.test_simulator import Voice, text


def numbers(client: FlaskClient, days: int = 14) -> dict[str, Any]:
    response = client.get(f"/dashboard/stats.json?days={days}")
    assert response.status_code == 200
    data: dict[str, Any] = response.get_json()
    return data


def kpi(html: str, name: str) -> int:
    found = re.search(rf'id="kpi-{name}">(\d+)<', html)
    assert found, name
    return int(found.group(1))


def test_an_empty_service_shows_zeros(client: FlaskClient) -> None:
    page = client.get("/dashboard")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert kpi(html, "conversations") == 0 and kpi(html, "escalations") == 0
    assert "<svg" in html and "https://" not in html
    assert len(numbers(client)["days"]) == 14
    assert len(numbers(client, days=7)["days"]) == 7
    assert len(numbers(client, days=12345)["days"]) == 14  # not a period offered: the default


def test_counts_move_with_texts_and_voice_turns(app: Flask, client: FlaskClient) -> None:
    phone_a, phone_b = app.test_client(), app.test_client()
    text(phone_a, "I have a cramp", "GB")
    text(phone_a, "next", "GB")
    text(phone_b, "my calf is swollen and I can't breathe", "US")
    voice = Voice(app.test_client())
    voice.launch()
    voice.say("I have a cramp")

    data = numbers(client)
    assert data["conversations"] == {"sms": 2, "voice": 1}
    assert data["turns"] == {"sms": 3, "voice": 2}
    assert data["escalations"]["emergency"] == 1
    assert data["escalations_by_channel"]["emergency"] == {"sms": 1, "voice": 0}
    intents = {item["intent"]: item["by_channel"] for item in data["top_intents"]}
    assert intents["relief_now"] == {"sms": 1, "voice": 1}
    assert intents["launch"] == {"sms": 0, "voice": 1}
    assert data["days"][-1]["conversations"] == {"sms": 2, "voice": 1}

    html = client.get("/dashboard").get_data(as_text=True)
    assert kpi(html, "conversations-sms") == 2 and kpi(html, "conversations-voice") == 1
    assert kpi(html, "emergency") == 1
    assert 'data-intent="relief_now"' in html


def test_unanswered_texts_show_only_what_several_people_sent(
    app: Flask, client: FlaskClient
) -> None:
    one, two, three = (app.test_client() for _ in range(3))
    text(one, "Can I paint the nursery?")
    text(two, "can I paint the nursery?")
    text(three, "my neighbour Jo Bloggs at 12 Acacia Avenue keeps calling")
    data = numbers(client)
    assert data["unanswered_total"] == 3
    assert data["unanswered_shown"] == [
        {"text": "can i paint the nursery?", "senders": 2, "times": 2}
    ]
    assert data["unanswered_hidden"] == 1
    html = client.get("/dashboard").get_data(as_text=True)
    assert "can i paint the nursery?" in html
    assert "Bloggs" not in html and "Acacia" not in html


def test_the_same_person_twice_is_not_several_people(app: Flask, client: FlaskClient) -> None:
    phone = app.test_client()
    text(phone, "Can I paint the nursery?")
    text(phone, "Can I paint the nursery?")
    data = numbers(client)
    assert data["unanswered_shown"] == [] and data["unanswered_hidden"] == 1


def test_the_dashboard_holds_no_phone_number_nor_its_hash(
    app: Flask, client: FlaskClient, sms: SmsServices
) -> None:
    senders = [text(app.test_client(), "hello there", c)["number"] for c in ("GB", "US", "IN")]
    text(app.test_client(), "STOP", "GB")
    page = client.get("/dashboard").get_data(as_text=True)
    data = client.get("/dashboard/stats.json").get_data(as_text=True)
    for number in senders:
        hashed = sms.hasher(number)
        for shown in (page, data):
            assert number not in shown and number[1:] not in shown and number[-7:] not in shown
            assert hashed not in shown and hashed[2:] not in shown


def test_opt_outs_and_delivery_failures_are_counted(app: Flask, client: FlaskClient) -> None:
    stopper = app.test_client()
    text(stopper, "STOP", "GB")
    failing = text(app.test_client(), "hello", "US")["number"]
    form = fake.status_form("SM" + "f" * 32, failing, "undelivered", "30003")
    status = fake.for_config(app.test_client(), app.config).post("/sms/status", form)
    assert status.status_code == 204
    data = numbers(client)
    assert (data["opt_outs"], data["opt_outs_new"]) == (1, 1)
    assert data["opt_outs_by_source"] == {"keyword": 1}
    assert data["delivery_failures"] == 1
    assert data["delivery_failures_by_error"] == {"30003": 1}
    html = client.get("/dashboard").get_data(as_text=True)
    assert kpi(html, "opt-outs") == 1 and kpi(html, "failures") == 1
    assert "STOP keyword" in html and "30003" in html


def test_numbers_stopped_now_follow_every_way_in_and_out(
    app: Flask, client: FlaskClient
) -> None:
    stoppers = [app.test_client() for _ in range(3)]
    for stopper in stoppers:
        text(stopper, "STOP", "GB")
    text(stoppers[0], "START", "GB")  # back in: no longer stopped
    failing = text(app.test_client(), "hello", "US")["number"]
    form = fake.status_form("SM" + "e" * 32, failing, "undelivered", "21610")
    assert fake.for_config(app.test_client(), app.config).post("/sms/status", form).status_code
    erased = app.test_client()
    text(erased, "STOP", "US")
    text(erased, "DELETE", "US")
    text(erased, "ERASE", "US")  # erased, but still stopped: the record that it must not be texted
    data = numbers(client)
    assert data["opt_outs_by_source"] == {"keyword": 3, "21610": 1}
    assert data["opt_outs"] == 4


def test_active_bedtime_subscriptions(app: Flask, client: FlaskClient) -> None:
    if not hasattr(repository, "count_active_subscriptions"):  # before bedtime by SMS lands
        assert numbers(client)["active_subscriptions"] is None
        return
    assert numbers(client)["active_subscriptions"] == 0
    phone = app.test_client()
    text(phone, "BEDTIME 9:30pm", "US")
    assert numbers(client)["active_subscriptions"] == 1
    html = client.get("/dashboard").get_data(as_text=True)
    assert kpi(html, "subscriptions") == 1
    text(phone, "STOP", "US")
    assert numbers(client)["active_subscriptions"] == 0


def test_subscriptions_are_unknown_without_their_table(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.orm import Session

    monkeypatch.delattr(repository, "count_active_subscriptions", raising=False)
    engine = create_engine(f"sqlite:///{tmp_path / 'empty.sqlite3'}")
    with Session(engine) as session:
        assert stats.active_subscriptions(session) is None
        session.connection().exec_driver_sql(
            "CREATE TABLE subscriptions (id INTEGER PRIMARY KEY, active BOOLEAN)"
        )
        session.connection().exec_driver_sql(
            "INSERT INTO subscriptions (active) VALUES (1), (1), (0)"
        )
        assert stats.active_subscriptions(session) == 2
    engine.dispose()


def test_days_are_counted_in_their_own_day(app: Flask, client: FlaskClient,
                                           sms: SmsServices) -> None:
    now = repository.utcnow()
    with sms.store.transaction() as session:
        for days_ago in (0, 0, 3, 20):
            repository.record_event(
                session, channel="voice", intent="relief_now", triage="none", locale="en-US",
                answered=True, at=now - timedelta(days=days_ago), sender=f"s{days_ago}",
            )
    data = numbers(client, days=7)
    per_day = [day["turns"]["voice"] for day in data["days"]]
    assert per_day[-1] == 2 and per_day[-4] == 1 and sum(per_day) == 3
    assert data["conversations"]["voice"] == 2  # s0 twice is one conversation
    assert sum(day["turns"]["voice"] for day in numbers(client, days=30)["days"]) == 4


def test_escalations_are_urgent_and_emergency_and_routine_is_counted_apart(
    app: Flask, client: FlaskClient
) -> None:
    from crampvoice.storage.models import Event
    from crampvoice_web.services import services

    with services(app).store.transaction() as session:
        for triage in ("emergency", "urgent", "urgent", "routine", "routine", "routine", "none"):
            session.add(Event(at=repository.utcnow(), channel="sms", intent="when_to_get_help",
                              triage=triage, locale="en-GB", answered=True))
    data = numbers(client)
    assert data["escalations"] == {"emergency": 1, "urgent": 2}
    assert data["routine"] == 3 and data["routine_by_channel"] == {"sms": 3, "voice": 0}
    html = client.get("/dashboard").get_data(as_text=True)
    assert kpi(html, "escalations") == 3 and kpi(html, "routine") == 3
