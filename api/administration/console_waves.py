"""Console pages for survey waves: list, create, open and close, and a wave's fieldwork progress.

Roles follow ``api/administration/routes_waves.py``: admin, statistician and agency users read (an agency
user sees only
waves that include its agency, and only its own agency's rows); admin and statistician create, open and
close. Every change goes through :class:`survey_engine.administration.waves.WaveService` and progress comes
from
:meth:`survey_engine.fieldwork.samples.FieldworkService.progress`, as the JSON API does.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

import msgspec
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from api.administration.console_users import province_options
from api.services import Services, services_of
from api.web.console_base import (
    READERS,
    ROOT,
    PageNo,
    Staff,
    label_of,
    page,
    page_number,
    pager,
    posted,
    redirect,
    response_counts,
)
from api.web.schemas import WaveIn
from survey_engine.administration.waves import CHANNELS, STATUSES, WaveRecord
from survey_engine.errors import Conflict, InvalidInput

ANALYSTS = ("admin", "statistician")  # as the API's ANALYSTS guard: create, open, close
PAGE_SIZE = 50
KIOSK_IDLE = ("discard", "keep")
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,47}$")
CATEGORIES = ("complete", "partial", "refusal", "non_contact", "other", "unknown", "ineligible")


# -- helpers ------------------------------------------------------------------------------------------


def _day(value: object) -> date | None:
    """A date column as a date (SQLite may hand back text)."""
    if isinstance(value, date):
        return value
    if isinstance(value, str) and value:
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            return None
    return None


def dmy(value: object) -> str:
    day = _day(value)
    return f"{day.day:02d}/{day.month:02d}/{day.year}" if day else ""


def period_text(wave: WaveRecord | Mapping[str, Any]) -> str:
    """A wave's period as the console writes dates (a listed wave is still a mapping)."""
    if isinstance(wave, WaveRecord):
        return f"{dmy(wave.period_start)} – {dmy(wave.period_end)}"
    return f"{dmy(wave.get('period_start'))} – {dmy(wave.get('period_end'))}"


def status_badge(status: str) -> str:
    return {"draft": "info", "open": "ok", "closed": "warn"}.get(status, "")


async def agency_names(
    request: Request[Any, Any, Any], staff: Staff, codes: list[str] | set[str]
) -> dict[str, str]:
    """Agency code → its name in the page language, for the codes given."""
    services: Services = request.app.state.services
    names = await services.agencies.names(codes)
    return {code: name.label(staff.lang) for code, name in names.items()}


async def progress_view(request: Request[Any, Any, Any], staff: Staff, code: str) -> dict[str, Any] | None:
    """The fieldwork progress of a wave for a page (None until the sample is drawn).

    The figures are those of ``GET /api/v1/waves/{code}/fieldwork``: the same service call, so an agency
    user gets only its own agency's row and its own totals.
    """
    try:
        report = await services_of(request).fieldwork.progress(staff.actor, code)
    except Conflict:
        return None
    names = await agency_names(request, staff, {a.agency for a in report.agencies})
    rows = [{**dataclasses.asdict(row), "name": names.get(row.agency, row.agency)} for row in report.agencies]
    return {
        "e": report.e,
        "rows": rows,
        "overall": report.overall,
        "as_of": report.as_of,
        "categories": CATEGORIES,
    }


async def channel_counts(request: Request[Any, Any, Any], staff: Staff, code: str) -> dict[str, Any]:
    """Stored submissions of the wave per agency and channel (complete and kept break-offs)."""
    services: Services = request.app.state.services
    rows = await services.waves.submission_counts(staff.actor, code)
    cells: dict[str, dict[str, dict[str, int]]] = {}
    for r in rows:
        cell = cells.setdefault(r.agency, {}).setdefault(r.channel, {"complete": 0, "partial": 0})
        cell["complete" if r.complete else "partial"] += r.n
    names = await agency_names(request, staff, set(cells))
    channels = [c for c in CHANNELS if any(c in per for per in cells.values())]
    table = []
    totals = {c: {"complete": 0, "partial": 0} for c in channels}
    for agency in sorted(cells):
        per = cells[agency]
        for c in channels:
            for k in ("complete", "partial"):
                totals[c][k] += per.get(c, {}).get(k, 0)
        table.append(
            {
                "agency": agency,
                "name": names.get(agency, agency),
                "cells": {c: per.get(c, {"complete": 0, "partial": 0}) for c in channels},
                "total": sum(v["complete"] + v["partial"] for v in per.values()),
            }
        )
    return {
        "channels": channels,
        "rows": table,
        "totals": totals,
        "total": sum(r["total"] for r in table),
    }


# -- list ---------------------------------------------------------------------------------------------


