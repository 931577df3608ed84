"""The Lambda entry point: the skill id check, and a bundle without the web app."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from ask_sdk_core.exceptions import AskSdkException

from .conftest import ROOT, SKILL, SKILL_ID, Speaker, load_lambda_function


def test_a_request_for_another_skill_is_refused_when_the_id_is_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ALEXA_SKILL_ID", SKILL_ID)
    handler = load_lambda_function().lambda_handler
    stranger = Speaker(lambda e: handler(e, None), application_id="amzn1.ask.skill.someone-else")
    with pytest.raises(AskSdkException):
        stranger.launch()
    assert Speaker(lambda e: handler(e, None)).launch().said


def test_without_an_id_the_lambda_does_not_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ALEXA_SKILL_ID", raising=False)
    with pytest.raises(SystemExit):
        load_lambda_function()


def test_the_lambda_imports_neither_the_web_app_nor_the_sms_stack() -> None:
    code = (
        f"import sys, json; sys.path.insert(0, {str(SKILL / 'lambda')!r})\n"
        "import lambda_function\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    env = {**os.environ, "ALEXA_SKILL_ID": SKILL_ID}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT, env=env
    )
    modules = set(json.loads(out.stdout))
    unwanted = {"flask", "cryptography", "twilio", "sqlalchemy", "werkzeug", "phonenumbers"}
    assert unwanted.isdisjoint(modules)
    assert "ask_sdk_core" in modules


def test_the_core_imports_no_adapter_framework() -> None:
    code = (
        "import sys, json\n"
        "import crampvoice.engine, crampvoice.render, crampvoice.understanding\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert {"flask", "ask_sdk_core", "ask_sdk_model", "twilio"}.isdisjoint(json.loads(out.stdout))
