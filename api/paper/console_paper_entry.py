"""Console data entry of paper copies: open a copy by its serial, key it on one screen, reconcile.

The keying screen mirrors the printed copy question for question: the same numbers, the same skip
instructions, and one small field per question for the digit printed beside the ticked box (for a multiple
choice, the digits of every ticked box). It is used with the keyboard alone: the serial field has the focus
(a barcode/QR scanner types the serial and Enter), then Tab moves from question to question, digits are
keyed, Enter stores. Nothing needs a mouse and the screen needs no script.

Every form carries the session's CSRF token (:func:`api.web.console_base.posted`). Refusals (a serial keyed
twice by the same person, a copy of another wave, a bad check digit) come back on the same screen in the
page's language.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.params import FromPath
from litestar.response import Redirect, Template

from api.paper.console_paper import conflict_text, paper_url, problem_text, serial_digits, wave_page
from api.services import services_of
from api.web.console_base import ROOT, Staff, page, posted, redirect
from survey_engine.errors import Conflict, InvalidInput
from survey_engine.paper.entry import KEYERS, MAX_SCAN_BYTES, SUPERVISORS, EntryCopy
from survey_engine.paper.layout import PaperLayout

MAX_KEY_LENGTH = 2000  # the longest free text a questionnaire allows by default


def screen_rows(layout: PaperLayout) -> list[dict[str, Any]]:
    """The questions as the screen lists them: section titles between, the legend of each question's keys,
    and a scale's legend printed once above a run of questions on the same scale (as the paper grid)."""
    rows: list[dict[str, Any]] = []
    for section in layout.sections:
        rows.append({"section": section.title})
        previous_scale = ""
        for q in section.questions:
            legend = " · ".join(f"{c.key} {c.label}" + (f" → {c.goto}" if c.goto else "") for c in q.choices)
            shared = q.kind == "scale" and q.scale == previous_scale and not q.instruction
            rows.append({"q": q, "legend": "" if shared else legend, "multi": q.kind == "multi"})
            previous_scale = q.scale if q.kind == "scale" else ""
    return rows


def entry_context(copy: EntryCopy) -> dict[str, Any]:
    return {"copy": copy, "rows": screen_rows(copy.layout), "max_scan_mb": MAX_SCAN_BYTES // (1024 * 1024)}


@post(f"{ROOT}/paper/{{wave:str}}/open", include_in_schema=False, status_code=200, name="console_paper_open")
async def open_copy(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], wave: FromPath[str]
) -> Template | Redirect:
    """The serial keyed or scanned on the wave page: the copy's keying (or, for a supervisor with a copy
    to reconcile, its reconciliation) screen, or the wave page with what is wrong."""
    staff.need(*KEYERS)
    raw = await posted(request, staff)
    serial = str(raw.get("serial") or "").strip()[:40]
    try:
        copy = await services_of(request).paper.open_for_keying(staff.actor, wave, serial)
    except InvalidInput as exc:
        return await wave_page(
            request, staff, wave, 422, serial=serial, serial_error=problem_text(staff, exc.problems[0])
        )
    except Conflict as exc:
        if exc.kind == "paper_reconcile" and staff.may(*SUPERVISORS):
            return redirect(paper_url(wave, f"/reconcile/{serial_digits(serial)}"))
        return await wave_page(
            request, staff, wave, 409, serial=serial, serial_error=conflict_text(staff, exc, serial)
        )
    return redirect(paper_url(wave, f"/entry/{serial_digits(copy.serial)}"))


@get(f"{ROOT}/paper/{{wave:str}}/entry/{{serial:str}}", include_in_schema=False, name="console_paper_entry")
async def entry_screen(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], wave: FromPath[str], serial: FromPath[str]
) -> Template | Redirect:
    staff.need(*KEYERS)
    try:
        copy = await services_of(request).paper.open_for_keying(staff.actor, wave, serial)
    except (InvalidInput, Conflict):
        return redirect(paper_url(wave), done="paper_not_keyable")
    return page(
        staff,
        "paper_entry.html",
        {
            "title": staff.t("paper_entry_title", serial=copy.serial),
            **entry_context(copy),
            "values": {},
            "errors": {},
        },
    )


