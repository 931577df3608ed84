"""The WSGI entry point for production:

    gunicorn --workers 2 --preload --bind 0.0.0.0:8000 crampvoice_web.wsgi:app

`--preload` migrates the database and loads the advice content once, before the
workers fork. Production settings are checked first (`crampvoice.production.check_web`:
a public https CRAMPVOICE_PUBLIC_URL, DATABASE_URL, a strong TWILIO_AUTH_TOKEN and
CRAMPVOICE_SECRET_KEY, no debug mode); an unsafe one stops it with one line on stderr
and a non-zero exit. Log lines (phone numbers only as a keyed hash) go to stderr at
CRAMPVOICE_LOG_LEVEL (default INFO). An unset CRAMPVOICE_CONTACT is logged as a warning.
"""

from __future__ import annotations

import logging
import os

from flask import Flask

from crampvoice import production
from crampvoice.settings import warnings
from crampvoice_web.app import create_app

logging.basicConfig(
    level=os.environ.get("CRAMPVOICE_LOG_LEVEL", "INFO").upper(),
    format="%(asctime)s %(levelname)s %(name)s: %(message)s",
)


def _start() -> Flask:
    production.check_web(os.environ)
    return create_app({"DEBUG": False})


app = production.refuse_or_exit(_start)
for line in warnings(os.environ):
    logging.getLogger("crampvoice").warning("%s", line)
