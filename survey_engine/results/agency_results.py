"""One agency's results in one wave: the one assembler behind every view of them.

The scorecard (``GET /api/v1/waves/{code}/scorecards/{agency}.pdf`` and ``sipas report``) and the
console's agency page show the same thing: the agency's overall, element and criterion indices from one
estimation, the comparison with the agencies of its level, the change over earlier waves and the counter
ratings. :class:`AgencyResults` holds those as data and :func:`assemble` is the one place that picks them
out of an estimation. Two loaders feed it, one per way of choosing the estimation:

* :func:`scorecard_results` (and :func:`from_report` for every agency of a wave report): the series is
  the probability one when the wave has weights, else the self-selected one, labelled; the trend is the
  previous wave of the same questionnaire; the report adds what only the scorecard prints (method note,
  perception and expectation shares, response rate, province).
* :func:`page_results`: the series the user chose, with its filters (domain columns); the trend is the
  agency's earlier waves of the same questionnaire that the user may see, and this wave unfiltered.

The views turn the data into words and figures (``api.results.scorecard_build`` for the PDF,
``api.results.console_results_agency`` for the page); survey_engine and reports never import each other.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from sampling.results import Estimate, IndexResult
from survey_engine.actors import Actor
from survey_engine.administration.agencies import AgencyService
from survey_engine.administration.map_changes import MapChangeService
from survey_engine.administration.waves import WaveService
from survey_engine.answer_codes import CriteriaLayout
from survey_engine.errors import Conflict, InvalidInput, NotFound
from survey_engine.results.across_maps import CarriedFigure, carry_to_agencies, index_figures, map_bridge
from survey_engine.results.analysis import OVERALL, WaveResults
from survey_engine.results.estimates_cache import cached_wave_results
from survey_engine.results.scorecards import (
    AgencyRow,
    WaveHeader,
    WaveReport,
    counter_ratings_by_agency,
    report_data,
)
from survey_engine.results.small_area import ModelBasedIndex, model_based_indices
from survey_engine.tables import WaveAgency
from survey_engine.wave_context import WaveContext, load_wave

__all__ = [
    "MAX_EARLIER_WAVES",
    "AgencyResults",
    "TrendPoint",
    "WaveIndex",
    "assemble",
    "carried_estimate",
    "earlier_waves",
    "find_estimate",
    "from_report",
    "page_results",
    "scorecard_results",
    "small_area_models",
    "wave_agencies",
    "wave_header",
    "with_results",
]

DOMAIN = "agency"
MAX_EARLIER_WAVES = 6


@dataclass(frozen=True)
class TrendPoint:
    """The agency's overall index in one wave (None: no results in the series)."""

    wave: WaveHeader
    estimate: Estimate | None
    current: bool = False  # the wave the results are for (the console's trend shows it last)
    series: str = ""  # the series the estimate comes from (``probability``, ``self-selected``)
    # Set when the wave is on an older map and the agency was not in it: the map version the estimate was
    # computed on from the predecessor units' agencies (``survey_engine.results.across_maps``), and why it
    # could not be (then ``estimate`` is None).
    carried_from: str = ""
    carried_reason: str | None = None


@dataclass(frozen=True)
class AgencyResults:
    """One agency's results in one wave, as every view of them takes them.

    ``result`` is the estimation (indices by agency, crossed with the filter columns in ``domain``);
    ``overall`` the agency's index in ``domain`` (None: no responses there). ``peers`` are the wave's
    agencies of the same level (None: no comparison, as on a filtered page) and ``peer_names`` their
    names when the viewer may see who performs best (None for an agency user). ``trend`` is oldest
    first. ``report`` holds what only the scorecard prints (None on the console page).
    """

    wave: WaveHeader
    agency: AgencyRow
    series: str
    result: IndexResult
    layout: CriteriaLayout
    domain: Mapping[str, str]
    overall: Estimate | None
    peers: tuple[AgencyRow, ...] | None
    peer_names: Mapping[str, tuple[str, str]] | None
    trend: tuple[TrendPoint, ...] = ()
    counter: Mapping[int, int] = field(default_factory=dict)
    report: WaveReport | None = None
    # The model-based (small-area) overall index, beside a direct one that the publication rule flags or
    # suppresses (None: the direct index is published as is, or no model could be fitted).
    model_based: ModelBasedIndex | None = None


