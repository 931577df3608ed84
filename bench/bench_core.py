"""The advice core: answering one message, triage alone, import and memory.

Reproduce: make bench   (or: .venv/bin/python -m bench core)
Targets: understanding plus triage p99 <= 2 ms a message; answer p99 <= 2 ms;
core import <= 150 ms (the lemmatizer's dictionary loads with the content, not at import).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from bench.stats import percentile, verdict

CORPUS = Path(__file__).parents[1] / "tests" / "data" / "triage_corpus.tsv"
ROUNDS = 5


def _messages() -> list[str]:
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    return [
        line.split("\t")[2] for line in lines[1:] if line and not line.startswith(("#", "level"))
    ]


def _child(code: str) -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    data: dict[str, float] = json.loads(result.stdout)
    return data


IMPORT = """
import json, time
t = time.perf_counter()
import crampvoice.engine, crampvoice.render
imported = time.perf_counter() - t
from crampvoice.engine import Core
Core.default()
ready = time.perf_counter() - t
print(json.dumps({"import": imported, "ready": ready}))
"""

MEMORY = """
import json, resource
from crampvoice.engine import Core
from crampvoice import render
core = Core.default()
for line in open(%r, encoding="utf-8"):
    if line.strip() and not line.startswith(("#", "level")):
        render.ssml(core.respond(line.split("\\t")[2]))
print(json.dumps({"maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def run() -> list[str]:
    from crampvoice import render
    from crampvoice.engine import Core

    core = Core.default()
    messages = _messages()
    answer: list[float] = []
    triage: list[float] = []
    for round_ in range(ROUNDS):
        for text in messages:
            # Each round reads new text as far as the word caches go: a suffix makes every
            # message unseen, so the lemmatizer and typo corrector run for real.
            text = f"{text} x{round_}"
            t = time.perf_counter()
            render.sms(core.respond(text))
            answer.append(time.perf_counter() - t)
            t = time.perf_counter()
            core.understand(text)
            core.assess(text)
            triage.append(time.perf_counter() - t)
    imports = [_child(IMPORT) for _ in range(5)]
    import_ms = sorted(i["import"] for i in imports)[2] * 1000
    ready_ms = sorted(i["ready"] for i in imports)[2] * 1000
    memory = _child(MEMORY % str(CORPUS))["maxrss_kb"] / 1024
    a50, a99 = percentile(answer, 50) * 1000, percentile(answer, 99) * 1000
    t99 = percentile(triage, 99) * 1000
    return [
        f"messages: {len(messages)} from the triage corpus x {ROUNDS} rounds, one core",
        f"answer one message (understand + triage + compose + SMS render): "
        f"p50 {a50:.3f} ms, p99 {a99:.3f} ms [target p99 <= 2 ms: {verdict(a99, 2.0)}]",
        f"understanding plus triage: p50 {percentile(triage, 50) * 1000:.3f} ms, "
        f"p99 {t99:.3f} ms [target p99 <= 2 ms: {verdict(t99, 2.0)}]",
        f"throughput on one core: {len(answer) / sum(answer):,.0f} messages/s",
        f"import of the core (median of 5 cold processes): {import_ms:.0f} ms "
        f"[target <= 150 ms: {verdict(import_ms, 150)}]; with content loaded and validated: "
        f"{ready_ms:.0f} ms",
        f"peak memory of a process answering the corpus: {memory:.0f} MiB",
        "reproduce: make bench  (or .venv/bin/python -m bench core)",
    ]
