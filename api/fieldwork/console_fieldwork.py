"""Console pages for frames and samples: import a frame, plan with expected margins, draw, weights, letters.

Only admin and statistician (the JSON API's ``ANALYSTS``) reach these pages; everyone else gets the 403
page. Every step calls the services behind ``api/fieldwork/routes_fieldwork.py`` (the container's
``frames``, ``fieldwork``, ``weights``): the frame import is all-or-nothing with its per-row report, the plan
is previewed (expected margins per agency) before the seeded draw, and the draw happens once per wave (the
service refuses a second one; the same seed on the same frame reproduces the same sample).
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime
from functools import partial
from typing import Any
from urllib.parse import quote, urlencode

import anyio.to_thread
import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.params import FromPath
from litestar.response import Redirect, Template
from piccolo.query.functions.aggregate import Count

from api.administration.console_waves import agency_names, period_text, progress_view, status_badge
from api.fieldwork.routes_fieldwork import DrawIn, PlanIn, WeightsIn, _plan_values
from api.web.console_base import ROOT, Staff, page, posted, vn_time
from api.web.pages_common import PAGE_HEADERS
from reports.letters import LetterData, render_letters
from sampling.sample_plan import ALLOCATIONS, SELECTION_METHODS
from survey_engine.errors import Conflict, FieldProblem, InvalidInput, NotFound
from survey_engine.fieldwork.weights import CALIBRATION_METHODS, FRAME_VARIABLES
from survey_engine.tables import FrameUnit, Sample

ANALYSTS = ("admin", "statistician")  # the API's guard on every fieldwork write
MAX_SEED = 2**62
_ROW = re.compile(r"^rows\[(\d+)\](?:\.(\w+))?$")
_LINE = re.compile(r"^line (\d+)(?::\s*|\s)")


# -- helpers ------------------------------------------------------------------------------------------


def _url(code: str, tail: str = "") -> str:
    return f"{ROOT}/fieldwork/{quote(code)}{tail}"


def _done(code: str, done: str, anchor: str) -> Redirect:
    """Post/Redirect/Get back to the wave's page, its flash message, and the section just changed."""
    return Redirect(
        f"{_url(code)}?{urlencode({'done': done})}#{anchor}", status_code=303, headers=PAGE_HEADERS
    )


def _number(text: str) -> float | None:
    """A number as staff type it: ``0,5`` or ``0.5``; spaces and thousand dots in integers tolerated."""
    text = text.strip().replace(" ", "").replace("\u00a0", "")
    if not text:
        return None
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


def _whole(text: str) -> int | None:
    value = _number(text.replace(".", "")) if text.strip() else None
    return int(value) if value is not None and value == int(value) else None


_VI_PROBLEMS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), text)
    for pattern, text in (
        (r"^the file is UTF-16", "Tệp được lưu dạng UTF-16: hãy lưu lại dưới dạng CSV UTF-8."),
        (
            r"^line \d+ is not UTF-8",
            "Dòng này không phải UTF-8 (có thể là Windows-1258 hoặc bảng mã cũ): hãy lưu tệp dưới dạng "
            "CSV UTF-8.",
        ),
        (r"^not a readable XLSX workbook", "Không đọc được tệp XLSX."),
        (r"^the workbook has no worksheet", "Tệp XLSX không có trang tính nào."),
        (r"^the file is empty", "Tệp trống: cần có dòng tiêu đề."),
        (r"^not CSV", "Không phải tệp CSV hợp lệ (dấu ngoặc kép chưa đóng?)."),
        (r"^missing column (\S+)", "Thiếu cột {0}."),
        (r"^unknown column '([^']*)'", "Cột không được phép: {0}."),
        (r"^column (\S+) appears twice", "Cột {0} xuất hiện hai lần."),
        (r"^has (\d+) fields, the header has (\d+)", "Dòng có {0} ô, trong khi dòng tiêu đề có {1} cột."),
        (
            r"^a dossier code has 1–(\d+)",
            "Mã hồ sơ chỉ gồm 1–{0} chữ cái, chữ số và . _ / - (bắt đầu bằng chữ cái hoặc chữ số).",
        ),
        (r"^repeats rows\[(\d+)\]", "Trùng mã hồ sơ với một dòng trước trong tệp."),
        (r"^already in the frame of wave (\S+)", "Hồ sơ này đã có trong khung mẫu của đợt {0}."),
        (r"^an agency code", "Cần mã cơ quan (1–32 ký tự)."),
        (r"^agency (\S+) is not in this wave", "Cơ quan {0} không tham gia đợt này."),
        (r"^agency (\S+) does not exist", "Không có cơ quan mã {0}."),
        (r"^a field \(lĩnh vực\)", "Cần lĩnh vực dài 1–200 ký tự, không chứa dấu |."),
        (r"^a date as", "Ngày không hợp lệ: ghi theo dạng 2026-03-31 hoặc 31/03/2026."),
        (r"^is in the future", "Ngày hoàn thành nằm trong tương lai."),
        (r"^not a Vietnamese phone number", "Số điện thoại không hợp lệ (9–10 chữ số sau +84 hoặc 0)."),
        (r"^at most 50 characters", "Tối đa 50 ký tự."),
        (r"^the file has a header but no rows", "Tệp chỉ có dòng tiêu đề, không có dòng dữ liệu nào."),
    )
)


