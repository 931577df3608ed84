"""Fixtures for the simulator and the dashboard: the real app on a real database, through
Flask's test client (fast) or served on a loopback port to a real headless Chromium.

The browser is Debian's /usr/bin/chromium driven by Playwright (never a browser
download). Without it the browser tests are skipped, unless CRAMPVOICE_REQUIRE_BROWSER=1
(as `make test` sets it, after scripts/ensure-chromium): then they fail, loudly.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import BaseWSGIServer, make_server

from crampvoice.composition import Services as SmsServices
from crampvoice_web.app import create_app
from crampvoice_web.services import services
from tests.conftest import offline_settings

REQUIRE_BROWSER = "CRAMPVOICE_REQUIRE_BROWSER"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TOKEN = "web-test-auth-token-0123456789"
SECRET = "web-test-secret-key"
OPERATOR_TOKEN = "Operator-Token-for-Tests-7f3a9c1e5b2d"
REMOTE = "203.0.113.9"  # an address from the documentation range: not this machine


def web_settings(database_url: str, **extra: Any) -> dict[str, Any]:
    return offline_settings(
        database_url,
        token=TOKEN,
        public_url="http://127.0.0.1:8000",
        secret=SECRET,
        **{"CRAMPVOICE_DASHBOARD_TOKEN": "", **extra},
    )


@pytest.fixture
def app_base_settings() -> Callable[..., dict[str, Any]]:
    return web_settings


def form_token(client: FlaskClient, path: str = "/login") -> str:
    """The CSRF token in the form a browser would be shown at `path`."""
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, f"no CSRF token in the form at {path}"
    return found.group(1)


def remote_client(app: Flask) -> FlaskClient:
    """A client on another machine: its requests come from a non-loopback address."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = REMOTE
    return client


# --------------------------------------------------------------------------- a real server


@dataclass
class LiveServer:
    app: Flask
    url: str

    @property
    def sms(self) -> SmsServices:
        return services(self.app)


@pytest.fixture
def live_settings(request: pytest.FixtureRequest) -> dict[str, Any]:
    """Settings for the served app (parametrize indirectly), e.g. an operator token."""
    return dict(getattr(request, "param", {}))


@pytest.fixture
def live(tmp_path: Path, live_settings: dict[str, Any]) -> Iterator[LiveServer]:
    """The whole app served by werkzeug on a free loopback port, on a fresh SQLite file."""
    app = create_app(web_settings(f"sqlite:///{tmp_path / 'crampvoice.sqlite3'}", **live_settings))
    server: BaseWSGIServer = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app, f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=10)
        services(app).store.dispose()


def _unavailable(reason: str) -> None:
    if os.environ.get(REQUIRE_BROWSER) == "1":
        pytest.fail(f"{REQUIRE_BROWSER}=1 but {reason}: run scripts/ensure-chromium")
    pytest.skip(f"{reason} (scripts/ensure-chromium installs Debian's chromium)")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium through Playwright, once per test session."""
    if not os.access(CHROMIUM, os.X_OK):
        _unavailable(f"no Chromium at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright for Python is not installed")
    with sync_playwright() as playwright:
        try:
            chromium = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
        except Exception as error:
            _unavailable(f"Chromium did not start: {error}")
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser profile (its own cookies, so its own simulated numbers)."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
