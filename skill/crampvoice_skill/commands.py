"""`crampvoice build-skill`: write the interaction models, or check they are current; and
point the manifest's privacy policy and terms at the operator's own pages."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from urllib.parse import urlsplit

from crampvoice_skill.catalog import LOCALES, interaction_model

#: The manifest's privacy and terms URLs until the operator sets theirs (a reserved
#: example domain, so a skill submitted with them fails Amazon's check, never misleads).
DEFAULT_BASE_URL = "https://cramp-coach.example.org"
#: Where the web app serves the pages (web/crampvoice_web/legal.py).
PRIVACY_PATH, TERMS_PATH = "/privacy", "/terms"


def model_text(locale: str) -> str:
    return json.dumps(interaction_model(locale), indent=2, ensure_ascii=False) + "\n"


def build_skill(args: argparse.Namespace) -> int:
    out = Path(args.out)
    urls = legal_urls(args)
    if urls is not None and not args.check:
        set_legal_urls(out.parents[1] / "skill.json", *urls)
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


def legal_urls(args: argparse.Namespace) -> tuple[str, str] | None:
    """(privacy, terms) from --public-url (this app's pages) or --privacy-url/--terms-url
    (pages of your own); None when none is given."""
    base = getattr(args, "public_url", None)
    privacy = getattr(args, "privacy_url", None)
    terms = getattr(args, "terms_url", None)
    if not (base or privacy or terms):
        return None
    base = (base or DEFAULT_BASE_URL).rstrip("/")
    privacy, terms = privacy or base + PRIVACY_PATH, terms or base + TERMS_PATH
    for url in (privacy, terms):
        if urlsplit(url).scheme != "https" or not urlsplit(url).netloc:
            raise SystemExit(f"build-skill: {url!r} is not an https URL (Amazon requires one)")
    return privacy, terms


def set_legal_urls(manifest: Path, privacy: str, terms: str) -> None:
    data = json.loads(manifest.read_text(encoding="utf-8"))
    compliance = data["manifest"]["privacyAndCompliance"]
    compliance["locales"] = {
        locale: {"privacyPolicyUrl": privacy, "termsOfUseUrl": terms} for locale in LOCALES
    }
    manifest.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{manifest}: privacy policy {privacy}, terms {terms}")
