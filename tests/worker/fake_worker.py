"""A bedtime worker process with a fake sender that appends each number it "sends" to a
file (one line, written straight to the file, so it survives SIGKILL).

    python tests/worker/fake_worker.py DATABASE_URL OUTPUT_FILE [RATE]
"""

from __future__ import annotations

import os
import sys

from crampvoice.storage import Store
from crampvoice.worker import Dispatcher, Sent, Settings


def main(url: str, output: str, rate: float) -> None:
    fd = os.open(output, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    sent = 0

    def send(number: str, text: str) -> Sent:
        nonlocal sent
        os.write(fd, f"{number}\n".encode())
        sent += 1
        return Sent("sent", f"SM{os.getpid()}x{sent}")

    store = Store(url)
    counts = Dispatcher(store, send, Settings(rate=rate)).drain()
    store.dispose()
    print(dict(counts), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], float(sys.argv[3]) if len(sys.argv) > 3 else 0.0)
