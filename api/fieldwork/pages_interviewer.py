"""Interviewer screens for phone interviews (``/i``): sign in, the call list, a contact, the questionnaire.

Server-rendered, Vietnamese, no JavaScript needed. Authentication is the same ``sipas_session`` cookie as
``POST /api/v1/auth/login`` (the cookie only: these pages never read a bearer header). Because a cookie
rides along with any request, every POST carries a CSRF token in the hidden field ``_csrf``:

* signed in: ``HMAC-SHA256(K, purpose ‖ 0x00 ‖ session token)``, where ``K`` is derived from
  ``SIPAS_SECRET_KEY`` and ``purpose`` names the form (``logout``, ``attempt:{wave}/{contact}``,
  ``form:{wave}/{contact}``): a token for one contact's form is refused on another's;
* the login form (no session yet, "login CSRF"): ``HMAC(K, "login" ‖ 0x00 ‖ nonce)`` where the nonce is a
  random value in a short-lived ``SameSite=Strict`` cookie set by ``GET /i/login`` (double submit).

A request that the browser marks as coming from another site (``Sec-Fetch-Site``, else ``Origin``) is
refused as well. The questionnaire reuses the
online form's machinery (:func:`api.collection.pages_online.advance`): its signed state is bound to the
service-point
token *and* the contact, so a state cannot be replayed against another contact.

Phone numbers are shown only on the contact page, only to the assigned interviewer (as
:meth:`PhoneService.get_contact` decides), and are never logged.
"""

from __future__ import annotations

import logging
import secrets
import time
from datetime import UTC, datetime, timedelta, timezone
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.datastructures import Cookie
from litestar.params import PathParameter, QueryParameter
from litestar.response import Redirect, Template

from api.collection.form_state import FormState
from api.collection.pages_online import FormPage, Submitter, advance, fresh_state, render_form, show_errors
from api.web.auth import SESSION_COOKIE, ended_session_cookie, session_cookie
from api.web.csrf import csrf_ok as _csrf_ok
from api.web.csrf import csrf_token
from api.web.pages_common import PAGE_HEADERS, FormUnavailable, load_form, secret_of
from api.web.render import error_map, translator
from survey_engine import errors as domain
from survey_engine.actors import Actor
from survey_engine.errors import AuthenticationFailed, Conflict, Forbidden, InvalidInput, NotFound
from survey_engine.fieldwork.phone import (
    CALLBACK,
    CODE_PATTERN,
    DISPOSITIONS,
    FINAL_STATUSES,
    STATUSES,
    PhoneService,
)
from survey_engine.fieldwork.phone_submission import contact_for_submission, form_token_for_contact
from survey_engine.questionnaire import Questionnaire, prune_hidden, validate_answers

log = logging.getLogger("sipas.pages.interviewer")

PHONE = PhoneService()
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


async def _session(request: Request[Any, Any, Any]) -> tuple[Actor, str] | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    try:
        actor = await request.app.state.services.staff.authenticate_token(token)
    except AuthenticationFailed:
        return None
    return actor, token


def _to_login(expired: bool = False) -> Redirect:
    return Redirect(LOGIN_PATH + ("?expired=1" if expired else ""), status_code=303, headers=PAGE_HEADERS)


def _page(name: str, ctx: dict[str, Any], status: int = 200, cookies: list[Cookie] | None = None) -> Template:
    base = {"lang": "vi", "t": translator("vi"), "agency": "", "point": ""}
    return Template(
        template_name=name,
        context={**base, **ctx},
        status_code=status,
        headers=PAGE_HEADERS,
        cookies=cookies or [],
    )


def _message(
    request: Request[Any, Any, Any],
    title: str,
    body: str,
    status: int,
    session: tuple[Actor, str] | None = None,
    back: str = "/i",
) -> Template:
    return _page(
        "interviewer_message.html",
        {"title": title, "body": body, "back": back, **_chrome(request, session)},
        status,
    )


