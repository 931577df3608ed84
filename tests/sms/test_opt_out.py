"""STOP and friends: after an opt-out nothing reaches the number, by any path, until
it opts back in. HELP still works. Twilio's OptOutType decides when present."""

from __future__ import annotations

import pytest
import responses

from crampvoice.composition import Services as SmsServices
from crampvoice.storage import repository

from .conftest import Phone

STOP_WORDS = ["STOP", "stopall", "Unsubscribe", "CANCEL", "end", "QUIT", "revoke", "OptOut"]
START_WORDS = ["START", "unstop", "YES"]


def stopped(sms: SmsServices, number: str) -> bool:
    with sms.store.transaction() as session:
        return repository.is_stopped(session, number)


@pytest.mark.parametrize("word", STOP_WORDS)
def test_a_stop_word_confirms_once_then_nothing_more_is_sent(
    phone: Phone, sms: SmsServices, word: str
) -> None:
    confirmation = phone.text(word)
    assert confirmation is not None and "START" in confirmation
    assert stopped(sms, phone.number)
    for body in ("i have a cramp", "hello?", "next", "", "my leg is swollen"):
        assert phone.text(body) is None


@pytest.mark.parametrize("word", START_WORDS)
def test_start_unstop_or_yes_opts_back_in(phone: Phone, sms: SmsServices, word: str) -> None:
    phone.text("STOP")
    welcome = phone.text(word)
    assert welcome is not None and "opted in again" in welcome
    assert not stopped(sms, phone.number)
    assert phone.text("tips") is not None


def test_yes_is_an_ordinary_yes_when_the_number_is_not_stopped(phone: Phone) -> None:
    reply = phone.text("YES")
    assert reply is not None and "opted in" not in reply


def test_only_the_bare_word_yes_opts_back_in(phone: Phone, sms: SmsServices) -> None:
    phone.text("STOP")
    assert phone.text("yes please tell me more") is None
    assert stopped(sms, phone.number)


def test_a_stopped_number_still_gets_help_and_is_told_how_to_rejoin(phone: Phone) -> None:
    phone.text("STOP")
    help_reply = phone.text("HELP")
    assert help_reply is not None and "Msg & data rates may apply" in help_reply
    again = phone.text("STOP")
    assert again is not None and "opted out" in again and "START" in again


def test_after_stop_the_outbound_layer_sends_nothing(phone: Phone, sms: SmsServices) -> None:
    phone.text("STOP")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as twilio:
        assert sms.sender.send(phone.number, "Time for your bedtime stretches.").status == "blocked"
        assert sms.sender.send(phone.number, "Hello", scheduled=True).status == "blocked"
        assert len(twilio.calls) == 0
    with sms.store.transaction() as session:
        assert repository.outbox(session, phone.number) == []


@pytest.mark.parametrize("body", ["ARRET", "stop"])
def test_twilio_opt_out_type_stop_is_honoured_without_a_second_reply(
    phone: Phone, sms: SmsServices, body: str
) -> None:
    # Advanced Opt-Out: Twilio has already sent its configured confirmation.
    assert phone.text(body, OptOutType="STOP") is None
    assert stopped(sms, phone.number)
    assert phone.text("i have a cramp") is None


def test_twilio_opt_out_type_start_and_help(phone: Phone, sms: SmsServices) -> None:
    phone.text("STOP")
    assert phone.text("HELP", OptOutType="HELP") is None  # Twilio answered it
    assert stopped(sms, phone.number)
    assert phone.text("REJOINDRE", OptOutType="START") is None
    assert not stopped(sms, phone.number)
    assert phone.text("tips") is not None


def test_yes_labelled_start_by_twilio_is_an_ordinary_yes_for_a_subscribed_number(
    phone: Phone, sms: SmsServices
) -> None:
    phone.text("DELETE")
    again = phone.text("YES", OptOutType="START")  # not the confirmation word: asked again
    assert again is not None and "Reply ERASE" in again
    assert not stopped(sms, phone.number)
    done = phone.text("ERASE")
    assert done is not None and "erased" in done