def find_estimate(result: IndexResult, domain: Mapping[str, str], variable: str = OVERALL) -> Estimate | None:
    """An index (the overall one unless ``variable`` names an element or part) of one domain."""
    try:
        return result.groups.estimates[result.groups.find(variable, dict(domain))]
    except KeyError:
        return None


def assemble(
    *,
    wave: WaveHeader,
    agency: AgencyRow,
    series: str,
    result: IndexResult,
    layout: CriteriaLayout,
    domain: Mapping[str, str] | None = None,
    agencies: Sequence[AgencyRow] | None,
    name_peers: bool,
    trend: Sequence[TrendPoint] = (),
    counter: Mapping[int, int] | None = None,
    report: WaveReport | None = None,
    models: Mapping[str, ModelBasedIndex] | None = None,
    wave_index: WaveIndex | None = None,
) -> AgencyResults:
    """The agency's results from an estimation and the wave's agencies (None: no peer comparison);
    ``models`` the wave's model-based indices by agency (:func:`small_area_models`); ``wave_index`` the
    peers, names and overall indices of ``agencies`` and ``result`` by agency, when already indexed."""
    domain = dict(domain) if domain is not None else {DOMAIN: agency.code}
    if wave_index is not None and agencies is not None:
        peers: tuple[AgencyRow, ...] | None = wave_index.levels.get(agency.level, ())
        names = wave_index.names if name_peers else None
        overall = wave_index.overall.get(agency.code) if set(domain) == {DOMAIN} else None
    else:
        peers = None if agencies is None else tuple(a for a in agencies if a.level == agency.level)
        names = (
            {a.code: (a.name_vi, a.name_en) for a in agencies}
            if agencies is not None and name_peers
            else None
        )
        overall = find_estimate(result, domain)
    model = (models or {}).get(agency.code)
    flagged = overall is not None and overall.flag is not None
    return AgencyResults(
        wave=wave,
        agency=agency,
        series=series,
        result=result,
        layout=layout,
        domain=domain,
        overall=overall,
        model_based=model if flagged else None,
        peers=peers,
        peer_names=names,
        trend=tuple(trend),
        counter=dict(counter or {}),
        report=report,
    )


def carried_estimate(carried: CarriedFigure, agency: str) -> Estimate | None:
    """A figure carried across a map change as an estimate (None when it could not be computed): an index
    with the combination's normal interval (``ci_method`` says so)."""
    if carried.estimate is None:
        return None
    nan = float("nan")
    return Estimate(
        variable=OVERALL,
        domain={DOMAIN: agency},
        statistic="index",
        estimate=carried.estimate,
        se=nan if carried.se is None else carried.se,
        ci_low=nan if carried.ci_low is None else carried.ci_low,
        ci_high=nan if carried.ci_high is None else carried.ci_high,
        level=carried.level,
        ci_method="carried-normal",
        df=None,
        n=carried.n,
        flag=carried.flag,
        flag_reason="a predecessor unit's figure is to be read with care" if carried.flag else None,
    )


