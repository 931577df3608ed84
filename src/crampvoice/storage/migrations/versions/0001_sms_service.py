"""The SMS service: people (with their reply counters), opt-outs, processed
messages, delivery failures and the outbox.

Revision ID: 0001
Revises:
Create Date: 2025-11-21
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _now() -> sa.DateTime:
    return sa.DateTime()


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(64), nullable=False),
        sa.Column("locale", sa.String(16), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.Column("scheduled_sends", sa.Boolean(), nullable=False),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("window_start", _now(), nullable=True),
        sa.Column("window_replies", sa.Integer(), nullable=False),
        sa.Column("created_at", _now(), nullable=False),
        sa.Column("updated_at", _now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_people")),
        sa.UniqueConstraint("number", name=op.f("uq_people_number")),
    )
    op.create_table(
        "opt_outs",
        sa.Column("number", sa.String(64), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("created_at", _now(), nullable=False),
        sa.PrimaryKeyConstraint("number", name=op.f("pk_opt_outs")),
    )
    op.create_table(
        "processed_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sid", sa.String(64), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("reply", sa.Text(), nullable=False),
        sa.Column("created_at", _now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            ondelete="SET NULL",
            name=op.f("fk_processed_messages_person_id_people"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_processed_messages")),
        sa.UniqueConstraint("sid", name=op.f("uq_processed_messages_sid")),
    )
    op.create_index(op.f("ix_processed_messages_person_id"), "processed_messages", ["person_id"])
    op.create_table(
        "delivery_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("message_sid", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error_code", sa.String(16), nullable=True),
        sa.Column("created_at", _now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["people.id"],
            ondelete="CASCADE",
            name=op.f("fk_delivery_failures_person_id_people"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_failures")),
        sa.UniqueConstraint("message_sid", name=op.f("uq_delivery_failures_message_sid")),
    )
    op.create_index(op.f("ix_delivery_failures_person_id"), "delivery_failures", ["person_id"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("scheduled", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("sid", sa.String(64), nullable=True),
        sa.Column("error_code", sa.String(16), nullable=True),
        sa.Column("created_at", _now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
        sa.UniqueConstraint("sid", name=op.f("uq_outbox_sid")),
    )
    op.create_index(op.f("ix_outbox_number"), "outbox", ["number"])


def downgrade() -> None:
    op.drop_index(op.f("ix_outbox_number"), table_name="outbox")
    op.drop_table("outbox")
    op.drop_index(op.f("ix_delivery_failures_person_id"), table_name="delivery_failures")
    op.drop_table("delivery_failures")
    op.drop_index(op.f("ix_processed_messages_person_id"), table_name="processed_messages")
    op.drop_table("processed_messages")
    op.drop_table("opt_outs")
    op.drop_table("people")
