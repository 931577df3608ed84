"""AWS Lambda entry point for the Cramp Coach Alexa skill (handler: lambda_function.lambda_handler).

Built on the composition root like every entry point; the Lambda has no database, and
the services open one only when asked. Requests from any skill but ALEXA_SKILL_ID are
refused when it is set.
"""

from crampvoice import composition
from crampvoice_skill.handlers import Skill

services = composition.build()
lambda_handler = Skill(skill_id=str(services.config["ALEXA_SKILL_ID"]) or None).handle
