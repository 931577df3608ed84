"""POST /alexa against someone who is not Alexa: tricked certificate URLs, garbage
signatures meant to make the server download, attempts to push the real certificate
out of the cache, and replays of genuine requests.

The CA and leaf are made in the test (conftest), the chain served through `responses`
at s3.amazonaws.com/echo.api URLs, and genuine bodies are signed with the leaf's key."""

from __future__ import annotations

import base64
import json
from typing import Any

import flask
import pytest
import responses

from crampvoice_skill import verify
from crampvoice_skill.verify import RequestVerifier, VerificationError, cert_chain_url
from crampvoice_skill.web import create_blueprint

from .conftest import CHAIN_URL, SKILL_ID, AlexaWeb, Pki, Speaker, sign


def envelope(**request: Any) -> dict[str, Any]:
    return Speaker(send=lambda e: e).envelope({"type": "LaunchRequest", **request})


def body_of(data: dict[str, Any]) -> bytes:
    return json.dumps(data).encode("utf-8")


def downloads(web: AlexaWeb) -> list[str]:
    return [call.request.url or "" for call in web.mock.calls]


# --------------------------------------------------------------------------- the URL

ECHO = "https://s3.amazonaws.com/echo.api"


@pytest.mark.parametrize(
    "url",
    [
        f"{ECHO}/%2e%2e/evil/cert.pem",
        f"{ECHO}/%2E%2E/evil/cert.pem",
        f"{ECHO}/..%2fevil/cert.pem",
        f"{ECHO}%2f../evil/cert.pem",
        f"{ECHO}/echo-api-cert-13%2Epem",
        f"{ECHO}/../echo.api/echo-api-cert-13.pem",
        f"{ECHO}/./echo-api-cert-13.pem",
        f"{ECHO}//echo-api-cert-13.pem",
        f"{ECHO}/sub/../echo-api-cert-13.pem",
        f"{ECHO}/..\\evil/cert.pem",
        f"{ECHO}/echo-api-cert-13.pem?x=1",
        f"{ECHO}/echo-api-cert-13.pem?",
        f"{ECHO}/echo-api-cert-13.pem#frag",
        f"{ECHO}/echo-api-cert-13.pem\t",
        f"{ECHO}/echo-api\x00cert-13.pem",
        f"{ECHO}/echo-api\x7fcert-13.pem",
        f"{ECHO}/\u00e9cho-api-cert-13.pem",
        f"{ECHO}/echo api.pem",
        "https://s3.amazonaws.com:8443/echo.api/echo-api-cert-13.pem",
        "https://s3.amazonaws.com:80/echo.api/echo-api-cert-13.pem",
        "http://s3.amazonaws.com/echo.api/echo-api-cert-13.pem",
        "ftp://s3.amazonaws.com/echo.api/echo-api-cert-13.pem",
        "https://s3.amazonaws.com.evil.example/echo.api/echo-api-cert-13.pem",
        "https://evil.example/echo.api/echo-api-cert-13.pem",
        "https://user@s3.amazonaws.com/echo.api/echo-api-cert-13.pem",
        "https://s3.amazonaws.com/echo.apix/echo-api-cert-13.pem",
        "https://s3.amazonaws.com/Echo.Api/echo-api-cert-13.pem",
        "https://s3.amazonaws.com/echo.api",
        "//s3.amazonaws.com/echo.api/echo-api-cert-13.pem",
        f"{ECHO}/" + "a" * 600 + ".pem",
    ],
)
def test_a_tricked_certificate_url_is_refused_without_a_download(
    alexa_web: AlexaWeb, url: str
) -> None:
    with pytest.raises(VerificationError):
        cert_chain_url(url)
    result = alexa_web.post(body_of(envelope()), url=url)
    assert result.status_code == 400
    assert downloads(alexa_web) == []


def test_cr_lf_in_the_certificate_url_is_refused() -> None:
    """No HTTP client can send CR/LF in a header; the check refuses them anyway."""
    for url in (f"{ECHO}/echo-api\r\ncert-13.pem", f"{ECHO}/echo-api-cert-13.pem\n"):
        with pytest.raises(VerificationError):
            cert_chain_url(url)


def test_the_canonical_url_is_the_one_fetched() -> None:
    for url in (
        "https://S3.AMAZONAWS.COM/echo.api/echo-api-cert-13.pem",
        "HTTPS://s3.amazonaws.com:443/echo.api/echo-api-cert-13.pem",
    ):
        assert cert_chain_url(url) == CHAIN_URL


def test_a_redirect_from_the_certificate_url_is_not_followed(alexa_web: AlexaWeb) -> None:
    url = f"{ECHO}/moved.pem"
    alexa_web.mock.get(url, status=302, headers={"Location": "https://evil.example/cert.pem"})
    alexa_web.mock.get("https://evil.example/cert.pem", body=alexa_web.pki.chain_pem)
    assert alexa_web.post(body_of(envelope()), url=url).status_code == 400
    assert downloads(alexa_web) == [url]


def test_a_chain_larger_than_the_bound_is_refused(alexa_web: AlexaWeb) -> None:
    url = f"{ECHO}/huge.pem"
    alexa_web.mock.get(url, body=alexa_web.pki.chain_pem + b"\n" * (100 * 1024))
    assert alexa_web.post(body_of(envelope()), url=url).status_code == 400


