"""Verifying that a request to a self-hosted skill endpoint comes from Alexa.

Amazon's rules for web-service skills, on `cryptography` (the official
ask-sdk-webservice-support cannot be imported on current OpenSSL):

1. `SignatureCertChainUrl`: https, host s3.amazonaws.com (any case), port 443 if
   given, a plain path under /echo.api/. Stricter than resolving `..`: any `.` or `..`
   segment, empty segment, percent-encoding, backslash, query, fragment, user name,
   space or control character is refused, so one chain has one URL (no
   `?1`, `?2`... variants to fill the cache) and nothing is fetched from elsewhere.
2. `Signature-256`: base64 of exactly one RSA signature's length (2048 to 4096-bit
   keys), checked before anything is downloaded; so are the body, the timestamp, the
   application id and the request id.
3. The chain the URL names: downloaded with a size and time bound, redirects refused,
   at most DOWNLOADS_PER_MINUTE downloads in all; the leaf valid now, named
   echo-api.amazon.com, chaining to a trusted root (certifi's bundle by default).
   A chain enters the cache (CACHE_SIZE, least recently used out first) only once a
   request's signature has verified with it: an unsigned request never evicts one.
4. The signature: RSA PKCS#1 v1.5 with SHA-256 over the raw body, by that leaf.
5. The request's timestamp within 150 seconds of now, and its request id not seen
   before within that time (a bounded in-memory set per process; ids enter it only
   from requests that verified).
6. The application id equal to the configured skill id.

Any failure raises `VerificationError`; the web layer answers 400 and dispatches nothing.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import threading
import time
from collections import OrderedDict
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
MAX_URL = 512
CACHE_SIZE = 16
#: Chain downloads allowed in any 60 seconds, for all URLs together.
DOWNLOADS_PER_MINUTE = 10
DOWNLOAD_SECONDS = 10.0
#: The byte lengths of RSA signatures from 2048-, 3072- and 4096-bit keys.
SIGNATURE_BYTES = frozenset({256, 384, 512})
#: Request ids remembered per process (each for 150 s past its timestamp).
MAX_SEEN = 100_000
MAX_REQUEST_ID = 256
_PATH_SEGMENT = re.compile(r"[A-Za-z0-9_~!$&'()*+,;=:@-][A-Za-z0-9._~!$&'()*+,;=:@-]*")


class VerificationError(Exception):
    """The request is not provably from Alexa for this skill."""


def cert_chain_url(url: str | None) -> str:
    """The normalised chain URL, or VerificationError if it breaks Amazon's rules."""
    if not url:
        raise VerificationError("no SignatureCertChainUrl")
    if len(url) > MAX_URL or any(not 0x21 <= ord(c) <= 0x7E for c in url) or "\\" in url:
        raise VerificationError("certificate URL has spaces, control or non-ASCII characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise VerificationError(f"unreadable certificate URL: {error}") from None
    if parts.scheme.lower() != "https":
        raise VerificationError("certificate URL is not https")
    if (parts.hostname or "").lower() != CERT_HOST or "@" in parts.netloc:
        raise VerificationError("certificate URL host is not s3.amazonaws.com")
    if port not in (None, 443):
        raise VerificationError("certificate URL port is not 443")
    if "?" in url or "#" in url:
        raise VerificationError("certificate URL has a query or fragment")
    if not parts.path.startswith(CERT_PATH):
        raise VerificationError("certificate URL path is not under /echo.api/")
    if "%" in parts.path:
        raise VerificationError("certificate URL path is percent-encoded")
    segments = parts.path[len(CERT_PATH) :].split("/")
    if not all(_PATH_SEGMENT.fullmatch(segment) for segment in segments):
        raise VerificationError("certificate URL path has dot, empty or unusual segments")
    return urlunsplit(("https", CERT_HOST, parts.path, "", ""))


def default_roots() -> list[x509.Certificate]:
    import certifi

    with open(certifi.where(), "rb") as handle:
        return x509.load_pem_x509_certificates(handle.read())


def download(url: str) -> bytes:
    """The chain at `url`: no redirect followed, at most MAX_CHAIN_BYTES + 1 bytes read
    (more means too large), within DOWNLOAD_SECONDS in all."""
    deadline = time.monotonic() + DOWNLOAD_SECONDS
    with requests.get(url, timeout=(3.05, 5), stream=True, allow_redirects=False) as response:
        if response.is_redirect or response.status_code != 200:
            raise requests.HTTPError(f"HTTP {response.status_code} (redirects are not followed)")
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > MAX_CHAIN_BYTES:
            return b"x" * (MAX_CHAIN_BYTES + 1)
        received = bytearray()
        for chunk in response.iter_content(chunk_size=8192):
            received += chunk
            if len(received) > MAX_CHAIN_BYTES:
                break
            if time.monotonic() > deadline:
                raise requests.Timeout("the chain took too long to download")
        return bytes(received[: MAX_CHAIN_BYTES + 1])


@dataclass(frozen=True)
class _Signer:
    key: rsa.RSAPublicKey
    not_before: datetime
    not_after: datetime


class SeenRequests:
    """Request ids answered in the last 150 seconds of their timestamps: bounded
    (the oldest forgotten first past MAX_SEEN), thread-safe."""

    def __init__(self, limit: int = MAX_SEEN) -> None:
        self._until: OrderedDict[str, datetime] = OrderedDict()
        self._limit = limit
        self._lock = threading.Lock()

    def _forget_expired(self, now: datetime) -> None:
        while self._until and next(iter(self._until.values())) < now:
            self._until.popitem(last=False)

    def seen(self, request_id: str, now: datetime) -> bool:
        with self._lock:
            self._forget_expired(now)
            return request_id in self._until

    def add(self, request_id: str, until: datetime, now: datetime) -> bool:
        """Remember `request_id`; False if it was already there (a replay)."""
        with self._lock:
            self._forget_expired(now)
            if request_id in self._until:
                return False
            while len(self._until) >= self._limit:
                self._until.popitem(last=False)
            self._until[request_id] = until
            return True

    def __len__(self) -> int:
        return len(self._until)


class _DownloadBudget:
    """At most `per_minute` downloads in any 60 seconds (a sliding log)."""

    def __init__(self, per_minute: int) -> None:
        self._per_minute = per_minute
        self._times: list[float] = []
        self._lock = threading.Lock()

    def take(self) -> bool:
        now = time.monotonic()
        with self._lock:
            self._times = [t for t in self._times if now - t < 60]
            if len(self._times) >= self._per_minute:
                return False
            self._times.append(now)
            return True


class RequestVerifier:
    """Checks request headers and raw body; thread-safe, chains cached per URL."""

    def __init__(
        self,
        skill_id: str | None,
        *,
        roots: Sequence[x509.Certificate] | None = None,
        fetch: Callable[[str], bytes] = download,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        downloads_per_minute: int = DOWNLOADS_PER_MINUTE,
    ) -> None:
        self.skill_id = skill_id
        self._roots = list(roots) if roots is not None else None
        self._store: Store | None = None
        self._fetch = fetch
        self._clock = clock
        self._signers: OrderedDict[str, _Signer] = OrderedDict()
        self._lock = threading.Lock()
        self._budget = _DownloadBudget(downloads_per_minute)
        self.seen = SeenRequests()

    def verify(self, headers: Mapping[str, str], body: bytes) -> dict[str, Any]:
        """The parsed request if it is genuine; VerificationError otherwise. Everything
        that needs no certificate is checked before one is downloaded."""
        if not self.skill_id:
            raise VerificationError("ALEXA_SKILL_ID is not configured")
        url = cert_chain_url(headers.get("SignatureCertChainUrl"))
        signature = _signature(headers.get("Signature-256"))
        request = _parse(body)
        now = self._clock()
        when = _check_timestamp(request, now)
        _check_application(request, self.skill_id)
        request_id = _request_id(request)
        if self.seen.seen(request_id, now):
            raise VerificationError("request id already answered (a replay)")
        signer, cached = self._signer(url, now)
        if len(signature) * 8 != signer.key.key_size:
            raise VerificationError("Signature-256 does not match the body")
        try:
            signer.key.verify(signature, body, padding.PKCS1v15(), hashes.SHA256())
        except (InvalidSignature, ValueError):
            raise VerificationError("Signature-256 does not match the body") from None
        if not cached:
            self._remember(url, signer)
        if not self.seen.add(request_id, when + MAX_SKEW, now):
            raise VerificationError("request id already answered (a replay)")
        return request

    def _signer(self, url: str, now: datetime) -> tuple[_Signer, bool]:
        """The signer for `url` and whether it came from the cache."""
        with self._lock:
            signer = self._signers.get(url)
            if signer is not None:
                self._signers.move_to_end(url)
        if signer is not None and signer.not_before <= now <= signer.not_after:
            return signer, True
        if not self._budget.take():
            raise VerificationError("too many certificate downloads: try again in a minute")
        return self._load(url, now), False

    def _remember(self, url: str, signer: _Signer) -> None:
        """Cache a signer whose signature has just verified (least recently used out)."""
        with self._lock:
            self._signers[url] = signer
            self._signers.move_to_end(url)
            while len(self._signers) > CACHE_SIZE:
                self._signers.popitem(last=False)

    def cached_urls(self) -> list[str]:
        with self._lock:
            return list(self._signers)

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


def _signature(header: str | None) -> bytes:
    """The decoded Signature-256, if it is base64 of one RSA signature's length."""
    if not header or len(header) > 1024:
        raise VerificationError("Signature-256 missing or malformed")
    try:
        signature = base64.b64decode(header, validate=True)
    except (binascii.Error, ValueError):
        raise VerificationError("Signature-256 missing or malformed") from None
    if len(signature) not in SIGNATURE_BYTES:
        raise VerificationError("Signature-256 missing or malformed")
    return signature


def _request_id(request: dict[str, Any]) -> str:
    found = _get(request, "request", "requestId")
    if not isinstance(found, str) or not found or len(found) > MAX_REQUEST_ID:
        raise VerificationError("request id missing or unreadable")
    return found


def _check_timestamp(request: dict[str, Any], now: datetime) -> datetime:
    stamp = _get(request, "request", "timestamp")
    try:
        when = datetime.fromisoformat(stamp) if isinstance(stamp, str) else None
    except ValueError:
        when = None
    if when is None or when.tzinfo is None:
        raise VerificationError("request timestamp missing or unreadable")
    if abs(now - when) > MAX_SKEW:
        raise VerificationError("request timestamp is more than 150 seconds from now")
    return when


def _check_application(request: dict[str, Any], skill_id: str) -> None:
    found = [
        _get(request, "context", "System", "application", "applicationId"),
        _get(request, "session", "application", "applicationId"),
    ]
    present = [f for f in found if f is not None]
    if not present or any(f != skill_id for f in present):
        raise VerificationError("request is for another skill")
