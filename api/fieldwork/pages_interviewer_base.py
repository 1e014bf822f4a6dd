"""What the interviewer pages (:mod:`api.fieldwork.pages_interviewer`) share: the session, page rendering,
Vietnamese labels of contact statuses and AAPOR dispositions, times and phone numbers as shown."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta, timezone
from typing import Annotated, Any

from litestar import Request
from litestar.datastructures import Cookie
from litestar.params import PathParameter
from litestar.response import Redirect, Template

from api.services import services_of
from api.web.auth import SESSION_COOKIE
from api.web.csrf import csrf_token
from api.web.i18n import PAGE, translator
from api.web.pages_common import PAGE_HEADERS, secret_of
from survey_engine.actors import Actor
from survey_engine.errors import AuthenticationFailed
from survey_engine.fieldwork.dispositions import CALLBACK

log = logging.getLogger("sipas.pages.interviewer")

VN = timezone(timedelta(hours=7), "ICT")  # Vietnam: UTC+7 all year, no daylight saving
LOGIN_COOKIE = "sipas_login"
LOGIN_PATH = "/i/login"
LIST_LIMIT = 1000  # an interviewer's call list is far shorter; admins see a note when it is cut
NOTE_MAX = 500
READ_ONLY_ROLES = ("admin", "statistician")

WaveCode = Annotated[str, PathParameter(max_length=48, description="wave code")]
ContactCode = Annotated[str, PathParameter(max_length=48, description="contact code")]

STATUS_LABELS: dict[str, str] = {
    "pending": "Chưa gọi",
    "callback": "Hẹn gọi lại",
    "complete": "Hoàn thành",
    "partial": "Hoàn thành một phần",
    "refusal": "Từ chối",
    "non_contact": "Không liên lạc được",
    "other": "Không phỏng vấn được (lý do khác)",
    "unknown": "Chưa rõ điều kiện",
    "ineligible": "Không đủ điều kiện",
}

# The dispositions an interviewer chooses from, grouped as on the call sheet (AAPOR codes in brackets).
DISPOSITION_GROUPS: list[tuple[str, list[tuple[str, str]]]] = [
    ("Hoàn thành một phần", [("1.2", "Phỏng vấn dở dang, sẽ tiếp tục")]),
    (
        "Từ chối",
        [
            ("2.112", "Người được hỏi từ chối trả lời"),
            ("2.111", "Người nghe máy từ chối thay (hộ gia đình)"),
            ("2.12", "Bỏ dở giữa chừng, không muốn tiếp tục"),
        ],
    ),
    (
        "Không liên lạc được",
        [
            ("3.13", "Không nghe máy"),
            ("3.12", "Máy bận"),
            ("2.221", "Hộp thư thoại, đã để lại lời nhắn"),
            ("2.222", "Hộp thư thoại, không để lại lời nhắn"),
            ("2.20", "Có người nghe nhưng người cần hỏi vắng mặt"),
            ("3.15", "Thuê bao chặn cuộc gọi"),
        ],
    ),
    ("Hẹn gọi lại", [(CALLBACK, "Hẹn gọi lại vào thời gian đã thống nhất")]),
    (
        "Không đủ điều kiện",
        [
            ("4.70", "Không phải người đã làm thủ tục (không đủ điều kiện)"),
            ("4.31", "Số điện thoại không có thực"),
            ("4.32", "Thuê bao đã bị cắt"),
            ("4.33", "Thuê bao tạm ngừng liên lạc"),
            ("4.41", "Số điện thoại đã đổi chủ"),
            ("4.20", "Số fax hoặc đường truyền dữ liệu"),
        ],
    ),
    (
        "Lý do khác",
        [
            ("2.32", "Không đủ sức khỏe để trả lời"),
            ("2.332", "Rào cản ngôn ngữ"),
            ("2.34", "Chất lượng âm thanh quá kém"),
            ("2.35", "Không tiện trả lời lúc này (đang lái xe, đang làm việc…)"),
            ("3.16", "Sự cố kỹ thuật đường dây"),
        ],
    ),
]
DISPOSITION_LABELS: dict[str, str] = {
    "1.1": "Hoàn thành phỏng vấn",
    **{code: label for _, options in DISPOSITION_GROUPS for code, label in options},
}


# -- sessions and responses ------------------------------------------------------------------------


async def interviewer_session(request: Request[Any, Any, Any]) -> tuple[Actor, str] | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        actor = await services_of(request).staff.authenticate_token(token)
    except AuthenticationFailed:
        return None
    return actor, token


def to_login(expired: bool = False) -> Redirect:
    return Redirect(LOGIN_PATH + ("?expired=1" if expired else ""), status_code=303, headers=PAGE_HEADERS)


def render_page(
    name: str, ctx: dict[str, Any], status: int = 200, cookies: list[Cookie] | None = None
) -> Template:
    base = {"lang": "vi", "t": translator("vi", PAGE), "agency": "", "point": ""}
    return Template(
        template_name=name,
        context={**base, **ctx},
        status_code=status,
        headers=PAGE_HEADERS,
        cookies=cookies or [],
    )


def interviewer_message(
    request: Request[Any, Any, Any],
    title: str,
    body: str,
    status: int,
    session: tuple[Actor, str] | None = None,
    back: str = "/i",
) -> Template:
    return render_page(
        "interviewer_message.html",
        {"title": title, "body": body, "back": back, **chrome(request, session)},
        status,
    )


def chrome(request: Request[Any, Any, Any], session: tuple[Actor, str] | None) -> dict[str, Any]:
    """What the page header needs: who is signed in and the logout form's CSRF token."""
    if session is None:
        return {"user": None}
    actor, token = session
    return {
        "user": actor.email,
        "role": actor.role,
        "logout_csrf": csrf_token(secret_of(request), "logout", token),
    }


def forbidden_page(request: Request[Any, Any, Any], session: tuple[Actor, str]) -> Template:
    return interviewer_message(
        request,
        "Không có quyền truy cập",
        "Trang này dành cho điều tra viên phỏng vấn qua điện thoại. Tài khoản của Ông/Bà không có "
        "quyền xem danh sách liên hệ.",
        403,
        session,
        back="",
    )


def aware(value: object) -> datetime | None:
    """SQLite returns timestamps naive (UTC) or as text; PostgreSQL aware."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)  # noqa: S101 - invariant, not input
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def vn_time(value: object) -> str:
    moment = aware(value)
    return moment.astimezone(VN).strftime("%H:%M %d/%m/%Y") if moment else ""


def display_phone(phone: str) -> str:
    """``+84912345678`` → ``0912 345 678``; ``+842438251234`` → ``024 3825 1234``."""
    national = phone.removeprefix("+84")
    if not national.isdigit():
        return phone
    if len(national) == 9:
        return f"0{national[:3]} {national[3:6]} {national[6:]}"
    return f"0{national[:2]} {national[2:6]} {national[6:]}"


def contact_missing(request: Request[Any, Any, Any], session: tuple[Actor, str]) -> Template:
    return interviewer_message(
        request,
        "Không tìm thấy liên hệ",
        "Liên hệ này không có trong danh sách của Ông/Bà hoặc đợt khảo sát đã kết thúc.",
        404,
        session,
    )
