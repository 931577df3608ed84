"""Per-number reply limit: past it one notice, then silence; escalations always go out."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Phone


@pytest.fixture
def app_settings() -> dict[str, Any]:
    return {"CRAMPVOICE_SMS_RATE_LIMIT": 3, "CRAMPVOICE_SMS_RATE_WINDOW": 3600}


def test_past_the_limit_one_notice_then_silence(phone: Phone, us_phone: Phone) -> None:
    for _ in range(3):
        assert phone.text("tips") is not None
    notice = phone.text("tips")
    assert notice is not None and "wait a little" in notice
    assert phone.text("tips") is None
    assert phone.text("hello") is None
    assert us_phone.text("tips") is not None  # another number is not affected


def test_escalations_are_exempt(phone: Phone) -> None:
    for _ in range(5):
        phone.text("tips")
    urgent = phone.text("my calf is swollen red and hot")
    assert urgent is not None and "now" in urgent
    emergency = phone.text("I have chest pain and can't breathe")
    assert emergency is not None and emergency.startswith("Call 999 now")


def test_stop_and_delete_still_work_past_the_limit(phone: Phone) -> None:
    for _ in range(5):
        phone.text("tips")
    confirmation = phone.text("STOP")
    assert confirmation is not None and "START" in confirmation
    assert phone.text("tips") is None


def test_a_silenced_message_does_not_move_the_conversation(phone: Phone) -> None:
    phone.text("cramp")
    phone.text("tips")
    phone.text("why")
    phone.text("next")  # the notice
    assert phone.text("next") is None
