"""Shared helpers of the page handlers: the form lookup, message pages, security headers."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request
from litestar.response import Template

from api.services import services_of
from api.web.i18n import PAGE, translator
from survey_engine.collection.forms import form_for_token
from survey_engine.errors import Conflict, NotFound
from survey_engine.questionnaire import Questionnaire, load_definition

# Pages use only same-origin resources; nothing inline is executed (JSON data blocks are inert).
# Sent on every response (api.app adds those a response lacks); public pages kept ready carry them.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}

PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
}

_PARSED: dict[tuple[str, int], Questionnaire] = {}  # published versions are immutable: parse each once


class FormUnavailable(Exception):
    """The token is unknown (404) or its wave is closed (410): render a message page."""

    def __init__(self, status: int, kind: str) -> None:
        super().__init__(kind)
        self.status = status
        self.kind = kind


async def load_form(token: str) -> tuple[dict[str, Any], Questionnaire]:
    try:
        form = await form_for_token(token)
    except NotFound as exc:
        raise FormUnavailable(404, "not_found") from exc
    except Conflict as exc:
        raise FormUnavailable(410, "closed") from exc
    key = (form.version, form.questionnaire_version_id)
    q = _PARSED.get(key)
    if q is None:
        q = load_definition(msgspec.json.encode(form.definition))
        if len(_PARSED) > 64:
            _PARSED.clear()
        _PARSED[key] = q
    # The pages (online, kiosk, phone interview) still read the form as a mapping with the same keys:
    # a shallow copy of the record's fields, nothing re-encoded.
    return dict(vars(form)), q


def lang_of(value: str | None) -> str:
    return "en" if value == "en" else "vi"


def message_page(
    kind: str, lang: str, status: int, form: dict[str, Any] | None = None, kiosk: bool = False
) -> Template:
    t = translator(lang, PAGE)
    return Template(
        template_name="message.html",
        context={
            "lang": lang,
            "t": t,
            "kind": kind,
            "title": t(f"{kind}_title"),
            "body": t(f"{kind}_body"),
            "form": form,
            "kiosk": kiosk,
            "agency": (form["agency_name"].get(lang) or form["agency_name"]["vi"]) if form else "",
            "point": (form["service_point_name"].get(lang) or form["service_point_name"]["vi"])
            if form
            else "",
        },
        status_code=status,
        headers=PAGE_HEADERS,
    )


def secret_of(request: Request[Any, Any, Any]) -> str:
    return str(services_of(request).settings.secret_key)
