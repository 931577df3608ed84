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
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from flask import Flask, Response

from bench.stats import verdict

ROOT = Path(__file__).parents[1]
#: Production settings (`crampvoice.production.check_web` refuses weak ones or a local URL):
#: Twilio signs for the public https URL, whatever address the server listens on.
TOKEN = "bench-5f0c8e2a9d7b4c61a3e8f1d09b6c2e7a4d5f8b3c"
SECRET = "bench-secret-2c7e9a4f1b8d3e6c0a5f9d2b7e4c1a8f3d6b0e9c"
PUBLIC_URL = "https://bench.crampvoice.example"
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


def _lua(path: Path, port: int, body_text: str, start: int, signed: str | None = None) -> None:
    """A wrk script that sends REQUESTS signed texts, each once, in turn."""
    from crampvoice_sms import fake

    url = signed or PUBLIC_URL + "/sms"
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
unanswered = 0
local threads = {{}}
setup = function(thread) threads[#threads + 1] = thread end
response = function(status, headers, body)
  if status ~= 200 or not body:find("<Message>", 1, true) then unanswered = unanswered + 1 end
end
request = function()
  i = i % #bodies + 1
  return wrk.format("POST", "/sms", {{
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["X-Twilio-Signature"] = signatures[i]}}, bodies[i])
end
done = function(summary, latency, requests)
  local none = 0
  for _, thread in ipairs(threads) do none = none + thread:get("unanswered") end
  io.write(string.format("RESULT %d %d %d %d %d %d\\n", summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), summary.duration, none))
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
    unanswered: int  # 200s without a <Message> (a reply not sent), and non-200s
    database_cpu_ms: float | None = None  # PostgreSQL's own processes, per request

    def line(self, name: str) -> str:
        database = ("" if self.database_cpu_ms is None
                    else f" + PostgreSQL {self.database_cpu_ms:.3f} ms")
        return (f"{name}: {self.rate:,.0f} req/s, p50 {self.p50_ms:.2f} ms, "
                f"p99 {self.p99_ms:.2f} ms, server CPU {self.cpu_ms:.3f} ms/request"
                f"{database}, errors {self.errors}, without a reply {self.unanswered}")


def _warm(port: int, script: Path) -> None:
    """A short run first, not measured: every worker's first texts (its connections, the
    numbers' first turns) are behind it, as on a server that has been up a while."""
    subprocess.run(["taskset", "-c", LOAD_CPU, "wrk", "-t", "1", "-c", str(CONNECTIONS),
                    "-d", "2s", "-s", str(script), f"http://127.0.0.1:{port}"],
                   capture_output=True, check=True)


def _wrk(port: int, script: Path, pid: int, database_pid: int | None = None) -> Run:
    before = _cpu_seconds(pid)
    database_before = None if database_pid is None else _cpu_seconds(database_pid)
    result = subprocess.run(
        ["taskset", "-c", LOAD_CPU, "wrk", "-t", "1", "-c", str(CONNECTIONS),
         "-d", f"{SECONDS}s", "--latency", "-s", str(script), f"http://127.0.0.1:{port}"],
        capture_output=True, text=True, check=True,
    )
    cpu = _cpu_seconds(pid) - before
    database = (None if database_pid is None or database_before is None
                else _cpu_seconds(database_pid) - database_before)
    found = re.search(r"RESULT (\d+) (\d+) (\d+) (\d+) (\d+) (\d+)", result.stdout)
    if found is None:
        raise RuntimeError(result.stdout + result.stderr)
    requests, errors, p50, p99, duration, unanswered = map(int, found.groups())
    return Run(requests / (duration / 1e6), p50 / 1e3, p99 / 1e3, cpu / requests * 1e3, errors,
               unanswered, None if database is None else database / requests * 1e3)


#: Where a worker waits for a lock, in py-spy's frames: the store's writer lock (SQLite),
#: SQLite's BEGIN IMMEDIATE (its busy handler sleeps there when another process writes).
LOCK_FRAMES = ("held (crampvoice/storage/database.py", "_begin (crampvoice/storage/database.py")
HANDLING = "wsgi_app (flask/app.py"


