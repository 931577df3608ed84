"""Alembic environment: run by `crampvoice.storage.migrate.upgrade(url)`.

All migrations run in one transaction. On PostgreSQL it first takes an advisory
lock, and SQLite transactions start with BEGIN IMMEDIATE (see database.py), so
workers that start together migrate one after the other, and the later ones find
the schema already current.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from crampvoice.storage.database import make_engine
from crampvoice.storage.models import Base

_LOCK_KEY = 0x6372616D70  # "cramp"


def run_migrations_online() -> None:
    config = context.config
    url = str(config.attributes.get("url") or config.get_main_option("sqlalchemy.url"))
    engine = make_engine(url, maintenance=True)
    try:
        with engine.connect() as connection, connection.begin():
            if connection.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
            context.configure(
                connection=connection,
                target_metadata=Base.metadata,
                render_as_batch=connection.dialect.name == "sqlite",
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    raise SystemExit("crampvoice migrations run online only: use crampvoice.storage.upgrade(url)")
run_migrations_online()
