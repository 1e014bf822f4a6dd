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
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from litestar.response import Redirect, Template

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
from api.web.console_i18n import register
from survey_engine.administration.agencies import AGENCY_LEVELS, SERVICE_POINT_KINDS
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

register(
    {
        "ag_agencies_title": ("Cơ quan", "Agencies"),
        "ag_points_title": ("Điểm phục vụ", "Service points"),
        "ag_intro": (
            "Danh sách cơ quan được khảo sát. Mỗi cơ quan có một hoặc nhiều điểm phục vụ; mỗi điểm phục "
            "vụ có mã QR riêng để người dân trả lời phiếu.",
            "The agencies being surveyed. Each has one or more service points; each service point has its "
            "own QR code through which citizens answer.",
        ),
        "ag_points_intro": (
            "Mỗi điểm phục vụ có một địa chỉ phiếu trực tuyến và một địa chỉ kiosk, in trên mã QR.",
            "Each service point has an online-form address and a kiosk address, printed as QR codes.",
        ),
        "ag_search_label": ("Tìm theo mã hoặc tên", "Search by code or name"),
        "ag_agency_filter": ("Cơ quan", "Agency"),
        "ag_all_agencies": ("Tất cả cơ quan", "All agencies"),
        "ag_new_agency": ("Thêm cơ quan", "Add an agency"),
        "ag_new_point": ("Thêm điểm phục vụ", "Add a service point"),
        "ag_edit_agency": ("Sửa thông tin cơ quan", "Edit the agency"),
        "ag_edit_point": ("Sửa thông tin điểm phục vụ", "Edit the service point"),
        "ag_all_points": ("Tất cả điểm phục vụ", "All service points"),
        "ag_no_agencies": ("Không có cơ quan nào.", "No agencies."),
        "ag_no_agencies_found": ("Không tìm thấy cơ quan nào khớp với “{q}”.", "No agency matches “{q}”."),
        "ag_no_points": ("Chưa có điểm phục vụ nào.", "No service points yet."),
        "ag_no_points_found": (
            "Không tìm thấy điểm phục vụ nào khớp với điều kiện lọc.",
            "No service point matches the filter.",
        ),
        "ag_code": ("Mã", "Code"),
        "ag_name_vi": ("Tên tiếng Việt", "Name in Vietnamese"),
        "ag_name_en": ("Tên tiếng Anh", "Name in English"),
        "ag_name": ("Tên", "Name"),
        "ag_level": ("Cấp", "Level"),
        "ag_parent": ("Cơ quan cấp trên", "Parent agency"),
        "ag_unit": ("Đơn vị hành chính", "Administrative unit"),
        "ag_unit_code": ("Mã đơn vị hành chính", "Administrative unit code"),
        "ag_unit_version": ("Phiên bản danh mục đơn vị hành chính", "Version of the unit list"),
        "ag_status": ("Trạng thái", "Status"),
        "ag_active": ("Đang hoạt động", "Active"),
        "ag_inactive": ("Ngừng hoạt động", "Inactive"),
        "ag_active_check": (
            "Đang hoạt động (bỏ chọn để ngừng hoạt động mà vẫn giữ dữ liệu)",
            "Active (untick to deactivate while keeping the data)",
        ),
        "ag_kind": ("Loại điểm phục vụ", "Kind of service point"),
        "ag_agency": ("Cơ quan", "Agency"),
        "ag_points_count": ("Số điểm phục vụ", "Service points"),
        "ag_level_province": ("Cấp tỉnh", "Province level"),
        "ag_level_district": ("Cấp huyện", "District level"),
        "ag_level_commune": ("Cấp xã", "Commune level"),
        "ag_kind_counter": ("Quầy tiếp nhận", "Reception counter"),
        "ag_kind_service_centre": (
            "Trung tâm phục vụ hành chính công",
            "Public administration service centre",
        ),
        "ag_kind_online": ("Dịch vụ công trực tuyến", "Online public service"),
        "ag_kind_phone": ("Tổng đài điện thoại", "Telephone hotline"),
        "ag_choose": ("— Chọn —", "— Choose —"),
        "ag_code_hint": (
            "Chữ cái không dấu, chữ số và các ký tự . _ -, bắt đầu bằng chữ hoặc số, tối đa {n} ký tự. "
            "Không đổi được sau khi tạo.",
            "Letters without accents, digits and . _ -, starting with a letter or digit, at most {n} "
            "characters. It cannot be changed later.",
        ),
        "ag_parent_hint": (
            "Để trống nếu không có. Nhập mã cơ quan, ví dụ: SO-TP.",
            "Leave empty if none. Type the agency's code, e.g. SO-TP.",
        ),
        "ag_unit_hint": (
            "Không bắt buộc. Mã đơn vị hành chính theo danh mục (ví dụ mã tỉnh).",
            "Optional. The unit's code in the list of administrative units (e.g. the province code).",
        ),
        "ag_unit_version_hint": (
            "Không bắt buộc. Để trống để dùng phiên bản mới nhất.",
            "Optional. Leave empty for the newest version.",
        ),
        "ag_agency_hint": ("Nhập mã cơ quan quản lý điểm phục vụ.", "The code of the agency in charge."),
        "ag_err_required": ("Vui lòng nhập thông tin này.", "Enter this value."),
        "ag_err_choose": ("Vui lòng chọn một mục trong danh sách.", "Choose one of the options."),
        "ag_err_code": (
            "Mã chỉ gồm chữ cái không dấu, chữ số và các ký tự . _ -, bắt đầu bằng chữ hoặc số, "
            "tối đa {n} ký tự.",
            "Use letters without accents, digits and . _ -, starting with a letter or digit, at most {n} "
            "characters.",
        ),
        "ag_err_reserved": (
            "Không dùng được mã “{code}” vì trùng với một địa chỉ của trang quản trị.",
            "The code “{code}” cannot be used: it is an address of the console.",
        ),
        "ag_err_long": ("Tối đa {n} ký tự.", "At most {n} characters."),
        "ag_err_agency_taken": ("Đã có cơ quan dùng mã này.", "Another agency already has this code."),
        "ag_err_point_taken": (
            "Đã có điểm phục vụ dùng mã này.",
            "Another service point already has this code.",
        ),
        "ag_err_no_agency": (
            "Không có cơ quan nào có mã “{code}”.",
            "There is no agency with code “{code}”.",
        ),
        "ag_err_no_unit": (
            "Không có đơn vị hành chính nào có mã “{code}” trong danh mục.",
            "There is no administrative unit with code “{code}”.",
        ),
        "ag_err_self_parent": (
            "Cơ quan không thể là cơ quan cấp trên của chính nó.",
            "An agency cannot be its own parent.",
        ),
        "ag_err_invalid": ("Giá trị này không hợp lệ.", "This value is not valid."),
        "ag_points_of": ("Các điểm phục vụ của cơ quan", "Service points of the agency"),
        "ag_online_channel": ("Phiếu trực tuyến", "Online form"),
        "ag_online_note": (
            "Người dân quét mã bằng điện thoại của mình để trả lời phiếu.",
            "Citizens scan the code with their own phone to answer.",
        ),
        "ag_kiosk_channel": ("Kiosk", "Kiosk"),
        "ag_kiosk_note": (
            "Trang cho máy tính bảng đặt tại điểm phục vụ; máy cần được đăng ký ở trang Thiết bị kiosk.",
            "The page for a tablet at the service point; register the tablet on the Kiosk devices page.",
        ),
        "ag_url": ("Địa chỉ", "Address"),
        "ag_qr_alt": ("Mã QR dẫn tới {url}", "QR code linking to {url}"),
        "ag_download_png": ("Mã QR (PNG)", "QR code (PNG)"),
        "ag_download_svg": ("Mã QR (SVG, để in khổ lớn)", "QR code (SVG, for large prints)"),
        "ag_poster": ("Áp phích để in (PDF)", "Printable poster (PDF)"),
        "ag_poster_size": ("Khổ giấy", "Paper size"),
        "ag_poster_lang": ("Ngôn ngữ chính", "Main language"),
        "ag_poster_vi": ("Tiếng Việt", "Vietnamese"),
        "ag_poster_en": ("Tiếng Anh", "English"),
        "ag_poster_download": ("Tải áp phích", "Download the poster"),
        "ag_rotate_title": ("Đổi mã truy cập", "Replace the access token"),
        "ag_rotate_body": (
            "Khi đổi mã, địa chỉ phiếu và địa chỉ kiosk của điểm phục vụ này sẽ thay đổi. Mọi mã QR và áp "
            "phích đã in sẽ không còn dùng được; cần in lại và cài lại kiosk. Chỉ đổi khi mã bị lạm dụng.",
            "Replacing the token changes this service point's form and kiosk addresses. Every printed QR "
            "code and poster stops working; print them again and set up the kiosks again. Do this only "
            "if the code is being misused.",
        ),
        "ag_rotate_button": ("Đổi mã truy cập", "Replace the token"),
        "ag_rotate_confirm": (
            "Đổi mã truy cập? Mọi mã QR và áp phích đã in của điểm phục vụ này sẽ ngừng hoạt động.",
            "Replace the token? Every printed QR code and poster of this service point will stop working.",
        ),
        "ag_kiosks_link": ("Thiết bị kiosk của điểm phục vụ này", "Kiosk devices of this service point"),
        "ag_reserved_note": (
            "Không dùng các mã “new” và “points”.",
            "The codes “new” and “points” are not available.",
        ),
        "done_ag_agency_created": ("Đã thêm cơ quan.", "The agency was added."),
        "done_ag_agency_saved": ("Đã lưu thông tin cơ quan.", "The agency was saved."),
        "done_ag_point_created": (
            "Đã thêm điểm phục vụ. Mã QR bên dưới đã sẵn sàng để tải và in.",
            "The service point was added. Its QR codes below are ready to download and print.",
        ),
        "done_ag_point_saved": ("Đã lưu thông tin điểm phục vụ.", "The service point was saved."),
        "done_ag_rotated": (
            "Đã đổi mã truy cập. Địa chỉ và mã QR mới ở bên dưới; các mã QR đã in trước đây không còn "
            "dùng được.",
            "The token was replaced. The new addresses and QR codes are below; QR codes printed before "
            "no longer work.",
        ),
    }
)


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
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], q: Search = None, page_no: PageNo = None
) -> Template:
    staff.need(*READERS)
    services = services_of(request)
    number = page_number(page_no)
    search = (q or "").strip()
    listed = await services.agencies.list(staff.actor, PAGE_SIZE, (number - 1) * PAGE_SIZE, search or None)
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
            "pager": pager(BASE, {"q": search}, number, listed.total, PAGE_SIZE),
        },
    )


def optional_text(value: object) -> str | None:
    return str(value) if value else None


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
        staff.actor, PAGE_SIZE, (number - 1) * PAGE_SIZE, agency=str(agency["code"])
    )
    unit_name = await services.admin_units.name(
        optional_text(agency.get("unit")), optional_text(agency.get("unit_version"))
    )
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
            "level_label": level_label(staff, agency),
            "unit_name": unit_name,
            "parent_label": parent_label,
            "points": [point_row(staff, p) for p in points.items],
            "pager": pager(f"{BASE}/{agency['code']}", {}, number, points.total, PAGE_SIZE),
        },
    )


@get(f"{BASE}/{{code:str}}/edit", include_in_schema=False, name="console_agency_edit")
async def agency_edit(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], code: FromPath[str]
) -> Template:
    staff.need("admin")
    services = services_of(request)
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
