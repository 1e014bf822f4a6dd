"""Receipt codes: a signed token printed on a dossier receipt that allows one response for that dossier.

A receipt travels in the QR code of the receipt, ``/f/{service_point_token}?r={receipt}``. Format:
``1.<payload>.<signature>`` where ``payload`` is base64url (no padding) of
``dossier_code \\x1f service_point`` and ``signature`` is HMAC-SHA256 over ``1.<payload>``, truncated to
128 bits, base64url. The dossier code is normalised (trimmed, upper case) before signing.

The database never stores dossier codes in clear: :func:`dossier_hash` is a keyed HMAC, so codes (which
follow guessable patterns) cannot be brute-forced from a stolen database without the secret key.
Signing and hashing use separate keys derived from the application secret.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass

VERSION = "1"
MAX_DOSSIER_CODE = 64
MAX_RECEIPT_LENGTH = 300
_SEPARATOR = "\x1f"
_SIGNATURE_BYTES = 16  # 128 bits
_DOSSIER_PATTERN = re.compile(r"[A-Z0-9][A-Z0-9._/\-]*")
_POINT_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,47}")
_TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_\-.]+")


class InvalidReceipt(ValueError):
    """The receipt code is malformed, was altered, or was signed with another key."""


@dataclass(frozen=True)
class Receipt:
    dossier_code: str
    service_point: str


def normalise_dossier_code(dossier_code: str) -> str:
    """Trim and upper-case; ValueError unless it looks like a dossier code (letters, digits, . _ / -)."""
    code = dossier_code.strip().upper()
    if not code or len(code) > MAX_DOSSIER_CODE or not _DOSSIER_PATTERN.fullmatch(code):
        raise ValueError(
            f"a dossier code has 1–{MAX_DOSSIER_CODE} letters, digits and . _ / - (starting with a letter "
            "or digit)"
        )
    return code


def _key(secret_key: str, purpose: str) -> bytes:
    if not secret_key:
        raise ValueError("a secret key is required")
    return hmac.new(secret_key.encode("utf-8"), purpose.encode("ascii"), hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if not text or "=" in text:
        raise InvalidReceipt("malformed receipt code")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise InvalidReceipt("malformed receipt code") from exc


def _signature(secret_key: str, signed: str) -> bytes:
    digest = hmac.new(_key(secret_key, "sipas/receipt/v1"), signed.encode("ascii"), hashlib.sha256).digest()
    return digest[:_SIGNATURE_BYTES]


def sign_receipt(secret_key: str, dossier_code: str, service_point: str) -> str:
    """A URL-safe receipt code for ``dossier_code`` at ``service_point`` (a service point code)."""
    code = normalise_dossier_code(dossier_code)
    if not _POINT_PATTERN.fullmatch(service_point):
        raise ValueError("not a service point code")
    payload = _b64(f"{code}{_SEPARATOR}{service_point}".encode())
    signed = f"{VERSION}.{payload}"
    return f"{signed}.{_b64(_signature(secret_key, signed))}"


def verify_receipt(secret_key: str, token: str) -> Receipt:
    """The dossier and service point a receipt code carries; :class:`InvalidReceipt` unless authentic."""
    if not isinstance(token, str) or len(token) > MAX_RECEIPT_LENGTH or not _TOKEN_PATTERN.fullmatch(token):
        raise InvalidReceipt("malformed receipt code")
    parts = token.split(".")
    if len(parts) != 3:
        raise InvalidReceipt("malformed receipt code")
    version, payload, signature = parts
    if version != VERSION:
        raise InvalidReceipt("unknown receipt version")
    # Compare the text, not decoded bytes: base64's unused low bits would let several texts pass.
    expected = _b64(_signature(secret_key, f"{version}.{payload}"))
    if not hmac.compare_digest(signature.encode("ascii"), expected.encode("ascii")):
        raise InvalidReceipt("the receipt code is not authentic")
    try:
        dossier_code, service_point = _unb64(payload).decode("utf-8").split(_SEPARATOR)
    except (UnicodeDecodeError, ValueError) as exc:  # authentic but not ours: a key shared elsewhere
        raise InvalidReceipt("malformed receipt code") from exc
    return Receipt(dossier_code=dossier_code, service_point=service_point)


def dossier_hash(secret_key: str, dossier_code: str) -> str:
    """Keyed HMAC-SHA256 (hex) of the normalised dossier code: what the database stores."""
    return dossier_hasher(secret_key)(dossier_code)


def dossier_hasher(secret_key: str) -> Callable[[str], str]:
    """:func:`dossier_hash` with its key derived once (bulk imports hash one dossier code per line)."""
    key = _key(secret_key, "sipas/dossier/v1")

    def hashed(dossier_code: str) -> str:
        code = dossier_code.strip().upper()
        if not code:
            raise ValueError("empty dossier code")
        return hmac.digest(key, code.encode("utf-8"), "sha256").hex()

    return hashed
