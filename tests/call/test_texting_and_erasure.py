"""The steps by text at the end of a call (an explicit opt-in: 7, then 1; the SMS rules'
gate: STOP is respected), and DELETE by text erasing a number's calls."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from crampvoice.composition import Services
from crampvoice.settings import ConfigError
from crampvoice.storage import repository
from crampvoice.storage.models import Call, Event
from crampvoice_web.app import create_app
from tests.call.conftest import Caller
from tests.sms.conftest import Phone, settings


def outbox(sms: Services, number: str) -> list[str]:
    with sms.store.transaction() as db:
        return [m.body for m in repository.outbox(db, number)]


def test_the_steps_by_text_need_a_confirmation(caller: Caller, sms: Services) -> None:
    caller.twiml()
    caller.hear(digits="1")
    for _ in range(4):
        caller.hear(digits="6")
    offer = caller.hear(digits="7")
    assert "press 1 or say yes" in offer[0] and "rates may apply" in offer[0]
    assert outbox(sms, caller.number) == []  # nothing before the confirmation
    said = caller.hear(digits="1")
    assert said[0].startswith("Done. I've sent the steps by text.")
    texts = outbox(sms, caller.number)
    assert texts[0].startswith("Cramp Coach: the steps you asked for on your call")
    assert "Reply STOP to opt out, HELP for help" in texts[0] and "Msg & data rates" in texts[0]
    assert any("1. Keep your leg straight" in t for t in texts)
    assert any("4. Afterwards" in t for t in texts)


def test_cancelled_by_voice_nothing_is_sent(caller: Caller, sms: Services) -> None:
    caller.twiml()
    caller.hear(speech="text me the steps")
    assert caller.hear(speech="no")[0] == "Okay, no text."
    assert outbox(sms, caller.number) == []


def test_a_number_that_texted_stop_gets_no_steps(
    caller: Caller, phone: Phone, sms: Services
) -> None:
    phone.text("STOP")
    caller.twiml()
    caller.hear(digits="7")
    said = caller.hear(speech="yes")
    assert said[0].startswith("That number has opted out of texts")
    assert outbox(sms, caller.number) == []


def test_delete_by_text_erases_the_numbers_calls(
    caller: Caller, phone: Phone, sms: Services
) -> None:
    caller.twiml()
    caller.hear(digits="1")
    with sms.store.transaction() as db:
        assert db.scalar(select(func.count()).select_from(Call)) == 1
    phone.text("DELETE")
    phone.text("ERASE")  # DELETE is confirmed with ERASE
    with sms.store.transaction() as db:
        assert db.scalar(select(func.count()).select_from(Call)) == 0
        assert db.scalar(select(func.count()).select_from(Event)) == 0


def test_a_short_or_emergency_maternity_line_is_refused(database_url: str) -> None:
    for line in ("999", "+999", "911", "112", "0800 123"):
        with pytest.raises(ConfigError, match="CRAMPVOICE_MATERNITY_LINE"):
            create_app(settings(database_url, CRAMPVOICE_MATERNITY_LINE=line))
