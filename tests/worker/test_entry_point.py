"""`crampvoice worker` is built on the composition root and starts without Flask."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_the_worker_starts_and_sends_without_importing_flask(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from crampvoice.cli import main\n"
        "code = main(['worker', '--once'])\n"
        "web = sorted({m.split('.')[0] for m in sys.modules} & {'flask', 'werkzeug',"
        " 'crampvoice_web', 'crampvoice_skill', 'ask_sdk_core'})\n"
        "print(code, web)\n"
    )
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
           "CRAMPVOICE_CONTACT": "the clinic"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "crampvoice worker: nothing was due" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "0 []"
