"""POST /sms: signed texts get the core's replies as TwiML; forged ones get 403."""

from __future__ import annotations

import logging
import threading

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from crampvoice import gsm, render
from crampvoice.composition import Services as SmsServices
from crampvoice.engine import Core
from crampvoice.state import State
from crampvoice.storage.models import Person, ProcessedMessage

from .conftest import PUBLIC_URL, SECRET, UK_NUMBER, Phone, sign


def core_says(text: str, *, state: State | None = None, locale: str = "en-GB") -> str:
    return render.sms(Core.default().respond(text, state=state or State(), locale=locale))


def stored_rows(sms: SmsServices) -> int:
    with sms.store.transaction() as session:
        people = session.scalar(select(func.count()).select_from(Person)) or 0
        messages = session.scalar(select(func.count()).select_from(ProcessedMessage)) or 0
    return people + messages


# --------------------------------------------------------------------------- replies


def test_a_cramp_gets_the_relief_steps_for_the_senders_country(
    phone: Phone, us_phone: Phone
) -> None:
    assert phone.text("i have a cramp") == core_says("i have a cramp", locale="en-GB")
    assert us_phone.text("i have a cramp") == core_says("i have a cramp", locale="en-US")


def test_the_conversation_continues_per_number(phone: Phone, us_phone: Phone) -> None:
    first = Core.default().respond("cramp", locale="en-GB")
    assert phone.text("cramp") == render.sms(first)
    assert us_phone.text("hello") == core_says("hello", locale="en-US")
    second = Core.default().respond("next", state=first.state, locale="en-GB")
    assert phone.text("next") == render.sms(second)
    assert second.state.step == 1


def test_an_emergency_gets_the_escalation(phone: Phone) -> None:
    reply = phone.text("I have chest pain and can't breathe")
    assert reply is not None and reply.startswith("Call 999 now")


def test_help_and_info_name_the_commands_costs_and_how_to_stop(phone: Phone) -> None:
    for word in ("HELP", "info"):
        reply = phone.text(word)
        assert reply is not None
        for expected in ("CRAMP", "TIPS", "STOP", "Msg & data rates may apply"):
            assert expected in reply


@pytest.mark.parametrize(
    "body, extra",
    [
        pytest.param("\U0001f62d\U0001f9b5", {}, id="emoji"),
        pytest.param("my leg " * 285 + "x" * 5, {}, id="2000-characters"),
        pytest.param("", {}, id="empty"),
        pytest.param("   \n ", {}, id="blank"),
        pytest.param("", {"NumMedia": "1", "MediaUrl0": "https://api.twilio.com/m/1.jpg",
                          "MediaContentType0": "image/jpeg"}, id="mms-without-text"),
        pytest.param("\u201ccramp\u201d \u2014 help\u2026", {}, id="curly-quotes"),
        pytest.param("\x00\ud7ff", {}, id="control-characters"),
    ],
)
def test_odd_messages_get_a_helpful_reply(phone: Phone, body: str, extra: dict[str, str]) -> None:
    reply = phone.text(body, **extra)
    assert reply and gsm.is_gsm7(reply)
    assert reply == core_says(body)
    if not body.strip() or body.startswith("\U0001f62d"):
        assert "Text CRAMP for relief steps" in reply  # the core's fallback: what to text


def test_every_reply_is_gsm7_within_two_segments(phone: Phone) -> None:
    for body in ("cramp", "next", "next", "next", "next", "tips", "why", "stretch",
                 "is magnesium safe", "my leg is swollen", "thanks", "hello"):
        reply = phone.text(body)
        assert reply is not None
        render.check_sms(reply)
        assert gsm.segments(reply) <= 2


# --------------------------------------------------------------------------- signatures


def test_an_unsigned_request_is_refused_and_nothing_is_stored(
    phone: Phone, client: FlaskClient, sms: SmsServices
) -> None:
    response = client.post("/sms", data=phone.form("i have a cramp"))
    assert response.status_code == 403
    assert stored_rows(sms) == 0


def test_a_tampered_request_is_refused(phone: Phone, sms: SmsServices) -> None:
    form = phone.form("hello")
    signature = sign(PUBLIC_URL + "/sms", form)
    tampered = {**form, "Body": "STOP"}
    assert phone.post(tampered, signature=signature).status_code == 403
    wrong_token = sign(PUBLIC_URL + "/sms", form, token="wrong")
    assert phone.post(form, signature=wrong_token).status_code == 403
    assert phone.post(form, signature="").status_code == 403
    assert stored_rows(sms) == 0


