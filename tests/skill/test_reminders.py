"""A bedtime reminder on Alexa: the reminders permission asked by voice, and a daily
reminder made, replaced and deleted through the Reminders API.

Whole envelopes, through Lambda and through POST /alexa; Amazon's APIs (Reminders, the
device's time zone) are stubbed with `responses`, and nothing else is reachable: a call to
anything not stubbed fails as a network error would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import responses

from crampvoice.content import LOCALE_112, library
from crampvoice_skill import reminders

from .conftest import SKILL, SKILL_ID, AlexaWeb, Speaker, Turn, checked_in_model

ENDPOINT = "https://api.amazonalexa.com"
REMINDERS = f"{ENDPOINT}/v1/alerts/reminders"
TIME_ZONE = f"{ENDPOINT}/v2/devices/amzn1.ask.device.TESTDEVICE/settings/System.timeZone"
SCOPE = "alexa::alerts:reminders:skill:readwrite"
ASK_FOR_PAYLOAD = {
    "@type": "AskForPermissionsConsentRequest",
    "@version": "2",
    "permissionScopes": [{"permissionScope": SCOPE, "consentLevel": "ACCOUNT"}],
}

# Written by hand: words a reminder must never say, because anyone near the speaker hears it.
MEDICAL_WORDS = (
    "pregnan",
    "cramp",
    "leg",
    "calf",
    "calves",
    "muscle",
    "pain",
    "ache",
    "spasm",
    "midwife",
    "doctor",
    "nurse",
    "baby",
    "birth",
    "clot",
    "swell",
    "vein",
    "medic",
    "magnesium",
    "symptom",
    "health",
    "pill",
    "tablet",
)


def system_text(key: str, locale: str = "en-US") -> str:
    return library().get(locale).system[key].voice


def has_medical_words(text: str) -> bool:
    return any(word in text.lower() for word in MEDICAL_WORDS)


# --------------------------------------------------------------------------- the setting


@dataclass
class Echo(Speaker):
    """A speaker whose owner has (or has not) given the skill the reminders permission."""

    permitted: bool = False

    def permissions(self) -> dict[str, Any] | None:
        if not self.permitted:
            return None
        return {"consentToken": "consent-token", "scopes": {SCOPE: {"status": "GRANTED"}}}

    def answer_consent(self, payload: dict[str, Any], token: str = "", code: str = "200") -> Turn:
        return self.request(
            {
                "type": "Connections.Response",
                "name": "AskFor",
                "status": {"code": code, "message": "OK"},
                "payload": payload,
                "token": token,
            }
        )


@dataclass
class Amazon:
    """The skill on one transport, and Amazon's APIs as `responses` stubs."""

    send: Callable[[dict[str, Any]], dict[str, Any]]
    mock: responses.RequestsMock

    def echo(self, *, permitted: bool = False, locale: str = "en-US", apl: bool = False) -> Echo:
        return Echo(self.send, locale=locale, apl=apl, permitted=permitted)

    def calls(self, method: str | None = None) -> list[Any]:
        """Requests the skill made to Amazon's APIs (not the certificate download)."""
        return [
            c.request
            for c in self.mock.calls
            if c.request.url.startswith(ENDPOINT) and method in (None, c.request.method)
        ]

    def posted(self) -> dict[str, Any]:
        (post,) = self.calls("POST")
        body: dict[str, Any] = json.loads(post.body)
        return body

    def time_zone(self, zone: str = "America/New_York") -> None:
        self.mock.get(TIME_ZONE, json=zone)

    def listing(self, *alerts: tuple[str, str]) -> None:
        """GET /v1/alerts/reminders: (alertToken, what it says) for each reminder."""
        self.mock.get(
            REMINDERS,
            json={
                "totalCount": str(len(alerts)),
                "alerts": [reminder_json(token, text) for token, text in alerts],
                "links": None,
            },
        )

    def creates(self, status: int = 201, token: str = "new-token") -> None:
        if status >= 300:
            error = {"code": "ERROR", "message": f"status {status}"}
            self.mock.post(REMINDERS, status=status, json=error)
            return
        self.mock.post(
            REMINDERS,
            status=status,
            json={
                "alertToken": token,
                "createdTime": "2026-03-01T20:00:00.000",
                "updatedTime": "2026-03-01T20:00:00.000",
                "status": "ON",
                "version": "1",
                "href": f"/v1/alerts/reminders/{token}",
            },
        )

    def deletes(self, token: str, status: int = 200) -> None:
        self.mock.delete(f"{REMINDERS}/{token}", status=status)


