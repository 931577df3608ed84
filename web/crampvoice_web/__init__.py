"""The browser-facing pages of the crampvoice web app: a simulator of both channels at /
(a phone texting /sms, a smart speaker talking to the Alexa skill) and the operator's
dashboard at /dashboard. `init_app(app)` adds them to the app `crampvoice_sms.app` makes.

Adapter code: Flask lives here, the counts behind the dashboard in
`crampvoice.storage.stats`, and every word said to a user in shared/content.
"""

from __future__ import annotations

from crampvoice_web.app import init_app

__all__ = ["init_app"]
