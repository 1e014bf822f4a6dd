"""Console pages of paper questionnaires: the waves that collect on paper, and per wave the serial box
that opens a copy for keying, printing, dispatch, returns, progress, reconciliation and keyer error rates.

Data-entry clerks (role ``data_entry``) see the waves and the serial box; administrators and statisticians
see everything. Every form carries the session's CSRF token; every action calls the container's ``paper``
service, the same as ``sipas paper …``.
"""

from __future__ import annotations

from functools import partial
from typing import Any
from urllib.parse import quote

import anyio.to_thread
from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.params import FromPath
from litestar.response import Redirect, Template

from api.paper.printing import run_filename, run_pdf
from api.services import services_of
from api.web.console_base import ROOT, Staff, page, posted, redirect
from survey_engine.errors import Conflict, FieldProblem, InvalidInput, NotFound
from survey_engine.paper.copies import MAX_COPIES
from survey_engine.paper.entry import KEYERS, SUPERVISORS
from survey_engine.paper.tracking import RETURN_STATUSES, STATUSES

MAX_SERIALS_TEXT = 200_000  # a returns list of some ten thousand serials


def paper_url(wave: str, tail: str = "") -> str:
    return f"{ROOT}/paper/{quote(wave)}{tail}"


def serial_digits(serial: str) -> str:
    return "".join(ch for ch in serial if ch.isdigit())


def problem_text(staff: Staff, problem: FieldProblem) -> str:
    """A problem in the page's language: paper keys carry their English in ``params``; serial and scan
    problems have their own words."""
    if problem.reason in ("paper_serial", "paper_unknown", "paper_scan_size", "paper_scan_type"):
        return staff.t(f"{problem.reason}_msg")
    if problem.reason == "paper_other_wave":
        return staff.t("paper_other_wave_msg", wave=problem.params.get("wave", ""))
    if staff.lang == "en" and problem.params.get("en"):
        return str(problem.params["en"])
    return problem.message


def conflict_text(staff: Staff, exc: Conflict, serial: str) -> str:
    if exc.kind in ("paper_keyed_twice", "paper_entered", "paper_reconcile", "paper_status", "closed"):
        return staff.t(f"paper_conflict_{exc.kind}", serial=serial)
    return exc.detail


@get(f"{ROOT}/paper", include_in_schema=False, name="console_paper")
async def paper_index(request: Request[Any, Any, Any], staff: NamedDependency[Staff]) -> Template:
    staff.need(*KEYERS)
    waves = await services_of(request).paper.paper_waves(staff.actor)
    return page(staff, "paper.html", {"title": staff.t("paper_title"), "waves": waves})


async def wave_page(
    request: Request[Any, Any, Any],
    staff: Staff,
    wave: str,
    status: int = 200,
    *,
    serial: str = "",
    serial_error: str = "",
    print_errors: dict[str, str] | None = None,
    returns_errors: dict[str, str] | None = None,
    returns_text: str = "",
) -> Template:
    """The wave's paper page (see the module), with whatever a refused form needs shown again."""
    paper = services_of(request).paper
    found = [w for w in await paper.paper_waves(staff.actor) if w.code == wave]
    if not found:
        raise NotFound(f"no wave {wave} that collects on paper")
    supervisor = staff.may(*SUPERVISORS)
    context: dict[str, Any] = {
        "title": f"{staff.t('paper_title')} · {wave}",
        "wave": found[0],
        "wave_name": found[0].name_en if staff.lang == "en" and found[0].name_en else found[0].name_vi,
        "serial": serial,
        "serial_error": serial_error,
        "supervisor": supervisor,
        "print_errors": print_errors or {},
        "returns_errors": returns_errors or {},
        "returns_text": returns_text,
        "statuses": STATUSES,
        "return_statuses": RETURN_STATUSES,
        "max_copies": MAX_COPIES,
    }
    if supervisor:
        context |= {
            "progress": await paper.paper_progress(staff.actor, wave),
            "waiting": await paper.waiting(staff.actor, wave),
            "rates": await paper.keyer_rates(staff.actor, wave),
            "points": await paper.print_points(staff.actor, wave),
        }
    return page(staff, "paper_wave.html", context, status=status)


@get(f"{ROOT}/paper/{{wave:str}}", include_in_schema=False, name="console_paper_wave")
async def paper_wave(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], wave: FromPath[str]
) -> Template:
    staff.need(*KEYERS)
    return await wave_page(request, staff, wave)


