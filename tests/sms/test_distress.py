"""A frightened person by SMS: distress is answered with help, never taken as a command."""

from __future__ import annotations

import pytest

from tests.sms.conftest import Phone


@pytest.mark.parametrize(
    "body", ["STOP IT HURTS", "help me", "it won't stop", "again!! third time"]
)
def test_distress_gets_the_first_instruction_and_the_danger_signs(
    us_phone: Phone, body: str
) -> None:
    reply = us_phone.text(body)
    assert reply is not None and reply.startswith("Straighten your leg")
    assert "Call 911" in reply
    # Still subscribed: the next text is answered as usual.
    assert us_phone.text("tips") is not None


def test_a_yes_to_the_safety_question_escalates_on_the_next_text(us_phone: Phone) -> None:
    """The question's name survives the stored state (it was dropped, so YES lapsed)."""
    asked = us_phone.text("I have a headache")
    assert asked is not None and "YES or NO" in asked
    answer = us_phone.text("yes")
    assert answer is not None and answer.startswith("Contact "), answer