def _chrome(request: Request[Any, Any, Any], session: tuple[Actor, str] | None) -> dict[str, Any]:
    """What the page header needs: who is signed in and the logout form's CSRF token."""
    if session is None:
        return {"user": None}
    actor, token = session
    return {
        "user": actor.email,
        "role": actor.role,
        "logout_csrf": csrf_token(secret_of(request), "logout", token),
    }


def _forbidden(request: Request[Any, Any, Any], session: tuple[Actor, str]) -> Template:
    return _message(
        request,
        "Không có quyền truy cập",
        "Trang này dành cho điều tra viên phỏng vấn qua điện thoại. Tài khoản của Ông/Bà không có "
        "quyền xem danh sách liên hệ.",
        403,
        session,
        back="",
    )


def _aware(value: object) -> datetime | None:
    """SQLite returns timestamps naive (UTC) or as text; PostgreSQL aware."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)  # noqa: S101 - invariant, not input
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _vn_time(value: object) -> str:
    moment = _aware(value)
    return moment.astimezone(VN).strftime("%H:%M %d/%m/%Y") if moment else ""


def _display_phone(phone: str) -> str:
    """``+84912345678`` → ``0912 345 678``; ``+842438251234`` → ``024 3825 1234``."""
    national = phone.removeprefix("+84")
    if not national.isdigit():
        return phone
    if len(national) == 9:
        return f"0{national[:3]} {national[3:6]} {national[6:]}"
    return f"0{national[:2]} {national[2:6]} {national[6:]}"


# -- sign in and out --------------------------------------------------------------------------------


def _login_form(
    request: Request[Any, Any, Any], error: str = "", email: str = "", notice: str = "", status: int = 200
) -> Template:
    nonce = secrets.token_urlsafe(24)
    secure = request.app.state.services.settings.base_url.startswith("https://")
    cookie = Cookie(
        key=LOGIN_COOKIE,
        value=nonce,
        httponly=True,
        secure=secure,
        samesite="strict",
        max_age=3600,
        path=LOGIN_PATH,
    )
    return _page(
        "interviewer_login.html",
        {
            "user": None,
            "error": error,
            "email": email,
            "notice": notice,
            "csrf": csrf_token(secret_of(request), "login", nonce),
        },
        status,
        cookies=[cookie],
    )


@get(LOGIN_PATH, include_in_schema=False, name="interviewer_login")
async def login_page(
    request: Request[Any, Any, Any],
    expired: Annotated[str | None, QueryParameter(max_length=1)] = None,
    out: Annotated[str | None, QueryParameter(max_length=1)] = None,
) -> Template | Redirect:
    if await _session(request) is not None:
        return Redirect("/i", status_code=303, headers=PAGE_HEADERS)
    notice = ""
    if expired:
        notice = "Phiên làm việc đã hết hạn. Vui lòng đăng nhập lại."
    elif out:
        notice = "Ông/Bà đã đăng xuất."
    return _login_form(request, notice=notice)


@post(LOGIN_PATH, include_in_schema=False, status_code=200, name="interviewer_login_post")
async def login_post(request: Request[Any, Any, Any]) -> Template | Redirect:
    raw = await request.form()
    email = str(raw.get("email") or "").strip()[:254]
    password = str(raw.get("password") or "")[:1024]
    nonce = request.cookies.get(LOGIN_COOKIE) or ""
    if not nonce or not _csrf_ok(request, raw, "login", nonce):
        return _login_form(
            request,
            "Trang đăng nhập đã hết hạn hoặc không hợp lệ. Vui lòng nhập lại và bấm “Đăng nhập”.",
            email,
            status=400,
        )
    if not email or not password:
        return _login_form(request, "Vui lòng nhập thư điện tử và mật khẩu.", email, status=400)
    services = request.app.state.services
    try:
        token, actor = await services.staff.login(email, password, kind="session")
    except AuthenticationFailed as exc:
        if "locked" in exc.detail:
            message = (
                "Tài khoản tạm thời bị khóa do đăng nhập sai nhiều lần. Vui lòng thử lại sau 15 phút "
                "hoặc liên hệ quản trị viên."
            )
        else:
            message = "Thư điện tử hoặc mật khẩu không đúng."
        return _login_form(request, message, email, status=401)
    log.info("interviewer pages: %s signed in", actor.email)
    session = session_cookie(services.settings, token)
    spent = Cookie(key=LOGIN_COOKIE, value="", max_age=0, path=LOGIN_PATH)
    return Redirect("/i", status_code=303, headers=PAGE_HEADERS, cookies=[session, spent])


@post("/i/logout", include_in_schema=False, status_code=200, name="interviewer_logout")
async def logout_post(request: Request[Any, Any, Any]) -> Redirect:
    raw = await request.form()
    session = await _session(request)
    if session is None:
        return _to_login()
    if not _csrf_ok(request, raw, "logout", session[1]):
        return Redirect("/i", status_code=303, headers=PAGE_HEADERS)
    await request.app.state.services.staff.revoke_token(session[1])
    gone = ended_session_cookie()
    return Redirect(LOGIN_PATH + "?out=1", status_code=303, headers=PAGE_HEADERS, cookies=[gone])


# -- the call list ----------------------------------------------------------------------------------


def _sort_key(row: dict[str, Any], now: datetime) -> tuple[int, float, int]:
    """Callbacks due first (oldest appointment first), then contacts still to call (fewest attempts
    first), then appointments later on, then contacts that need no more calls."""
    callback = _aware(row.get("callback_at"))
    status = row["status"]
    if status in FINAL_STATUSES:
        return (3, 0.0, int(row["id"]))
    if status == "callback" and callback is not None:
        return (0 if callback <= now else 2, callback.timestamp(), int(row["id"]))
    return (1, float(row["attempts"] or 0), int(row["id"]))


async def _agency_names(request: Request[Any, Any, Any], codes: set[str]) -> dict[str, str]:
    names = await request.app.state.services.agencies.names(codes)
    return {code: name.name_vi for code, name in names.items()}


@get("/i", include_in_schema=False, name="interviewer_list")
async def contact_list(
    request: Request[Any, Any, Any],
    status: Annotated[str | None, QueryParameter(max_length=16, description="contact status")] = None,
    done: Annotated[str | None, QueryParameter(max_length=48, description="contact just completed")] = None,
) -> Template | Redirect:
    session = await _session(request)
    if session is None:
        return _to_login()
    actor = session[0]
    if actor.role not in ("interviewer", *READ_ONLY_ROLES):
        return _forbidden(request, session)
    wanted = status if status in STATUSES else None
    page = await PHONE.list_contacts(actor, LIST_LIMIT, 0, status=wanted)
    now = datetime.now(UTC)
    rows = sorted(page.items, key=lambda r: _sort_key(r, now))
    names = await _agency_names(request, {r["agency"] for r in rows if isinstance(r["agency"], str)})
    contacts = []
    for r in rows:
        callback = _aware(r.get("callback_at"))
        contacts.append(
            {
                "wave": r["wave"],
                "code": r["code"],
                "agency": names.get(str(r["agency"]), r["agency"]),
                "status": r["status"],
                "status_label": STATUS_LABELS.get(str(r["status"]), r["status"]),
                "attempts": r["attempts"],
                "callback": _vn_time(callback) if r["status"] == "callback" else "",
                "due": r["status"] == "callback" and callback is not None and callback <= now,
                "assigned_to": r.get("assigned_to") or "",
            }
        )
    notice = ""
    if (
        done
        and CODE_PATTERN.match(done)
        and any(c["code"] == done and c["status"] == "complete" for c in contacts)
    ):
        notice = f"Đã lưu phiếu phỏng vấn của liên hệ {done}. Liên hệ đã hoàn thành."
    return _page(
        "interviewer_list.html",
        {
            "contacts": contacts,
            "total": page.total,
            "cut": page.total > len(contacts),
            "status": wanted or "",
            "statuses": [(s, STATUS_LABELS[s]) for s in STATUSES],
            "read_only": actor.role != "interviewer",
            "due": sum(1 for c in contacts if c["due"]),
            "notice": notice,
            **_chrome(request, session),
        },
    )


# -- one contact --------------------------------------------------------------------------------------


def _attempt_form_values(raw: Any | None) -> dict[str, str]:
    if raw is None:
        return {"disposition": "", "callback_at": "", "note": ""}
    return {
        "disposition": str(raw.get("disposition") or "")[:8],
        "callback_at": str(raw.get("callback_at") or "")[:32],
        "note": str(raw.get("note") or "")[: NOTE_MAX * 2],
    }


async def _contact_page(
    request: Request[Any, Any, Any],
    session: tuple[Actor, str],
    wave: str,
    code: str,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    notice: str = "",
    status: int = 200,
) -> Template:
    actor, token = session
    try:
        contact = await PHONE.get_contact(actor, wave, code)
    except (NotFound, Forbidden):
        return _contact_missing(request, session)
    is_interviewer = actor.role == "interviewer"
    wave_open = contact["wave_status"] == "open"
    final = contact["status"] in FINAL_STATUSES
    can_call = is_interviewer and wave_open and not final
    phone = contact.get("phone")
    names = await _agency_names(request, {str(contact["agency"])})
    point_name = ""
    if contact.get("service_point"):
        point_code = str(contact["service_point"])
        points = await request.app.state.services.service_points.names({point_code})
        point_name = points[point_code].name_vi if point_code in points else point_code
    callback = _aware(contact.get("callback_at"))
    history = [
        {
            "at": _vn_time(h["at"]),
            "code": h["disposition"],
            "label": DISPOSITION_LABELS.get(h["disposition"])
            or DISPOSITIONS.get(h["disposition"], DISPOSITIONS["3.90"]).label,
            "outcome": STATUS_LABELS.get(h["outcome"], h["outcome"]),
            "callback": _vn_time(h["callback_at"]),
            "note": h["note"] or "",
            "interviewer": h["interviewer"],
        }
        for h in contact["history"]  # type: ignore[attr-defined]
    ]
    errors = errors or {}
    now_vn = datetime.now(VN)
    return _page(
        "interviewer_contact.html",
        {
            "c": {
                "wave": contact["wave"],
                "code": contact["code"],
                "agency": names.get(str(contact["agency"]), contact["agency"]),
                "service_point": point_name,
                "status": contact["status"],
                "status_label": STATUS_LABELS.get(str(contact["status"]), contact["status"]),
                "attempts": contact["attempts"],
                "callback": _vn_time(callback) if contact["status"] == "callback" else "",
                "assigned_to": contact.get("assigned_to") or "",
            },
            "phone": phone or "",
            "phone_display": _display_phone(str(phone)) if phone else "",
            "is_interviewer": is_interviewer,
            "wave_open": wave_open,
            "final": final,
            "can_call": can_call,
            "history": list(reversed(history)),
            "groups": DISPOSITION_GROUPS,
            "values": values or _attempt_form_values(None),
            "errors": errors,
            "error_list": [(f, errors[f]) for f in ("disposition", "callback_at", "note") if f in errors],
            "notice": notice,
            "min_callback": now_vn.strftime("%Y-%m-%dT%H:%M"),
            "csrf": csrf_token(secret_of(request), f"attempt:{wave}/{code}", token),
            "note_max": NOTE_MAX,
            **_chrome(request, session),
        },
        status,
    )


def _contact_missing(request: Request[Any, Any, Any], session: tuple[Actor, str]) -> Template:
    return _message(
        request,
        "Không tìm thấy liên hệ",
        "Liên hệ này không có trong danh sách của Ông/Bà hoặc đợt khảo sát đã kết thúc.",
        404,
        session,
    )


@get("/i/{wave:str}/{contact:str}", include_in_schema=False, name="interviewer_contact")
async def contact_page(
    request: Request[Any, Any, Any],
    wave: WaveCode,
    contact: ContactCode,
    saved: Annotated[str | None, QueryParameter(max_length=1)] = None,
) -> Template | Redirect:
    session = await _session(request)
    if session is None:
        return _to_login()
    if session[0].role not in ("interviewer", *READ_ONLY_ROLES):
        return _forbidden(request, session)
    notice = "Đã lưu kết quả cuộc gọi." if saved else ""
    return await _contact_page(request, session, wave, contact, notice=notice)


def _check_attempt(values: dict[str, str], now: datetime) -> tuple[dict[str, str], datetime | None]:
    """Vietnamese messages for the attempt form; the service checks the same rules again."""
    errors: dict[str, str] = {}
    disposition = values["disposition"]
    callback_at: datetime | None = None
    if not disposition:
        errors["disposition"] = "Vui lòng chọn kết quả cuộc gọi."
    elif disposition not in DISPOSITION_LABELS or disposition == "1.1":
        errors["disposition"] = "Kết quả cuộc gọi không hợp lệ. Vui lòng chọn lại trong danh sách."
    if disposition == CALLBACK:
        text = values["callback_at"].strip()
        if not text:
            errors["callback_at"] = "Vui lòng nhập ngày giờ hẹn gọi lại."
        else:
            try:
                parsed = datetime.fromisoformat(text)
            except ValueError:
                errors["callback_at"] = "Ngày giờ hẹn gọi lại không hợp lệ (ví dụ: 2026-11-25 09:30)."
            else:
                callback_at = parsed if parsed.tzinfo else parsed.replace(tzinfo=VN)
                if callback_at <= now:
                    errors["callback_at"] = "Thời gian hẹn gọi lại phải ở trong tương lai."
    if len(values["note"]) > NOTE_MAX:
        errors["note"] = f"Ghi chú tối đa {NOTE_MAX} ký tự (hiện có {len(values['note'])})."
    return errors, callback_at


@post(
    "/i/{wave:str}/{contact:str}/attempts",
    include_in_schema=False,
    status_code=200,
    name="interviewer_attempt",
)
async def attempt_post(
    request: Request[Any, Any, Any], wave: WaveCode, contact: ContactCode
) -> Template | Redirect:
    raw = await request.form()
    session = await _session(request)
    if session is None:
        return _to_login(expired=True)
    actor, token = session
    if actor.role not in (*READ_ONLY_ROLES, "interviewer"):
        return _forbidden(request, session)
    if actor.role != "interviewer":
        return _message(
            request, "Chỉ xem", "Chỉ điều tra viên được phân công mới ghi nhận cuộc gọi.", 403, session
        )
    if not _csrf_ok(request, raw, f"attempt:{wave}/{contact}", token):
        return _message(
            request,
            "Yêu cầu không hợp lệ",
            "Trang đã cũ hoặc yêu cầu không xuất phát từ trang này. Vui lòng mở lại liên hệ và ghi lại.",
            403,
            session,
            back=f"/i/{wave}/{contact}",
        )
    values = _attempt_form_values(raw)
    errors, callback_at = _check_attempt(values, datetime.now(UTC))
    if errors:
        return await _contact_page(request, session, wave, contact, values, errors, status=400)
    try:
        await PHONE.record_attempt(
            actor,
            wave,
            contact,
            values["disposition"],
            callback_at if values["disposition"] == CALLBACK else None,
            values["note"].strip(),
        )
    except NotFound:
        return _contact_missing(request, session)
    except Conflict:
        return await _contact_page(
            request,
            session,
            wave,
            contact,
            values,
            {"disposition": "Không ghi nhận được: liên hệ đã kết thúc hoặc đợt khảo sát đã đóng."},
            status=409,
        )
    except InvalidInput as exc:  # the service's rules moved on since _check_attempt was written
        field_errors = {p.field: "Giá trị không hợp lệ." for p in exc.problems if p.field in values}
        return await _contact_page(
            request,
            session,
            wave,
            contact,
            values,
            field_errors or {"disposition": "Giá trị không hợp lệ."},
            status=400,
        )
    return Redirect(f"/i/{wave}/{contact}?saved=1", status_code=303, headers=PAGE_HEADERS)


# -- the questionnaire --------------------------------------------------------------------------------


async def _interview_setup(
    request: Request[Any, Any, Any], session: tuple[Actor, str], wave: str, code: str
) -> tuple[dict[str, Any], Questionnaire, FormPage, int] | Template:
    """The contact's questionnaire and form page, or the message page saying why there is none."""
    actor, token = session
    if actor.role != "interviewer":
        if actor.role in READ_ONLY_ROLES:
            return _message(
                request, "Chỉ xem", "Chỉ điều tra viên được phân công mới thực hiện phỏng vấn.", 403, session
            )
        return _forbidden(request, session)
    try:
        contact = await PHONE.get_contact(actor, wave, code)
    except (NotFound, Forbidden):
        return _contact_missing(request, session)
    back = f"/i/{wave}/{code}"
    if contact["wave_status"] != "open":
        return _message(
            request, "Đợt khảo sát đã kết thúc", "Không thể phỏng vấn thêm trong đợt này.", 410, session, back
        )
    if contact["status"] in FINAL_STATUSES:
        return _message(
            request,
            "Liên hệ đã kết thúc",
            f"Liên hệ {code} đang ở trạng thái “{STATUS_LABELS[str(contact['status'])]}”: "
            "không phỏng vấn thêm.",
            409,
            session,
            back,
        )
    contact_id = int(str(contact["id"]))
    point_token = await form_token_for_contact(contact_id)
    problem = "Cơ quan của liên hệ này chưa có điểm phục vụ trong đợt khảo sát. Vui lòng báo quản trị viên."
    if point_token is None:
        return _message(request, "Chưa mở được phiếu", problem, 409, session, back)
    try:
        form, q = await load_form(point_token)
    except FormUnavailable:
        return _message(request, "Chưa mở được phiếu", problem, 409, session, back)
    if form["wave"] != wave:
        return _message(
            request,
            "Chưa mở được phiếu",
            "Điểm phục vụ của liên hệ này đang thuộc một đợt khảo sát khác. Vui lòng báo quản trị viên.",
            409,
            session,
            back,
        )
    if "phone" not in (form.get("channels") or []):
        return _message(
            request,
            "Chưa mở được phiếu",
            "Đợt khảo sát này không thu thập ý kiến qua điện thoại. Vui lòng báo quản trị viên.",
            409,
            session,
            back,
        )
    page = FormPage(
        action=f"/i/{wave}/{code}/form",
        binding=f"{point_token}|phone|{wave}|{code}",
        hidden=(("_csrf", csrf_token(secret_of(request), f"form:{wave}/{code}", token)),),
        point_suffix=f" · Phỏng vấn qua điện thoại, liên hệ {code}",
        exit_link=(back, "Dừng phỏng vấn, quay lại liên hệ (câu trả lời chưa gửi sẽ không được lưu)"),
    )
    return form, q, page, contact_id


