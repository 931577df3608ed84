"""`crampvoice build-skill`: write the interaction models, or check they are current."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from crampvoice_skill.catalog import LOCALES, interaction_model


def model_text(locale: str) -> str:
    return json.dumps(interaction_model(locale), indent=2, ensure_ascii=False) + "\n"


def build_skill(args: argparse.Namespace) -> int:
    out = Path(args.out)
    stale = []
    for locale in LOCALES:
        path = out / f"{locale}.json"
        text = model_text(locale)
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        stale.append(path)
        if not args.check:
            out.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    if args.check:
        for path in stale:
            print(f"stale: {path} (run: crampvoice build-skill)", file=sys.stderr)
        return 1 if stale else 0
    print(f"wrote {len(stale)} of {len(LOCALES)} interaction models in {out}")
    return 0
