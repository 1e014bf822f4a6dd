"""Console pages for agencies and service points: lists with search, forms, QR codes, token rotation.

The role rules are those of the JSON API (:mod:`api.administration.routes_agencies`,
:mod:`api.collection.routes_qr`):
everyone who reads (admin, statistician, agency) sees the lists and details, an agency user only its own
agency; only an administrator creates or changes agencies; administrators and agency users create, change
and rotate service points (the service keeps an agency user inside its agency). QR images, SVG files and
posters are served by the existing API download routes, which accept the same session cookie.

Addresses: everything lives under ``/staff/agencies`` so the menu marks the section as current. The words
``new`` and ``points`` are therefore addresses of the console, not agency or service point codes; the
console refuses to create objects with those codes (the API may still do so: their detail pages are then
shadowed by the console's own pages, which is why the create forms say so).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template
from piccolo.query.functions.aggregate import Count

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
from survey_engine.administration.agencies import AGENCY_LEVELS, SERVICE_POINT_KINDS
from survey_engine.errors import Conflict, InvalidInput
from survey_engine.tables import AdminUnit, ServicePoint

BASE = f"{ROOT}/agencies"
POINTS = f"{BASE}/points"
PAGE_SIZE = 25
AGENCY_CHOICES_MAX = 500  # beyond this many agencies a code field replaces the drop-down list
RESERVED = frozenset({"new", "points"})  # console addresses under /staff/agencies, never codes
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")  # as api.web.schemas.Code
LONG_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,47}$")  # as api.web.schemas.LongCode
NAME_MAX = 300
UNIT_VERSION_MAX = 32
READERS = ("admin", "statistician", "agency")
POINT_EDITORS = ("admin", "agency")  # api.web.auth.AGENCY_EDITORS

Search = Annotated[str | None, QueryParameter(max_length=100, description="part of a code or name")]
AgencyFilter = Annotated[str | None, QueryParameter(max_length=32, description="agency code")]


# -- small helpers ------------------------------------------------------------------------------------


def _services(request: Request[Any, Any, Any]) -> Services:
    services: Services = request.app.state.services
    return services


def _check_code(staff: Staff, value: str, pattern: re.Pattern[str], limit: int) -> str | None:
    if not value:
        return staff.t("ag_err_required")
    if not pattern.match(value):
        return staff.t("ag_err_code", n=limit)
    if value.lower() in RESERVED:
        return staff.t("ag_err_reserved", code=value)
    return None


def _check_name(staff: Staff, value: str) -> str | None:
    if not value:
        return staff.t("ag_err_required")
    if len(value) > NAME_MAX:
        return staff.t("ag_err_long", n=NAME_MAX)
    return None


def problems_to_errors(staff: Staff, exc: InvalidInput, values: Mapping[str, Any]) -> dict[str, str]:
    """The service's (English) field problems as Vietnamese/English messages keyed by form field."""
    errors: dict[str, str] = {}
    for problem in exc.problems:
        name = problem.field
        if name in ("parent", "agency"):
            errors[name] = (
                staff.t("ag_err_self_parent")
                if "itself" in problem.message
                else staff.t("ag_err_no_agency", code=values.get(name, ""))
            )
        elif name == "unit":
            errors[name] = staff.t("ag_err_no_unit", code=values.get("unit", ""))
        elif name in ("level", "kind"):
            errors[name] = staff.t("ag_err_choose")
        else:
            errors[name or "code"] = staff.t("ag_err_invalid")
    if not errors:
        errors["code"] = staff.t("ag_err_invalid")
    return errors


async def agency_choices(services: Services, staff: Staff) -> list[tuple[str, str]] | None:
    """(code, label) of the agencies the actor may pick, or None when there are too many for a list."""
    listed = await services.agencies.list(staff.actor, AGENCY_CHOICES_MAX + 1, 0)
    if listed.total > AGENCY_CHOICES_MAX:
        return None
    return [(str(a["code"]), f"{a['code']} · {label_of(staff, a)}") for a in listed.items]


