"""AWS Lambda entry point for the Cramp Coach Alexa skill (handler: lambda_function.lambda_handler).

Built on the composition root like every entry point; the Lambda has no database, and
the services open one only when asked. It refuses to start (one line in the log, a
non-zero exit) without ALEXA_SKILL_ID or with a debug mode on
(`crampvoice.production.check_lambda`), so it never answers another skill.
"""

import os

from crampvoice import composition, production
from crampvoice_skill.handlers import Skill


def _start() -> Skill:
    production.check_lambda(os.environ)
    services = composition.build()
    return Skill(skill_id=str(services.config["ALEXA_SKILL_ID"]))


lambda_handler = production.refuse_or_exit(_start, prog="crampvoice lambda").handle
