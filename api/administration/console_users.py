"""Console pages for administrators: staff accounts and roles, and the audit log."""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from api.services import services_of
from api.web.console_base import (
    ROOT,
    PageForbidden,
    PageNo,
    Staff,
    page,
    page_number,
    pager,
    posted,
    redirect,
    vn_time,
)
from api.web.routes_common import RowId
from survey_engine import audit
from survey_engine.actors import ROLES
from survey_engine.errors import Conflict, InvalidInput

PAGE_SIZE = 50
RoleFilter = Annotated[str | None, QueryParameter(max_length=16, description="role")]
ProvinceFilter = Annotated[str | None, QueryParameter(max_length=32, description="province")]
TypeFilter = Annotated[str | None, QueryParameter(max_length=32, description="object type")]


def _role_options(staff: Staff) -> list[tuple[str, str]]:
    return [(role, staff.t(f"role_{role}")) for role in ROLES]


async def _agency_options(request: Request[Any, Any, Any], staff: Staff) -> list[tuple[str, str]]:
    listed = await services_of(request).agencies.list(staff.actor, 1000, 0, None)
    name = "name_en" if staff.lang == "en" else "name_vi"
    options = [("", staff.t("us_no_agency"))]
    options += [(str(a["code"]), f"{a['code']} – {a.get(name) or a['name_vi']}") for a in listed.items]
    return options


async def province_options(request: Request[Any, Any, Any], staff: Staff) -> list[tuple[str, str]]:
    """The province choices of a national account's forms and filters, "national" first; none for a
    province account (its objects go to its own province)."""
    if staff.actor.province_scoped:
        return []
    codes = await services_of(request).provinces.codes(staff.actor)
    return [("", staff.t("pv_national"))] + [(code, code) for code in codes]


def _field_errors(staff: Staff, exc: InvalidInput) -> dict[str, str]:
    """The service's per-field problems (English, for the API) as the page's own messages."""
    known = {
        "email": "us_bad_email",
        "role": "us_bad_role",
    }
    out: dict[str, str] = {}
    for problem in exc.problems:
        if problem.field == "agency":
            out["agency"] = staff.t("us_need_agency" if "required" in problem.message else "us_agency_only")
        elif problem.field in known:
            out[problem.field] = staff.t(known[problem.field])
        else:
            out[problem.field] = problem.message
    return out


async def _users_page(
    request: Request[Any, Any, Any],
    staff: Staff,
    role: str | None,
    number: int,
    form: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    created: dict[str, str] | None = None,
    province: str | None = None,
) -> Template:
    wanted = role if role in ROLES else None
    services = request.app.state.services
    provinces = await province_options(request, staff)
    province = province if province and (province, province) in provinces else None
    listed = await services.staff.list_users(
        PAGE_SIZE, (number - 1) * PAGE_SIZE, wanted, staff.actor, province
    )
    locked = await services.staff.locked_until([int(u["id"]) for u in listed.items])
    users = []
    for u in listed.items:
        until = locked.get(int(u["id"]))
        users.append(
            {
                **u,
                "role_label": staff.t(f"role_{u['role']}"),
                "locked": staff.t("us_locked", time=vn_time(until)) if until else "",
                "last_login": vn_time(u["last_login_at"]) or staff.t("us_never"),
            }
        )
    return page(
        staff,
        "users.html",
        {
            "title": staff.t("us_title"),
            "users": users,
            "role": wanted or "",
            "roles": _role_options(staff),
            "agencies": await _agency_options(request, staff),
            "provinces": provinces,
            "province": province or "",
            "form": form or {"role": "agency"},
            "errors": errors or {},
            "created": created,
            "pager": pager(
                f"{ROOT}/users", {"role": wanted, "province": province}, number, listed.total, PAGE_SIZE
            ),
            "total": listed.total,
        },
        status=422 if errors else 200,
    )


@get(f"{ROOT}/users", include_in_schema=False, name="console_users")
async def users(
    request: Request[Any, Any, Any],
    staff: NamedDependency[Staff],
    role: RoleFilter = None,
    page_no: PageNo = None,
    province: ProvinceFilter = None,
) -> Template:
    staff.need("admin")
    return await _users_page(request, staff, role, page_number(page_no), province=province)


@post(f"{ROOT}/users", include_in_schema=False, status_code=200, name="console_users_create")
async def create_user(request: Request[Any, Any, Any], staff: NamedDependency[Staff]) -> Template:
    staff.need("admin")
    raw = await posted(request, staff)
    form = {
        "email": str(raw.get("email") or "").strip()[:254],
        "display_name": str(raw.get("display_name") or "").strip()[:120],
        "role": str(raw.get("role") or "")[:16],
        "agency": str(raw.get("agency") or "")[:32],
        "province": str(raw.get("province") or "")[:32],
    }
    password = secrets.token_urlsafe(12)  # 96 bits, shown once; the account holder changes it
    errors: dict[str, str] = {}
    try:
        await services_of(request).staff.create_user(
            staff.actor,
            form["email"],
            password,
            form["role"],
            form["agency"] or None,
            form["display_name"],
            form["province"] or None,
        )
    except InvalidInput as exc:
        errors = _field_errors(staff, exc)
    except Conflict:
        errors = {"email": staff.t("us_exists")}
    if errors:
        return await _users_page(request, staff, None, 1, form, errors)
    # The password is rendered in the response to this POST only (never in a URL, never stored in clear).
    return await _users_page(
        request, staff, None, 1, created={"email": form["email"].lower(), "password": password}
    )


