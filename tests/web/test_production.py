"""The production entry points refuse unsafe settings: `crampvoice_web.wsgi:app` (imported
as gunicorn imports it, and under gunicorn itself) and the Alexa Lambda each print one
line naming the setting and exit non-zero, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
STRONG_TOKEN = "9f86d081884c7d659a2feaa0c55ad015"  # the shape of a real Twilio auth token
STRONG_KEY = "kJ3v9Qw2Zx8Lm4Np6Rt1Yb5Hc7Df0Gs2Ua4Ie6Oo8Pq"
SKILL_ID = "amzn1.ask.skill.11111111-2222-3333-4444-555555555555"


def production_env(tmp_path: Path, **changes: str | None) -> dict[str, str]:
    env = {
        "PATH": os.environ["PATH"],
        "CRAMPVOICE_PUBLIC_URL": "https://cramp.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'prod.sqlite3'}",
        "TWILIO_AUTH_TOKEN": STRONG_TOKEN,
        "CRAMPVOICE_SECRET_KEY": STRONG_KEY,
        "CRAMPVOICE_CONTACT": "the test clinic",
    }
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


UNSAFE: dict[str, dict[str, str | None]] = {
    "no public URL": {"CRAMPVOICE_PUBLIC_URL": None},
    "plain http": {"CRAMPVOICE_PUBLIC_URL": "http://cramp.example.org"},
    "a loopback URL": {"CRAMPVOICE_PUBLIC_URL": "https://127.0.0.1:8000"},
    "no database": {"DATABASE_URL": None},
    "no Twilio token": {"TWILIO_AUTH_TOKEN": None},
    "the local Twilio token": {"TWILIO_AUTH_TOKEN": "crampvoice-local-auth-token"},
    "a one-character token": {"TWILIO_AUTH_TOKEN": "a"},
    "no key": {"CRAMPVOICE_SECRET_KEY": None},
    "the local key": {"CRAMPVOICE_SECRET_KEY": "crampvoice-local-secret-key"},
    "a repeated key": {"CRAMPVOICE_SECRET_KEY": "x" * 64},
    "Flask's debugger": {"FLASK_DEBUG": "1"},
    "debug tracebacks": {"CRAMPVOICE_DEBUG": "1"},
    "a weak operator token": {"CRAMPVOICE_DASHBOARD_TOKEN": "a"},
}


def one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


@pytest.mark.parametrize("case", sorted(UNSAFE))
def test_the_wsgi_entry_point_refuses_each_unsafe_setting(tmp_path: Path, case: str) -> None:
    env = production_env(tmp_path, **UNSAFE[case])
    done = subprocess.run(
        [sys.executable, "-c", "import crampvoice_web.wsgi"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode != 0
    line = one_line(done.stderr)
    assert line.startswith("crampvoice: ")
    assert not (tmp_path / "prod.sqlite3").exists()  # refused before touching the database


def test_the_wsgi_entry_point_starts_with_safe_settings(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import gc; from crampvoice_web.wsgi import app; "
         "print(app.debug, gc.isenabled(), gc.get_freeze_count() > 0)"],
        env=production_env(tmp_path), cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    # Not in debug mode; what the start loaded is frozen, and the collector is on again
    # for everything the workers make.
    assert done.stdout.strip() == "False True True"


@pytest.mark.parametrize("preload", [True, False])
def test_gunicorn_stops_with_the_one_line(tmp_path: Path, preload: bool) -> None:
    env = production_env(tmp_path, TWILIO_AUTH_TOKEN="a")
    command = [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{free_port()}", "--workers", "1"]
    if preload:
        command.append("--preload")
    done = subprocess.run(
        [*command, "crampvoice_web.wsgi:app"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    ours = [line for line in done.stderr.splitlines() if line.startswith("crampvoice: ")]
    assert ours == [ours[0]] and "TWILIO_AUTH_TOKEN is too weak" in ours[0]


LAMBDA_UNSAFE: dict[str, dict[str, str | None]] = {
    "no skill id": {"ALEXA_SKILL_ID": None},
    "a malformed skill id": {"ALEXA_SKILL_ID": "my-skill"},
    "debug on": {"CRAMPVOICE_DEBUG": "1"},
}


def _lambda(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    folder = str(ROOT / "skill" / "lambda")
    code = f"import sys; sys.path.insert(0, {folder!r}); import lambda_function"
    return subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True,
        timeout=60,
    )


@pytest.mark.parametrize("case", sorted(LAMBDA_UNSAFE))
def test_the_lambda_refuses_each_unsafe_setting(tmp_path: Path, case: str) -> None:
    env = {"PATH": os.environ["PATH"], "ALEXA_SKILL_ID": SKILL_ID}
    for name, value in LAMBDA_UNSAFE[case].items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    done = _lambda(env, tmp_path)
    assert done.returncode != 0
    assert one_line(done.stderr).startswith("crampvoice lambda: ")


def test_the_lambda_starts_with_its_skill_id(tmp_path: Path) -> None:
    done = _lambda({"PATH": os.environ["PATH"], "ALEXA_SKILL_ID": SKILL_ID}, tmp_path)
    assert done.returncode == 0, done.stderr
