"""Refusals: what a command will not do, said in one line a person can act on.

`crampvoice.cli.main` prints a `Refusal` as one line on stderr and exits 2, with no
traceback; the adapters raise subclasses (an unsafe configuration, a missing file).
"""

from __future__ import annotations


class Refusal(ValueError):
    """Something the program will not work with; the message says which and what to do."""
