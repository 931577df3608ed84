"""The advice core never imports Flask, ask-sdk or twilio; only the adapters do. (`make
imports` checks the whole import graph with import-linter; these check what a person
would: the files, and what answering a message loads.)"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

CORE = Path(__file__).parents[2] / "src" / "crampvoice"
PLATFORMS = ("flask", "twilio", "ask_sdk_core", "ask_sdk_model", "ask_sdk_runtime", "werkzeug")
ADAPTERS = ("crampvoice_sms", "crampvoice_skill", "crampvoice_web")


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_no_core_module_imports_a_platform_library() -> None:
    for path in CORE.rglob("*.py"):
        assert not imported_modules(path) & set(PLATFORMS), path


def test_no_core_module_imports_an_adapter() -> None:
    # The CLI finds the adapters' commands as entry points (pyproject.toml), by name.
    for path in CORE.rglob("*.py"):
        assert not imported_modules(path) & set(ADAPTERS), path


def test_answering_loads_no_platform_library() -> None:
    code = (
        "import sys; from crampvoice.engine import Core; from crampvoice import render;"
        "render.sms(Core.default().respond('cramp'));"
        "print(sorted({m.split('.')[0] for m in sys.modules} & set(sys.argv[1:])))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, *PLATFORMS], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
