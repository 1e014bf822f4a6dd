"""Console pages for kiosk devices: register a tablet (pairing link and QR shown once), list, revoke.

Role rules as ``/api/v1/kiosk-devices`` (:class:`api.collection.routes_submissions.KioskDeviceController`):
the
readers (admin, statistician, agency) see the list, an agency user only its own agency's devices;
administrators and agency users register and revoke, an agency user for its own service points only
(the service answers "not found" for another agency's point or device, shown as the 404 page).

The device token is never stored in clear: the page that answers the registration is the only place it
appears, inside the pairing address ``<kiosk URL>#device=<token>`` (the fragment never reaches the server;
the kiosk page keeps the token in the tablet's storage), as ``sipas demo`` and the API build it.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import urlencode

import anyio.to_thread
from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from api.administration.console_agencies import PAGE_SIZE
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
from api.web.routes_common import RowId
from reports.qr import qr_png
from survey_engine.errors import NotFound

BASE = f"{ROOT}/kiosks"
READERS = ("admin", "statistician", "agency")  # api.web.auth.READERS: the list
EDITORS = ("admin", "agency")  # api.web.auth.AGENCY_EDITORS: register and revoke
NAME_MAX = 100  # as KioskDeviceIn.name
POINT_CHOICES_MAX = 300  # beyond this many service points a code field replaces the drop-down list

PointFilter = Annotated[str | None, QueryParameter(max_length=48, description="service point code")]

register(
    {
        "kiosk_title": ("Thiết bị kiosk", "Kiosk devices"),
        "kiosk_intro": (
            "Máy tính bảng đặt tại điểm phục vụ để người dân đánh giá ngay sau khi được phục vụ. Mỗi thiết "
            "bị được đăng ký cho một điểm phục vụ; thu hồi thiết bị khi bị mất hoặc không dùng nữa.",
            "Tablets at service points where citizens rate the service right after being served. Each "
            "device is registered for one service point; revoke a device when it is lost or retired.",
        ),
        "kiosk_register": ("Đăng ký thiết bị", "Register a device"),
        "kiosk_register_title": ("Đăng ký thiết bị kiosk", "Register a kiosk device"),
        "kiosk_register_intro": (
            "Sau khi đăng ký, trang sẽ hiện một mã QR ghép nối. Hãy chuẩn bị sẵn máy tính bảng để quét mã.",
            "After registration a pairing QR code is shown. Have the tablet ready to scan it.",
        ),
        "kiosk_point": ("Điểm phục vụ", "Service point"),
        "kiosk_point_hint": ("Nhập mã điểm phục vụ, ví dụ: SO-TP-Q1.", "The service point's code."),
        "kiosk_all_points": ("Tất cả điểm phục vụ", "All service points"),
        "kiosk_name": ("Tên thiết bị", "Device name"),
        "kiosk_name_hint": (
            "Tên giúp nhận ra máy, ví dụ: “Máy tính bảng quầy số 3”.",
            "A name to recognise it by, e.g. “Tablet at counter 3”.",
        ),
        "kiosk_id": ("Số", "No."),
        "kiosk_registered": ("Ngày đăng ký", "Registered"),
        "kiosk_last_seen": ("Hoạt động gần nhất", "Last seen"),
        "kiosk_never_seen": ("Chưa kết nối", "Not yet connected"),
        "kiosk_status": ("Trạng thái", "Status"),
        "kiosk_active": ("Đang dùng", "In use"),
        "kiosk_revoked": ("Đã thu hồi", "Revoked"),
        "kiosk_revoked_at": ("lúc {at}", "at {at}"),
        "kiosk_revoke": ("Thu hồi", "Revoke"),
        "kiosk_revoke_label": ("Thu hồi thiết bị {name}", "Revoke the device {name}"),
        "kiosk_revoke_confirm": (
            "Thu hồi thiết bị “{name}”? Máy này sẽ không gửi được phiếu nữa, kể cả các phiếu đang chờ gửi.",
            "Revoke the device “{name}”? It will no longer be able to send responses, including queued ones.",
        ),
        "kiosk_none": ("Chưa có thiết bị kiosk nào.", "No kiosk devices yet."),
        "kiosk_none_for_point": (
            "Điểm phục vụ này chưa có thiết bị kiosk nào.",
            "This service point has no kiosk devices.",
        ),
        "kiosk_time_note": ("Thời gian theo giờ Việt Nam (UTC+7).", "Times are Vietnam time (UTC+7)."),
        "kiosk_no_points": (
            "Chưa có điểm phục vụ nào để đăng ký thiết bị.",
            "There is no service point to register a device for.",
        ),
        "kiosk_err_name": ("Vui lòng nhập tên thiết bị.", "Enter a name for the device."),
        "kiosk_err_name_long": (
            "Tên thiết bị tối đa {n} ký tự.",
            "The name may have at most {n} characters.",
        ),
        "kiosk_err_point": ("Vui lòng chọn điểm phục vụ.", "Choose a service point."),
        "kiosk_err_no_point": (
            "Không có điểm phục vụ nào có mã “{code}”.",
            "There is no service point with code “{code}”.",
        ),
        "kiosk_paired_title": ("Ghép nối máy tính bảng", "Pair the tablet"),
        "kiosk_paired_done": (
            "Đã đăng ký thiết bị “{name}” cho điểm phục vụ {point}.",
            "The device “{name}” was registered for service point {point}.",
        ),
        "kiosk_once_warning": (
            "Mã ghép nối chỉ hiển thị một lần. Hãy ghép nối máy tính bảng ngay bây giờ; nếu rời khỏi trang "
            "này mà chưa ghép nối, hãy thu hồi thiết bị và đăng ký lại.",
            "The pairing code is shown only once. Pair the tablet now; if you leave this page before "
            "pairing, revoke the device and register it again.",
        ),
        "kiosk_pair_steps": (
            "Trên máy tính bảng, mở ứng dụng máy ảnh và quét mã QR này, hoặc mở trình duyệt và nhập đường "
            "dẫn bên dưới. Trang kiosk sẽ tự lưu mã thiết bị và sẵn sàng nhận đánh giá.",
            "On the tablet, scan this QR code with the camera, or open the browser and type the link "
            "below. The kiosk page keeps the device code and is ready for ratings.",
        ),
        "kiosk_pair_qr_alt": ("Mã QR ghép nối máy tính bảng", "Pairing QR code for the tablet"),
        "kiosk_pair_link": ("Đường dẫn ghép nối", "Pairing link"),
        "kiosk_pair_secret_note": (
            "Đường dẫn này là mật khẩu của thiết bị: không gửi qua thư điện tử hay tin nhắn.",
            "This link is the device's password: do not send it by e-mail or chat.",
        ),
        "kiosk_back_to_list": ("Đã ghép nối xong, về danh sách thiết bị", "Paired: back to the device list"),
        "done_kiosk_revoked": (
            "Đã thu hồi thiết bị. Máy này không gửi được phiếu nữa.",
            "The device was revoked. It can no longer send responses.",
        ),
    }
)


def _services(request: Request[Any, Any, Any]) -> Services:
    services: Services = request.app.state.services
    return services


async def _point_labels(services: Services, staff: Staff, codes: list[str]) -> dict[str, str]:
    """Names of the listed devices' service points, in the page language (one query per page)."""
    names = await services.service_points.names(codes)
    return {code: name.label(staff.lang) for code, name in names.items()}


