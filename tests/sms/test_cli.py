"""`crampvoice serve` and `crampvoice sms`: the real path, end to end, without Twilio."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crampvoice import phone, render
from crampvoice.engine import Core

SETTINGS = ("TWILIO_AUTH_TOKEN", "TWILIO_ACCOUNT_SID", "TWILIO_FROM", "CRAMPVOICE_PUBLIC_URL",
            "TWILIO_MESSAGING_SERVICE_SID", "DATABASE_URL", "CRAMPVOICE_SECRET_KEY")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def local_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'serve.sqlite3'}"
    return env


def crampvoice(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crampvoice.cli", *args], env=env,
                          capture_output=True, text=True, timeout=60)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "crampvoice.cli", "serve", "--port", str(port)],
        env=local_env(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    output = process.stdout.read() if process.stdout else ""
                    pytest.fail(f"crampvoice serve did not start:\n{output}")
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)
        if process.stdout:
            process.stdout.close()


def test_crampvoice_sms_signs_a_request_and_prints_the_reply(server: str, tmp_path: Path) -> None:
    env = local_env(tmp_path)
    result = crampvoice("sms", "--url", server, "--from", "+15551234567", "i have a cramp", env=env)
    assert result.returncode == 0, result.stderr
    expected = Core.default().respond("i have a cramp", locale=phone.locale_for("+15551234567"))
    assert result.stdout.strip() == render.sms(expected)
    again = crampvoice("sms", "--url", server, "--from", "+15551234567", "next", env=env)
    assert again.stdout.strip().startswith("2.")


def test_a_wrong_token_is_refused_with_a_clear_message(server: str, tmp_path: Path) -> None:
    env = {**local_env(tmp_path), "TWILIO_AUTH_TOKEN": "not-the-servers-token"}
    result = crampvoice("sms", "--url", server, "hello", env=env)
    assert result.returncode == 1 and "refused the signature" in result.stderr


def test_no_server_is_a_clear_message(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = crampvoice("sms", "--url", url, "hello", env=local_env(tmp_path))
    assert result.returncode == 1 and "crampvoice serve" in result.stderr


# --------------------------------------------------------------------------- refusals


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0 and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize("command", [("serve", "--port", "0"), ("worker", "--once")])
@pytest.mark.parametrize(
    ("setting", "says"),
    [
        ({"CRAMPVOICE_PUBLIC_URL": "https://cramp.example.org"}, "set TWILIO_AUTH_TOKEN"),
        ({"CRAMPVOICE_SEND_WINDOW": "late"}, "CRAMPVOICE_SEND_WINDOW must look like"),
        ({"CRAMPVOICE_SMS_RATE_LIMIT": "lots"}, "must be a whole number"),
    ],
)
def test_an_unsafe_configuration_is_refused_in_one_line(
    tmp_path: Path, command: tuple[str, ...], setting: dict[str, str], says: str
) -> None:
    env = {**local_env(tmp_path), **setting}
    result = subprocess.run([sys.executable, "-m", "crampvoice.cli", *command], env=env,
                            capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert result.returncode == 2
    assert says in one_line(result)


def test_a_database_that_does_not_answer_is_one_line(tmp_path: Path) -> None:
    env = {**local_env(tmp_path), "DATABASE_URL": f"postgresql://x@127.0.0.1:{free_port()}/x"}
    line = one_line(crampvoice("worker", "--once", env=env))
    assert "the database (DATABASE_URL) failed" in line


def test_a_port_in_use_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        line = one_line(crampvoice("serve", "--port", str(port), env=local_env(tmp_path)))
    assert f"cannot listen on 127.0.0.1:{port}" in line and "--port" in line


def test_an_unset_operator_contact_is_flagged_at_start(tmp_path: Path) -> None:
    env = {k: v for k, v in local_env(tmp_path).items() if k != "CRAMPVOICE_CONTACT"}
    unset = crampvoice("worker", "--once", env=env)
    assert unset.returncode == 0, unset.stderr
    warnings = [line for line in unset.stderr.splitlines() if "warning" in line]
    assert len(warnings) == 1 and "CRAMPVOICE_CONTACT is not set" in warnings[0]
    given = crampvoice("worker", "--once", env={**env, "CRAMPVOICE_CONTACT": "0800 123 456"})
    assert given.returncode == 0 and "CRAMPVOICE_CONTACT" not in given.stderr


# --------------------------------------------------------------------------- chat


CHAT_SCRIPT = (
    "hello",
    "BEDTIME 9:30pm",
    "BEDTIME 25:00",
    "next",
    "HELP",
    "STOP",
    "i have a cramp",
    "START",
    "DELETE",
    "YES",
    "ERASE",
    "BEDTIME OFF",
)


def test_chat_answers_every_command_exactly_as_sms_does(tmp_path: Path, client: Any) -> None:
    """`crampvoice chat` and a real signed text give the same answers, command by command
    (BEDTIME, STOP, DELETE...), because chat goes through the same /sms webhook."""
    from tests.sms.conftest import Phone

    number = "+12015550123"
    texted = Phone(client, number)
    by_sms = [texted.text(body) or "(no reply)" for body in CHAT_SCRIPT]
    result = subprocess.run(
        [sys.executable, "-m", "crampvoice.cli", "chat", "--from", number],
        input="\n".join(CHAT_SCRIPT) + "\n", env=local_env(tmp_path),
        capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 0, result.stderr
    by_chat = [line.removeprefix("> ") for line in result.stdout.splitlines()[2:]][:-1]
    assert by_chat == by_sms
    assert "(no reply)" in by_chat  # a stopped number gets nothing, in chat as by SMS
