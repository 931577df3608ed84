"""The voice webhook (/voice) under gunicorn, side by side with a bare Flask endpoint
that returns the same TwiML.

The same pattern as bench_sms.py, for calls: both servers run under gunicorn with the
same settings (2 sync workers, --preload, loopback) and get the same load, signed
Twilio-style POSTs from a thread-pool client, interleaved in rounds. Each simulated call
is a greeting, then 1 (the relief steps, with its counted hold), 6 (next), and a spoken
question. The webhook does the whole job (signature, SQLite in WAL mode, the call's
state by CallSid, one event, the core, TwiML); the bare endpoint returns, fixed, the
TwiML the webhook gives for "1", built once at start by the same code.

Reproduce: make bench   (or: .venv/bin/python -m bench voice)
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from flask import Flask, Response

from bench.bench_sms import PUBLIC_URL, SECRET, TOKEN
from bench.stats import percentile, verdict

ROOT = Path(__file__).parents[1]
REQUESTS = 2000  # per endpoint
ROUNDS = 4
WARMUP = 100
CLIENT_THREADS = 8
WORKERS = 2
CALLS = 400  # calls in progress at once; each goes through TURNS in order
TURNS: tuple[dict[str, str], ...] = (
    {},
    {"Digits": "1"},
    {"Digits": "6"},
    {"SpeechResult": "how can I prevent cramps", "Confidence": "0.9"},
)
CALLER = "+1201555{:04d}"


def fixed_twiml() -> str:
    """What /voice answers to "1" (the relief steps), by the webhook's own code."""
    from crampvoice.calling.messages import Heard
    from crampvoice.calling.policy import CallState, Situation, decide
    from crampvoice.engine import Core
    from crampvoice_sms.twiml_voice import Voice

    core = Core.default()
    turn = decide(core, Heard("CA0", CALLER.format(0), digits="1"), CallState(),
                  Situation("en-US", can_dial=False, can_text=True))
    return Voice(core, line="").twiml(turn)


def bare_app() -> Flask:
    """The baseline: a Flask endpoint that returns the same TwiML, fixed."""
    app = Flask("bare")
    body = fixed_twiml()

    @app.post("/voice")
    def voice() -> Response:
        return Response(body, mimetype="application/xml")

    return app


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _start(app: str, port: int, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "gunicorn", "--workers", str(WORKERS), "--preload",
               "--bind", f"127.0.0.1:{port}", app]
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=output)
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                _stop(process)
                error = log.read_text(errors="replace")[-2000:]
                raise RuntimeError(f"gunicorn {app} did not start: {error}") from None
            time.sleep(0.1)


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _requests(port: int, start: int, count: int) -> list[bytes]:
    """Raw HTTP requests: request n is turn n // CALLS of call n % CALLS (its own CallSid)."""
    from crampvoice_sms import fake

    url = PUBLIC_URL + "/voice"  # what the production server checks signatures against
    payloads = []
    for n in range(start, start + count):
        call, turn = n % CALLS, n // CALLS
        sid = f"CA{turn // len(TURNS):016d}{call:016d}"
        fields = TURNS[turn % len(TURNS)]
        form = fake.call_form(CALLER.format(call), sid, **fields)
        body = urlencode(form).encode()
        head = (
            f"POST /voice HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"X-Twilio-Signature: {fake.signature(TOKEN, url, form)}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        payloads.append(head.encode() + body)
    return payloads


def _post(port: int, payload: bytes) -> tuple[float, bool]:
    started = time.perf_counter()
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(payload)
        chunks = []
        while data := sock.recv(65536):
            chunks.append(data)
    response = b"".join(chunks)
    ok = response.startswith(b"HTTP/1.1 200") and b"<Say" in response
    return time.perf_counter() - started, ok


def _load(port: int, payloads: list[bytes]) -> tuple[float, list[float], int]:
    started = time.perf_counter()
    with ThreadPoolExecutor(CLIENT_THREADS) as pool:
        results = list(pool.map(lambda payload: _post(port, payload), payloads))
    elapsed = time.perf_counter() - started
    return elapsed, [latency for latency, _ in results], sum(1 for _, ok in results if not ok)


@dataclass
class Tally:
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    failed: int = 0

    def add(self, seconds: float, latencies: list[float], failed: int) -> None:
        self.seconds += seconds
        self.latencies += latencies
        self.failed += failed

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def line(self, name: str) -> str:
        p50, p99 = percentile(self.latencies, 50), percentile(self.latencies, 99)
        latency = f"p50 {p50 * 1e3:.2f} ms, p99 {p99 * 1e3:.2f} ms"
        return f"{name}: {self.rate:,.0f} requests/s, {latency}"


def run() -> list[str]:
    work = Path(tempfile.mkdtemp(prefix="crampvoice-bench-voice-"))
    real_port, bare_port = _free_port(), _free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("TWILIO_")}
    env.update(
        {
            "DATABASE_URL": f"sqlite:///{work / 'bench.sqlite3'}",
            # The production entry point's settings (it refuses a loopback http URL and
            # weak secrets): the same as the SMS bench's.
            "TWILIO_AUTH_TOKEN": TOKEN,
            "CRAMPVOICE_SECRET_KEY": SECRET,
            "CRAMPVOICE_PUBLIC_URL": PUBLIC_URL,
            "CRAMPVOICE_LOG_LEVEL": "WARNING",
            "CRAMPVOICE_WORKER": "off",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH", "")])),
        }
    )
    servers = []
    try:
        servers.append(_start("crampvoice_web.wsgi:app", real_port, env, work / "real.log"))
        servers.append(_start("bench.bench_voice:bare_app()", bare_port, env, work / "bare.log"))
        per_round = REQUESTS // ROUNDS
        real_payloads = _requests(real_port, 0, WARMUP + REQUESTS)
        bare_payloads = _requests(bare_port, 0, WARMUP + REQUESTS)
        _load(real_port, real_payloads[:WARMUP])
        _load(bare_port, bare_payloads[:WARMUP])
        bare, real = Tally(), Tally()
        for index in range(ROUNDS):
            batch = slice(WARMUP + index * per_round, WARMUP + (index + 1) * per_round)
            bare.add(*_load(bare_port, bare_payloads[batch]))
            real.add(*_load(real_port, real_payloads[batch]))
    finally:
        for server in servers:
            _stop(server)
        shutil.rmtree(work, ignore_errors=True)
    ratio = real.rate / bare.rate
    failed = bare.failed + real.failed
    return [
        f"gunicorn, {WORKERS} sync workers, --preload, loopback; {REQUESTS} signed requests per "
        f"endpoint in {ROUNDS} interleaved rounds from {CLIENT_THREADS} client threads; "
        f"{CALLS} calls in progress; SQLite (WAL)",
        bare.line("bare Flask, the same TwiML"),
        real.line("/voice webhook"),
        f"voice webhook throughput / bare: {ratio:.0%} (no target of its own; see the /sms row)",
        f"failed requests: {failed} [target 0: {verdict(failed, 0)}]",
        "reproduce: make bench  (or .venv/bin/python -m bench voice)",
    ]
