"""Verifying that a request to a self-hosted skill endpoint comes from Alexa.

Amazon's rules for web-service skills, on `cryptography` (the official
ask-sdk-webservice-support cannot be imported on current OpenSSL):

1. `SignatureCertChainUrl`: https, host s3.amazonaws.com, path under /echo.api/
   (after resolving `..`), port 443 if given.
2. The chain it names: downloaded once per URL and cached; the leaf valid now, named
   echo-api.amazon.com, chaining to a trusted root (certifi's bundle by default).
3. `Signature-256`: RSA PKCS#1 v1.5 with SHA-256 over the raw body, by that leaf.
4. The request's timestamp within 150 seconds of now.
5. The application id equal to the configured skill id.

Any failure raises `VerificationError`; the web layer answers 400 and dispatches nothing.
"""

from __future__ import annotations

import base64
import binascii
import json
import posixpath
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.verification import PolicyBuilder, Store
from cryptography.x509.verification import VerificationError as ChainError

CERT_HOST = "s3.amazonaws.com"
CERT_PATH = "/echo.api/"
SIGNER_NAME = "echo-api.amazon.com"
MAX_SKEW = timedelta(seconds=150)
MAX_CHAIN_BYTES = 64 * 1024
CACHE_SIZE = 16


class VerificationError(Exception):
    """The request is not provably from Alexa for this skill."""


def cert_chain_url(url: str | None) -> str:
    """The normalised chain URL, or VerificationError if it breaks Amazon's rules."""
    if not url:
        raise VerificationError("no SignatureCertChainUrl")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise VerificationError(f"unreadable certificate URL: {error}") from None
    if parts.scheme.lower() != "https":
        raise VerificationError("certificate URL is not https")
    if (parts.hostname or "").lower() != CERT_HOST or parts.username or parts.password:
        raise VerificationError("certificate URL host is not s3.amazonaws.com")
    if port not in (None, 443):
        raise VerificationError("certificate URL port is not 443")
    path = posixpath.normpath(parts.path) if parts.path else ""
    if not path.startswith(CERT_PATH):
        raise VerificationError("certificate URL path is not under /echo.api/")
    return urlunsplit(("https", CERT_HOST, path, parts.query, ""))


def default_roots() -> list[x509.Certificate]:
    import certifi

    with open(certifi.where(), "rb") as handle:
        return x509.load_pem_x509_certificates(handle.read())


def download(url: str) -> bytes:
    response = requests.get(url, timeout=5)
    response.raise_for_status()
    return response.content[: MAX_CHAIN_BYTES + 1]


@dataclass(frozen=True)
class _Signer:
    key: rsa.RSAPublicKey
    not_before: datetime
    not_after: datetime


class RequestVerifier:
    """Checks request headers and raw body; thread-safe, chains cached per URL."""

    def __init__(
        self,
        skill_id: str | None,
        *,
        roots: Sequence[x509.Certificate] | None = None,
        fetch: Callable[[str], bytes] = download,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.skill_id = skill_id
        self._roots = list(roots) if roots is not None else None
        self._store: Store | None = None
        self._fetch = fetch
        self._clock = clock
        self._signers: dict[str, _Signer] = {}
        self._lock = threading.Lock()

    def verify(self, headers: Mapping[str, str], body: bytes) -> dict[str, Any]:
        """The parsed request if it is genuine; VerificationError otherwise."""
        if not self.skill_id:
            raise VerificationError("ALEXA_SKILL_ID is not configured")
        url = cert_chain_url(headers.get("SignatureCertChainUrl"))
        request = _parse(body)
        now = self._clock()
        _check_timestamp(request, now)
        _check_application(request, self.skill_id)
        signer = self._signer(url, now)
        try:
            signature = base64.b64decode(headers.get("Signature-256") or "", validate=True)
            signer.key.verify(signature, body, padding.PKCS1v15(), hashes.SHA256())
        except (binascii.Error, InvalidSignature, ValueError):
            raise VerificationError("Signature-256 does not match the body") from None
        return request

    def _signer(self, url: str, now: datetime) -> _Signer:
        with self._lock:
            signer = self._signers.get(url)
        if signer is None or not signer.not_before <= now <= signer.not_after:
            signer = self._load(url, now)
            with self._lock:
                if len(self._signers) >= CACHE_SIZE:
                    self._signers.pop(next(iter(self._signers)))
                self._signers[url] = signer
        return signer

    def _load(self, url: str, now: datetime) -> _Signer:
        try:
            pem = self._fetch(url)
        except requests.RequestException as error:
            raise VerificationError(f"could not download the certificate chain: {error}") from None
        if len(pem) > MAX_CHAIN_BYTES:
            raise VerificationError("certificate chain too large")
        try:
            chain = x509.load_pem_x509_certificates(pem)
        except ValueError:
            raise VerificationError("certificate chain is not PEM") from None
        leaf, intermediates = chain[0], chain[1:]
        verifier = (
            PolicyBuilder()
            .store(self._trust_store())
            .time(now)
            .build_server_verifier(x509.DNSName(SIGNER_NAME))
        )
        try:
            verifier.verify(leaf, intermediates)
        except ChainError as error:
            raise VerificationError(f"certificate chain not trusted: {error}") from None
        key = leaf.public_key()
        if not isinstance(key, rsa.RSAPublicKey):
            raise VerificationError("signing certificate has no RSA key")
        return _Signer(key, leaf.not_valid_before_utc, leaf.not_valid_after_utc)

    def _trust_store(self) -> Store:
        if self._store is None:
            self._store = Store(self._roots if self._roots is not None else default_roots())
        return self._store


def _parse(body: bytes) -> dict[str, Any]:
    try:
        request = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise VerificationError("body is not JSON") from None
    if not isinstance(request, dict):
        raise VerificationError("body is not a request envelope")
    return request


def _get(data: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def _check_timestamp(request: dict[str, Any], now: datetime) -> None:
    stamp = _get(request, "request", "timestamp")
    try:
        when = datetime.fromisoformat(stamp) if isinstance(stamp, str) else None
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise VerificationError("request timestamp missing or unreadable")
    if abs(now - when) > MAX_SKEW:
        raise VerificationError("request timestamp is more than 150 seconds from now")


def _check_application(request: dict[str, Any], skill_id: str) -> None:
    found = [
        _get(request, "context", "System", "application", "applicationId"),
        _get(request, "session", "application", "applicationId"),
    ]
    present = [f for f in found if f is not None]
    if not present or any(f != skill_id for f in present):
        raise VerificationError("request is for another skill")
