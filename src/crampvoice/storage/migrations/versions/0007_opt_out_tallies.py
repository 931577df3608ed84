"""The dashboard's count of numbers stopped now, by source, kept as a tally the database
updates itself (a trigger on every insert and delete of `opt_outs`), so that the dashboard
reads a few rows instead of counting every opt-out (issue 15: at a million opt-outs the
count read the whole table). Every path that adds or removes an opt-out (STOP, START,
error 21610, erasure, a retention purge) is counted, whatever code sends it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE = (
    """CREATE TRIGGER opt_outs_tally_insert AFTER INSERT ON opt_outs BEGIN
        INSERT INTO opt_out_tallies (source, count) VALUES (NEW.source, 1)
        ON CONFLICT (source) DO UPDATE SET count = count + 1;
    END""",
    """CREATE TRIGGER opt_outs_tally_delete AFTER DELETE ON opt_outs BEGIN
        UPDATE opt_out_tallies SET count = count - 1 WHERE source = OLD.source;
    END""",
    """CREATE TRIGGER opt_outs_tally_update AFTER UPDATE OF source ON opt_outs BEGIN
        UPDATE opt_out_tallies SET count = count - 1 WHERE source = OLD.source;
        INSERT INTO opt_out_tallies (source, count) VALUES (NEW.source, 1)
        ON CONFLICT (source) DO UPDATE SET count = count + 1;
    END""",
)
POSTGRESQL = (
    """CREATE FUNCTION opt_outs_tally() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('DELETE', 'UPDATE') THEN
            UPDATE opt_out_tallies SET count = count - 1 WHERE source = OLD.source;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            INSERT INTO opt_out_tallies (source, count) VALUES (NEW.source, 1)
            ON CONFLICT (source) DO UPDATE SET count = opt_out_tallies.count + 1;
        END IF;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER opt_outs_tally AFTER INSERT OR DELETE OR UPDATE OF source ON opt_outs
    FOR EACH ROW EXECUTE FUNCTION opt_outs_tally()""",
)


def upgrade() -> None:
    op.create_table(
        "opt_out_tallies",
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("source", name=op.f("pk_opt_out_tallies")),
    )
    op.execute(
        "INSERT INTO opt_out_tallies (source, count) "
        "SELECT source, count(*) FROM opt_outs GROUP BY source"
    )
    for statement in POSTGRESQL if op.get_bind().dialect.name == "postgresql" else SQLITE:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER opt_outs_tally ON opt_outs")
        op.execute("DROP FUNCTION opt_outs_tally()")
    else:
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER opt_outs_tally_{name}")
    op.drop_table("opt_out_tallies")
