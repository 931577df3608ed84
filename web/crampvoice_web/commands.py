"""`crampvoice serve`: the web app on gunicorn (threads, one process by default), with the
bedtime worker in-process when the database is SQLite (CRAMPVOICE_WORKER).

The app is built, migrated and checked before the server starts (a refusal is one
line), then served by gunicorn's threaded workers: a turn's write is short and SQLite's
writers queue on one lock that wakes them at once, so eight connections don't stall.
`--workers` more processes share that lock (they are forked from this one); with
PostgreSQL, use the production command in the README.
"""

from __future__ import annotations

import argparse
import logging
import os
import socket
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication

from crampvoice.errors import Refusal
from crampvoice.settings import print_warnings, worker_in_serve
from crampvoice_web.app import create_app
from crampvoice_web.services import services

# Two threads: one request's SQLite wait overlaps another's Python; more threads only share
# the GIL, and the slowest replies get slower (bench, 8 connections on this project's
# 2-core machine: p99 58 ms with 8 threads, 49 with 4, 39 with 2, at the same throughput).
THREADS = 2
WORKERS = 1


def check_port(host: str, port: int) -> None:
    """Refuse, in one line, a port that is taken (the server would print several)."""
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as error:
        raise Refusal(
            f"cannot listen on {host}:{port} ({error.strerror or error}): "
            "is another crampvoice running? Try --port 8001"
        ) from None


class Server(BaseApplication):  # type: ignore[misc]
    """gunicorn over an app already built in this process (preloaded, then forked)."""

    def __init__(self, app: Flask, options: dict[str, Any], *, bedtime: bool) -> None:
        self.application = app
        self.options = options
        self.bedtime = bedtime
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)
        self.cfg.set("post_worker_init", self._worker_started)

    def _worker_started(self, _worker: Any) -> None:
        if self.bedtime:  # each worker process claims prompts; a claim is sent once
            services(self.application).dispatcher().start_thread()

    def load(self) -> Flask:
        return self.application


def serve(args: argparse.Namespace) -> int:
    logging.basicConfig(level=os.environ.get("CRAMPVOICE_LOG_LEVEL", "INFO").upper())
    check_port(args.host, args.port)
    overrides = {}
    if not os.environ.get("CRAMPVOICE_PUBLIC_URL"):  # sign against where we listen
        overrides["CRAMPVOICE_PUBLIC_URL"] = f"http://{args.host}:{args.port}"
    app = create_app(overrides)
    print_warnings()
    base = app.config["CRAMPVOICE_PUBLIC_URL"]
    print(f"crampvoice: the simulator is at {base}/ and the dashboard at {base}/dashboard",
          flush=True)
    print(f"crampvoice: serving {base}/sms, {base}/sms/status and {base}/alexa", flush=True)
    print(f'crampvoice: try  crampvoice sms --url {base} "i have a cramp"', flush=True)
    bedtime = worker_in_serve(app.config)
    if bedtime:
        print(
            "crampvoice: bedtime prompts are sent from this process "
            "(CRAMPVOICE_WORKER=off to stop that)",
            flush=True,
        )
    workers = getattr(args, "workers", None) or WORKERS
    threads = getattr(args, "threads", None) or THREADS
    host = f"[{args.host}]" if ":" in args.host else args.host
    options = {
        "bind": f"{host}:{args.port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": threads,
        "preload_app": True,
        "accesslog": None,
        "loglevel": "warning",
        "graceful_timeout": 5,
        "timeout": 60,
    }
    Server(app, options, bedtime=bedtime).run()
    return 0
