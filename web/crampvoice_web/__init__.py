"""The crampvoice web app: the host of every HTTP endpoint. `create_app()` builds the
services once (`crampvoice.composition`) and mounts the SMS webhooks (crampvoice_sms),
the Alexa endpoint (crampvoice_skill) and the browser pages: a simulator of both
channels at / (a phone texting /sms, a smart speaker talking to the skill's handler)
and the operator's dashboard at /dashboard.

The pages reach the adapters only through their entry points (a signed request to
/sms, an envelope to the skill's handler); the counts behind the dashboard are
`crampvoice.storage.stats`, and every word said to a user is in shared/content.
"""

from __future__ import annotations

from crampvoice_web.app import create_app

__all__ = ["create_app"]
