"""What the pages use, built once per app by `create_app`."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app

from crampvoice.composition import Services
from crampvoice_skill.handlers import Skill
from crampvoice_web.turns import TurnRecorder

EXTENSION = "crampvoice_web"


@dataclass(frozen=True)
class WebServices:
    services: Services  # the composition root's: settings, core, store, sender, clock
    skill: Skill  # the skill's own entry point, for the simulated speaker
    turns: TurnRecorder  # voice turns -> dashboard events


def web_services(app: Flask | None = None) -> WebServices:
    found: WebServices = (app or current_app).extensions[EXTENSION]
    return found


def services(app: Flask | None = None) -> Services:
    """The composition root's services of this app (or the current one)."""
    return web_services(app).services