def level_options(staff: Staff) -> list[tuple[str, str]]:
    return [("", staff.t("ag_choose"))] + [(lv, staff.t(f"ag_level_{lv}")) for lv in AGENCY_LEVELS]


def kind_options(staff: Staff) -> list[tuple[str, str]]:
    return [("", staff.t("ag_choose"))] + [(k, staff.t(f"ag_kind_{k}")) for k in SERVICE_POINT_KINDS]


def kind_label(staff: Staff, kind: object) -> str:
    key = f"ag_kind_{kind}"
    return staff.t(key) if kind in SERVICE_POINT_KINDS else str(kind)


# -- agencies -----------------------------------------------------------------------------------------


@get(BASE, include_in_schema=False, name="console_agencies")
async def agencies_list(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], q: Search = None, page_no: PageNo = None
) -> Template:
    staff.need(*READERS)
    services = _services(request)
    number = page_number(page_no)
    search = (q or "").strip()
    listed = await services.agencies.list(staff.actor, PAGE_SIZE, (number - 1) * PAGE_SIZE, search or None)
    counts = await _point_counts([str(a["code"]) for a in listed.items])
    rows = [
        {
            **a,
            "label": label_of(staff, a),
            "level_label": _level_label(staff, a),
            "points": counts.get(str(a["code"]), 0),
        }
        for a in listed.items
    ]
    return page(
        staff,
        "agencies.html",
        {
            "title": staff.t("ag_agencies_title"),
            "rows": rows,
            "q": search,
            "pager": pager(BASE, {"q": search}, number, listed.total, PAGE_SIZE),
        },
    )


async def _point_counts(codes: list[str]) -> dict[str, int]:
    """Service points per listed agency, in one grouped query (the page's agencies are already scoped)."""
    if not codes:
        return {}
    rows = (
        await ServicePoint.select(ServicePoint.agency.code.as_alias("agency"), Count(alias="n"))
        .where(ServicePoint.agency.code.is_in(codes))
        .group_by(ServicePoint.agency.code)
    )
    return {str(r["agency"]): int(r["n"]) for r in rows}


def _level_label(staff: Staff, row: Mapping[str, Any]) -> str:
    level = row.get("level")
    return staff.t(f"ag_level_{level}") if level in AGENCY_LEVELS else str(level or "")


def _agency_form(
    staff: Staff,
    *,
    creating: bool,
    values: Mapping[str, Any],
    errors: Mapping[str, str] | None = None,
    parents: list[tuple[str, str]] | None = None,
) -> Template:
    title = staff.t("ag_new_agency") if creating else staff.t("ag_edit_agency")
    return page(
        staff,
        "agencies_form.html",
        {
            "title": title,
            "creating": creating,
            "values": values,
            "errors": errors or {},
            "levels": level_options(staff),
            "parents": parents or [],
            "code_hint": staff.t("ag_code_hint", n=32),
            "action": f"{BASE}/new" if creating else f"{BASE}/{values['code']}/edit",
        },
        status=422 if errors else 200,
    )


async def _parent_codes(services: Services, staff: Staff, own: str | None = None) -> list[tuple[str, str]]:
    """Suggestions for the parent field (a datalist), without the agency itself."""
    choices = await agency_choices(services, staff) or []
    return [(code, label) for code, label in choices if code != own]


def _agency_values(raw: Any) -> dict[str, Any]:
    return {
        "code": text(raw, "code", 100),
        "name_vi": text(raw, "name_vi", NAME_MAX + 1),
        "name_en": text(raw, "name_en", NAME_MAX + 1),
        "level": text(raw, "level", 32),
        "parent": text(raw, "parent", 100),
        "unit": text(raw, "unit", 100),
        "unit_version": text(raw, "unit_version", 100),
        "active": raw.get("active") == "1",
    }


