"""`crampvoice serve`, `crampvoice worker` and `crampvoice sms`: run the web app, send the
bedtime prompts, and text the app like Twilio would."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import sys
import threading
import uuid
from xml.etree import ElementTree

import requests
from twilio.request_validator import RequestValidator

from crampvoice_sms.config import DEFAULT_PUBLIC_URL, LOCAL_AUTH_TOKEN, worker_in_serve

TIMEOUT_SECONDS = 20
#: The number the local server pretends to be (the `To` of a simulated text).
LOCAL_TWILIO_NUMBER = "+15005550006"


def serve(args: argparse.Namespace) -> int:
    """Run the app on Flask's own server (local use; gunicorn in production)."""
    from crampvoice_sms.app import create_app

    logging.basicConfig(level=os.environ.get("CRAMPVOICE_LOG_LEVEL", "INFO").upper())
    overrides = {}
    if not os.environ.get("CRAMPVOICE_PUBLIC_URL"):  # sign against where we listen
        overrides["CRAMPVOICE_PUBLIC_URL"] = f"http://{args.host}:{args.port}"
    app = create_app(overrides)
    base = app.config["CRAMPVOICE_PUBLIC_URL"]
    print(f"crampvoice: serving {base}/sms, {base}/sms/status and {base}/alexa", flush=True)
    print(f'crampvoice: try  crampvoice sms --url {base} "i have a cramp"', flush=True)
    if worker_in_serve(app.config):
        from crampvoice_sms.dispatch import start_in_process

        start_in_process(app)
        print(
            "crampvoice: bedtime prompts are sent from this process "
            "(CRAMPVOICE_WORKER=off to stop that)",
            flush=True,
        )
    app.run(host=args.host, port=args.port, debug=False, use_reloader=False)
    return 0


def worker(args: argparse.Namespace) -> int:
    """Send the bedtime prompts that are due: forever, or once (`--once`, for cron)."""
    from crampvoice_sms.app import create_app
    from crampvoice_sms.dispatch import dispatcher

    logging.basicConfig(
        level=os.environ.get("CRAMPVOICE_LOG_LEVEL", "INFO").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    work = dispatcher(create_app())
    if args.once:
        counts = work.drain()
        done = ", ".join(f"{status} {count}" for status, count in sorted(counts.items()))
        print(f"crampvoice worker: {done or 'nothing was due'}", flush=True)
        return 0
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        work.run(stop)
    return 0


def signed_request(url: str, sender: str, body: str, token: str) -> tuple[dict[str, str], str]:
    """A form like Twilio's for one incoming text, and its X-Twilio-Signature."""
    form = {
        "MessageSid": "SM" + uuid.uuid4().hex,
        "AccountSid": "AC" + "0" * 32,
        "From": sender,
        "To": os.environ.get("TWILIO_FROM") or LOCAL_TWILIO_NUMBER,
        "Body": body,
        "NumMedia": "0",
        "NumSegments": "1",
    }
    return form, RequestValidator(token).compute_signature(url, form)


def reply_texts(twiml: str) -> list[str]:
    root = ElementTree.fromstring(twiml)
    return ["".join(message.itertext()) for message in root.iter("Message")]


def send(args: argparse.Namespace) -> int:
    """POST a correctly signed text to a running server and print its reply."""
    url = args.url.rstrip("/") + "/sms"
    # The server checks signatures against its public URL: sign for that when it is set.
    public = os.environ.get("CRAMPVOICE_PUBLIC_URL") or args.url or DEFAULT_PUBLIC_URL
    token = os.environ.get("TWILIO_AUTH_TOKEN") or LOCAL_AUTH_TOKEN
    form, signature = signed_request(
        public.rstrip("/") + "/sms", args.sender, " ".join(args.text), token
    )
    try:
        response = requests.post(
            url, data=form, headers={"X-Twilio-Signature": signature}, timeout=TIMEOUT_SECONDS
        )
    except requests.RequestException as error:
        print(f"crampvoice sms: no answer from {url}: {error}", file=sys.stderr)
        print("crampvoice sms: is `crampvoice serve` running?", file=sys.stderr)
        return 1
    if response.status_code == 403:
        print(
            "crampvoice sms: the server refused the signature: use the same "
            "TWILIO_AUTH_TOKEN and CRAMPVOICE_PUBLIC_URL as the server",
            file=sys.stderr,
        )
        return 1
    if response.status_code != 200:
        print(
            f"crampvoice sms: HTTP {response.status_code}: {response.text[:200]}", file=sys.stderr
        )
        return 1
    texts = reply_texts(response.text)
    print("\n".join(texts) if texts else "(no reply)")
    return 0