@get("/i/{wave:str}/{contact:str}/form", include_in_schema=False, name="interviewer_form")
async def interview_form(
    request: Request[Any, Any, Any], wave: WaveCode, contact: ContactCode
) -> Template | Redirect:
    session = await _session(request)
    if session is None:
        return _to_login()
    setup = await _interview_setup(request, session, wave, contact)
    if isinstance(setup, Template):
        return setup
    form, q, page, _ = setup
    return render_form(request, form, q, fresh_state(form, q, "vi", None, page.binding), page=page)


@post(
    "/i/{wave:str}/{contact:str}/form", include_in_schema=False, status_code=200, name="interviewer_form_post"
)
async def interview_post(
    request: Request[Any, Any, Any], wave: WaveCode, contact: ContactCode
) -> Template | Redirect:
    raw = await request.form()
    session = await _session(request)
    if session is None:
        return _to_login(expired=True)
    if session[0].role == "interviewer" and not _csrf_ok(request, raw, f"form:{wave}/{contact}", session[1]):
        return _message(
            request,
            "Yêu cầu không hợp lệ",
            "Trang đã cũ hoặc yêu cầu không xuất phát từ trang này. Vui lòng mở lại liên hệ.",
            403,
            session,
            back=f"/i/{wave}/{contact}",
        )
    setup = await _interview_setup(request, session, wave, contact)
    if isinstance(setup, Template):
        return setup
    form, q, page, contact_id = setup
    return await advance(request, form, q, raw, page, _phone_submitter(session[0], contact_id, wave, contact))


