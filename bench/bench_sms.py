"""The SMS webhook under the README's production server, side by side with a bare Flask
endpoint, loaded by wrk (Debian's package: a native load generator, not a Python client).

Every case runs both servers in the same run, the same way: gunicorn (sync workers,
--preload) pinned to core 0, wrk pinned to core 1 (taskset), 8 connections, signed
Twilio-style POSTs each with its own MessageSid (a Lua script cycles through requests
signed beforehand). Server CPU per request is the server processes' user+system time
(/proc) over the requests served. Cases: a relief and an escalation message; SQLite and
PostgreSQL; 1 and 4 workers; 1k and 1M stored events; and `crampvoice serve` (what
`make run` starts).

Reproduce: make bench   (or: .venv/bin/python -m bench sms; BENCH_SMS_CASES=quick for fewer)
Targets (issue 15): webhook >= 50% of the bare peer's throughput, p99 <= 5 ms (10 ms with
4 workers on PostgreSQL); `make run`'s server p99 <= 50 ms.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from flask import Flask, Response

from bench.stats import verdict

ROOT = Path(__file__).parents[1]
TOKEN = "bench-auth-token"
CONNECTIONS = 8
SECONDS = int(os.environ.get("BENCH_SMS_SECONDS", "8"))
REQUESTS = 60_000  # distinct signed requests (more than any case sends)
PEOPLE = 400
RELIEF = "i have a cramp in my calf right now"
ESCALATION = "my calf is swollen and I can't breathe"
FIXED_TWIML = (
    '<?xml version="1.0" encoding="UTF-8"?><Response><Message>Straighten your leg and pull '
    "your toes up toward your shin.</Message></Response>"
)
SERVER_CPU, LOAD_CPU = "0", "1"


def bare_app() -> Flask:
    """The peer: a Flask endpoint that returns a fixed TwiML reply."""
    app = Flask("bare")

    @app.post("/sms")
    def sms() -> Response:
        return Response(FIXED_TWIML, mimetype="application/xml")

    return app


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                _stop(process)
                raise RuntimeError(f"server did not start: {log.read_text()[-2000:]}") from None
            time.sleep(0.1)


def _start(
    command: list[str], port: int, env: dict[str, str], log: Path
) -> subprocess.Popen[bytes]:
    with log.open("wb") as output:
        process = subprocess.Popen(
            ["taskset", "-c", SERVER_CPU, *command], cwd=ROOT, env=env, stdout=output,
            stderr=output,
        )
    _wait(port, process, log)
    return process


def _gunicorn(app: str, port: int, workers: int) -> list[str]:
    return [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--preload",
            "--bind", f"127.0.0.1:{port}", app]


def _stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its children alive now (gunicorn's workers)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for task in [pid, *_children(pid)]:
        try:
            fields = Path(f"/proc/{task}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def _children(pid: int) -> list[int]:
    try:
        found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    kids = [int(child) for child in found]
    return kids + [grand for kid in kids for grand in _children(kid)]


def _lua(path: Path, port: int, body_text: str, start: int) -> None:
    """A wrk script that sends REQUESTS signed texts, each once, in turn."""
    from crampvoice_sms import fake

    url = f"http://127.0.0.1:{port}/sms"
    data = path.with_suffix(".requests")
    with data.open("w") as out:
        for n in range(REQUESTS):
            person = n % PEOPLE
            form = fake.inbound_form(f"+1201555{person:04d}", body_text,
                                     sid=f"SM{start + n:032d}")
            out.write(f"{fake.signature(TOKEN, url, form)}\t{urlencode(form)}\n")
    lines = [
        f"""
