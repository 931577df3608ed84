"""Opt-out totals by source, kept by triggers on `opt_outs`, so that the dashboard's
"numbers opted out now" reads a row per source instead of every opt-out at a million
(issue 15: no full scan on any dashboard query; `python -m bench plans`). Triggers, not
application code, keep them: every path that adds or removes an opt-out (STOP, Twilio's
opt-out, error 21610, START, erasure, the retention purge, an operator's SQL) counts.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ADD = "INSERT INTO opt_out_totals (source, numbers) VALUES ({row}.source, 1) " \
       "ON CONFLICT (source) DO UPDATE SET numbers = opt_out_totals.numbers + 1"
_REMOVE = "UPDATE opt_out_totals SET numbers = numbers - 1 WHERE source = {row}.source"

SQLITE = (
    f"CREATE TRIGGER opt_outs_added AFTER INSERT ON opt_outs BEGIN {_ADD.format(row='NEW')}; END",
    f"CREATE TRIGGER opt_outs_removed AFTER DELETE ON opt_outs BEGIN "
    f"{_REMOVE.format(row='OLD')}; END",
    f"CREATE TRIGGER opt_outs_moved AFTER UPDATE OF source ON opt_outs BEGIN "
    f"{_REMOVE.format(row='OLD')}; {_ADD.format(row='NEW')}; END",
)
POSTGRESQL = (
    f"""CREATE FUNCTION opt_out_totals_kept() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('DELETE', 'UPDATE') THEN {_REMOVE.format(row='OLD')}; END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN {_ADD.format(row='NEW')}; END IF;
        RETURN NULL;
    END $$""",
    "CREATE TRIGGER opt_outs_counted AFTER INSERT OR DELETE OR UPDATE OF source "
    "ON opt_outs FOR EACH ROW EXECUTE FUNCTION opt_out_totals_kept()",
)


def upgrade() -> None:
    op.create_table(
        "opt_out_totals",
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("numbers", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_opt_out_totals")),
    )
    op.execute(
        "INSERT INTO opt_out_totals (source, numbers) "
        "SELECT source, count(*) FROM opt_outs GROUP BY source"
    )
    for statement in SQLITE if op.get_bind().dialect.name == "sqlite" else POSTGRESQL:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("opt_outs_added", "opt_outs_removed", "opt_outs_moved"):
            op.execute(f"DROP TRIGGER {name}")
    else:
        op.execute("DROP TRIGGER opt_outs_counted ON opt_outs")
        op.execute("DROP FUNCTION opt_out_totals_kept()")
    op.drop_table("opt_out_totals")