def reminder_json(token: str, text: str) -> dict[str, Any]:
    return {
        "alertToken": token,
        "createdTime": "2026-02-01T20:00:00.000",
        "updatedTime": "2026-02-01T20:00:00.000",
        "status": "ON",
        "trigger": {
            "type": "SCHEDULED_ABSOLUTE",
            "scheduledTime": "2026-02-01T21:30:00.000",
            "recurrence": {"recurrenceRules": ["FREQ=DAILY;BYHOUR=21;BYMINUTE=30;BYSECOND=0;"]},
        },
        "alertInfo": {"spokenInfo": {"content": [{"locale": "en-US", "text": text}]}},
        "pushNotification": {"status": "ENABLED"},
        "version": "1",
    }


@pytest.fixture(params=["lambda", "web"])
def amazon(request: pytest.FixtureRequest) -> Iterator[Amazon]:
    if request.param == "lambda":
        handler = request.getfixturevalue("lambda_handler")
        with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
            yield Amazon(lambda envelope: handler(envelope, None), mock)
    else:
        web: AlexaWeb = request.getfixturevalue("alexa_web")
        yield Amazon(web.send, web.mock)


OURS = "Time for your bedtime stretch."


# --------------------------------------------------------------------------- asking first


@pytest.mark.parametrize("apl", [False, True])
def test_without_the_permission_alexa_asks_for_it_by_voice_with_a_card_fallback(
    amazon: Amazon, apl: bool
) -> None:
    turn = amazon.echo(apl=apl).intent("ReminderSetIntent", time="21:30")
    (directive,) = turn.directives  # nothing else: Alexa's own dialog comes next
    assert directive["type"] == "Connections.SendRequest"
    assert directive["name"] == "AskFor"
    assert directive["payload"] == ASK_FOR_PAYLOAD
    assert "21:30" in directive["token"]  # the time comes back with the answer
    assert turn.card == {"type": "AskForPermissionsConsent", "permissions": [SCOPE]}
    assert turn.said == system_text("reminder_permission")
    assert turn.ended and turn.reprompt is None
    assert amazon.calls() == []


def test_the_permission_accepted_by_voice_creates_the_reminder_at_the_time_asked(
    amazon: Amazon,
) -> None:
    alexa = amazon.echo()
    token = alexa.intent("ReminderSetIntent", time="22:15").directives[0]["token"]
    amazon.time_zone("Europe/London")
    amazon.listing()
    amazon.creates()
    alexa.permitted = True  # what Alexa sends once the person said yes
    turn = alexa.answer_consent(
        {"permissionScope": SCOPE, "status": "ACCEPTED", "isCardThrown": "false"}, token
    )
    body = amazon.posted()
    assert body["trigger"]["recurrence"]["recurrenceRules"] == [
        "FREQ=DAILY;BYHOUR=22;BYMINUTE=15;BYSECOND=0;INTERVAL=1;"
    ]
    assert turn.said == system_text("reminder_set").replace("{time}", "10:15 pm")
    assert turn.ended and turn.card is None and turn.directives == []


@pytest.mark.parametrize(
    "payload",
    [
        {"permissionScope": SCOPE, "status": "ACCEPTED"},
        {"permissions": {SCOPE: {"status": "ACCEPTED"}}},
        {"permissions": [{"permissionScope": SCOPE, "status": "ACCEPTED"}]},
        {"permissionScopes": [{"permissionScope": SCOPE, "status": "ACCEPTED"}]},
    ],
)
def test_every_shape_of_an_accepted_answer_creates_the_reminder(
    amazon: Amazon, payload: dict[str, Any]
) -> None:
    amazon.listing()
    amazon.creates()
    turn = amazon.echo(permitted=True).answer_consent(payload, "crampvoice-bedtime 21:00")
    assert "BYHOUR=21;BYMINUTE=0;" in amazon.posted()["trigger"]["recurrence"]["recurrenceRules"][0]
    assert "9:00 pm" in turn.said


