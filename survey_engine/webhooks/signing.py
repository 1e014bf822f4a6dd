"""Signing secrets and signatures.

The secret of a subscription is never stored. The table keeps a random ``secret_salt``; the secret is
``whsec_`` + base64url(HMAC-SHA256(K, salt)) with K = HMAC-SHA256(application secret key, a fixed label).
This gives what storing it encrypted under a key derived from the application secret would give (a copy of
the database alone cannot sign or verify; the application can always sign), without a cipher dependency
and with nothing to decrypt. Changing ``SIPAS_SECRET_KEY`` changes every subscription's secret, as
re-keying an encrypted column would make it unreadable: subscribers must then be given new secrets.

A delivery carries ``X-Sipas-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>``,
the scheme Stripe uses, so receivers can reject replays older than a few minutes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time

_LABEL = b"sipas webhook signing secret v1"
SECRET_PREFIX = "whsec_"  # noqa: S105 - the prefix that marks a secret, not one
DEFAULT_TOLERANCE_SECONDS = 300


def new_salt() -> str:
    return secrets.token_hex(32)


def subscription_secret(app_secret: str, salt: str) -> str:
    key = hmac.new(app_secret.encode("utf-8"), _LABEL, hashlib.sha256).digest()
    digest = hmac.new(key, salt.encode("ascii"), hashlib.sha256).digest()
    return SECRET_PREFIX + base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def signature(secret: str, timestamp: int, body: bytes) -> str:
    signed = f"{timestamp}.".encode("ascii") + body
    return hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify(
    secret: str,
    header: str,
    body: bytes,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """What a receiver does (docs/webhooks.md has the same in a few lines): the timestamp is recent and
    one ``v1`` signature matches, compared in constant time."""
    parts = [p.split("=", 1) for p in header.split(",") if "=" in p]
    stamps = [v for k, v in parts if k.strip() == "t"]
    if len(stamps) != 1 or not stamps[0].isdigit():
        return False
    timestamp = int(stamps[0])
    if abs((time.time() if now is None else now) - timestamp) > tolerance:
        return False
    expected = signature(secret, timestamp, body)
    return any(k.strip() == "v1" and hmac.compare_digest(v.strip(), expected) for k, v in parts)
