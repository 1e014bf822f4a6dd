"""Scorecard data for a wave from the database: estimates, labels, previous wave, peers, counter ratings.

Everything CPU-bound (estimation aside, which ``survey_engine.analysis`` owns) happens in the pure
:mod:`reports.build`; this module only loads: the wave and its questionnaire definition (labels and index
structure), the wave's index results by agency (``survey_engine.analysis.wave_index_results``), the
previous wave with the same questionnaire (trend), the agencies of the wave (peers and names), the
province, and the counter ratings given during the wave's period (self-selected, shown apart).

Visibility: an agency user gets only its own agency (another agency answers "not found"), through
``AgencyService().get``; a province summary is for staff who see every agency.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any

from reports.build import (
    counter_panel,
    method_note,
    peer_comparison,
    province_rows,
    scorecard_data,
    trend_from,
)
from reports.numbers import Language
from reports.province import ProvinceSummaryData
from reports.scorecard_data import AgencyInfo, ScorecardData, WaveInfo
from sampling.results import Estimate, IndexResult
from survey_engine.actors import Actor
from survey_engine.agencies import AgencyService
from survey_engine.errors import Conflict, InvalidInput, NotFound
from survey_engine.questionnaire.index_map import index_structure
from survey_engine.questionnaire.loader import load_definition
from survey_engine.tables import AdminUnit, Submission, Wave, WaveAgency
from survey_engine.waves import WaveService

__all__ = ["agency_scorecard", "province_summary", "wave_scorecards"]

DOMAIN = "agency"


@dataclass(frozen=True)
class _WaveContext:
    wave: WaveInfo
    questionnaire: str
    unit_version: str
    province_vi: str
    province_en: str
    statistics: WaveStatistics
    previous: tuple[WaveInfo, IndexResult] | None
    agencies: tuple[AgencyInfo, ...]
    criterion_labels: dict[str, tuple[str, str]]
    element_labels: dict[str, tuple[str, str]]
    element_of: dict[str, str]
    aggregation: tuple[str, str]


@dataclass(frozen=True)
class WaveStatistics:
    """One wave's indices by agency, with the text of how they were estimated (for the method note)."""

    result: IndexResult
    design: tuple[str, str]  # vi, en
    weighting: tuple[str, str]


async def _index_results(wave_code: str) -> WaveStatistics:
    """The wave's criterion, element and SIPAS indices by agency (``survey_engine.analysis`` owns the SQL).

    The probability-sample series when the wave has weights; otherwise the self-selected series, whose
    method note then says that it is not a probability sample. The two are never pooled.
    """
    try:
        from survey_engine import analysis
    except ImportError as exc:  # pragma: no cover - analysis is part of the package
        raise Conflict("wave statistics are not available in this version") from exc
    try:
        stats = await analysis.wave_results(wave_code, by=(DOMAIN,), series="probability")
    except Conflict:  # no weights yet: the self-selected series, labelled as such
        stats = await analysis.wave_results(wave_code, by=(DOMAIN,), series="self-selected")
    if stats.result is None:
        raise Conflict(f"wave {wave_code} has no complete responses to estimate from yet")
    design = stats.design
    label = design.get("label") or {}
    variance = str(design.get("variance", ""))
    probability = stats.series == "probability"
    return WaveStatistics(
        result=stats.result,
        design=(
            f"{label.get('vi', '')}. PSU: {design.get('psu', '')}; {variance}.",
            f"{label.get('en', '')}. PSU: {design.get('psu', '')}; {variance}.",
        ),
        weighting=(
            ("Trọng số cuối cùng theo kế hoạch chọn mẫu." if probability else "Không gia quyền."),
            ("Final weights from the sampling plan." if probability else "Unweighted."),
        ),
    )