@pytest.mark.parametrize(
    ("payload", "key", "card"),
    [
        ({"permissionScope": SCOPE, "status": "DENIED"}, "reminder_denied", False),
        ({"permissions": {SCOPE: {"status": "DENIED"}}}, "reminder_denied", False),
        ({"permissionScope": SCOPE, "status": "NOT_ANSWERED"}, "reminder_not_answered", False),
        ({}, "reminder_not_answered", False),
        (
            {"permissionScope": SCOPE, "status": "NOT_ANSWERED", "isCardThrown": "true"},
            "reminder_no_access",
            True,
        ),
    ],
)
def test_a_permission_not_given_is_explained_and_nothing_is_called(
    amazon: Amazon, payload: dict[str, Any], key: str, card: bool
) -> None:
    turn = amazon.echo(locale="en-GB").answer_consent(payload, "crampvoice-bedtime 21:30")
    assert turn.said == system_text(key, "en-GB")
    assert (turn.card is not None) is card
    assert turn.ended
    assert amazon.calls() == []


def test_a_failed_connection_is_a_clear_reply(amazon: Amazon) -> None:
    turn = amazon.echo().answer_consent({}, "crampvoice-bedtime 21:30", code="500")
    assert turn.said == system_text("reminder_failed")
    assert amazon.calls() == []


# --------------------------------------------------------------------------- creating


def test_with_the_permission_a_daily_reminder_is_created_in_the_devices_zone(
    amazon: Amazon,
) -> None:
    amazon.time_zone("America/Los_Angeles")
    amazon.listing()
    amazon.creates()
    before = datetime.now(UTC)
    turn = amazon.echo(permitted=True).intent("ReminderSetIntent", time="21:30")

    (post,) = amazon.calls("POST")
    assert post.url == REMINDERS
    assert post.headers["Authorization"] == "Bearer test-token"  # the request's apiAccessToken
    body = amazon.posted()
    trigger = body["trigger"]
    assert trigger["type"] == "SCHEDULED_ABSOLUTE"
    assert trigger["timeZoneId"] == "America/Los_Angeles"
    assert trigger["recurrence"]["recurrenceRules"] == [
        "FREQ=DAILY;BYHOUR=21;BYMINUTE=30;BYSECOND=0;INTERVAL=1;"
    ]
    # The first one is the next 9:30 pm on the device's clock (local time, no offset).
    first = datetime.fromisoformat(trigger["scheduledTime"])
    assert first.tzinfo is None and first.time() == time(21, 30)
    assert trigger["recurrence"]["startDateTime"] == trigger["scheduledTime"]
    local_now = before.astimezone(ZoneInfo("America/Los_Angeles")).replace(tzinfo=None)
    assert local_now < first <= local_now + timedelta(days=1, minutes=1)
    (content,) = body["alertInfo"]["spokenInfo"]["content"]
    assert content == {"locale": "en-US", "text": OURS}
    assert not has_medical_words(content["text"])
    assert body["pushNotification"] == {"status": "ENABLED"}

    assert "every night at 9:30 pm" in turn.said
    assert turn.ended and turn.directives == []


