"""The Alexa skill as Alexa sees it: whole request envelopes, through Lambda or POST /alexa.

`speaker` talks to the skill the way an Echo does: it builds envelopes (context.System,
the device's interfaces, the session and its attributes), keeps the session between
turns, starts a new one after the skill ends it, and checks every response against
Alexa's limits. It runs once through `lambda_handler` and once through a signed
POST /alexa on a real Flask app whose certificate chain is served by `responses`.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import flask
import pytest
import responses
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from crampvoice_skill import fake
from crampvoice_skill.verify import RequestVerifier
from crampvoice_skill.web import create_blueprint

ROOT = Path(__file__).resolve().parents[2]
SKILL = ROOT / "skill"
#: The per-locale models `crampvoice build-skill` writes for the ASK CLI (not in git).
MODELS = SKILL / "skill-package" / "interactionModels" / "custom"
#: The one checked-in interaction model of the skill's language, for every locale.
MODEL_SOURCE = SKILL / "interaction-model" / "en.json"


def checked_in_model(locale: str) -> dict[str, Any]:
    """The interaction model deployed for `locale`: its language's checked-in source."""
    assert locale.startswith("en-"), locale
    data: dict[str, Any] = json.loads(MODEL_SOURCE.read_text(encoding="utf-8"))
    return data
SKILL_ID = "amzn1.ask.skill.11111111-2222-3333-4444-555555555555"
CHAIN_URL = "https://s3.amazonaws.com/echo.api/echo-api-cert-13.pem"

OUTPUT_SPEECH_LIMIT = 8000
RESPONSE_LIMIT = 24 * 1024
MAX_BREAK = 10.0


# --------------------------------------------------------------------------- limits


def ssml_problems(ssml: str) -> list[str]:
    """Why this SSML would not play: not XML, not <speak>, too long, a break over 10 s."""
    problems = []
    if len(ssml) >= OUTPUT_SPEECH_LIMIT:
        problems.append(f"outputSpeech is {len(ssml)} characters")
    try:
        root = ET.fromstring(ssml)
    except ET.ParseError as error:
        return [*problems, f"not XML: {error}: {ssml!r}"]
    if root.tag != "speak":
        problems.append(f"root is <{root.tag}>")
    for brk in root.iter("break"):
        seconds = _seconds(brk.get("time", "0s"))
        if seconds > MAX_BREAK:
            problems.append(f"a break of {seconds} s")
    return problems


def _seconds(value: str) -> float:
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s)", value)
    assert match, f"break time {value!r}"
    number = float(match.group(1))
    return number / 1000 if match.group(2) == "ms" else number


def check_limits(envelope: dict[str, Any]) -> None:
    size = len(json.dumps(envelope).encode("utf-8"))
    assert size < RESPONSE_LIMIT, f"response is {size} bytes"
    response = envelope["response"]
    speeches = [response.get("outputSpeech"), (response.get("reprompt") or {}).get("outputSpeech")]
    for speech in filter(None, speeches):
        assert speech["type"] == "SSML"
        assert not ssml_problems(speech["ssml"]), ssml_problems(speech["ssml"])


# --------------------------------------------------------------------------- a turn


