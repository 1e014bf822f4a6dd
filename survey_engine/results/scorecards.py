"""Scorecard inputs for a wave from the database: estimates, labels, previous wave, peers, counter ratings.

This module only loads; :mod:`survey_engine.results.agency_results` picks one agency's results out of a
:class:`WaveReport`, and the api layer turns them into report data with the pure ``reports.build`` helpers
(survey_engine and reports are sibling layers and never import each other). It loads, for a wave whose
context (row, parsed questionnaire, layout) the request loaded once, the wave's indices by agency
(``survey_engine.results.analysis.wave_results``: the probability series when the wave has weights, else
the self-selected one, labelled), the previous wave with the same questionnaire (trend), the agencies of
the wave (peers and names), the province, and the counter ratings given during the wave's period
(self-selected, shown apart).

Visibility: one agency's scorecard goes through
:func:`survey_engine.results.agency_results.scorecard_results` (an agency user gets only its own agency,
another agency answers "not found"); the whole-wave report (all scorecards, province summary) is for
staff who see every agency.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from sampling.results import Estimate, IndexResult
from survey_engine.actors import SYSTEM, Actor
from survey_engine.administration.map_changes import MapChangeService
from survey_engine.administration.waves import WaveService
from survey_engine.answer_codes import CriteriaLayout
from survey_engine.errors import Conflict, InvalidInput, NotFound
from survey_engine.fieldwork.sample_units import weights_for_wave
from survey_engine.fieldwork.samples import FieldworkService
from survey_engine.results import analysis
from survey_engine.results.across_maps import CarriedFigure, carry_to_agencies, index_figures, map_bridge
from survey_engine.results.analysis import ShareItem
from survey_engine.results.series_channels import ChannelCount
from survey_engine.results.series_design import SeriesDesign
from survey_engine.tables import AdminUnit, Submission, Wave, WaveAgency
from survey_engine.wave_context import WaveContext, load_wave

__all__ = [
    "AgencyRow",
    "DesignNote",
    "WaveHeader",
    "WaveReport",
    "WaveStatistics",
    "counter_ratings",
    "counter_ratings_by_agency",
    "report_data",
    "wave_report",
]

DOMAIN = "agency"
_VN = timezone(timedelta(hours=7), "ICT")  # Vietnam: UTC+7 all year


@dataclass(frozen=True)
class WaveHeader:
    code: str
    name_vi: str
    name_en: str
    period_start: date
    period_end: date


@dataclass(frozen=True)
class AgencyRow:
    code: str
    name_vi: str
    name_en: str
    level: str


@dataclass(frozen=True)
class WaveReport:
    """What the reports layer needs for a wave's scorecards (plain data and ``sampling`` results).

    ``agencies`` are all agencies of the wave (peers); ``counter`` holds counter-rating counts
    ({3: very satisfied, 2: satisfied, 1: dissatisfied}) of the agencies asked for.
    """

    wave: WaveHeader
    questionnaire: str
    unit_version: str
    province_vi: str
    province_en: str
    statistics: WaveStatistics
    previous: tuple[WaveHeader, IndexResult] | None
    agencies: tuple[AgencyRow, ...]
    layout: CriteriaLayout
    criterion_labels: dict[str, tuple[str, str]]
    element_labels: dict[str, tuple[str, str]]
    element_of: dict[str, str]
    aggregation: tuple[str, str]
    counter: dict[str, dict[int, int]]
    name_peers: bool = True  # False for agency users: the best performer is not named
    # Perception items and expectations (same series and design as the indices), estimates keyed by
    # (item, option, agency) in %; response rates (AAPOR RR3, %) per agency when the wave has a sample.
    perception: tuple[ShareItem, ...] = ()
    expectations: tuple[ShareItem, ...] = ()
    shares: dict[tuple[str, str, str], Estimate] = field(default_factory=dict)
    response_rates: dict[str, float] = field(default_factory=dict)
    previous_series: str | None = None  # the series of ``previous`` (a trend across series is descriptive)
    # When ``previous`` is on an older map: its figures carried to this wave's agencies that sit on
    # successor units (computed from the predecessor units' agencies), by agency code.
    previous_carried: dict[str, CarriedFigure] = field(default_factory=dict)


@dataclass(frozen=True)
class DesignNote:
    """How a series was estimated, for the scorecard's method note: the series label (in both languages, as
    the estimates name the series) and codes with parameters, which the reports layer words
    (``reports.method_words``): ``psu`` is ``sampled_unit`` or ``service_point_day``; ``variance`` is
    ``weights_fixed``, ``calibration_linearised`` or ``calibration_without_effect`` (parameters ``method``
    and ``variables``)."""

    label_vi: str
    label_en: str
    psu: str
    variance: str
    variance_params: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class WaveStatistics:
    """One wave's indices by agency, with how they were estimated (for the method note): ``design`` and
    ``weighting`` (``final_weights`` or ``unweighted``) are codes, or words already chosen (vi, en)."""

    result: IndexResult
    design: DesignNote | tuple[str, str]
    weighting: str | tuple[str, str]
    series: str = "self-selected"
    channels: tuple[ChannelCount, ...] = ()  # responses of the series per agency and channel


def design_note(series: str, design: SeriesDesign) -> DesignNote:
    """The codes of a series' ``design`` (as ``analysis.wave_results`` describes it; no calibration asked).

    The probability series linearises the calibration of its stored weights when the weighting recorded it
    (``weights_calibration``); the self-selected series, not calibrated here, treats its weights as fixed.
    """
    stored = design.weights_calibration if series == "probability" else None
    variance, params = "weights_fixed", {}
    if stored is not None and stored.linearised:
        variance = (
            "calibration_linearised"
            if stored.changes_variance is None or stored.changes_variance
            else "calibration_without_effect"
        )
        params = {"method": stored.method, "variables": ", ".join(stored.variables)}
    return DesignNote(
        label_vi=str(design.label.get("vi", "")),
        label_en=str(design.label.get("en", "")),
        psu="sampled_unit" if series == "probability" else "service_point_day",
        variance=variance,
        variance_params=params,
    )


async def index_results(wave_code: str | WaveContext) -> WaveStatistics:
    """The wave's criterion, element and SIPAS indices by agency (``survey_engine.results.analysis`` owns
    the SQL).

    The probability-sample series when the wave has weights; otherwise the self-selected series, whose
    method note then says that it is not a probability sample. The two are never pooled.
    """
    wave = await analysis.wave_of(wave_code)  # loaded once for both tries
    try:
        stats = await analysis.wave_results(wave, by=(DOMAIN,), series="probability")
    except Conflict:  # no weights yet: the self-selected series, labelled as such
        stats = await analysis.wave_results(wave, by=(DOMAIN,), series="self-selected")
    if stats.result is None:
        raise Conflict(f"wave {stats.wave} has no complete responses to estimate from yet")
    return WaveStatistics(
        result=stats.result,
        design=design_note(stats.series, stats.design),
        weighting="final_weights" if stats.series == "probability" else "unweighted",
        series=stats.series,
        channels=stats.channels,
    )


def _wave_info(row: dict[str, Any]) -> WaveHeader:
    return WaveHeader(
        str(row["code"]),
        str(row["name_vi"]),
        str(row["name_en"]),
        _as_date(row["period_start"]),
        _as_date(row["period_end"]),
    )


def _as_date(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


async def _province(agency_units: list[tuple[str | None, str | None]]) -> tuple[str, str]:
    """The province the wave's agencies belong to (from their administrative units)."""
    for unit_code, unit_version in agency_units:
        if not unit_code:
            continue
        query = AdminUnit.select(AdminUnit.name_vi, AdminUnit.name_en, AdminUnit.level, AdminUnit.parent_code)
        query = query.where(AdminUnit.code == unit_code)
        if unit_version:
            query = query.where(AdminUnit.unit_version == unit_version)
        unit = await query.first()
        if unit is None:
            continue
        if unit["level"] != "province" and unit["parent_code"]:
            parent = (
                await AdminUnit.select(AdminUnit.name_vi, AdminUnit.name_en)
                .where(AdminUnit.code == unit["parent_code"])
                .first()
            )
            if parent is not None:
                return str(parent["name_vi"]), str(parent["name_en"])
        return str(unit["name_vi"]), str(unit["name_en"])
    return "", ""