@post(
    f"{ROOT}/paper/{{wave:str}}/entry/{{serial:str}}",
    include_in_schema=False,
    status_code=200,
    name="console_paper_key",
    request_max_body_size=MAX_SCAN_BYTES + 512 * 1024,
)
async def key_copy(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], wave: FromPath[str], serial: FromPath[str]
) -> Template | Redirect:
    """One keying (with an optional scan): stored whole or not at all."""
    staff.need(*KEYERS)
    paper = services_of(request).paper
    copy = await paper.open_for_keying(staff.actor, wave, serial)  # refusals → the conflict/not-found page
    try:
        raw = await posted(request, staff)
    except RequestEntityTooLarge:
        errors = {"scan": staff.t("paper_scan_size_msg")}
        return page(
            staff,
            "paper_entry.html",
            {
                "title": staff.t("paper_entry_title", serial=copy.serial),
                **entry_context(copy),
                "values": {},
                "errors": errors,
            },
            status=413,
        )
    values = {q.code: str(raw.get(q.code) or "")[:MAX_KEY_LENGTH] for q in copy.layout.questions()}
    scan = None
    upload = raw.get("scan")
    if isinstance(upload, UploadFile):
        data = await upload.read()
        if data:
            scan = (data, str(upload.content_type or ""))
    try:
        outcome = await paper.key(staff.actor, wave, serial, values, scan)
    except InvalidInput as exc:
        errors = {p.field: problem_text(staff, p) for p in exc.problems}
        context = {
            "title": staff.t("paper_entry_title", serial=copy.serial),
            **entry_context(copy),
            "values": values,
            "errors": errors,
        }
        return page(staff, "paper_entry.html", context, status=422)
    except Conflict as exc:
        return await wave_page(
            request, staff, wave, 409, serial="", serial_error=conflict_text(staff, exc, copy.serial)
        )
    return redirect(paper_url(wave), done=f"paper_{outcome.result}")


@get(
    f"{ROOT}/paper/{{wave:str}}/reconcile/{{serial:str}}",
    include_in_schema=False,
    name="console_paper_reconcile",
)
async def reconcile_screen(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], wave: FromPath[str], serial: FromPath[str]
) -> Template:
    staff.need(*SUPERVISORS)
    rec = await services_of(request).paper.reconciliation(staff.actor, wave, serial)
    return page(
        staff,
        "paper_reconcile.html",
        {
            "title": staff.t("paper_reconcile_title", serial=rec.copy.serial),
            "rec": rec,
            "wave_code": wave,
            "values": {},
            "errors": {},
        },
    )


@post(
    f"{ROOT}/paper/{{wave:str}}/reconcile/{{serial:str}}",
    include_in_schema=False,
    status_code=200,
    name="console_paper_decide",
)
async def decide(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], wave: FromPath[str], serial: FromPath[str]
) -> Template | Redirect:
    """The supervisor's choice per differing question: the first keying, the second, or a value typed."""
    staff.need(*SUPERVISORS)
    paper = services_of(request).paper
    rec = await paper.reconciliation(staff.actor, wave, serial)
    raw = await posted(request, staff)
    chosen: dict[str, str] = {}
    values: dict[str, str] = {}
    for d in rec.differences:
        pick = str(raw.get(f"pick_{d.item}") or "")
        typed = str(raw.get(f"own_{d.item}") or "")[:MAX_KEY_LENGTH]
        values[d.item] = pick
        values[f"own_{d.item}"] = typed
        chosen[d.item] = {"1": d.first, "2": d.second}.get(pick, typed)
    missing = {
        d.item: staff.t("paper_pick_one") for d in rec.differences if values[d.item] not in ("1", "2", "own")
    }
    if missing:
        return page(
            staff,
            "paper_reconcile.html",
            {
                "title": staff.t("paper_reconcile_title", serial=rec.copy.serial),
                "rec": rec,
                "wave_code": wave,
                "values": values,
                "errors": missing,
            },
            status=422,
        )
    try:
        await paper.decide(staff.actor, wave, serial, chosen)
    except InvalidInput as exc:
        errors = {p.field: problem_text(staff, p) for p in exc.problems}
        return page(
            staff,
            "paper_reconcile.html",
            {
                "title": staff.t("paper_reconcile_title", serial=rec.copy.serial),
                "rec": rec,
                "wave_code": wave,
                "values": values,
                "errors": errors,
            },
            status=422,
        )
    return redirect(paper_url(wave), done="paper_reconciled")


@get(f"{ROOT}/paper/{{wave:str}}/scan/{{serial:str}}", include_in_schema=False, name="console_paper_scan")
async def scan_image(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], wave: FromPath[str], serial: FromPath[str]
) -> Response[bytes]:
    """The copy's scan (supervisors only), typed from its bytes, never cached, never sniffed as HTML."""
    staff.need(*SUPERVISORS)
    data, content_type = await services_of(request).paper.scan(staff.actor, wave, serial)
    return Response(
        content=data,
        media_type=content_type,
        headers={
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": "inline",
        },
    )


HANDLERS: list[Any] = [open_copy, entry_screen, key_copy, reconcile_screen, decide, scan_image]
