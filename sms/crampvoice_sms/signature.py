"""Twilio's request signature (X-Twilio-Signature), checked with one HMAC per request.

The signature is base64(HMAC-SHA1(auth token, URL + every form field's name and value,
sorted)), as twilio's own `RequestValidator` computes it; the tests sign with that
validator, so the two cannot drift apart. Twilio may sign the URL with or without its
port (":443"); `RequestValidator.validate` always computes both HMACs, this computes the
second only when the first does not match. The keyed HMAC is built once and copied.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from urllib.parse import urlsplit


def _with_and_without_port(url: str) -> tuple[str, str]:
    """The URL as Twilio may have signed it: without the port, then with the default one
    (or the other way round when the URL names a port)."""
    parts = urlsplit(url)
    if parts.port:
        bare = parts._replace(netloc=parts.netloc.rsplit(":", 1)[0]).geturl()
        return url, bare
    port = 443 if parts.scheme == "https" else 80
    return url, parts._replace(netloc=f"{parts.netloc}:{port}").geturl()


class Signatures:
    def __init__(self, token: str) -> None:
        self._keyed = hmac.new(token.encode("utf-8"), digestmod=hashlib.sha1)

    def compute(self, url: str, fields: Iterable[tuple[str, list[str]]]) -> bytes:
        """The signature of `url` and the form's (name, values) pairs."""
        mac = self._keyed.copy()
        mac.update(url.encode("utf-8"))
        for name, values in sorted(fields):
            for value in sorted(set(values)):
                mac.update((name + value).encode("utf-8"))
        return base64.b64encode(mac.digest())

    def valid(self, url: str, fields: list[tuple[str, list[str]]], signature: str) -> bool:
        """Whether `signature` is Twilio's for `url` (with or without its port) and the
        form: one HMAC when it is, two when it is not."""
        given = signature.encode("ascii", "replace")
        first, second = _with_and_without_port(url)
        return hmac.compare_digest(self.compute(first, fields), given) or hmac.compare_digest(
            self.compute(second, fields), given
        )
