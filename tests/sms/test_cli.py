"""`crampvoice serve` and `crampvoice sms`: the real path, end to end, without Twilio."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

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