def test_signatures_are_checked_against_the_public_url_not_the_internal_one(phone: Phone) -> None:
    # Behind a proxy the app sees http://localhost/sms; Twilio signed the public URL.
    form = phone.form("hello")
    assert phone.post(form, signed_url="http://localhost/sms").status_code == 403
    assert phone.post(form, signed_url=PUBLIC_URL + "/sms").status_code == 200
    with_port = phone.form("hello")
    assert phone.post(with_port, signed_url="https://cramp.example.org:443/sms").status_code == 200


def test_the_query_string_is_part_of_the_signed_url(phone: Phone, client: FlaskClient) -> None:
    form = phone.form("hello")
    signature = sign(PUBLIC_URL + "/sms?source=twilio", form)
    headers = {"X-Twilio-Signature": signature}
    assert client.post("/sms?source=twilio", data=form, headers=headers).status_code == 200
    form = phone.form("hello")
    headers = {"X-Twilio-Signature": sign(PUBLIC_URL + "/sms?source=twilio", form)}
    assert client.post("/sms?source=other", data=form, headers=headers).status_code == 403


@pytest.mark.parametrize("missing", ["From", "MessageSid"])
def test_a_signed_form_without_sender_or_sid_is_a_bad_request(
    phone: Phone, sms: SmsServices, missing: str
) -> None:
    form = phone.form("hello")
    del form[missing]
    form.pop("Sms" + missing, None)  # Twilio sends the sid twice, as SmsMessageSid too
    response = phone.post(form)
    assert response.status_code == 400
    assert stored_rows(sms) == 0


def test_wrong_method_and_oversized_bodies_are_refused_without_a_500(
    phone: Phone, client: FlaskClient
) -> None:
    assert client.get("/sms").status_code == 405
    form = phone.form("x" * 100_000)
    assert phone.post(form).status_code == 413


# --------------------------------------------------------------------------- retries


def test_a_repeated_message_sid_gets_the_same_reply_and_does_nothing_new(phone: Phone) -> None:
    phone.text("cramp")
    step_two = phone.form("next")
    first = phone.send(step_two)
    assert phone.send(step_two) == first  # Twilio's retry
    third = phone.text("next")
    state = State(guide="relief", step=1)
    assert third == core_says("next", state=state)  # step 3, not step 4


def test_concurrent_duplicates_act_once(client: FlaskClient, phone: Phone) -> None:
    phone.text("cramp")
    form = phone.form("next")
    signature = sign(PUBLIC_URL + "/sms", form)
    replies: list[str] = []

    def post() -> None:
        app_client = client.application.test_client()
        response = app_client.post("/sms", data=form, headers={"X-Twilio-Signature": signature})
        replies.append(response.get_data(as_text=True))

    threads = [threading.Thread(target=post) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(replies) == 6 and len(set(replies)) == 1
    assert phone.text("next") == core_says("next", state=State(guide="relief", step=1))


# --------------------------------------------------------------------------- privacy


def test_phone_numbers_are_logged_only_as_a_keyed_hash(
    phone: Phone, caplog: pytest.LogCaptureFixture
) -> None:
    from crampvoice.hashing import NumberHasher

    caplog.set_level(logging.DEBUG)
    phone.text("cramp")
    phone.text("STOP")
    phone.text("HELP")
    phone.post(phone.form("forged"), signature="nope")
    assert NumberHasher(SECRET)(UK_NUMBER) in caplog.text
    assert UK_NUMBER not in caplog.text and UK_NUMBER[1:] not in caplog.text
    assert "7400 123456" not in caplog.text and "7400123456" not in caplog.text


def test_delete_erases_everything_after_a_confirmation(phone: Phone, sms: SmsServices) -> None:
    from crampvoice.storage import repository

    phone.text("cramp")
    asked = phone.text("DELETE")
    assert asked is not None and "Reply ERASE" in asked
    with sms.store.transaction() as session:
        assert repository.rows_about(session, UK_NUMBER) > 0
    again = phone.text("YES")  # a bare YES is not the confirmation: the question again
    assert again is not None and "Reply ERASE" in again
    with sms.store.transaction() as session:
        assert repository.rows_about(session, UK_NUMBER) > 0
    confirm = phone.form("ERASE")
    done = phone.send(confirm)
    assert done is not None and "erased" in done
    with sms.store.transaction() as session:
        assert repository.rows_about(session, UK_NUMBER) == 0
    assert phone.send(confirm) == done  # a retry of the confirmation: same reply
    with sms.store.transaction() as session:
        assert repository.rows_about(session, UK_NUMBER) == 0


def test_delete_then_no_keeps_everything(phone: Phone, sms: SmsServices) -> None:
    from crampvoice.storage import repository

    phone.text("cramp")
    phone.text("delete my data")
    kept = phone.text("no")
    assert kept is not None and "nothing has been erased" in kept
    with sms.store.transaction() as session:
        assert repository.rows_about(session, UK_NUMBER) > 0