def _json_list(value: object) -> list[object]:
    """A JSON list column of a listed wave (absent or null reads as empty)."""
    return list(value) if isinstance(value, list) else []


@get(f"{ROOT}/waves", include_in_schema=False, name="console_waves")
async def wave_list(
    request: Request[Any, Any, Any],
    staff: NamedDependency[Staff],
    status: Annotated[str | None, QueryParameter(max_length=16, description="draft, open or closed")] = None,
    page_no: PageNo = None,
    province: Annotated[str | None, QueryParameter(max_length=32, description="province")] = None,
) -> Template:
    staff.need(*READERS)
    wanted = status if status in STATUSES else None
    n = page_number(page_no)
    provinces = await province_options(request, staff)  # national accounts: a column and a filter
    province = province if province and (province, province) in provinces else None
    listed = await services_of(request).waves.list(
        staff.actor, PAGE_SIZE, (n - 1) * PAGE_SIZE, wanted, province
    )
    codes = [str(w["code"]) for w in listed.items]
    counts = await response_counts(staff, codes) if codes else {}
    waves = [
        {
            "code": w["code"],
            "name": label_of(staff, w),
            "questionnaire": f"{w['questionnaire']} v{w['questionnaire_version']}",
            "period": period_text(w),
            "channels": [staff.t(f"wave_channel_{c}") for c in _json_list(w.get("channels"))],
            "status": w["status"],
            "badge": status_badge(str(w["status"])),
            "responses": counts.get(str(w["code"]), 0),
            "agencies": len(_json_list(w.get("agencies"))),
            "points": len(_json_list(w.get("service_points"))),
            "province": w.get("province") or "",
        }
        for w in listed.items
    ]
    return page(
        staff,
        "waves.html",
        {
            "title": staff.t("wave_list_title"),
            "waves": waves,
            "status": wanted or "",
            "statuses": STATUSES,
            "provinces": provinces[1:],
            "province": province or "",
            "pager": pager(
                f"{ROOT}/waves", {"status": wanted, "province": province}, n, listed.total, PAGE_SIZE
            ),
            "can_create": staff.may(*ANALYSTS),
        },
    )


# -- create -------------------------------------------------------------------------------------------


async def _form_choices(request: Request[Any, Any, Any], staff: Staff) -> dict[str, Any]:
    services = request.app.state.services
    questionnaires = []
    for q in (await services.questionnaires.list(500, 0)).items:
        title = q["title_en"] if staff.lang == "en" and q.get("title_en") else q["title_vi"]
        for version in sorted(q["versions"], reverse=True):
            value = f"{q['code']}@{version}"
            questionnaires.append(
                (value, staff.t("wave_q_option", title=title, code=q["code"], version=version))
            )
    agencies = [
        {"code": a["code"], "name": label_of(staff, a)}
        for a in (await services.agencies.list(staff.actor, 5000, 0)).items
        if a.get("active", True)
    ]
    points: dict[str, list[dict[str, Any]]] = {}
    for p in (await services.service_points.list(staff.actor, 20000, 0)).items:
        if p.get("active", True):
            points.setdefault(str(p["agency"]), []).append({"code": p["code"], "name": label_of(staff, p)})
    groups = [{"agency": a, "points": points[a["code"]]} for a in agencies if points.get(a["code"])]
    provinces = (await province_options(request, staff))[1:]  # a national account names the wave's province
    return {
        "questionnaires": questionnaires,
        "agencies": agencies,
        "point_groups": groups,
        "provinces": provinces,
    }


def _blank_form() -> dict[str, Any]:
    return {
        "code": "",
        "name_vi": "",
        "name_en": "",
        "questionnaire": "",
        "period_start": "",
        "period_end": "",
        "channels": ["online", "kiosk"],
        "agencies": [],
        "all_points": True,
        "service_points": [],
        "unit_version": "2025-07",
        "kiosk_idle": "discard",
        "settings_json": "",
        "province": "",
    }


