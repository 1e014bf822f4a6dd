"""Scorecard and province-summary downloads (handlers mounted by create_app).

``GET /api/v1/waves/{code}/scorecards/{agency}.pdf?lang=vi|en`` — an agency's scorecard: staff; an agency
user only its own agency (another agency answers 404). ``GET /api/v1/waves/{code}/province-summary.pdf`` —
every agency of the wave; staff who see every agency. Rendering runs in a worker thread, off the loop.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any, Literal

import anyio.to_thread
from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from api.results.console_drivers import drivers_section
from api.results.scorecard_build import scorecard_from_results, summary_from_report
from api.web.auth import READERS
from reports.numbers import Language
from reports.province import province_filename, render_province_summary
from reports.scorecard import render_scorecard, scorecard_filename
from survey_engine.actors import Actor
from survey_engine.errors import NotFound
from survey_engine.results import agency_results, scorecards
from survey_engine.results.agency_results import AgencyResults
from survey_engine.results.drivers import WaveDrivers
from survey_engine.results.drivers_cache import cached_wave_drivers

ReportLanguage = Annotated[Literal["vi", "en"], QueryParameter(description="language of the report")]
PRIVATE = {"Cache-Control": "private, no-cache"}


def _render_agency(results: AgencyResults, lang: Language, drivers: WaveDrivers) -> bytes:
    section = drivers_section(drivers, results.agency.code)
    return render_scorecard(scorecard_from_results(results, lang, section), lang)


def _render_summary(report: scorecards.WaveReport, lang: Language) -> bytes:
    return render_province_summary(summary_from_report(report, lang), lang)


def _pdf(body: bytes, filename: str) -> Response[bytes]:
    return Response(
        content=body,
        media_type="application/pdf",
        headers={**PRIVATE, "Content-Disposition": f'attachment; filename="{filename}"'},
    )


class ReportController(Controller):
    path = "/api/v1/waves"
    tags = ["reports"]

    @get(
        "/{code:str}/scorecards/{filename:str}",  # "{agency}.pdf": a path parameter is a whole segment
        summary="An agency's A4 scorecard for a wave (PDF, Vietnamese or English)",
        guards=[READERS],
        media_type="application/pdf",
    )
    async def scorecard(
        self,
        actor: NamedDependency[Actor],
        code: FromPath[str],
        filename: FromPath[str],
        lang: ReportLanguage = "vi",
    ) -> Response[bytes]:
        agency, dot, extension = filename.rpartition(".")
        if not dot or extension.lower() != "pdf" or not agency:
            raise NotFound(f"no scorecard {filename}: ask for {{agency}}.pdf")
        results = await agency_results.scorecard_results(actor, code, agency)
        series = results.report.statistics.series if results.report is not None else "self-selected"
        drivers = await cached_wave_drivers(code, series, [results.agency.code])
        body = await anyio.to_thread.run_sync(partial(_render_agency, results, lang, drivers))
        return _pdf(body, scorecard_filename(code, results.agency.code, lang))

    @get(
        "/{code:str}/province-summary.pdf",
        summary="Every agency of a wave in one table and chart with intervals (PDF)",
        guards=[READERS],
        media_type="application/pdf",
    )
    async def province_summary(
        self,
        actor: NamedDependency[Actor],
        code: FromPath[str],
        lang: ReportLanguage = "vi",
    ) -> Response[bytes]:
        report = await scorecards.wave_report(actor, code, counters=False)
        body = await anyio.to_thread.run_sync(partial(_render_summary, report, lang))
        return _pdf(body, province_filename(code, lang))


REPORT_HANDLERS: list[Any] = [ReportController]