@pytest.mark.parametrize(
    ("spoken", "hour", "minute", "said"),
    [
        (None, 21, 30, "9:30 pm"),  # "remind me to stretch at bedtime": the default
        ("09:30", 21, 30, "9:30 pm"),  # "nine thirty" at bedtime is the evening
        ("22:00", 22, 0, "10:00 pm"),
        ("00:30", 0, 30, "12:30 am"),
        ("NI", 21, 30, "9:30 pm"),  # "at night"
    ],
)
def test_the_time_asked_for_is_read_as_a_bedtime(
    amazon: Amazon, spoken: str | None, hour: int, minute: int, said: str
) -> None:
    amazon.listing()
    amazon.creates()
    alexa = amazon.echo(permitted=True, locale="en-GB")
    turn = alexa.intent("ReminderSetIntent", **({"time": spoken} if spoken else {}))
    body = amazon.posted()
    rule = body["trigger"]["recurrence"]["recurrenceRules"][0]
    assert rule.startswith(f"FREQ=DAILY;BYHOUR={hour};BYMINUTE={minute};")
    assert body["alertInfo"]["spokenInfo"]["content"][0]["locale"] == "en-GB"
    assert f"every night at {said}" in turn.said


def test_without_the_devices_zone_alexa_schedules_in_it_itself(amazon: Amazon) -> None:
    amazon.mock.get(TIME_ZONE, status=500)
    amazon.listing()
    amazon.creates()
    turn = amazon.echo(permitted=True).intent("ReminderSetIntent", time="21:30")
    trigger = amazon.posted()["trigger"]
    assert "timeZoneId" not in trigger
    assert trigger["recurrence"]["recurrenceRules"][0].startswith("FREQ=DAILY;BYHOUR=21;")
    assert "9:30 pm" in turn.said


def test_a_new_time_replaces_the_old_reminder_and_nothing_else(amazon: Amazon) -> None:
    amazon.time_zone()
    amazon.listing(("old-token", OURS), ("bins", "Take the bins out."))
    amazon.creates(token="new-token")
    amazon.deletes("old-token")
    turn = amazon.echo(permitted=True).intent("ReminderSetIntent", time="22:00")
    assert [c.url for c in amazon.calls("DELETE")] == [f"{REMINDERS}/old-token"]
    assert "10:00 pm" in turn.said


@pytest.mark.parametrize(
    ("status", "key", "card"),
    [
        (500, "reminder_failed", False),
        (429, "reminder_failed", False),
        (503, "reminder_failed", False),
        (403, "reminder_no_access", True),
        (401, "reminder_no_access", True),
    ],
)
def test_an_api_error_gets_a_clear_reply_and_no_crash(
    amazon: Amazon, status: int, key: str, card: bool
) -> None:
    amazon.time_zone()
    amazon.listing(("old-token", OURS))
    amazon.creates(status=status)
    turn = amazon.echo(permitted=True).intent("ReminderSetIntent", time="21:30")
    assert turn.said == system_text(key)
    assert (turn.card == {"type": "AskForPermissionsConsent", "permissions": [SCOPE]}) is card
    assert turn.ended
    assert amazon.calls("DELETE") == []  # a failure leaves the old reminder in place


def test_amazon_unreachable_is_a_clear_reply(amazon: Amazon) -> None:
    # Nothing stubbed: every call fails as a network error would.
    turn = amazon.echo(permitted=True).intent("ReminderSetIntent", time="21:30")
    assert turn.said == system_text("reminder_failed")


# --------------------------------------------------------------------------- cancelling


def test_cancel_deletes_the_bedtime_reminder(amazon: Amazon) -> None:
    amazon.listing(("ours", OURS), ("bins", "Take the bins out."))
    amazon.deletes("ours")
    turn = amazon.echo(permitted=True).intent("ReminderCancelIntent")
    assert [c.url for c in amazon.calls("DELETE")] == [f"{REMINDERS}/ours"]
    assert amazon.calls("DELETE")[0].headers["Authorization"] == "Bearer test-token"
    assert turn.said == system_text("reminder_cancelled")
    assert turn.ended


def test_cancel_with_no_reminder_says_so(amazon: Amazon) -> None:
    amazon.listing(("bins", "Take the bins out."))
    turn = amazon.echo(permitted=True).intent("ReminderCancelIntent")
    assert amazon.calls("DELETE") == []
    assert turn.said == system_text("reminder_none")


