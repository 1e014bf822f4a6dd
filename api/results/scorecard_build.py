"""Scorecard and province-summary data from the results assembler (pure: no database, no web).

The scorecard route and ``sipas report`` both turn :class:`AgencyResults` (one agency, from
:mod:`survey_engine.results.agency_results`) and a :class:`WaveReport` (every agency) into the data the
PDF renderers of :mod:`reports` take, with the pure ``reports.build`` helpers.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

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
from reports.province import ProvinceSummaryData
from reports.scorecard_data import AgencyInfo, PerceptionItem, ScorecardData, ShareRow, WaveInfo
from reports.scorecard_drivers import DriversSection
from survey_engine.results.agency_results import DOMAIN, AgencyResults, with_results
from survey_engine.results.scorecards import AgencyRow, WaveHeader, WaveReport

__all__ = ["scorecard_from_results", "scorecards_from_report", "summary_from_report"]


def _wave_info(w: WaveHeader) -> WaveInfo:
    return WaveInfo(w.code, w.name_vi, w.name_en, w.period_start, w.period_end)


def _agency_info(a: AgencyRow) -> AgencyInfo:
    return AgencyInfo(a.code, a.name_vi, a.name_en, a.level)


def scorecard_from_results(
    results: AgencyResults, lang: Language, drivers: DriversSection | None = None
) -> ScorecardData:
    """One agency's scorecard data (its results must come with their wave report); ``drivers``: the
    drivers section (:func:`api.results.console_drivers.drivers_section`), None to omit it."""
    report = results.report
    current = results.overall
    if report is None or current is None:
        raise ValueError(f"no scorecard results for agency {results.agency.code}")
    agency = results.agency
    result = results.result
    trend = None
    earlier = [p for p in results.trend if not p.current]
    before = earlier[-1].estimate if earlier else None
    if before is not None:
        previous = earlier[-1]
        trend = trend_from(
            current,
            before,
            previous_wave_code=previous.wave.code,
            previous_wave_name_vi=previous.wave.name_vi,
            previous_wave_name_en=previous.wave.name_en,
        )
    peers = [{DOMAIN: a.code} for a in results.peers or ()]
    peer = peer_comparison(
        result.groups, dict(results.domain), peers, level=agency.level, names=results.peer_names
    )
    counts = dict(results.counter)
    data = scorecard_data(
        agency=_agency_info(agency),
        province_name_vi=report.province_vi,
        province_name_en=report.province_en,
        wave=_wave_info(results.wave),
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
    return data if drivers is None else dataclasses.replace(data, drivers=drivers)


def scorecards_from_report(
    report: WaveReport, lang: Language, drivers: Mapping[str, DriversSection | None] | None = None
) -> list[ScorecardData]:
    """Every agency with results; ``drivers`` the drivers section by agency code (absent: omitted)."""
    sections = drivers or {}
    return [scorecard_from_results(r, lang, sections.get(r.agency.code)) for r in with_results(report)]


def summary_from_report(report: WaveReport, lang: Language) -> ProvinceSummaryData:
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


def _perception(report: WaveReport, agency: str) -> list[PerceptionItem]:
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


def _expectations(report: WaveReport, agency: str) -> tuple[ShareRow, ...]:
    chosen = [
        (item.label["vi"], item.label["en"], report.shares[(item.code, "top", agency)])
        for item in report.expectations
        if (item.code, "top", agency) in report.shares
    ]
    return top_expectations(chosen) if chosen else ()
