"""Storage for the channel adapters: SQLAlchemy 2 models, repository functions, and
Alembic migrations shipped inside the package. No web framework is imported here.

    from crampvoice.storage import Store, upgrade, repository
    upgrade("sqlite:///crampvoice.sqlite3")
    store = Store("sqlite:///crampvoice.sqlite3")
    with store.transaction() as session:
        repository.is_stopped(session, "+447700900123")
"""

from __future__ import annotations

from crampvoice.storage import repository
from crampvoice.storage.database import Store, make_engine, normalise_url
from crampvoice.storage.migrate import current, head, upgrade

__all__ = ["Store", "current", "head", "make_engine", "normalise_url", "repository", "upgrade"]
