"""The bedtime worker in the SMS adapter: the core's `Dispatcher` sending through the
app's `Sender` (Twilio's REST API; without credentials the outbox table and the log),
with the app's settings: CRAMPVOICE_SEND_RATE, CRAMPVOICE_SEND_WINDOW and
CRAMPVOICE_SEND_LATE_MINUTES (see config.py)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from flask import Flask

from crampvoice.content import SMS_ONE_SEGMENT
from crampvoice.storage import repository
from crampvoice.worker import Dispatcher, SendText, Settings
from crampvoice_sms import config
from crampvoice_sms.outbound import Sender, SendResult
from crampvoice_sms.web import services


def prompt_sender(sender: Sender) -> SendText:
    """Bedtime prompts are scheduled messages of one segment each."""

    def send(number: str, text: str) -> SendResult:
        return sender.send(number, text, budget=SMS_ONE_SEGMENT, scheduled=True)

    return send


def settings(app: Flask) -> Settings:
    return Settings(
        rate=config.send_rate(app.config),
        window=config.send_window(app.config),
        late=timedelta(minutes=int(app.config["CRAMPVOICE_SEND_LATE_MINUTES"])),
    )


def dispatcher(app: Flask, clock: Callable[[], datetime] = repository.utcnow) -> Dispatcher:
    sms = services(app)
    return Dispatcher(sms.store, prompt_sender(sms.sender), settings(app), clock=clock)


def start_in_process(app: Flask) -> threading.Event:
    """The worker on a daemon thread beside the web server (`crampvoice serve`); set the
    returned event to stop it between two sends."""
    stop = threading.Event()
    thread = threading.Thread(
        target=dispatcher(app).run, args=(stop,), name="crampvoice-worker", daemon=True
    )
    thread.start()
    return stop
