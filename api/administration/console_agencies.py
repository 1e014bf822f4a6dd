"""Console pages for agencies (lists with search, forms), and what the service point pages
(:mod:`api.administration.console_service_points`: QR codes, token rotation) share with them: the
section's string table, checks and choices.

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
from dataclasses import asdict
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from api.administration.console_users import province_options
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
from survey_engine.administration.agency_successions import AgencyLink
from survey_engine.errors import Conflict, InvalidInput

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


def services_of(request: Request[Any, Any, Any]) -> Services:
    services: Services = request.app.state.services
    return services


def check_code(staff: Staff, value: str, pattern: re.Pattern[str], limit: int) -> str | None:
    if not value:
        return staff.t("ag_err_required")
    if not pattern.match(value):
        return staff.t("ag_err_code", n=limit)
    if value.lower() in RESERVED:
        return staff.t("ag_err_reserved", code=value)
    return None


def check_name(staff: Staff, value: str) -> str | None:
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
    request: Request[Any, Any, Any],
    staff: NamedDependency[Staff],
    q: Search = None,
    page_no: PageNo = None,
    province: Annotated[str | None, QueryParameter(max_length=32, description="province")] = None,
) -> Template:
    staff.need(*READERS)
    services = services_of(request)
    number = page_number(page_no)
    search = (q or "").strip()
    provinces = (await province_options(request, staff))[1:]  # national accounts: a column and a filter
    province = province if province and (province, province) in provinces else None
    listed = await services.agencies.list(
        staff.actor, PAGE_SIZE, (number - 1) * PAGE_SIZE, search or None, province
    )
    counts = await services.service_points.counts_by_agency([str(a["code"]) for a in listed.items])
    rows = [
        {
            **a,
            "label": label_of(staff, a),
            "level_label": level_label(staff, a),
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
            "provinces": provinces,
            "province": province or "",
            "pager": pager(BASE, {"q": search, "province": province}, number, listed.total, PAGE_SIZE),
        },
    )


def level_label(staff: Staff, row: Mapping[str, Any]) -> str:
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
        problem = check_code(staff, values["code"], CODE_RE, 32)
        if problem:
            errors["code"] = problem
    for name in ("name_vi", "name_en"):
        problem = check_name(staff, values[name])
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
        staff, creating=True, values=values, parents=await _parent_codes(services_of(request), staff)
    )


@post(f"{BASE}/new", include_in_schema=False, status_code=200, name="console_agency_create")
async def agency_create(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff]
) -> Template | Redirect:
    staff.need("admin")
    raw = await posted(request, staff)
    services = services_of(request)
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
    services = services_of(request)
    agency = await services.agencies.get(staff.actor, code)  # NotFound (404 page) outside the scope
    number = page_number(page_no)
    points = await services.service_points.list(
        staff.actor, PAGE_SIZE, (number - 1) * PAGE_SIZE, agency=agency.code
    )
    unit_name = await services.admin_units.name(agency.unit, agency.unit_version)
    parent_label = ""
    if agency.parent and not staff.actor.agency_scoped:
        parent = await services.agencies.get(staff.actor, agency.parent)
        parent_label = label_of(staff, parent)
    before = await services.agency_successions.predecessors(staff.actor, agency.code)
    after = await services.agency_successions.successors(staff.actor, agency.code)
    return page(
        staff,
        "agencies_detail.html",
        {
            "title": label_of(staff, agency),
            "predecessors": succession_rows(staff, before, "predecessor"),
            "successors": succession_rows(staff, after, "successor"),
            "agency": agency,
            "level_label": level_label(staff, asdict(agency)),
            "unit_name": unit_name,
            "parent_label": parent_label,
            "points": [point_row(staff, p) for p in points.items],
            "pager": pager(f"{BASE}/{agency.code}", {}, number, points.total, PAGE_SIZE),
        },
    )


@get(f"{BASE}/{{code:str}}/edit", include_in_schema=False, name="console_agency_edit")
async def agency_edit(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], code: FromPath[str]
) -> Template:
    staff.need("admin")
    services = services_of(request)
    agency = await services.agencies.get(staff.actor, code)
    values = {k: ("" if v is None else v) for k, v in asdict(agency).items()}
    return _agency_form(
        staff, creating=False, values=values, parents=await _parent_codes(services, staff, code)
    )


@post(f"{BASE}/{{code:str}}/edit", include_in_schema=False, status_code=200, name="console_agency_update")
async def agency_update(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], code: FromPath[str]
) -> Template | Redirect:
    staff.need("admin")
    raw = await posted(request, staff)
    services = services_of(request)
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


def succession_rows(staff: Staff, links: list[AgencyLink], other: str) -> list[dict[str, Any]]:
    """The rows the agency page lists: the agency at the ``other`` end (predecessor or successor) with its
    name, unit and map version, and the share."""
    rows = []
    for link in links:
        agency = getattr(link, other)
        rows.append(
            {
                "code": agency.code,
                "label": agency.name_en if staff.lang == "en" and agency.name_en else agency.name_vi,
                "unit": agency.unit or "",
                "unit_version": agency.unit_version or "",
                "share": share_text(link.population_share, staff.lang),
            }
        )
    return rows


def share_text(share: float, lang: str) -> str:
    text = f"{share:.4g}"
    return text.replace(".", ",") if lang == "vi" else text


def point_row(staff: Staff, row: Mapping[str, Any]) -> dict[str, Any]:
    """A service point as its rows in the agency page and the points list show it."""
    return {**row, "label": label_of(staff, row), "kind_label": kind_label(staff, row.get("kind"))}


HANDLERS: list[Any] = [
    agencies_list,
    agency_new,
    agency_create,
    agency_detail,
    agency_edit,
    agency_update,
]