def _phone_submitter(actor: Actor, contact_id: int, wave: str, code: str) -> Submitter:
    async def submit(
        request: Request[Any, Any, Any],
        form: dict[str, Any],
        q: Questionnaire,
        state: FormState,
        page: FormPage,
    ) -> Template | Redirect:
        from survey_engine.collection.submissions import SubmissionRequest

        session = (actor, request.cookies.get(SESSION_COOKIE) or "")
        back = f"/i/{wave}/{code}"
        answers = prune_hidden(q, state.answers)
        state.answers = answers
        problems = validate_answers(q, answers)
        if problems:
            return show_errors(request, form, q, state, error_map(problems, state.lang), page)

        def refused(text: str, status: int = 409) -> Template:
            return _message(request, "Chưa lưu được phiếu", text, status, session, back)

        where = (form["wave_id"], form["agency_id"], form["service_point_id"])
        try:  # before storing, as POST /api/v1/submissions does: a refused interview stores nothing
            await contact_for_submission(code, actor.user_id, *where, state.client_id)
        except NotFound:
            return _contact_missing(request, session)
        except (Conflict, InvalidInput):
            return refused(
                "Liên hệ này không còn nhận phiếu phỏng vấn "
                "(đã hoàn thành, đợt đã đóng hoặc thuộc cơ quan khác)."
            )
        submitted = state.reviewed_at or time.time()
        req = SubmissionRequest(
            client_id=state.client_id,
            token=str(form["token"]),
            answers=answers,
            channel="phone",
            language=state.lang,
            started_at=datetime.fromtimestamp(state.started_at, UTC),
            submitted_at=datetime.fromtimestamp(submitted, UTC),
            questionnaire_version=str(form["version"]),
            interviewer_id=actor.user_id,
        )
        client_id = state.client_id
        try:
            outcome = await request.app.state.services.submissions.submit(req)
            client_id = outcome.client_id
        except Conflict as exc:
            if exc.kind == "stale":
                fresh = fresh_state(form, q, state.lang, None, page.binding)
                return render_form(request, form, q, fresh, notice="restarted", page=page)
            if exc.kind != "idempotency":  # idempotency: stored already; the first answer counts
                return refused("Đợt khảo sát đã đóng hoặc phiếu không còn nhận.")
        except InvalidInput as exc:
            errors = {p.field.removeprefix("answers.").strip("/"): p.message for p in exc.problems}
            if not any(c in errors for c in (it.code for it in q.items)):
                return refused(
                    "Đợt khảo sát này không nhận phiếu qua điện thoại hoặc phiếu không hợp lệ.", 400
                )
            return show_errors(request, form, q, state, errors, page)
        except domain.RateLimited as exc:  # the point's per-minute limit, shared with its online form
            wait = f"Điểm phục vụ vừa nhận quá nhiều phiếu. Vui lòng gửi lại sau {exc.retry_after} giây."
            return _message(request, "Chưa lưu được phiếu", wait, 429, session, back)
        except (NotFound, AuthenticationFailed):
            return refused("Không tìm thấy phiếu khảo sát của điểm phục vụ.", 404)
        try:
            # After the commit, as POST /api/v1/submissions does: complete only once the answers are stored.
            await PHONE.mark_complete(contact_id, client_id, actor.user_id)
        except (Conflict, NotFound):
            return _message(
                request,
                "Phiếu đã lưu, liên hệ chưa cập nhật",
                f"Phiếu phỏng vấn đã được lưu nhưng không cập nhật được trạng thái của liên hệ {code} "
                "(liên hệ đã hoàn thành bằng phiếu khác, không còn được phân công hoặc đợt đã đóng).",
                409,
                session,
                back,
            )
        return Redirect(f"/i?done={code}", status_code=303, headers=PAGE_HEADERS)

    return submit


INTERVIEWER_HANDLERS: list[Any] = [
    login_page,
    login_post,
    logout_post,
    contact_list,
    contact_page,
    attempt_post,
    interview_form,
    interview_post,
]
