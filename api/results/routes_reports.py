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

from api.web.auth import READERS
from reports.build import (
    counter_panel,
    method_note,
    peer_comparison,
    perception_item,
    province_rows,
    scorecard_data,
    top_expectations,
    trend_from,
)
from reports.numbers import Language
from reports.province import ProvinceSummaryData, province_filename, render_province_summary
from reports.scorecard import render_scorecard, scorecard_filename
from reports.scorecard_data import AgencyInfo, PerceptionItem, ScorecardData, ShareRow, WaveInfo
from survey_engine.actors import Actor
from survey_engine.errors import NotFound
from survey_engine.results import scorecards

ReportLanguage = Annotated[Literal["vi", "en"], QueryParameter(description="language of the report")]
PRIVATE = {"Cache-Control": "private, no-cache"}


DOMAIN = "agency"


def _wave_info(w: scorecards.WaveHeader) -> WaveInfo:
    return WaveInfo(w.code, w.name_vi, w.name_en, w.period_start, w.period_end)


def _agency_info(a: scorecards.AgencyRow) -> AgencyInfo:
    return AgencyInfo(a.code, a.name_vi, a.name_en, a.level)


def _find(result: Any, agency: str, variable: str = "SIPAS") -> Any:
    try:
        return result.groups.estimates[result.groups.find(variable, {DOMAIN: agency})]
    except KeyError:
        return None


def scorecard_from_report(report: scorecards.WaveReport, agency_code: str, lang: Language) -> ScorecardData:
    """One agency's scorecard data from a wave report (pure: runs anywhere, no database)."""
    agency = next(a for a in report.agencies if a.code == agency_code)
    result = report.statistics.result
    current = _find(result, agency.code)
    trend = None
    if report.previous is not None:
        previous_wave, previous_result = report.previous
        before = _find(previous_result, agency.code)
        if before is not None:
            trend = trend_from(
                current,
                before,
                previous_wave_code=previous_wave.code,
                previous_wave_name_vi=previous_wave.name_vi,
                previous_wave_name_en=previous_wave.name_en,
            )
    peers = [{DOMAIN: a.code} for a in report.agencies if a.level == agency.level]
    names = {a.code: (a.name_vi, a.name_en) for a in report.agencies} if report.name_peers else None
    peer = peer_comparison(result.groups, {DOMAIN: agency.code}, peers, level=agency.level, names=names)
    counts = report.counter.get(agency.code) or {}
    return scorecard_data(
        agency=_agency_info(agency),
        province_name_vi=report.province_vi,
        province_name_en=report.province_en,
        wave=_wave_info(report.wave),
        unit_version=report.unit_version,
        result=result,
        criterion_labels=report.criterion_labels,
        element_labels=report.element_labels,
        element_of=report.element_of,
        method=method_note(
            result.groups,
            sample_size=current.n,
            design=report.statistics.design,
            weighting=report.statistics.weighting,
            aggregation=report.aggregation,
            response_rate=report.response_rates.get(agency.code),
        ),
        perception=_perception(report, agency.code),
        expectations=_expectations(report, agency.code),
        trend=trend,
        peer=peer,
        counter=counter_panel(counts) if counts else None,
        lang=lang,
    )


def scorecards_from_report(report: scorecards.WaveReport, lang: Language) -> list[ScorecardData]:
    """Every agency with results."""
    return [
        scorecard_from_report(report, a.code, lang)
        for a in report.agencies
        if _find(report.statistics.result, a.code) is not None
    ]


def summary_from_report(report: scorecards.WaveReport, lang: Language) -> ProvinceSummaryData:
    result = report.statistics.result
    rows, mean = province_rows(result.groups, [_agency_info(a) for a in report.agencies])
    return ProvinceSummaryData(
        province_name_vi=report.province_vi,
        province_name_en=report.province_en,
        wave=_wave_info(report.wave),
        unit_version=report.unit_version,
        rows=rows,
        province_mean=mean,
        method=method_note(
            result.groups,
            design=report.statistics.design,
            weighting=report.statistics.weighting,
            aggregation=report.aggregation,
        ),
        lang=lang,
    )


def _render_agency(report: scorecards.WaveReport, agency: str, lang: Language) -> bytes:
    return render_scorecard(scorecard_from_report(report, agency, lang), lang)


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
        report = await scorecards.agency_report(actor, code, agency)
        agency_code = next(iter(report.counter))  # the agency asked for, as stored
        body = await anyio.to_thread.run_sync(partial(_render_agency, report, agency_code, lang))
        return _pdf(body, scorecard_filename(code, agency_code, lang))

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


def _perception(report: scorecards.WaveReport, agency: str) -> list[PerceptionItem]:
    items = []
    for item in report.perception:
        options = [
            (labels["vi"], labels["en"], report.shares[(item.code, code, agency)])
            for code, labels in item.options
            if (item.code, code, agency) in report.shares
        ]
        if options:
            items.append(perception_item(item.code, item.label["vi"], item.label["en"], options))
    return items


def _expectations(report: scorecards.WaveReport, agency: str) -> tuple[ShareRow, ...]:
    chosen = [
        (item.label["vi"], item.label["en"], report.shares[(item.code, "top", agency)])
        for item in report.expectations
        if (item.code, "top", agency) in report.shares
    ]
    return top_expectations(chosen) if chosen else ()
