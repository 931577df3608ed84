"""Who is local is configured, not guessed: the abuse suite's proxy cases.

- Local setup (loopback public URL, no proxy declared): X-Forwarded-For is never
  believed, so it can neither make a remote client local nor dodge the login limits.
- Deployed (a public URL) behind a plain reverse proxy that adds no header and passes
  Host 127.0.0.1: every request arrives from loopback, and still none is local.
- Deployed with CRAMPVOICE_TRUSTED_PROXIES=1 behind an nginx-like proxy: the client is
  the address the proxy saw (the last X-Forwarded-For entry; what the client itself put
  before it is ignored), the scheme is the proxy's X-Forwarded-Proto.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from crampvoice.settings import ConfigError
from crampvoice_web.app import create_app
from crampvoice_web.services import services
from tests.web.conftest import OPERATOR_TOKEN, REMOTE, form_token, remote_client, web_settings

PUBLIC = "https://cramp.example.org"
OTHER = "198.51.100.7"


@pytest.fixture
def make_app(tmp_path: Path) -> Iterator[Any]:
    made: list[Flask] = []

    def make(**settings: Any) -> Flask:
        url = f"sqlite:///{tmp_path / f'proxy{len(made)}.sqlite3'}"
        app = create_app(web_settings(url, **settings))
        made.append(app)
        return app

    yield make
    for app in made:
        services(app).store.dispose()


def wrong_login(client: FlaskClient, base: str = "http://localhost", **headers: str) -> int:
    """A wrong token, on a form fetched as the same client (same headers) would."""
    page = client.get("/login", headers=headers, base_url=base).get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, page
    data = {"token": "not-the-token-at-all", "csrf_token": found.group(1)}
    status: int = client.post("/login", data=data, headers=headers, base_url=base).status_code
    return status


def test_forwarded_for_from_a_remote_client_is_not_believed(make_app: Any) -> None:
    app = make_app(CRAMPVOICE_DASHBOARD_TOKEN="")
    remote = remote_client(app)
    spoof = {"X-Forwarded-For": "127.0.0.1", "X-Real-IP": "127.0.0.1"}
    assert remote.get("/dashboard", headers=spoof).status_code == 302
    assert remote.get("/dashboard/stats.json", headers=spoof).status_code == 403
    assert remote.post("/simulator/sms", json={"country": "GB", "text": "hi"},
                       headers=spoof).status_code == 403


def test_without_declared_proxies_a_rotating_forwarded_for_does_not_dodge_the_limit(
    make_app: Any,
) -> None:
    app = make_app(CRAMPVOICE_DASHBOARD_TOKEN=OPERATOR_TOKEN)
    remote = remote_client(app)
    statuses = [wrong_login(remote, **{"X-Forwarded-For": f"192.0.2.{n}"}) for n in range(6)]
    assert statuses == [401] * 5 + [429]


def test_deployed_behind_a_plain_proxy_nothing_is_local(make_app: Any) -> None:
    app = make_app(CRAMPVOICE_PUBLIC_URL=PUBLIC, CRAMPVOICE_DASHBOARD_TOKEN="")
    proxied = app.test_client()  # from 127.0.0.1, Host localhost, no proxy header
    page = proxied.get("/dashboard")
    assert page.status_code == 302 and page.headers["Location"].startswith("/login")
    assert proxied.get("/dashboard/stats.json").status_code == 403
    assert proxied.get("/login").status_code == 403  # closed: no token to log in with
    assert proxied.get("/").status_code == 302
    assert proxied.post("/simulator/sms", json={"country": "GB", "text": "hi"}
                        ).status_code == 403


def test_deployed_with_a_token_the_operator_still_logs_in(make_app: Any) -> None:
    app = make_app(CRAMPVOICE_PUBLIC_URL=PUBLIC, CRAMPVOICE_DASHBOARD_TOKEN=OPERATOR_TOKEN)
    client = app.test_client()
    assert client.get("/dashboard").status_code == 302
    data = {"token": OPERATOR_TOKEN, "csrf_token": form_token(client)}
    assert client.post("/login", data=data).status_code == 302
    assert client.get("/dashboard").status_code == 200


NGINX = {
    "X-Forwarded-Proto": "https",
    "Referer": f"{PUBLIC}/login",  # a browser on https sends it (flask-wtf checks it)
}


def test_behind_a_declared_proxy_the_client_is_the_one_the_proxy_saw(make_app: Any) -> None:
    app = make_app(
        CRAMPVOICE_PUBLIC_URL=PUBLIC,
        CRAMPVOICE_TRUSTED_PROXIES=1,
        CRAMPVOICE_DASHBOARD_TOKEN=OPERATOR_TOKEN,
    )
    # nginx on this machine: every request from 127.0.0.1, with the public Host.
    proxy, host = app.test_client(), "http://cramp.example.org"
    # The client tries to pass for this machine: nginx appends the address it saw.
    spoofed = {**NGINX, "X-Forwarded-For": f"127.0.0.1, {REMOTE}"}
    page = proxy.get("/dashboard", headers=spoofed, base_url=host)
    assert page.status_code == 302
    assert page.headers["Strict-Transport-Security"]  # https, as the proxy said
    statuses = [wrong_login(proxy, host, **spoofed) for _ in range(6)]
    assert statuses == [401] * 5 + [429]  # counted against REMOTE, not 127.0.0.1
    # Another client through the same proxy is not locked out by the first.
    assert wrong_login(proxy, host, **{**NGINX, "X-Forwarded-For": OTHER}) == 401


def test_the_number_of_proxies_is_checked() -> None:
    with pytest.raises(ConfigError, match="CRAMPVOICE_TRUSTED_PROXIES"):
        create_app(web_settings("sqlite://", CRAMPVOICE_TRUSTED_PROXIES=-1))
