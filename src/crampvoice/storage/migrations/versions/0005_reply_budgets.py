"""Reply budgets: counters per number (by keyed hash) and for everyone, kept apart from
the person so that erasure does not reset them; and the erasures whose messages stored
at Twilio are still to be deleted.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reply_budgets",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("window_start", sa.DateTime(), nullable=False),
        sa.Column("replies", sa.Integer(), nullable=False),
        sa.Column("escalations", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_reply_budgets")),
    )
    op.create_table(
        "pending_erasures",
        sa.Column("number", sa.String(64), nullable=False),
        sa.Column("not_before", sa.DateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_pending_erasures")),
    )


def downgrade() -> None:
    op.drop_table("pending_erasures")
    op.drop_table("reply_budgets")
