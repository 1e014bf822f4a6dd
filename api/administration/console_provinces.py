"""Console page of the deployment's tenant provinces: every administrator sees the provinces it works in
(a province administrator its own); the deployment's administrator (no province) adds and renames them."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from api.services import services_of
from api.web.console_base import ROOT, PageForbidden, Staff, page, posted, redirect
from survey_engine.errors import Conflict, InvalidInput

PROVINCES = f"{ROOT}/provinces"


def _national(staff: Staff) -> bool:
    return staff.role == "admin" and not staff.actor.province_scoped


async def _provinces_page(
    request: Request[Any, Any, Any],
    staff: Staff,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> Template:
    listed = await services_of(request).provinces.list(staff.actor, 1000, 0)
    return page(
        staff,
        "provinces.html",
        {
            "title": staff.t("pv_title"),
            "provinces": listed.items,
            "may_manage": _national(staff),
            "form": form or {"code": "", "name_vi": "", "name_en": "", "unit_code": ""},
            "errors": errors or {},
        },
        status=422 if errors else 200,
    )


@get(PROVINCES, include_in_schema=False, name="console_provinces")
async def provinces(request: Request[Any, Any, Any], staff: NamedDependency[Staff]) -> Template:
    staff.need("admin")
    return await _provinces_page(request, staff)


def _form(raw: Any, *names: str) -> dict[str, str]:
    return {name: str(raw.get(name) or "").strip()[:200] for name in names}


def _errors(staff: Staff, exc: InvalidInput) -> dict[str, str]:
    return {p.field: staff.t("pv_err_required") if p.code == "required" else p.message for p in exc.problems}


@post(PROVINCES, include_in_schema=False, status_code=200, name="console_provinces_create")
async def create_province(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff]
) -> Template | Redirect:
    staff.need("admin")
    if not _national(staff):
        raise PageForbidden(staff.role)
    form = _form(await posted(request, staff), "code", "name_vi", "name_en", "unit_code")
    values: dict[str, object] = {**form, "unit_code": form["unit_code"] or None}
    try:
        await services_of(request).provinces.create(staff.actor, values)
    except InvalidInput as exc:
        return await _provinces_page(request, staff, form, _errors(staff, exc))
    except Conflict:
        return await _provinces_page(request, staff, form, {"code": staff.t("pv_exists")})
    return redirect(PROVINCES, done="pv_created")


@post(f"{PROVINCES}/{{code:str}}", include_in_schema=False, status_code=200, name="console_province_save")
async def save_province(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], code: FromPath[str]
) -> Template | Redirect:
    staff.need("admin")
    if not _national(staff):
        raise PageForbidden(staff.role)
    raw = await posted(request, staff)
    form = _form(raw, "name_vi", "name_en")
    values: dict[str, object] = {**form, "active": raw.get("active") == "1"}
    try:
        await services_of(request).provinces.update(staff.actor, code, values)
    except InvalidInput as exc:
        return await _provinces_page(request, staff, None, _errors(staff, exc))
    return redirect(PROVINCES, done="pv_saved")


HANDLERS: list[Any] = [provinces, create_province, save_province]
