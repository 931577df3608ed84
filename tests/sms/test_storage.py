"""Storage: migrations build the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crampvoice.state import State
from crampvoice.storage import (
    Store,
    consent,
    conversations,
    current,
    head,
    repository,
    stats,
    upgrade,
)
from crampvoice.storage.database import sqlite_folder
from crampvoice.storage.models import Base, OptOut
from crampvoice.storage.repository import Conversation

NUMBER = "+447400123456"
T0 = datetime(2025, 1, 1, 21, 30, tzinfo=UTC)


def test_upgrade_builds_the_schema_the_models_describe(database_url: str) -> None:
    assert current(database_url) is None
    upgrade(database_url)
    upgrade(database_url)  # already current: nothing happens
    assert current(database_url) == head()
    store = Store(database_url)
    try:
        with store.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        store.dispose()


@pytest.mark.parametrize(
    ("url", "folder"),
    [
        ("sqlite:///instance/crampvoice.sqlite3", "instance"),
        ("sqlite:////var/lib/crampvoice/db.sqlite3", "/var/lib/crampvoice"),
        ("sqlite:///crampvoice.sqlite3", None),
        ("sqlite://", None),
        ("sqlite:///:memory:", None),
        ("sqlite:///file:/var/lib/db.sqlite3?mode=ro&uri=true", None),
        ("postgresql://crampvoice@db/crampvoice", None),
    ],
)
def test_only_a_sqlite_file_path_names_a_folder_to_create(url: str, folder: str | None) -> None:
    assert sqlite_folder(url) == folder


def test_a_message_sid_is_recorded_only_once(store: Store) -> None:
    with store.transaction() as session:
        repository.record_processed(session, "SM1", "hello", T0)
    with pytest.raises(IntegrityError), store.transaction() as session:
        repository.record_processed(session, "SM1", "again", T0)
    with store.transaction() as session:
        assert repository.processed_reply(session, "SM1") == "hello"
        assert repository.processed_reply(session, "SM2") is None


def read(session: Session, number: str = NUMBER) -> Conversation:
    """Where the number stands, read as the SMS service reads it (no lock held)."""
    return conversations.read_conversation(
        session.connection(), number, locale_for=lambda _: "en-GB"
    )


def save(session: Session, conversation: Conversation, number: str = NUMBER, **turn: Any) -> None:
    """The turn written as the SMS service writes it."""
    conversations.save_turn(session.connection(), conversation, number=number, event=None, **turn)


def test_conversation_state_round_trips(store: Store) -> None:
    state = State(guide="relief", step=2)
    with store.transaction() as session:
        conversation = read(session, "+44 7400 123456")
        assert conversation.locale == "en-GB" and conversation.state == {}
        save(
            session, conversation, sid="SM1", reply="2. Rub your calf", state=state.to_dict(),
            at=T0,
        )
    with store.transaction() as session:
        conversation = read(session)
        assert State.from_dict(conversation.state) == state
        assert not conversation.stopped
        person = repository.person(session, NUMBER)
        assert person is not None and person.created_at == T0


def test_an_opt_out_is_seen_with_the_conversation(store: Store) -> None:
    with store.transaction() as session:
        repository.opt_out(session, NUMBER, "21610", T0)  # before the number ever texted
    with store.transaction() as session:
        assert read(session).stopped
    with store.transaction() as session:
        assert read(session).stopped
        repository.opt_in(session, NUMBER)
    with store.transaction() as session:
        assert not read(session).stopped


def test_erase_leaves_nothing_about_the_number(store: Store) -> None:
    with store.transaction() as session:
        conversation = read(session)
        save(
            session, conversation, sid="SM1", reply="hi", state={"topic": "causes"},
            at=T0,
        )
        repository.add_outbox(session, NUMBER, "hello", status="queued", at=T0)
        repository.record_delivery(session, NUMBER, "SMout", "failed", "30003", T0, failure_limit=5)
        assert repository.rows_about(session, NUMBER) == 4
    with store.transaction() as session:
        repository.erase(session, NUMBER)
    with store.transaction() as session:
        assert repository.rows_about(session, NUMBER) == 0
        assert repository.processed_reply(session, "SM1") == ""  # a retry is still recognised


def _tallied(store: Store) -> dict[str, int]:
    with store.transaction() as session:
        return stats.opt_outs(session, T0)[2]


def test_numbers_stopped_now_are_tallied_from_what_the_database_already_holds(
    database_url: str,
) -> None:
    upgrade(database_url, "0006")
    store = Store(database_url)
    try:
        with store.transaction() as session:
            for i, source in enumerate(("keyword", "keyword", "21610")):
                consent.opt_out(session, f"+4474001234{i:02d}", source, T0)
        upgrade(database_url)  # 0007 counts the opt-outs made before it
        assert _tallied(store) == {"keyword": 2, "21610": 1}
    finally:
        store.dispose()


def test_a_purge_of_old_opt_outs_leaves_the_tally_true(store: Store) -> None:
    with store.transaction() as session:
        for i in range(5):
            consent.opt_out(session, f"+4474001234{i:02d}", "keyword", T0 + timedelta(days=i))
        session.execute(delete(OptOut).where(OptOut.created_at < T0 + timedelta(days=3)))
    assert _tallied(store) == {"keyword": 2}
