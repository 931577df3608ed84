"""Settings from the environment, each with a default that works on a laptop.

- TWILIO_AUTH_TOKEN: checks X-Twilio-Signature (`crampvoice sms` signs with it).
  Local default: a fixed token written below.
- TWILIO_ACCOUNT_SID, TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID: REST sends through
  Twilio. Local default: none, and messages sent outside a reply wait in the outbox table.
- CRAMPVOICE_PUBLIC_URL: the public base URL Twilio calls; signatures are checked
  against it plus the path. Local default: http://127.0.0.1:8000.
- DATABASE_URL: any SQLAlchemy URL (postgresql:// uses psycopg 3). Local default: a
  SQLite file in the Flask instance folder.
- ALEXA_SKILL_ID: the skill the Alexa endpoint answers. Default: none, and /alexa refuses
  every request (Alexa requests cannot be made locally anyway).
- CRAMPVOICE_SECRET_KEY: keys the hash that stands for phone numbers in logs.
- CRAMPVOICE_CONTACT: the operator's contact, named in HELP replies (read with the
  content). Unset: a placeholder, and `serve` and `worker` say so at start.
- CRAMPVOICE_SMS_RATE_LIMIT, CRAMPVOICE_SMS_RATE_WINDOW: replies per number per window
  (default 30 per 3600 s); CRAMPVOICE_SMS_ESCALATION_LIMIT: escalations per number per
  window (default 20; the first of each window is always sent);
  CRAMPVOICE_SMS_GLOBAL_LIMIT: replies to everyone together per window (default 2000).
  The counters survive erasure (`crampvoice.texting.budget`).
- CRAMPVOICE_SMS_COUNTRIES: the countries (ISO codes, comma separated) whose numbers are
  answered; "*" any. Default: the countries the content has a locale for.
- CRAMPVOICE_SMS_FAILURE_LIMIT: consecutive failed deliveries that turn scheduled
  sends off (default 5).
- CRAMPVOICE_SEND_WINDOW: the local hours bedtime prompts may go out, "08:00-21:00".
  Default: empty, any time. Automated health texts are restricted by law in some places
  (in the US, the TCPA's calling hours): operators set this after their own legal review.
- CRAMPVOICE_SEND_RATE: bedtime prompts per second, per worker process (default 1, a US
  long code; toll-free about 3, short code 100; 0: unpaced).
- CRAMPVOICE_SEND_LATE_MINUTES: a prompt that cannot go within this many minutes of its
  time is dropped for that night rather than sent late (default 120).
- CRAMPVOICE_MATERNITY_LINE: the operator's maternity or advice line, E.164 ("+44..."):
  a caller whose words are urgent is offered a connection to it (TwiML <Dial>). Default:
  none, and the caller is told to hang up and call. Never an emergency number: the
  service does not dial those (a short number is refused at start).
- CRAMPVOICE_TRUSTED_PROXIES: how many reverse proxies stand in front of the app (0, the
  default: none, and no X-Forwarded-* header is believed). With N, the client address and
  scheme are taken from the N-th proxy's X-Forwarded-For and X-Forwarded-Proto (Werkzeug's
  ProxyFix), and no request counts as "this machine" any more.
- CRAMPVOICE_WORKER: whether `crampvoice serve` runs the bedtime worker in-process: "on",
  "off", or "auto" (the default: on with a SQLite database, the local setup; with
  PostgreSQL run `crampvoice worker` on its own).

With a public (non-loopback) CRAMPVOICE_PUBLIC_URL the local token and key are refused:
anyone could sign requests with a token that is written here.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from crampvoice.bedtime import Window
from crampvoice.errors import Refusal

LOCAL_AUTH_TOKEN = "crampvoice-local-auth-token"
LOCAL_SECRET_KEY = "crampvoice-local-secret-key"
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"
DATABASE_FILE = "crampvoice.sqlite3"
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})

_INTS = {
    "CRAMPVOICE_SMS_RATE_LIMIT": 30,
    "CRAMPVOICE_SMS_RATE_WINDOW": 3600,
    "CRAMPVOICE_SMS_ESCALATION_LIMIT": 20,
    "CRAMPVOICE_SMS_GLOBAL_LIMIT": 2000,
    "CRAMPVOICE_SMS_FAILURE_LIMIT": 5,
    "CRAMPVOICE_SEND_LATE_MINUTES": 120,
}
#: Whole numbers that may be 0.
_COUNTS = {"CRAMPVOICE_TRUSTED_PROXIES": 0}
MAX_PROXIES = 5
WORKER_CHOICES = ("auto", "on", "off")


class ConfigError(Refusal):
    """Settings the app must not start with; the message says which and why (the CLI
    prints it as one line and exits non-zero)."""


def from_env(env: Mapping[str, str], instance_path: str) -> dict[str, Any]:
    """Flask config from environment variables (keys are the variable names)."""

    def get(name: str, default: str = "") -> str:
        return env.get(name, "").strip() or default

    config: dict[str, Any] = {
        "TWILIO_AUTH_TOKEN": get("TWILIO_AUTH_TOKEN", LOCAL_AUTH_TOKEN),
        "TWILIO_ACCOUNT_SID": get("TWILIO_ACCOUNT_SID"),
        "TWILIO_FROM": get("TWILIO_FROM"),
        "TWILIO_MESSAGING_SERVICE_SID": get("TWILIO_MESSAGING_SERVICE_SID"),
        "CRAMPVOICE_PUBLIC_URL": get("CRAMPVOICE_PUBLIC_URL", DEFAULT_PUBLIC_URL),
        "DATABASE_URL": get("DATABASE_URL")
        or f"sqlite:///{os.path.join(instance_path, DATABASE_FILE)}",
        "ALEXA_SKILL_ID": get("ALEXA_SKILL_ID"),
        "CRAMPVOICE_SECRET_KEY": get("CRAMPVOICE_SECRET_KEY", LOCAL_SECRET_KEY),
        "DATABASE_AUTO_UPGRADE": True,
        "MAX_CONTENT_LENGTH": 64 * 1024,
        "CRAMPVOICE_SEND_WINDOW": get("CRAMPVOICE_SEND_WINDOW"),
        "CRAMPVOICE_SEND_RATE": get("CRAMPVOICE_SEND_RATE", "1"),
        "CRAMPVOICE_WORKER": get("CRAMPVOICE_WORKER", "auto").lower(),
        "CRAMPVOICE_SMS_COUNTRIES": get("CRAMPVOICE_SMS_COUNTRIES"),
        "CRAMPVOICE_RETENTION": get("CRAMPVOICE_RETENTION"),
        "CRAMPVOICE_MATERNITY_LINE": get("CRAMPVOICE_MATERNITY_LINE"),
    }
    for name, default in _COUNTS.items():
        raw = get(name, str(default))
        try:
            config[name] = int(raw)
        except ValueError:
            raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
    for name, default in _INTS.items():
        raw = get(name, str(default))
        try:
            config[name] = int(raw)
        except ValueError:
            raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
    return config


@dataclass(frozen=True)
class Limits:
    replies: int = 30
    window: timedelta = timedelta(hours=1)
    escalations: int = 20  # per number per window; the first of each window always goes
    everyone: int = 2000  # replies to all numbers together per window
    countries: frozenset[str] | None = None  # answered; None: the content's; {"*"}: any
    failures: int = 5
    send_window: Window = field(default_factory=Window)  # local hours for bedtime prompts


@dataclass(frozen=True)
class TwilioAccount:
    """What REST sends need. `live` is False without real credentials: the outbox is used."""

    account_sid: str
    auth_token: str
    from_number: str
    messaging_service_sid: str
    status_callback: str

    @property
    def live(self) -> bool:
        return bool(self.account_sid) and self.auth_token != LOCAL_AUTH_TOKEN


def is_loopback(url: str) -> bool:
    return (urlsplit(url).hostname or "") in LOOPBACK_HOSTS


def local_mode(config: Mapping[str, Any]) -> bool:
    """Whether requests from this machine may count as the operator's own: only in the
    local setup (a loopback public URL, no proxy declared). Deployed, nothing is local and
    the dashboard and the simulator always need the login."""
    return is_loopback(str(config["CRAMPVOICE_PUBLIC_URL"])) and not int(
        config.get("CRAMPVOICE_TRUSTED_PROXIES", 0)
    )


def check(config: Mapping[str, Any]) -> None:
    """Refuse settings that would be unsafe or could not work."""
    public = str(config["CRAMPVOICE_PUBLIC_URL"])
    parts = urlsplit(public)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"CRAMPVOICE_PUBLIC_URL must be an http(s) URL, not {public!r}")
    if not is_loopback(public):
        if config["TWILIO_AUTH_TOKEN"] == LOCAL_AUTH_TOKEN:
            raise ConfigError("set TWILIO_AUTH_TOKEN: the local default is public knowledge")
        if config["CRAMPVOICE_SECRET_KEY"] == LOCAL_SECRET_KEY:
            raise ConfigError("set CRAMPVOICE_SECRET_KEY: the local default is public knowledge")
    if config["TWILIO_ACCOUNT_SID"] and not (
        config["TWILIO_FROM"] or config["TWILIO_MESSAGING_SERVICE_SID"]
    ):
        raise ConfigError(
            "TWILIO_ACCOUNT_SID is set: set TWILIO_FROM or TWILIO_MESSAGING_SERVICE_SID too"
        )
    for name in _INTS:
        if int(config[name]) < 1:
            raise ConfigError(f"{name} must be at least 1")
    proxies = int(config.get("CRAMPVOICE_TRUSTED_PROXIES", 0))
    if not 0 <= proxies <= MAX_PROXIES:
        raise ConfigError(
            f"CRAMPVOICE_TRUSTED_PROXIES must be how many proxies are in front, 0 to {MAX_PROXIES}"
        )
    send_window(config)
    send_rate(config)
    countries(config)
    from crampvoice import retention  # a Refusal names a malformed period

    retention.from_config(config)
    maternity_line(config)
    if config["CRAMPVOICE_WORKER"] not in WORKER_CHOICES:
        raise ConfigError(f"CRAMPVOICE_WORKER must be one of {', '.join(WORKER_CHOICES)}")


#: A maternity or advice line: E.164, long enough never to be an emergency number.
_E164 = re.compile(r"^\+[1-9]\d{7,14}$")


def maternity_line(config: Mapping[str, Any]) -> str:
    """The line urgent callers are offered a connection to ("" for none)."""
    raw = str(config.get("CRAMPVOICE_MATERNITY_LINE") or "").replace(" ", "")
    if raw and not _E164.match(raw):
        raise ConfigError(
            "CRAMPVOICE_MATERNITY_LINE must be a full number in E.164 form (+441632960000); "
            "the service never dials emergency or short numbers"
        )
    return raw


def send_window(config: Mapping[str, Any]) -> Window:
    raw = str(config["CRAMPVOICE_SEND_WINDOW"])
    try:
        window = Window.parse(raw)
    except ValueError:
        raise ConfigError(
            f"CRAMPVOICE_SEND_WINDOW must look like 08:00-21:00 (or be empty), not {raw!r}"
        ) from None
    if window.start > window.end:
        raise ConfigError("CRAMPVOICE_SEND_WINDOW must start before it ends (08:00-21:00)")
    return window


def countries(config: Mapping[str, Any]) -> frozenset[str] | None:
    """CRAMPVOICE_SMS_COUNTRIES: None for the content's countries, {"*"} for any."""
    raw = str(config.get("CRAMPVOICE_SMS_COUNTRIES") or "").strip()
    if not raw:
        return None
    codes = frozenset(code.strip().upper() for code in raw.replace(" ", ",").split(",") if code)
    if codes != {"*"} and not all(len(c) == 2 and c.isalpha() and c.isascii() for c in codes):
        raise ConfigError(
            f"CRAMPVOICE_SMS_COUNTRIES must be country codes like US,GB (or *), not {raw!r}"
        )
    return codes