def _problem_text(message: str, lang: str) -> str:
    """A frame problem in the page language (the services write English for API clients)."""
    if lang == "en":
        return message[:1].upper() + message[1:]
    for pattern, text in _VI_PROBLEMS:
        match = pattern.search(message)
        if match:
            return text.format(*match.groups())
    return message


def frame_report(exc: InvalidInput, lang: str) -> dict[str, Any]:
    """The per-row validation report of a rejected frame file: line, column, problem."""
    rows = []
    for problem in exc.problems:
        message = problem.message
        line: str = ""
        match = _LINE.match(message)
        if match:
            line = match.group(1)
            message = message[match.end() :]
        elif message.startswith("line "):  # "line 3: not CSV: …"
            line = message.split(":", 1)[0].removeprefix("line ")
        column = ""
        row = _ROW.match(problem.field)
        if row:
            column = row.group(2) or ""
            line = line or str(int(row.group(1)) + 2)
        elif problem.field == "header":
            line = "1"
            column = message.removeprefix("missing column ").split(" ")[0] if "missing" in message else ""
        message = re.sub(r"^line \d+: ", "", message)
        rows.append({"line": line or "—", "column": column, "text": _problem_text(message, lang)})
    more = re.search(r"\((\d+) problems, the first (\d+) listed\)", exc.detail)
    return {
        "rows": rows,
        "total": int(more.group(1)) if more else len(rows),
        "shown": len(rows),
    }


def _default_plan(saved: dict[str, Any] | None, lang: str) -> dict[str, str]:
    """The plan form's starting values: the plan saved with the wave, else sensible defaults."""
    form = {
        "strata": "agency",
        "target": "n",
        "n": "",
        "margin": "5",
        "allocation": "proportional",
        "power_q": _plain(0.5, lang),
        "min_per_stratum": "",
        "max_per_stratum": "",
        "response_rate": "100",
        "deff": "1",
        "p": "50",
        "method": "srs",
    }
    if saved:
        form["strata"] = (
            "agency_field" if list(saved.get("strata") or []) == ["agency", "field"] else "agency"
        )
        if saved.get("n") is not None:
            form["target"], form["n"] = "n", str(saved["n"])
        elif saved.get("margin") is not None:
            form["target"], form["margin"] = "margin", _plain(float(saved["margin"]) * 100, lang)
        for name in ("allocation", "method"):
            if saved.get(name):
                form[name] = str(saved[name])
        for name in ("min_per_stratum", "max_per_stratum"):
            if saved.get(name) is not None:
                form[name] = str(saved[name])
        form["power_q"] = _plain(float(saved.get("power_q") or 0.5), lang)
        form["response_rate"] = _plain(float(saved.get("response_rate") or 1.0) * 100, lang)
        form["deff"] = _plain(float(saved.get("deff") or 1.0), lang)
        form["p"] = _plain(float(saved.get("p") or 0.5) * 100, lang)
    return form


def _plain(value: float, lang: str = "en") -> str:
    """A number for an input box, with the decimal comma Vietnamese staff type (both are accepted)."""
    text = f"{round(value, 6):g}"
    return text.replace(".", ",") if lang == "vi" else text


PLAN_FIELDS = (
    "strata", "target", "n", "margin", "allocation", "power_q", "min_per_stratum", "max_per_stratum",
    "response_rate", "deff", "p", "method",
)  # fmt: skip


def _read_plan(raw: Any) -> dict[str, str]:
    return {name: str(raw.get(name) or "").strip()[:40] for name in PLAN_FIELDS}


