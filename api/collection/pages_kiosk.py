"""The kiosk page ``/k/{token}``: a tablet at a service centre, rendered client-side.

The questionnaire definition is embedded in the page (one request instead of two) as an inert JSON
data block; ``/static/kiosk.js`` renders it, queues submissions in ``localStorage`` and posts them
to ``POST /api/v1/submissions`` with the device token from the pairing URL's fragment.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get
from litestar.params import PathParameter, QueryParameter
from litestar.response import Template

from api.web.i18n import KIOSK, texts
from api.web.pages_common import PAGE_HEADERS, FormUnavailable, lang_of, load_form, message_page

Token = Annotated[str, PathParameter(max_length=64, description="the service point's public token")]
Lang = Annotated[str | None, QueryParameter(max_length=2)]
Seconds = Annotated[int | None, QueryParameter(ge=1, le=3600)]

DEFAULT_IDLE = 90  # seconds without a touch before a half-finished form is abandoned
DEFAULT_RESET = 8  # seconds the thank-you screen stays up
IDLE_BOUNDS = (3, 600)
RESET_BOUNDS = (2, 60)


def _bounded(value: int | None, default: int, bounds: tuple[int, int]) -> int:
    return default if value is None else max(bounds[0], min(bounds[1], value))


@get("/k/{token:str}", include_in_schema=False, name="kiosk_page")
async def kiosk_page(
    request: Request[Any, Any, Any],
    token: Token,
    lang: Lang = None,
    idle: Seconds = None,
    reset: Seconds = None,
) -> Template:
    lang = lang_of(lang)
    try:
        form, q = await load_form(token)
    except FormUnavailable as exc:
        return message_page(exc.kind, lang, exc.status, kiosk=True)
    settings = form["wave_settings"]
    definition = form["definition"]
    config = {
        "token": token,
        "version": form["version"],
        "lang": lang,
        "idle": _bounded(idle, DEFAULT_IDLE, IDLE_BOUNDS),
        "reset": _bounded(reset, DEFAULT_RESET, RESET_BOUNDS),
        "idle_policy": "keep" if settings.get("kiosk_idle") == "keep" else "discard",
        "agency": form["agency_name"],
        "point": form["service_point_name"],
        "strings": texts(KIOSK),
        "definition": {
            k: definition[k]
            for k in ("title", "sections", "items", "scales", "dont_know_label")
            if k in definition
        },
    }
    if "dont_know_label" not in config["definition"]:
        config["definition"]["dont_know_label"] = {"vi": q.dont_know_label.vi, "en": q.dont_know_label.en}
    return Template(
        template_name="kiosk.html",
        context={"lang": lang, "config": config, "title": q.title.get(lang)},
        headers=PAGE_HEADERS,
    )


KIOSK_HANDLERS = [kiosk_page]
