"""Conversations with the skill, through Lambda and through POST /alexa.

Every response is checked by the speaker for valid SSML inside Alexa's limits.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from crampvoice.content import library

from .conftest import Speaker, checked_in_model

Make = Callable[..., Speaker]


def relief_steps(locale: str = "en-US") -> list[str]:
    return [step.text.voice for step in library().get(locale).guides["relief"].steps]


def test_open_the_skill_greets_with_the_first_thing_to_do_and_waits(speaker: Make) -> None:
    turn = speaker().launch()
    assert "straighten your leg" in turn.first_sentence.lower()
    assert "not medical advice" in turn.said
    assert not turn.ended
    assert turn.reprompt


def test_one_shot_relief_says_the_first_instruction_first_and_counts_the_hold(
    speaker: Make,
) -> None:
    # "Alexa, ask Cramp Coach what to do for a leg cramp": a new session, straight to the intent.
    turn = speaker().intent("ReliefNowIntent")
    assert turn.first_sentence == "Straighten your leg and pull your toes up toward your shin."
    assert relief_steps()[0] in turn.said
    assert turn.held_seconds == 30  # counted with breaks of at most 10 s
    assert re.search(r"\b5\b.*\b10\b.*\b15\b", turn.said)
    assert turn.said.endswith("Say next when you're ready.")
    assert turn.reprompt == "Say next when you're ready."
    assert not turn.ended


def test_a_guided_relief_session_walks_next_repeat_previous_and_stop(speaker: Make) -> None:
    alexa = speaker(locale="en-GB")
    steps = relief_steps("en-GB")
    alexa.intent("ReliefNowIntent")

    second = alexa.intent("AMAZON.NextIntent")
    assert second.said.startswith(steps[1])
    assert second.held_seconds == 20

    again = alexa.intent("AMAZON.RepeatIntent")
    assert again.said == second.said

    back = alexa.intent("AMAZON.PreviousIntent")
    assert back.said.startswith(steps[0])
    assert back.held_seconds == 30

    for step in steps[1:]:
        assert alexa.intent("AMAZON.NextIntent").said.startswith(step)
    done = alexa.intent("AMAZON.NextIntent")
    assert "That's all the steps" in done.said
    assert not done.ended and done.reprompt

    bye = alexa.intent("AMAZON.StopIntent")
    assert bye.ended
    assert "999" in bye.said  # what to do in an emergency, even on the way out
    assert bye.reprompt is None


def test_previous_on_the_first_step_says_so_and_stays(speaker: Make) -> None:
    alexa = speaker()
    alexa.intent("ReliefNowIntent")
    turn = alexa.intent("AMAZON.PreviousIntent")
    assert "first step" in turn.said
    assert relief_steps()[0] in turn.said


def test_next_without_steps_in_progress_offers_some(speaker: Make) -> None:
    turn = speaker().intent("AMAZON.NextIntent")
    assert "no steps in progress" in turn.said.lower()
    assert turn.reprompt and not turn.ended


@pytest.mark.parametrize(
    ("locale", "symptom", "body_part", "number"),
    [
        ("en-GB", "chest pain", None, "999"),
        ("en-US", "short of breath", None, "911"),
        ("en-AU", "coughing up blood", None, "000"),
        ("en-US", "trouble breathing", None, "911"),  # a synonym: the resolved value counts
        ("en-GB", "tight", "chest", "999"),
    ],
)
def test_an_emergency_is_spoken_with_the_number_carded_and_ends_the_session(
    speaker: Make, locale: str, symptom: str, body_part: str | None, number: str
) -> None:
    turn = speaker(locale=locale).symptom(symptom, body_part)
    assert turn.first_sentence == f"Call {number} now."
    assert f'<say-as interpret-as="telephone">{number}</say-as>' in turn.ssml
    assert turn.card is not None and turn.card["type"] == "Simple"
    assert number in turn.card["content"]
    assert turn.ended and turn.reprompt is None


@pytest.mark.parametrize(
    ("locale", "symptom", "body_part", "number"),
    [
        ("en-US", "swollen", "calf", "911"),
        ("en-GB", "puffy", "leg", "999"),
        ("en-AU", "hot", "calf", "000"),
    ],
)
def test_signs_of_a_clot_send_to_urgent_care_with_a_card(
    speaker: Make, locale: str, symptom: str, body_part: str, number: str
) -> None:
    turn = speaker(locale=locale).symptom(symptom, body_part)
    assert turn.first_sentence.startswith("Contact ")
    assert turn.card is not None and number in turn.card["content"]
    assert turn.ended


def test_a_red_flag_in_the_middle_of_the_steps_ends_the_routine(speaker: Make) -> None:
    alexa = speaker(locale="en-GB")
    alexa.intent("ReliefNowIntent")
    alexa.intent("AMAZON.NextIntent")
    turn = alexa.symptom("can't breathe")
    assert turn.first_sentence == "Call 999 now."
    assert turn.ended
    assert "relief" not in json.dumps(turn.attributes)


def test_a_cramp_described_in_words_gets_relief(speaker: Make) -> None:
    turn = speaker().symptom("knotted", "calf")
    assert turn.first_sentence == "Straighten your leg and pull your toes up toward your shin."
    assert turn.card is None


def test_a_sore_leg_gets_the_clot_check_question(speaker: Make) -> None:
    alexa = speaker(locale="en-GB")
    question = alexa.symptom("aching", "calf")
    assert question.said == library().get("en-GB").system["leg_check"].voice
    assert question.reprompt and not question.ended
    answer = alexa.intent("AMAZON.YesIntent")  # yes, it is swollen or red
    assert answer.card is not None and "999" in answer.card["content"]
    assert answer.ended


def test_a_screen_shows_the_step_and_what_to_say_next(speaker: Make) -> None:
    alexa = speaker(apl=True)
    alexa.intent("ReliefNowIntent")
    turn = alexa.intent("AMAZON.NextIntent")
    assert turn.screen is not None
    assert turn.screen["progress"] == "2 / 4"
    assert turn.screen["text"] == relief_steps()[1]
    assert turn.screen["hint"] == "Say next when you're ready."
    assert turn.screen["title"] == "Cramp Coach"


def test_a_speaker_without_a_screen_gets_no_screen(speaker: Make) -> None:
    alexa = speaker(apl=False)
    assert alexa.intent("ReliefNowIntent").directives == []
    assert alexa.symptom("chest pain").directives == []


def test_an_emergency_on_a_screen_shows_the_number(speaker: Make) -> None:
    turn = speaker(locale="en-AU", apl=True).symptom("chest pain")
    assert turn.screen is not None and "000" in turn.screen["text"]
    assert turn.screen["hint"] == ""


def test_help_and_fallback_keep_the_conversation_open(speaker: Make) -> None:
    alexa = speaker()
    help_turn = alexa.intent("AMAZON.HelpIntent")
    assert "not medical advice" in help_turn.said and not help_turn.ended and help_turn.reprompt
    fallback = alexa.intent("AMAZON.FallbackIntent")
    assert "not sure what you're asking" in fallback.said
    assert not fallback.ended and fallback.reprompt


def test_the_fallback_intent_names_the_danger_signs_and_the_number(speaker: Make) -> None:
    # FallbackIntent carries no words to triage: the safety net is said every time.
    said = speaker(locale="en-GB").intent("AMAZON.FallbackIntent").said
    for sign in ("chest pain", "trouble breathing", "heavy bleeding", "baby is moving less"):
        assert sign in said
    assert said.endswith("call 999.")


def test_an_intent_the_skill_does_not_know_is_a_fallback(speaker: Make) -> None:
    turn = speaker().intent("SomeRetiredIntent")
    assert "not sure what you're asking" in turn.said and not turn.ended


@pytest.mark.parametrize("name", ["AMAZON.StopIntent", "AMAZON.CancelIntent", "AMAZON.NoIntent"])
def test_leaving_ends_the_session_and_names_the_emergency_number(speaker: Make, name: str) -> None:
    turn = speaker(locale="en-AU").intent(name)
    assert turn.ended and "000" in turn.said


def test_go_home_is_the_welcome_and_forgets_the_routine(speaker: Make) -> None:
    alexa = speaker()
    alexa.intent("ReliefNowIntent")
    home = alexa.intent("AMAZON.NavigateHomeIntent")
    assert "straighten your leg" in home.first_sentence.lower()
    assert home.attributes == {}
    assert "no steps in progress" in alexa.intent("AMAZON.NextIntent").said.lower()


def test_yes_after_an_answer_offers_the_options(speaker: Make) -> None:
    alexa = speaker()
    alexa.intent("MagnesiumIntent")
    turn = alexa.intent("AMAZON.YesIntent")
    assert turn.said.endswith("?") and not turn.ended


def test_session_ended_says_nothing(speaker: Make) -> None:
    alexa = speaker()
    alexa.intent("ReliefNowIntent")
    turn = alexa.request({"type": "SessionEndedRequest", "reason": "USER_INITIATED"})
    assert "outputSpeech" not in turn.response


def test_session_ended_by_an_error_says_nothing(speaker: Make) -> None:
    turn = speaker().request(
        {
            "type": "SessionEndedRequest",
            "reason": "ERROR",
            "error": {"type": "INVALID_RESPONSE", "message": "bad"},
        }
    )
    assert "outputSpeech" not in turn.response


def test_back_from_another_connection_carries_on(speaker: Make) -> None:
    # The reminders permission (AskFor) has its own handler: tests/skill/test_reminders.py.
    alexa = speaker()
    alexa.intent("BedtimeIntent")
    turn = alexa.request(
        {
            "type": "Connections.Response",
            "name": "Upsell",
            "status": {"code": "200", "message": "OK"},
            "payload": {"purchaseResult": "DECLINED"},
            "token": "",
        }
    )
    assert turn.said.endswith("?") and not turn.ended
    assert turn.attributes.get("topic") == "bedtime"


def test_a_broken_request_gets_the_safe_reply_with_the_emergency_number(speaker: Make) -> None:
    turn = speaker(locale="en-US").request({"type": "IntentRequest"})  # no intent at all
    assert "something went wrong" in turn.said
    assert "911" in turn.said
    assert not turn.ended and turn.reprompt


def test_damaged_session_attributes_start_afresh(speaker: Make) -> None:
    alexa = speaker()
    alexa.new = False
    alexa.attributes = {"guide": "nonsense", "step": "x", "pending": 3}
    turn = alexa.intent("AMAZON.NextIntent")
    assert "no steps in progress" in turn.said.lower()


@pytest.mark.parametrize("locale", ["en-US", "en-GB", "en-CA", "en-AU", "en-IN"])
def test_every_intent_in_the_model_answers_within_limits(
    send: Callable[[dict[str, Any]], dict[str, Any]], locale: str
) -> None:
    model = checked_in_model(locale)
    for intent in model["interactionModel"]["languageModel"]["intents"]:
        alexa = Speaker(send, locale=locale, apl=True)
        slots = {s["name"]: "cramping" for s in intent.get("slots", []) if s["name"] == "symptom"}
        turn = alexa.intent(intent["name"], **slots)  # the speaker checks SSML and limits
        assert turn.said, intent["name"]
        assert turn.ended or turn.reprompt, f"{intent['name']} leaves the mic open with no question"