@dataclass
class Turn:
    """One response, as the person would notice it."""

    envelope: dict[str, Any]

    @property
    def response(self) -> dict[str, Any]:
        result: dict[str, Any] = self.envelope["response"]
        return result

    @property
    def ssml(self) -> str:
        return str(self.response.get("outputSpeech", {}).get("ssml", ""))

    @property
    def said(self) -> str:
        """The words spoken, tags removed."""
        if not self.ssml:
            return ""
        return " ".join("".join(ET.fromstring(self.ssml).itertext()).split())

    @property
    def first_sentence(self) -> str:
        return re.split(r"(?<=[.!?])\s", self.said, maxsplit=1)[0]

    @property
    def reprompt(self) -> str | None:
        speech = (self.response.get("reprompt") or {}).get("outputSpeech")
        return None if speech is None else " ".join(ET.fromstring(speech["ssml"]).itertext())

    @property
    def ended(self) -> bool:
        return bool(self.response.get("shouldEndSession"))

    @property
    def card(self) -> dict[str, Any] | None:
        card: dict[str, Any] | None = self.response.get("card")
        return card

    @property
    def directives(self) -> list[dict[str, Any]]:
        return list(self.response.get("directives") or [])

    @property
    def screen(self) -> dict[str, Any] | None:
        for directive in self.directives:
            if directive["type"] == "Alexa.Presentation.APL.RenderDocument":
                data: dict[str, Any] = directive["datasources"]["screen"]
                return data
        return None

    @property
    def held_seconds(self) -> float:
        """The total of the timed breaks: how long the listener is counted through."""
        if not self.ssml:
            return 0.0
        return sum(_seconds(b.get("time", "0s")) for b in ET.fromstring(self.ssml).iter("break"))

    @property
    def attributes(self) -> dict[str, Any]:
        attributes: dict[str, Any] = self.envelope.get("sessionAttributes") or {}
        return attributes


# --------------------------------------------------------------------------- envelopes


@dataclass
class Speaker:
    """An Echo talking to the skill: one session at a time, attributes carried. Its
    envelopes are the one fake Alexa's (`crampvoice_skill.fake`)."""

    send: Callable[[dict[str, Any]], dict[str, Any]]
    locale: str = "en-US"
    apl: bool = False
    application_id: str = SKILL_ID
    session_id: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)
    new: bool = True
    user_id: str = "amzn1.ask.account.TESTUSER"
    apl_max: str | None = "2024.2"  # the APL runtime.maxVersion a screen reports (None: none)
    viewport: tuple[str, int, int] = ("RECTANGLE", 1024, 600)  # shape, width, height (dp)

    def device(self) -> fake.Device:
        return fake.Device(
            self.locale,
            self.apl,
            self.user_id,
            "amzn1.ask.device.TESTDEVICE",
            skill_id=self.application_id,
            apl_max=self.apl_max,
            viewport=self.viewport,
            permissions=self.permissions(),
            access_token="test-token",
        )

    def permissions(self) -> dict[str, Any] | None:
        return None

    def envelope(self, request: dict[str, Any]) -> dict[str, Any]:
        session = fake.Session(self.session_id, self.attributes)
        data = fake.envelope(request, self.device(), session, new=self.new)
        self.session_id = session.session_id
        return data

    def request(self, request: dict[str, Any]) -> Turn:
        envelope = self.send(self.envelope(request))
        check_limits(envelope)
        turn = Turn(envelope)
        if turn.ended or request["type"] == "SessionEndedRequest":
            self.session_id, self.attributes, self.new = "", {}, True
        else:
            self.attributes, self.new = turn.attributes, False
        return turn

    def launch(self) -> Turn:
        return self.request({"type": "LaunchRequest"})

    def intent(self, name: str, **slots: str | None) -> Turn:
        return self.request(fake.intent_request(name, slots, self.device()))

    def symptom(self, symptom: str, body_part: str | None = None) -> Turn:
        return self.intent("DescribeSymptomIntent", symptom=symptom, body_part=body_part)


# --------------------------------------------------------------------------- transports


