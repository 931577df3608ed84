"""Charts drawn here (no chart library, nothing fetched by the page): bars as inline SVG
or HTML boxes, every word and number as HTML text, so a chart fits a 320 px phone and its
text stays at least 11 px tall.

Every label is escaped; every chart has a title and a table beside it in the page.
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


def _day_labels(count: int) -> list[int]:
    """Which days get a date under them: the first and the last (today) at the ends, and
    two evenly between, so four labels never crowd even on a 320 px phone."""
    if count <= 4:
        return list(range(count))
    return sorted({round(i * (count - 1) / 3) for i in range(4)})


def daily_bars(
    days: Sequence[Day], series: Sequence[str], title: str, metric: str = "conversations"
) -> Markup:
    """Grouped vertical bars: one group per day, one bar per series (channel).

    The bars are an SVG stretched to its box (so the chart fits any width); the axis
    numbers and dates are HTML beside it, so they stay at their CSS size."""
    count = max(len(days), 1)
    group, height = 10, 100
    values = [[getattr(day, metric).get(s, 0) for s in series] for day in days]
    peak = _nice_max(max([v for g in values for v in g] + [1]))
    bar_w = (group - 2) / max(len(series), 1)
    svg = [
        f'<svg class="chart" viewBox="0 0 {count * group} {height}" preserveAspectRatio="none" '
        f'role="img" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    fractions = (0.5, 1.0) if peak > 1 else (1.0,)
    for fraction in fractions:
        y = height * (1 - fraction)
        svg.append(
            f'<line class="grid" x1="0" x2="{count * group}" y1="{y:.1f}" y2="{y:.1f}" '
            'vector-effect="non-scaling-stroke"/>'
        )
    for index, (day, group_values) in enumerate(zip(days, values, strict=True)):
        for offset, (name, value) in enumerate(zip(series, group_values, strict=True)):
            bar_h = height * value / peak
            x = index * group + 1 + offset * bar_w
            css = SERIES_CLASSES.get(name, "bar")
            svg.append(
                f'<rect class="{css}" x="{x:.2f}" y="{height - bar_h:.2f}" '
                f'width="{bar_w - 0.4:.2f}" height="{bar_h:.2f}"><title>'
                f"{escape(day.day.isoformat())} {escape(name)}: {value}</title></rect>"
            )
    svg.append("</svg>")
    y_labels = [str(peak), str(round(peak / 2)) if peak > 1 else "", "0"]
    x_labels = []
    shown = _day_labels(len(days))
    for index in shown:
        where = "first" if index == 0 else "last" if index == len(days) - 1 else ""
        left = 100 * (index + 0.5) / count if not where else (0 if where == "first" else 100)
        x_labels.append(
            f'<span class="{where}" style="left: {left:.2f}%">{days[index].day:%d %b}</span>'
        )
    return Markup(
        f'<figure class="daychart" aria-label="{escape(title)}">'
        '<div class="daychart-plot"><div class="y-labels" aria-hidden="true">'
        + "".join(f"<span>{label}</span>" for label in y_labels)
        + "</div>"
        + "".join(svg)
        + '</div><div class="x-labels" aria-hidden="true">'
        + "".join(x_labels)
        + "</div></figure>"
    )


def _breakable(label: str) -> Markup:
    """A label that may wrap after its underscores (intent names) on a narrow screen."""
    return Markup("_<wbr>").join(escape(part) for part in label.split("_"))


def horizontal_bars(bars: Sequence[Bar], title: str) -> Markup:
    """One labelled bar per row, longest first as given: HTML, so the words wrap and keep
    their size on a narrow screen."""
    peak = max([b.value for b in bars] + [1])
    rows = [f'<div class="hbars" role="img" aria-label="{escape(title)}">']
    if not bars:
        rows.append('<p class="none">none yet</p>')
    for bar in bars:
        share = 85 * bar.value / peak  # the rest of the track leaves room for the number
        rows.append(
            f'<div class="hbar"><span class="hbar-label">{_breakable(bar.label)}</span>'
            f'<span class="hbar-track"><span class="hbar-fill {escape(bar.css)}" '
            f'style="width: {share:.1f}%"></span>'
            f'<span class="hbar-value">{bar.value}</span></span></div>'
        )
    rows.append("</div>")
    return Markup("".join(rows))
