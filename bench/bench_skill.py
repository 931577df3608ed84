"""The Alexa skill: one request handled in-process, and a cold Lambda start.

Reproduce: make bench   (or: .venv/bin/python -m bench skill)
Targets: a request in-process p99 <= 5 ms; cold import of lambda_function <= 400 ms;
the Lambda zip (`make lambda`, which `make bench` builds first) <= 50 MB.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.stats import percentile, verdict

LAMBDA_DIR = Path(__file__).parents[1] / "skill" / "lambda"
LAMBDA_ZIP = Path(__file__).parents[1] / "build" / "crampvoice-lambda.zip"
ROUNDS = 200
SKILL_ID = "amzn1.ask.skill.00000000-0000-0000-0000-00000000be7c"

COLD = """
import json, sys, time
sys.path.insert(0, %r)
t = time.perf_counter()
import lambda_function
imported = time.perf_counter() - t
lambda_function.lambda_handler(json.loads(%r), None)
first = time.perf_counter() - t
print(json.dumps({"import": imported, "first": first}))
"""


def device(apl: bool) -> Any:
    from crampvoice_skill import fake  # the one fake Alexa

    return fake.Device("en-GB", apl, "amzn1.ask.account.bench", "amzn1.ask.device.bench",
                       skill_id=SKILL_ID)


def envelope(request: dict[str, Any], attributes: dict[str, Any], apl: bool) -> dict[str, Any]:
    from crampvoice_skill import fake

    session = fake.Session("amzn1.echo-api.session.bench", dict(attributes))
    return fake.envelope(request, device(apl), session, new=not attributes)


def intent(name: str, **slots: str) -> dict[str, Any]:
    from crampvoice_skill import fake

    return fake.intent_request(name, slots, device(False))


def requests() -> list[dict[str, Any]]:
    """A relief session and its neighbours, on a speaker and on a screen."""
    guide = {"guide": "relief", "step": 1}
    turns = [
        ({"type": "LaunchRequest"}, {}),
        (intent("ReliefNowIntent"), {}),
        (intent("AMAZON.NextIntent"), guide),
        (intent("AMAZON.RepeatIntent"), guide),
        (intent("AMAZON.PreviousIntent"), guide),
        (intent("MagnesiumIntent"), {}),
        (intent("DescribeSymptomIntent", symptom="swollen", body_part="calf"), {}),
        (intent("DescribeSymptomIntent", symptom="short of breath"), {}),
        (intent("AMAZON.HelpIntent"), {}),
        (intent("AMAZON.StopIntent"), guide),
    ]
    return [envelope(r, a, apl) for r, a in turns for apl in (False, True)]


def run() -> list[str]:
    sys.path.insert(0, str(LAMBDA_DIR))
    from crampvoice_skill.handlers import Skill

    handle = Skill(skill_id=SKILL_ID).handle
    events = requests()
    for event in events:
        handle(event, None)  # warm
    timings: list[float] = []
    for _ in range(ROUNDS):
        for event in events:
            t = time.perf_counter()
            handle(event, None)
            timings.append(time.perf_counter() - t)
    p50, p99 = percentile(timings, 50) * 1000, percentile(timings, 99) * 1000

    first_event = json.dumps(envelope(intent("ReliefNowIntent"), {}, False))
    colds = []
    for _ in range(5):
        out = subprocess.run(
            [sys.executable, "-c", COLD % (str(LAMBDA_DIR), first_event)],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "ALEXA_SKILL_ID": SKILL_ID},  # the Lambda refuses to start without
        )
        colds.append(json.loads(out.stdout))
    import_ms = sorted(c["import"] for c in colds)[2] * 1000
    first_ms = sorted(c["first"] for c in colds)[2] * 1000
    return [
        f"requests: {len(events)} envelopes (launch, relief steps, answers, red flags, help, "
        f"stop; with and without a screen) x {ROUNDS} rounds, through lambda_handler",
        f"one request in-process (deserialise, dispatch, core, SSML, APL, serialise): "
        f"p50 {p50:.2f} ms, p99 {p99:.2f} ms [target p99 <= 5 ms: {verdict(p99, 5.0)}]",
        f"cold import of lambda_function, content loaded (median of 5 processes): "
        f"{import_ms:.0f} ms [target <= 400 ms: {verdict(import_ms, 400)}]; "
        f"with the first request answered: {first_ms:.0f} ms",
        _zip_size(),
        "reproduce: make bench  (or .venv/bin/python -m bench skill)",
    ]


def _zip_size() -> str:
    if not LAMBDA_ZIP.exists():
        return "Lambda zip: not built (make lambda) [target <= 50 MB: MISSED]"
    size = LAMBDA_ZIP.stat().st_size / 1e6
    return f"Lambda zip {LAMBDA_ZIP.name}: {size:.1f} MB [target <= 50 MB: {verdict(size, 50)}]"


if __name__ == "__main__":
    print("\n".join(run()))
