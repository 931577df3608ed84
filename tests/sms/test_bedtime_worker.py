"""The nightly prompt through the SMS adapter's sender: Twilio's REST API when there are
credentials (stubbed with `responses`), the outbox and the log without them; and STOP
or BEDTIME OFF arriving after the worker claimed tonight's send: it does not go."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
import requests
import responses
from flask import Flask

from crampvoice import settings as config
from crampvoice.composition import Services as SmsServices
from crampvoice.content import library
from crampvoice.storage import repository
from crampvoice.worker import Dispatcher
from crampvoice_web.services import services

from .conftest import PUBLIC_URL, US_NUMBER, Phone
from .test_outbound import LIVE, MESSAGES, sent_form

PROMPTS = library().get("en-US").reminders


def due_at(sms: SmsServices) -> datetime:
    with sms.store.transaction() as session:
        found = repository.subscription(session, US_NUMBER)
    assert found is not None and found.next_send_at is not None
    return found.next_send_at


def worker_at(app: Flask, sms: SmsServices) -> Dispatcher:
    """The app's worker with its clock just after the next prompt fell due."""
    moment = due_at(sms) + timedelta(seconds=5)
    return services(app).dispatcher(clock=lambda: moment)


def sends(sms: SmsServices) -> list[tuple[str, str | None]]:
    with sms.store.transaction() as session:
        return [(s.status, s.sid) for s in repository.sends(session, US_NUMBER)]


def outbox(sms: SmsServices) -> list[tuple[str, str, bool]]:
    with sms.store.transaction() as session:
        return [(m.status, m.body, m.scheduled) for m in repository.outbox(session, US_NUMBER)]


@pytest.mark.parametrize("app_settings", [LIVE], indirect=True)
def test_the_prompt_goes_through_twilio_once(
    app: Flask, sms: SmsServices, us_phone: Phone
) -> None:
    us_phone.text("BEDTIME 9:30pm")
    worker = worker_at(app, sms)
    with responses.RequestsMock() as twilio:
        twilio.post(MESSAGES, json={"sid": "SM" + "e" * 32, "status": "queued"}, status=201)
        assert worker.drain() == {"sent": 1}
        assert worker.drain() == {}  # nothing more tonight
        [call] = twilio.calls
    form = sent_form(call)
    assert form["To"] == US_NUMBER and form["Body"] == PROMPTS[0]
    assert form["StatusCallback"] == PUBLIC_URL + "/sms/status"
    assert sends(sms) == [("sent", "SM" + "e" * 32)]
    assert outbox(sms) == [("sent", PROMPTS[0], True)]


def test_without_credentials_the_prompt_waits_in_the_outbox_and_the_log(
    app: Flask, sms: SmsServices, us_phone: Phone, caplog: pytest.LogCaptureFixture
) -> None:
    us_phone.text("BEDTIME 9:30pm")
    caplog.set_level(logging.INFO)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as twilio:
        assert worker_at(app, sms).drain() == {"queued": 1}
        assert len(twilio.calls) == 0
    assert outbox(sms) == [("queued", PROMPTS[0], True)]
    assert sends(sms) == [("queued", None)]
    assert any("outbox" in record.getMessage() for record in caplog.records)
    assert US_NUMBER not in caplog.text  # numbers are never logged in clear


@pytest.mark.parametrize("app_settings", [LIVE], indirect=True)
@pytest.mark.parametrize("between", ["STOP", "BEDTIME OFF"])
def test_a_stop_between_claim_and_send_means_no_send(
    app: Flask, sms: SmsServices, us_phone: Phone, between: str
) -> None:
    us_phone.text("BEDTIME 9:30pm")
    worker = worker_at(app, sms)
    batch = worker.claim()
    assert len(batch.claims) == 1
    us_phone.text(between)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as twilio:
        assert worker.deliver(batch) == {"blocked": 1}
        assert len(twilio.calls) == 0
    assert sends(sms) == [("blocked", None)] and outbox(sms) == []


@pytest.mark.parametrize("app_settings", [LIVE], indirect=True)
@pytest.mark.parametrize(
    ("failure", "status"),
    [
        ({"body": requests.Timeout("read timed out")}, "unknown"),
        ({"status": 500, "json": {"code": 20500, "message": "Internal Server Error"}}, "failed"),
    ],
)
def test_a_prompt_that_may_have_gone_through_is_not_sent_again(
    app: Flask, sms: SmsServices, us_phone: Phone, failure: dict[str, object], status: str
) -> None:
    us_phone.text("BEDTIME 9:30pm")
    tonight = due_at(sms)
    with responses.RequestsMock() as twilio:
        twilio.post(MESSAGES, **failure)  # type: ignore[arg-type]
        assert worker_at(app, sms).drain() == {status: 1}
        later = tonight + timedelta(minutes=20)  # a second run the same evening
        assert services(app).dispatcher(clock=lambda: later).drain() == {}
        assert len(twilio.calls) == 1
    assert sends(sms) == [(status, None)]


@pytest.mark.parametrize("app_settings", [LIVE], indirect=True)
def test_error_21610_stops_the_number_and_its_prompts(
    app: Flask, sms: SmsServices, us_phone: Phone
) -> None:
    us_phone.text("BEDTIME 9:30pm")
    first = due_at(sms)
    with responses.RequestsMock() as twilio:
        twilio.post(MESSAGES, status=400, json={"code": 21610, "message": "unsubscribed"})
        assert worker_at(app, sms).drain() == {"failed": 1}
    with sms.store.transaction() as session:
        assert repository.is_stopped(session, US_NUMBER)
        assert repository.count_active_subscriptions(session) == 0
    with responses.RequestsMock(assert_all_requests_are_fired=False) as twilio:
        assert services(app).dispatcher(clock=lambda: first + timedelta(days=1)).drain() == {}
        assert len(twilio.calls) == 0


def test_the_worker_runs_in_serve_only_where_it_should() -> None:
    def config_for(**values: str) -> dict[str, object]:
        return config.from_env(values, "/srv/instance")

    inside: Callable[[dict[str, object]], bool] = config.worker_in_serve
    assert inside(config_for())  # the local default: SQLite
    assert not inside(config_for(DATABASE_URL="postgresql://db/crampvoice"))
    assert inside(config_for(DATABASE_URL="postgresql://db/crampvoice", CRAMPVOICE_WORKER="on"))
    assert not inside(config_for(CRAMPVOICE_WORKER="off"))


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        ({"CRAMPVOICE_SEND_WINDOW": "9pm-late"}, "CRAMPVOICE_SEND_WINDOW"),
        ({"CRAMPVOICE_SEND_WINDOW": "21:00-08:00"}, "CRAMPVOICE_SEND_WINDOW"),
        ({"CRAMPVOICE_SEND_RATE": "fast"}, "CRAMPVOICE_SEND_RATE"),
        ({"CRAMPVOICE_SEND_RATE": "-1"}, "CRAMPVOICE_SEND_RATE"),
        ({"CRAMPVOICE_SEND_LATE_MINUTES": "0"}, "CRAMPVOICE_SEND_LATE_MINUTES"),
        ({"CRAMPVOICE_WORKER": "sometimes"}, "CRAMPVOICE_WORKER"),
    ],
)
def test_unworkable_bedtime_settings_are_refused(values: dict[str, str], problem: str) -> None:
    with pytest.raises(config.ConfigError, match=problem):
        config.check(config.from_env(values, "/srv/instance"))
