"""`crampvoice serve`: the web app on Flask's own server (local use; gunicorn in production),
with the bedtime worker in-process when the database is SQLite (CRAMPVOICE_WORKER)."""

from __future__ import annotations

import argparse
import logging
import os
import socket

from crampvoice.errors import Refusal
from crampvoice.settings import print_warnings, worker_in_serve
from crampvoice_web.app import create_app
from crampvoice_web.services import services


def check_port(host: str, port: int) -> None:
    """Refuse, in one line, a port that is taken (werkzeug would print several)."""
    try:
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as error:
        raise Refusal(
            f"cannot listen on {host}:{port} ({error.strerror or error}): "
            "is another crampvoice running? Try --port 8001"
        ) from None


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
    if worker_in_serve(app.config):
        services(app).dispatcher().start_thread()
        print(
            "crampvoice: bedtime prompts are sent from this process "
            "(CRAMPVOICE_WORKER=off to stop that)",
            flush=True,
        )
    app.run(host=args.host, port=args.port, debug=False, use_reloader=False)
    return 0
