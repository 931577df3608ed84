"""The simulator's routes, through Flask's test client: what a person at the simulator
would see, and that it runs the real code paths (the signed /sms webhook, the skill)."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from crampvoice import render
from crampvoice.composition import Services as SmsServices
from crampvoice.content import library
from crampvoice.engine import Core
from crampvoice.storage import repository
from crampvoice.storage.models import Event, ProcessedMessage
from crampvoice_web import speaker


def text(client: FlaskClient, body: str, country: str = "US") -> dict[str, Any]:
    response = client.post("/simulator/sms", json={"country": country, "text": body})
    assert response.status_code == 200, response.get_data(as_text=True)
    data: dict[str, Any] = response.get_json()
    return data


class Voice:
    """The simulated speaker, as the page drives it: the session kept between turns."""

    def __init__(self, client: FlaskClient, locale: str = "en-US", screen: bool = True) -> None:
        self.client = client
        self.locale = locale
        self.screen = screen
        self.session: dict[str, Any] = {"id": "", "attributes": {}}

    def post(self, **request: Any) -> dict[str, Any]:
        body = {"locale": self.locale, "screen": self.screen, "session": self.session, **request}
        response = self.client.post("/simulator/voice", json=body)
        assert response.status_code == 200, response.get_data(as_text=True)
        data: dict[str, Any] = response.get_json()
        self.session = data["session"]
        return data

    def launch(self) -> dict[str, Any]:
        return self.post(launch=True)

    def say(self, words: str) -> dict[str, Any]:
        return self.post(say=words)


def events(sms: SmsServices) -> list[Event]:
    with sms.store.transaction() as session:
        return list(session.scalars(select(Event).order_by(Event.id)))


# --------------------------------------------------------------------------- the phone


def test_the_page_shows_a_phone_and_a_speaker(client: FlaskClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="thread"' in html and 'id="launch"' in html
    assert all(f'value="{locale}"' in html for locale in ("en-US", "en-GB", "en-IN"))
    assert 'value="GB"' in html and 'value="BR"' in html
    assert "https://" not in html  # nothing fetched from elsewhere
    for asset in ("/assets/simulator.js", "/assets/style.css"):
        assert client.get(asset).status_code == 200


def test_a_cramp_text_gets_the_relief_reply_through_the_signed_webhook(
    client: FlaskClient, sms: SmsServices
) -> None:
    data = text(client, "I have a cramp in my calf")
    expected = render.sms(Core.default().respond("I have a cramp in my calf", locale="en-US"))
    assert data["replies"] == [expected]
    assert data["number"].startswith("+1")
    with sms.store.transaction() as session:
        assert session.scalar(select(ProcessedMessage.sid)).startswith("SM")
    (event,) = events(sms)
    assert (event.channel, event.intent) == ("sms", "relief_now")


def test_the_conversation_goes_on_from_the_same_number(client: FlaskClient) -> None:
    first = text(client, "I have a cramp")
    second = text(client, "next")
    assert first["number"] == second["number"]
    assert second["replies"] and second["replies"] != first["replies"]


@pytest.mark.parametrize(("country", "number"), [("GB", "999"), ("US", "911"), ("IE", "112"),
                                                  ("AU", "000"), ("IN", "112"), ("DE", "112")])
def test_an_escalation_names_the_emergency_number_of_the_phones_country(
    client: FlaskClient, country: str, number: str
) -> None:
    data = text(client, "my calf is swollen and I can't breathe", country)
    (reply,) = data["replies"]
    assert number in reply


def test_each_browser_has_its_own_numbers(app: Flask) -> None:
    one, two = app.test_client(), app.test_client()
    first = text(one, "hello", "GB")
    assert text(one, "hello", "GB")["number"] == first["number"]
    assert text(two, "hello", "GB")["number"] != first["number"]
    fresh = one.post("/simulator/number", json={"country": "GB", "new": True}).get_json()
    assert fresh["number"] != first["number"] and fresh["number"].startswith("+44")


def test_prompts_sent_by_the_worker_appear_only_on_their_own_phone(
    app: Flask, sms: SmsServices
) -> None:
    mine, theirs = app.test_client(), app.test_client()
    number = text(mine, "hello", "GB")["number"]
    other = text(theirs, "hello", "GB")["number"]
    prompt = library().get("en-GB").system["reminder"].sms
    assert sms.sender.send(number, prompt, scheduled=True).status == "queued"
    assert sms.sender.send(other, prompt, scheduled=True).status == "queued"

    shown = mine.get("/simulator/outbox?country=GB&after=0").get_json()["messages"]
    assert [(m["text"], m["scheduled"]) for m in shown] == [(prompt, True)]
    later = mine.get(f"/simulator/outbox?country=GB&after={shown[0]['id']}").get_json()
    assert later["messages"] == []
    stranger = app.test_client()
    assert stranger.get("/simulator/outbox?country=GB").get_json()["messages"] == []


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ('{"country": "GB"}', "application/json"),
        ('{"country": "XX", "text": "hi"}', "application/json"),
        ('{"country": "GB", "text": ""}', "application/json"),
        ('{"country": "GB", "text": 5}', "application/json"),
        ('["GB", "hi"]', "application/json"),
        ("{not json", "application/json"),
        ("country=GB&text=hi", "application/x-www-form-urlencoded"),
        ('{"country": "GB", "text": "hi"}', "text/plain"),
    ],
)
def test_a_malformed_text_request_is_refused(
    client: FlaskClient, body: str, content_type: str
) -> None:
    response = client.post("/simulator/sms", data=body, content_type=content_type)
    assert response.status_code == 400


def test_a_text_too_long_for_twilio_is_refused(client: FlaskClient) -> None:
    response = client.post("/simulator/sms", json={"country": "US", "text": "a" * 1601})
    assert response.status_code == 400


def test_the_outbox_refuses_a_bad_query(client: FlaskClient) -> None:
    assert client.get("/simulator/outbox?country=ZZ").status_code == 400
    assert client.get("/simulator/outbox?country=GB&after=x").status_code == 400


@pytest.mark.parametrize(
    "app_settings",
    [{"TWILIO_ACCOUNT_SID": "AC" + "1" * 32, "TWILIO_FROM": "+15005550006"}],
    indirect=True,
)
def test_the_phone_is_off_when_texts_would_reach_real_phones(client: FlaskClient) -> None:
    assert "The phone is off" in client.get("/").get_data(as_text=True)
    response = client.post("/simulator/sms", json={"country": "GB", "text": "hi"})
    assert response.status_code == 409


# --------------------------------------------------------------------------- the speaker


def test_launch_then_a_cramp_then_next_walks_the_steps(
    client: FlaskClient, sms: SmsServices
) -> None:
    voice = Voice(client)
    welcome = voice.launch()
    assert welcome["routed"]["type"] == "LaunchRequest"
    assert not welcome["reply"]["ended"] and voice.session["id"]
    assert welcome["reply"]["text"].startswith(library().get("en-US").system["welcome"].voice[:30])

    first = voice.say("I'm having a cramp")
    assert first["routed"]["intent"] == "ReliefNowIntent"
    steps = library().get("en-US").guides["relief"].steps
    assert first["reply"]["screen"]["progress"] == f"1 / {len(steps)}"
    assert voice.session["attributes"].get("guide") == "relief"
    second = voice.say("next")
    assert second["routed"]["intent"] == "AMAZON.NextIntent"
    assert second["reply"]["screen"]["progress"] == f"2 / {len(steps)}"
    assert second["reply"]["screen"]["text"].startswith(steps[1].text.voice[:30])
    assert any(segment["pause"] > 0 for segment in second["reply"]["speech"])

    voiced = [e for e in events(sms) if e.channel == "voice"]
    assert [e.intent for e in voiced] == ["launch", "relief_now", "next"]
    assert all(e.text is None for e in voiced)
    assert len({e.sender for e in voiced}) == 1 and voiced[0].sender


def test_no_screen_no_apl(client: FlaskClient) -> None:
    voice = Voice(client, screen=False)
    assert voice.launch()["reply"]["screen"] is None


def test_free_speech_is_triaged_and_escalated_in_the_speakers_locale(client: FlaskClient) -> None:
    voice = Voice(client, locale="en-GB")
    voice.launch()
    data = voice.say("my calf is swollen and I can't breathe")
    assert data["routed"]["intent"] == "DescribeSymptomIntent"
    assert data["routed"]["slots"]["body_part"] == "calf"
    assert "999" in data["reply"]["text"]
    assert data["reply"]["card"] and "999" in data["reply"]["card"]["content"]
    speech = data["reply"]["speech"]
    assert any("9 9 9" in segment["say"] for segment in speech)  # said digit by digit
    shown = " ".join(segment["text"] for segment in speech)
    assert "999" in shown and "9 9 9" not in shown and " ." not in shown


def test_a_one_shot_question_opens_a_session(client: FlaskClient) -> None:
    voice = Voice(client)
    data = voice.say("ask cramp coach what causes leg cramps")
    assert data["routed"]["intent"] == "CausesIntent"
    assert data["routed"]["new_session"] is True
    causes = Core.default().respond("what causes leg cramps", locale="en-US")
    assert data["reply"]["text"].startswith(render.plain_voice(causes)[:60])


def test_exit_ends_the_session_and_says_nothing(client: FlaskClient) -> None:
    voice = Voice(client)
    voice.launch()
    data = voice.say("exit")
    assert data["routed"]["type"] == "SessionEndedRequest"
    assert data["reply"]["speech"] == [] and voice.session["id"] == ""
    assert Voice(client).say("exit")["reply"] is None  # no session to end


def test_a_bedtime_reminder_asks_for_alexas_permission(client: FlaskClient) -> None:
    voice = Voice(client)
    voice.launch()
    data = voice.say("remind me to stretch every night at 10 pm")
    assert data["routed"]["intent"] == "ReminderSetIntent"
    assert data["routed"]["slots"] == {"time": "10 pm"}  # the words heard; the core reads them
    assert data["reply"]["asks_permission"] is True and data["reply"]["ended"]


@pytest.mark.parametrize(
    "body",
    [
        {"locale": "fr-FR", "say": "hello"},
        {"locale": "en-US", "say": ""},
        {"locale": "en-US", "say": "x" * 301},
        {"locale": "en-US"},
        {"locale": "en-US", "say": "hello", "session": {"id": "not-a-session"}},
        {"locale": "en-US", "say": "hello", "session": {"id": "", "attributes": [1]}},
        {"locale": "en-US", "say": "hello", "session": "open"},
        {"locale": "en-US", "say": "hello",
         "session": {"id": "", "attributes": {"x": "y" * 5000}}},
        {"locale": 5, "launch": True},
    ],
)
def test_a_malformed_voice_request_is_refused(client: FlaskClient, body: dict[str, Any]) -> None:
    assert client.post("/simulator/voice", json=body).status_code == 400


def test_damaged_session_attributes_start_afresh(client: FlaskClient) -> None:
    voice = Voice(client)
    voice.launch()
    voice.session["attributes"] = {"guide": "nonsense", "step": -4, "pending": {"a": 1}}
    data = voice.say("next")
    assert data["reply"]["text"]  # the skill answers; nothing fails


# --------------------------------------------------------------------------- words to intents


@pytest.mark.parametrize(
    ("words", "intent"),
    [
        ("I'm having a cramp", "ReliefNowIntent"),
        ("I have a cramp in my calf", "DescribeSymptomIntent"),  # the core triages it
        ("how can I prevent leg cramps?", "PreventionIntent"),
        ("Next", "AMAZON.NextIntent"),
        ("say that again", "AMAZON.RepeatIntent"),
        ("yes please", "AMAZON.YesIntent"),
        ("what can you do", "AMAZON.HelpIntent"),
        ("my leg is really swollen", "DescribeSymptomIntent"),
        ("I feel dizzy", "DescribeSymptomIntent"),
        ("cancel my bedtime reminder", "ReminderCancelIntent"),
        ("what causes leg cramps", "CausesIntent"),
        ("I have a cramp and I can't breathe", "DescribeSymptomIntent"),
        ("tell me about the weather", "DescribeSymptomIntent"),
    ],
)
def test_words_route_as_the_interaction_model_implies(words: str, intent: str) -> None:
    routed = speaker.route(words, "Cramp Coach", in_session=True)
    assert (routed.kind, routed.intent) == ("intent", intent)


def test_launch_phrases() -> None:
    assert speaker.route("Alexa, open Cramp Coach", "Cramp Coach", False).kind == "launch"
    assert speaker.route("go home", "Cramp Coach", True).kind == "launch"


def test_ssml_becomes_words_and_pauses() -> None:
    ssml = ('<speak>Hold. <break time="5s"/> 5. <break time="500ms"/> Call '
            '<say-as interpret-as="telephone">911</say-as> &amp; wait, or call '
            '<say-as interpret-as="telephone">999</say-as>.</speak>')
    assert speaker.speech(ssml) == [
        {"say": "Hold.", "text": "Hold.", "pause": 5.0},
        {"say": "5.", "text": "5.", "pause": 0.5},
        {
            "say": "Call 9 1 1 & wait, or call 9 9 9.",
            "text": "Call 911 & wait, or call 999.",
            "pause": 0.0,
        },
    ]
    assert speaker.plain(ssml) == "Hold. 5. Call 911 & wait, or call 999."
    assert speaker.speech("") == []


def test_voice_turns_on_alexa_are_counted_without_words(app: Flask) -> None:
    """The self-hosted /alexa endpoint reports each turn to the app's listener."""
    import flask

    from crampvoice_skill.handlers import TurnReport
    from crampvoice_skill.web import TURN_LISTENER, create_blueprint

    class Trusting:  # the verifier's place, for this test only: the hook is what is tested
        skill_id = None

        def verify(self, headers: object, body: bytes) -> None:
            return None

    reports: list[TurnReport] = []
    bare = flask.Flask("alexa-hook-test")
    bare.register_blueprint(create_blueprint(verifier=Trusting()))  # type: ignore[arg-type]
    bare.extensions[TURN_LISTENER] = reports.append
    device = speaker.Device("en-GB", False, "amzn1.ask.account.T", "amzn1.ask.device.T")
    state = speaker.Session()
    for routed in (speaker.Routed("launch"),
                   speaker.route("my calf is swollen and I can't breathe", "Cramp Coach", True)):
        envelope = speaker.envelope(routed, device, state)
        assert bare.test_client().post("/alexa", json=envelope).status_code == 200
    assert [(r.intent, r.triage, r.locale) for r in reports] == [
        ("launch", "none", "en-GB"),
        ("when_to_get_help", "emergency", "en-GB"),
    ]
    assert reports[0].session_id and reports[0].session_id == reports[1].session_id


def test_the_app_counts_alexa_turns_as_voice_events(app: Flask, sms: SmsServices) -> None:
    from crampvoice_skill.handlers import TurnReport
    from crampvoice_web.services import web_services

    web_services(app).turns(TurnReport("relief_now", "none", "en-US", True, "s-1"))
    (event,) = events(sms)
    assert (event.channel, event.intent, event.text) == ("voice", "relief_now", None)
    assert event.sender and "s-1" not in event.sender


def test_outbox_rows_of_other_numbers_stay_hidden(app: Flask, sms: SmsServices) -> None:
    with sms.store.transaction() as session:
        repository.add_outbox(session, "+447700900123", "private", status="queued",
                              at=repository.utcnow(), scheduled=True)
    client = app.test_client()
    text(client, "hello", "GB")
    shown = client.get("/simulator/outbox?country=GB").get_json()["messages"]
    assert all(m["text"] != "private" for m in shown)