@post(
    f"{ROOT}/paper/{{wave:str}}/print",
    include_in_schema=False,
    status_code=200,
    name="console_paper_print",
    request_max_body_size=20 * 1024 * 1024 + 64 * 1024,
)
async def print_copies(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], wave: FromPath[str]
) -> Template | Response[bytes]:
    """A print run as ``sipas paper print``: the batch is stored and its PDF downloaded."""
    staff.need(*SUPERVISORS)
    try:
        raw = await posted(request, staff)
    except RequestEntityTooLarge:
        return await wave_page(
            request, staff, wave, 413, print_errors={"addresses": staff.t("paper_err_addresses_big")}
        )
    source = str(raw.get("source") or "")
    point = str(raw.get("point") or "").strip()[:48] or None
    copies_text = str(raw.get("copies") or "1").strip()[:6]
    errors: dict[str, str] = {}
    copies = int(copies_text) if copies_text.isdigit() else 0
    if source == "point" and not point:
        errors["point"] = staff.t("paper_err_point")
    if source == "point" and not 1 <= copies <= MAX_COPIES:
        errors["copies"] = staff.t("paper_err_copies", max=MAX_COPIES)
    if source not in ("point", "sample"):
        errors["source"] = staff.t("paper_err_source")
    addresses = None
    upload = raw.get("addresses")
    if isinstance(upload, UploadFile):
        addresses = (await upload.read()) or None
    if errors:
        return await wave_page(request, staff, wave, 422, print_errors=errors)
    settings = services_of(request).settings
    try:
        run = await services_of(request).paper.print_run(
            staff.actor,
            wave,
            point=point if source == "point" else None,
            copies=copies,
            sample=source == "sample",
            addresses=addresses if source == "sample" else None,
            secret_key=settings.secret_key,
        )
    except InvalidInput as exc:
        text = "; ".join(p.message for p in exc.problems) or exc.detail
        return await wave_page(request, staff, wave, 422, print_errors={"source": text})
    except Conflict as exc:
        return await wave_page(request, staff, wave, 409, print_errors={"source": exc.detail})
    body = await anyio.to_thread.run_sync(partial(run_pdf, run))
    return Response(
        content=body,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{run_filename(run)}"',
            "Cache-Control": "no-store",
            "X-Sipas-Batch": run.batch,
            "X-Sipas-Copies": str(len(run.copies)),
        },
    )


@post(
    f"{ROOT}/paper/{{wave:str}}/dispatch",
    include_in_schema=False,
    status_code=200,
    name="console_paper_dispatch",
)
async def dispatch(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], wave: FromPath[str]
) -> Redirect:
    staff.need(*SUPERVISORS)
    raw = await posted(request, staff)
    await services_of(request).paper.dispatch(staff.actor, wave, str(raw.get("batch") or "")[:16])
    return redirect(paper_url(wave), done="paper_dispatched")


@post(
    f"{ROOT}/paper/{{wave:str}}/returns",
    include_in_schema=False,
    status_code=200,
    name="console_paper_returns",
)
async def record_returns(
    request: Request[Any, Any, Any], staff: NamedDependency[Staff], wave: FromPath[str]
) -> Template | Redirect:
    """Serials typed or scanned one a line, with the status they came back with: all recorded or none."""
    staff.need(*SUPERVISORS)
    raw = await posted(request, staff)
    text = str(raw.get("serials") or "")[:MAX_SERIALS_TEXT]
    status = str(raw.get("status") or "")
    serials = [line.strip() for line in text.splitlines() if line.strip()]
    if status not in RETURN_STATUSES:
        return await wave_page(
            request,
            staff,
            wave,
            422,
            returns_errors={"status": staff.t("paper_err_status")},
            returns_text=text,
        )
    try:
        await services_of(request).paper.record_returns(staff.actor, wave, serials, status)
    except InvalidInput as exc:
        lines = "; ".join(p.message for p in exc.problems[:20])
        return await wave_page(
            request, staff, wave, 422, returns_errors={"serials": lines}, returns_text=text
        )
    return redirect(paper_url(wave), done="paper_returns")


HANDLERS: list[Any] = [paper_index, paper_wave, print_copies, dispatch, record_returns]
