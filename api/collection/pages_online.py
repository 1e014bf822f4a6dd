"""The online form ``/f/{token}``: one section per screen, works without JavaScript.

Every screen is a ``<form method="post">`` back to ``/f/{token}`` carrying the signed state blob
(:mod:`api.collection.form_state`). The server applies display logic (``visible_sections``, ``prune_hidden``),
validates each screen, shows a review screen and submits through the SubmissionService with the
``client_id`` chosen when the form was first shown, so a double click or a re-post stores nothing twice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.params import PathParameter, QueryParameter
from litestar.response import Redirect, Template

from api.collection.form_state import REVIEW, FormState, StateError, load_state, sign_state
from api.services import services_of
from api.web.i18n import PAGE, translator
from api.web.pages_common import PAGE_HEADERS, FormUnavailable, lang_of, load_form, message_page, secret_of
from api.web.render import (
    condition_inputs,
    error_map,
    review_sections,
    screen_items,
)
from survey_engine.errors import AuthenticationFailed, Conflict, InvalidInput, NotFound, RateLimited
from survey_engine.questionnaire import (
    Questionnaire,
    normalise_form,
    prune_hidden,
    validate_answers,
    visible_items,
    visible_sections,
)

log = logging.getLogger("sipas.pages")

Token = Annotated[str, PathParameter(max_length=64, description="the service point's public token")]
Lang = Annotated[str | None, QueryParameter(max_length=2, description="vi (default) or en")]
Receipt = Annotated[str | None, QueryParameter(max_length=256, description="signed receipt code")]


@dataclass(frozen=True)
class FormPage:
    """Where a form's screens post, what the signed state is bound to and what else each post carries.

    The online form posts to ``/f/{token}`` with a state bound to the token; the interviewer screens
    (:mod:`api.fieldwork.pages_interviewer`) reuse the same machinery with their own address, a state bound to
    the contact and a CSRF field.
    """

    action: str
    binding: str
    hidden: tuple[tuple[str, str], ...] = ()
    point_suffix: str = ""  # appended to the service point's name in the page header
    exit_link: tuple[str, str] | None = None  # (href, label) of a way out under the buttons


Submitter = Callable[
    [Request[Any, Any, Any], dict[str, Any], Questionnaire, FormState, FormPage],
    Awaitable[Template | Redirect],
]


def online_page(form: dict[str, Any]) -> FormPage:
    token = str(form["token"])
    return FormPage(action=f"/f/{token}", binding=token)


def _section_of(q: Questionnaire) -> dict[str, str]:
    return {it.code: it.section for it in q.items}


def render_form(
    request: Request[Any, Any, Any],
    form: dict[str, Any],
    q: Questionnaire,
    state: FormState,
    errors: dict[str, str] | None = None,
    notice: str = "",
    status: int = 200,
    page: FormPage | None = None,
) -> Template:
    """The current screen (or the review screen) of ``state``."""
    page = page or online_page(form)
    lang = state.lang
    t = translator(lang, PAGE)
    errors = errors or {}
    sections = visible_sections(q, state.answers)
    total = len(sections) + 1
    point = form["service_point_name"].get(lang) or form["service_point_name"]["vi"]
    ctx: dict[str, Any] = {
        "lang": lang,
        "t": t,
        "form": form,
        "title": q.title.get(lang),
        "agency": form["agency_name"].get(lang) or form["agency_name"]["vi"],
        "point": point + page.point_suffix,
        "notice": notice,
        "action": page.action,
        "hidden": page.hidden,
        "exit_link": page.exit_link,
    }
    if state.screen == REVIEW:
        if state.reviewed_at is None:
            state.reviewed_at = time.time()
        state.shown = []
        ctx.update(
            review=review_sections(q, state.answers, lang),
            step=t("step", n=total, total=total),
            step_n=total,
            total=total,
            state_blob=sign_state(state, secret_of(request)),
        )
        return Template(template_name="review.html", context=ctx, status_code=status, headers=PAGE_HEADERS)
    section = next(s for s in q.sections if s.code == state.screen)
    items, shown = screen_items(q, section.code, state.answers, errors, lang)
    state.shown = shown
    n = sections.index(section.code) + 1 if section.code in sections else 1
    first_error = [i for i in items if i["error"]]
    ctx.update(
        section={
            "code": section.code,
            "title": section.title.get(lang),
            "description": section.description.get(lang) if section.description else "",
        },
        items=items,
        errors=first_error,
        step=t("step", n=n, total=total),
        step_n=n,
        total=total,
        first=n == 1,
        known={c: state.answers[c] for c in condition_inputs(q, section.code) if c in state.answers},
        state_blob=sign_state(state, secret_of(request)),
    )
    return Template(template_name="screen.html", context=ctx, status_code=status, headers=PAGE_HEADERS)


def _neighbour(q: Questionnaire, answers: dict[str, Any], current: str, step: int) -> str | None:
    """The next (step=1) or previous (step=-1) visible section, in questionnaire order."""
    order = [s.code for s in q.sections]
    visible = set(visible_sections(q, answers))
    i = order.index(current) if current in order else (len(order) if step < 0 else -1)
    i += step
    while 0 <= i < len(order):
        if order[i] in visible:
            return order[i]
        i += step
    return None


def fresh_state(
    form: dict[str, Any], q: Questionnaire, lang: str, receipt: str | None, binding: str | None = None
) -> FormState:
    """A new respondent: first visible screen, a new ``client_id``; the state is bound to ``binding``
    (the service-point token by default)."""
    state = FormState(
        token=binding or str(form["token"]), lang=lang, version=str(form["version"]), receipt=receipt
    )
    state.screen = visible_sections(q, {})[0]
    return state


@get("/f/{token:str}", include_in_schema=False, name="online_form")
async def online_form(
    request: Request[Any, Any, Any], token: Token, lang: Lang = None, r: Receipt = None
) -> Template:
    lang = lang_of(lang)
    try:
        form, q = await load_form(token)
    except FormUnavailable as exc:
        return message_page(exc.kind, lang, exc.status)
    if r:
        # Say at once if the dossier was answered or the code is forged, not after the last screen.
        status = await services_of(request).submissions.receipt_status(token, r)
        if status == "answered":
            return message_page("answered", lang, 409, form)
        if status == "invalid":
            return message_page("bad_receipt", lang, 400, form)
    return render_form(request, form, q, fresh_state(form, q, lang, r or None))


@get("/f/{token:str}/thanks", include_in_schema=False, name="online_thanks")
async def online_thanks(token: Token, lang: Lang = None) -> Template:
    return message_page("thanks", lang_of(lang), 200)


def _posted(raw: Any, codes: set[str]) -> dict[str, str | list[str]]:
    out: dict[str, str | list[str]] = {}
    for key in codes:
        values = raw.getall(key) if key in raw else []
        if values:
            out[key] = [str(v) for v in values] if len(values) > 1 else str(values[0])
    return out


@post("/f/{token:str}", include_in_schema=False, status_code=200, name="online_post")
async def online_post(request: Request[Any, Any, Any], token: Token) -> Template | Redirect:
    raw = await request.form()
    try:
        form, q = await load_form(token)
    except FormUnavailable as exc:
        return message_page(exc.kind, lang_of(str(raw.get("_lang") or "")), exc.status)
    return await advance(request, form, q, raw, online_page(form), _submit)


async def advance(
    request: Request[Any, Any, Any],
    form: dict[str, Any],
    q: Questionnaire,
    raw: Any,
    page: FormPage,
    submit: Submitter,
) -> Template | Redirect:
    """Apply one post of a form screen: store its answers, then next/back/edit/lang/submit."""
    try:
        state = load_state(str(raw.get("_state") or ""), page.binding, secret_of(request))
    except StateError:
        return render_form(
            request, form, q, fresh_state(form, q, "vi", None, page.binding), notice="restarted", page=page
        )
    if state.version != form["version"]:
        return render_form(
            request,
            form,
            q,
            fresh_state(form, q, state.lang, state.receipt, page.binding),
            notice="restarted",
            page=page,
        )

    action = str(raw.get("_action") or "next")
    section_of = _section_of(q)
    current = state.screen
    if current != REVIEW and current in {s.code for s in q.sections}:
        codes = {c for c, s in section_of.items() if s == current}
        typed: dict[str, object] = {}
        # multi items always post a list; normalise_form turns a lone string into one too
        typed = normalise_form(q, _posted(raw, codes))
        answers = {k: v for k, v in state.answers.items() if section_of.get(k) != current}
        answers.update(typed)
        state.answers = answers
    elif current != REVIEW:
        return render_form(
            request,
            form,
            q,
            fresh_state(form, q, state.lang, state.receipt, page.binding),
            notice="restarted",
            page=page,
        )

    if action == "lang":
        state.lang = "vi" if state.lang == "en" else "en"
        return render_form(request, form, q, state, page=page)
    if action.startswith("edit:"):
        target = action.removeprefix("edit:")
        state.answers = prune_hidden(q, state.answers)
        if target in visible_sections(q, state.answers):
            state.screen = target
        return render_form(request, form, q, state, page=page)
    if action == "back":
        state.answers = prune_hidden(q, state.answers)
        if current == REVIEW:
            sections = visible_sections(q, state.answers)
            state.screen = sections[-1]
        else:
            state.screen = _neighbour(q, state.answers, current, -1) or current
        return render_form(request, form, q, state, page=page)
    if action == "submit" and current == REVIEW:
        return await submit(request, form, q, state, page)
    if current == REVIEW:
        return render_form(request, form, q, state, page=page)

    # "next": validate this screen only
    state.answers = prune_hidden(q, state.answers)
    now_visible = [c for c in visible_items(q, state.answers) if section_of[c] == current]
    revealed = [c for c in now_visible if c not in state.shown and c not in state.answers]
    errors = {
        e.item: e.message.get(state.lang)
        for e in validate_answers(q, state.answers)
        if section_of.get(e.item) == current and e.item not in revealed
    }
    if revealed and raw.get("_js") != "1":
        return render_form(request, form, q, state, errors=errors, notice="more_questions", page=page)
    if errors:
        return render_form(request, form, q, state, errors=errors, page=page)
    state.screen = _neighbour(q, state.answers, current, 1) or REVIEW
    return render_form(request, form, q, state, page=page)


async def _submit(
    request: Request[Any, Any, Any], form: dict[str, Any], q: Questionnaire, state: FormState, page: FormPage
) -> Template | Redirect:
    lang = state.lang
    answers = prune_hidden(q, state.answers)
    state.answers = answers
    problems = validate_answers(q, answers)
    if problems:
        return show_errors(request, form, q, state, error_map(problems, lang), page)
    try:
        from survey_engine.collection.submissions import SubmissionRequest
    except ImportError:  # the service lands separately; never lose the respondent's page
        log.error("online form: survey_engine.collection.submissions is not available")
        return message_page("unavailable", lang, 503, form)
    service = getattr(request.app.state.services, "submissions", None)
    if service is None:
        log.error("online form: no submission service configured")
        return message_page("unavailable", lang, 503, form)
    submitted = state.reviewed_at or time.time()
    req = SubmissionRequest(
        client_id=state.client_id,
        token=str(form["token"]),
        answers=answers,
        channel="online",
        language=lang,
        started_at=datetime.fromtimestamp(state.started_at, UTC),
        submitted_at=datetime.fromtimestamp(submitted, UTC),
        receipt=state.receipt,
        questionnaire_version=str(form["version"]),
    )
    try:
        await service.submit(req)
    except NotFound:
        return message_page("not_found", lang, 404)
    except Conflict as exc:
        kind = getattr(exc, "kind", "")
        if kind == "closed":
            return message_page("closed", lang, 410, form)
        if kind == "already_answered":
            return message_page("answered", lang, 409, form)
        if kind == "stale":
            return render_form(
                request, form, q, fresh_state(form, q, lang, state.receipt), notice="restarted"
            )
        # "idempotency": this form was already sent (then changed): the first answer counts
        return Redirect(f"/f/{form['token']}/thanks?lang={lang}", status_code=303)
    except InvalidInput as exc:
        errors = {p.field.removeprefix("answers.").strip("/"): p.message for p in exc.problems}
        if not any(code in errors for code in (it.code for it in q.items)):
            return message_page("bad_request", lang, 400, form)
        return show_errors(request, form, q, state, errors, page)
    except AuthenticationFailed:
        return message_page("bad_request", lang, 400, form)
    except RateLimited as exc:
        # The same limit as the JSON API's; the signed state keeps the answers for a later "Send".
        busy = message_page("busy", lang, 429, form)
        busy.headers["Retry-After"] = str(exc.retry_after)
        return busy
    return Redirect(f"/f/{form['token']}/thanks?lang={lang}", status_code=303)


def show_errors(
    request: Request[Any, Any, Any],
    form: dict[str, Any],
    q: Questionnaire,
    state: FormState,
    errors: dict[str, str],
    page: FormPage | None = None,
) -> Template:
    """Back to the first screen with an error (answers rejected on submit)."""
    section_of = _section_of(q)
    first = next((section_of[c] for c in (it.code for it in q.items) if c in errors), None)
    state.screen = first or visible_sections(q, state.answers)[0]
    return render_form(request, form, q, state, errors=errors, page=page)


ONLINE_HANDLERS = [online_form, online_thanks, online_post]
