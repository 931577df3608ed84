"""Every question the seed articles ask, written by hand with the intent it must reach.

The seeds are ../shared/seeds/*.txt; the table is typed here, not read from them or
from the phrasings under test.
"""

from __future__ import annotations

import pytest

from crampvoice.engine import Core
from crampvoice.intents import Intent

SEED_QUESTIONS = [
    # (message, intent, topic or None when any topic of that intent will do)
    ("What causes leg cramps during pregnancy?", Intent.CAUSES, "causes"),
    ("What is the exact cause of leg cramps?", Intent.CAUSES, "causes"),
    ("Why do leg cramps occur during pregnancy?", Intent.CAUSES, None),
    ("What role do hormones play in causing leg cramps?", Intent.CAUSES, "causes"),
    ("How do circulatory changes cause leg cramps?", Intent.CAUSES, "causes"),
    ("Can electrolyte imbalances lead to leg cramps?", Intent.CAUSES, None),
    ("Is it the weight of the baby that causes cramps?", Intent.CAUSES, "causes"),
    ("is it pressure on a nerve that causes the cramps", Intent.CAUSES, "causes"),
    ("Why do I get cramps at night?", Intent.CAUSES, "night"),
    ("why are leg cramps worse at night", Intent.CAUSES, "night"),
    (
        "Why are leg cramps more common in later stages of pregnancy?",
        Intent.CAUSES,
        "later_pregnancy",
    ),
    ("why are my cramps getting worse in the third trimester", Intent.CAUSES, "later_pregnancy"),
    ("What are leg cramps?", Intent.ABOUT, "about"),
    ("are leg cramps normal in pregnancy", Intent.ABOUT, None),
    ("How common are leg cramps in pregnancy?", Intent.ABOUT, "how_common"),
    ("How can you relieve the pain?", Intent.RELIEF_NOW, None),
    ("What is the best way to relieve leg cramps?", Intent.RELIEF_NOW, None),
    ("i have a cramp in my calf right now", Intent.RELIEF_NOW, "relief_now"),
    ("I've got a charley horse", Intent.RELIEF_NOW, "relief_now"),
    ("my calf seized up", Intent.RELIEF_NOW, "relief_now"),
    ("ow my foot is cramping", Intent.RELIEF_NOW, "relief_now"),
    ("cramp!!", Intent.RELIEF_NOW, "relief_now"),
    ("my calf cramped up in bed what do i do", Intent.RELIEF_NOW, "relief_now"),
    ("Does massaging the calf help?", Intent.RELIEF_NOW, "massage"),
    ("should I use heat or cold packs", Intent.RELIEF_NOW, "heat"),
    ("Can you prevent leg cramps?", Intent.PREVENTION, "prevention"),
    ("How to prevent pregnant leg cramp?", Intent.PREVENTION, "prevention"),
    ("how do I stop getting leg cramps", Intent.PREVENTION, "prevention"),
    ("Does drinking water help with leg cramps?", Intent.PREVENTION, "hydration"),
    ("can dehydration cause cramps", Intent.PREVENTION, "hydration"),
    ("What should I eat to avoid leg cramps?", Intent.PREVENTION, "diet"),
    ("do bananas help leg cramps", Intent.PREVENTION, "diet"),
    ("Should I limit caffeine?", Intent.PREVENTION, "diet"),
    ("Do supportive shoes help?", Intent.PREVENTION, "shoes"),
    ("Should I wear compression stockings?", Intent.PREVENTION, "compression_stockings"),
    ("do compression socks help with cramps", Intent.PREVENTION, "compression_stockings"),
    ("Which side should I sleep on?", Intent.PREVENTION, "sleep_position"),
    ("does sleeping position matter for cramps", Intent.PREVENTION, "sleep_position"),
    ("Does a warm bath before bed help?", Intent.PREVENTION, "warm_bath"),
    ("is walking good for leg cramps", Intent.PREVENTION, "exercise"),
    ("is swimming good exercise for cramps", Intent.PREVENTION, "exercise"),
    ("should I elevate my legs", Intent.PREVENTION, "elevate_legs"),
    ("What stretches should I do before bed?", Intent.BEDTIME, "bedtime"),
    ("start my bedtime stretches", Intent.BEDTIME, "bedtime"),
    ("Can magnesium help leg cramps?", Intent.SUPPLEMENTS, "magnesium"),
    ("should I take magnesium supplements", Intent.SUPPLEMENTS, "magnesium"),
    ("Do Epsom salts help?", Intent.SUPPLEMENTS, "magnesium"),
    ("Will calcium tablets stop the cramps?", Intent.SUPPLEMENTS, "calcium"),
    ("are cramps caused by low calcium", Intent.SUPPLEMENTS, "calcium"),
    ("Does potassium help leg cramps?", Intent.SUPPLEMENTS, "potassium"),
    ("Should I take vitamin D supplements?", Intent.SUPPLEMENTS, "vitamins"),
    ("Can I drink tonic water for leg cramps?", Intent.SUPPLEMENTS, "quinine"),
    ("is quinine safe in pregnancy", Intent.SUPPLEMENTS, "quinine"),
    ("Do sports drinks help with cramps?", Intent.SUPPLEMENTS, "salt_drinks"),
    ("does salted water give relief", Intent.SUPPLEMENTS, "salt_drinks"),
    ("is coconut water good for cramps", Intent.SUPPLEMENTS, "salt_drinks"),
    ("are there supplements for leg cramps", Intent.SUPPLEMENTS, "supplements"),
    ("Can I take ibuprofen for a leg cramp?", Intent.MEDICINE, "medicine"),
    ("what painkillers can I take", Intent.MEDICINE, "medicine"),
    ("How long do leg cramps last?", Intent.DURATION, "duration"),
    ("why is my calf still sore the next day", Intent.DURATION, "duration"),
    ("When do leg cramps start in pregnancy?", Intent.DURATION, "when_start_end"),
    ("Do leg cramps go away after birth?", Intent.DURATION, "when_start_end"),
    ("When should I see a doctor about leg cramps?", Intent.WHEN_TO_GET_HELP, None),
    ("What if the pain persists?", Intent.WHEN_TO_GET_HELP, None),
    ("when should I worry", Intent.WHEN_TO_GET_HELP, "when_to_get_help"),
    ("What does a blood clot feel like?", Intent.WHEN_TO_GET_HELP, "clot_signs"),
    ("how can I tell a cramp from a clot", Intent.WHEN_TO_GET_HELP, "clot_signs"),
    ("what are the signs of DVT", Intent.WHEN_TO_GET_HELP, "clot_signs"),
    ("I have stomach cramps", Intent.NOT_LEG_CRAMP, "not_leg_cramp"),
    ("my belly is cramping", Intent.NOT_LEG_CRAMP, "not_leg_cramp"),
    ("is it normal to have cramps in my buttocks", Intent.ABOUT, None),
    ("hello", Intent.GREETING, "greeting"),
    ("thanks so much", Intent.THANKS, "thanks"),
    ("HELP", Intent.HELP, "help"),
    ("STOP", Intent.STOP, "stop"),
    ("unsubscribe", Intent.STOP, "stop"),
    ("START", Intent.START, "start"),
    ("next", Intent.NEXT, None),
    ("say that again", Intent.REPEAT, None),
    ("go back", Intent.PREVIOUS, None),
    ("yes", Intent.YES, None),
    ("nope", Intent.NO, None),
    ("TIPS", Intent.PREVENTION, "prevention"),
    ("WHY", Intent.CAUSES, "causes"),
    ("what's the weather tomorrow", Intent.FALLBACK, None),
]