def test_cancel_without_the_permission_calls_nothing(amazon: Amazon) -> None:
    turn = amazon.echo().intent("ReminderCancelIntent")
    assert turn.said == system_text("reminder_none")
    assert turn.directives == [] and amazon.calls() == []


@pytest.mark.parametrize("status", [500, 401])
def test_cancel_when_the_api_fails_is_a_clear_reply(amazon: Amazon, status: int) -> None:
    amazon.mock.get(REMINDERS, status=status, json={"code": "ERROR", "message": "no"})
    turn = amazon.echo(permitted=True).intent("ReminderCancelIntent")
    key = "reminder_no_access" if status == 401 else "reminder_failed"
    assert turn.said == system_text(key)


# --------------------------------------------------------------------------- pieces


def test_every_locales_reminder_text_has_no_medical_words() -> None:
    content = library()
    for locale in [*content.locales, LOCALE_112]:
        assert not has_medical_words(content.get(locale).system["reminder"].voice), locale


def test_the_ask_token_carries_the_time_and_a_strange_one_is_the_default() -> None:
    assert reminders.token_time(reminders.ask_token(time(22, 45))) == time(22, 45)
    for token in ("", None, "crampvoice-bedtime 99:99", "someone else's"):
        assert reminders.token_time(token) == reminders.DEFAULT_AT


def test_the_model_has_the_reminder_intents_with_a_time_slot() -> None:
    model = checked_in_model("en-US")
    intents = {i["name"]: i for i in model["interactionModel"]["languageModel"]["intents"]}
    reminder = intents["ReminderSetIntent"]
    assert reminder["slots"] == [{"name": "time", "type": "TimeType"}]
    times = {t["name"]: t for t in model["interactionModel"]["languageModel"]["types"]}
    assert {"midnight", "noon", "nine thirty pm"} <= {
        v["name"]["value"] for v in times["TimeType"]["values"]
    }
    assert "set a bedtime reminder for {time}" in reminder["samples"]
    assert "remind me to stretch at bedtime" in reminder["samples"]
    assert "cancel my bedtime reminder" in intents["ReminderCancelIntent"]["samples"]
    assert "start my bedtime stretches" in intents["BedtimeRoutineIntent"]["samples"]
    assert "what stretches should I do before bed" in intents["BedtimeIntent"]["samples"]


def test_a_cold_lambda_does_not_load_the_http_client() -> None:
    code = (
        f"import sys, json; sys.path.insert(0, {str(SKILL / 'lambda')!r})\n"
        "import lambda_function\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    env = {**os.environ, "ALEXA_SKILL_ID": SKILL_ID}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert "requests" not in json.loads(out.stdout)  # loaded on the first call to Amazon


# --------------------------------------------------------------------------- one bedtime rule

#: Written by hand: what a person at bedtime means (README, "Bedtime times").
SAME_TIME = [
    ("at 12", "12:00 am"),
    ("at 3", "3:00 am"),
    ("9", "9:00 pm"),
    ("9:30pm", "9:30 pm"),
    ("21:30", "9:30 pm"),
    ("midnight", "12:00 am"),
    ("noon", "12:00 pm"),
    ("10 tonight", "10:00 pm"),
]


@pytest.mark.parametrize(("words", "shown"), SAME_TIME)
def test_the_same_bedtime_words_give_the_same_time_by_text_and_on_alexa(
    amazon: Amazon, tmp_path: Path, words: str, shown: str
) -> None:
    from crampvoice_sms import fake
    from crampvoice_web.app import create_app
    from crampvoice_web.services import services

    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
                      "CRAMPVOICE_WORKER": "off"})
    try:
        [texted] = fake.for_config(app.test_client(), app.config).text(
            "+447400123456", f"BEDTIME {words}"
        )
    finally:
        services(app).close()
    assert f"every night at {shown} (UK time)" in texted

    amazon.time_zone()
    amazon.listing()
    amazon.creates()
    heard = words.removeprefix("at ")  # "remind me to stretch at {time}": the slot's words
    turn = amazon.echo(permitted=True).intent("ReminderSetIntent", time=heard)
    assert f"every night at {shown}." in turn.said
