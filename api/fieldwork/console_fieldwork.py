"""Console pages for frames and samples: import a frame, plan with expected margins, draw, weights, letters.

Only admin and statistician (the JSON API's ``ANALYSTS``) reach these pages; everyone else gets the 403
page. Every step calls the services behind ``api/fieldwork/routes_fieldwork.py`` (the container's
``frames``, ``fieldwork``, ``weights``): the frame import is all-or-nothing with its per-row report, the plan
is previewed (expected margins per agency) before the seeded draw, and the draw happens once per wave (the
service refuses a second one; the same seed on the same frame reproduces the same sample).
"""

from __future__ import annotations

import dataclasses
import secrets
from datetime import UTC, datetime
from functools import partial
from typing import Any
from urllib.parse import quote, urlencode

import anyio.to_thread
import msgspec
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.params import FromPath
from litestar.response import Redirect, Template

from api.administration.console_waves import agency_names, period_text, progress_view, status_badge
from api.fieldwork.console_fieldwork_forms import (
    default_plan,
    frame_report,
    parse_number,
    plan_body,
    plan_problem_errors,
    read_plan,
    read_weights_form,
    uploaded_bytes,
    weights_defaults,
    weights_problem_errors,
)
from api.fieldwork.routes_fieldwork import DrawIn, PlanIn, WeightsIn, plan_values
from api.services import services_of
from api.web.console_base import ROOT, Staff, page, posted, vn_time
from api.web.pages_common import PAGE_HEADERS
from reports.letters import LetterData, render_letters
from sampling.sample_plan import ALLOCATIONS, SELECTION_METHODS
from survey_engine.errors import Conflict, InvalidInput, NotFound
from survey_engine.fieldwork.frames import CellUnits, FrameSummary
from survey_engine.fieldwork.samples import SampleSummary
from survey_engine.fieldwork.weights import CALIBRATION_METHODS, FRAME_VARIABLES, WaveWeights
from survey_engine.paper.tracking import STATUSES as PAPER_STATUSES

ANALYSTS = ("admin", "statistician")  # the API's guard on every fieldwork write
MAX_SEED = 2**62


# -- helpers ------------------------------------------------------------------------------------------


def _url(code: str, tail: str = "") -> str:
    return f"{ROOT}/fieldwork/{quote(code)}{tail}"


def _done(code: str, done: str, anchor: str) -> Redirect:
    """Post/Redirect/Get back to the wave's page, its flash message, and the section just changed."""
    return Redirect(
        f"{_url(code)}?{urlencode({'done': done})}#{anchor}", status_code=303, headers=PAGE_HEADERS
    )


async def _wave_context(request: Request[Any, Any, Any], staff: Staff, code: str) -> dict[str, Any]:
    """Everything the wave's fieldwork page shows, from the same services as the JSON API."""
    actor = staff.actor
    wave = await services_of(request).waves.get(actor, code)  # NotFound → 404 page
    frame: FrameSummary = await services_of(request).frames.summary(actor, code)
    names = await agency_names(request, staff, {a.agency for a in frame.agencies})
    try:
        sample: SampleSummary | None = await services_of(request).fieldwork.sample_summary(actor, code)
    except Conflict:
        sample = None
    progress = await progress_view(request, staff, code) if sample else None
    try:
        weights: WaveWeights | None = await services_of(request).weights.latest(actor, code)
    except NotFound:
        weights = None
    contacts = await services_of(request).phone.summary(actor, code) if sample else None
    # Paper copies by agency and batch (postal dispositions), beside the sample's fieldwork statuses.
    paper = await services_of(request).paper.paper_progress(actor, code) if "paper" in wave.channels else None
    saved = wave.settings.get("sampling_plan")
    cells_by_agency: dict[str, list[CellUnits]] = {}
    for cell in frame.cells:
        cells_by_agency.setdefault(cell.agency, []).append(cell)
    return {
        "title": f"{staff.t('fw_title')} · {wave.code}",
        "wave": wave,
        "wave_name": wave.name_en if staff.lang == "en" and wave.name_en else wave.name_vi,
        "period": period_text(wave),
        "badge": status_badge(wave.status),
        "frame": frame,
        "agency_names": names,
        "cells_by_agency": cells_by_agency,
        "frame_locked": sample is not None or wave.status == "closed",
        "sample": sample,
        "progress": progress,
        "weights": weights,
        "contacts": contacts,
        "paper": paper,
        "paper_statuses": PAPER_STATUSES,
        "plan_form": default_plan(saved, staff.lang),
        "saved_plan": saved,
        "plan_errors": {},
        "preview": None,
        "seed": secrets.randbelow(10**9),
        "contacts_on": True,
        "report": None,
        "letters_report": None,
        "import_errors": {},
        "weights_form": weights_defaults(weights, staff.lang),
        "weights_errors": {},
        "letters_errors": {},
        "draw_message": "",
        "allocations": ALLOCATIONS,
        "methods": SELECTION_METHODS,
        "calibrations": CALIBRATION_METHODS,
        "variables": FRAME_VARIABLES,
        "point_options": await _point_options(request, staff, wave.service_points),
    }