async def _point_choices(services: Services, staff: Staff) -> list[tuple[str, str]] | None:
    """(code, label) of the service points the actor may register for; None when too many for a list."""
    listed = await services.service_points.list(staff.actor, POINT_CHOICES_MAX + 1, 0)
    if listed.total > POINT_CHOICES_MAX:
        return None
    return [(str(p["code"]), f"{p['code']} · {label_of(staff, p)}") for p in listed.items]


@get(BASE, include_in_schema=False, name="console_kiosks")
async def kiosks_list(
    request: Request[Any, Any, Any],
    staff: NamedDependency[Staff],
    point: PointFilter = None,
    page_no: PageNo = None,
) -> Template:
    staff.need(*READERS)
    services = _services(request)
    number = page_number(page_no)
    chosen = (point or "").strip()
    listed = await services.kiosks.list(staff.actor, PAGE_SIZE, (number - 1) * PAGE_SIZE, chosen or None)
    labels = await _point_labels(services, staff, sorted({str(d["service_point"]) for d in listed.items}))
    rows = [{**d, "point_label": labels.get(str(d["service_point"]), "")} for d in listed.items]
    return page(
        staff,
        "kiosks.html",
        {
            "title": staff.t("kiosk_title"),
            "rows": rows,
            "point": chosen,
            "points": await _point_choices(services, staff),
            "pager": pager(BASE, {"point": chosen}, number, listed.total, PAGE_SIZE),
        },
    )


