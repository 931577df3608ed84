"""What the pages use, built once per app by `init_app`."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app

from crampvoice_skill.handlers import Skill
from crampvoice_web.turns import TurnRecorder

EXTENSION = "crampvoice_web"


@dataclass(frozen=True)
class WebServices:
    skill: Skill  # the skill's own handlers, for the simulated speaker
    turns: TurnRecorder  # voice turns -> dashboard events


def services(app: Flask | None = None) -> WebServices:
    found: WebServices = (app or current_app).extensions[EXTENSION]
    return found