def _check_agency(staff: Staff, values: Mapping[str, Any], creating: bool) -> dict[str, str]:
    errors: dict[str, str] = {}
    if creating:
        problem = _check_code(staff, values["code"], CODE_RE, 32)
        if problem:
            errors["code"] = problem
    for name in ("name_vi", "name_en"):
        problem = _check_name(staff, values[name])
        if problem:
            errors[name] = problem
    if values["level"] not in AGENCY_LEVELS:
        errors["level"] = staff.t("ag_err_choose")
    if values["parent"]:
        if not CODE_RE.match(values["parent"]):
            errors["parent"] = staff.t("ag_err_no_agency", code=values["parent"])
        elif values["parent"] == values["code"]:
            errors["parent"] = staff.t("ag_err_self_parent")
    if values["unit"] and not CODE_RE.match(values["unit"]):
        errors["unit"] = staff.t("ag_err_no_unit", code=values["unit"])
    if len(values["unit_version"]) > UNIT_VERSION_MAX:
        errors["unit_version"] = staff.t("ag_err_long", n=UNIT_VERSION_MAX)
    return errors


@get(f"{BASE}/new", include_in_schema=False, name="console_agency_new")
async def agency_new(request: Request[Any, Any, Any], staff: NamedDependency[Staff]) -> Template:
    staff.need("admin")
    values = {
        "code": "",
        "name_vi": "",
        "name_en": "",
        "level": "",
        "parent": "",
        "unit": "",
        "unit_version": "",
    }
    return _agency_form(
        staff, creating=True, values=values, parents=await _parent_codes(_services(request), staff)
    )


@post(f"{BASE}/new", include_in_schema=False, status_code=200, name="console_agency_create")
async def agency_create(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff]
) -> Template | Redirect:
    staff.need("admin")
    raw = await posted(request, staff)
    services = _services(request)
    values = _agency_values(raw)
    errors = _check_agency(staff, values, creating=True)
    if not errors:
        data = {
            "code": values["code"],
            "name_vi": values["name_vi"],
            "name_en": values["name_en"],
            "level": values["level"],
            "parent": values["parent"] or None,
            "unit": values["unit"] or None,
            "unit_version": values["unit_version"] or None,
        }
        try:
            await services.agencies.create(staff.actor, data)
        except InvalidInput as exc:
            errors = problems_to_errors(staff, exc, values)
        except Conflict:
            errors = {"code": staff.t("ag_err_agency_taken")}
        else:
            return redirect(f"{BASE}/{values['code']}", done="ag_agency_created")
    parents = await _parent_codes(services, staff)
    return _agency_form(staff, creating=True, values=values, errors=errors, parents=parents)


@get(f"{BASE}/{{code:str}}", include_in_schema=False, name="console_agency")
async def agency_detail(
    request: Request[Any, Any, Any],
    staff: NamedDependency[Staff],
    code: FromPath[str],
    page_no: PageNo = None,
) -> Template:
    staff.need(*READERS)
    services = _services(request)
    agency = await services.agencies.get(staff.actor, code)  # NotFound (404 page) outside the scope
    number = page_number(page_no)
    points = await services.service_points.list(
        staff.actor, PAGE_SIZE, (number - 1) * PAGE_SIZE, agency=str(agency["code"])
    )
    unit_name = await _unit_name(agency)
    parent_label = ""
    if agency.get("parent") and not staff.actor.agency_scoped:
        parent = await services.agencies.get(staff.actor, str(agency["parent"]))
        parent_label = label_of(staff, parent)
    return page(
        staff,
        "agencies_detail.html",
        {
            "title": label_of(staff, agency),
            "agency": agency,
            "level_label": _level_label(staff, agency),
            "unit_name": unit_name,
            "parent_label": parent_label,
            "points": [_point_row(staff, p) for p in points.items],
            "pager": pager(f"{BASE}/{agency['code']}", {}, number, points.total, PAGE_SIZE),
        },
    )


async def _unit_name(agency: Mapping[str, Any]) -> str:
    if not agency.get("unit"):
        return ""
    query = AdminUnit.select(AdminUnit.name_vi).where(AdminUnit.code == agency["unit"])
    if agency.get("unit_version"):
        query = query.where(AdminUnit.unit_version == agency["unit_version"])
    row = await query.first()
    return str(row["name_vi"]) if row else ""


