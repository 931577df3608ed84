"""The operator login under attack, through the real app and Flask's test client: open
redirects, CR/LF, guessing, weak tokens, cookies kept after logout, cross-site forms,
and the headers a browser needs to keep the pages to themselves.

Requests from another machine carry REMOTE_ADDR from the documentation range."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from crampvoice.cli import main
from crampvoice.errors import Refusal
from crampvoice_web.app import create_app
from crampvoice_web.security import token_problem
from crampvoice_web.services import services
from tests.web.conftest import OPERATOR_TOKEN, form_token, remote_client, web_settings

WITH_TOKEN = pytest.mark.parametrize(
    "app_settings", [{"CRAMPVOICE_DASHBOARD_TOKEN": OPERATOR_TOKEN}], indirect=True
)


def log_in(
    client: FlaskClient, token: str = OPERATOR_TOKEN, target: str = "/dashboard", **data: str
) -> Any:
    form = {"token": token, "next": target, "csrf_token": form_token(client), **data}
    return client.post("/login", data=form)


def log_out(client: FlaskClient) -> Any:
    return client.post("/logout", data={"csrf_token": form_token(client, "/dashboard")})


def from_address(app: Flask, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


# --------------------------------------------------------------------------- a safe next

EVIL_TARGETS = [
    "/%09/evil.example",  # the audit's: a tab browsers drop, leaving //evil.example
    "/\t/evil.example",
    "/%0a/evil.example",
    "/%0d%0a/evil.example",
    "/dashboard\r\nSet-Cookie: session=stolen",
    "/dashboard%0d%0aSet-Cookie:%20session=stolen",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "/%5Cevil.example",
    "/%2F%2Fevil.example",
    "/%252F%252Fevil.example",  # encoded twice
    "/%2fevil.example",
    "https://evil.example/",
    "HTTPS://evil.example/dashboard",
    "javascript:alert(1)",
    "evil.example",
    " /dashboard",
    "/dashboard\x00",
    "/\u2028/evil.example",
    "/\uff45vil",  # a fullwidth e
    "/no-such-page",
    "/" + "a" * 5000,
]


@WITH_TOKEN
@pytest.mark.parametrize("target", EVIL_TARGETS)
def test_login_never_redirects_off_this_site(app: Flask, target: str) -> None:
    remote = remote_client(app)
    response = log_in(remote, target=target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/dashboard"


@WITH_TOKEN
@pytest.mark.parametrize(
    "query",
    [
        "next=/%09/evil.example",
        "next=//evil.example",
        "next=/%0d%0aSet-Cookie:x=1",
        "next=%0d%0a",
        "next=/%00",
        "next=/\\evil",
    ],
)
def test_the_login_form_carries_no_evil_next(app: Flask, query: str) -> None:
    remote = remote_client(app)
    page = remote.get(f"/login?{query}")
    assert page.status_code == 200
    assert 'name="next" value="/dashboard"' in page.get_data(as_text=True)


@WITH_TOKEN
def test_a_page_of_this_site_is_where_the_login_goes(app: Flask) -> None:
    remote = remote_client(app)
    assert log_in(remote, target="/dashboard?days=30").headers["Location"] == "/dashboard?days=30"
    remote = remote_client(app)
    assert log_in(remote, target="/").headers["Location"] == "/"


@WITH_TOKEN
@pytest.mark.parametrize(
    "path", ["/dashboard?days=%0d%0a", "/dashboard?x=%0d%0aSet-Cookie:a=b", "/?q=%09%00"]
)
def test_cr_lf_in_a_guarded_url_sends_to_the_login_without_a_500(app: Flask, path: str) -> None:
    response = remote_client(app).get(path)
    assert response.status_code == 302
    assert "\r" not in response.headers["Location"] and "\n" not in response.headers["Location"]
    assert "Set-Cookie" not in response.headers


# --------------------------------------------------------------------------- guessing


@WITH_TOKEN
def test_after_five_wrong_tokens_a_client_is_locked_out_even_with_the_right_one(
    app: Flask,
) -> None:
    remote = remote_client(app)
    for number in range(5):
        assert log_in(remote, f"guess-{number}").status_code == 401
    locked = log_in(remote, f"guess-{5}")
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) >= 1
    assert "Too many wrong tokens" in locked.get_data(as_text=True)
    right = log_in(remote)
    assert right.status_code == 429
    assert remote.get("/dashboard").status_code == 302  # not logged in
    other = from_address(app, "198.51.100.7")  # the lockout is per client
    assert log_in(other).status_code == 302
    assert other.get("/dashboard").status_code == 200


@pytest.mark.parametrize(
    "app_settings",
    [{"CRAMPVOICE_DASHBOARD_TOKEN": OPERATOR_TOKEN, "CRAMPVOICE_LOGIN_LIMITS": "3 per 1 second"}],
    indirect=True,
)
def test_the_lockout_ends_when_the_window_has_room(app: Flask) -> None:
    remote = remote_client(app)
    for _ in range(3):
        assert log_in(remote, "wrong").status_code == 401
    assert log_in(remote).status_code == 429
    time.sleep(1.2)
    assert log_in(remote).status_code == 302
    assert remote.get("/dashboard").status_code == 200


@pytest.mark.parametrize(
    "app_settings",
    [{"CRAMPVOICE_DASHBOARD_TOKEN": OPERATOR_TOKEN, "CRAMPVOICE_LOGIN_GLOBAL_LIMITS": "6/hour"}],
    indirect=True,
)
def test_guesses_spread_over_many_addresses_are_limited_too(app: Flask) -> None:
    for number in range(6):
        assert log_in(from_address(app, f"198.51.100.{number + 1}"), "wrong").status_code == 401
    assert log_in(from_address(app, "198.51.100.99"), "wrong").status_code == 429


@WITH_TOKEN
def test_a_right_token_clears_the_clients_wrong_ones(app: Flask) -> None:
    remote = remote_client(app)
    for _ in range(4):
        log_in(remote, "wrong")
    assert log_in(remote).status_code == 302
    fresh = remote_client(app)
    for _ in range(4):
        assert log_in(fresh, "wrong").status_code == 401  # four more allowed, not none


@WITH_TOKEN
def test_guessing_fast_gets_nowhere(app: Flask) -> None:
    """The audit made 572 guesses a second: now at most 5 are checked."""
    remote = remote_client(app)
    answers = [log_in(remote, f"guess-{n}").status_code for n in range(40)]
    assert answers.count(401) == 5 and answers.count(429) == 35


@WITH_TOKEN
def test_guesses_sent_in_parallel_are_counted_too(app: Flask) -> None:
    clients = [remote_client(app) for _ in range(20)]
    forms = [
        {"token": f"guess-{n}", "next": "/dashboard", "csrf_token": form_token(c)}
        for n, c in enumerate(clients)
    ]
    with ThreadPoolExecutor(max_workers=10) as pool:
        answers = list(
            pool.map(lambda pair: pair[0].post("/login", data=pair[1]).status_code,
                     zip(clients, forms, strict=True))
        )
    assert answers.count(401) == 5 and answers.count(429) == 15


# --------------------------------------------------------------------------- token strength


@pytest.mark.parametrize(
    "token",
    [
        "a",
        "password",
        "operator-token-for-tests",
        "x" * 64,
        "abcdefabcdefabcdefabcdefabcdef",
        "12345678901234567890",
    ],
)
def test_a_weak_operator_token_stops_the_app_with_one_line(tmp_path: Path, token: str) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    with pytest.raises(Refusal) as refused:
        create_app(web_settings(url, CRAMPVOICE_DASHBOARD_TOKEN=token))
    message = str(refused.value)
    assert "\n" not in message and "CRAMPVOICE_DASHBOARD_TOKEN is too weak" in message
    assert token not in message or len(token) < 3  # never echoes the secret


@pytest.mark.parametrize(
    "token",
    [
        "a6866a7dd385cc4c9f37da96b091323d",  # secrets.token_hex(16)
        "JLs7gqdtl62u-v4OPQTlWQ",  # secrets.token_urlsafe(16)
        "HFZwN11-KEab3Lerf4YpKEvWTOqXvcgO5N_FlzhmGpg",  # secrets.token_urlsafe(32)
    ],
)
def test_random_tokens_are_strong_enough(token: str) -> None:
    assert token_problem(token) is None


def test_crampvoice_serve_refuses_a_weak_token_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("CRAMPVOICE_DASHBOARD_TOKEN", "a")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'db.sqlite3'}")
    assert main(["serve", "--port", "0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "CRAMPVOICE_DASHBOARD_TOKEN is too weak" in err[0], err


def test_without_a_token_the_local_mode_still_works(client: FlaskClient) -> None:
    """`make run`: no token, the embedded local defaults, the dashboard from loopback."""
    assert client.get("/dashboard").status_code == 200
    assert client.get("/").status_code == 200


# --------------------------------------------------------------------------- logout


@WITH_TOKEN
def test_a_cookie_saved_before_logout_opens_nothing_after(app: Flask) -> None:
    browser = remote_client(app)
    assert log_in(browser).status_code == 302
    saved = browser.get_cookie("session")
    assert saved is not None
    assert browser.get("/dashboard").status_code == 200
    assert log_out(browser).status_code == 302

    thief = remote_client(app)
    thief.set_cookie("session", saved.value)
    assert thief.get("/dashboard").status_code == 302
    assert thief.get("/dashboard/stats.json").status_code == 401
    assert thief.post("/simulator/sms", json={"country": "GB", "text": "hi"}).status_code == 401


@WITH_TOKEN
def test_logging_out_in_one_browser_leaves_the_other_logged_in(app: Flask) -> None:
    laptop, phone = remote_client(app), remote_client(app)
    log_in(laptop)
    log_in(phone)
    log_out(laptop)
    assert laptop.get("/dashboard").status_code == 302
    assert phone.get("/dashboard").status_code == 200


@WITH_TOKEN
def test_a_login_gets_a_new_session_not_the_one_it_came_with(app: Flask) -> None:
    """Session fixation: a session id planted before the login is not the one after."""
    remote = remote_client(app)
    before = form_token(remote)
    log_in(remote)
    assert remote.get("/dashboard").status_code == 200
    assert form_token(remote, "/dashboard") != before


def test_logout_holds_across_worker_processes(tmp_path: Path) -> None:
    """Two apps on one database (as gunicorn's workers are): a logout on one ends the
    session on the other."""
    url = f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    settings = web_settings(url, CRAMPVOICE_DASHBOARD_TOKEN=OPERATOR_TOKEN)
    first, second = create_app(settings), create_app(settings)
    try:
        browser = remote_client(first)
        log_in(browser)
        saved = browser.get_cookie("session")
        assert saved is not None
        other = remote_client(second)
        other.set_cookie("session", saved.value)
        assert other.get("/dashboard").status_code == 200
        log_out(other)
        assert browser.get("/dashboard").status_code == 302
    finally:
        services(first).store.dispose()
        services(second).store.dispose()


@WITH_TOKEN
def test_a_logout_cannot_be_forced_from_another_site(app: Flask) -> None:
    remote = remote_client(app)
    log_in(remote)
    assert remote.post("/logout").status_code == 400  # no CSRF token
    assert remote.get("/dashboard").status_code == 200


# --------------------------------------------------------------------------- CSRF


@WITH_TOKEN
def test_a_login_without_the_forms_token_is_refused(app: Flask) -> None:
    remote = remote_client(app)
    refused = remote.post("/login", data={"token": OPERATOR_TOKEN, "next": "/dashboard"})
    assert refused.status_code == 400
    assert "expired" in refused.get_data(as_text=True)
    assert remote.get("/dashboard").status_code == 302


@WITH_TOKEN
def test_a_forms_token_from_another_browser_is_refused(app: Flask) -> None:
    attacker, victim = remote_client(app), remote_client(app)
    token = form_token(attacker)
    data = {"token": OPERATOR_TOKEN, "next": "/dashboard", "csrf_token": token}
    assert victim.post("/login", data=data).status_code == 400


@WITH_TOKEN
@pytest.mark.parametrize(
    "headers",
    [
        {"Origin": "https://evil.example"},
        {"Origin": "null"},
        {"Sec-Fetch-Site": "cross-site"},
        {"Sec-Fetch-Site": "same-site", "Origin": "http://sub.localhost"},
    ],
)
def test_the_simulator_refuses_a_post_from_another_site(
    app: Flask, headers: dict[str, str]
) -> None:
    remote = remote_client(app)
    log_in(remote)
    cross = remote.post("/simulator/sms", json={"country": "GB", "text": "hi"}, headers=headers)
    assert cross.status_code == 403
    same = remote.post(
        "/simulator/sms",
        json={"country": "GB", "text": "I have a cramp"},
        headers={"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"},
    )
    assert same.status_code == 200


def test_the_machine_endpoints_need_no_form_token(client: FlaskClient) -> None:
    """/sms and /alexa are signed by Twilio and Amazon: they answer as before (403 and
    400 for unsigned requests), never a CSRF refusal."""
    assert client.post("/sms", data={"From": "+15555550100", "Body": "hi"}).status_code == 403
    assert client.post("/alexa", data=b"{}", content_type="application/json").status_code == 400


# --------------------------------------------------------------------------- headers


def test_every_page_carries_the_security_headers(client: FlaskClient) -> None:
    for path in ("/", "/dashboard", "/login", "/dashboard/stats.json", "/privacy"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp, path
        assert "script-src 'self'" in csp and "unsafe-eval" not in csp
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in headers  # plain http: browsers ignore it


def test_the_dashboard_and_login_are_never_cached(client: FlaskClient) -> None:
    for path in ("/dashboard", "/dashboard?partial=1", "/dashboard/stats.json", "/login", "/"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path
    assert client.get("/assets/style.css").headers.get("Cache-Control") != "no-store"


def test_over_https_the_pages_ask_for_https_from_now_on(client: FlaskClient) -> None:
    response = client.get("/dashboard", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
