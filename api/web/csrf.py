"""CSRF protection for the server-rendered staff pages (interviewer screens and the staff console).

A form's hidden ``_csrf`` field carries ``HMAC-SHA256(K, purpose ‖ 0x00 ‖ bound_to)``: ``K`` is derived
from ``SIPAS_SECRET_KEY``, ``purpose`` names the form and ``bound_to`` is the session token (or, before
sign-in, a random nonce kept in a short-lived ``SameSite=Strict`` cookie: double submit). A request that
the browser marks as coming from another site is refused as well.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

from litestar import Request

from api.web.pages_common import secret_of
from api.web.request_checks import site_origins


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def csrf_token(secret: str, purpose: str, bound_to: str) -> str:
    """The hidden ``_csrf`` value of a form: an HMAC of its purpose and the session (or login nonce)."""
    key = hmac.new(secret.encode(), b"sipas.pages.interviewer-csrf.v1", hashlib.sha256).digest()
    return _b64(hmac.new(key, f"{purpose}\x00{bound_to}".encode(), hashlib.sha256).digest())


def same_origin(request: Request[Any, Any, Any]) -> bool:
    """False when the browser says the request comes from another site.

    ``Sec-Fetch-Site`` when the browser sends it; else the ``Origin`` header. ``Origin: null`` says
    nothing: the pages' ``no-referrer`` policy makes browsers send it on their own same-origin posts.
    """
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site in ("same-origin", "none")
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return True  # older browsers and non-browser clients; the CSRF field still has to match
    return origin.rstrip("/") in site_origins(request)


def csrf_ok(request: Request[Any, Any, Any], raw: Any, purpose: str, bound_to: str) -> bool:
    sent = str(raw.get("_csrf") or "")
    expected = csrf_token(secret_of(request), purpose, bound_to)
    return same_origin(request) and hmac.compare_digest(sent.encode(), expected.encode())
