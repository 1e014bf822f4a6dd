"""The questionnaire of a phone interview (``/i/{wave}/{contact}/form``), on the online form's machinery."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from litestar import Request, get, post
from litestar.response import Redirect, Template

from api.collection.form_state import FormState
from api.collection.pages_online import FormPage, Submitter, advance, fresh_state, render_form, show_errors
from api.fieldwork.pages_interviewer_base import (
    READ_ONLY_ROLES,
    STATUS_LABELS,
    ContactCode,
    WaveCode,
    contact_missing,
    forbidden_page,
    interviewer_message,
    interviewer_session,
    to_login,
)
from api.services import services_of
from api.web.auth import SESSION_COOKIE
from api.web.csrf import csrf_ok, csrf_token
from api.web.pages_common import PAGE_HEADERS, FormUnavailable, load_form, secret_of
from api.web.render import error_map
from survey_engine import errors as domain
from survey_engine.actors import Actor
from survey_engine.errors import AuthenticationFailed, Conflict, Forbidden, InvalidInput, NotFound
from survey_engine.fieldwork.dispositions import FINAL_STATUSES
from survey_engine.fieldwork.phone_submission import contact_for_submission, form_token_for_contact
from survey_engine.questionnaire import Questionnaire, prune_hidden, validate_answers

# -- the questionnaire --------------------------------------------------------------------------------


async def _interview_setup(
    request: Request[Any, Any, Any], session: tuple[Actor, str], wave: str, code: str
) -> tuple[dict[str, Any], Questionnaire, FormPage, int] | Template:
    """The contact's questionnaire and form page, or the message page saying why there is none."""
    actor, token = session
    if actor.role != "interviewer":
        if actor.role in READ_ONLY_ROLES:
            return interviewer_message(
                request, "Chỉ xem", "Chỉ điều tra viên được phân công mới thực hiện phỏng vấn.", 403, session
            )
        return forbidden_page(request, session)
    try:
        contact = await services_of(request).phone.get_contact(actor, wave, code)
    except (NotFound, Forbidden):
        return contact_missing(request, session)
    back = f"/i/{wave}/{code}"
    if contact.wave_status != "open":
        return interviewer_message(
            request, "Đợt khảo sát đã kết thúc", "Không thể phỏng vấn thêm trong đợt này.", 410, session, back
        )
    if contact.status in FINAL_STATUSES:
        return interviewer_message(
            request,
            "Liên hệ đã kết thúc",
            f"Liên hệ {code} đang ở trạng thái “{STATUS_LABELS[contact.status]}”: không phỏng vấn thêm.",
            409,
            session,
            back,
        )
    contact_id = contact.id
    point_token = await form_token_for_contact(contact_id)
    problem = "Cơ quan của liên hệ này chưa có điểm phục vụ trong đợt khảo sát. Vui lòng báo quản trị viên."
    if point_token is None:
        return interviewer_message(request, "Chưa mở được phiếu", problem, 409, session, back)
    try:
        form, q = await load_form(point_token)
    except FormUnavailable:
        return interviewer_message(request, "Chưa mở được phiếu", problem, 409, session, back)
    if form["wave"] != wave:
        return interviewer_message(
            request,
            "Chưa mở được phiếu",
            "Điểm phục vụ của liên hệ này đang thuộc một đợt khảo sát khác. Vui lòng báo quản trị viên.",
            409,
            session,
            back,
        )
    if "phone" not in (form.get("channels") or []):
        return interviewer_message(
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
    session = await interviewer_session(request)
    if session is None:
        return to_login()
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
    session = await interviewer_session(request)
    if session is None:
        return to_login(expired=True)
    if session[0].role == "interviewer" and not csrf_ok(request, raw, f"form:{wave}/{contact}", session[1]):
        return interviewer_message(
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
            return interviewer_message(request, "Chưa lưu được phiếu", text, status, session, back)

        where = (form["wave_id"], form["agency_id"], form["service_point_id"])
        try:  # before storing, as POST /api/v1/submissions does: a refused interview stores nothing
            await contact_for_submission(code, actor.user_id, *where, state.client_id)
        except NotFound:
            return contact_missing(request, session)
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
            outcome = await services_of(request).submissions.submit(req)
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
            return interviewer_message(request, "Chưa lưu được phiếu", wait, 429, session, back)
        except (NotFound, AuthenticationFailed):
            return refused("Không tìm thấy phiếu khảo sát của điểm phục vụ.", 404)
        try:
            # After the commit, as POST /api/v1/submissions does: complete only once the answers are stored.
            await services_of(request).phone.mark_complete(contact_id, client_id, actor.user_id)
        except (Conflict, NotFound):
            return interviewer_message(
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