async def _point_options(
    request: Request[Any, Any, Any], staff: Staff, codes: list[str]
) -> list[tuple[str, str]]:
    """The wave's service points as (code, "code · name") choices for the letters form."""
    listed = await services_of(request).service_points.list(staff.actor, 20000, 0)
    names = {
        p["code"]: p["name_en"] if staff.lang == "en" and p.get("name_en") else p["name_vi"]
        for p in listed.items
    }
    return [(c, f"{c} · {names[c]}" if c in names else c) for c in codes]


async def _wave_page(
    request: Request[Any, Any, Any], staff: Staff, code: str, status: int = 200, **extra: Any
) -> Template:
    context = await _wave_context(request, staff, code)
    context.update(extra)
    return page(staff, "fieldwork_wave.html", context, status=status)


# -- pages --------------------------------------------------------------------------------------------


@get(f"{ROOT}/fieldwork", include_in_schema=False, name="console_fieldwork")
async def fieldwork_index(request: Request[Any, Any, Any], staff: NamedDependency[Staff]) -> Template:
    staff.need(*ANALYSTS)
    listed = await services_of(request).waves.list(staff.actor, 500, 0)
    ids_by_code = {str(w["code"]): w for w in listed.items}
    counts = await services_of(request).fieldwork.overview(list(ids_by_code))
    waves = [
        {
            "code": w["code"],
            "name": w["name_en"] if staff.lang == "en" and w.get("name_en") else w["name_vi"],
            "status": w["status"],
            "badge": status_badge(str(w["status"])),
            "period": period_text(w),
            "units": counts[str(w["code"])].units,
            "sample": counts[str(w["code"])].sample,
        }
        for w in listed.items
    ]
    return page(staff, "fieldwork.html", {"title": staff.t("fw_title"), "waves": waves})


@get(f"{ROOT}/fieldwork/{{code:str}}", include_in_schema=False, name="console_fieldwork_wave")
async def fieldwork_wave(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], code: FromPath[str]
) -> Template:
    staff.need(*ANALYSTS)
    return await _wave_page(request, staff, code)


@post(
    f"{ROOT}/fieldwork/{{code:str}}/frame", include_in_schema=False, status_code=200, name="console_fw_frame"
)
async def import_frame(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], code: FromPath[str]
) -> Template | Redirect:
    """The frame file as a multipart upload; the same import as ``POST /api/v1/waves/{code}/frame``."""
    staff.need(*ANALYSTS)
    try:
        raw = await posted(request, staff)
    except RequestEntityTooLarge:  # nothing was read or stored: say what to do instead of a JSON problem
        return await _wave_page(request, staff, code, 413, import_errors={"file": staff.t("fw_err_too_big")})
    name = str(raw.get("name") or "").strip()[:200]
    data = await uploaded_bytes(raw, "file")
    if data is None:
        return await _wave_page(request, staff, code, 422, import_errors={"file": staff.t("fw_err_file")})
    secret = services_of(request).settings.secret_key
    name = name or staff.t("fw_default_name", time=vn_time(datetime.now(UTC)))
    try:
        await services_of(request).frames.import_frame(staff.actor, code, data, secret, name)
    except InvalidInput as exc:
        return await _wave_page(request, staff, code, 422, report=frame_report(staff, exc))
    return _done(code, "fw_imported", "fw-frame")