async def report_data(wave: WaveContext) -> WaveReport:
    """A wave's report data, without counter ratings and without a visibility check (callers check)."""
    structure, layout = wave.structure, wave.layout
    if structure is None or layout is None:
        raise Conflict(f"the questionnaire of wave {wave.code} defines no index")
    criterion_labels = {c["code"]: (c["labels"]["vi"], c["labels"]["en"]) for c in structure["criteria"]}
    element_labels = {e["code"]: (e["labels"]["vi"], e["labels"]["en"]) for e in structure["elements"]}
    element_of = {c["code"]: c["element"] for c in structure["criteria"]}
    rule = structure["rule_description"]

    members = await WaveAgency.select(
        WaveAgency.agency.code.as_alias("code"),
        WaveAgency.agency.name_vi.as_alias("name_vi"),
        WaveAgency.agency.name_en.as_alias("name_en"),
        WaveAgency.agency.level.as_alias("level"),
        WaveAgency.agency._.unit.code.as_alias("unit"),
        WaveAgency.agency._.unit.unit_version.as_alias("unit_version"),
    ).where(WaveAgency.wave == wave.id)
    members.sort(key=lambda m: str(m["code"]))
    agencies = tuple(
        AgencyRow(str(m["code"]), str(m["name_vi"]), str(m["name_en"]), str(m["level"])) for m in members
    )
    province = await _province([(m["unit"], m["unit_version"]) for m in members])

    # The shares read every response's JSON answers (on PostgreSQL, 24 of a 2,000,000-response wave
    # report's 42 s): they start now, beside the indices' scan and arithmetic, on the series the indices
    # will use (the probability series when the wave has weights); read again only if that guess was wrong.
    guess = "probability" if await weights_for_wave(wave.id) else "self-selected"
    shares_read = asyncio.ensure_future(analysis.wave_shares(wave, guess))
    try:
        statistics = await index_results(wave)
        previous = None
        previous_series = None
        previous_carried: dict[str, CarriedFigure] = {}
        earlier = (
            await Wave.select(
                Wave.code, Wave.name_vi, Wave.name_en, Wave.period_start, Wave.period_end, Wave.unit_version
            )
            .where(
                (Wave.questionnaire_version._.questionnaire.code == wave.questionnaire_code)
                & (Wave.period_end < wave.period_start)
            )
            .order_by(Wave.period_end, ascending=False)
            .first()
        )
        if earlier is not None:
            try:
                before = await index_results(str(earlier["code"]))
                previous, previous_series = (_wave_info(earlier), before.result), before.series
                previous_carried = await _carried_previous(
                    before.result, str(earlier["code"]), str(earlier["unit_version"] or ""), wave, agencies
                )
            except (Conflict, NotFound, InvalidInput):
                previous = None
        if statistics.series == guess:
            perception, expectations, shares = await shares_read
        else:
            shares_read.cancel()
            perception, expectations, shares = await analysis.wave_shares(wave, statistics.series)
    finally:  # never leave the read running, or its failure unretrieved, when something above fails
        if not shares_read.done():
            shares_read.cancel()
        await asyncio.gather(shares_read, return_exceptions=True)
    return WaveReport(
        response_rates=await _response_rates(wave.code),
        perception=tuple(perception),
        expectations=tuple(expectations),
        shares=shares,
        wave=WaveHeader(wave.code, wave.name_vi, wave.name_en, wave.period_start, wave.period_end),
        questionnaire=wave.questionnaire_code,
        unit_version=wave.unit_version,
        province_vi=province[0],
        province_en=province[1],
        statistics=statistics,
        previous=previous,
        previous_series=previous_series,
        previous_carried=previous_carried,
        agencies=agencies,
        layout=layout,
        criterion_labels=criterion_labels,
        element_labels=element_labels,
        element_of=element_of,
        aggregation=(str(rule["vi"]), str(rule["en"])),
        counter={},
    )