@pytest.fixture(scope="module")
def core() -> Core:
    return Core.default()


@pytest.mark.parametrize(("message", "intent", "topic"), SEED_QUESTIONS)
def test_seed_questions_are_understood(
    core: Core, message: str, intent: Intent, topic: str | None
) -> None:
    understood = core.understand(message)
    assert understood.intent is intent, (message, understood)
    if topic is not None:
        assert understood.topic == topic, (message, understood)


@pytest.mark.parametrize(
    ("message", "intent"),
    [
        ("i have a cramo in my calf", Intent.RELIEF_NOW),  # typo
        ("my calfs are cramping", Intent.RELIEF_NOW),  # plural, misspelt
        ("charlie horse!!", Intent.RELIEF_NOW),  # slang, misspelt
        ("does magnesiumm help", Intent.SUPPLEMENTS),
        ("how to prevnt cramps", Intent.PREVENTION),
        ("wat causes leg cramps", Intent.CAUSES),
        ("Cramps.", Intent.RELIEF_NOW),
        ("   hello   ", Intent.GREETING),
    ],
)
def test_typos_plurals_and_slang(core: Core, message: str, intent: Intent) -> None:
    assert core.understand(message).intent is intent


@pytest.mark.parametrize("message", ["", "   ", "🙂🙂", "asdfghjkl", "k", "x" * 2000])
def test_odd_messages_fall_back(core: Core, message: str) -> None:
    assert core.understand(message).intent is Intent.FALLBACK


# Questions about something else are never answered with relief steps: each of these
# has its own answer, or none ("say so and offer the menu").
DISTINCT_ANSWERS = [
    ("How did I get leg cramps?", Intent.CAUSES, None),
    ("how come i get these cramps", Intent.CAUSES, None),
    ("When will they end?", Intent.DURATION, "when_start_end"),
    ("will the cramps ever stop after the birth", Intent.DURATION, "when_start_end"),
    ("Can I control when one strikes?", Intent.PREVENTION, "prevention"),
    ("what can I do to stop them happening", Intent.PREVENTION, "prevention"),
    ("do the cramps mean something is wrong?", Intent.WHEN_TO_GET_HELP, None),
    ("I think I have restless legs, I can't keep them still at night", None, "restless_legs"),
    ("is it restless legs or cramps?", None, "restless_legs"),
    ("why do I only get cramps at night?", Intent.CAUSES, "night"),
]


@pytest.mark.parametrize(("message", "intent", "topic"), DISTINCT_ANSWERS)
def test_each_question_gets_its_own_answer(
    core: Core, message: str, intent: Intent | None, topic: str | None
) -> None:
    understood = core.understand(message)
    assert understood.intent is not Intent.RELIEF_NOW, message
    if intent is not None:
        assert understood.intent is intent, (message, understood)
    if topic is not None:
        assert understood.topic == topic, (message, understood)


@pytest.mark.parametrize(
    "message",
    [
        "what crib should I buy?",
        "is it safe to fly at 30 weeks?",
        "do cramps have a colour?",
        "can my cat sense the cramps?",
    ],
)
def test_a_question_nothing_fits_is_not_answered_with_relief(core: Core, message: str) -> None:
    assert core.understand(message).intent is Intent.FALLBACK, message


@pytest.mark.parametrize(
    "message",
    ["is water retention normal at 30 weeks?", "I think my waters broke", "hot water bottle?"],
)
def test_water_that_is_not_a_drink_is_not_about_drinking(core: Core, message: str) -> None:
    assert core.understand(message).topic != "hydration", message


def test_drinking_water_is_still_about_drinking(core: Core) -> None:
    assert core.understand("should I drink more water for cramps?").topic == "hydration"


def test_a_statement_about_a_cramp_is_a_cramp_now(core: Core) -> None:
    assert core.understand("cramp in my calf again").intent is Intent.RELIEF_NOW