@post(f"{ROOT}/fieldwork/{{code:str}}/plan", include_in_schema=False, status_code=200, name="console_fw_plan")
async def plan(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], code: FromPath[str]
) -> Template | Redirect:
    """Preview (nothing stored) or, with ``save``, keep the plan in the wave's settings as the API does."""
    staff.need(*ANALYSTS)
    raw = await posted(request, staff)
    form = read_plan(raw)
    save = raw.get("save") == "1"
    body, errors = plan_body(form, staff)
    if not errors:
        try:
            checked = msgspec.convert({**body, "save": save}, PlanIn)  # the API's own bounds
        except msgspec.ValidationError:
            errors["n"] = staff.t("fw_err_allocate")
    if errors:
        return await _wave_page(request, staff, code, 422, plan_form=form, plan_errors=errors)
    try:
        result = await services_of(request).fieldwork.plan(staff.actor, code, plan_values(checked), save=save)
    except InvalidInput as exc:
        return await _wave_page(
            request, staff, code, 422, plan_form=form, plan_errors=plan_problem_errors(staff, exc)
        )
    if save:
        return _done(code, "fw_plan_saved", "fw-plan")
    names = await agency_names(request, staff, {a["agency"] for a in result.agencies if "agency" in a})
    preview = {**dataclasses.asdict(result), "names": names}
    return await _wave_page(request, staff, code, plan_form=form, preview=preview)


@post(f"{ROOT}/fieldwork/{{code:str}}/draw", include_in_schema=False, status_code=200, name="console_fw_draw")
async def draw(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], code: FromPath[str]
) -> Template | Redirect:
    """The seeded draw with the previewed plan (``POST /api/v1/waves/{code}/draw``); once per wave."""
    staff.need(*ANALYSTS)
    raw = await posted(request, staff)
    form = read_plan(raw)
    seed_text = str(raw.get("seed") or "").strip()[:20]
    contacts = raw.get("contacts") == "1"
    seed = (
        int(seed_text)
        if seed_text.isascii() and seed_text.isdigit() and len(seed_text) <= 20 and int(seed_text) <= MAX_SEED
        else None
    )
    body, errors = plan_body(form, staff)
    if seed is None:
        errors["seed"] = staff.t("fw_err_seed")
    if not errors:
        try:
            checked = msgspec.convert({**body, "seed": seed, "contacts": contacts}, DrawIn)
        except msgspec.ValidationError:
            errors["n"] = staff.t("fw_err_allocate")
    if errors:
        return await _wave_page(
            request,
            staff,
            code,
            422,
            plan_form=form,
            plan_errors=errors,
            seed=seed_text,
            contacts_on=contacts,
        )
    try:
        await services_of(request).fieldwork.draw(
            staff.actor, code, checked.seed, plan_values(checked), contacts=checked.contacts
        )
    except InvalidInput as exc:
        return await _wave_page(
            request,
            staff,
            code,
            422,
            plan_form=form,
            plan_errors=plan_problem_errors(staff, exc),
            seed=seed_text,
            contacts_on=contacts,
        )
    except Conflict:
        # Drawn already (or closed): the service draws once. Say so plainly, with the seed that was used.
        context = await _wave_context(request, staff, code)
        sample = context["sample"]
        message = (
            staff.t("fw_already_drawn", seed=sample.seed) if sample is not None else staff.t("fw_closed")
        )
        context["draw_message"] = message
        return page(staff, "fieldwork_wave.html", context, status=409)
    return _done(code, "fw_drawn", "fw-sample")