@dataclass(frozen=True)
class WaveIndex:
    """A wave report's agencies by code and by level, their names and their overall indices (this wave's
    and the previous wave's) by code: indexed once when every agency's results are picked out of it."""

    by_code: Mapping[str, AgencyRow]
    levels: Mapping[str, tuple[AgencyRow, ...]]
    names: Mapping[str, tuple[str, str]]
    overall: Mapping[str, Estimate]
    previous: Mapping[str, Estimate]

    @classmethod
    def of(cls, report: WaveReport) -> WaveIndex:
        levels: dict[str, list[AgencyRow]] = {}
        for a in report.agencies:
            levels.setdefault(a.level, []).append(a)
        previous = report.previous[1] if report.previous is not None else None
        return cls(
            by_code={a.code: a for a in report.agencies},
            levels={level: tuple(rows) for level, rows in levels.items()},
            names={a.code: (a.name_vi, a.name_en) for a in report.agencies},
            overall=_overall_by_agency(report.statistics.result),
            previous=_overall_by_agency(previous) if previous is not None else {},
        )


def _overall_by_agency(result: IndexResult) -> dict[str, Estimate]:
    """The overall index of every agency of an estimation by agency alone (as :func:`find_estimate`
    finds them one by one: the first estimate of each domain)."""
    out: dict[str, Estimate] = {}
    for e in result.groups.estimates:
        if e.variable == OVERALL and set(e.domain) == {DOMAIN}:
            out.setdefault(str(e.domain[DOMAIN]), e)
    return out


def small_area_models(report: WaveReport) -> dict[str, ModelBasedIndex]:
    """The wave's model-based overall indices by agency (auxiliaries: level, the previous wave's index and
    the counter-rating share loaded in the report, each where every agency has it)."""
    previous = report.previous[1] if report.previous is not None else None
    return model_based_indices(
        report.statistics.result, report.agencies, previous=previous, counter=report.counter or None
    )


def from_report(
    report: WaveReport,
    agency_code: str,
    models: Mapping[str, ModelBasedIndex] | None = None,
    wave_index: WaveIndex | None = None,
) -> AgencyResults:
    """One agency's scorecard results from a wave report (pure: runs anywhere, no database);
    ``models`` the wave's :func:`small_area_models` when already fitted (else fitted here);
    ``wave_index`` the report's :class:`WaveIndex` when every agency is picked out of it."""
    if wave_index is not None:
        agency = wave_index.by_code[agency_code]
    else:
        agency = next(a for a in report.agencies if a.code == agency_code)
    trend: tuple[TrendPoint, ...] = ()
    if report.previous is not None:
        previous_wave, previous_result = report.previous
        before = (
            wave_index.previous.get(agency.code)
            if wave_index is not None
            else find_estimate(previous_result, {DOMAIN: agency.code})
        )
        carried = report.previous_carried.get(agency.code) if before is None else None
        trend = (
            TrendPoint(
                previous_wave,
                before if carried is None else carried_estimate(carried, agency.code),
                series=report.previous_series or "",
                carried_from=carried.from_version if carried else "",
                carried_reason=carried.reason if carried else None,
            ),
        )
    return assemble(
        wave=report.wave,
        agency=agency,
        series=report.statistics.series,
        result=report.statistics.result,
        layout=report.layout,
        agencies=report.agencies,
        name_peers=report.name_peers,
        trend=trend,
        counter=report.counter.get(agency.code) or {},
        report=report,
        models=small_area_models(report) if models is None else models,
        wave_index=wave_index,
    )


def with_results(report: WaveReport) -> list[AgencyResults]:
    """Every agency of a wave report that has results (the scorecards of ``sipas report --all``)."""
    models = small_area_models(report)  # one fit for the whole wave
    index = WaveIndex.of(report)  # peers, names and indices by agency, indexed once
    everyone = (from_report(report, a.code, models, index) for a in report.agencies)
    return [r for r in everyone if r.overall is not None]


