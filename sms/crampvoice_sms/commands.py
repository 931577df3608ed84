"""`crampvoice serve`, `crampvoice worker`, `crampvoice sms` and `crampvoice chat`: run the
web app, send the bedtime prompts, text a running app like Twilio would, and text the
SMS service in a terminal (through the same /sms webhook, on a throwaway database).

Problems a person can fix are raised as `Refusal`s: the CLI prints each as one line."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import signal
import socket
import sys
import tempfile
import threading
import uuid
from xml.etree import ElementTree

import phonenumbers
import requests
from twilio.request_validator import RequestValidator

from crampvoice.errors import Refusal
from crampvoice_sms.config import (
    DEFAULT_PUBLIC_URL,
    LOCAL_AUTH_TOKEN,
    LOCAL_SECRET_KEY,
    warnings,
    worker_in_serve,
)

TIMEOUT_SECONDS = 20
#: The number the local server pretends to be (the `To` of a simulated text).
LOCAL_TWILIO_NUMBER = "+15005550006"


def warn_at_start() -> None:
    for line in warnings(os.environ):
        print(f"crampvoice: warning: {line}", file=sys.stderr, flush=True)


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
    """Run the app on Flask's own server (local use; gunicorn in production)."""
    from crampvoice_sms.app import create_app

    logging.basicConfig(level=os.environ.get("CRAMPVOICE_LOG_LEVEL", "INFO").upper())
    check_port(args.host, args.port)
    overrides = {}
    if not os.environ.get("CRAMPVOICE_PUBLIC_URL"):  # sign against where we listen
        overrides["CRAMPVOICE_PUBLIC_URL"] = f"http://{args.host}:{args.port}"
    app = create_app(overrides)
    warn_at_start()
    base = app.config["CRAMPVOICE_PUBLIC_URL"]
    print(f"crampvoice: the simulator is at {base}/ and the dashboard at {base}/dashboard",
          flush=True)
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
    warn_at_start()
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
    except requests.RequestException:
        print(f"crampvoice sms: no answer from {url}: is `crampvoice serve` running?",
              file=sys.stderr)
        return 1
    if response.status_code == 403:
        print(
            "crampvoice sms: the server refused the signature: use the same "
            "TWILIO_AUTH_TOKEN and CRAMPVOICE_PUBLIC_URL as the server",
            file=sys.stderr,
        )
        return 1
    if response.status_code != 200:
        first = (response.text.strip().splitlines() or [""])[0][:200]
        print(f"crampvoice sms: HTTP {response.status_code}: {first}", file=sys.stderr)
        return 1
    texts = reply_texts(response.text)
    print("\n".join(texts) if texts else "(no reply)")
    return 0


# --------------------------------------------------------------------------- chat

#: Settings that keep `crampvoice chat` on this machine whatever the environment says:
#: nothing goes to Twilio (sends wait in the throwaway outbox), no worker runs.
CHAT_SETTINGS = {
    "CRAMPVOICE_PUBLIC_URL": DEFAULT_PUBLIC_URL,
    "TWILIO_AUTH_TOKEN": LOCAL_AUTH_TOKEN,
    "CRAMPVOICE_SECRET_KEY": LOCAL_SECRET_KEY,
    "TWILIO_ACCOUNT_SID": "",
    "TWILIO_FROM": "",
    "TWILIO_MESSAGING_SERVICE_SID": "",
    "CRAMPVOICE_WORKER": "off",
}


def chat_number(locale: str, sender: str | None) -> str:
    """The number a chat texts from: --from, else the example mobile of the locale's
    country (en-GB: a UK mobile). The SMS service takes the locale from the number."""
    if sender:
        try:
            parsed = phonenumbers.parse(sender, None)
        except phonenumbers.NumberParseException:
            parsed = None
        if parsed is None or not phonenumbers.is_possible_number(parsed):
            raise Refusal(
                f"--from {sender!r} is not a phone number in + format, like +447700900123"
            )
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    country = locale.replace("_", "-").partition("-")[2].upper()
    example = phonenumbers.example_number_for_type(country, phonenumbers.PhoneNumberType.MOBILE)
    if example is None:
        raise Refusal(
            f"--locale {locale!r} names no country to text from: use en-US, en-GB, en-AU ... "
            "or --from +447700900123"
        )
    return phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164)


def chat(args: argparse.Namespace) -> int:
    """A conversation with the SMS service in the terminal: each line is a text posted to
    the app's own /sms webhook, signed as Twilio signs it (`crampvoice_sms.local`), so
    STOP, START, HELP, DELETE, BEDTIME and the rest do exactly what they do by SMS."""
    from crampvoice_sms.app import create_app
    from crampvoice_sms.local import text_service
    from crampvoice_sms.web import services

    sender = chat_number(args.locale, args.sender)
    logging.disable(logging.INFO)  # the service's log lines would interleave with the chat
    with tempfile.TemporaryDirectory(prefix="crampvoice-chat-") as folder:
        url = f"sqlite:///{os.path.join(folder, 'chat.sqlite3')}"
        app = create_app({**CHAT_SETTINGS, "DATABASE_URL": url})
        shown = phonenumbers.format_number(
            phonenumbers.parse(sender), phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
        print(f"crampvoice chat: texting the SMS service from {shown}, through /sms on a "
              "throwaway database. Ctrl-D to leave.")
        print("Information, not medical advice. In an emergency call your local emergency number.")
        try:
            while True:
                try:
                    line = input("> ")
                except (EOFError, KeyboardInterrupt):
                    print()
                    return 0
                if not line.strip():
                    continue
                texts = text_service(app, sender, line)
                if args.json:
                    print(json.dumps({"channel": "sms", "from": sender, "texts": texts},
                                     ensure_ascii=False))
                else:
                    print("\n".join(texts) if texts else "(no reply)")
        finally:
            services(app).store.dispose()
