"""Run every bench/bench_*.py module's `run()` and print what it reports.

make bench                     # all
.venv/bin/python -m bench core # only bench_core.py
"""

from __future__ import annotations

import importlib
import pkgutil
import platform
import sys
import time
from pathlib import Path


def main(selected: list[str]) -> int:
    here = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_"))
    if selected:
        names = [n for n in names if n.removeprefix("bench_") in selected]
    print(
        f"crampvoice benchmarks on {platform.machine()} {platform.python_implementation()} "
        f"{platform.python_version()}, {time.strftime('%Y-%m-%d %H:%M')}"
    )
    failed = False
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        print(f"\n== {name.removeprefix('bench_')}")
        for line in module.run():
            print(line)
            failed = failed or "MISSED" in line
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
