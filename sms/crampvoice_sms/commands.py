"""`crampvoice worker`, `crampvoice sms` and `crampvoice chat`: send the bedtime prompts,
text a running app like Twilio would, and text the SMS service in a terminal (through
the same /sms webhook, on a throwaway database). `crampvoice serve` is the web app's
(crampvoice_web.commands). The worker imports no Flask.

Problems a person can fix are raised as `Refusal`s: the CLI prints each as one line."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import signal
import sys
import tempfile
import threading

import phonenumbers
import requests

from crampvoice import composition
from crampvoice.errors import Refusal
from crampvoice.settings import (
    DEFAULT_PUBLIC_URL,
    LOCAL_AUTH_TOKEN,
    LOCAL_SECRET_KEY,
    print_warnings,
)
from crampvoice_sms import fake
from crampvoice_sms.transport import TwilioTransport

TIMEOUT_SECONDS = 20


def worker(args: argparse.Namespace) -> int:
    """Send the bedtime prompts that are due: forever, or once (`--once`, for cron)."""
    logging.basicConfig(
        level=os.environ.get("CRAMPVOICE_LOG_LEVEL", "INFO").upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    services = composition.build(transport_for=TwilioTransport.for_account)
    work = services.dispatcher()
    print_warnings()
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


def send(args: argparse.Namespace) -> int:
    """POST a correctly signed text to a running server and print its reply."""
    url = args.url.rstrip("/") + "/sms"
    # The server checks signatures against its public URL: sign for that when it is set.
    public = os.environ.get("CRAMPVOICE_PUBLIC_URL") or args.url or DEFAULT_PUBLIC_URL
    token = os.environ.get("TWILIO_AUTH_TOKEN") or LOCAL_AUTH_TOKEN
    to = os.environ.get("TWILIO_FROM") or fake.LOCAL_TWILIO_NUMBER
    form = fake.inbound_form(args.sender, " ".join(args.text), to=to)
    headers = fake.signed_headers(token, public.rstrip("/") + "/sms", form)
    try:
        response = requests.post(url, data=form, headers=headers, timeout=TIMEOUT_SECONDS)
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
    texts = fake.reply_texts(response.text)
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
    the app's own /sms webhook, signed as Twilio signs it (`crampvoice_sms.fake`), so
    STOP, START, HELP, DELETE, BEDTIME and the rest do exactly what they do by SMS."""
    from flask import Flask  # only here: the worker and `crampvoice sms` need no Flask

    from crampvoice_sms.web import create_blueprint

    sender = chat_number(args.locale, args.sender)
    logging.disable(logging.INFO)  # the service's log lines would interleave with the chat
    with tempfile.TemporaryDirectory(prefix="crampvoice-chat-") as folder:
        url = f"sqlite:///{os.path.join(folder, 'chat.sqlite3')}"
        services = composition.build(
            composition.configure({**CHAT_SETTINGS, "DATABASE_URL": url})
        )
        app = Flask(__name__)
        app.register_blueprint(create_blueprint(services))
        twilio = fake.for_config(app.test_client(), services.config)
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
                texts = twilio.text(sender, line)
                if args.json:
                    print(json.dumps({"channel": "sms", "from": sender, "texts": texts},
                                     ensure_ascii=False))
                else:
                    print("\n".join(texts) if texts else "(no reply)")
        finally:
            services.close()
