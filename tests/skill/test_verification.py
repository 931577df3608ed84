"""POST /alexa answers only Alexa, for this skill: anything else gets 400 and no reply.

The CA, intermediate and leaf are made in the test; the chain is served at an
s3.amazonaws.com/echo.api URL through `responses`; bodies are signed here.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import flask
import pytest
import responses

from crampvoice_skill.verify import RequestVerifier, VerificationError, cert_chain_url
from crampvoice_skill.web import create_blueprint

from .conftest import CHAIN_URL, SKILL_ID, AlexaWeb, Speaker


def envelope(**request: Any) -> dict[str, Any]:
    speaker = Speaker(send=lambda e: e)
    return speaker.envelope({"type": "LaunchRequest", **request})


def body_of(data: dict[str, Any]) -> bytes:
    return json.dumps(data).encode("utf-8")


def assert_refused(
    result: Any, caplog: pytest.LogCaptureFixture | None = None, because: str = ""
) -> None:
    """400, no reply, and (when asked) refused for the reason the test is about."""
    assert result.status_code == 400
    assert "response" not in (result.get_json(silent=True) or {})
    if caplog is not None:
        reasons = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
        assert reasons and because in reasons[-1], reasons


def test_a_genuine_request_is_answered(alexa_web: AlexaWeb) -> None:
    result = alexa_web.post(body_of(envelope()))
    assert result.status_code == 200
    assert "Cramp Coach" in result.get_json()["response"]["outputSpeech"]["ssml"]


def test_the_chain_is_downloaded_once_per_url(alexa_web: AlexaWeb) -> None:
    for _ in range(3):
        assert alexa_web.post(body_of(envelope())).status_code == 200
    assert len(alexa_web.mock.calls) == 1


def test_a_body_changed_after_signing_is_refused(
    alexa_web: AlexaWeb, caplog: pytest.LogCaptureFixture
) -> None:
    body = body_of(envelope())
    signature = alexa_web.post(body).request.headers["Signature-256"]
    forged = body_of(envelope(type="IntentRequest", intent={"name": "AMAZON.HelpIntent"}))
    assert_refused(alexa_web.post(forged, signature=signature), caplog, "Signature-256")


def test_a_body_re_signed_with_another_key_is_refused(
    alexa_web: AlexaWeb, caplog: pytest.LogCaptureFixture
) -> None:
    assert_refused(
        alexa_web.post(body_of(envelope()), key=alexa_web.pki.other_key), caplog, "Signature-256"
    )


@pytest.mark.parametrize("signature", ["", "not base64!", "c2hvcnQ="])
def test_a_missing_or_garbled_signature_is_refused(alexa_web: AlexaWeb, signature: str) -> None:
    assert_refused(alexa_web.post(body_of(envelope()), signature=signature))


@pytest.mark.parametrize("age", [timedelta(seconds=151), timedelta(minutes=-5), timedelta(days=1)])
def test_a_stale_or_future_timestamp_is_refused(
    alexa_web: AlexaWeb, age: timedelta, caplog: pytest.LogCaptureFixture
) -> None:
    stamp = (datetime.now(UTC) - age).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert_refused(alexa_web.post(body_of(envelope(timestamp=stamp))), caplog, "timestamp")


def test_a_timestamp_just_inside_150_seconds_is_accepted(alexa_web: AlexaWeb) -> None:
    stamp = (datetime.now(UTC) - timedelta(seconds=140)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert alexa_web.post(body_of(envelope(timestamp=stamp))).status_code == 200


def test_a_request_for_another_skill_is_refused(
    alexa_web: AlexaWeb, caplog: pytest.LogCaptureFixture
) -> None:
    other = Speaker(send=lambda e: e, application_id="amzn1.ask.skill.someone-else")
    assert_refused(
        alexa_web.post(body_of(other.envelope({"type": "LaunchRequest"}))), caplog, "another skill"
    )


def test_a_session_for_another_skill_is_refused(
    alexa_web: AlexaWeb, caplog: pytest.LogCaptureFixture
) -> None:
    data = envelope()
    data["session"]["application"]["applicationId"] = "amzn1.ask.skill.someone-else"
    assert_refused(alexa_web.post(body_of(data)), caplog, "another skill")


@pytest.mark.parametrize(
    "url",
    [
        "http://s3.amazonaws.com/echo.api/echo-api-cert-13.pem",
        "https://notamazon.com/echo.api/echo-api-cert-13.pem",
        "https://s3.amazonaws.com/EcHo.aPi/echo-api-cert-13.pem",
        "https://s3.amazonaws.com/invalid.path/echo-api-cert-13.pem",
        "https://s3.amazonaws.com:563/echo.api/echo-api-cert-13.pem",
        "https://s3.amazonaws.com/echo.api/../invalid.path/echo-api-cert-13.pem",
        # Amazon's examples resolve `..`; Alexa itself never sends one, so it is refused.
        "https://s3.amazonaws.com/echo.api/../echo.api/echo-api-cert-13.pem",
        "https://s3.amazonaws.com@evil.example/echo.api/echo-api-cert-13.pem",
        "",
    ],
)
def test_a_bad_certificate_url_is_refused(
    alexa_web: AlexaWeb, url: str, caplog: pytest.LogCaptureFixture
) -> None:
    assert_refused(
        alexa_web.post(body_of(envelope()), url=url),
        caplog,
        "SignatureCertChainUrl" if not url else "certificate URL",
    )
    assert len(alexa_web.mock.calls) == 0  # nothing fetched from anywhere else


@pytest.mark.parametrize(
    "url",
    [
        "https://s3.amazonaws.com/echo.api/echo-api-cert.pem",
        "https://S3.AmAzOnAwS.CoM/echo.api/echo-api-cert.pem",
        "https://s3.amazonaws.com:443/echo.api/echo-api-cert.pem",
    ],
)
def test_certificate_urls_amazon_allows(url: str) -> None:
    assert cert_chain_url(url) == "https://s3.amazonaws.com/echo.api/echo-api-cert.pem"


@pytest.mark.parametrize(
    "chain",
    ["untrusted", "wrong_name", "expired", "not_pem"],
)
def test_a_chain_that_does_not_prove_amazon_is_refused(
    alexa_web: AlexaWeb, chain: str, caplog: pytest.LogCaptureFixture
) -> None:
    from .conftest import _cert, _key

    pki = alexa_web.pki
    stranger_key = _key()
    stranger = _cert("Stranger CA", stranger_key, None, ca=True)
    pem = {
        "untrusted": lambda: pki.make_chain(signed_by=(stranger.subject, stranger_key)),
        "wrong_name": lambda: pki.make_chain(dns="echo-api.example.com"),
        "expired": lambda: pki.make_chain(days=(-30, -1)),
        "not_pem": lambda: b"hello",
    }[chain]()
    url = f"https://s3.amazonaws.com/echo.api/{chain}.pem"
    alexa_web.mock.get(url, body=pem)
    assert_refused(alexa_web.post(body_of(envelope()), url=url), caplog, "certificate chain")


def test_a_chain_that_cannot_be_downloaded_is_refused(alexa_web: AlexaWeb) -> None:
    url = "https://s3.amazonaws.com/echo.api/missing.pem"
    alexa_web.mock.get(url, status=404)
    assert_refused(alexa_web.post(body_of(envelope()), url=url))


def test_a_signed_body_that_is_not_a_request_is_refused(alexa_web: AlexaWeb) -> None:
    assert_refused(alexa_web.post(b"not json"))
    assert_refused(alexa_web.post(b"[1, 2, 3]"))
    assert_refused(alexa_web.post(body_of({"request": {"timestamp": "yesterday"}})))


def test_a_signed_body_that_is_no_request_envelope_is_refused(alexa_web: AlexaWeb) -> None:
    data = envelope()
    data["request"] = "LaunchRequest"
    assert_refused(alexa_web.post(body_of(data)))


def test_a_signed_request_of_a_type_nobody_knows_gets_an_empty_answer(
    alexa_web: AlexaWeb,
) -> None:
    data = envelope()
    data["request"]["type"] = "NoSuchRequestType"
    result = alexa_web.post(body_of(data))
    assert result.status_code == 200
    assert result.get_json()["response"] == {}


def test_an_oversized_body_is_refused(alexa_web: AlexaWeb) -> None:
    assert_refused(alexa_web.post(b"x" * (200 * 1024)))


def test_without_a_configured_skill_id_everything_is_refused(
    pki: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ALEXA_SKILL_ID", raising=False)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(CHAIN_URL, body=pki.chain_pem)
        app = flask.Flask("unconfigured")
        app.register_blueprint(create_blueprint(verifier=RequestVerifier(None, roots=[pki.root])))
        web = AlexaWeb(app.test_client(), mock, pki)
        assert_refused(web.post(body_of(envelope())))


def test_the_project_app_serves_post_alexa(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALEXA_SKILL_ID", SKILL_ID)
    app = flask.Flask("from-env")
    app.register_blueprint(create_blueprint())
    assert app.url_map.bind("localhost").match("/alexa", method="POST")[0] == "alexa.alexa"
    assert app.test_client().get("/alexa").status_code == 405


def test_the_verifier_refuses_without_any_network(pki: Any) -> None:
    verifier = RequestVerifier(SKILL_ID, roots=[pki.root], fetch=lambda url: pki.chain_pem)
    body = body_of(envelope())
    from .conftest import sign

    headers = {"SignatureCertChainUrl": CHAIN_URL, "Signature-256": sign(body, pki.leaf_key)}
    assert verifier.verify(headers, body)["request"]["type"] == "LaunchRequest"
    with pytest.raises(VerificationError):
        verifier.verify(headers, body + b" ")
