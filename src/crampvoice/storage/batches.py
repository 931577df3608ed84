"""The bedtime worker's batch statements on PostgreSQL (`sends` uses them there)."""

from __future__ import annotations

from sqlalchemy import Date, Integer, String, bindparam, text
from sqlalchemy.dialects import postgresql

from crampvoice.storage.models import UTCDateTime

# On PostgreSQL a batch of rows moves in one statement (arrays unnested into a join)
# rather than one UPDATE per row: the worker's claims and results cost one round trip.
# `id = ANY(ids)` lets the planner find the rows by primary key (without it, it hashes
# the whole table for every batch).
ADVANCE_MANY = text(
    "UPDATE subscriptions AS s SET next_send_at = v.next_send_at, rotation = v.rotation, "
    "updated_at = :now FROM unnest(CAST(:ids AS integer[]), CAST(:nexts AS timestamp[]), "
    "CAST(:rotations AS integer[])) AS v(id, next_send_at, rotation) "
    "WHERE s.id = v.id AND s.id = ANY(CAST(:ids AS integer[]))"
).bindparams(
    bindparam("ids", type_=postgresql.ARRAY(Integer)),
    bindparam("nexts", type_=postgresql.ARRAY(UTCDateTime())),
    bindparam("rotations", type_=postgresql.ARRAY(Integer)),
    bindparam("now", type_=UTCDateTime()),
)
RECORD_MANY = text(
    "INSERT INTO sends (subscription_id, local_date, prompt, due_at, status, sid, "
    "created_at, updated_at) SELECT v.id, v.local_date, v.prompt, v.due_at, v.status, NULL, "
    ":now, :now FROM unnest(CAST(:ids AS integer[]), CAST(:dates AS date[]), "
    "CAST(:prompts AS integer[]), CAST(:dues AS timestamp[]), CAST(:statuses AS varchar[])) "
    "AS v(id, local_date, prompt, due_at, status) "
    "ON CONFLICT (subscription_id, local_date) DO NOTHING RETURNING subscription_id, id"
).bindparams(
    bindparam("ids", type_=postgresql.ARRAY(Integer)),
    bindparam("dates", type_=postgresql.ARRAY(Date)),
    bindparam("prompts", type_=postgresql.ARRAY(Integer)),
    bindparam("dues", type_=postgresql.ARRAY(UTCDateTime())),
    bindparam("statuses", type_=postgresql.ARRAY(String)),
    bindparam("now", type_=UTCDateTime()),
)
FINISH_MANY = text(
    "UPDATE sends AS s SET status = v.status, sid = v.sid, updated_at = :now "
    "FROM unnest(CAST(:ids AS integer[]), CAST(:statuses AS varchar[]), "
    "CAST(:sids AS varchar[])) AS v(id, status, sid) "
    "WHERE s.id = v.id AND s.id = ANY(CAST(:ids AS integer[])) AND s.status = 'sending'"
).bindparams(
    bindparam("ids", type_=postgresql.ARRAY(Integer)),
    bindparam("statuses", type_=postgresql.ARRAY(String)),
    bindparam("sids", type_=postgresql.ARRAY(String)),
    bindparam("now", type_=UTCDateTime()),
)