async def _user_page(
    request: Request[Any, Any, Any],
    staff: Staff,
    user_id: int,
    errors: dict[str, str] | None = None,
    form: dict[str, Any] | None = None,
    password: str = "",
) -> Template:
    services = request.app.state.services
    user = await services.staff.get_user(user_id, staff.actor)
    locked = (await services.staff.locked_until([user_id])).get(user_id)
    return page(
        staff,
        "user.html",
        {
            "title": staff.t("us_edit", email=user.email),
            "user": user,
            "form": form or {**asdict(user), "agency": user.agency or "", "province": user.province or ""},
            "provinces": await province_options(request, staff),
            "errors": errors or {},
            "roles": _role_options(staff),
            "agencies": await _agency_options(request, staff),
            "is_self": user_id == staff.actor.user_id,
            "locked": staff.t("us_locked", time=vn_time(locked)) if locked else "",
            "password": password,
            "last_login": vn_time(user.last_login_at) or staff.t("us_never"),
            "created": vn_time(user.created_at),
        },
        status=422 if errors else 200,
    )


@get(f"{ROOT}/users/{{user_id:int}}", include_in_schema=False, name="console_user")
async def user_detail(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], user_id: RowId
) -> Template:
    staff.need("admin")
    return await _user_page(request, staff, user_id)


@post(f"{ROOT}/users/{{user_id:int}}", include_in_schema=False, status_code=200, name="console_user_save")
async def save_user(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], user_id: RowId
) -> Template | Redirect:
    staff.need("admin")
    raw = await posted(request, staff)
    services = request.app.state.services
    current = await services.staff.get_user(user_id, staff.actor)
    changes: dict[str, object] = {"display_name": str(raw.get("display_name") or "").strip()[:120]}
    if user_id != staff.actor.user_id:  # an administrator cannot demote or disable themselves
        changes["role"] = str(raw.get("role") or "")[:16]
        changes["agency"] = str(raw.get("agency") or "")[:32] or None
        changes["active"] = raw.get("active") == "1"
        if not staff.actor.province_scoped:  # a province account's users stay in its province
            changes["province"] = str(raw.get("province") or "")[:32] or None
    try:
        await services.staff.update_user(staff.actor, user_id, changes)
    except InvalidInput as exc:
        form = {
            **asdict(current),
            **changes,
            "agency": changes.get("agency") or "",
            "province": changes.get("province") or "",
        }
        return await _user_page(request, staff, user_id, _field_errors(staff, exc), form)
    return redirect(f"{ROOT}/users/{user_id}", done="user_saved")


@post(
    f"{ROOT}/users/{{user_id:int}}/password",
    include_in_schema=False,
    status_code=200,
    name="console_user_reset",
)
async def reset_password(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], user_id: RowId
) -> Template:
    staff.need("admin")
    await posted(request, staff)
    password = secrets.token_urlsafe(12)
    await services_of(request).staff.update_user(staff.actor, user_id, {"password": password})
    return await _user_page(request, staff, user_id, password=password)


@post(
    f"{ROOT}/users/{{user_id:int}}/unlock",
    include_in_schema=False,
    status_code=200,
    name="console_user_unlock",
)
async def unlock_user(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], user_id: RowId
) -> Redirect:
    staff.need("admin")
    await posted(request, staff)
    await services_of(request).staff.unlock(staff.actor, user_id)
    return redirect(f"{ROOT}/users/{user_id}", done="user_unlocked")


def _details(details: object) -> list[tuple[str, str]]:
    """An entry's details as (field, value) pairs; nested values as compact JSON."""
    if not isinstance(details, dict):
        return [("", json.dumps(details, ensure_ascii=False))] if details else []
    out = []
    for key in sorted(details):
        value = details[key]
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        out.append((str(key), text))
    return out


@get(f"{ROOT}/audit", include_in_schema=False, name="console_audit")
async def audit_log(
    staff: NamedDependency[Staff], object_type: TypeFilter = None, page_no: PageNo = None
) -> Template:
    staff.need("admin")
    if staff.actor.province_scoped:  # the log covers every province's changes
        raise PageForbidden(staff.actor.role)
    number = page_number(page_no)
    listed = await audit.list_entries(PAGE_SIZE, (number - 1) * PAGE_SIZE, object_type or None)
    entries = [
        {
            **e,
            "time": vn_time(e["at"]),
            "details_list": _details(e["details"]),
        }
        for e in listed.items
    ]
    return page(
        staff,
        "audit.html",
        {
            "title": staff.t("au_title"),
            "entries": entries,
            "types": [(kind, kind) for kind in await audit.object_types()],
            "object_type": object_type or "",
            "pager": pager(f"{ROOT}/audit", {"object_type": object_type}, number, listed.total, PAGE_SIZE),
        },
    )


HANDLERS: list[Any] = [users, create_user, user_detail, save_user, reset_password, unlock_user, audit_log]
