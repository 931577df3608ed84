"""The WSGI entry point for production:

    gunicorn --workers 2 --preload --bind 0.0.0.0:8000 crampvoice_web.wsgi:app

`--preload` migrates the database, loads the advice content and answers one message
(loading what the core loads on first use) once, before the workers fork, with the
garbage collector off, and then freezes it out of the collector's walks (`gc.freeze`)
before turning the collector on again. Production
settings are checked first (`crampvoice.production.check_web`: a public https
CRAMPVOICE_PUBLIC_URL, DATABASE_URL, a strong TWILIO_AUTH_TOKEN and CRAMPVOICE_SECRET_KEY,
no debug mode); an unsafe one stops it with one line on stderr
and a non-zero exit. Log lines (phone numbers only as a keyed hash) go to stderr at
CRAMPVOICE_LOG_LEVEL (default INFO). An unset CRAMPVOICE_CONTACT is logged as a warning.
"""

from __future__ import annotations

import gc
import logging
import os

from flask import Flask

from crampvoice import production
from crampvoice.settings import warnings
from crampvoice_web.app import create_app
from crampvoice_web.services import services

logging.basicConfig(
    level=os.environ.get("CRAMPVOICE_LOG_LEVEL", "INFO").upper(),
    format="%(asctime)s %(levelname)s %(name)s: %(message)s",
)


def _start() -> Flask:
    production.check_web(os.environ)
    # No collection while the app is built (CPython's advice for a parent that forks): a
    # collection now would free memory among what the workers share, and their first
    # allocations there would copy those pages.
    gc.disable()
    app = create_app({"DEBUG": False})
    # One answer now, before gunicorn forks (--preload): what the core loads on first use
    # (the lemmatizer's dictionary, about 0.2 s) is loaded once and shared by every worker,
    # and no worker's first text waits for it.
    services(app).core.respond("my calf cramps at night")
    # What is loaded now lives as long as the process: out of the garbage collector's
    # reach, so no collection walks it again (and forked workers keep sharing its pages).
    gc.freeze()
    gc.enable()  # in this process and, from here, in every worker forked from it
    return app


app = production.refuse_or_exit(_start)
for line in warnings(os.environ):
    logging.getLogger("crampvoice").warning("%s", line)