def load_lambda_function() -> Any:
    """skill/lambda/lambda_function.py, imported afresh (it reads ALEXA_SKILL_ID)."""
    spec = importlib.util.spec_from_file_location(
        "lambda_function", SKILL / "lambda" / "lambda_function.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def lambda_handler(monkeypatch: pytest.MonkeyPatch) -> Callable[[dict[str, Any], Any], Any]:
    monkeypatch.setenv("ALEXA_SKILL_ID", SKILL_ID)
    handler: Callable[[dict[str, Any], Any], Any] = load_lambda_function().lambda_handler
    return handler


@dataclass
class Pki:
    """A CA made for the test, an intermediate, and a leaf named like Amazon's."""

    root: x509.Certificate
    chain_pem: bytes  # leaf + intermediate, as Amazon serves it
    leaf_key: rsa.RSAPrivateKey
    other_key: rsa.RSAPrivateKey  # a key nobody certified
    make_chain: Callable[..., bytes]


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _cert(
    subject: str,
    key: rsa.RSAPrivateKey,
    issuer: tuple[x509.Name, rsa.RSAPrivateKey] | None,
    *,
    ca: bool,
    dns: str | None = None,
    days: tuple[int, int] = (-1, 30),
) -> x509.Certificate:
    now = datetime.now(UTC)
    issuer_name, issuer_key = issuer or (_name(subject), key)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now + timedelta(days=days[0]))
        .not_valid_after(now + timedelta(days=days[1]))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()),
            critical=False,
        )
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
    else:
        builder = builder.add_extension(
            x509.KeyUsage(True, False, True, False, False, False, False, False, False),
            critical=True,
        ).add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        if dns:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName(dns)]), critical=False
            )
    return builder.sign(issuer_key, hashes.SHA256())


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _pem(*certs: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


@pytest.fixture(scope="session")
def pki() -> Pki:
    root_key, mid_key, leaf_key = _key(), _key(), _key()
    root = _cert("Test Root CA", root_key, None, ca=True, days=(-10, 3650))
    mid = _cert("Test Intermediate CA", mid_key, (root.subject, root_key), ca=True, days=(-5, 365))

    def make_chain(
        dns: str | None = "echo-api.amazon.com",
        days: tuple[int, int] = (-1, 30),
        signed_by: tuple[x509.Name, rsa.RSAPrivateKey] | None = None,
    ) -> bytes:
        leaf = _cert(
            "echo-api.amazon.com",
            leaf_key,
            signed_by or (mid.subject, mid_key),
            ca=False,
            dns=dns,
            days=days,
        )
        return _pem(leaf, mid)

    return Pki(root, make_chain(), leaf_key, _key(), make_chain)


def sign(body: bytes, key: rsa.RSAPrivateKey) -> str:
    return base64.b64encode(key.sign(body, padding.PKCS1v15(), hashes.SHA256())).decode()


@dataclass
class AlexaWeb:
    """A Flask app with the /alexa blueprint; the chain URL served through `responses`."""

    client: Any
    mock: responses.RequestsMock
    pki: Pki

    def post(
        self,
        body: bytes,
        *,
        key: rsa.RSAPrivateKey | None = None,
        url: str = CHAIN_URL,
        signature: str | None = None,
    ) -> Any:
        headers = {
            "SignatureCertChainUrl": url,
            "Signature-256": signature
            if signature is not None
            else sign(body, key or self.pki.leaf_key),
            "Signature": "unused-sha1-signature",
        }
        return self.client.post(
            "/alexa", data=body, headers=headers, content_type="application/json"
        )

    def send(self, envelope: dict[str, Any]) -> dict[str, Any]:
        result = self.post(json.dumps(envelope).encode("utf-8"))
        assert result.status_code == 200, result.get_data(as_text=True)
        data: dict[str, Any] = result.get_json()
        return data


@pytest.fixture
def alexa_web(pki: Pki) -> Iterator[AlexaWeb]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(CHAIN_URL, body=pki.chain_pem, content_type="application/x-pem-file")
        app = flask.Flask("alexa-test")
        app.register_blueprint(
            create_blueprint(verifier=RequestVerifier(SKILL_ID, roots=[pki.root]))
        )
        yield AlexaWeb(app.test_client(), mock, pki)


@pytest.fixture(params=["lambda", "web"])
def send(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """The skill's two ways in: AWS Lambda, and POST /alexa on the project's web app."""
    if request.param == "lambda":
        handler = request.getfixturevalue("lambda_handler")
        return lambda envelope: handler(envelope, None)
    web: AlexaWeb = request.getfixturevalue("alexa_web")
    return web.send


@pytest.fixture
def speaker(send: Callable[[dict[str, Any]], dict[str, Any]]) -> Callable[..., Speaker]:
    """speaker(locale="en-GB", apl=True) -> a Speaker on both transports."""

    def make(locale: str = "en-US", apl: bool = False) -> Speaker:
        return Speaker(send, locale=locale, apl=apl)

    return make