def send_rate(config: Mapping[str, Any]) -> float:
    raw = str(config["CRAMPVOICE_SEND_RATE"])
    try:
        rate = float(raw)
    except ValueError:
        rate = -1.0
    if not 0 <= rate <= 10_000:
        raise ConfigError(
            f"CRAMPVOICE_SEND_RATE must be messages per second (0: unpaced), not {raw!r}"
        )
    return rate


def warnings(env: Mapping[str, str]) -> list[str]:
    """Settings that work but that an operator should not leave as they are, one line each
    (printed by `serve` and `worker` at start, logged by the WSGI app)."""
    found = []
    if not env.get("CRAMPVOICE_CONTACT", "").strip():
        found.append(
            "CRAMPVOICE_CONTACT is not set: HELP replies name a placeholder contact; "
            "set it to your clinic's or charity's number or web address"
        )
    return found


def print_warnings(env: Mapping[str, str] | None = None) -> None:
    """`warnings` on stderr, as `serve` and `worker` print them at start."""
    for line in warnings(os.environ if env is None else env):
        print(f"crampvoice: warning: {line}", file=sys.stderr, flush=True)


def worker_in_serve(config: Mapping[str, Any]) -> bool:
    """Whether `crampvoice serve` runs the bedtime worker in its own process."""
    choice = str(config["CRAMPVOICE_WORKER"])
    if choice == "auto":
        return str(config["DATABASE_URL"]).startswith("sqlite")
    return choice == "on"


def limits(config: Mapping[str, Any]) -> Limits:
    return Limits(
        replies=int(config["CRAMPVOICE_SMS_RATE_LIMIT"]),
        window=timedelta(seconds=int(config["CRAMPVOICE_SMS_RATE_WINDOW"])),
        escalations=int(config["CRAMPVOICE_SMS_ESCALATION_LIMIT"]),
        everyone=int(config["CRAMPVOICE_SMS_GLOBAL_LIMIT"]),
        countries=countries(config),
        failures=int(config["CRAMPVOICE_SMS_FAILURE_LIMIT"]),
        send_window=send_window(config),
    )


def public_url(config: Mapping[str, Any], path: str) -> str:
    return str(config["CRAMPVOICE_PUBLIC_URL"]).rstrip("/") + path


def twilio_account(config: Mapping[str, Any]) -> TwilioAccount:
    return TwilioAccount(
        account_sid=str(config["TWILIO_ACCOUNT_SID"]),
        auth_token=str(config["TWILIO_AUTH_TOKEN"]),
        from_number=str(config["TWILIO_FROM"]),
        messaging_service_sid=str(config["TWILIO_MESSAGING_SERVICE_SID"]),
        status_callback=public_url(config, "/sms/status"),
    )
