"""The content loader refuses content that must not ship, naming the file and the key."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from crampvoice import gsm
from crampvoice.content import ContentError, Library, library, load_library
from crampvoice.intents import ANSWER_INTENTS

SHARED = Path(__file__).parents[2] / "shared"
LOCALES = ("en", "en-US", "en-GB", "en-CA", "en-AU", "en-IN", "en-IE", "en-NZ")


@pytest.fixture
def shared_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "shared"
    shutil.copytree(SHARED, copy)
    return copy


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_shipped_content_loads_every_locale() -> None:
    content = library()
    for locale in LOCALES:
        assert content.get(locale).locale == locale
    assert library() is content  # loaded once per process


def test_every_answer_intent_has_text_in_every_locale() -> None:
    content = library()
    for locale in LOCALES:
        topics = content.get(locale).topics
        for intent in ANSWER_INTENTS:
            assert intent.value in topics, (locale, intent)


def test_curly_quote_in_sms_names_file_and_key(shared_copy: Path) -> None:
    edit(
        shared_copy / "content" / "en.toml",
        'sms = "Rubbing the calf firmly often',
        'sms = "Rubbing \u2018the\u2019 calf firmly often',
    )
    with pytest.raises(ContentError) as error:
        load_library(shared_copy)
    message = str(error.value)
    assert "en.toml" in message
    assert "topics.massage.sms" in message
    assert "GSM-7" in message and "U+2018" in message


def test_non_gsm_in_an_overlay_names_the_overlay(shared_copy: Path) -> None:
    edit(
        shared_copy / "content" / "en-GB.toml", 'sms = "Mention this', 'sms = "\u2014 Mention this'
    )
    with pytest.raises(ContentError) as error:
        load_library(shared_copy)
    assert str(error.value).startswith("en-GB.toml: escalation.routine.sms")


def test_unknown_key_is_rejected(shared_copy: Path) -> None:
    overlay = shared_copy / "content" / "en-AU.toml"
    overlay.write_text(overlay.read_text() + '\n[topics.massage]\nvioce = "typo"\n')
    with pytest.raises(ContentError, match=r"en-AU.toml: topics.massage.vioce: unknown key"):
        load_library(shared_copy)


def test_missing_intent_is_rejected(shared_copy: Path) -> None:
    base = shared_copy / "content" / "en.toml"
    text = base.read_text()
    start = text.index("[topics.duration]")
    end = text.index("[topics.", start + 5)
    base.write_text(text[:start] + text[end:])
    with pytest.raises(ContentError, match=r"en.toml: topics.duration .*missing"):
        load_library(shared_copy)


def test_relief_sms_must_fit_one_segment(shared_copy: Path) -> None:
    edit(
        shared_copy / "content" / "en.toml",
        "Hold 30 secs, then rub the calf",
        "Hold it for about thirty seconds while breathing slowly, and then rub the calf",
    )
    with pytest.raises(ContentError, match=r"topics.relief_now.sms .* budget is 160"):
        load_library(shared_copy)


def test_voice_step_over_25_words_is_rejected(shared_copy: Path) -> None:
    edit(
        shared_copy / "content" / "en.toml",
        "Now rub your calf firmly with both hands",
        "Now, slowly and carefully, using both of your hands at once, rub your calf muscle "
        "firmly up and down, from the ankle to the knee,",
    )
    with pytest.raises(ContentError, match=r"guides.relief.steps\[1\].voice .*at most 25"):
        load_library(shared_copy)


def all_texts(content: Library) -> list[tuple[str, str, str]]:
    texts = []
    for locale, loc in content.locales.items():
        for key, topic in loc.topics.items():
            texts += [
                (locale, f"topics.{key}", topic.text.voice),
                (locale, f"topics.{key}", topic.text.sms),
            ]
        for key, guide in loc.guides.items():
            for step in guide.steps:
                texts += [
                    (locale, f"guides.{key}", step.text.voice),
                    (locale, f"guides.{key}", step.text.sms),
                ]
            texts += [
                (locale, f"guides.{key}", t)
                for t in (guide.intro.voice, guide.intro.sms, guide.done.voice, guide.done.sms)
            ]
        for group in (loc.escalation, loc.system):
            for key, text in group.items():
                texts += [(locale, key, text.voice), (locale, key, text.sms)]
    return texts


# Written by hand from ../shared/clinical-reference.md sections 2, 4 and 8.
FORBIDDEN = [
    (r"\b\d+\s*(mg|milligram|mcg|iu)\b", "a supplement dose"),
    (r"\b(take|try|drink)\b[^.]*\b(quinine|tonic water)\b", "suggesting quinine"),
    (r"\b(take|try)\b[^.]*\b(ibuprofen|nsaid|aspirin)\b", "suggesting ibuprofen"),
    (r"not a (blood )?clot", "'this is not a clot'"),
    (r"\bjust a cramp\b", "dismissing"),
    (r"\bcures?\b", "claiming a cure"),
    (r"significantly reduce", "seed claim: magnesium significantly reduced cramps"),
    (r"relief within minutes", "seed claim: relief within minutes"),
    (r"more than a week", "seed claim: see a doctor after a week"),
    (r"often leads? to", "seed claim: calcium deficiency often leads to cramps"),
    (r"salt(ed)? water (can|will|gives?)", "seed claim: salted water relief"),
]


def test_no_forbidden_claims_anywhere() -> None:
    for locale, key, text in all_texts(library()):
        for pattern, why in FORBIDDEN:
            assert not re.search(pattern, text, re.IGNORECASE), (locale, key, why, text)


def test_every_sms_text_is_gsm7() -> None:
    for locale in LOCALES:
        for topic in library().get(locale).topics.values():
            assert gsm.is_gsm7(topic.text.sms), (locale, topic.key)


def test_every_answer_names_its_sources() -> None:
    for topic in library().get("en").topics.values():
        assert topic.sources and all(s.strip() for s in topic.sources)


def test_countries_map_to_locales() -> None:
    content = library()
    assert content.locale_for_country("GB") == "en-GB"
    assert content.locale_for_country("us") == "en-US"
    assert content.get(content.locale_for_country("DE")).region.emergency == "112"
    assert content.get(content.locale_for_country("BR")).region.emergency == (
        "your local emergency number"
    )


# Written by hand: words that must never be spoken by a reminder on a shared speaker.
MEDICAL_WORDS = (
    "pregnan",
    "cramp",
    "clot",
    "pain",
    "midwife",
    "doctor",
    "baby",
    "leg",
    "calf",
    "swell",
    "magnesium",
    "medic",
    "symptom",
    "birth",
)


def test_speaker_reminder_has_no_medical_words() -> None:
    for locale in LOCALES:
        reminder = library().get(locale).system["reminder"]
        for text in (reminder.voice, reminder.sms):
            assert not any(word in text.lower() for word in MEDICAL_WORDS), (locale, text)


def test_bedtime_confirmation_says_what_how_often_cost_and_stop() -> None:
    from crampvoice.content import fill_runtime

    text = fill_runtime(
        library().get("en-US").system["bedtime_confirm"].sms,
        {"time": "9:30 pm", "zone": "America/New_York"},
    )
    assert "every night at 9:30 pm" in text
    assert "Msg & data rates may apply" in text
    assert "STOP" in text and "HELP" in text
    assert gsm.segments(text) <= 2


def test_nightly_prompts_rotate_and_fit_one_segment() -> None:
    prompts = library().get("en-GB").reminders
    assert len(prompts) >= 3
    assert all(gsm.segments(p) == 1 for p in prompts)


def test_runtime_placeholder_budget_is_checked_with_long_values(shared_copy: Path) -> None:
    edit(
        shared_copy / "content" / "en.toml",
        'sms = "Time zone set to {zone}."',
        'sms = "' + "Your time zone is now set to {zone}. " * 8 + '"',
    )
    with pytest.raises(ContentError, match=r"system\.bedtime_zone_set\.sms"):
        load_library(shared_copy)


def test_help_names_program_contact_cost_and_stop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRAMPVOICE_CONTACT", "help@clinic.example")
    text = load_library(SHARED).get("en-US").topics["help"].text.sms
    assert text.startswith("Cramp Coach")
    assert "help@clinic.example" in text
    assert "Msg & data rates may apply" in text and "STOP" in text
    assert "nightly" in text


def test_an_operator_contact_too_long_for_help_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CRAMPVOICE_CONTACT", "x" * 200)
    with pytest.raises(ContentError, match=r"topics\.help\.sms"):
        load_library(SHARED)


def test_zone_names_are_the_regions_own_and_fall_back_to_the_city() -> None:
    content = library()
    assert content.get("en-US").zone_name("America/New_York") == "Eastern time"
    assert content.get("en-GB").zone_name("Europe/London") == "UK time"
    assert content.get("en-AU").zone_name("Australia/Perth") == "Perth time"
    assert content.get("en-US").zone_name("Europe/London") == "London time"
    assert content.get("en").zone_name("America/Argentina/Buenos_Aires") == "Buenos Aires time"


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ('"Mars/Olympus_Mons" = "Mars time"', "not an IANA time zone"),
        ('"America/Chicago" = "Central \u2014 time"', "GSM-7"),
        ('"America/Chicago" = ""', "non-empty"),
    ],
)
def test_a_bad_zone_name_is_refused(shared_copy: Path, entry: str, problem: str) -> None:
    overlay = shared_copy / "content" / "en-US.toml"
    edit(overlay, '"America/Chicago" = "Central time"', entry)
    with pytest.raises(ContentError, match=rf"en-US.toml: zone_names\..*{problem}"):
        load_library(shared_copy)
