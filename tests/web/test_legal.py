"""The privacy policy and terms the Alexa skill's manifest links to: public pages at
stable paths, their words from shared/legal/en.toml."""

from __future__ import annotations

import html
import re
import tomllib
from pathlib import Path

import pytest
from flask import Flask

from crampvoice.content import ContentError, content_dir, library
from crampvoice_skill.commands import PRIVACY_PATH, TERMS_PATH
from crampvoice_web import legal
from tests.web.conftest import remote_client


def words(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


@pytest.mark.parametrize("path", [PRIVACY_PATH, TERMS_PATH])
def test_the_pages_are_open_to_anyone_at_the_manifests_paths(app: Flask, path: str) -> None:
    response = remote_client(app).get(path)  # Amazon's reviewers, the person: not this machine
    assert response.status_code == 200 and response.mimetype == "text/html"
    text = words(response.get_data(as_text=True))
    program = library().get(None).program_name
    assert program in text and "{" not in text
    assert "not medical advice" in text and "emergency" in text


def test_the_privacy_policy_says_what_is_kept_and_how_to_erase_it(app: Flask) -> None:
    text = words(remote_client(app).get(PRIVACY_PATH).get_data(as_text=True))
    assert library().get(None).contact in text  # who to ask (CRAMPVOICE_CONTACT)
    for promise in ("keeps nothing about you once the conversation ends", "DELETE",
                    "STOP", "no health details", "never sells"):
        assert promise in text, promise


def test_the_pages_follow_the_reviewed_text(app: Flask) -> None:
    raw = tomllib.loads((content_dir() / "legal" / "en.toml").read_text(encoding="utf-8"))
    text = words(remote_client(app).get(TERMS_PATH).get_data(as_text=True))
    first = raw["terms"]["sections"][0]["paragraphs"][0]
    program = library().get(None).program_name
    assert first.format(program=program, contact="")[:60] in text
    assert raw["terms"]["updated"] in text


def test_a_page_missing_its_parts_is_refused_naming_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = tmp_path / "shared"
    (shared / "legal").mkdir(parents=True)
    (shared / "legal" / "en.toml").write_text(
        '[privacy]\ntitle = "x"\nupdated = "2026-12-02"\nsections = []\n[terms]\ntitle = "y"\n',
        encoding="utf-8",
    )
    monkeypatch.setattr(legal, "content_dir", lambda: shared)
    legal.pages.cache_clear()
    try:
        with pytest.raises(ContentError) as caught:
            legal.pages()
        assert caught.value.file == "legal/en.toml" and caught.value.key == "privacy.sections"
    finally:
        legal.pages.cache_clear()
