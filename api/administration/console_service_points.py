"""Console pages for service points: list with search, form, detail with QR codes, token rotation.

The role rules, addresses and words are those of :mod:`api.administration.console_agencies` (service
points live under ``/staff/agencies/points``; their strings are in that module's table).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from api.administration.console_agencies import (
    CODE_RE,
    LONG_CODE_RE,
    NAME_MAX,
    PAGE_SIZE,
    POINT_EDITORS,
    POINTS,
    READERS,
    AgencyFilter,
    Search,
    agency_choices,
    check_code,
    check_name,
    kind_options,
    point_row,
    problems_to_errors,
    services_of,
)
from api.services import Services
from api.web.console_base import (
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
from survey_engine.administration.agencies import SERVICE_POINT_KINDS
from survey_engine.errors import Conflict, InvalidInput


@get(POINTS, include_in_schema=False, name="console_points")
async def points_list(
    request: Request[Any, Any, Any],
    staff: NamedDependency[Staff],
    q: Search = None,
    agency: AgencyFilter = None,
    page_no: PageNo = None,
) -> Template:
    staff.need(*READERS)
    services = services_of(request)
    number = page_number(page_no)
    search = (q or "").strip()
    chosen = (agency or "").strip()
    listed = await services.service_points.list(
        staff.actor, PAGE_SIZE, (number - 1) * PAGE_SIZE, chosen or None, search or None
    )
    choices = await agency_choices(services, staff)
    return page(
        staff,
        "points.html",
        {
            "title": staff.t("ag_points_title"),
            "rows": [point_row(staff, p) for p in listed.items],
            "q": search,
            "agency": chosen,
            "agencies": choices,
            "filtered": bool(search or chosen),
            "pager": pager(POINTS, {"q": search, "agency": chosen}, number, listed.total, PAGE_SIZE),
        },
    )


def _point_values(raw: Any) -> dict[str, Any]:
    return {
        "code": text(raw, "code", 100),
        "agency": text(raw, "agency", 100),
        "name_vi": text(raw, "name_vi", NAME_MAX + 1),
        "name_en": text(raw, "name_en", NAME_MAX + 1),
        "kind": text(raw, "kind", 32),
        "active": raw.get("active") == "1",
    }


def _check_point(staff: Staff, values: Mapping[str, Any], creating: bool) -> dict[str, str]:
    errors: dict[str, str] = {}
    if creating:
        problem = check_code(staff, values["code"], LONG_CODE_RE, 48)
        if problem:
            errors["code"] = problem
    if not values["agency"]:
        errors["agency"] = staff.t("ag_err_choose")
    elif not CODE_RE.match(values["agency"]):
        errors["agency"] = staff.t("ag_err_no_agency", code=values["agency"])
    for name in ("name_vi", "name_en"):
        problem = check_name(staff, values[name])
        if problem:
            errors[name] = problem
    if values["kind"] not in SERVICE_POINT_KINDS:
        errors["kind"] = staff.t("ag_err_choose")
    return errors


async def _point_form(
    services: Services,
    staff: Staff,
    *,
    creating: bool,
    values: Mapping[str, Any],
    errors: Mapping[str, str] | None = None,
) -> Template:
    choices = await agency_choices(services, staff)
    options = None if choices is None else [("", staff.t("ag_choose")), *choices]
    return page(
        staff,
        "points_form.html",
        {
            "title": staff.t("ag_new_point") if creating else staff.t("ag_edit_point"),
            "creating": creating,
            "values": values,
            "errors": errors or {},
            "agencies": options,
            "kinds": kind_options(staff),
            "code_hint": staff.t("ag_code_hint", n=48),
            "action": f"{POINTS}/new" if creating else f"{POINTS}/{values['code']}/edit",
        },
        status=422 if errors else 200,
    )


@get(f"{POINTS}/new", include_in_schema=False, name="console_point_new")
async def point_new(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], agency: AgencyFilter = None
) -> Template:
    staff.need(*POINT_EDITORS)
    chosen = agency or (staff.actor.agency_code or "" if staff.actor.agency_scoped else "")
    values = {"code": "", "agency": chosen, "name_vi": "", "name_en": "", "kind": ""}
    return await _point_form(services_of(request), staff, creating=True, values=values)


@post(f"{POINTS}/new", include_in_schema=False, status_code=200, name="console_point_create")
async def point_create(request: Request[Any, Any, Any], staff: NamedDependency[Staff]) -> Template | Redirect:
    staff.need(*POINT_EDITORS)
    raw = await posted(request, staff)
    services = services_of(request)
    values = _point_values(raw)
    errors = _check_point(staff, values, creating=True)
    if not errors:
        data = {k: values[k] for k in ("code", "agency", "name_vi", "name_en", "kind")}
        try:
            await services.service_points.create(staff.actor, data)
        except InvalidInput as exc:
            errors = problems_to_errors(staff, exc, values)
        except Conflict:
            errors = {"code": staff.t("ag_err_point_taken")}
        else:
            return redirect(f"{POINTS}/{values['code']}", done="ag_point_created")
    return await _point_form(services, staff, creating=True, values=values, errors=errors)


@get(f"{POINTS}/{{code:str}}", include_in_schema=False, name="console_point")
async def point_detail(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], code: FromPath[str]
) -> Template:
    staff.need(*READERS)
    services = services_of(request)
    point = await services.service_points.get(staff.actor, code)  # NotFound (404 page) outside the scope
    agency = await services.agencies.get(staff.actor, point.agency)
    token = point.token
    api = f"/api/v1/service-points/{point.code}"
    channels = [
        {
            "key": "online",
            "title": staff.t("ag_online_channel"),
            "note": staff.t("ag_online_note"),
            "url": services.online_url(token),
            "png": f"{api}/qr.png?channel=online",
            "svg": f"{api}/qr.svg?channel=online",
            "poster": f"{api}/poster.pdf",
        },
        {
            "key": "kiosk",
            "title": staff.t("ag_kiosk_channel"),
            "note": staff.t("ag_kiosk_note"),
            "url": services.kiosk_url(token),
            "png": f"{api}/qr.png?channel=kiosk",
            "svg": f"{api}/qr.svg?channel=kiosk",
            "poster": f"{api}/poster.pdf",
        },
    ]
    return page(
        staff,
        "points_detail.html",
        {
            "title": label_of(staff, point),
            "point": point_row(staff, asdict(point)),
            "agency": agency,
            "agency_label": label_of(staff, agency),
            "channels": channels,
            "rotated": staff.query.get("done") == "ag_rotated",
        },
    )


@get(f"{POINTS}/{{code:str}}/edit", include_in_schema=False, name="console_point_edit")
async def point_edit(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], code: FromPath[str]
) -> Template:
    staff.need(*POINT_EDITORS)
    services = services_of(request)
    point = await services.service_points.get(staff.actor, code)
    return await _point_form(services, staff, creating=False, values=asdict(point))


@post(f"{POINTS}/{{code:str}}/edit", include_in_schema=False, status_code=200, name="console_point_update")
async def point_update(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], code: FromPath[str]
) -> Template | Redirect:
    staff.need(*POINT_EDITORS)
    raw = await posted(request, staff)
    services = services_of(request)
    await services.service_points.get(staff.actor, code)  # 404 page outside the actor's agency
    values = {**_point_values(raw), "code": code}
    errors = _check_point(staff, values, creating=False)
    if not errors:
        data = {k: values[k] for k in ("agency", "name_vi", "name_en", "kind", "active")}
        try:
            await services.service_points.update(staff.actor, code, data)
        except InvalidInput as exc:
            errors = problems_to_errors(staff, exc, values)
        else:
            return redirect(f"{POINTS}/{code}", done="ag_point_saved")
    return await _point_form(services, staff, creating=False, values=values, errors=errors)


@post(f"{POINTS}/{{code:str}}/rotate", include_in_schema=False, status_code=200, name="console_point_rotate")
async def point_rotate(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], code: FromPath[str]
) -> Redirect:
    staff.need(*POINT_EDITORS)
    await posted(request, staff)
    await services_of(request).service_points.rotate_token(staff.actor, code)
    return redirect(f"{POINTS}/{code}", done="ag_rotated")


HANDLERS: list[Any] = [
    points_list,
    point_new,
    point_create,
    point_detail,
    point_edit,
    point_update,
    point_rotate,
]