async def _new_page(
    request: Request[Any, Any, Any],
    staff: Staff,
    form: dict[str, Any],
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Template:
    return page(
        staff,
        "waves_new.html",
        {
            "title": staff.t("wave_new"),
            "form": form,
            "errors": errors or {},
            "channels": CHANNELS,
            "kiosk_idle": KIOSK_IDLE,
            **await _form_choices(request, staff),
        },
        status=status,
    )


@get(f"{ROOT}/waves/new", include_in_schema=False, name="console_wave_new")
async def wave_new(request: Request[Any, Any, Any], staff: NamedDependency[Staff]) -> Template:
    staff.need(*ANALYSTS)
    return await _new_page(request, staff, _blank_form())


def _read_form(raw: Any) -> dict[str, Any]:
    """The posted wave form as strings and lists (shown again as typed when something is wrong)."""
    return {
        "code": str(raw.get("code") or "").strip()[:100],
        "name_vi": str(raw.get("name_vi") or "").strip()[:400],
        "name_en": str(raw.get("name_en") or "").strip()[:400],
        "questionnaire": str(raw.get("questionnaire") or "")[:100],
        "period_start": str(raw.get("period_start") or "")[:10],
        "period_end": str(raw.get("period_end") or "")[:10],
        "channels": [str(c) for c in raw.getall("channels", [])][:8],
        "agencies": [str(a) for a in raw.getall("agencies", [])][:5000],
        "all_points": bool(raw.get("all_points")),
        "service_points": [str(p) for p in raw.getall("service_points", [])][:20000],
        "unit_version": str(raw.get("unit_version") or "").strip()[:40],
        "kiosk_idle": str(raw.get("kiosk_idle") or "discard"),
        "settings_json": str(raw.get("settings_json") or "").strip()[:10_000],
        "province": str(raw.get("province") or "").strip()[:32],
    }


def _parse_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")  # NaN and Infinity: PostgreSQL's jsonb refuses them


def _questionnaire_ref(text: str) -> tuple[str, int]:
    """``code@version`` as (code, version); version 0 when it is not a small positive whole number."""
    q_code, _, q_version = text.rpartition("@")
    version = int(q_version) if q_version.isascii() and q_version.isdigit() and len(q_version) <= 6 else 0
    return q_code, version


def _parse_settings(text: str) -> dict[str, Any] | None:
    """The settings box as an object ({} when empty), None when it is not a JSON object."""
    if not text:
        return {}
    try:
        settings = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError):  # RecursionError: absurdly nested input
        return None
    return settings if isinstance(settings, dict) else None


def _wave_points(form: dict[str, Any], agencies: list[str], points_of: dict[str, list[str]]) -> list[str]:
    if form["all_points"]:
        return sorted(p for a in agencies for p in points_of.get(a, []))
    return sorted(set(form["service_points"]))


def _schema_field(values: dict[str, Any]) -> str | None:
    """The form field the JSON API's own schema refuses (None when it accepts the values)."""
    try:
        msgspec.convert(values, WaveIn)
    except msgspec.ValidationError as exc:
        match = re.search(r"\$\.(\w+)", str(exc))
        name = match.group(1) if match else "code"
        return "questionnaire" if name == "questionnaire_version" else name
    return None


