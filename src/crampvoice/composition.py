"""The composition root: settings, content, storage, engine, clock and sender, built once.

Every entry point calls `build` and nothing else builds these parts: the web app
(`crampvoice_web.app.create_app`: the SMS webhooks, /alexa, the simulator and the
dashboard), the Alexa Lambda (`skill/lambda/lambda_function.py`), the bedtime worker
(`crampvoice worker`) and the CLI.

    services = build(configure())                       # settings from the environment
    services = build(configure({"DATABASE_URL": url}))  # ... with overrides (tests)
    services.core.respond("i have a cramp")
    with services.store.transaction() as session: ...

No web framework, no twilio: the one platform part, the transport that delivers texts,
is handed in by the entry point that sends (`transport_for`, the SMS adapter's
`TwilioTransport.for_account`); without one, sends wait in the outbox table.
The database is opened (and migrated) on first use, so the Lambda, which has none,
never touches one.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crampvoice import settings
from crampvoice.engine import Core
from crampvoice.hashing import NumberHasher
from crampvoice.settings import Limits, TwilioAccount

if TYPE_CHECKING:  # imported when first used: the Lambda has no database (nor SQLAlchemy)
    from crampvoice.housekeeping import Housekeeping
    from crampvoice.outbound import Sender, Transport
    from crampvoice.storage import Store
    from crampvoice.worker import Dispatcher
    from crampvoice.worker import Settings as WorkerSettings

Clock = Callable[[], datetime]
TransportFor = Callable[[TwilioAccount], "Transport | None"]


def utcnow() -> datetime:
    return datetime.now(UTC)


def default_instance_path() -> str:
    """The folder of the local SQLite file: in a checkout `sms/instance` (where it has
    always been), else `<prefix>/var/crampvoice_sms.app-instance`."""
    root = Path(__file__).resolve().parents[2]
    if (root / "sms" / "crampvoice_sms").is_dir():
        return str(root / "sms" / "instance")
    return str(Path(sys.prefix) / "var" / "crampvoice_sms.app-instance")


def configure(
    overrides: Mapping[str, Any] | None = None,
    *,
    env: Mapping[str, str] | None = None,
    instance_path: str | None = None,
) -> dict[str, Any]:
    """The settings: the environment (see `crampvoice.settings`), then `overrides`,
    checked (a `ConfigError` names the first unsafe or unusable one)."""
    config = settings.from_env(os.environ if env is None else env,
                               instance_path or default_instance_path())
    config.update(overrides or {})
    settings.check(config)
    return config


class Services:
    """What the entry points share, each part built once (the store on first use)."""

    def __init__(
        self,
        config: Mapping[str, Any],
        *,
        transport_for: TransportFor | None = None,
        clock: Clock = utcnow,
        core: Core | None = None,
    ) -> None:
        self.config = dict(config)
        self.clock = clock
        self.core = core or Core.default()
        self.hasher = NumberHasher(str(self.config["CRAMPVOICE_SECRET_KEY"]))
        self.limits: Limits = settings.limits(self.config)
        self.account: TwilioAccount = settings.twilio_account(self.config)
        self._transport_for = transport_for

    @functools.cached_property
    def store(self) -> Store:
        from crampvoice.storage import Store, upgrade
        from crampvoice.storage.database import sqlite_folder

        url = str(self.config["DATABASE_URL"])
        folder = sqlite_folder(url)
        if folder:
            os.makedirs(folder, exist_ok=True)
        if self.config.get("DATABASE_AUTO_UPGRADE", True):
            upgrade(url)
        return Store(url)

    @functools.cached_property
    def sender(self) -> Sender:
        from crampvoice.outbound import Sender

        transport = self._transport_for(self.account) if self._transport_for else None
        return Sender(self.store, transport, self.hasher, clock=self.clock)

    def worker_settings(self) -> WorkerSettings:
        from crampvoice.worker import Settings as WorkerSettings

        return WorkerSettings(
            rate=settings.send_rate(self.config),
            window=settings.send_window(self.config),
            late=timedelta(minutes=int(self.config["CRAMPVOICE_SEND_LATE_MINUTES"])),
        )

    def housekeeping(self, clock: Clock | None = None) -> Housekeeping:
        """The purge job (`crampvoice.retention`), with Twilio's REST API to delete the
        messages it stores about an erased number (when there is an account)."""
        from crampvoice.housekeeping import Housekeeping
        from crampvoice.outbound import Forgets
        from crampvoice.retention import from_config

        transport = self.sender.transport
        forget = transport.forget if isinstance(transport, Forgets) else None
        return Housekeeping(self.store, from_config(self.config), self.limits.window,
                            forget, clock or self.clock)

    def dispatcher(self, clock: Clock | None = None) -> Dispatcher:
        """The bedtime worker, sending prompts through `sender` (`clock`: tests' own)."""
        from crampvoice.worker import Dispatcher

        return Dispatcher(
            self.store,
            self.sender.prompt,
            self.worker_settings(),
            content=self.core.content,
            clock=clock or self.clock,
            housekeeping=self.housekeeping(clock),
        )

    def close(self) -> None:
        if "store" in self.__dict__:
            self.store.dispose()


def core() -> Core:
    """The engine alone (content, understanding, triage), for the commands that need no
    settings, storage or sender (`crampvoice ask`, `eval`, `chat --channel voice`)."""
    return Core.default()


def build(
    config: Mapping[str, Any] | None = None,
    *,
    transport_for: TransportFor | None = None,
    clock: Clock = utcnow,
) -> Services:
    """The services of one process, from checked settings (`configure()` by default)."""
    return Services(configure() if config is None else config,
                    transport_for=transport_for, clock=clock)
