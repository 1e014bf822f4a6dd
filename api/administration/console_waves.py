"""Console pages for survey waves: list, create, open and close, and a wave's fieldwork progress.

Roles follow ``api/administration/routes_waves.py``: admin, statistician and agency users read (an agency
user sees only
waves that include its agency, and only its own agency's rows); admin and statistician create, open and
close. Every change goes through :class:`survey_engine.administration.waves.WaveService` and progress comes
from
:meth:`survey_engine.fieldwork.samples.FieldworkService.progress`, as the JSON API does.
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

import msgspec
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

from api.fieldwork.routes_fieldwork import FIELDWORK
from api.services import Services
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
from api.web.console_i18n import register
from api.web.schemas import WaveIn
from survey_engine.administration.waves import CHANNELS, STATUSES
from survey_engine.errors import Conflict, InvalidInput

ANALYSTS = ("admin", "statistician")  # as the API's ANALYSTS guard: create, open, close
PAGE_SIZE = 50
KIOSK_IDLE = ("discard", "keep")
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,47}$")
CATEGORIES = ("complete", "partial", "refusal", "non_contact", "other", "unknown", "ineligible")

register(
    {
        "wave_list_title": ("Đợt khảo sát", "Survey waves"),
        "wave_list_intro": (
            "Mỗi đợt gắn một phiên bản bảng hỏi với thời gian, kênh thu thập, cơ quan và điểm phục vụ.",
            "Each wave ties a questionnaire version to a period, channels, agencies and service points.",
        ),
        "wave_new": ("Tạo đợt khảo sát", "Create a wave"),
        "wave_status": ("Trạng thái", "Status"),
        "wave_status_all": ("Mọi trạng thái", "Any status"),
        "wave_status_draft": ("Bản nháp", "Draft"),
        "wave_status_open": ("Đang mở", "Open"),
        "wave_status_closed": ("Đã đóng", "Closed"),
        "wave_code": ("Mã đợt", "Wave code"),
        "wave_code_hint": (
            "Chữ cái không dấu, chữ số và . _ - (tối đa 48 ký tự), ví dụ SIPAS-2026. "
            "Không đổi được sau khi tạo.",
            "Letters, digits and . _ - (up to 48 characters), e.g. SIPAS-2026. It cannot change later.",
        ),
        "wave_name": ("Tên đợt", "Name"),
        "wave_name_vi": ("Tên tiếng Việt", "Name in Vietnamese"),
        "wave_name_en": ("Tên tiếng Anh", "Name in English"),
        "wave_questionnaire": ("Bảng hỏi (phiên bản đã công bố)", "Questionnaire (published version)"),
        "wave_questionnaire_short": ("Bảng hỏi", "Questionnaire"),
        "wave_questionnaire_none": (
            "Chưa có bảng hỏi nào được công bố. Cần công bố một bảng hỏi trước khi tạo đợt.",
            "No questionnaire is published yet. Publish one before creating a wave.",
        ),
        "wave_q_option": ("{code}, phiên bản {version} — {title}", "{code}, version {version} — {title}"),
        "wave_period": ("Thời gian", "Period"),
        "wave_period_start": ("Ngày bắt đầu", "First day"),
        "wave_period_end": ("Ngày kết thúc", "Last day"),
        "wave_channels": ("Kênh thu thập", "Channels"),
        "wave_channel_online": ("Trực tuyến (mã QR, đường dẫn)", "Online (QR code, link)"),
        "wave_channel_kiosk": ("Kiosk tại quầy", "Kiosk at the counter"),
        "wave_channel_phone": ("Phỏng vấn qua điện thoại", "Phone interviews"),
        "wave_channel_paper": ("Phiếu giấy", "Paper forms"),
        "wave_agencies": ("Cơ quan tham gia", "Agencies"),
        "wave_agencies_hint": (
            "Cần ít nhất một cơ quan để mở đợt.",
            "At least one agency is needed to open the wave.",
        ),
        "wave_points": ("Điểm phục vụ", "Service points"),
        "wave_points_all": (
            "Gồm mọi điểm phục vụ đang hoạt động của các cơ quan đã chọn",
            "Include every active service point of the chosen agencies",
        ),
        "wave_points_hint": (
            "Bỏ chọn ô trên để chỉ chọn một số điểm phục vụ trong danh sách dưới đây.",
            "Untick the box above to choose some of the service points listed below.",
        ),
        "wave_unit_version": ("Phiên bản danh mục đơn vị hành chính", "Administrative map version"),
        "wave_unit_version_hint": (
            "Ví dụ 2025-07 (bản đồ hành chính từ 01/07/2025).",
            "For example 2025-07 (the map in force from 1 July 2025).",
        ),
        "wave_kiosk_idle": ("Kiosk: phiếu bỏ dở khi hết thời gian chờ", "Kiosk: answers left when idle"),
        "wave_kiosk_idle_discard": ("Xóa, không lưu", "Discard them"),
        "wave_kiosk_idle_keep": ("Lưu lại như phiếu chưa hoàn thành", "Keep them as a break-off"),
        "wave_settings_json": ("Thiết lập khác (JSON, không bắt buộc)", "Other settings (JSON, optional)"),
        "wave_settings_json_hint": (
            'Một đối tượng JSON, ví dụ {"ghi_chu": "…"}. Để trống nếu không cần.',
            'A JSON object, e.g. {"note": "…"}. Leave empty if not needed.',
        ),
        "wave_create": ("Tạo đợt (bản nháp)", "Create the wave (draft)"),
        "wave_responses": ("Số phiếu", "Responses"),
        "wave_none": ("Không có đợt khảo sát nào.", "There is no wave."),
        "wave_settings": ("Thiết lập", "Settings"),
        "wave_members": ("Cơ quan và điểm phục vụ", "Agencies and service points"),
        "wave_members_none": ("Chưa có cơ quan nào.", "No agency yet."),
        "wave_agency": ("Cơ quan", "Agency"),
        "wave_sampling_plan": ("Kế hoạch chọn mẫu đã lưu", "Saved sample plan"),
        "wave_sampling_plan_n": ("{n} đơn vị", "{n} units"),
        "wave_sampling_plan_margin": ("sai số ±{m} điểm %", "margin ±{m} points"),
        "wave_actions": ("Chuyển trạng thái", "Change the status"),
        "wave_open": ("Mở đợt khảo sát", "Open the wave"),
        "wave_open_note": (
            "Khi mở, người dân bắt đầu gửi phiếu được; bảng hỏi, cơ quan và điểm phục vụ không đổi được nữa.",
            "Once open, citizens can answer; the questionnaire, agencies and service points can no longer "
            "change.",
        ),
        "wave_open_confirm": (
            "Mở đợt khảo sát này? Bảng hỏi, cơ quan và điểm phục vụ sẽ không thay đổi được nữa.",
            "Open this wave? Its questionnaire, agencies and service points can no longer change.",
        ),
        "wave_close": ("Đóng đợt khảo sát", "Close the wave"),
        "wave_close_note": (
            "Khi đóng: không nhận thêm phiếu; mọi số điện thoại của đợt (danh sách liên hệ và khung mẫu) bị "
            "xóa vĩnh viễn; trọng số được tính lại lần cuối với các tùy chọn gần nhất. Không thể mở lại.",
            "Closing stops new answers, permanently erases every phone number of the wave (contacts and "
            "frame) and recomputes the weights with the last options used. It cannot be reopened.",
        ),
        "wave_close_confirm": (
            "Đóng đợt khảo sát này? Mọi số điện thoại sẽ bị xóa vĩnh viễn, trọng số được tính lại và "
            "không thể mở lại đợt.",
            "Close this wave? Every phone number is erased for good, the weights are recomputed and the "
            "wave cannot be reopened.",
        ),
        "wave_closed_note": (
            "Đợt đã đóng: không nhận thêm phiếu, số điện thoại đã được xóa.",
            "The wave is closed: no more answers; phone numbers were erased.",
        ),
        "done_wave_created": ("Đã tạo đợt khảo sát (bản nháp).", "The wave was created (draft)."),
        "done_wave_opened": ("Đã mở đợt khảo sát.", "The wave is open."),
        "done_wave_closed": (
            "Đã đóng đợt khảo sát: số điện thoại đã được xóa và trọng số đã được tính lại.",
            "The wave is closed: phone numbers were erased and the weights recomputed.",
        ),
        "wave_progress": ("Tiến độ thực địa theo cơ quan", "Fieldwork progress by agency"),
        "wave_progress_none": (
            "Chưa rút mẫu xác suất cho đợt này, nên chưa có tỷ lệ trả lời.",
            "No probability sample is drawn for this wave yet, so there are no response rates.",
        ),
        "wave_progress_to_fieldwork": ("Khung mẫu và rút mẫu", "Frame and sample"),
        "wave_progress_as_of": ("Số liệu lúc {time}.", "Figures as of {time}."),
        "wave_refresh": ("Làm mới", "Refresh"),
        "wave_sampled": ("Mẫu", "Sampled"),
        "wave_cat_complete": ("Hoàn thành (I)", "Complete (I)"),
        "wave_cat_partial": ("Dở dang (P)", "Partial (P)"),
        "wave_cat_refusal": ("Từ chối (R)", "Refusal (R)"),
        "wave_cat_non_contact": ("Không liên lạc được (NC)", "Non-contact (NC)"),
        "wave_cat_other": ("Khác (O)", "Other (O)"),
        "wave_cat_unknown": ("Chưa rõ (U)", "Unknown (U)"),
        "wave_cat_ineligible": ("Không đủ điều kiện (NE)", "Ineligible (NE)"),
        "wave_rr1": ("RR1", "RR1"),
        "wave_rr1_long": ("Tỷ lệ trả lời AAPOR RR1", "AAPOR response rate 1"),
        "wave_rr3_long": (
            "Tỷ lệ trả lời AAPOR RR3 (ước lượng phần đủ điều kiện trong số chưa rõ)",
            "AAPOR response rate 3 (estimating the eligible share among unknowns)",
        ),
        "wave_rr3": ("RR3", "RR3"),
        "wave_target": ("Mục tiêu hoàn thành", "Target completes"),
        "wave_progress_col": ("Đạt mục tiêu", "Of target"),
        "wave_overall": ("Toàn đợt", "Whole wave"),
        "wave_overall_mine": ("Cơ quan của Ông/Bà", "Your agency"),
        "wave_rates_note": (
            "Tỷ lệ trả lời theo chuẩn AAPOR: RR1 = I / (I + P + R + NC + O + U); "
            "RR3 = I / (I + P + R + NC + O + e·U), với e = {e} là tỷ lệ đủ điều kiện trong các đơn vị đã "
            "xác định được.",
            "AAPOR response rates: RR1 = I / (I + P + R + NC + O + U); RR3 = I / (I + P + R + NC + O + e·U), "
            "with e = {e}, the eligible share among units whose eligibility is known.",
        ),
        "wave_by_channel": ("Phiếu nhận được theo kênh", "Responses by channel"),
        "wave_by_channel_note": (
            "Mọi phiếu đã lưu, kể cả phiếu tự nguyện không thuộc mẫu; “dở dang” là phiếu bỏ dở được giữ lại.",
            "Every stored response, including self-selected ones outside the sample; “partial” are kept "
            "break-offs.",
        ),
        "wave_total": ("Tổng", "Total"),
        "wave_partial_short": ("dở dang", "partial"),
        "wave_no_responses": ("Chưa có phiếu nào.", "No response yet."),
        "wave_err_code": (
            "Nhập mã gồm chữ cái không dấu, chữ số và . _ - (tối đa 48 ký tự).",
            "Enter a code of letters, digits and . _ - (up to 48 characters).",
        ),
        "wave_err_code_taken": ("Mã đợt này đã được dùng.", "This wave code is already used."),
        "wave_err_name": ("Nhập tên (tối đa 300 ký tự).", "Enter a name (up to 300 characters)."),
        "wave_err_questionnaire": (
            "Chọn một bảng hỏi đã công bố.",
            "Choose a published questionnaire.",
        ),
        "wave_err_date": ("Nhập một ngày hợp lệ.", "Enter a valid date."),
        "wave_err_period": (
            "Ngày kết thúc không được trước ngày bắt đầu.",
            "The last day cannot be before the first day.",
        ),
        "wave_err_channels": ("Chọn ít nhất một kênh.", "Choose at least one channel."),
        "wave_err_agencies": ("Có mã cơ quan không tồn tại.", "Some agency codes do not exist."),
        "wave_err_points": (
            "Điểm phục vụ không tồn tại hoặc không thuộc các cơ quan đã chọn: {codes}",
            "Service points unknown or not of the chosen agencies: {codes}",
        ),
        "wave_err_unit_version": ("Nhập 1–32 ký tự.", "Enter 1–32 characters."),
        "wave_err_settings": (
            'Nhập một đối tượng JSON hợp lệ, ví dụ {"ghi_chu": "…"}.',
            'Enter a valid JSON object, e.g. {"note": "…"}.',
        ),
        "wave_err_invalid": ("Giá trị không hợp lệ.", "This value is not valid."),
        "wave_see_members": ("{n} cơ quan, {p} điểm phục vụ", "{n} agencies, {p} service points"),
    }
)


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


def period_text(wave: dict[str, Any]) -> str:
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
        report = await FIELDWORK.progress(staff.actor, code)
    except Conflict:
        return None
    names = await agency_names(request, staff, {a["agency"] for a in report["agencies"]})
    rows = []
    for row in report["agencies"]:
        rows.append({**row, "name": names.get(row["agency"], row["agency"])})
    return {
        "e": report["e"],
        "rows": rows,
        "overall": report["overall"],
        "as_of": report["as_of"],
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


@get(f"{ROOT}/waves", include_in_schema=False, name="console_waves")
async def wave_list(
    request: Request[Any, Any, Any],
    staff: NamedDependency[Staff],
    status: Annotated[str | None, QueryParameter(max_length=16, description="draft, open or closed")] = None,
    page_no: PageNo = None,
) -> Template:
    staff.need(*READERS)
    wanted = status if status in STATUSES else None
    n = page_number(page_no)
    listed = await request.app.state.services.waves.list(staff.actor, PAGE_SIZE, (n - 1) * PAGE_SIZE, wanted)
    codes = [str(w["code"]) for w in listed.items]
    counts = await response_counts(staff, codes) if codes else {}
    waves = [
        {
            "code": w["code"],
            "name": label_of(staff, w),
            "questionnaire": f"{w['questionnaire']} v{w['questionnaire_version']}",
            "period": period_text(w),
            "channels": [staff.t(f"wave_channel_{c}") for c in w.get("channels") or []],
            "status": w["status"],
            "badge": status_badge(str(w["status"])),
            "responses": counts.get(str(w["code"]), 0),
            "agencies": len(w.get("agencies") or []),
            "points": len(w.get("service_points") or []),
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
            "pager": pager(f"{ROOT}/waves", {"status": wanted}, n, listed.total, PAGE_SIZE),
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
    return {"questionnaires": questionnaires, "agencies": agencies, "point_groups": groups}


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
    wave = await request.app.state.services.waves.get(staff.actor, code)  # NotFound → 404 page
    names = await agency_names(request, staff, set(wave["agencies"]))
    points = await request.app.state.services.service_points.list(staff.actor, 20000, 0)
    point_of = {p["code"]: p for p in points.items}
    members = [
        {
            "code": a,
            "name": names.get(a, a),
            "points": [
                {"code": p, "name": label_of(staff, point_of[p])}
                for p in wave["service_points"]
                if p in point_of and point_of[p]["agency"] == a
            ],
        }
        for a in wave["agencies"]
    ]
    settings = dict(wave.get("settings") or {})
    plan = settings.pop("sampling_plan", None)
    idle = settings.pop("kiosk_idle", None)
    return page(
        staff,
        "waves_detail.html",
        {
            "title": f"{wave['code']} · {label_of(staff, wave)}",
            "wave": wave,
            "name": label_of(staff, wave),
            "period": period_text(wave),
            "badge": status_badge(str(wave["status"])),
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
    await request.app.state.services.waves.set_status(staff.actor, code, wanted)
    return redirect(f"{ROOT}/waves/{quote(code)}", done="wave_opened" if wanted == "open" else "wave_closed")


HANDLERS: list[Any] = [wave_list, wave_new, wave_create, wave_detail, wave_status]
