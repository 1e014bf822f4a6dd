"""Console pages of the one-stop integration.

``/staff/api-keys`` (administrators): create a system API key (shown once, on the answer page only),
list and revoke keys. ``/staff/counter`` (administrators, statisticians, agency users; an agency user sees
its own agency only): the real-time counter dashboard, today / this week / this month in Vietnam time.
``/staff/officers`` (agency users, their own agency only): the officer register and per-officer results.
Role and scope rules are the services' (the same as the JSON API's).
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from api.services import Services, services_of
from api.web.console_base import ROOT, Staff, label_of, page, posted, redirect, text
from api.web.routes_common import RowId
from reports.numbers import format_interval
from survey_engine.errors import InvalidInput
from survey_engine.integrations.counter_stats import D61_MAX, Figure
from survey_engine.integrations.counter_tallies import PERIODS
from survey_engine.integrations.dashboard import OFFICER_MIN_N, Figures

KEYS = f"{ROOT}/api-keys"
COUNTER = f"{ROOT}/counter"
OFFICERS = f"{ROOT}/officers"
READERS = ("admin", "statistician", "agency")
AGENCY_CHOICES_MAX = 500

AgencyFilter = Annotated[str | None, QueryParameter(max_length=32, description="agency code")]
PeriodFilter = Annotated[str | None, QueryParameter(max_length=8)]


async def _agency_choices(services: Services, staff: Staff) -> list[tuple[str, str]]:
    listed = await services.agencies.list(staff.actor, AGENCY_CHOICES_MAX, 0)
    return [(str(a["code"]), f"{a['code']} · {label_of(staff, a)}") for a in listed.items]


# ------------------------------------------------------------------------------------------ API keys


async def _keys_page(
    services: Services,
    staff: Staff,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> Template:
    return page(
        staff,
        "api_keys.html",
        {
            "title": staff.t("apikey_title"),
            "keys": await services.api_keys.list(actor=staff.actor),
            "agencies": await _agency_choices(services, staff),
            "values": values or {"name": "", "agency": ""},
            "errors": errors or {},
        },
        status=422 if errors else 200,
    )


@get(KEYS, include_in_schema=False, name="console_api_keys")
async def api_keys(request: Request[Any, Any, Any], staff: NamedDependency[Staff]) -> Template:
    staff.need("admin")
    return await _keys_page(services_of(request), staff)


@post(KEYS, include_in_schema=False, status_code=200, name="console_api_key_create")
async def api_key_create(request: Request[Any, Any, Any], staff: NamedDependency[Staff]) -> Template:
    """Create, then answer with the key itself: it must never travel in a redirect or be shown again."""
    staff.need("admin")
    raw = await posted(request, staff)
    services = services_of(request)
    values = {"name": text(raw, "name", 101), "agency": text(raw, "agency", 33)}
    errors: dict[str, str] = {}
    if not values["name"] or len(values["name"]) > 100:
        errors["name"] = staff.t("apikey_err_name")
    if errors:
        return await _keys_page(services, staff, values, errors)
    try:
        record, key = await services.api_keys.create(staff.actor, values["name"], values["agency"] or None)
    except InvalidInput:
        errors["agency"] = staff.t("apikey_err_agency", code=values["agency"])
        return await _keys_page(services, staff, values, errors)
    return page(
        staff,
        "api_key_created.html",
        {"title": staff.t("apikey_created_title"), "record": record, "key": key},
    )


@post(
    f"{KEYS}/{{key_id:int}}/revoke", include_in_schema=False, status_code=200, name="console_api_key_revoke"
)
async def api_key_revoke(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], key_id: RowId
) -> Redirect:
    staff.need("admin")
    await posted(request, staff)
    await services_of(request).api_keys.revoke(staff.actor, key_id)
    return redirect(KEYS, done="apikey_revoked")


# ------------------------------------------------------------------------------------------ dashboard


def _figure(
    staff: Staff, figure: Figure | None, scale: float = 100.0, unit: str = "%"
) -> dict[str, str] | None:
    if figure is None:
        return None
    low = None if figure.low is None else max(figure.low * scale, 0.0)
    high = None if figure.high is None else min(figure.high * scale, D61_MAX if unit == "" else 100.0)
    number = f"{figure.estimate * scale:.1f}"
    if staff.lang == "vi":
        number = number.replace(".", ",")
    return {
        "value": number + (f"\u00a0{unit}" if unit and staff.lang == "vi" else unit),
        "ci": format_interval(low, high, staff.lang),
    }


def _view(staff: Staff, figures: Figures) -> dict[str, Any]:
    return {
        "n_counter": figures.n_counter,
        "levels": figures.levels,
        "satisfied": _figure(staff, figures.satisfied),
        "very_satisfied": _figure(staff, figures.very_satisfied),
        "n_d61": figures.n_decree61,
        "score": _figure(staff, figures.d61_score, 1.0, ""),
        "band": figures.d61_band,
    }


@get(COUNTER, include_in_schema=False, name="console_counter")
async def counter_page(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], agency: AgencyFilter = None
) -> Template:
    staff.need(*READERS)
    services = services_of(request)
    chosen = (agency or "").strip() or None
    board = await services.counter_dashboard.dashboard(staff.actor, chosen)
    return page(
        staff,
        "counter.html",
        {
            "title": staff.t("counter_title"),
            "board": board,
            "periods": [(p, board.starts[p], _view(staff, board.periods[p])) for p in PERIODS],
            "agency_rows": [(code, _view(staff, f)) for code, f in sorted(board.agencies.items())],
            "agencies": [] if staff.actor.agency_scoped else await _agency_choices(services, staff),
            "chosen": board.agency or "",
        },
    )


# ------------------------------------------------------------------------------------------ officers


async def _officers_page(
    services: Services, staff: Staff, period: str, errors: dict[str, str] | None = None
) -> Template:
    code = staff.actor.agency_code or ""
    rows = await services.counter_dashboard.officer_results(staff.actor, code, period)
    return page(
        staff,
        "officers.html",
        {
            "title": staff.t("officer_title"),
            "register": await services.officers.list(staff.actor, code),
            "results": [(r, _view(staff, r.figures) if r.figures else None) for r in rows],
            "period": period,
            "periods": PERIODS,
            "minimum_n": OFFICER_MIN_N,
            "errors": errors or {},
        },
        status=422 if errors else 200,
    )


@get(OFFICERS, include_in_schema=False, name="console_officers")
async def officers_page(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], period: PeriodFilter = None
) -> Template:
    staff.need("agency")
    chosen = period if period in PERIODS else "month"
    return await _officers_page(services_of(request), staff, chosen)


@post(OFFICERS, include_in_schema=False, status_code=200, name="console_officer_save")
async def officer_save(request: Request[Any, Any, Any], staff: NamedDependency[Staff]) -> Template | Redirect:
    staff.need("agency")
    raw = await posted(request, staff)
    services = services_of(request)
    code, name = text(raw, "code", 65), text(raw, "name", 201)
    try:
        await services.officers.save(staff.actor, staff.actor.agency_code or "", code, name)
    except InvalidInput as exc:
        errors = {p.field: staff.t(f"officer_err_{p.field}") for p in exc.problems}
        return await _officers_page(services, staff, "month", errors)
    return redirect(OFFICERS, done="officer_saved")


@post(f"{OFFICERS}/remove", include_in_schema=False, status_code=200, name="console_officer_remove")
async def officer_remove(request: Request[Any, Any, Any], staff: NamedDependency[Staff]) -> Redirect:
    staff.need("agency")
    raw = await posted(request, staff)
    await services_of(request).officers.remove(
        staff.actor, staff.actor.agency_code or "", text(raw, "code", 65)
    )
    return redirect(OFFICERS, done="officer_removed")


HANDLERS: list[Any] = [
    api_keys,
    api_key_create,
    api_key_revoke,
    counter_page,
    officers_page,
    officer_save,
    officer_remove,
]
