#!/usr/bin/env python3
"""Draw the Alexa skill's icons: skill/skill-package/assets/images/{small,large}-icon.png.

Amazon wants a 108 x 108 and a 512 x 512 PNG. The mark is a leg stretched with the toes
pulled up (the first thing to do for a cramp) on a night-blue disc. Pure Python (zlib
and struct only), drawn at 4x and averaged down for smooth edges, so the PNGs are the
same bytes on every machine: `python3 scripts/make-icons.py`, then commit them.
"""

from __future__ import annotations

import itertools
import math
import struct
import sys
import zlib
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "skill" / "skill-package" / "assets" / "images"
SIZES = {"small-icon.png": 108, "large-icon.png": 512}
SCALE = 4
BACKGROUND = (18, 32, 56)
DISC = (39, 76, 122)
MARK = (255, 209, 102)
# The mark in unit coordinates (0..1): thigh to knee to heel, then the foot up to the toes.
LEG = [(0.18, 0.30), (0.40, 0.52), (0.70, 0.66)]
FOOT = [(0.70, 0.66), (0.80, 0.40)]
WIDTH = 0.085


def _segment_distance(x: float, y: float, a: tuple[float, float], b: tuple[float, float]) -> float:
    (ax, ay), (bx, by) = a, b
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)))
    return math.hypot(x - ax - t * dx, y - ay - t * dy)


def _colour(x: float, y: float) -> tuple[int, int, int]:
    points = [*LEG, *FOOT[1:]]
    if any(_segment_distance(x, y, a, b) <= WIDTH / 2 for a, b in itertools.pairwise(points)):
        return MARK
    if math.hypot(x - 0.5, y - 0.5) <= 0.46:
        return DISC
    return BACKGROUND


def draw(size: int) -> bytes:
    big = size * SCALE
    rows = []
    for row in range(size):
        line = bytearray([0])  # PNG filter type 0 for each row
        for col in range(size):
            total = [0, 0, 0]
            for sy in range(SCALE):
                for sx in range(SCALE):
                    colour = _colour((col * SCALE + sx + 0.5) / big, (row * SCALE + sy + 0.5) / big)
                    for i in range(3):
                        total[i] += colour[i]
            line += bytes(round(t / (SCALE * SCALE)) for t in total)
        rows.append(bytes(line))
    return png(size, size, b"".join(rows))


def png(width: int, height: int, raw: bytes) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, size in SIZES.items():
        (OUT / name).write_bytes(draw(size))
        print(f"wrote {OUT / name} ({size} x {size})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
