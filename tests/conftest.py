"""Shared fixtures.

`database_url` runs a test twice: on a fresh SQLite file, and on a fresh database in a
real PostgreSQL server that this session starts once (initdb + pg_ctl from PATH or
/usr/lib/postgresql/*/bin, listening on 127.0.0.1 on a free port, in a temp dir).
When PostgreSQL is not installed the postgres runs are skipped, unless
CRAMPVOICE_REQUIRE_POSTGRES=1 (as `make test` sets it): then they fail, loudly.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator
from glob import glob
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from flask import Flask
    from flask.testing import FlaskClient

    from crampvoice.composition import Services as SmsServices

REQUIRE_POSTGRES = "CRAMPVOICE_REQUIRE_POSTGRES"
PG_USER = "postgres"  # the system user that runs the server when the tests run as root


def _version_key(path: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", path))


def postgres_bindir() -> Path | None:
    """The directory holding initdb, pg_ctl and postgres, or None if none is installed."""
    found = shutil.which("initdb")
    if found:
        return Path(os.path.realpath(found)).parent
    installed = sorted(glob("/usr/lib/postgresql/*/bin/initdb"), key=_version_key)
    return Path(installed[-1]).parent if installed else None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class PostgresServer:
    """A throwaway PostgreSQL cluster: trust auth, loopback only, fsync off."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="crampvoice-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.port = 0
        self.as_root = os.geteuid() == 0
        if self.as_root:
            shutil.chown(self.root, user=PG_USER, group=PG_USER)

    def _run(self, *args: str) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.as_root:
            command = ["runuser", "-u", PG_USER, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
        if result.returncode != 0:
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            raise RuntimeError(
                f"{' '.join(command)} failed ({result.returncode}):\n"
                f"{result.stdout}\n{result.stderr}\n{log}"
            )

    def start(self) -> None:
        self._run(
            "initdb",
            "-D",
            str(self.data),
            "-U",
            "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--no-locale",
            "--no-sync",
        )
        for attempt in range(3):
            self.port = free_port()
            options = f"-h 127.0.0.1 -p {self.port} -k {self.root} -F -c max_connections=200"
            try:
                self._run(
                    "pg_ctl",
                    "-D",
                    str(self.data),
                    "-l",
                    str(self.log),
                    "-w",
                    "-t",
                    "60",
                    "-o",
                    options,
                    "start",
                )
                return
            except RuntimeError:
                if attempt == 2:
                    raise

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True
        ) as connection:
            connection.execute(sql.encode())

    def create_database(self, name: str) -> None:
        self._admin(f'CREATE DATABASE "{name}"')

    def drop_database(self, name: str) -> None:
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        try:
            if self.port:
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    required = os.environ.get(REQUIRE_POSTGRES) == "1"
    bindir = postgres_bindir()
    if bindir is None:
        message = "no PostgreSQL server (initdb) on PATH or in /usr/lib/postgresql/*/bin"
        if required:
            pytest.fail(f"{REQUIRE_POSTGRES}=1 but {message}: run scripts/ensure-postgres")
        pytest.skip(message)
    server = PostgresServer(bindir)
    try:
        server.start()
    except Exception as error:
        server.stop()
        if required:
            pytest.fail(f"{REQUIRE_POSTGRES}=1 but PostgreSQL did not start: {error}")
        pytest.skip(f"PostgreSQL did not start: {error}")
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'crampvoice.sqlite3'}"
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    name = f"test_{uuid.uuid4().hex[:16]}"
    server.create_database(name)
    try:
        yield server.url(name)
    finally:
        server.drop_database(name)


# --------------------------------------------------------------------------- the web app
# The SMS and web test folders each define `app_base_settings(database_url, **extra)`;
# the app and its clients are built the same way for both.


def offline_settings(
    database_url: str, *, token: str, public_url: str, secret: str, **extra: Any
) -> dict[str, Any]:
    """The web app with no Twilio account: replies in TwiML, other sends to the outbox."""
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "TWILIO_AUTH_TOKEN": token,
        "TWILIO_ACCOUNT_SID": "",
        "TWILIO_FROM": "",
        "TWILIO_MESSAGING_SERVICE_SID": "",
        "CRAMPVOICE_PUBLIC_URL": public_url,
        "CRAMPVOICE_SECRET_KEY": secret,
        **extra,
    }


@pytest.fixture
def app_settings(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Overrides for a module (redefine this fixture) or a test (parametrize indirectly)."""
    return dict(getattr(request, "param", {}))


@pytest.fixture
def app(
    database_url: str,
    app_settings: dict[str, Any],
    app_base_settings: Callable[..., dict[str, Any]],
) -> Iterator[Flask]:
    from crampvoice_web.app import create_app
    from crampvoice_web.services import services

    app = create_app(app_base_settings(database_url, **app_settings))
    yield app
    services(app).store.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def sms(app: Flask) -> SmsServices:
    from crampvoice_web.services import services

    return services(app)
