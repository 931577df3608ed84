"""`crampvoice build-skill`: write the interaction model, or check it is current; and
point the manifest's privacy policy and terms at the operator's own pages.

One source per language is checked in, `skill/interaction-model/en.json` (what the
catalog generates); the per-locale files the ASK CLI deploys,
`skill-package/interactionModels/custom/<locale>.json` for each of `LOCALES`, are copies
of it written at build time (`make lambda`, or this command) and not kept in git."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from urllib.parse import urlsplit

from crampvoice_skill.catalog import LANGUAGE, LOCALES, interaction_model

#: The manifest's privacy and terms URLs until the operator sets theirs (a reserved
#: example domain, so a skill submitted with them fails Amazon's check, never misleads).
DEFAULT_BASE_URL = "https://cramp-coach.example.org"
#: Where the web app serves the pages (web/crampvoice_web/legal.py).
PRIVACY_PATH, TERMS_PATH = "/privacy", "/terms"


def model_text(locale: str) -> str:
    return json.dumps(interaction_model(locale), indent=2, ensure_ascii=False) + "\n"


def source_text() -> str:
    """The language's one model; every locale's model must be the same document."""
    text = model_text(LOCALES[0])
    for locale in LOCALES[1:]:
        if model_text(locale) != text:
            raise SystemExit(f"build-skill: the {locale} model differs from {LOCALES[0]}'s: "
                             "give it a source file of its own")
    return text


def source_folder(out: Path) -> Path:
    """`skill/interaction-model` beside `skill/skill-package/interactionModels/custom`."""
    return out.parents[2] / "interaction-model"


def build_skill(args: argparse.Namespace) -> int:
    out = Path(args.out)
    source = source_folder(out) / f"{LANGUAGE}.json"
    urls = legal_urls(args)
    if urls is not None and not args.check:
        set_legal_urls(out.parents[1] / "skill.json", *urls)
    text = source_text()
    current = source.read_text(encoding="utf-8") if source.exists() else None
    if args.check:
        if current != text:
            print(f"stale: {source} (run: crampvoice build-skill)", file=sys.stderr)
            return 1
        return 0
    if current != text:
        source.parent.mkdir(parents=True, exist_ok=True)
        source.write_text(text, encoding="utf-8")
        print(f"wrote {source}")
    out.mkdir(parents=True, exist_ok=True)
    for locale in LOCALES:
        (out / f"{locale}.json").write_text(text, encoding="utf-8")
    print(f"wrote the {len(LOCALES)} locales' interaction models in {out} "
          f"({', '.join(LOCALES)}: copies of {source.name})")
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
