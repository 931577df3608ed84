"""AWS Lambda entry point for the Cramp Coach Alexa skill (handler: lambda_function.lambda_handler).

Requests from any skill but ALEXA_SKILL_ID are refused when it is set.
"""

import os

from crampvoice_skill.handlers import Skill

lambda_handler = Skill(skill_id=os.environ.get("ALEXA_SKILL_ID") or None).handle