def _lock_waits(port: int, script: Path, server: int, work: Path) -> str:
    """A further run with py-spy (--idle: waits are sampled too) on every worker: the share
    of the time spent handling requests that was spent waiting for a lock."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        return "lock waits: py-spy not installed (make installs it from requirements/dev.lock)"
    spies = []
    for worker in _children(server):
        out = work / f"spy-{worker}.txt"
        spies.append((out, subprocess.Popen(
            ["taskset", "-c", LOAD_CPU, spy, "record", "--idle", "--nonblocking", "-r", "250",
             "-d", str(SECONDS + 1), "-f", "raw", "-o", str(out), "-p", str(worker)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)))
    time.sleep(1)
    subprocess.run(["taskset", "-c", LOAD_CPU, "wrk", "-t", "1", "-c", str(CONNECTIONS),
                    "-d", f"{SECONDS}s", "-s", str(script), f"http://127.0.0.1:{port}"],
                   capture_output=True, check=True)
    handling = waiting = 0
    for out, process in spies:
        process.wait(timeout=60)
        if not out.exists():
            continue
        for line in out.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if HANDLING not in stack:
                continue
            handling += int(count)
            if any(frame in stack for frame in LOCK_FRAMES):
                waiting += int(count)
    if handling == 0:
        return "lock waits: no samples (py-spy could not attach)"
    share = waiting / handling
    return (f"lock waits: {share:.1%} of the workers' time handling requests "
            f"({waiting:,} of {handling:,} py-spy --idle samples) [target < 5%: "
            f"{verdict(share, 0.05)}]")


def _pg_lock_waits(url: str, seconds: float, workers: int) -> tuple[list[int], threading.Thread]:
    """Sample pg_stat_activity every 5 ms: the share of the workers' connections'
    time spent waiting for a lock in PostgreSQL (wait_event_type 'Lock')."""
    import psycopg

    counts = [0, 0]  # samples, lock waits

    def sample() -> None:
        dsn = url.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(dsn, autocommit=True) as connection:
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                row = connection.execute(
                    "SELECT count(*) FILTER (WHERE wait_event_type = 'Lock') FROM "
                    "pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid()").fetchone()
                counts[0] += workers
                counts[1] += int(row[0]) if row else 0
                time.sleep(0.005)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    return counts, thread


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
    postmaster = 0
    bare: subprocess.Popen[bytes] | None = None
    try:
        base_env = {k: v for k, v in os.environ.items()
                    if not k.startswith(("TWILIO_", "CRAMPVOICE_", "DATABASE_URL"))}
        # Budgets far past what a run sends: every request is answered (checked: "without
        # a reply"), as a real text under its limits is.
        base_env.update({"TWILIO_AUTH_TOKEN": TOKEN, "CRAMPVOICE_SECRET_KEY": SECRET,
                         "CRAMPVOICE_SMS_RATE_LIMIT": "1000000",
                         "CRAMPVOICE_SMS_GLOBAL_LIMIT": "1000000000",
                         "CRAMPVOICE_SMS_ESCALATION_LIMIT": "1000000",
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
                    # PostgreSQL is part of the server: on its core, its CPU counted.
                    postmaster = int((postgres.data / "postmaster.pid").read_text().split()[0])
                    for task in [postmaster, *_children(postmaster)]:
                        subprocess.run(["taskset", "-a", "-p", "-c", SERVER_CPU, str(task)],
                                       capture_output=True, check=False)
                postgres.create_database(f"bench{index}")
                url = postgres.url(f"bench{index}")
            _seed(url, case.events)
            port = _free_port()
            env = {**base_env, "DATABASE_URL": url, "CRAMPVOICE_PUBLIC_URL": PUBLIC_URL}
            server = _start(_gunicorn("crampvoice_web.wsgi:app", port, case.workers), port, env,
                            work / f"real{index}.log")
            try:
                title = f"{case.database}, {case.workers} workers, {case.events:,} events"
                warm = work / f"{index}-warm.lua"
                _lua(warm, port, RELIEF, start)
                start += REQUESTS
                _warm(port, warm)
                _warm(bare_port, bare_script)
                peer = _wrk(bare_port, bare_script, bare.pid)
                lines.append(peer.line(f"[{title}] bare Flask peer"))
                for label, body_text in (("relief", RELIEF), ("escalation", ESCALATION)):
                    script = work / f"{index}-{label}.lua"
                    _lua(script, port, body_text, start)
                    start += REQUESTS
                    database_pid = postmaster if case.database == "postgresql" else None
                    real = _wrk(port, script, server.pid, database_pid)
                    ratio = real.rate / peer.rate
                    four_pg = case.database == "postgresql" and case.workers == 4
                    p99_target = 10.0 if four_pg else 5.0
                    lines.append(real.line(f"[{title}] webhook, {label}"))
                    lines.append(
                        f"[{title}] {label}: {ratio:.0%} of the peer [target >= 50%: "
                        f"{verdict(0.5, ratio) if ratio < 0.5 else 'ok'}]; p99 [target <= "
                        f"{p99_target:.0f} ms: {verdict(real.p99_ms, p99_target)}]; errors "
                        f"[target 0: {verdict(real.errors, 0)}]; without a reply [target 0: "
                        f"{verdict(real.unanswered, 0)}]"
                    )
                script = work / f"{index}-locks.lua"
                _lua(script, port, RELIEF, start)
                start += REQUESTS
                if case.database == "sqlite":
                    lines.append(f"[{title}] " + _lock_waits(port, script, server.pid, work))
                else:
                    counts, sampler = _pg_lock_waits(url, SECONDS, case.workers)
                    _wrk(port, script, server.pid)
                    sampler.join()
                    share = counts[1] / max(1, counts[0])
                    lines.append(
                        f"[{title}] lock waits in PostgreSQL: {share:.1%} of the workers' "
                        f"connection time ({counts[1]:,} of {counts[0]:,} pg_stat_activity "
                        f"samples) [target < 5%: {verdict(share, 0.05)}]")
            finally:
                _stop(server)
        # `make run`'s server: crampvoice serve (gunicorn, threads), SQLite.
        port = _free_port()
        env = {**base_env, "DATABASE_URL": f"sqlite:///{work / 'serve.sqlite3'}"}
        server = _start([sys.executable, "-m", "crampvoice.cli", "serve", "--port", str(port)],
                        port, env, work / "serve.log")
        try:
            warm = work / "serve-warm.lua"
            _lua(warm, port, RELIEF, start, signed=f"http://127.0.0.1:{port}/sms")
            start += REQUESTS
            _warm(port, warm)
            script = work / "serve.lua"
            _lua(script, port, RELIEF, start, signed=f"http://127.0.0.1:{port}/sms")
            real = _wrk(port, script, server.pid)
            lines.append(real.line("[make run: crampvoice serve, SQLite] webhook, relief"))
            lines.append(f"make run p99 [target <= 50 ms: {verdict(real.p99_ms, 50.0)}]")
        finally:
            _stop(server)
    finally:
        if bare is not None:
            _stop(bare)
        if postgres is not None:
            postgres.stop()
        shutil.rmtree(work, ignore_errors=True)
    lines.append("reproduce: make bench  (or .venv/bin/python -m bench sms)")
    return lines
