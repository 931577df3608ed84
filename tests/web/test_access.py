"""Who may see the dashboard and use the simulator: this machine, or a logged-in operator.

Requests from another machine are made with REMOTE_ADDR set to a non-loopback address."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.web.conftest import OPERATOR_TOKEN, REMOTE, form_token, remote_client

WITH_TOKEN = pytest.mark.parametrize(
    "app_settings", [{"CRAMPVOICE_DASHBOARD_TOKEN": OPERATOR_TOKEN}], indirect=True
)


def log_in(client: FlaskClient, token: str = OPERATOR_TOKEN, target: str = "/dashboard") -> Any:
    data = {"token": token, "next": target, "csrf_token": form_token(client)}
    return client.post("/login", data=data)


def test_on_this_machine_without_a_token_everything_is_open(client: FlaskClient) -> None:
    assert client.get("/dashboard").status_code == 200
    assert client.get("/dashboard/stats.json").status_code == 200
    assert client.get("/").status_code == 200


def test_from_elsewhere_without_a_token_everything_is_closed(app: Flask) -> None:
    remote = remote_client(app)
    page = remote.get("/dashboard")
    assert page.status_code == 302 and page.headers["Location"].startswith("/login")
    closed = remote.get("/login")
    assert closed.status_code == 403
    assert "CRAMPVOICE_DASHBOARD_TOKEN" in closed.get_data(as_text=True)
    assert remote.get("/dashboard/stats.json").status_code == 403
    assert remote.get("/").status_code == 302
    refused = remote.post("/simulator/sms", json={"country": "GB", "text": "hi"})
    assert refused.status_code == 403
    assert remote.post("/simulator/voice", json={"locale": "en-US", "launch": True}
                       ).status_code == 403
    assert remote.get("/simulator/outbox?country=GB").status_code == 403


@WITH_TOKEN
def test_from_elsewhere_the_operator_logs_in_with_the_token(app: Flask) -> None:
    remote = remote_client(app)
    page = remote.get("/dashboard?days=7")
    assert page.status_code == 302
    assert page.headers["Location"] == "/login?next=/dashboard?days%3D7"
    assert remote.get("/dashboard/stats.json").status_code == 401
    assert remote.post("/simulator/sms", json={"country": "GB", "text": "hi"}
                       ).status_code == 401
    form = remote.get("/login")
    assert form.status_code == 200 and 'name="token"' in form.get_data(as_text=True)

    wrong = log_in(remote, "not-the-token")
    assert wrong.status_code == 401 and "not right" in wrong.get_data(as_text=True)
    assert remote.get("/dashboard").status_code == 302

    right = log_in(remote, target="/dashboard?days=7")
    assert right.status_code == 302 and right.headers["Location"] == "/dashboard?days=7"
    assert remote.get("/dashboard").status_code == 200
    assert remote.get("/dashboard/stats.json").status_code == 200
    assert remote.get("/").status_code == 200
    texted = remote.post("/simulator/sms", json={"country": "GB", "text": "I have a cramp"})
    assert texted.status_code == 200 and texted.get_json()["replies"]

    logout = {"csrf_token": form_token(remote, "/dashboard")}
    assert remote.post("/logout", data=logout).status_code == 302
    assert remote.get("/dashboard").status_code == 302


@WITH_TOKEN
def test_on_this_machine_a_token_closes_the_dashboard_not_the_simulator(
    client: FlaskClient,
) -> None:
    assert client.get("/dashboard").status_code == 302
    assert client.get("/").status_code == 200
    assert client.post("/simulator/sms", json={"country": "US", "text": "hi"}).status_code == 200
    log_in(client)
    assert client.get("/dashboard").status_code == 200


@WITH_TOKEN
def test_a_new_token_logs_everyone_out(app: Flask) -> None:
    remote = remote_client(app)
    log_in(remote)
    assert remote.get("/dashboard").status_code == 200
    app.config["CRAMPVOICE_DASHBOARD_TOKEN"] = "a-new-token"
    assert remote.get("/dashboard").status_code == 302


@WITH_TOKEN
def test_a_forged_session_cookie_is_not_a_login(app: Flask) -> None:
    remote = remote_client(app)
    remote.set_cookie("session", "eyJvcGVyYXRvciI6InllcyJ9.forged.signature")
    assert remote.get("/dashboard").status_code == 302


@WITH_TOKEN
@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil"])
def test_login_never_sends_the_operator_elsewhere(app: Flask, target: str) -> None:
    remote = remote_client(app)
    response = log_in(remote, target=target)
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard"


@pytest.mark.parametrize(
    ("headers", "environ"),
    [
        ({"X-Forwarded-For": REMOTE}, {}),  # a reverse proxy on this machine
        ({"Forwarded": f"for={REMOTE}"}, {}),
        ({"Host": "evil.example:8000"}, {}),  # DNS rebinding: a page of another site
        ({}, {"REMOTE_ADDR": "10.1.2.3"}),  # the local network is not this machine
    ],
)
def test_looking_local_is_not_being_local(
    client: FlaskClient, headers: dict[str, str], environ: dict[str, str]
) -> None:
    response = client.get("/dashboard", headers=headers, environ_overrides=environ)
    assert response.status_code == 302
    assert client.post("/simulator/sms", json={"country": "GB", "text": "hi"},
                       headers=headers, environ_overrides=environ).status_code == 403


def test_ipv6_loopback_is_this_machine(client: FlaskClient) -> None:
    response = client.get("/dashboard", environ_overrides={"REMOTE_ADDR": "::1"},
                          headers={"Host": "[::1]:8000"})
    assert response.status_code == 200
    assert client.get("/dashboard", headers={"Host": "localhost:8000"}).status_code == 200


def test_the_session_cookie_is_not_for_scripts_or_other_sites(client: FlaskClient) -> None:
    response = client.post("/simulator/number", json={"country": "GB"})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