def _plan_body(form: dict[str, str], staff: Staff) -> tuple[dict[str, Any], dict[str, str]]:
    """The body ``POST …/plan`` would get from the form, and per-field messages for what is wrong."""
    t = staff.t
    errors: dict[str, str] = {}
    body: dict[str, Any] = {"strata": ["agency", "field"] if form["strata"] == "agency_field" else ["agency"]}
    if form["strata"] not in ("agency", "agency_field"):
        errors["strata"] = t("fw_err_choice")
    if form["target"] == "margin":
        margin = _number(form["margin"])
        if margin is None or not 0 < margin < 100:
            errors["margin"] = t("fw_err_percent")
        else:
            body["margin"] = margin / 100
    else:
        n = _whole(form["n"])
        if n is None or not 1 <= n <= 10_000_000:
            errors["n"] = t("fw_err_int")
        else:
            body["n"] = n
    if form["allocation"] not in ALLOCATIONS:
        errors["allocation"] = t("fw_err_choice")
    body["allocation"] = form["allocation"]
    q = _number(form["power_q"] or "0.5")
    if q is None or not 0 <= q <= 1:
        errors["power_q"] = t("fw_err_q")
    body["power_q"] = q if q is not None else 0.5
    for name in ("min_per_stratum", "max_per_stratum"):
        if form[name]:
            value = _whole(form[name])
            if value is None or value < 0:
                errors[name] = t("fw_err_int0")
            else:
                body[name] = value
    if (
        "min_per_stratum" in body
        and "max_per_stratum" in body
        and body["max_per_stratum"] < body["min_per_stratum"]
    ):
        errors["max_per_stratum"] = t("fw_err_minmax")
    rate = _number(form["response_rate"] or "100")
    if rate is None or not 0 < rate <= 100:
        errors["response_rate"] = t("fw_err_rate")
    else:
        body["response_rate"] = rate / 100
    deff = _number(form["deff"] or "1")
    if deff is None or not 1 <= deff <= 100:
        errors["deff"] = t("fw_err_deff")
    else:
        body["deff"] = deff
    p = _number(form["p"] or "50")
    if p is None or not 0 < p < 100:
        errors["p"] = t("fw_err_percent")
    else:
        body["p"] = p / 100
    if form["method"] not in SELECTION_METHODS:
        errors["method"] = t("fw_err_choice")
    body["method"] = form["method"]
    return body, errors


def _plan_problem_errors(staff: Staff, exc: InvalidInput) -> dict[str, str]:
    """The planning service's per-field problems as form messages (Vietnamese pages say it in Vietnamese)."""
    errors: dict[str, str] = {}
    for problem in exc.problems:
        name = problem.field if problem.field in PLAN_FIELDS else "n"
        if staff.lang == "en":
            errors[name] = problem.message[:1].upper() + problem.message[1:]
        elif name == "margin":
            errors[name] = staff.t("fw_err_margin")
        else:
            errors[name] = staff.t("fw_err_allocate")
    return errors


async def _upload(raw: Any, name: str) -> bytes | None:
    upload = raw.get(name)
    if not isinstance(upload, UploadFile):
        return None
    data = await upload.read()
    return data or None


async def _wave_context(request: Request[Any, Any, Any], staff: Staff, code: str) -> dict[str, Any]:
    """Everything the wave's fieldwork page shows, from the same services as the JSON API."""
    actor = staff.actor
    wave = await request.app.state.services.waves.get(actor, code)  # NotFound → 404 page
    frame: dict[str, Any] = await request.app.state.services.frames.summary(actor, code)
    names = await agency_names(staff, {a["agency"] for a in frame["agencies"]})
    try:
        sample: dict[str, Any] | None = await request.app.state.services.fieldwork.sample_summary(actor, code)
    except Conflict:
        sample = None
    progress = await progress_view(request, staff, code) if sample else None
    try:
        weights: dict[str, Any] | None = await request.app.state.services.weights.latest(actor, code)
    except NotFound:
        weights = None
    contacts = await request.app.state.services.phone.summary(actor, code) if sample else None
    saved = (wave.get("settings") or {}).get("sampling_plan")
    cells_by_agency: dict[str, list[dict[str, Any]]] = {}
    for cell in frame["cells"]:
        cells_by_agency.setdefault(str(cell["agency"]), []).append(cell)
    return {
        "title": f"{staff.t('fw_title')} · {wave['code']}",
        "wave": wave,
        "wave_name": wave["name_en"] if staff.lang == "en" and wave.get("name_en") else wave["name_vi"],
        "period": period_text(wave),
        "badge": status_badge(str(wave["status"])),
        "frame": frame,
        "agency_names": names,
        "cells_by_agency": cells_by_agency,
        "frame_locked": sample is not None or wave["status"] == "closed",
        "sample": sample,
        "progress": progress,
        "weights": weights,
        "contacts": contacts,
        "plan_form": _default_plan(saved, staff.lang),
        "saved_plan": saved,
        "plan_errors": {},
        "preview": None,
        "seed": secrets.randbelow(10**9),
        "contacts_on": True,
        "report": None,
        "letters_report": None,
        "import_errors": {},
        "weights_form": _weights_defaults(weights, staff.lang),
        "weights_errors": {},
        "letters_errors": {},
        "draw_message": "",
        "allocations": ALLOCATIONS,
        "methods": SELECTION_METHODS,
        "calibrations": CALIBRATION_METHODS,
        "variables": FRAME_VARIABLES,
        "point_options": await _point_options(request, staff, wave["service_points"]),
    }


