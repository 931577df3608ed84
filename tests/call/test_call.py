"""Calls to /voice with signed Twilio requests: the greeting, speech and keypad, the steps
with next/repeat/back, silence, red flags mid-call, the hang-up callback, forged and
malformed requests. Every TwiML answer is checked by `check_twiml` (conftest)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from crampvoice.composition import Services
from crampvoice.storage.models import Call, Event
from crampvoice_sms import fake
from tests.call.conftest import MATERNITY_LINE, Caller
from tests.sms.conftest import PUBLIC_URL, TOKEN, UK_NUMBER

GREETING = "If you have a cramp now, straighten your leg and pull your toes up."


def calls_stored(sms: Services, sid: str | None = None) -> int:
    with sms.store.transaction() as db:
        query = select(func.count()).select_from(Call)
        if sid is not None:
            query = query.where(Call.sid == sid)
        return int(db.scalar(query) or 0)


def test_the_greeting_starts_with_the_help_and_listens_for_speech_and_keys(
    caller: Caller,
) -> None:
    root = caller.twiml()
    gather = root.find("Gather")
    assert gather is not None
    assert gather.attrib["input"] == "speech dtmf"
    assert gather.attrib["speechTimeout"] == "auto"
    assert gather.attrib["language"] == "en-GB"  # a UK number: UK English
    assert "next" in gather.attrib["hints"] and "cramp" in gather.attrib["hints"]
    said = fake.spoken(caller.last)
    assert said[0].startswith(GREETING)
    assert "Or tell me what's happening." in said[0]
    assert "press 1 for relief steps, 2 for prevention, 3 for bedtime tips, or 9" in said[-1]
    # Barge-in: everything said is inside the <Gather>, so speaking or a key interrupts it.
    assert root.find("Say") is None and len(gather.findall("Say")) == len(said)


def test_speech_gets_the_spoken_answer(caller: Caller) -> None:
    caller.twiml()
    said = caller.hear(speech="how can I prevent leg cramps")
    assert any("stretch" in s.lower() for s in said)
    assert caller.listening


def test_keypad_menu(caller: Caller) -> None:
    caller.twiml()
    assert caller.hear(digits="1")[0].startswith("Straighten your leg")
    caller.hear(digits="0")
    assert "stretch your calves" in " ".join(caller.hear(digits="2")).lower()
    assert "bedtime" in " ".join(caller.hear(digits="3")).lower()
    danger = " ".join(caller.hear(digits="9")).lower()
    assert "9 9 9" in danger


def test_steps_with_next_repeat_and_back_by_voice_and_keys(caller: Caller) -> None:
    caller.twiml()
    first = caller.hear(speech="I have a cramp in my calf right now")
    assert any("Keep your leg straight" in s for s in first)
    root = caller.twiml(digits="6")  # next
    step2 = fake.spoken(caller.last)
    assert step2[0].startswith("Now rub your calf")
    pauses = [int(p.attrib["length"]) for p in root.iter("Pause")]
    assert sum(pauses) == 20 and max(pauses) <= 10  # the 20-second hold, counted out
    assert "press 6 for the next step, 5 to repeat, or 4 to go back" in step2[-1]
    assert caller.hear(speech="repeat")[0].startswith("Now rub your calf")
    assert caller.hear(digits="5")[0].startswith("Now rub your calf")
    assert caller.hear(speech="go back")[0].startswith("Keep your leg straight")
    assert caller.hear(digits="6")[0].startswith("Now rub your calf")
    assert caller.hear(speech="next")[0].startswith("Stand up")
    assert caller.hear(digits="4")[0].startswith("Now rub your calf")
    caller.hear(digits="6")
    caller.hear(digits="6")
    done = caller.hear(digits="6")
    assert done[0].startswith("That's all the steps")
    assert any("press 7" in s for s in done)  # the steps by text, offered at the end


def test_silence_once_asks_again_and_twice_ends_politely_with_the_safety_line(
    caller: Caller,
) -> None:
    caller.twiml()
    again = caller.hear()
    assert again[0].startswith("Sorry, I didn't hear anything")
    assert caller.listening
    bye = caller.hear()
    assert caller.hung_up and not caller.listening
    assert "call 9 9 9 straight away" in bye[-1]


def test_input_between_silences_starts_the_count_again(caller: Caller) -> None:
    caller.twiml()
    caller.hear()
    caller.hear(digits="2")
    caller.hear()
    assert caller.listening


def test_a_red_flag_said_mid_call_leads_the_reply_with_the_reason(caller: Caller) -> None:
    caller.twiml()
    caller.hear(digits="1")
    caller.hear(digits="6")
    said = caller.hear(speech="my calf is swollen and I can't breathe")
    assert said[0].startswith("Call 9 9 9 now.")
    assert "breath" in said[0].lower() or "clot" in said[0].lower()  # why, in plain words
    assert any(s.startswith("Please hang up now and call 9 9 9") for s in said)
    assert caller.hung_up
    assert "Dial" not in caller.last  # never dials an emergency number itself


def test_the_safety_question_by_voice_and_keypad(caller: Caller) -> None:
    caller.twiml()
    asked = caller.hear(speech="I have a headache")
    assert any("yes or no" in s.lower() for s in asked)
    assert any("press 1 for yes, 2 for no" in s for s in asked)
    said = caller.hear(digits="1")
    assert said[0].startswith(("Call 9 9 9 now", "Contact "))


def test_urgent_without_a_line_says_to_hang_up_and_call(caller: Caller) -> None:
    caller.twiml()
    said = caller.hear(speech="my calf is swollen and red")
    assert said[0].startswith("Contact the maternity triage number in your notes now")
    assert "Please hang up now and make that call." in said
    assert caller.hung_up


@pytest.mark.parametrize(
    "app_settings", [{"CRAMPVOICE_MATERNITY_LINE": MATERNITY_LINE}], indirect=True
)
def test_urgent_offers_the_operators_maternity_line(caller: Caller) -> None:
    caller.twiml()
    said = caller.hear(speech="my calf is swollen and red")
    assert said[0].startswith("Contact the maternity triage number in your notes now")
    assert any("press 1 or say connect me" in s for s in said)
    root = caller.twiml(digits="1")
    dial = root.find("Dial")
    assert dial is not None and (dial.text or "").strip() == MATERNITY_LINE
    after = caller.hear(DialCallStatus="no-answer")
    assert "If you couldn't get through" in after[0] and caller.hung_up


@pytest.mark.parametrize(
    "app_settings", [{"CRAMPVOICE_MATERNITY_LINE": MATERNITY_LINE}], indirect=True
)
def test_the_line_is_offered_by_voice_too_and_a_red_flag_still_wins(caller: Caller) -> None:
    caller.twiml()
    caller.hear(speech="my calf is swollen and red")
    said = caller.hear(speech="I can't breathe and my chest hurts")
    assert said[0].startswith("Call 9 9 9 now.") and caller.hung_up
    other = Caller(caller.call.twilio.client, UK_NUMBER)
    other.twiml()
    other.hear(speech="my calf is swollen and red")
    root = other.twiml(speech="yes connect me")
    assert root.find("Dial") is not None


def test_hang_up_status_callback_deletes_the_call_state(caller: Caller, sms: Services) -> None:
    caller.twiml()
    caller.hear(digits="1")
    assert calls_stored(sms, caller.sid) == 1
    assert caller.call.hang_up("ringing").status_code == 204
    assert calls_stored(sms, caller.sid) == 1
    assert caller.call.hang_up("completed").status_code == 204
    assert calls_stored(sms, caller.sid) == 0


def test_calls_are_logged_without_the_number(
    caller: Caller, sms: Services, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO")
    caller.twiml()
    caller.hear(digits="1")
    caller.call.hang_up()
    assert "call CA" in caplog.text
    assert UK_NUMBER not in caplog.text and UK_NUMBER[1:] not in caplog.text
    with sms.store.transaction() as db:
        stored = [(c.caller, c.sid) for c in db.scalars(select(Call))]
        events = db.scalars(select(Event).where(Event.channel == "call")).all()
    assert all(UK_NUMBER not in value for row in stored for value in row)
    assert events and all(e.sender and e.sender.startswith("n:") for e in events)


def test_a_forged_request_is_refused(client: FlaskClient, sms: Services) -> None:
    form = fake.call_form(UK_NUMBER, fake.new_call_sid())
    assert client.post("/voice", data=form).status_code == 403
    wrong = {"X-Twilio-Signature": fake.signature("not-the-token", PUBLIC_URL + "/voice", form)}
    assert client.post("/voice", data=form, headers=wrong).status_code == 403
    elsewhere = {"X-Twilio-Signature": fake.signature(TOKEN, PUBLIC_URL + "/sms", form)}
    assert client.post("/voice", data=form, headers=elsewhere).status_code == 403
    signed = fake.signed_headers(TOKEN, PUBLIC_URL + "/voice", form)
    tampered = {**form, "Digits": "9"}
    assert client.post("/voice", data=tampered, headers=signed).status_code == 403
    status = fake.call_status_form(UK_NUMBER, form["CallSid"])
    assert client.post("/voice/status", data=status).status_code == 403
    assert calls_stored(sms) == 0


def post_signed(client: FlaskClient, path: str, form: dict[str, str]) -> Any:
    headers = fake.signed_headers(TOKEN, PUBLIC_URL + path, form)
    return client.post(path, data=form, headers=headers)


@pytest.mark.parametrize(
    "form",
    [
        {},
        {"From": UK_NUMBER},
        {"CallSid": "CA" + "x" * 200, "From": UK_NUMBER},
        {"CallSid": "", "Digits": "1"},
    ],
    ids=["empty", "no CallSid", "CallSid too long", "blank CallSid"],
)
def test_a_malformed_call_is_answered_400_never_500(
    client: FlaskClient, form: dict[str, str]
) -> None:
    response = post_signed(client, "/voice", form)
    assert response.status_code == 400


@pytest.mark.parametrize(
    "extra",
    [
        {"Digits": "#*#*"},
        {"Digits": "\u0661"},
        {"Digits": "12345678901234567890"},
        {"SpeechResult": "x" * 5000},
        {"SpeechResult": "\x00\ufffd <Say>hi</Say> & ]]>"},
        {"DialCallStatus": "completed"},
        {"From": ""},
        {"From": "anonymous", "Digits": "7"},
    ],
    ids=["symbols", "arabic digit", "long digits", "long speech", "control and xml",
         "dial ended, no call", "no From", "withheld number texts"],
)
def test_odd_but_signed_input_gets_valid_twiml(client: FlaskClient, extra: dict[str, str]) -> None:
    sid = fake.new_call_sid()
    base = fake.call_form(UK_NUMBER, sid)
    assert post_signed(client, "/voice", base).status_code == 200
    response = post_signed(client, "/voice", {**base, **extra})
    assert response.status_code == 200, response.get_data(as_text=True)
    from tests.call.conftest import check_twiml

    check_twiml(response.get_data(as_text=True))


CONTROL = ["\x00", "\r\n", "a\x00b", "\x1b[31m\u2028"]
CALL_FIELDS = ["CallSid", "AccountSid", "From", "To", "Caller", "Called", "CallStatus",
               "Direction", "ApiVersion", "SpeechResult", "Confidence", "Digits"]
CALL_STATUS_FIELDS = ["CallSid", "AccountSid", "From", "To", "CallStatus", "CallDuration"]


@pytest.mark.parametrize("field", CALL_FIELDS)
@pytest.mark.parametrize("bad", CONTROL)
def test_control_characters_in_any_call_field_are_never_a_500(
    client: FlaskClient, field: str, bad: str
) -> None:
    from tests.call.conftest import check_twiml

    sid = fake.new_call_sid()
    assert post_signed(client, "/voice", fake.call_form(UK_NUMBER, sid)).status_code == 200
    form = fake.call_form(UK_NUMBER, sid, speech="I have a cramp")
    form[field] = form.get(field, "") + bad
    response = post_signed(client, "/voice", form)
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        check_twiml(response.get_data(as_text=True))


@pytest.mark.parametrize("field", CALL_STATUS_FIELDS)
@pytest.mark.parametrize("bad", CONTROL)
def test_control_characters_in_any_call_status_field_are_never_a_500(
    client: FlaskClient, field: str, bad: str
) -> None:
    form = fake.call_status_form(UK_NUMBER, fake.new_call_sid())
    form[field] = form.get(field, "") + bad
    assert post_signed(client, "/voice/status", form).status_code in (200, 204, 400)


def test_a_status_callback_without_a_status_is_400(client: FlaskClient) -> None:
    form = {"CallSid": fake.new_call_sid(), "From": UK_NUMBER}
    assert post_signed(client, "/voice/status", form).status_code == 400


def test_the_webhook_is_exempt_from_the_pages_csrf_check(app: Flask, caller: Caller) -> None:
    assert caller.call.post().status_code == 200
