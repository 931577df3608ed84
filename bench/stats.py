"""Small helpers shared by the benchmarks."""

from __future__ import annotations


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def verdict(value: float, limit: float) -> str:
    return "ok" if value <= limit else "MISSED"