@post(
    f"{ROOT}/fieldwork/{{code:str}}/weights",
    include_in_schema=False,
    status_code=200,
    name="console_fw_weights",
)
async def compute_weights(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], code: FromPath[str]
) -> Template | Redirect:
    """Compute and store the weights on demand (``POST /api/v1/waves/{code}/weights``)."""
    staff.need(*ANALYSTS)
    raw = await posted(request, staff)
    form = read_weights_form(raw)
    t = staff.t
    errors: dict[str, str] = {}
    trim = parse_number(form["trim_ratio"]) if form["trim_ratio"] else None
    if form["trim_ratio"] and (trim is None or trim <= 1):
        errors["trim_ratio"] = t("fw_err_trim")
    if form["calibration"] not in CALIBRATION_METHODS:
        errors["calibration"] = t("fw_err_choice")
    for name in ("nonresponse_classes", "calibration_variables"):
        if any(v not in FRAME_VARIABLES for v in form[name]):
            errors[name] = t("fw_err_vars")
    values = {
        "nonresponse_classes": form["nonresponse_classes"] or None,
        "calibration": form["calibration"],
        "calibration_variables": form["calibration_variables"] or None,
        "trim_ratio": trim,
        "include_partials": form["include_partials"],
    }
    if not errors:
        try:
            checked = msgspec.convert(values, WeightsIn)
            values = {f: getattr(checked, f) for f in checked.__struct_fields__}
        except msgspec.ValidationError:
            errors["calibration"] = t("fw_err_choice")
    if not errors:
        try:
            await services_of(request).weights.compute(staff.actor, code, values)
        except InvalidInput as exc:
            errors = weights_problem_errors(staff, exc.problems)
    if errors:
        return await _wave_page(request, staff, code, 422, weights_form=form, weights_errors=errors)
    return _done(code, "fw_weights", "fw-weights")


@post(
    f"{ROOT}/fieldwork/{{code:str}}/letters",
    include_in_schema=False,
    status_code=200,
    name="console_fw_letters",
)
async def letters(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], code: FromPath[str]
) -> Template | Response[bytes]:
    """Invitation letters from the frame file given again, as ``POST /api/v1/waves/{code}/letters``."""
    staff.need(*ANALYSTS)
    try:
        raw = await posted(request, staff)
    except RequestEntityTooLarge:
        too_big = {"letters_file": staff.t("fw_err_too_big_letters")}
        return await _wave_page(request, staff, code, 413, letters_errors=too_big)
    data = await uploaded_bytes(raw, "letters_file")
    point = str(raw.get("service_point") or "").strip()[:48] or None
    if data is None:
        return await _wave_page(
            request, staff, code, 422, letters_errors={"letters_file": staff.t("fw_err_file")}
        )
    settings = services_of(request).settings
    try:
        rows, missing = await services_of(request).fieldwork.letters(
            staff.actor, code, data, settings.secret_key, settings.base_url, point
        )
    except InvalidInput as exc:
        if any(p.field == "service_point" for p in exc.problems):
            agencies = [p.params["agency"] for p in exc.problems if p.reason == "letters_no_point"]
            detail = (
                "; ".join(staff.t("fw_letters_no_point", agency=a) for a in agencies)
                if agencies
                else staff.t("fw_err_choice")
            )
            return await _wave_page(
                request,
                staff,
                code,
                422,
                letters_errors={"service_point": staff.t("fw_letters_problem", detail=detail)},
            )
        return await _wave_page(request, staff, code, 422, letters_report=frame_report(staff, exc))
    if not rows:
        return await _wave_page(
            request, staff, code, 422, letters_errors={"letters_file": staff.t("fw_letters_none")}
        )
    body = await anyio.to_thread.run_sync(
        partial(render_letters, [LetterData(**dataclasses.asdict(letter)) for letter in rows])
    )
    return Response(
        content=body,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="letters-{quote(code)}.pdf"',
            "Cache-Control": "no-store",
            "X-Sipas-Letters": str(len(rows)),
            "X-Sipas-Missing": str(missing),
        },
    )


HANDLERS: list[Any] = [fieldwork_index, fieldwork_wave, import_frame, plan, draw, compute_weights, letters]
