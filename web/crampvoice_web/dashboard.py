"""The operator's dashboard at /dashboard: how many people it helps, how many red flags
it escalates, what it could not answer. Counts only (`crampvoice.storage.stats`): no
phone number, and no message text that one person alone sent.

    GET /dashboard?days=14              the page (charts and tables)
    GET /dashboard?days=14&partial=1    its contents, for the page's own refresh
    GET /dashboard/stats.json?days=14   the same numbers as JSON
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from flask import Blueprint, jsonify, render_template, request

from crampvoice.storage import stats
from crampvoice_web import auth, charts
from crampvoice_web.services import services

blueprint = Blueprint("dashboard", __name__)

PERIODS = (7, 14, 30, 90)
DEFAULT_DAYS = 14
LEVEL_CLASSES = {
    "emergency": "level-emergency",
    "urgent": "level-urgent",
}


def _days() -> int:
    try:
        days = int(request.args.get("days", DEFAULT_DAYS))
    except ValueError:
        return DEFAULT_DAYS
    return days if days in PERIODS else DEFAULT_DAYS


def _overview(days: int) -> stats.Overview:
    # A read-only transaction: no write lock on SQLite (a webhook never waits for it),
    # READ ONLY on PostgreSQL with a longer statement limit than the webhook's.
    with services().store.read(long=True) as session:
        return stats.overview(session, days=days)


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


@blueprint.get("/dashboard")
@auth.dashboard_page
def page() -> str:
    days = _days()
    report = _overview(days)
    channels = stats.CHANNELS
    context = {
        "report": report,
        "days": days,
        "periods": PERIODS,
        "channels": channels,
        "conversations_chart": charts.daily_bars(
            report.days, channels, f"Conversations per day by channel, last {days} days"
        ),
        "escalations_chart": charts.horizontal_bars(
            [
                charts.Bar(level, report.escalations[level], LEVEL_CLASSES[level])
                for level in stats.ESCALATION_LEVELS
            ],
            "Escalations by level",
        ),
        "intents_chart": charts.horizontal_bars(
            [charts.Bar(item.intent, item.total, "bar") for item in report.top_intents],
            "Top intents",
        ),
        "operator": auth.is_operator(),
        "min_senders": stats.MIN_SENDERS,
    }
    if request.args.get("partial") == "1":
        return render_template("crampvoice_web/dashboard_body.html", **context)
    return render_template("crampvoice_web/dashboard.html", **context)


@blueprint.get("/dashboard/stats.json")
@auth.dashboard_api
def data() -> Any:
    return jsonify(_plain(asdict(_overview(_days()))))
