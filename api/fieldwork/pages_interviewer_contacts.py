"""The interviewer's call list (``/i``) and one contact's page with its call attempts
(``/i/{wave}/{contact}``)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from api.fieldwork.pages_interviewer_base import (
    DISPOSITION_GROUPS,
    DISPOSITION_LABELS,
    LIST_LIMIT,
    NOTE_MAX,
    READ_ONLY_ROLES,
    STATUS_LABELS,
    VN,
    ContactCode,
    WaveCode,
    aware,
    chrome,
    contact_missing,
    display_phone,
    forbidden_page,
    interviewer_message,
    interviewer_session,
    render_page,
    to_login,
    vn_time,
)
from api.services import services_of
from api.web.csrf import csrf_ok, csrf_token
from api.web.pages_common import PAGE_HEADERS, secret_of
from survey_engine.actors import Actor
from survey_engine.errors import Conflict, Forbidden, InvalidInput, NotFound
from survey_engine.fieldwork.contacts_csv import CODE_PATTERN
from survey_engine.fieldwork.dispositions import CALLBACK, DISPOSITIONS, FINAL_STATUSES, STATUSES

# -- the call list ----------------------------------------------------------------------------------


def _sort_key(row: dict[str, Any], now: datetime) -> tuple[int, float, int]:
    """Callbacks due first (oldest appointment first), then contacts still to call (fewest attempts
    first), then appointments later on, then contacts that need no more calls."""
    callback = aware(row.get("callback_at"))
    status = row["status"]
    if status in FINAL_STATUSES:
        return (3, 0.0, int(row["id"]))
    if status == "callback" and callback is not None:
        return (0 if callback <= now else 2, callback.timestamp(), int(row["id"]))
    return (1, float(row["attempts"] or 0), int(row["id"]))


async def _agency_names(request: Request[Any, Any, Any], codes: set[str]) -> dict[str, str]:
    names = await services_of(request).agencies.names(codes)
    return {code: name.name_vi for code, name in names.items()}


@get("/i", include_in_schema=False, name="interviewer_list")
async def contact_list(
    request: Request[Any, Any, Any],
    status: Annotated[str | None, QueryParameter(max_length=16, description="contact status")] = None,
    done: Annotated[str | None, QueryParameter(max_length=48, description="contact just completed")] = None,
) -> Template | Redirect:
    session = await interviewer_session(request)
    if session is None:
        return to_login()
    actor = session[0]
    if actor.role not in ("interviewer", *READ_ONLY_ROLES):
        return forbidden_page(request, session)
    wanted = status if status in STATUSES else None
    page = await services_of(request).phone.list_contacts(actor, LIST_LIMIT, 0, status=wanted)
    now = datetime.now(UTC)
    rows = sorted(page.items, key=lambda r: _sort_key(r, now))
    names = await _agency_names(request, {r["agency"] for r in rows if isinstance(r["agency"], str)})
    contacts = []
    for r in rows:
        callback = aware(r.get("callback_at"))
        contacts.append(
            {
                "wave": r["wave"],
                "code": r["code"],
                "agency": names.get(str(r["agency"]), r["agency"]),
                "status": r["status"],
                "status_label": STATUS_LABELS.get(str(r["status"]), r["status"]),
                "attempts": r["attempts"],
                "callback": vn_time(callback) if r["status"] == "callback" else "",
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
    return render_page(
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
            **chrome(request, session),
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
        contact = await services_of(request).phone.get_contact(actor, wave, code)
    except (NotFound, Forbidden):
        return contact_missing(request, session)
    is_interviewer = actor.role == "interviewer"
    wave_open = contact.wave_status == "open"
    final = contact.status in FINAL_STATUSES
    can_call = is_interviewer and wave_open and not final
    phone = contact.phone
    names = await _agency_names(request, {contact.agency})
    point_name = ""
    point_code = contact.service_point
    if point_code:
        points = await services_of(request).service_points.names({point_code})
        point_name = points[point_code].name_vi if point_code in points else point_code
    callback = aware(contact.callback_at)
    history = [
        {
            "at": vn_time(h.at),
            "code": h.disposition,
            "label": DISPOSITION_LABELS.get(h.disposition)
            or DISPOSITIONS.get(h.disposition, DISPOSITIONS["3.90"]).label,
            "outcome": STATUS_LABELS.get(h.outcome, h.outcome),
            "callback": vn_time(h.callback_at),
            "note": h.note or "",
            "interviewer": h.interviewer,
        }
        for h in contact.history
    ]
    errors = errors or {}
    now_vn = datetime.now(VN)
    return render_page(
        "interviewer_contact.html",
        {
            "c": {
                "wave": contact.wave,
                "code": contact.code,
                "agency": names.get(contact.agency, contact.agency),
                "service_point": point_name,
                "status": contact.status,
                "status_label": STATUS_LABELS.get(contact.status, contact.status),
                "attempts": contact.attempts,
                "callback": vn_time(callback) if contact.status == "callback" else "",
                "assigned_to": contact.assigned_to or "",
            },
            "phone": phone or "",
            "phone_display": display_phone(str(phone)) if phone else "",
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
            **chrome(request, session),
        },
        status,
    )


@get("/i/{wave:str}/{contact:str}", include_in_schema=False, name="interviewer_contact")
async def contact_page(
    request: Request[Any, Any, Any],
    wave: WaveCode,
    contact: ContactCode,
    saved: Annotated[str | None, QueryParameter(max_length=1)] = None,
) -> Template | Redirect:
    session = await interviewer_session(request)
    if session is None:
        return to_login()
    if session[0].role not in ("interviewer", *READ_ONLY_ROLES):
        return forbidden_page(request, session)
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
    session = await interviewer_session(request)
    if session is None:
        return to_login(expired=True)
    actor, token = session
    if actor.role not in (*READ_ONLY_ROLES, "interviewer"):
        return forbidden_page(request, session)
    if actor.role != "interviewer":
        return interviewer_message(
            request, "Chỉ xem", "Chỉ điều tra viên được phân công mới ghi nhận cuộc gọi.", 403, session
        )
    if not csrf_ok(request, raw, f"attempt:{wave}/{contact}", token):
        return interviewer_message(
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
        await services_of(request).phone.record_attempt(
            actor,
            wave,
            contact,
            values["disposition"],
            callback_at if values["disposition"] == CALLBACK else None,
            values["note"].strip(),
        )
    except NotFound:
        return contact_missing(request, session)
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