async def _carried_previous(
    result: IndexResult,
    earlier_code: str,
    earlier_map: str,
    wave: WaveContext,
    agencies: Sequence[AgencyRow],
) -> dict[str, CarriedFigure]:
    """The previous wave's overall indices carried to this wave's agencies when the previous wave is on an
    older map (empty when both are on the same map or no succession links them)."""
    earlier_agencies = await WaveAgency.select(WaveAgency.agency.code.as_alias("code")).where(
        WaveAgency.wave.code == earlier_code
    )
    bridge = await map_bridge(
        MapChangeService(), earlier_map, wave.unit_version, [str(r["code"]) for r in earlier_agencies]
    )
    if bridge is None:
        return {}
    figure_of, level = index_figures(result, analysis.OVERALL)
    return await carry_to_agencies(bridge, [a.code for a in agencies], figure_of, level)


async def counter_ratings(agency_code: str, start: date, end: date) -> dict[int, int]:
    """Counts of counter ratings (3 very satisfied, 2 satisfied, 1 dissatisfied) for an agency in a period,
    from every wave whose questionnaire is a counter instrument."""
    return (await counter_ratings_by_agency([agency_code], start, end)).get(agency_code, {})


async def counter_ratings_by_agency(
    agency_codes: Sequence[str], start: date, end: date
) -> dict[str, dict[int, int]]:
    """:func:`counter_ratings` of several agencies in one pass (one read of the counter waves' answers)."""
    if not agency_codes:
        return {}
    waves = await Wave.select(Wave.id, Wave.questionnaire_version.definition.as_alias("definition")).where(
        (Wave.period_start <= end) & (Wave.period_end >= start)
    )
    items: dict[int, str] = {}
    for w in waves:
        definition = w["definition"]
        d = json.loads(definition) if isinstance(definition, (str, bytes)) else definition
        if not isinstance(d, dict) or d.get("instrument") != "counter":
            continue
        for item in d.get("items", []):
            if item.get("scale") == "counter3" or (item.get("type") == "rating3" and item.get("element")):
                items[int(w["id"])] = str(item["code"])
                break
    if not items:
        return {}
    # Only ratings received during the period (server time: a device clock may be wrong): a year-long
    # counter wave beside a one-month survey counts that month (days in Vietnam time, UTC+7).
    since = datetime.combine(start, time(0), tzinfo=_VN)
    until = datetime.combine(end + timedelta(days=1), time(0), tzinfo=_VN)
    rows = await Submission.select(
        Submission.wave, Submission.agency.code.as_alias("agency"), Submission.answers
    ).where(
        (Submission.wave.is_in(list(items)))
        & (Submission.agency.code.is_in(list(agency_codes)))
        & (Submission.complete == True)  # noqa: E712 - Piccolo builds SQL from ==
        & (Submission.received_at >= since)
        & (Submission.received_at < until)
    )
    counts: dict[str, Counter[int]] = {}
    for r in rows:
        answers = r["answers"]
        a = json.loads(answers) if isinstance(answers, (str, bytes)) else answers
        value = a.get(items[int(r["wave"])]) if isinstance(a, dict) else None
        if value in (1, 2, 3):
            counts.setdefault(str(r["agency"]), Counter())[int(value)] += 1
    return {code: dict(c) for code, c in counts.items()}


async def wave_report(actor: Actor, wave_code: str, *, counters: bool = True) -> WaveReport:
    """A wave's report data for every agency (scorecards of all, province summary): staff who see every
    agency; an agency user gets NotFound."""
    if actor.agency_scoped:
        raise NotFound(f"no wave report for {wave_code}")
    await WaveService().get(actor, wave_code)
    report = await report_data(await load_wave(wave_code))
    counts: dict[str, dict[int, int]] = {}
    if counters:
        found = await counter_ratings_by_agency(
            [a.code for a in report.agencies], report.wave.period_start, report.wave.period_end
        )
        counts = {a.code: found.get(a.code, {}) for a in report.agencies}
    return dataclasses.replace(report, counter=counts)


async def _response_rates(wave_code: str) -> dict[str, float]:
    """AAPOR RR3 (%) per agency from fieldwork, when the wave has a drawn sample."""
    try:
        progress = await FieldworkService().progress(SYSTEM, wave_code)
    except (Conflict, NotFound, InvalidInput):
        return {}
    return {row.agency: row.rr3 * 100 for row in progress.agencies if row.rr3 is not None and row.sampled}