async def scorecard_results(actor: Actor, wave_code: str, agency_code: str) -> AgencyResults:
    """An agency's scorecard results (NotFound for what the actor cannot see, or without results)."""
    row = await AgencyService().get(actor, agency_code)
    await WaveService().get(actor, wave_code)
    report = await report_data(await load_wave(wave_code))
    code = row.code  # the agency asked for, as stored
    if code not in {a.code for a in report.agencies}:
        raise NotFound(f"agency {agency_code} is not part of wave {wave_code}")
    if find_estimate(report.statistics.result, {DOMAIN: code}) is None:
        raise NotFound(f"no results for agency {agency_code} in wave {wave_code}")
    # Every agency's counter ratings (one pass): the small-area model takes their share as an auxiliary;
    # only this agency's counts are printed.
    counts = await counter_ratings_by_agency(
        [a.code for a in report.agencies], report.wave.period_start, report.wave.period_end
    )
    report = replace(
        report,
        counter={a.code: counts.get(a.code, {}) for a in report.agencies},
        name_peers=not actor.agency_scoped,
    )
    return from_report(report, code)


# -- the console's agency page ------------------------------------------------------------------------


def wave_header(wave: WaveContext) -> WaveHeader:
    return WaveHeader(wave.code, wave.name_vi, wave.name_en, wave.period_start, wave.period_end)


async def wave_agencies(wave_code: str) -> tuple[AgencyRow, ...]:
    """The agencies of a wave, by code."""
    rows = await WaveAgency.select(
        WaveAgency.agency.code.as_alias("code"),
        WaveAgency.agency.name_vi.as_alias("name_vi"),
        WaveAgency.agency.name_en.as_alias("name_en"),
        WaveAgency.agency.level.as_alias("level"),
    ).where(WaveAgency.wave.code == wave_code)
    rows.sort(key=lambda r: str(r["code"]))
    return tuple(
        AgencyRow(str(r["code"]), str(r["name_vi"]), str(r["name_en"]), str(r["level"])) for r in rows
    )


async def earlier_waves(
    wave: WaveContext, agency_id: int, visible: Collection[str], limit: int = MAX_EARLIER_WAVES
) -> list[WaveHeader]:
    """Waves before this one with the same questionnaire that include the agency and that the viewer may
    see (``visible`` codes), the last ``limit`` of them, oldest first."""
    rows = await WaveAgency.select(
        WaveAgency.wave.code.as_alias("code"),
        WaveAgency.wave.name_vi.as_alias("name_vi"),
        WaveAgency.wave.name_en.as_alias("name_en"),
        WaveAgency.wave.period_start.as_alias("period_start"),
        WaveAgency.wave.period_end.as_alias("period_end"),
    ).where(
        (WaveAgency.agency == agency_id)
        & (WaveAgency.wave._.questionnaire_version._.questionnaire.code == wave.questionnaire_code)
        & (WaveAgency.wave.period_end < wave.period_start)
    )
    rows = [r for r in rows if str(r["code"]) in visible]
    rows.sort(key=lambda r: (str(r["period_end"]), str(r["code"])))
    return [
        WaveHeader(
            str(r["code"]),
            str(r["name_vi"]),
            str(r["name_en"]),
            _as_date(r["period_start"]),
            _as_date(r["period_end"]),
        )
        for r in rows[-limit:]
    ]


def _as_date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


async def _overall_in(wave: str | WaveContext, series: str, agency_code: str) -> Estimate | None:
    """The agency's overall index in a wave's series, by agency alone; None when there is none."""
    try:
        results = await cached_wave_results(wave, (DOMAIN,), series)
    except (Conflict, InvalidInput):
        return None
    return None if results.result is None else find_estimate(results.result, {DOMAIN: agency_code})


