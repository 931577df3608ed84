"""Voice turns counted for the dashboard: one Event row per turn the skill answers.

The skill reports intent, triage and locale (`crampvoice_skill.handlers.TurnReport`);
never what was said, so voice events carry no text. The sender is a keyed hash of the
Alexa session, so a conversation is counted once, and no Alexa user id is stored.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError

from crampvoice.storage import Store, repository
from crampvoice_skill.handlers import TurnReport

log = logging.getLogger("crampvoice.voice")

CHANNEL = "voice"


class TurnRecorder:
    def __init__(
        self,
        store: Store,
        hasher: Callable[[str], str],
        clock: Callable[[], datetime] = repository.utcnow,
    ) -> None:
        self.store = store
        self.hasher = hasher
        self.clock = clock
        self.storage_failures = 0  # voice turns not recorded because the database failed

    def __call__(self, report: TurnReport) -> None:
        sender = self.hasher("alexa-session:" + report.session_id) if report.session_id else None
        try:
            self._record(report, sender)
        except SQLAlchemyError as error:  # the answer never waits on the dashboard's count
            self.storage_failures += 1
            log.error("voice turn not recorded: storage unavailable (%s)", type(error).__name__)

    def _record(self, report: TurnReport, sender: str | None) -> None:
        with self.store.transaction() as session:
            repository.record_event(
                session,
                channel=CHANNEL,
                intent=report.intent[:32],
                triage=report.triage[:16],
                locale=report.locale[:16],
                answered=report.answered,
                at=self.clock(),
                sender=sender,
            )