async def _point_options(
    request: Request[Any, Any, Any], staff: Staff, codes: list[str]
) -> list[tuple[str, str]]:
    """The wave's service points as (code, "code · name") choices for the letters form."""
    listed = await request.app.state.services.service_points.list(staff.actor, 20000, 0)
    names = {
        p["code"]: p["name_en"] if staff.lang == "en" and p.get("name_en") else p["name_vi"]
        for p in listed.items
    }
    return [(c, f"{c} · {names[c]}" if c in names else c) for c in codes]


def _weights_defaults(weights: dict[str, Any] | None, lang: str) -> dict[str, Any]:
    options = (weights or {}).get("options") or {}
    return {
        "nonresponse_classes": list(options.get("nonresponse_classes") or []),
        "calibration": options.get("calibration") or "poststratify",
        "calibration_variables": list(options.get("calibration_variables") or []),
        "trim_ratio": _plain(float(options["trim_ratio"]), lang) if options.get("trim_ratio") else "",
        "include_partials": bool(options.get("include_partials")),
    }


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
    listed = await request.app.state.services.waves.list(staff.actor, 500, 0)
    ids_by_code = {str(w["code"]): w for w in listed.items}
    # Counts for the overview only (the per-wave page reads the services): units per wave, drawn samples.
    units: dict[str, int] = {}
    samples: dict[str, Any] = {}
    if ids_by_code:
        codes = list(ids_by_code)
        units = {
            r["code"]: int(r["n"])
            for r in await FrameUnit.select(FrameUnit.wave.code.as_alias("code"), Count(alias="n"))
            .where(FrameUnit.wave.code.is_in(codes))
            .group_by(FrameUnit.wave.code)
        }
        samples = {
            r["code"]: r
            for r in await Sample.select(Sample.wave.code.as_alias("code"), Sample.n, Sample.seed).where(
                Sample.wave.code.is_in(codes)
            )
        }
    waves = [
        {
            "code": w["code"],
            "name": w["name_en"] if staff.lang == "en" and w.get("name_en") else w["name_vi"],
            "status": w["status"],
            "badge": status_badge(str(w["status"])),
            "period": period_text(w),
            "units": units.get(str(w["code"]), 0),
            "sample": samples.get(str(w["code"])),
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
    data = await _upload(raw, "file")
    if data is None:
        return await _wave_page(request, staff, code, 422, import_errors={"file": staff.t("fw_err_file")})
    secret = request.app.state.services.settings.secret_key
    name = name or staff.t("fw_default_name", time=vn_time(datetime.now(UTC)))
    try:
        await request.app.state.services.frames.import_frame(staff.actor, code, data, secret, name)
    except InvalidInput as exc:
        return await _wave_page(request, staff, code, 422, report=frame_report(exc, staff.lang))
    return _done(code, "fw_imported", "fw-frame")


@post(f"{ROOT}/fieldwork/{{code:str}}/plan", include_in_schema=False, status_code=200, name="console_fw_plan")
async def plan(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], code: FromPath[str]
) -> Template | Redirect:
    """Preview (nothing stored) or, with ``save``, keep the plan in the wave's settings as the API does."""
    staff.need(*ANALYSTS)
    raw = await posted(request, staff)
    form = _read_plan(raw)
    save = raw.get("save") == "1"
    body, errors = _plan_body(form, staff)
    if not errors:
        try:
            checked = msgspec.convert({**body, "save": save}, PlanIn)  # the API's own bounds
        except msgspec.ValidationError:
            errors["n"] = staff.t("fw_err_allocate")
    if errors:
        return await _wave_page(request, staff, code, 422, plan_form=form, plan_errors=errors)
    try:
        result = await request.app.state.services.fieldwork.plan(
            staff.actor, code, _plan_values(checked), save=save
        )
    except InvalidInput as exc:
        return await _wave_page(
            request, staff, code, 422, plan_form=form, plan_errors=_plan_problem_errors(staff, exc)
        )
    if save:
        return _done(code, "fw_plan_saved", "fw-plan")
    names = await agency_names(staff, {a["agency"] for a in result["agencies"]})
    return await _wave_page(request, staff, code, plan_form=form, preview={**result, "names": names})


@post(f"{ROOT}/fieldwork/{{code:str}}/draw", include_in_schema=False, status_code=200, name="console_fw_draw")
async def draw(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], code: FromPath[str]
) -> Template | Redirect:
    """The seeded draw with the previewed plan (``POST /api/v1/waves/{code}/draw``); once per wave."""
    staff.need(*ANALYSTS)
    raw = await posted(request, staff)
    form = _read_plan(raw)
    seed_text = str(raw.get("seed") or "").strip()[:20]
    contacts = raw.get("contacts") == "1"
    seed = (
        int(seed_text)
        if seed_text.isascii() and seed_text.isdigit() and len(seed_text) <= 20 and int(seed_text) <= MAX_SEED
        else None
    )
    body, errors = _plan_body(form, staff)
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
        await request.app.state.services.fieldwork.draw(
            staff.actor, code, checked.seed, _plan_values(checked), contacts=checked.contacts
        )
    except InvalidInput as exc:
        return await _wave_page(
            request,
            staff,
            code,
            422,
            plan_form=form,
            plan_errors=_plan_problem_errors(staff, exc),
            seed=seed_text,
            contacts_on=contacts,
        )
    except Conflict:
        # Drawn already (or closed): the service draws once. Say so plainly, with the seed that was used.
        context = await _wave_context(request, staff, code)
        sample = context["sample"]
        message = (
            staff.t("fw_already_drawn", seed=sample["seed"]) if sample is not None else staff.t("fw_closed")
        )
        context["draw_message"] = message
        return page(staff, "fieldwork_wave.html", context, status=409)
    return _done(code, "fw_drawn", "fw-sample")