# --------------------------------------------------------------------------- the signature


@pytest.mark.parametrize(
    "signature",
    [
        "",
        "not base64!",
        "c2hvcnQ=",  # "short"
        base64.b64encode(b"\0" * 255).decode(),
        base64.b64encode(b"\0" * 257).decode(),
        base64.b64encode(b"\0" * 256).decode()[:-2] + "!!",
        base64.b64encode(b"\0" * 256).decode() + " ",
        base64.b64encode(b"\0" * 256).decode().rstrip("="),
        "A" * 5000,
    ],
)
def test_a_malformed_signature_is_refused_before_any_download(
    alexa_web: AlexaWeb, signature: str
) -> None:
    assert alexa_web.post(body_of(envelope()), signature=signature).status_code == 400
    assert downloads(alexa_web) == []


def test_unsigned_requests_cannot_evict_the_real_certificate(pki: Pki) -> None:
    """Well-formed garbage signatures on many URLs (each serving Amazon's real chain, the
    worst case): downloads stop at the budget, the cache keeps only the chain that
    verified, and genuine requests go on without downloading again."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(CHAIN_URL, body=pki.chain_pem)
        urls = [f"{ECHO}/copy-{n}.pem" for n in range(40)]
        for url in urls:
            mock.get(url, body=pki.chain_pem)
        verifier = RequestVerifier(SKILL_ID, roots=[pki.root])
        app = flask.Flask("eviction")
        app.register_blueprint(create_blueprint(verifier=verifier))
        web = AlexaWeb(app.test_client(), mock, pki)

        assert web.post(body_of(envelope())).status_code == 200
        assert verifier.cached_urls() == [CHAIN_URL]
        garbage = base64.b64encode(b"\x01" * 256).decode()
        for url in urls:
            assert web.post(body_of(envelope()), url=url, signature=garbage).status_code == 400
        assert len(mock.calls) <= 1 + verify.DOWNLOADS_PER_MINUTE
        assert verifier.cached_urls() == [CHAIN_URL]

        before = len(mock.calls)
        for _ in range(5):
            assert web.post(body_of(envelope())).status_code == 200
        assert len(mock.calls) == before


def test_a_request_signed_by_an_uncertified_key_caches_nothing(alexa_web: AlexaWeb) -> None:
    url = f"{ECHO}/other.pem"
    alexa_web.mock.get(url, body=alexa_web.pki.chain_pem)
    body = body_of(envelope())
    other = sign(body, alexa_web.pki.other_key)
    assert alexa_web.post(body, url=url, signature=other).status_code == 400
    assert alexa_web.post(body, url=url, signature=other).status_code == 400
    assert downloads(alexa_web) == [url, url]  # downloaded again: never cached


# --------------------------------------------------------------------------- replays


def test_a_replayed_request_is_refused(
    alexa_web: AlexaWeb, caplog: pytest.LogCaptureFixture
) -> None:
    body = body_of(envelope())
    assert alexa_web.post(body).status_code == 200
    replay = alexa_web.post(body)
    assert replay.status_code == 400
    assert "response" not in (replay.get_json() or {})
    assert any("replay" in record.getMessage() for record in caplog.records)


def test_the_same_request_id_with_another_signed_body_is_a_replay(alexa_web: AlexaWeb) -> None:
    first = envelope()
    assert alexa_web.post(body_of(first)).status_code == 200
    again = envelope(type="IntentRequest", intent={"name": "AMAZON.HelpIntent"})
    again["request"]["requestId"] = first["request"]["requestId"]
    assert alexa_web.post(body_of(again)).status_code == 400


def test_a_forged_copy_does_not_burn_the_genuine_request_id(alexa_web: AlexaWeb) -> None:
    """Only verified requests enter the seen-set: an attacker who guesses an id and
    sends it unsigned first does not get the real request refused."""
    genuine = envelope()
    forged = base64.b64encode(b"\x02" * 256).decode()
    assert alexa_web.post(body_of(genuine), signature=forged).status_code == 400
    assert alexa_web.post(body_of(genuine)).status_code == 200


def test_a_request_without_a_request_id_is_refused(alexa_web: AlexaWeb) -> None:
    data = envelope()
    del data["request"]["requestId"]
    assert alexa_web.post(body_of(data)).status_code == 400
    data["request"]["requestId"] = "x" * 1000
    assert alexa_web.post(body_of(data)).status_code == 400


def test_the_seen_set_is_bounded_and_forgets_expired_ids() -> None:
    from datetime import UTC, datetime, timedelta

    now = datetime(2026, 1, 1, tzinfo=UTC)
    seen = verify.SeenRequests(limit=3)
    for n in range(5):
        assert seen.add(f"id-{n}", now + timedelta(seconds=150), now)
    assert len(seen) == 3
    assert seen.seen("id-4", now) and not seen.seen("id-0", now)
    assert not seen.add("id-4", now + timedelta(seconds=150), now)
    later = now + timedelta(seconds=151)
    assert not seen.seen("id-4", later) and len(seen) == 0


def test_many_genuine_requests_are_all_answered(alexa_web: AlexaWeb) -> None:
    for _ in range(20):
        assert alexa_web.post(body_of(envelope())).status_code == 200
    assert len(downloads(alexa_web)) == 1