def _wave_values(
    form: dict[str, Any], staff: Staff, points_of: dict[str, list[str]]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The body ``POST /api/v1/waves`` would get, and per-field messages for what is wrong."""
    t = staff.t
    errors: dict[str, str] = {}
    if not CODE_RE.match(form["code"]) or form["code"].lower() == "new":  # /staff/waves/new is the form
        errors["code"] = t("wave_err_code")
    for name in ("name_vi", "name_en"):
        if not form[name] or len(form[name]) > 300:
            errors[name] = t("wave_err_name")
    q_code, version = _questionnaire_ref(form["questionnaire"])
    if not q_code or version < 1:
        errors["questionnaire"] = t("wave_err_questionnaire")
    start, end = _parse_date(form["period_start"]), _parse_date(form["period_end"])
    if start is None:
        errors["period_start"] = t("wave_err_date")
    if end is None:
        errors["period_end"] = t("wave_err_date")
    elif start is not None and end < start:
        errors["period_end"] = t("wave_err_period")
    channels = [c for c in CHANNELS if c in form["channels"]]
    if not channels:
        errors["channels"] = t("wave_err_channels")
    if not 1 <= len(form["unit_version"]) <= 32:
        errors["unit_version"] = t("wave_err_unit_version")
    settings = _parse_settings(form["settings_json"])
    if settings is None:
        errors["settings_json"] = t("wave_err_settings")
        settings = {}
    settings["kiosk_idle"] = form["kiosk_idle"] if form["kiosk_idle"] in KIOSK_IDLE else "discard"
    agencies = sorted(set(form["agencies"]))
    values = {
        "code": form["code"],
        "name_vi": form["name_vi"],
        "name_en": form["name_en"],
        "questionnaire": q_code,
        "questionnaire_version": version,
        "period_start": start,
        "period_end": end,
        "channels": channels,
        "agencies": agencies,
        "service_points": _wave_points(form, agencies, points_of),
        "unit_version": form["unit_version"],
        "settings": settings,
        "province": form.get("province") or None,
    }
    if not agencies:
        # No members yet: leave the lists out (WaveService looks up an empty list with a NUL placeholder
        # that PostgreSQL refuses); the wave is created without agencies either way.
        del values["agencies"], values["service_points"]
    # The JSON API's own schema, so the console never accepts what the API would refuse.
    if not errors and (field := _schema_field(values)) is not None:
        errors[field] = t("wave_err_invalid")
    return values, errors


def _problem_errors(staff: Staff, exc: InvalidInput) -> dict[str, str]:
    """The wave service's per-field problems as form messages in the page language."""
    t = staff.t
    errors: dict[str, str] = {}
    for problem in exc.problems:
        if problem.field in ("questionnaire", "questionnaire_version"):
            errors["questionnaire"] = t("wave_err_questionnaire")
        elif problem.field == "period_end":
            errors["period_end"] = t("wave_err_period")
        elif problem.field == "channels":
            errors["channels"] = t("wave_err_channels")
        elif problem.field == "agencies":
            errors["agencies"] = t("wave_err_agencies")
        elif problem.field == "service_points":
            codes = problem.message.rpartition(":")[2].strip()
            errors["service_points"] = t("wave_err_points", codes=codes)
        elif problem.field == "settings":
            errors["settings_json"] = t("wave_err_settings")
        else:
            errors.setdefault("code", t("wave_err_invalid"))
    return errors


@post(f"{ROOT}/waves/new", include_in_schema=False, status_code=200, name="console_wave_create")
async def wave_create(request: Request[Any, Any, Any], staff: NamedDependency[Staff]) -> Template | Redirect:
    staff.need(*ANALYSTS)
    raw = await posted(request, staff)
    form = _read_form(raw)
    services = request.app.state.services
    points_of: dict[str, list[str]] = {}
    for p in (await services.service_points.list(staff.actor, 20000, 0)).items:
        if p.get("active", True):
            points_of.setdefault(str(p["agency"]), []).append(str(p["code"]))
    values, errors = _wave_values(form, staff, points_of)
    if errors:
        return await _new_page(request, staff, form, errors, 422)
    try:
        await services.waves.create(staff.actor, values)
    except InvalidInput as exc:
        return await _new_page(request, staff, form, _problem_errors(staff, exc), 422)
    except Conflict:
        return await _new_page(request, staff, form, {"code": staff.t("wave_err_code_taken")}, 409)
    return redirect(f"{ROOT}/waves/{quote(values['code'])}", done="wave_created")


# -- one wave -----------------------------------------------------------------------------------------


@get(f"{ROOT}/waves/{{code:str}}", include_in_schema=False, name="console_wave")
async def wave_detail(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], code: FromPath[str]
) -> Template:
    staff.need(*READERS)
    wave = await services_of(request).waves.get(staff.actor, code)  # NotFound → 404 page
    names = await agency_names(request, staff, set(wave.agencies))
    points = await services_of(request).service_points.list(staff.actor, 20000, 0)
    point_of = {p["code"]: p for p in points.items}
    members = [
        {
            "code": a,
            "name": names.get(a, a),
            "points": [
                {"code": p, "name": label_of(staff, point_of[p])}
                for p in wave.service_points
                if p in point_of and point_of[p]["agency"] == a
            ],
        }
        for a in wave.agencies
    ]
    settings = dict(wave.settings)
    plan = settings.pop("sampling_plan", None)
    idle = settings.pop("kiosk_idle", None)
    return page(
        staff,
        "waves_detail.html",
        {
            "title": f"{wave.code} · {label_of(staff, wave)}",
            "wave": wave,
            "name": label_of(staff, wave),
            "period": period_text(wave),
            "badge": status_badge(wave.status),
            "members": members,
            "kiosk_idle": idle,
            "plan": plan,
            "other_settings": json.dumps(settings, ensure_ascii=False, sort_keys=True) if settings else "",
            "progress": await progress_view(request, staff, code),
            "by_channel": await channel_counts(request, staff, code),
            "can_change": staff.may(*ANALYSTS),
            "can_fieldwork": staff.may(*ANALYSTS),
        },
    )


@post(
    f"{ROOT}/waves/{{code:str}}/status", include_in_schema=False, status_code=200, name="console_wave_status"
)
async def wave_status(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], code: FromPath[str]
) -> Redirect:
    staff.need(*ANALYSTS)
    raw = await posted(request, staff)
    wanted = str(raw.get("status") or "")
    if wanted not in ("open", "closed"):
        raise Conflict(f"a wave can be opened or closed, not set to {wanted[:16]!r}")
    # Conflict (e.g. no agencies, already closed) becomes the 409 page; closing purges phone numbers
    # and recomputes weights inside the service, exactly as POST /api/v1/waves/{code}/status.
    await services_of(request).waves.set_status(staff.actor, code, wanted)
    return redirect(f"{ROOT}/waves/{quote(code)}", done="wave_opened" if wanted == "open" else "wave_closed")


HANDLERS: list[Any] = [wave_list, wave_new, wave_create, wave_detail, wave_status]
