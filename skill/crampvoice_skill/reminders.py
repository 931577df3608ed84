"""A bedtime reminder on Alexa: the reminders permission, and one daily reminder made,
replaced or deleted through the Alexa Reminders API.

Adapter code because it calls Amazon's APIs; it chooses no words. Each flow returns an
`Outcome` that names the core's text to say (`system.reminder_*`) and what else the
response carries (the AskFor directive, the consent card); handlers.py renders it.

The reminder itself is spoken on shared devices, so its words are the core's
`system.reminder` (no medical words), and the skill finds its own reminders by them.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ask_sdk_core.exceptions import SerializationException
from ask_sdk_core.handler_input import HandlerInput
from ask_sdk_model import RequestEnvelope
from ask_sdk_model.permission_status import PermissionStatus
from ask_sdk_model.services import ApiClient, ApiClientRequest, ApiClientResponse
from ask_sdk_model.services.reminder_management import (
    AlertInfo,
    PushNotification,
    PushNotificationStatus,
    Recurrence,
    ReminderRequest,
    SpokenInfo,
    SpokenText,
    Trigger,
    TriggerType,
)
from ask_sdk_model.services.service_exception import ServiceException

from crampvoice.content import library

log = logging.getLogger(__name__)

SCOPE = "alexa::alerts:reminders:skill:readwrite"
#: Voice consent (Connections.SendRequest "AskFor"), answered by a Connections.Response.
ASK_FOR_PAYLOAD: dict[str, object] = {
    "@type": "AskForPermissionsConsentRequest",
    "@version": "2",
    "permissionScopes": [{"permissionScope": SCOPE, "consentLevel": "ACCOUNT"}],
}
#: When no time is asked for.
DEFAULT_AT = time(21, 30)
#: Each call to Amazon. Alexa gives up on a response after about 8 seconds, and setting a
#: reminder makes up to four calls (time zone, list, create, delete the old one).
TIMEOUT_SECONDS = 2.0
#: What a call to Amazon raises when it fails: an error status, no answer, an odd body.
API_ERRORS = (ServiceException, SerializationException, ValueError)

# ask-sdk-model types AlertInfo.spoken_info as a class in a module that does not exist, so
# reading any reminder back (get_reminders) raises SerializationException (a generator bug,
# alexa/alexa-apis-for-python issue 4, still in 1.82): point it at the class that does.
_MISSING = "ask_sdk_model.services.reminder_management.alert_info_spoken_info.SpokenInfo"
if AlertInfo.deserialized_types.get("spoken_info") == _MISSING:
    AlertInfo.deserialized_types["spoken_info"] = f"{SpokenInfo.__module__}.SpokenInfo"

_TOKEN = re.compile(r"crampvoice-bedtime (\d{2}):(\d{2})")


@dataclass(frozen=True)
class Outcome:
    """What to say (a `system.*` key of the core's content) and what to send with it."""

    key: str
    at: time | None = None  # the reminder's time, said as {time}
    ask: bool = False  # the AskFor directive: Alexa asks for the permission by voice
    card: bool = False  # the consent card in the Alexa app (devices without voice consent)

    def values(self) -> dict[str, str]:
        return {"time": spoken_time(self.at)} if self.at is not None else {}


# --------------------------------------------------------------------------- parsing


def spoken_time(at: time) -> str:
    """ "9:30 pm", as Alexa reads it."""
    return f"{at.hour % 12 or 12}:{at.minute:02d} {'am' if at.hour < 12 else 'pm'}"


def ask_token(at: time) -> str:
    """The AskFor token: Alexa hands it back with the answer, so the time survives."""
    return f"crampvoice-bedtime {at:%H:%M}"


def token_time(token: str | None) -> time:
    match = _TOKEN.fullmatch(token or "")
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        return DEFAULT_AT
    return time(int(match.group(1)), int(match.group(2)))


def granted(envelope: RequestEnvelope) -> bool:
    """Whether the person has given this skill the reminders permission."""
    system = envelope.context.system if envelope.context is not None else None
    permissions = system.user.permissions if system is not None and system.user else None
    if permissions is None:
        return False
    scope = (permissions.scopes or {}).get(SCOPE)
    if scope is not None and scope.status is not None:
        return bool(scope.status == PermissionStatus.GRANTED)
    return bool(permissions.consent_token)  # the only permission this skill asks for


def consent(payload: object) -> str:
    """The answer in a Connections.Response to AskFor: ACCEPTED, DENIED, NOT_ANSWERED, or
    CARD (the device could not ask, a card went to the app). Accepts the first shape,
    {"permissionScope", "status"}, and the per-scope shapes under "permissions"."""
    if not isinstance(payload, dict):
        return "NOT_ANSWERED"
    status = payload.get("status")
    if not isinstance(status, str):
        status = _scope_status(payload.get("permissions") or payload.get("permissionScopes"))
    status = (status or "NOT_ANSWERED").upper()
    if status != "ACCEPTED" and str(payload.get("isCardThrown", "")).lower() == "true":
        return "CARD"
    return status


def _scope_status(permissions: object) -> str | None:
    entries: Iterable[tuple[object, object]] = ()
    if isinstance(permissions, dict):  # {scope: {"status": ...}} or {scope: "ACCEPTED"}
        entries = permissions.items()
    elif isinstance(permissions, list):  # [{"permissionScope": scope, "status": ...}]
        entries = [(e.get("permissionScope"), e) for e in permissions if isinstance(e, dict)]
    for scope, entry in entries:
        if scope == SCOPE:
            status = entry.get("status") if isinstance(entry, dict) else entry
            return status if isinstance(status, str) else None
    return None


# --------------------------------------------------------------------------- the API


class LazyApiClient(ApiClient):
    """ask-sdk's DefaultApiClient, imported on the first call to Amazon (it brings
    `requests`, a cold-start cost most requests never need) and with a timeout."""

    def __init__(self, timeout: float = TIMEOUT_SECONDS) -> None:
        self.timeout = timeout
        self._client: ApiClient | None = None

    def invoke(self, request: ApiClientRequest) -> ApiClientResponse:
        if self._client is None:
            self._client = _timed_default_client(self.timeout)
        response: ApiClientResponse = self._client.invoke(request)
        return response


def _timed_default_client(timeout: float) -> ApiClient:
    from ask_sdk_core.api_client import DefaultApiClient

    class TimedApiClient(DefaultApiClient):
        def _resolve_method(self, request: ApiClientRequest) -> Callable[..., Any]:
            method = super()._resolve_method(request)
            return functools.partial(method, timeout=timeout)

    client: ApiClient = TimedApiClient()
    return client


class ReminderApi:
    """The Reminders API and the device's time zone, for one request's token."""

    def __init__(self, handler_input: HandlerInput) -> None:
        factory = handler_input.service_client_factory
        if factory is None:
            raise ServiceException("no API client", 500, None, None)
        self.factory = factory

    def time_zone(self, device_id: str | None) -> str | None:
        """The device's IANA zone (UPS), or None: the reminder then follows the device."""
        if not device_id:
            return None
        try:
            zone = str(self.factory.get_ups_service().get_system_time_zone(device_id))
            ZoneInfo(zone)
        except Exception as error:  # unreadable or unknown: fall back, never fail
            log.info("alexa: no device time zone (%s)", type(error).__name__)
            return None
        return zone

    def ours(self, texts: frozenset[str]) -> list[str]:
        """The alert tokens of this skill's reminders that say one of `texts`."""
        found = self.factory.get_reminder_management_service().get_reminders()
        tokens = []
        for alert in getattr(found, "alerts", None) or []:
            info = alert.alert_info.spoken_info if alert.alert_info else None
            said = {c.text for c in (info.content if info else None) or []}
            if alert.alert_token and said & texts:
                tokens.append(str(alert.alert_token))
        return tokens

    def create(self, request: ReminderRequest) -> str:
        created = self.factory.get_reminder_management_service().create_reminder(request)
        return str(getattr(created, "alert_token", "") or "")

    def delete(self, token: str) -> None:
        self.factory.get_reminder_management_service().delete_reminder(token)


def reminder_request(
    at: time, text: str, locale: str, now: datetime, zone: str | None
) -> ReminderRequest:
    """A reminder every day at `at`, local time. With the device's zone known, it starts at
    the next such time there; without it, no timeZoneId, and Alexa uses the device's."""
    local_now = now.astimezone(ZoneInfo(zone) if zone else UTC).replace(tzinfo=None)
    first = datetime.combine(local_now.date(), at)
    if first <= local_now + timedelta(minutes=1):
        first += timedelta(days=1)
    rule = f"FREQ=DAILY;BYHOUR={at.hour};BYMINUTE={at.minute};BYSECOND=0;INTERVAL=1;"
    spoken = SpokenInfo(content=[SpokenText(locale=locale, text=text)])
    return ReminderRequest(
        request_time=local_now.replace(microsecond=0),
        trigger=Trigger(
            object_type=TriggerType.SCHEDULED_ABSOLUTE,
            scheduled_time=first,
            time_zone_id=zone,
            recurrence=Recurrence(start_date_time=first, recurrence_rules=[rule]),
        ),
        alert_info=AlertInfo(spoken_info=spoken),
        push_notification=PushNotification(status=PushNotificationStatus.ENABLED),
    )


# --------------------------------------------------------------------------- the flows


def reminder_texts() -> frozenset[str]:
    """What the skill's reminders say, in every locale: how it knows its own."""
    return frozenset(c.system["reminder"].voice for c in library().locales.values())


def failed(error: Exception) -> Outcome:
    status = getattr(error, "status_code", None)
    log.warning("alexa: reminders API failed: %s %s", status, type(error).__name__)
    if status in (401, 403):  # the permission was withdrawn, or never reached the API
        return Outcome("reminder_no_access", card=True)
    return Outcome("reminder_failed")


def set_reminder(handler_input: HandlerInput, at: time) -> Outcome:
    """ "Remind me to stretch at bedtime": ask for the permission first if it is missing."""
    if not granted(handler_input.request_envelope):
        return Outcome("reminder_permission", at=at, ask=True, card=True)
    return create_daily(handler_input, at)


def create_daily(handler_input: HandlerInput, at: time) -> Outcome:
    """One daily reminder at `at`: made first, then any earlier bedtime reminder deleted,
    so changing the time never leaves two, and a failure leaves the old one in place."""
    envelope = handler_input.request_envelope
    request = envelope.request
    locale = str(getattr(request, "locale", None) or "en-US")
    system = envelope.context.system if envelope.context is not None else None
    device = system.device if system is not None else None
    now = getattr(request, "timestamp", None) or datetime.now(UTC)
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    text = library().get(locale).system["reminder"].voice
    try:
        api = ReminderApi(handler_input)
        zone = api.time_zone(device.device_id if device is not None else None)
        try:
            earlier = api.ours(reminder_texts())
        except API_ERRORS as error:  # make the new one anyway
            log.info("alexa: could not list reminders: %s", type(error).__name__)
            earlier = []
        made = api.create(reminder_request(at, text, locale, now, zone))
    except API_ERRORS as error:
        return failed(error)
    for token in earlier:
        if token != made:
            try:
                api.delete(token)
            except API_ERRORS as error:  # the new one is set: say so, and log this
                log.warning("alexa: could not delete an earlier reminder: %s", error)
    return Outcome("reminder_set", at=at)


def cancel_reminder(handler_input: HandlerInput, at: time) -> Outcome:
    """ "Cancel my bedtime reminder": delete every reminder of ours (`at` is unused)."""
    if not granted(handler_input.request_envelope):
        return Outcome("reminder_none")  # without the permission this skill set none
    try:
        api = ReminderApi(handler_input)
        tokens = api.ours(reminder_texts())
        for token in tokens:
            api.delete(token)
    except API_ERRORS as error:
        return failed(error)
    return Outcome("reminder_cancelled" if tokens else "reminder_none")


def consent_answered(handler_input: HandlerInput) -> Outcome:
    """The Connections.Response to AskFor: make the reminder, or say why not."""
    request = handler_input.request_envelope.request
    code = getattr(getattr(request, "status", None), "code", None)
    if code is not None and str(code) != "200":
        log.warning("alexa: AskFor answered with status %s", code)
        return Outcome("reminder_failed")
    answer = consent(getattr(request, "payload", None))
    if answer == "ACCEPTED":
        return create_daily(handler_input, token_time(getattr(request, "token", None)))
    if answer == "DENIED":
        return Outcome("reminder_denied")
    if answer == "CARD":
        return Outcome("reminder_no_access", card=True)
    return Outcome("reminder_not_answered")
