"""The no-JavaScript form's state: earlier screens' answers carried in one signed, compressed blob.

The blob is a hidden field of every screen. It is signed with HMAC-SHA256 under a key derived from
``SIPAS_SECRET_KEY`` so a respondent cannot forge or alter it (answers are re-validated on submit
anyway); it is bound to the service-point token and expires after :data:`MAX_AGE`. Together with
the random ``client_id`` (the submission's idempotency key) it also serves as the anti-forgery token
of this anonymous form: a POST without a valid blob for this token is refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import uuid
import zlib
from dataclasses import dataclass, field
from typing import Any

import msgspec

MAX_AGE = 3 * 24 * 3600  # a form left open for three days starts again
REVIEW = "__review__"


@dataclass
class FormState:
    """Where a respondent is: answers so far, the current screen, language, receipt."""

    token: str
    client_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    lang: str = "vi"
    screen: str = ""  # a section code, or REVIEW
    answers: dict[str, Any] = field(default_factory=dict)
    started_at: float = field(default_factory=time.time)
    version: str = ""  # questionnaire version label, e.g. "sipas-2023@1"
    receipt: str | None = None
    shown: list[str] = field(default_factory=list)  # items displayed on the current screen
    reviewed_at: float | None = None  # first arrival on the review screen: a stable submitted_at


class StateError(ValueError):
    """The blob is missing, altered, expired or for another token."""


def _key(secret: str) -> bytes:
    return hmac.new(secret.encode(), b"sipas.pages.form-state.v1", hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign_state(state: FormState, secret: str) -> str:
    payload = msgspec.json.encode(
        {
            "t": state.token,
            "c": state.client_id,
            "l": state.lang,
            "s": state.screen,
            "a": state.answers,
            "b": state.started_at,
            "v": state.version,
            "r": state.receipt,
            "w": state.shown,
            "z": state.reviewed_at,
        }
    )
    body = _b64(zlib.compress(payload, 6))
    mac = _b64(hmac.new(_key(secret), body.encode("ascii"), hashlib.sha256).digest())
    return f"{body}.{mac}"


def load_state(blob: str | None, token: str, secret: str, now: float | None = None) -> FormState:
    if not blob or blob.count(".") != 1 or len(blob) > 200_000:
        raise StateError("missing or malformed form state")
    body, mac = blob.split(".")
    expected = _b64(hmac.new(_key(secret), body.encode("ascii"), hashlib.sha256).digest())
    if not hmac.compare_digest(mac, expected):
        raise StateError("form state signature does not match")
    try:
        raw = msgspec.json.decode(zlib.decompress(_unb64(body), bufsize=65536))
    except (ValueError, zlib.error, msgspec.DecodeError) as exc:
        raise StateError("form state cannot be read") from exc
    if raw.get("t") != token:
        raise StateError("form state belongs to another form")
    state = FormState(
        token=token,
        client_id=str(raw["c"]),
        lang="en" if raw.get("l") == "en" else "vi",
        screen=str(raw.get("s") or ""),
        answers=dict(raw.get("a") or {}),
        started_at=float(raw.get("b") or 0),
        version=str(raw.get("v") or ""),
        receipt=raw.get("r"),
        shown=list(raw.get("w") or []),
        reviewed_at=raw.get("z"),
    )
    if (now or time.time()) - state.started_at > MAX_AGE:
        raise StateError("form state expired")
    return state