def _weights_form(raw: Any) -> dict[str, Any]:
    return {
        "nonresponse_classes": [str(v) for v in raw.getall("nonresponse_classes", [])][:20],
        "calibration": str(raw.get("calibration") or "poststratify")[:20],
        "calibration_variables": [str(v) for v in raw.getall("calibration_variables", [])][:20],
        "trim_ratio": str(raw.get("trim_ratio") or "").strip()[:20],
        "include_partials": raw.get("include_partials") == "1",
    }


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
    form = _weights_form(raw)
    t = staff.t
    errors: dict[str, str] = {}
    trim = _number(form["trim_ratio"]) if form["trim_ratio"] else None
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
            await request.app.state.services.weights.compute(staff.actor, code, values)
        except InvalidInput as exc:
            errors = _weights_problem_errors(staff, exc.problems)
    if errors:
        return await _wave_page(request, staff, code, 422, weights_form=form, weights_errors=errors)
    return _done(code, "fw_weights", "fw-weights")


def _weights_problem_errors(staff: Staff, problems: list[FieldProblem]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for problem in problems:
        if staff.lang == "en":
            name = (
                problem.field
                if problem.field in ("nonresponse_classes", "calibration_variables", "trim_ratio")
                else "calibration"
            )
            errors[name] = problem.message[:1].upper() + problem.message[1:]
        elif problem.field in ("fieldwork", "sample"):
            errors["calibration"] = staff.t("fw_err_no_respondents")
        elif problem.field == "trim_ratio":
            errors["trim_ratio"] = staff.t("fw_err_trim")
        elif problem.field in ("nonresponse_classes", "calibration_variables"):
            errors[problem.field] = staff.t("fw_err_vars")
        else:
            errors["calibration"] = staff.t("fw_err_calibration")
    return errors


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
    data = await _upload(raw, "letters_file")
    point = str(raw.get("service_point") or "").strip()[:48] or None
    if data is None:
        return await _wave_page(
            request, staff, code, 422, letters_errors={"letters_file": staff.t("fw_err_file")}
        )
    settings = request.app.state.services.settings
    try:
        rows, missing = await request.app.state.services.fieldwork.letters(
            staff.actor, code, data, settings.secret_key, settings.base_url, point
        )
    except InvalidInput as exc:
        if any(p.field == "service_point" for p in exc.problems):
            agencies = [p.message.split(" ")[1] for p in exc.problems if p.message.startswith("agency ")]
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
        return await _wave_page(request, staff, code, 422, letters_report=frame_report(exc, staff.lang))
    if not rows:
        return await _wave_page(
            request, staff, code, 422, letters_errors={"letters_file": staff.t("fw_letters_none")}
        )
    body = await anyio.to_thread.run_sync(partial(render_letters, [LetterData(**row) for row in rows]))
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
