"""The interaction models and manifest: generated from the core's catalog, and current."""

from __future__ import annotations

import argparse
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from crampvoice.content import library
from crampvoice.intents import Intent
from crampvoice_skill.catalog import (
    LOCALES,
    NAVIGATE_HOME,
    catalog,
    interaction_model,
)
from crampvoice_skill.commands import build_skill

from .conftest import MODEL_SOURCE, MODELS, SKILL, checked_in_model

REQUIRED_BUILT_INS = {
    "AMAZON.HelpIntent",
    "AMAZON.StopIntent",
    "AMAZON.CancelIntent",
    "AMAZON.NavigateHomeIntent",
    "AMAZON.FallbackIntent",
}
# Alexa: letters, apostrophes, periods (spelled letters), hyphens and spaces; no digits.
SAMPLE = re.compile(r"[A-Za-z' .\-]+")


def language_model(locale: str) -> dict[str, Any]:
    model: dict[str, Any] = checked_in_model(locale)["interactionModel"]["languageModel"]
    return model


def test_the_checked_in_model_is_what_the_catalog_generates_for_every_locale() -> None:
    for locale in LOCALES:
        assert (
            language_model(locale) == interaction_model(locale)["interactionModel"]["languageModel"]
        ), "skill/interaction-model/en.json is stale: run `crampvoice build-skill`"
    assert build_skill(argparse.Namespace(out=str(MODELS), check=True)) == 0


def skill_copy(tmp_path: Path) -> Path:
    """A copy of skill/ (the source model and the package); its models folder."""
    shutil.copytree(SKILL / "interaction-model", tmp_path / "skill" / "interaction-model")
    return tmp_path / "skill" / "skill-package" / "interactionModels" / "custom"


def test_build_writes_each_locales_model_as_a_copy_of_the_one_source(tmp_path: Path) -> None:
    out = skill_copy(tmp_path)
    assert build_skill(argparse.Namespace(out=str(out), check=False)) == 0
    assert {p.stem for p in out.glob("*.json")} == set(LOCALES)
    source = MODEL_SOURCE.read_text(encoding="utf-8")
    for locale in LOCALES:
        assert (out / f"{locale}.json").read_text(encoding="utf-8") == source, locale


def test_the_check_fails_on_a_stale_source_and_build_fixes_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = skill_copy(tmp_path)
    source = tmp_path / "skill" / "interaction-model" / "en.json"
    stale = json.loads(source.read_text(encoding="utf-8"))
    stale["interactionModel"]["languageModel"]["intents"].pop(0)
    source.write_text(json.dumps(stale), encoding="utf-8")

    assert build_skill(argparse.Namespace(out=str(out), check=True)) == 1
    assert "en.json" in capsys.readouterr().err

    assert build_skill(argparse.Namespace(out=str(out), check=False)) == 0
    assert build_skill(argparse.Namespace(out=str(out), check=True)) == 0
    assert source.read_text(encoding="utf-8") == MODEL_SOURCE.read_text(encoding="utf-8")


def test_the_invocation_name_is_the_program_name() -> None:
    for locale in LOCALES:
        name = language_model(locale)["invocationName"]
        assert name == library().get(locale).program_name.lower() == "cramp coach"


def test_one_shot_relief_is_in_the_model() -> None:
    relief = next(i for i in language_model("en-US")["intents"] if i["name"] == "ReliefNowIntent")
    assert "what to do for a cramp" in relief["samples"]
    assert "what do I do for a leg cramp" in relief["samples"]


def test_every_intent_in_the_model_has_a_route_and_every_route_is_in_the_model() -> None:
    names = {i["name"] for i in language_model("en-US")["intents"]}
    routes = set(catalog().routes)
    assert names == routes | {NAVIGATE_HOME}
    assert names >= REQUIRED_BUILT_INS


def test_every_topic_of_advice_can_be_asked_for() -> None:
    routed = {route.topic or route.intent for route in catalog().routes.values()}
    for key, topic in library().get(None).topics.items():
        if topic.intent is not Intent.START:  # opting back in to text messages
            assert key in routed or topic.intent in routed, key


def test_every_core_intent_but_the_text_message_ones_is_reachable_by_voice() -> None:
    intents = {route.intent for route in catalog().routes.values()}
    # DELETE erases stored data (the skill stores nothing beyond the session); START opts
    # back in to text messages. STOP is Alexa's own Stop and Cancel.
    assert intents - {None} == set(Intent) - {Intent.DELETE, Intent.START}


def test_the_voice_model_has_no_text_message_words() -> None:
    intents = language_model("en-US")["intents"]
    said = " ".join(sample.lower() for intent in intents for sample in intent["samples"])
    for word in ("unsubscribe", "texting", "text me", "message", "sign me up", "opt in", "opt me"):
        assert word not in said, word
    names = {i["name"] for i in language_model("en-US")["intents"]}
    assert "StartIntent" not in names


def test_samples_and_slots_are_well_formed() -> None:
    model = language_model("en-US")
    types = {t["name"]: t for t in model["types"]}
    seen: dict[str, str] = {}
    for intent in model["intents"]:
        assert re.fullmatch(r"(AMAZON\.)?[A-Za-z]+", intent["name"]), intent["name"]
        slots = {s["name"]: s["type"] for s in intent.get("slots", [])}
        for slot_type in slots.values():
            assert slot_type in types, slot_type
        for sample in intent["samples"]:
            used = re.findall(r"\{(\w+)\}", sample)
            assert set(used) <= set(slots), sample
            assert SAMPLE.fullmatch(re.sub(r"\{\w+\}", "x", sample)), sample
            key = sample.lower()
            assert seen.setdefault(key, intent["name"]) == intent["name"], sample
    for slot_type in types.values():
        words = [
            w.lower()
            for v in slot_type["values"]
            for w in [v["name"]["value"], *v["name"]["synonyms"]]
        ]
        assert len(words) == len(set(words))
        assert all(SAMPLE.fullmatch(w) for w in words)


def test_the_manifest_matches_the_models_and_carries_the_notices() -> None:
    manifest = json.loads((SKILL / "skill-package" / "skill.json").read_text(encoding="utf-8"))[
        "manifest"
    ]
    locales = manifest["publishingInformation"]["locales"]
    assert set(locales) == set(LOCALES)
    for info in locales.values():
        assert info["name"] == "Cramp Coach"
        assert "not medical advice" in info["description"]
        assert "not for emergencies" in info["description"]
        assert "Privacy" in info["description"]
        assert len(info["summary"]) <= 160
        assert any("what to do for a cramp" in p for p in info["examplePhrases"])
    permissions = {p["name"] for p in manifest["permissions"]}
    assert "alexa::alerts:reminders:skill:readwrite" in permissions
    interfaces = {i["type"] for i in manifest["apis"]["custom"]["interfaces"]}
    assert "ALEXA_PRESENTATION_APL" in interfaces


def test_the_ask_cli_project_deploys_the_built_bundle() -> None:
    resources = json.loads((SKILL / "ask-resources.json").read_text(encoding="utf-8"))
    profile = resources["profiles"]["default"]
    assert profile["skillMetadata"]["src"] == "./skill-package"
    assert profile["code"]["default"]["src"] == "../build/lambda"
    config = profile["skillInfrastructure"]["userConfig"]
    assert config["handler"] == "lambda_function.lambda_handler"
    assert config["runtime"].startswith("python3")