def _wave_info(row: dict[str, Any]) -> WaveInfo:
    return WaveInfo(
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


async def _context(wave_code: str) -> _WaveContext:
    row = (
        await Wave.select(
            Wave.id,
            Wave.code,
            Wave.name_vi,
            Wave.name_en,
            Wave.period_start,
            Wave.period_end,
            Wave.unit_version,
            Wave.questionnaire_version.questionnaire.code.as_alias("questionnaire"),
            Wave.questionnaire_version.definition.as_alias("definition"),
        )
        .where(Wave.code == wave_code)
        .first()
    )
    if row is None:
        raise NotFound(f"no wave with code {wave_code}")
    definition = row["definition"]
    q = load_definition(definition if isinstance(definition, (str, bytes)) else json.dumps(definition))
    try:
        structure = index_structure(q)
    except ValueError as exc:
        raise Conflict(f"the questionnaire of wave {wave_code} defines no index") from exc
    criterion_labels = {c["code"]: (c["labels"]["vi"], c["labels"]["en"]) for c in structure["criteria"]}
    element_labels = {e["code"]: (e["labels"]["vi"], e["labels"]["en"]) for e in structure["elements"]}
    element_of = {c["code"]: c["element"] for c in structure["criteria"]}
    rule = structure["rule_description"]

    members = await WaveAgency.select(
        WaveAgency.agency.code.as_alias("code"),
        WaveAgency.agency.name_vi.as_alias("name_vi"),
        WaveAgency.agency.name_en.as_alias("name_en"),
        WaveAgency.agency.level.as_alias("level"),
        WaveAgency.agency.unit.code.as_alias("unit"),
        WaveAgency.agency.unit.unit_version.as_alias("unit_version"),
    ).where(WaveAgency.wave == row["id"])
    members.sort(key=lambda m: str(m["code"]))
    agencies = tuple(
        AgencyInfo(str(m["code"]), str(m["name_vi"]), str(m["name_en"]), str(m["level"])) for m in members
    )
    province = await _province([(m["unit"], m["unit_version"]) for m in members])

    statistics = await _index_results(wave_code)
    previous = None
    earlier = (
        await Wave.select(Wave.code, Wave.name_vi, Wave.name_en, Wave.period_start, Wave.period_end)
        .where(
            (Wave.questionnaire_version.questionnaire.code == row["questionnaire"])
            & (Wave.period_end < row["period_start"])
        )
        .order_by(Wave.period_end, ascending=False)
        .first()
    )
    if earlier is not None:
        try:
            previous = (_wave_info(earlier), (await _index_results(str(earlier["code"]))).result)
        except (Conflict, NotFound, InvalidInput):
            previous = None
    return _WaveContext(
        wave=_wave_info(row),
        questionnaire=str(row["questionnaire"]),
        unit_version=str(row["unit_version"]),
        province_vi=province[0],
        province_en=province[1],
        statistics=statistics,
        previous=previous,
        agencies=agencies,
        criterion_labels=criterion_labels,
        element_labels=element_labels,
        element_of=element_of,
        aggregation=(str(rule["vi"]), str(rule["en"])),
    )


def _estimate(result: IndexResult, agency: str, variable: str = "SIPAS") -> Estimate | None:
    try:
        return result.groups.estimates[result.groups.find(variable, {DOMAIN: agency})]
    except KeyError:
        return None


async def counter_ratings(agency_code: str, start: date, end: date) -> dict[int, int]:
    """Counts of counter ratings (3 very satisfied, 2 satisfied, 1 dissatisfied) for an agency in a period,
    from every wave whose questionnaire is a counter instrument."""
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
    counts: Counter[int] = Counter()
    if not items:
        return {}
    rows = await Submission.select(Submission.wave, Submission.answers).where(
        (Submission.wave.is_in(list(items)))
        & (Submission.agency.code == agency_code)
        & (Submission.complete == True)  # noqa: E712 - Piccolo builds SQL from ==
    )
    for r in rows:
        answers = r["answers"]
        a = json.loads(answers) if isinstance(answers, (str, bytes)) else answers
        value = a.get(items[int(r["wave"])]) if isinstance(a, dict) else None
        if value in (1, 2, 3):
            counts[int(value)] += 1
    return dict(counts)


async def _build(ctx: _WaveContext, agency: AgencyInfo, lang: Language) -> ScorecardData:
    current = _estimate(ctx.statistics.result, agency.code)
    if current is None:
        raise NotFound(f"no results for agency {agency.code} in wave {ctx.wave.code}")
    trend = None
    if ctx.previous is not None:
        prev_wave, prev_result = ctx.previous
        before = _estimate(prev_result, agency.code)
        if before is not None:
            trend = trend_from(
                current,
                before,
                previous_wave_code=prev_wave.code,
                previous_wave_name_vi=prev_wave.name_vi,
                previous_wave_name_en=prev_wave.name_en,
            )
    peers = [{DOMAIN: a.code} for a in ctx.agencies if a.level == agency.level]
    names = {a.code: (a.name_vi, a.name_en) for a in ctx.agencies}
    peer = peer_comparison(
        ctx.statistics.result.groups, {DOMAIN: agency.code}, peers, level=agency.level, names=names
    )
    counts = await counter_ratings(agency.code, ctx.wave.period_start, ctx.wave.period_end)
    return scorecard_data(
        agency=agency,
        province_name_vi=ctx.province_vi,
        province_name_en=ctx.province_en,
        wave=ctx.wave,
        unit_version=ctx.unit_version,
        result=ctx.statistics.result,
        criterion_labels=ctx.criterion_labels,
        element_labels=ctx.element_labels,
        element_of=ctx.element_of,
        method=method_note(
            ctx.statistics.result.groups,
            sample_size=current.n,
            design=ctx.statistics.design,
            weighting=ctx.statistics.weighting,
            aggregation=ctx.aggregation,
        ),
        trend=trend,
        peer=peer,
        counter=counter_panel(counts) if counts else None,
        lang=lang,
    )


async def agency_scorecard(
    actor: Actor, wave_code: str, agency_code: str, lang: Language = "vi"
) -> ScorecardData:
    """One agency's scorecard data (NotFound for an agency or wave the actor cannot see)."""
    row = await AgencyService().get(actor, agency_code)
    await WaveService().get(actor, wave_code)
    ctx = await _context(wave_code)
    agency = next((a for a in ctx.agencies if a.code == row["code"]), None)
    if agency is None:
        raise NotFound(f"agency {agency_code} is not part of wave {wave_code}")
    return await _build(ctx, agency, lang)


async def wave_scorecards(actor: Actor, wave_code: str, lang: Language = "vi") -> list[ScorecardData]:
    """Every agency's scorecard data for a wave (agencies without results are left out)."""
    await WaveService().get(actor, wave_code)
    ctx = await _context(wave_code)
    visible = [a for a in ctx.agencies if not actor.agency_scoped or a.code == actor.agency_code]
    return [
        await _build(ctx, a, lang) for a in visible if _estimate(ctx.statistics.result, a.code) is not None
    ]


async def province_summary(actor: Actor, wave_code: str, lang: Language = "vi") -> ProvinceSummaryData:
    """Every agency of the wave in one table and chart (staff who see every agency)."""
    if actor.agency_scoped:
        raise NotFound(f"no province summary for wave {wave_code}")
    await WaveService().get(actor, wave_code)
    ctx = await _context(wave_code)
    rows, mean = province_rows(ctx.statistics.result.groups, list(ctx.agencies))
    return ProvinceSummaryData(
        province_name_vi=ctx.province_vi,
        province_name_en=ctx.province_en,
        wave=ctx.wave,
        unit_version=ctx.unit_version,
        rows=rows,
        province_mean=mean,
        method=method_note(
            ctx.statistics.result.groups,
            design=ctx.statistics.design,
            weighting=ctx.statistics.weighting,
            aggregation=ctx.aggregation,
        ),
        lang=lang,
    )
