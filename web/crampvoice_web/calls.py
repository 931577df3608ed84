"""The simulator's Call panel: the TwiML the real /voice answered, as steps the page plays
with the browser's speech synthesis (say, pause), and what happens next (listen, hang up,
connect). Only TwiML's own verbs are read; nothing is evaluated."""

from __future__ import annotations

import uuid
from typing import Any
from xml.etree import ElementTree


def fake_call_sid() -> str:
    return "CA" + uuid.uuid4().hex


def play(twiml: str) -> dict[str, Any]:
    root = ElementTree.fromstring(twiml)
    steps: list[dict[str, Any]] = []
    then = "ended"
    dialled = ""
    language = "en-US"

    def read(node: ElementTree.Element) -> None:
        nonlocal language
        for child in node:
            if child.tag == "Say":
                language = child.attrib.get("language", language)
                steps.append({"say": "".join(child.itertext()), "language": language})
            elif child.tag == "Pause":
                steps.append({"pause": int(child.attrib.get("length", "1"))})

    for node in root:
        if node.tag == "Gather":
            read(node)
            then = "listen"
        elif node.tag in ("Say", "Pause"):
            read(_wrap(node))
        elif node.tag == "Dial":
            then, dialled = "dial", (node.text or "").strip()
        elif node.tag == "Hangup":
            then = "ended"
    return {"steps": steps, "then": then, "dial": dialled, "language": language}


def _wrap(node: ElementTree.Element) -> ElementTree.Element:
    holder = ElementTree.Element("holder")
    holder.append(node)
    return holder