local bodies, signatures = {{}}, {{}}
for line in io.lines("{data}") do
  local signature, body = line:match("([^\t]*)\t(.*)")
  signatures[#signatures + 1] = signature
  bodies[#bodies + 1] = body
end
local i = 0
request = function()
  i = i % #bodies + 1
  return wrk.format("POST", "/sms", {{
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["X-Twilio-Signature"] = signatures[i]}}, bodies[i])
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %d %d\\n", summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), summary.duration))
end
"""
    ]
    path.write_text("\n".join(lines))


@dataclass
class Run:
    rate: float
    p50_ms: float
    p99_ms: float
    cpu_ms: float
    errors: int

    def line(self, name: str) -> str:
        return (f"{name}: {self.rate:,.0f} req/s, p50 {self.p50_ms:.2f} ms, "
                f"p99 {self.p99_ms:.2f} ms, server CPU {self.cpu_ms:.3f} ms/request, "
                f"errors {self.errors}")


def _wrk(port: int, script: Path, pid: int) -> Run:
    before = _cpu_seconds(pid)
    result = subprocess.run(
        ["taskset", "-c", LOAD_CPU, "wrk", "-t", "1", "-c", str(CONNECTIONS),
         "-d", f"{SECONDS}s", "--latency", "-s", str(script), f"http://127.0.0.1:{port}"],
        capture_output=True, text=True, check=True,
    )
    cpu = _cpu_seconds(pid) - before
    found = re.search(r"RESULT (\d+) (\d+) (\d+) (\d+) (\d+)", result.stdout)
    if found is None:
        raise RuntimeError(result.stdout + result.stderr)
    requests, errors, p50, p99, duration = map(int, found.groups())
    return Run(requests / (duration / 1e6), p50 / 1e3, p99 / 1e3, cpu / requests * 1e3, errors)


def _seed(url: str, events: int) -> None:
    """`events` stored turns (and a person per 10), as a service that has run for months."""
    from sqlalchemy import text

    from crampvoice.storage import Store, upgrade

    upgrade(url)
    store = Store(url)
    series = ("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :c) "
              if store.sqlite else "")
    source = "FROM n" if store.sqlite else "FROM generate_series(1, :c) AS i"
    ago = ("datetime('now', '-' || (i % 7776000) || ' seconds')" if store.sqlite
           else "now() at time zone 'utc' - make_interval(secs => i % 7776000)")
    with store.engine.begin() as connection:
        if not store.sqlite:
            connection.execute(text("SET LOCAL statement_timeout = 0"))
        connection.execute(text(
            f"{series}INSERT INTO events (at, channel, intent, triage, locale, answered, sender) "
            f"SELECT {ago}, 'sms', 'relief_now', 'none', 'en-US', true, 'h' || (i % 40000) "
            f"{source}"), {"c": events})
        connection.execute(text(
            f"{series}INSERT INTO people (number, locale, state, scheduled_sends, "
            "consecutive_failures, window_replies, created_at, updated_at) "
            f"SELECT '+1999' || i, 'en-US', '{{}}', true, 0, 0, {ago}, {ago} "
            f"{source}"), {"c": events // 10})
        if not store.sqlite:
            connection.execute(text("ANALYZE"))
    store.dispose()


@dataclass(frozen=True)
class Case:
    database: str  # "sqlite" or "postgresql"
    workers: int
    events: int


QUICK = (Case("sqlite", 2, 1000),)
FULL = (
    Case("sqlite", 2, 1000),
    Case("sqlite", 1, 1000),
    Case("sqlite", 4, 1000),
    Case("sqlite", 2, 1_000_000),
    Case("postgresql", 1, 1000),
    Case("postgresql", 4, 1000),
    Case("postgresql", 4, 1_000_000),
)


def run() -> list[str]:
    if shutil.which("wrk") is None:
        subprocess.run(["scripts/ensure-wrk"], cwd=ROOT, check=True)
    cases = QUICK if os.environ.get("BENCH_SMS_CASES") == "quick" else FULL
    work = Path(tempfile.mkdtemp(prefix="crampvoice-bench-sms-"))
    lines = [f"wrk: {CONNECTIONS} connections, {SECONDS} s per run, server on CPU {SERVER_CPU}, "
             f"wrk on CPU {LOAD_CPU}; gunicorn sync workers --preload; {PEOPLE} numbers"]
    postgres = None
    try:
        base_env = {k: v for k, v in os.environ.items() if not k.startswith("TWILIO_")}
        base_env.update({"TWILIO_AUTH_TOKEN": TOKEN, "CRAMPVOICE_SMS_RATE_LIMIT": "1000000",
                         "CRAMPVOICE_LOG_LEVEL": "WARNING", "CRAMPVOICE_WORKER": "off",
                         "PYTHONPATH": str(ROOT)})
        bare_port = _free_port()
        bare = _start(_gunicorn("bench.bench_sms:bare_app()", bare_port, 2), bare_port,
                      base_env, work / "bare.log")
        bare_script = work / "bare.lua"
        _lua(bare_script, bare_port, RELIEF, 0)
        start = 0
        for index, case in enumerate(cases):
            if case.database == "sqlite":
                url = f"sqlite:///{work / f'bench{index}.sqlite3'}"
            else:
                if postgres is None:
                    from tests.conftest import PostgresServer, postgres_bindir

                    bindir = postgres_bindir()
                    if bindir is None:
                        lines.append("PostgreSQL: not installed (scripts/ensure-postgres)")
                        continue
                    postgres = PostgresServer(bindir)
                    postgres.start()
                postgres.create_database(f"bench{index}")
                url = postgres.url(f"bench{index}")
            _seed(url, case.events)
            port = _free_port()
            env = {**base_env, "DATABASE_URL": url,
                   "CRAMPVOICE_PUBLIC_URL": f"http://127.0.0.1:{port}"}
            server = _start(_gunicorn("crampvoice_web.wsgi:app", port, case.workers), port, env,
                            work / f"real{index}.log")
            try:
                title = f"{case.database}, {case.workers} workers, {case.events:,} events"
                peer = _wrk(bare_port, bare_script, bare.pid)
                lines.append(peer.line(f"[{title}] bare Flask peer"))
                for label, body_text in (("relief", RELIEF), ("escalation", ESCALATION)):
                    script = work / f"{index}-{label}.lua"
                    _lua(script, port, body_text, start)
                    start += REQUESTS
                    real = _wrk(port, script, server.pid)
                    ratio = real.rate / peer.rate
                    four_pg = case.database == "postgresql" and case.workers == 4
                    p99_target = 10.0 if four_pg else 5.0
                    lines.append(real.line(f"[{title}] webhook, {label}"))
                    lines.append(
                        f"[{title}] {label}: {ratio:.0%} of the peer [target >= 50%: "
                        f"{verdict(0.5, ratio) if ratio < 0.5 else 'ok'}]; p99 [target <= "
                        f"{p99_target:.0f} ms: {verdict(real.p99_ms, p99_target)}]; errors "
                        f"[target 0: {verdict(real.errors, 0)}]"
                    )
            finally:
                _stop(server)
        # `make run`'s server: crampvoice serve (gunicorn, threads), SQLite.
        port = _free_port()
        env = {**base_env, "DATABASE_URL": f"sqlite:///{work / 'serve.sqlite3'}"}
        server = _start([sys.executable, "-m", "crampvoice.cli", "serve", "--port", str(port)],
                        port, env, work / "serve.log")
        try:
            script = work / "serve.lua"
            _lua(script, port, RELIEF, start)
            real = _wrk(port, script, server.pid)
            lines.append(real.line("[make run: crampvoice serve, SQLite] webhook, relief"))
            lines.append(f"make run p99 [target <= 50 ms: {verdict(real.p99_ms, 50.0)}]")
        finally:
            _stop(server)
        _stop(bare)
    finally:
        if postgres is not None:
            postgres.stop()
        shutil.rmtree(work, ignore_errors=True)
    lines.append("reproduce: make bench  (or .venv/bin/python -m bench sms)")
    return lines
