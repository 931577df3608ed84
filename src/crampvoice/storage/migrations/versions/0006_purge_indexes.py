"""Indexes for every query the worker's housekeeping and the dashboard run, so that none
reads a whole table at a million rows (issue 15; `python -m bench plans` plans each one):
the retention purges by age (answered MessageSids, the outbox, delivery failures, bedtime
sends, people, opt-outs, reply budgets), the erasures waiting for Twilio by when they are
due, and the dashboard's count of numbers whose scheduled sends are off.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("processed_messages", "created_at"),
    ("outbox", "created_at"),
    ("delivery_failures", "created_at"),
    ("sends", "created_at"),
    ("people", "updated_at"),
    ("people", "scheduled_sends"),
    ("opt_outs", "created_at"),
    ("reply_budgets", "window_start"),
    ("pending_erasures", "not_before"),
)


def upgrade() -> None:
    for table, column in INDEXES:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column])


def downgrade() -> None:
    for table, column in reversed(INDEXES):
        op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)
