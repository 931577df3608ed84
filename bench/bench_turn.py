"""One SMS turn in-process: the real app (as the production entry point builds it) called
through WSGI with no server and no network, over SQLite, beside the bare Flask peer of
`bench_sms` called the same way. CPU time per request (this thread's), the steadiest
figure on a shared machine: what the webhook's own code costs, gunicorn and the kernel
left out.

Each run first sends one text from each of 400 numbers (their first turns), then times
3,000 more, each with its own MessageSid.

Reproduce: make bench   (or: .venv/bin/python -m bench turn)
"""

from __future__ import annotations

import io
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench.bench_sms import ESCALATION, PEOPLE, PUBLIC_URL, RELIEF, SECRET, TOKEN, bare_app

REQUESTS = int(os.environ.get("BENCH_TURN_REQUESTS", "3000"))


def _caller(app: Any) -> Callable[[str, bytes], bytes]:
    def call(signature: str, body: bytes) -> bytes:
        environ = {
            "REQUEST_METHOD": "POST", "PATH_INFO": "/sms", "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body),
            "CONTENT_LENGTH": str(len(body)),
            "CONTENT_TYPE": "application/x-www-form-urlencoded",
            "HTTP_X_TWILIO_SIGNATURE": signature, "HTTP_HOST": "127.0.0.1:8000",
            "REMOTE_ADDR": "127.0.0.1", "wsgi.errors": sys.stderr, "wsgi.multithread": False,
            "wsgi.multiprocess": True, "wsgi.run_once": False, "wsgi.version": (1, 0),
        }
        status: list[str] = []
        out = b"".join(app(environ, lambda s, h, e=None: status.append(s)))
        if not status[0].startswith("200") or b"<Message>" not in out:
            raise RuntimeError(f"{status} {out[:200]!r}")
        return out

    return call


def _requests(text: str, start: int, count: int) -> list[tuple[str, bytes]]:
    from crampvoice_sms import fake

    url = PUBLIC_URL + "/sms"
    made = []
    for n in range(start, start + count):
        form = fake.inbound_form(f"+1201555{n % PEOPLE:04d}", text, sid=f"SM{n:032d}")
        made.append((fake.signature(TOKEN, url, form), urlencode(form).encode()))
    return made


def _cpu_ms(call: Callable[[str, bytes], bytes], requests: list[tuple[str, bytes]]) -> float:
    started = time.thread_time()
    for signature, body in requests:
        call(signature, body)
    return (time.thread_time() - started) / len(requests) * 1e3


def run() -> list[str]:
    work = Path(tempfile.mkdtemp(prefix="crampvoice-bench-turn-"))
    saved = dict(os.environ)
    try:
        os.environ.update({
            "TWILIO_AUTH_TOKEN": TOKEN, "CRAMPVOICE_SECRET_KEY": SECRET,
            "CRAMPVOICE_PUBLIC_URL": PUBLIC_URL, "DATABASE_URL": f"sqlite:///{work / 't.db'}",
            "CRAMPVOICE_SMS_RATE_LIMIT": "1000000", "CRAMPVOICE_SMS_GLOBAL_LIMIT": "1000000000",
            "CRAMPVOICE_SMS_ESCALATION_LIMIT": "1000000", "CRAMPVOICE_WORKER": "off",
            "CRAMPVOICE_LOG_LEVEL": "WARNING",
        })
        from crampvoice_web.wsgi import app

        call = _caller(app.wsgi_app)
        bare = _caller(bare_app().wsgi_app)
        lines = []
        start = 0
        for label, text in (("relief", RELIEF), ("escalation", ESCALATION)):
            warm = _requests(text, start, PEOPLE)
            timed = _requests(text, start + PEOPLE, REQUESTS)
            start += PEOPLE + REQUESTS
            _cpu_ms(call, warm)
            lines.append(f"one turn in-process, {label}: {_cpu_ms(call, timed):.3f} ms CPU "
                         f"per request (SQLite, {REQUESTS:,} requests)")
        lines.append(f"the bare Flask peer in-process: {_cpu_ms(bare, timed):.3f} ms CPU "
                     "per request")
        app.extensions["crampvoice_web"].services.store.dispose()
        return [*lines, "reproduce: make bench  (or .venv/bin/python -m bench turn)"]
    finally:
        os.environ.clear()
        os.environ.update(saved)
        shutil.rmtree(work, ignore_errors=True)
