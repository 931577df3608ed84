"""`crampvoice worker --once` and `crampvoice serve` sending a due prompt, as a person would
see them run locally: no Twilio credentials, so the prompt lands in the outbox."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from crampvoice.content import library
from crampvoice.storage import Store, repository
from crampvoice_web.app import create_app
from crampvoice_web.services import services

from .conftest import US_NUMBER, Phone, settings
from .test_cli import crampvoice, free_port, local_env

PROMPT = library().get("en-US").reminders[0]


def subscribed_and_due(url: str) -> None:
    """Someone texted BEDTIME, and their prompt fell due a minute ago."""
    app = create_app(settings(url))
    try:
        Phone(app.test_client(), US_NUMBER).text("BEDTIME 9:30pm")
        with services(app).store.transaction() as session:
            found = repository.subscription(session, US_NUMBER)
            assert found is not None
            found.next_send_at = datetime.now(UTC) - timedelta(minutes=1)
    finally:
        services(app).store.dispose()


def outbox(url: str) -> list[str]:
    store = Store(url)
    try:
        with store.transaction() as session:
            return [message.body for message in repository.outbox(session, US_NUMBER)]
    finally:
        store.dispose()


def test_worker_once_sends_what_is_due_then_exits(tmp_path: Path) -> None:
    env = local_env(tmp_path)
    subscribed_and_due(env["DATABASE_URL"])
    first = crampvoice("worker", "--once", env=env)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "crampvoice worker: queued 1"
    assert outbox(env["DATABASE_URL"]) == [PROMPT]
    again = crampvoice("worker", "--once", env=env)
    assert again.stdout.strip() == "crampvoice worker: nothing was due"
    assert outbox(env["DATABASE_URL"]) == [PROMPT]


def test_serve_sends_prompts_from_its_own_process_locally(tmp_path: Path) -> None:
    env = local_env(tmp_path)
    subscribed_and_due(env["DATABASE_URL"])
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "crampvoice.cli", "serve", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not outbox(env["DATABASE_URL"]):
            assert server.poll() is None and time.monotonic() < deadline
            time.sleep(0.2)
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=10)
    assert outbox(env["DATABASE_URL"]) == [PROMPT]
    assert f"crampvoice: serving http://127.0.0.1:{port}/sms" in output
    assert "bedtime prompts are sent from this process" in output