async def _register_form(
    services: Services, staff: Staff, values: Mapping[str, str], errors: Mapping[str, str] | None = None
) -> Template:
    choices = await _point_choices(services, staff)
    options = None if choices is None else [("", staff.t("ag_choose")), *choices]
    return page(
        staff,
        "kiosks_form.html",
        {
            "title": staff.t("kiosk_register_title"),
            "values": values,
            "errors": errors or {},
            "points": options,
        },
        status=422 if errors else 200,
    )


@get(f"{BASE}/new", include_in_schema=False, name="console_kiosk_new")
async def kiosk_new(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], point: PointFilter = None
) -> Template:
    staff.need(*EDITORS)
    return await _register_form(_services(request), staff, {"service_point": point or "", "name": ""})


@post(f"{BASE}/new", include_in_schema=False, status_code=200, name="console_kiosk_register")
async def kiosk_register(request: Request[Any, Any, Any], staff: NamedDependency[Staff]) -> Template:
    """Register, then answer with the pairing page itself: the token must not travel in a redirect."""
    staff.need(*EDITORS)
    raw = await posted(request, staff)
    services = _services(request)
    values = {"service_point": text(raw, "service_point", 100), "name": text(raw, "name", NAME_MAX + 1)}
    errors: dict[str, str] = {}
    if not values["name"]:
        errors["name"] = staff.t("kiosk_err_name")
    elif len(values["name"]) > NAME_MAX:
        errors["name"] = staff.t("kiosk_err_name_long", n=NAME_MAX)
    if not values["service_point"]:
        errors["service_point"] = staff.t("kiosk_err_point")
    elif len(values["service_point"]) > 48:
        errors["service_point"] = staff.t("kiosk_err_no_point", code=values["service_point"])
    if errors:
        return await _register_form(services, staff, values, errors)
    try:
        row, token = await services.kiosks.register(staff.actor, values["service_point"], values["name"])
    except NotFound:
        if staff.actor.agency_scoped:
            raise  # another agency's point: the same 404 page as everywhere else
        errors["service_point"] = staff.t("kiosk_err_no_point", code=values["service_point"])
        return await _register_form(services, staff, values, errors)
    # The API's pairing_url, as `sipas demo` builds it: the kiosk URL with the token in the fragment.
    pairing_url = f"{services.kiosk_url(str(row['service_point_token']))}#device={token}"
    png = await anyio.to_thread.run_sync(qr_png, pairing_url)  # CPU work off the event loop
    return page(
        staff,
        "kiosks_paired.html",
        {
            "title": staff.t("kiosk_paired_title"),
            "device": row,
            "pairing_url": pairing_url,
            "qr_data": "data:image/png;base64," + base64.b64encode(png).decode("ascii"),
        },
    )


@post(
    f"{BASE}/{{device_id:int}}/revoke", include_in_schema=False, status_code=200, name="console_kiosk_revoke"
)
async def kiosk_revoke(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], device_id: RowId
) -> Redirect:
    staff.need(*EDITORS)
    raw = await posted(request, staff)
    services = _services(request)
    row = await services.kiosks.revoke(staff.actor, device_id)  # NotFound (404 page) outside the scope
    services.submissions.forget()  # as the API: drop cached device lookups so the revocation bites at once
    back = str(raw.get("point") or "")
    target = f"{BASE}?{urlencode({'point': back})}" if back and back == str(row["service_point"]) else BASE
    return redirect(target, done="kiosk_revoked")


HANDLERS: list[Any] = [kiosks_list, kiosk_new, kiosk_register, kiosk_revoke]
