"""Both pages in a real headless Chromium, against the real app on a loopback port:
what a person sees after typing, clicking and speaking."""

from __future__ import annotations

import re
from typing import Any

import phonenumbers
import pytest

from crampvoice import render
from crampvoice.content import library
from crampvoice.engine import Core
from tests.web.conftest import LiveServer

pytestmark = pytest.mark.browser


def send_text(page: Any, words: str) -> None:
    """Type a text, send it, and wait for the service's answer to arrive in the thread."""
    before = page.locator("#thread .bubble.in:not(.typing)").count()
    page.fill("#sms-text", words)
    page.click("#sms-send")
    page.wait_for_function(
        "n => document.querySelectorAll('#thread .bubble.in:not(.typing)').length > n",
        arg=before,
    )


def last_reply(page: Any) -> str:
    return str(page.locator("#thread .bubble.in:not(.typing) .bubble-text").last.inner_text())


def say(page: Any, words: str) -> str:
    """Say something to the speaker (typed, as the microphone would hear it)."""
    before = page.locator("#transcript .turn.alexa").count()
    page.fill("#voice-text", words)
    page.click("#voice-send")
    page.wait_for_function(
        "n => document.querySelectorAll('#transcript .turn.alexa').length > n", arg=before
    )
    return str(page.locator("#transcript .turn.alexa .turn-body").last.inner_text())


def test_a_cramp_text_gets_the_relief_reply(page: Any, live: LiveServer) -> None:
    page.goto(live.url + "/")
    page.select_option("#country", "US")
    send_text(page, "I have a cramp in my calf")
    expected = render.sms(Core.default().respond("I have a cramp in my calf", locale="en-US"))
    assert last_reply(page) == expected
    send_text(page, "next")
    assert last_reply(page) != expected
    outgoing = page.locator("#thread .bubble.out").all_inner_texts()
    assert outgoing == ["I have a cramp in my calf", "next"]


def test_an_escalation_from_a_uk_phone_says_999(page: Any, live: LiveServer) -> None:
    page.goto(live.url + "/")
    page.select_option("#country", "GB")
    page.wait_for_function(
        "() => document.getElementById('my-number').textContent.startsWith('+44')"
    )
    send_text(page, "my calf is swollen and I can't breathe")
    reply = last_reply(page)
    assert "999" in reply and "911" not in reply


def test_the_speaker_opens_and_walks_the_steps_on_a_screen(page: Any, live: LiveServer) -> None:
    page.goto(live.url + "/")
    page.uncheck("#aloud")
    page.check("#screen")
    page.click("#launch")
    page.wait_for_selector("#transcript .turn.alexa")
    welcome = library().get("en-US").system["welcome"].voice
    assert welcome[:40] in page.locator("#transcript .turn.alexa .turn-body").last.inner_text()
    assert page.inner_text("#session-state") == "session open"

    steps = library().get("en-US").guides["relief"].steps
    say(page, "I have a cramp")
    assert page.inner_text("#apl-progress") == f"1 / {len(steps)}"
    said = say(page, "next")
    assert steps[1].text.voice[:40] in said
    assert page.inner_text("#apl-progress") == f"2 / {len(steps)}"
    assert steps[1].text.voice[:40] in page.inner_text("#apl-text")
    assert page.locator("#transcript .turn.alexa").last.locator(".pause").count() > 0
    assert "AMAZON.NextIntent" in page.locator("#transcript .turn-detail").last.inner_text()


def test_a_bedtime_prompt_sent_by_the_worker_appears_in_the_thread(
    page: Any, live: LiveServer
) -> None:
    page.goto(live.url + "/")
    page.select_option("#country", "GB")
    send_text(page, "hello")
    shown = page.inner_text("#my-number")
    number = phonenumbers.format_number(
        phonenumbers.parse(shown, None), phonenumbers.PhoneNumberFormat.E164
    )
    prompt = library().get("en-GB").system["reminder"].sms
    assert live.sms.sender.send(number, prompt, scheduled=True).status == "queued"
    page.wait_for_selector("#thread .bubble.scheduled", timeout=15_000)
    assert page.locator("#thread .bubble.scheduled .bubble-text").last.inner_text() == prompt


def test_the_dashboard_counts_move_after_messages(
    page: Any, browser: Any, live: LiveServer
) -> None:
    page.goto(live.url + "/dashboard")
    assert page.inner_text("#kpi-conversations-sms") == "0"
    assert page.inner_text("#kpi-emergency") == "0"

    phone = browser.new_page()
    phone.goto(live.url + "/")
    phone.select_option("#country", "GB")
    send_text(phone, "I have a cramp")
    send_text(phone, "my calf is swollen and I can't breathe")
    phone.click("#launch")
    phone.wait_for_selector("#transcript .turn.alexa")
    number = phone.inner_text("#my-number")
    phone.close()

    page.reload()
    assert page.inner_text("#kpi-conversations-sms") == "1"
    assert page.inner_text("#kpi-conversations-voice") == "1"
    assert page.inner_text("#kpi-turns-sms") == "2"
    assert page.inner_text("#kpi-emergency") == "1"
    assert page.locator('#intents tr[data-intent="relief_now"] td.total').inner_text() == "1"
    assert page.locator("svg.chart rect.series-sms").count() == 14
    html = page.content()
    digits = re.sub(r"\D", "", number)
    assert number not in html and digits not in re.sub(r"\D", "", page.inner_text("main"))


def call_turns(page: Any) -> int:
    return int(page.locator("#call-transcript .turn.call:not(.note)").count())


def press(page: Any, key: str) -> str:
    """Press a key on the Call panel's keypad; what the call said back."""
    before = call_turns(page)
    page.click(f"#keypad .key[data-key='{key}']")
    page.wait_for_function(
        "n => document.querySelectorAll('#call-transcript .turn.call:not(.note)').length > n",
        arg=before,
    )
    return str(page.locator("#call-transcript .turn.call:not(.note) .turn-body").last.inner_text())


def test_the_call_panel_plays_the_real_voice_webhook_with_the_keypad(
    page: Any, live: LiveServer
) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(live.url + "/")
    page.select_option("#country", "GB")
    page.wait_for_function(
        "() => document.getElementById('my-number').textContent.startsWith('+44')"
    )
    page.uncheck("#call-aloud")  # headless: no speech engine to wait for
    page.click("#call-start")
    page.wait_for_function("() => document.querySelectorAll('#call-transcript .turn').length")
    greeting = page.locator("#call-transcript .turn-body").first.inner_text()
    assert greeting.startswith("If you have a cramp now, straighten your leg")
    assert page.locator("#call-state").inner_text() == "in a call: listening"
    relief = press(page, "1")
    assert relief.startswith("Straighten your leg") and "[pause 5 s]" in relief
    assert press(page, "6").startswith("Now rub your calf")
    assert press(page, "4").startswith("Keep your leg straight")
    assert press(page, "5").startswith("Keep your leg straight")
    page.fill("#call-text", "my calf is swollen and I can't breathe")
    page.click("#call-say")
    page.wait_for_function(
        "() => document.getElementById('call-state').textContent === 'call ended'"
    )
    said = page.locator("#call-transcript .turn.call:not(.note) .turn-body").last.inner_text()
    assert said.startswith("Call 9 9 9 now.")
    assert page.locator("#keypad .key").first.is_disabled()
    assert errors == []
