"""Scorecard and province-summary data from the results assembler (pure: no database, no web).

The scorecard route and ``sipas report`` both turn :class:`AgencyResults` (one agency, from
:mod:`survey_engine.results.agency_results`) and a :class:`WaveReport` (every agency) into the data the
PDF renderers of :mod:`reports` take, with the pure ``reports.build`` helpers.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from reports.build import (
    DEFAULT_PUBLICATION,
    SCORE_PUBLICATION,
    DomainLookup,
    counter_panel,
    method_note,
    peer_comparison,
    peer_comparisons,
    perception_item,
    province_rows,
    scorecard_data,
    top_expectations,
    trend_from,
)
from reports.numbers import Language
from reports.province import ProvinceSummaryData
from reports.scorecard_data import (
    AgencyInfo,
    IndexScale,
    ModelBasedFigure,
    PeerComparison,
    PerceptionItem,
    ScorecardData,
    ShareRow,
    WaveInfo,
)
from reports.scorecard_drivers import DriversSection
from survey_engine.answer_codes import CriteriaLayout
from survey_engine.results.agency_results import DOMAIN, AgencyResults, with_results
from survey_engine.results.estimates_view import overall_label
from survey_engine.results.index_rule import band_for, scale_of
from survey_engine.results.scorecards import AgencyRow, WaveHeader, WaveReport
from survey_engine.results.series_channels import ChannelCount, channel_totals

__all__ = ["scorecard_from_results", "scorecards_from_report", "summary_from_report"]


def _wave_info(w: WaveHeader) -> WaveInfo:
    return WaveInfo(w.code, w.name_vi, w.name_en, w.period_start, w.period_end)


def _agency_info(a: AgencyRow) -> AgencyInfo:
    return AgencyInfo(a.code, a.name_vi, a.name_en, a.level)


def index_scale(layout: CriteriaLayout, estimate: float | None) -> IndexScale:
    """How the overall index of the questionnaire's rule reads on a scorecard, with the agency's grade."""
    if layout.rule == "top_box_share":
        return IndexScale()
    low, high = scale_of(layout)
    name = overall_label(layout)
    code = band_for(layout, estimate)
    labels = next((dict(labels) for band, labels, _ in layout.bands if band == code), {})
    return IndexScale(
        name_vi=name["vi"],
        name_en=name["en"],
        percent=False,
        low=low,
        high=high,
        grade_vi=labels.get("vi", ""),
        grade_en=labels.get("en", "") or labels.get("vi", ""),
        short="",
    )


def scorecard_from_results(
    results: AgencyResults,
    lang: Language,
    drivers: DriversSection | None = None,
    *,
    wave: WaveBatch | None = None,
) -> ScorecardData:
    """One agency's scorecard data (its results must come with their wave report); ``drivers``: the
    drivers section (:func:`api.results.console_drivers.drivers_section`), None to omit it; ``wave``:
    what every agency of the wave shares, computed once (:func:`wave_batch`) when building them all."""
    report = results.report
    current = results.overall
    if report is None or current is None:
        raise ValueError(f"no scorecard results for agency {results.agency.code}")
    agency = results.agency
    result = results.result
    # Marks drawn from a series that is not a probability sample are descriptive (issue #13).
    descriptive = results.series != "probability"
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
            descriptive=descriptive or previous.series != "probability",
            carried_from=previous.carried_from or None,
        )
    if wave is not None:
        peer = wave.peers.get(agency.code)
    else:
        peer = peer_comparison(
            result.groups,
            dict(results.domain),
            [{DOMAIN: a.code} for a in results.peers or ()],
            level=agency.level,
            names=results.peer_names,
            descriptive=descriptive,
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
            publication=_publication(results.layout),
            channels=wave.channels.get(agency.code, {})
            if wave is not None
            else _channels(report, agency.code),
            descriptive=descriptive,
        ),
        perception=_perception(report, agency.code),
        expectations=_expectations(report, agency.code),
        trend=trend,
        peer=peer,
        counter=counter_panel(counts) if counts else None,
        lang=lang,
        index=index_scale(results.layout, current.estimate),
        lookup=wave.lookup if wave is not None else None,
    )
    if trend is None and earlier and earlier[-1].carried_from and earlier[-1].carried_reason:
        data = replace(data, trend_not_carried=(earlier[-1].carried_from, earlier[-1].carried_reason))
    if drivers is not None:
        data = replace(data, drivers=drivers)
    model = results.model_based
    if model is None:
        return data
    return replace(
        data,
        model_based=ModelBasedFigure(
            estimate=model.eblup,
            ci_low=model.ci_low,
            ci_high=model.ci_high,
            rmse=model.rmse,
            own_weight=model.gamma,
            agencies=model.agencies,
            auxiliaries=model.auxiliaries,
        ),
    )


def _publication(layout: CriteriaLayout) -> tuple[str, str]:
    """The method note's publication words: NCHS 2017 for shares, the 30/30 rule for scores."""
    return DEFAULT_PUBLICATION if layout.rule == "top_box_share" else SCORE_PUBLICATION


@dataclass(frozen=True)
class WaveBatch:
    """What every scorecard of a wave shares, computed once for all of them: the estimates indexed by
    agency, every agency's comparison with its peers (one pass per level) and its responses per channel."""

    lookup: DomainLookup
    peers: Mapping[str, PeerComparison | None]
    channels: Mapping[str, dict[str, int]]


def wave_batch(report: WaveReport) -> WaveBatch:
    """:class:`WaveBatch` of a wave report (peers: the agencies of the same level, as for one agency)."""
    result = report.statistics.result
    names = {a.code: (a.name_vi, a.name_en) for a in report.agencies} if report.name_peers else None
    peers = peer_comparisons(
        result.groups,
        [(a.code, a.level) for a in report.agencies],
        names=names,
        descriptive=report.statistics.series != "probability",
    )
    by_agency: dict[str, list[ChannelCount]] = {}
    for count in report.statistics.channels:
        by_agency.setdefault(count.agency, []).append(count)
    channels = {
        code: {c.channel: c.responses for c in channel_totals(counts)} for code, counts in by_agency.items()
    }
    return WaveBatch(DomainLookup(result), peers, channels)


def scorecards_from_report(
    report: WaveReport, lang: Language, drivers: Mapping[str, DriversSection | None] | None = None
) -> list[ScorecardData]:
    """Every agency with results; ``drivers`` the drivers section by agency code (absent: omitted)."""
    sections = drivers or {}
    batch = wave_batch(report)
    return [
        scorecard_from_results(r, lang, sections.get(r.agency.code), wave=batch) for r in with_results(report)
    ]


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
            publication=_publication(report.layout),
            channels=_channels(report, None),
            descriptive=report.statistics.series != "probability",
        ),
        lang=lang,
        index=index_scale(report.layout, None),
    )


def _channels(report: WaveReport, agency: str | None) -> dict[str, int]:
    """Responses of the report's series per channel (of one agency, or of every agency)."""
    return {c.channel: c.responses for c in channel_totals(report.statistics.channels, agency)}


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
