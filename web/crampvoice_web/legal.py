"""The privacy policy and terms of use, public pages at stable paths: /privacy, /terms.

Their words are data (shared/legal/en.toml), reviewed like the advice; the Alexa
skill's manifest links to these paths (README: "Privacy policy and terms").
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, render_template

from crampvoice.content import ContentError, content_dir, library

blueprint = Blueprint("legal", __name__)
PAGES = ("privacy", "terms")
FILE = "legal/en.toml"


@dataclass(frozen=True)
class Section:
    heading: str
    paragraphs: tuple[str, ...]


@dataclass(frozen=True)
class Page:
    title: str
    updated: str
    sections: tuple[Section, ...]


@functools.cache
def pages() -> dict[str, Page]:
    """Both pages, read and checked once; {program} and {contact} filled in."""
    raw = tomllib.loads((content_dir() / FILE).read_text(encoding="utf-8"))
    content = library().get(None)
    values = {"program": content.program_name, "contact": content.contact}
    return {key: _page(raw, key, values) for key in PAGES}


def _page(raw: dict[str, Any], key: str, values: dict[str, str]) -> Page:
    table = raw.get(key)
    if not isinstance(table, dict) or set(table) != {"title", "updated", "sections"}:
        raise ContentError(FILE, key, "needs exactly title, updated and sections")
    if not isinstance(table["sections"], list) or not table["sections"]:
        raise ContentError(FILE, f"{key}.sections", "at least one section")
    sections = []
    for index, section in enumerate(table["sections"]):
        paragraphs = section.get("paragraphs") if isinstance(section, dict) else None
        if set(section) != {"heading", "paragraphs"} or not paragraphs:
            raise ContentError(FILE, f"{key}.sections[{index}]", "needs heading and paragraphs")
        fill = [str(text).format(**values) for text in paragraphs]
        sections.append(Section(str(section["heading"]).format(**values), tuple(fill)))
    return Page(str(table["title"]).format(**values), str(table["updated"]), tuple(sections))


@blueprint.get("/privacy")
def privacy() -> str:
    return render_template("crampvoice_web/legal.html", page=pages()["privacy"])


@blueprint.get("/terms")
def terms() -> str:
    return render_template("crampvoice_web/legal.html", page=pages()["terms"])
