"""After DELETE and ERASE nothing on disk holds the number: not a table, not the SQLite
file's free pages (secure_delete), not the WAL (checkpointed and truncated), not a log
line; and with a Twilio account, the messages Twilio stores are deleted too."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from crampvoice_web.app import create_app
from crampvoice_web.services import services

from .conftest import Phone, settings

NUMBER = "+447400987654"
TRACES = (NUMBER, NUMBER[1:], "7400987654", "7400 987654")


def on_disk(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in folder.iterdir() if p.is_file())


def test_nothing_on_disk_or_in_the_logs_holds_an_erased_number(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    folder = tmp_path / "db"
    folder.mkdir()
    app = create_app(settings(f"sqlite:///{folder / 'crampvoice.sqlite3'}"))
    try:
        client: FlaskClient = app.test_client()
        phone = Phone(client, NUMBER)
        for words in ("i have a cramp", "BEDTIME 9:30pm", "my calf is swollen red and hot",
                      "what causes cramps", "blah blah 7400987654"):
            phone.text(words)
        assert NUMBER.encode() in on_disk(folder)  # it was stored
        assert phone.text("DELETE") is not None
        done = phone.text("ERASE")
        assert done is not None and "erased" in done
        data = on_disk(folder)
        for trace in TRACES:
            assert trace.encode() not in data, trace
        assert (folder / "crampvoice.sqlite3-wal").stat().st_size == 0
        for trace in TRACES:
            assert trace not in caplog.text
    finally:
        services(app).store.dispose()
