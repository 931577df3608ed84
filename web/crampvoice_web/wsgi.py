"""The WSGI entry point for production:

    gunicorn --workers 2 --preload --bind 0.0.0.0:8000 crampvoice_web.wsgi:app

`--preload` migrates the database and loads the advice content once, before the
workers fork. Log lines (phone numbers only as a keyed hash) go to stderr at
CRAMPVOICE_LOG_LEVEL (default INFO). An unset CRAMPVOICE_CONTACT is logged as a warning.
"""

from __future__ import annotations

import logging
import os

from crampvoice.settings import warnings
from crampvoice_web.app import create_app

logging.basicConfig(
    level=os.environ.get("CRAMPVOICE_LOG_LEVEL", "INFO").upper(),
    format="%(asctime)s %(levelname)s %(name)s: %(message)s",
)
app = create_app()
for line in warnings(os.environ):
    logging.getLogger("crampvoice").warning("%s", line)