@get(f"{BASE}/{{code:str}}/edit", include_in_schema=False, name="console_agency_edit")
async def agency_edit(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], code: FromPath[str]
) -> Template:
    staff.need("admin")
    services = _services(request)
    agency = await services.agencies.get(staff.actor, code)
    values = {k: ("" if v is None else v) for k, v in agency.items()}
    return _agency_form(
        staff, creating=False, values=values, parents=await _parent_codes(services, staff, code)
    )


@post(f"{BASE}/{{code:str}}/edit", include_in_schema=False, status_code=200, name="console_agency_update")
async def agency_update(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], code: FromPath[str]
) -> Template | Redirect:
    staff.need("admin")
    raw = await posted(request, staff)
    services = _services(request)
    await services.agencies.get(staff.actor, code)  # 404 page for an unknown code before any check
    values = {**_agency_values(raw), "code": code}
    errors = _check_agency(staff, values, creating=False)
    if not errors:
        data = {
            "name_vi": values["name_vi"],
            "name_en": values["name_en"],
            "level": values["level"],
            "parent": values["parent"] or None,
            "unit": values["unit"] or None,
            "unit_version": values["unit_version"] or None,
            "active": values["active"],
        }
        try:
            await services.agencies.update(staff.actor, code, data)
        except InvalidInput as exc:
            errors = problems_to_errors(staff, exc, values)
        else:
            return redirect(f"{BASE}/{code}", done="ag_agency_saved")
    parents = await _parent_codes(services, staff, code)
    return _agency_form(staff, creating=False, values=values, errors=errors, parents=parents)


# -- service points -----------------------------------------------------------------------------------


def _point_row(staff: Staff, row: Mapping[str, Any]) -> dict[str, Any]:
    return {**row, "label": label_of(staff, row), "kind_label": kind_label(staff, row.get("kind"))}


@get(POINTS, include_in_schema=False, name="console_points")
async def points_list(
    request: Request[Any, Any, Any],
    staff: NamedDependency[Staff],
    q: Search = None,
    agency: AgencyFilter = None,
    page_no: PageNo = None,
) -> Template:
    staff.need(*READERS)
    services = _services(request)
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
            "rows": [_point_row(staff, p) for p in listed.items],
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
        problem = _check_code(staff, values["code"], LONG_CODE_RE, 48)
        if problem:
            errors["code"] = problem
    if not values["agency"]:
        errors["agency"] = staff.t("ag_err_choose")
    elif not CODE_RE.match(values["agency"]):
        errors["agency"] = staff.t("ag_err_no_agency", code=values["agency"])
    for name in ("name_vi", "name_en"):
        problem = _check_name(staff, values[name])
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
    return await _point_form(_services(request), staff, creating=True, values=values)


@post(f"{POINTS}/new", include_in_schema=False, status_code=200, name="console_point_create")
async def point_create(request: Request[Any, Any, Any], staff: NamedDependency[Staff]) -> Template | Redirect:
    staff.need(*POINT_EDITORS)
    raw = await posted(request, staff)
    services = _services(request)
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
    services = _services(request)
    point = await services.service_points.get(staff.actor, code)  # NotFound (404 page) outside the scope
    agency = await services.agencies.get(staff.actor, str(point["agency"]))
    token = str(point["token"])
    api = f"/api/v1/service-points/{point['code']}"
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
            "point": _point_row(staff, point),
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
    services = _services(request)
    point = await services.service_points.get(staff.actor, code)
    return await _point_form(services, staff, creating=False, values=point)


@post(f"{POINTS}/{{code:str}}/edit", include_in_schema=False, status_code=200, name="console_point_update")
async def point_update(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], code: FromPath[str]
) -> Template | Redirect:
    staff.need(*POINT_EDITORS)
    raw = await posted(request, staff)
    services = _services(request)
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
    await _services(request).service_points.rotate_token(staff.actor, code)
    return redirect(f"{POINTS}/{code}", done="ag_rotated")


HANDLERS: list[Any] = [
    agencies_list,
    agency_new,
    agency_create,
    agency_detail,
    agency_edit,
    agency_update,
    points_list,
    point_new,
    point_create,
    point_detail,
    point_edit,
    point_update,
    point_rotate,
]
