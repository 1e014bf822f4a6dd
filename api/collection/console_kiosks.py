"""Console pages for kiosk devices: register a tablet (pairing link and QR shown once), list, revoke.

Role rules as ``/api/v1/kiosk-devices`` (:class:`api.collection.routes_submissions.KioskDeviceController`):
the
readers (admin, statistician, agency) see the list, an agency user only its own agency's devices;
administrators and agency users register and revoke, an agency user for its own service points only
(the service answers "not found" for another agency's point or device, shown as the 404 page).

The device token is never stored in clear: the page that answers the registration is the only place it
appears, inside the pairing address ``<kiosk URL>#device=<token>`` (the fragment never reaches the server;
the kiosk page keeps the token in the tablet's storage), as ``sipas demo`` and the API build it.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import urlencode

import anyio.to_thread
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from api.administration.console_agencies import PAGE_SIZE
from api.services import Services
from api.web.console_base import (
    ROOT,
    PageNo,
    Staff,
    label_of,
    page,
    page_number,
    pager,
    posted,
    redirect,
    text,
)
from api.web.routes_common import RowId
from reports.qr import qr_png
from survey_engine.errors import NotFound

BASE = f"{ROOT}/kiosks"
READERS = ("admin", "statistician", "agency")  # api.web.auth.READERS: the list
EDITORS = ("admin", "agency")  # api.web.auth.AGENCY_EDITORS: register and revoke
NAME_MAX = 100  # as KioskDeviceIn.name
POINT_CHOICES_MAX = 300  # beyond this many service points a code field replaces the drop-down list

PointFilter = Annotated[str | None, QueryParameter(max_length=48, description="service point code")]


def _services(request: Request[Any, Any, Any]) -> Services:
    services: Services = request.app.state.services
    return services


async def _point_labels(services: Services, staff: Staff, codes: list[str]) -> dict[str, str]:
    """Names of the listed devices' service points, in the page language (one query per page)."""
    names = await services.service_points.names(codes)
    return {code: name.label(staff.lang) for code, name in names.items()}


async def _point_choices(services: Services, staff: Staff) -> list[tuple[str, str]] | None:
    """(code, label) of the service points the actor may register for; None when too many for a list."""
    listed = await services.service_points.list(staff.actor, POINT_CHOICES_MAX + 1, 0)
    if listed.total > POINT_CHOICES_MAX:
        return None
    return [(str(p["code"]), f"{p['code']} · {label_of(staff, p)}") for p in listed.items]


@get(BASE, include_in_schema=False, name="console_kiosks")
async def kiosks_list(
    request: Request[Any, Any, Any],
    staff: NamedDependency[Staff],
    point: PointFilter = None,
    page_no: PageNo = None,
) -> Template:
    staff.need(*READERS)
    services = _services(request)
    number = page_number(page_no)
    chosen = (point or "").strip()
    listed = await services.kiosks.list(staff.actor, PAGE_SIZE, (number - 1) * PAGE_SIZE, chosen or None)
    labels = await _point_labels(services, staff, sorted({str(d["service_point"]) for d in listed.items}))
    rows = [{**d, "point_label": labels.get(str(d["service_point"]), "")} for d in listed.items]
    return page(
        staff,
        "kiosks.html",
        {
            "title": staff.t("kiosk_title"),
            "rows": rows,
            "point": chosen,
            "points": await _point_choices(services, staff),
            "pager": pager(BASE, {"point": chosen}, number, listed.total, PAGE_SIZE),
        },
    )


async def _register_form(
    services: Services, staff: Staff, values: Mapping[str, str], errors: Mapping[str, str] | None = None
) -> Template:
    choices = await _point_choices(services, staff)
    options = None if choices is None else [("", staff.t("ag_choose")), *choices]
    return page(
        staff,
        "kiosks_form.html",
        {
            "title": staff.t("kiosk_register_title"),
            "values": values,
            "errors": errors or {},
            "points": options,
        },
        status=422 if errors else 200,
    )


@get(f"{BASE}/new", include_in_schema=False, name="console_kiosk_new")
async def kiosk_new(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], point: PointFilter = None
) -> Template:
    staff.need(*EDITORS)
    return await _register_form(_services(request), staff, {"service_point": point or "", "name": ""})


@post(f"{BASE}/new", include_in_schema=False, status_code=200, name="console_kiosk_register")
async def kiosk_register(request: Request[Any, Any, Any], staff: NamedDependency[Staff]) -> Template:
    """Register, then answer with the pairing page itself: the token must not travel in a redirect."""
    staff.need(*EDITORS)
    raw = await posted(request, staff)
    services = _services(request)
    values = {"service_point": text(raw, "service_point", 100), "name": text(raw, "name", NAME_MAX + 1)}
    errors: dict[str, str] = {}
    if not values["name"]:
        errors["name"] = staff.t("kiosk_err_name")
    elif len(values["name"]) > NAME_MAX:
        errors["name"] = staff.t("kiosk_err_name_long", n=NAME_MAX)
    if not values["service_point"]:
        errors["service_point"] = staff.t("kiosk_err_point")
    elif len(values["service_point"]) > 48:
        errors["service_point"] = staff.t("kiosk_err_no_point", code=values["service_point"])
    if errors:
        return await _register_form(services, staff, values, errors)
    try:
        row, token = await services.kiosks.register(staff.actor, values["service_point"], values["name"])
    except NotFound:
        if staff.actor.agency_scoped:
            raise  # another agency's point: the same 404 page as everywhere else
        errors["service_point"] = staff.t("kiosk_err_no_point", code=values["service_point"])
        return await _register_form(services, staff, values, errors)
    # The API's pairing_url, as `sipas demo` builds it: the kiosk URL with the token in the fragment.
    pairing_url = f"{services.kiosk_url(row.service_point_token)}#device={token}"
    png = await anyio.to_thread.run_sync(qr_png, pairing_url)  # CPU work off the event loop
    return page(
        staff,
        "kiosks_paired.html",
        {
            "title": staff.t("kiosk_paired_title"),
            "device": row,
            "pairing_url": pairing_url,
            "qr_data": "data:image/png;base64," + base64.b64encode(png).decode("ascii"),
        },
    )


@post(
    f"{BASE}/{{device_id:int}}/revoke", include_in_schema=False, status_code=200, name="console_kiosk_revoke"
)
async def kiosk_revoke(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], device_id: RowId
) -> Redirect:
    staff.need(*EDITORS)
    raw = await posted(request, staff)
    services = _services(request)
    row = await services.kiosks.revoke(staff.actor, device_id)  # NotFound (404 page) outside the scope
    services.submissions.forget()  # as the API: drop cached device lookups so the revocation bites at once
    back = str(raw.get("point") or "")
    target = f"{BASE}?{urlencode({'point': back})}" if back and back == row.service_point else BASE
    return redirect(target, done="kiosk_revoked")


HANDLERS: list[Any] = [kiosks_list, kiosk_new, kiosk_register, kiosk_revoke]
