"""Charts as inline SVG, drawn here (no chart library, nothing fetched by the page).

Every label is escaped; every chart has a <title> and a table beside it in the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from crampvoice.storage.stats import Day

SERIES_CLASSES = {"sms": "series-sms", "voice": "series-voice"}


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    css: str = "bar"


def _nice_max(value: int) -> int:
    """A round top for an axis, at least `value`: 1, 2, 4, 6, 8, 10, 20, 40, ... (even
    from 2 on, so the middle grid line is a whole number)."""
    magnitude = 1
    while True:
        for step in (1, 2, 4, 6, 8):
            if step * magnitude >= value:
                return step * magnitude
        magnitude *= 10


def daily_bars(
    days: Sequence[Day], series: Sequence[str], title: str, metric: str = "conversations"
) -> Markup:
    """Grouped vertical bars: one group per day, one bar per series (channel)."""
    width, height = 1000, 230
    left, right, top, bottom = 40, 8, 12, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [[getattr(day, metric).get(s, 0) for s in series] for day in days]
    peak = _nice_max(max([v for group in values for v in group] + [1]))
    group_w = plot_w / max(len(days), 1)
    bar_w = max(2.0, (group_w - 4) / max(len(series), 1))
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" preserveAspectRatio="xMidYMid meet">',
        f"<title>{escape(title)}</title>",
    ]
    for fraction in (0, 0.5, 1) if peak > 1 else (0, 1):
        y = top + plot_h * (1 - fraction)
        label = round(peak * fraction)
        parts.append(
            f'<line class="grid" x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="axis" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{label}</text>'
        )
    every = max(1, round(len(days) / 10))
    for index, (day, group) in enumerate(zip(days, values, strict=True)):
        x0 = left + index * group_w + 2
        for offset, (name, value) in enumerate(zip(series, group, strict=True)):
            bar_h = plot_h * value / peak
            x = x0 + offset * bar_w
            y = top + plot_h - bar_h
            css = SERIES_CLASSES.get(name, "bar")
            parts.append(
                f'<rect class="{css}" x="{x:.1f}" y="{y:.1f}" width="{bar_w - 1:.1f}" '
                f'height="{bar_h:.1f}"><title>{escape(day.day.isoformat())} '
                f"{escape(name)}: {value}</title></rect>"
            )
        if index % every == 0 or index == len(days) - 1:
            parts.append(
                f'<text class="axis" x="{x0 + group_w / 2 - 2:.1f}" y="{height - 8}" '
                f'text-anchor="middle">{day.day:%d %b}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def horizontal_bars(bars: Sequence[Bar], title: str) -> Markup:
    """One labelled bar per row, longest first as given."""
    row, label_w, width = 26, 190, 520
    height = max(row * len(bars), row) + 4
    peak = max([b.value for b in bars] + [1])
    parts = [
        f'<svg class="chart hbars" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    if not bars:
        parts.append(f'<text class="axis" x="0" y="18">{escape("none yet")}</text>')
    for index, bar in enumerate(bars):
        y = index * row + 2
        bar_w = (width - label_w - 50) * bar.value / peak
        parts.append(
            f'<text class="label" x="{label_w - 8}" y="{y + 16}" text-anchor="end">'
            f"{escape(bar.label)}</text>"
            f'<rect class="{escape(bar.css)}" x="{label_w}" y="{y + 3}" width="{bar_w:.1f}" '
            f'height="{row - 8}"/>'
            f'<text class="value" x="{label_w + bar_w + 6:.1f}" y="{y + 16}">{bar.value}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