async def page_results(
    wave: WaveContext,
    agency: AgencyRow,
    agency_id: int,
    results: WaveResults,
    filters: Mapping[str, str],
    *,
    visible: Mapping[str, WaveContext],
    name_peers: bool,
    counter: Mapping[int, int] | None = None,
) -> AgencyResults:
    """The console page's results of an agency: ``results`` is the estimation of the chosen series by
    agency and the ``filters`` columns (with a value each); the trend is the agency's index, unfiltered,
    in its earlier visible waves (``visible``: the waves the viewer may see, by code, as the page's list
    loaded them) and in this one; peers are compared only without filters."""
    if results.result is None:
        raise Conflict(f"wave {wave.code} has no complete responses in this series")
    earlier = await earlier_waves(wave, agency_id, visible)
    trend = [
        TrendPoint(
            w,
            await _overall_in(visible.get(w.code) or w.code, results.series, agency.code),
            series=results.series,
        )
        for w in earlier
    ]
    current = (
        find_estimate(results.result, {DOMAIN: agency.code})
        if not filters
        else await _overall_in(wave, results.series, agency.code)
    )
    bridged = await _carried_point(wave, agency.code, earlier, visible, results.series)
    if bridged is not None:
        trend.append(bridged)
    trend.append(TrendPoint(wave_header(wave), current, current=True, series=results.series))
    agencies = None if filters else await wave_agencies(wave.code)
    models = None
    if agencies is not None and current is not None and current.flag is not None:
        models = await _page_models(wave, results, agencies, earlier[-1] if earlier else None, visible)
    return assemble(
        wave=wave_header(wave),
        agency=agency,
        series=results.series,
        result=results.result,
        layout=results.layout,
        domain={DOMAIN: agency.code, **filters},
        agencies=agencies,
        name_peers=name_peers,
        trend=trend,
        counter=counter,
        models=models,
    )


async def _carried_point(
    wave: WaveContext,
    agency: str,
    earlier: Sequence[WaveHeader],
    visible: Mapping[str, WaveContext],
    series: str,
) -> TrendPoint | None:
    """The latest visible earlier wave of the questionnaire, on an older map and without the agency (its
    unit is a successor of that map's units), with the agency's index computed from the predecessor
    units' agencies; None when there is none or the agency's own earlier waves are later."""
    candidates = [
        w
        for w in visible.values()
        if w.questionnaire_code == wave.questionnaire_code
        and w.period_end < wave.period_start
        and w.unit_version != wave.unit_version
        and w.code not in {e.code for e in earlier}
    ]
    latest = max(candidates, key=lambda w: (w.period_end, w.code), default=None)
    if latest is None or (earlier and earlier[-1].period_end >= latest.period_end):
        return None
    try:
        found = await cached_wave_results(latest, (DOMAIN,), series)
    except (Conflict, InvalidInput):
        return None
    if found.result is None:
        return None
    bridge = await map_bridge(
        MapChangeService(),
        latest.unit_version,
        wave.unit_version,
        [a.code for a in await wave_agencies(latest.code)],
    )
    if bridge is None:
        return None
    figure_of, level = index_figures(found.result, OVERALL)
    current = [a.code for a in await wave_agencies(wave.code)]
    carried = (await carry_to_agencies(bridge, current, figure_of, level)).get(agency)
    if carried is None:
        return None
    return TrendPoint(
        wave_header(latest),
        carried_estimate(carried, agency),
        series=series,
        carried_from=carried.from_version,
        carried_reason=carried.reason,
    )


async def _page_models(
    wave: WaveContext,
    results: WaveResults,
    agencies: Sequence[AgencyRow],
    previous: WaveHeader | None,
    visible: Mapping[str, WaveContext],
) -> dict[str, ModelBasedIndex]:
    """The small-area model of the page's series, fitted as the scorecard's (auxiliaries: level, the
    latest earlier visible wave's index in the same series, the counter-rating share)."""
    if results.result is None:
        return {}
    before = None
    if previous is not None:
        try:
            found = await cached_wave_results(
                visible.get(previous.code) or previous.code, (DOMAIN,), results.series
            )
            before = found.result
        except (Conflict, InvalidInput):
            before = None
    counts = await counter_ratings_by_agency([a.code for a in agencies], wave.period_start, wave.period_end)
    return model_based_indices(results.result, agencies, previous=before, counter=counts)
