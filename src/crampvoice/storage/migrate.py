"""Schema migrations (Alembic, packaged with the code): `upgrade(url)` brings a database
to the newest schema, safely when several processes start at once."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from crampvoice.storage.database import make_engine

MIGRATIONS = Path(__file__).with_name("migrations")


def _config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["url"] = url
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Apply every migration up to `revision` (already there: nothing happens)."""
    command.upgrade(_config(url), revision)


def head() -> str | None:
    """The newest revision the code ships."""
    return ScriptDirectory.from_config(_config("")).get_current_head()


def current(url: str) -> str | None:
    """The revision a database is at (None: never migrated)."""
    engine = make_engine(url, maintenance=True)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()
