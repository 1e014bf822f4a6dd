"""The national roll-up from the database: the national round's waves, one per province, stacked.

The national round (docs/statistics.md, "National roll-up") is either

* the waves named explicitly (``waves``), one per province; or
* a year (``year``): for every active province, its latest *closed* wave whose period ends in that year
  (latest by end of period, then by code), of one questionnaire (``questionnaire``; it may be left out
  when every such wave uses the same one). Provinces without such a wave are listed as missing: the
  national figure covers the provinces that took part, and says which did not.

Every wave of the round must give the same criteria under the same index rule (the same questionnaire,
or versions of it with the same criteria), and one series is used for all of them: the probability
series when every wave has computed weights (population-weighted national figure, ``design-based``),
else the self-selected series (each province counts by the responses it received; ``descriptive``).
Each wave's cells come from the same reader as the wave's own estimates
(:func:`survey_engine.results.analysis.series_cells`), are stacked by :mod:`sampling.national` and
estimated with the questionnaire's own estimator; the ranking is :func:`sampling.national.rank_ranges`.

Only national accounts may read it (:func:`check_national`).
"""

from __future__ import annotations

import asyncio
import functools
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sampling.errors import EstimationError
from sampling.national import (
    NATIONAL,
    PROVINCE,
    RankInput,
    RankRange,
    pooled_rollup,
    rank_ranges,
)
from sampling.pooled import SurveyTotals, survey_totals
from sampling.results import Estimate
from survey_engine.actors import Actor
from survey_engine.answer_codes import CriteriaLayout
from survey_engine.errors import Conflict, FieldProblem, Forbidden, InvalidInput
from survey_engine.fieldwork.sample_units import weights_for_wave
from survey_engine.results.analysis import OVERALL, SERIES, index_estimate, series_cells
from survey_engine.results.analysis_cells import groups_of
from survey_engine.results.series_cells import keep_derived, kept_derived, series_version
from survey_engine.results.series_design import inference_of
from survey_engine.tables import Province, Wave
from survey_engine.wave_context import WaveContext, wave_columns, wave_context

__all__ = [
    "NATIONAL_ROLES",
    "NationalResult",
    "ProvinceFigure",
    "RoundWave",
    "check_national",
    "national_result",
]

# Roles that may read the national figures from a national account (``ministry`` is the ministry's
# read-only national role; listed here so the check holds before and after it joins the roles).
NATIONAL_ROLES = ("admin", "statistician", "ministry")
# Waves read at once: the database does the grouping, so a few at a time keep both cores busy.
_CONCURRENT_WAVES = 4
_DOMAIN = ("channel",)  # any domain column will do: the roll-up regroups the cells by province


async def _totals_key(w: RoundWave, series: str) -> tuple[Any, ...] | None:
    """The key a province's totals are kept under (:func:`series_version`), or None for a series whose
    totals are not kept."""
    layout = w.context.layout
    if series != "self-selected" or layout is None:
        return None
    weighted = list(await weights_for_wave(w.context.id))
    return (*(await series_version(w.context.id, layout, weighted)), "national totals", series, "adjust")


def check_national(actor: Actor) -> None:
    """A national account (no province) with a role that reads results nationally, else Forbidden."""
    if actor.province_id is not None or actor.role not in NATIONAL_ROLES:
        raise Forbidden("the national roll-up is for national accounts (admin, statistician, ministry)")


@dataclass(frozen=True)
class RoundWave:
    """A wave of the national round and its province."""

    province: str
    province_vi: str
    province_en: str
    context: WaveContext


@dataclass(frozen=True)
class ProvinceFigure:
    """A province's index in the round (``overall`` None: no response in the series) and its rank range
    (None when it has no index or the index is suppressed by the publication rule)."""

    code: str
    name_vi: str
    name_en: str
    wave: str
    rows: int
    overall: Estimate | None
    rank: RankRange | None


@dataclass(frozen=True)
class NationalResult:
    """The national roll-up: its round, the national indices (overall, elements, parts), each province's
    overall index with its rank range, and the design in words."""

    definition: str  # "waves" or "year"
    year: int | None
    questionnaire: str
    series: str
    inference: str
    weighting: str  # "population" (design weights) or "responses" (unweighted)
    measure: str
    level: float
    rows: int
    strata: int
    psus: int
    national: tuple[Estimate, ...]  # the overall index first, then elements and parts
    provinces: tuple[ProvinceFigure, ...]  # in rank order (position), then provinces without a rank
    missing: tuple[tuple[str, str, str], ...]  # (code, name_vi, name_en) of provinces without a wave
    layout: CriteriaLayout
    period_start: date
    period_end: date

    @property
    def overall(self) -> Estimate | None:
        return next((e for e in self.national if e.variable == OVERALL), None)


def _problem(field: str, message: str) -> InvalidInput:
    return InvalidInput("the national roll-up request is not valid", [FieldProblem(field, message)])


async def _round_rows(waves: Sequence[str] | None, year: int | None, questionnaire: str | None) -> list[Any]:
    columns = (
        *wave_columns(),
        Wave.status,
        Wave.province.code.as_alias("province_code"),
        Wave.province.name_vi.as_alias("province_vi"),
        Wave.province.name_en.as_alias("province_en"),
        Wave.province.active.as_alias("province_active"),
    )
    if waves is not None:
        rows = await Wave.select(*columns).where(Wave.code.is_in(list(waves))).output(load_json=True)
        unknown = sorted(set(waves) - {r["code"] for r in rows})
        if unknown:
            raise _problem("waves", f"no wave with code {unknown[0]}")
        for r in rows:
            if r["province_code"] is None:
                raise _problem("waves", f"wave {r['code']} belongs to no province")
        seen: dict[str, str] = {}
        for r in sorted(rows, key=lambda r: str(r["code"])):
            if r["province_code"] in seen:
                raise _problem(
                    "waves",
                    f"waves {seen[r['province_code']]} and {r['code']} are both of province "
                    f"{r['province_code']}: the national round takes one wave per province",
                )
            seen[r["province_code"]] = r["code"]
        return list(rows)
    assert year is not None  # noqa: S101 - the caller checked that exactly one is given
    rows = await Wave.select(*columns).where(Wave.status == "closed").output(load_json=True)
    rows = [
        r
        for r in rows
        if r["province_code"] is not None and r["province_active"] and _year_of(r["period_end"]) == year
    ]
    families = sorted({str(r["questionnaire"]) for r in rows})
    if questionnaire is None:
        if len(families) > 1:
            raise _problem(
                "questionnaire",
                f"the closed waves of {year} use several questionnaires ({', '.join(families)}): name one",
            )
    else:
        rows = [r for r in rows if r["questionnaire"] == questionnaire]
    latest: dict[str, Any] = {}
    for r in rows:
        key = (str(r["period_end"])[:10], str(r["code"]))
        held = latest.get(r["province_code"])
        if held is None or key > (str(held["period_end"])[:10], str(held["code"])):
            latest[r["province_code"]] = r
    if not latest:
        raise _problem("year", f"no province has a closed wave ending in {year}")
    return list(latest.values())


def _year_of(value: object) -> int:
    return value.year if isinstance(value, date) else int(str(value)[:4])


async def national_round(
    waves: Sequence[str] | None = None, year: int | None = None, questionnaire: str | None = None
) -> list[RoundWave]:
    """The waves of the national round, one per province, in province code order (module docstring)."""
    if (waves is None) == (year is None):
        raise _problem("waves", "give either the waves (one per province) or a year")
    if waves is not None and not waves:
        raise _problem("waves", "at least one wave")
    rows = await _round_rows(waves, year, questionnaire)
    out = [
        RoundWave(str(r["province_code"]), str(r["province_vi"]), str(r["province_en"]), wave_context(r))
        for r in rows
    ]
    out.sort(key=lambda w: w.province)
    first = out[0].context
    for w in out:
        layout = w.context.layout
        if layout is None or not layout.criteria:
            raise _problem("waves", f"wave {w.context.code}: its questionnaire defines no index")
        assert first.layout is not None  # noqa: S101 - checked in the loop's first turn
        if layout.codes != first.layout.codes or layout.rule != first.layout.rule:
            raise _problem(
                "waves",
                f"waves {first.code} and {w.context.code} have different criteria or index rules: "
                "their indices cannot be pooled",
            )
    return out


async def _series_of(round_waves: Sequence[RoundWave], series: str | None) -> str:
    if series is not None:
        if series not in SERIES:
            raise _problem("series", f"one of {', '.join(SERIES)}")
        return series
    weighted = [bool(await weights_for_wave(w.context.id)) for w in round_waves]
    return "probability" if all(weighted) else "self-selected"


async def national_result(
    actor: Actor,
    *,
    waves: Sequence[str] | None = None,
    year: int | None = None,
    questionnaire: str | None = None,
    series: str | None = None,
    level: float = 0.95,
) -> NationalResult:
    """The national roll-up of a round (module docstring); ``series`` None chooses it as described."""
    check_national(actor)
    if not 0.5 < level < 1:
        raise _problem("level", "between 0.5 and 1")
    round_waves = await national_round(waves, year, questionnaire)
    chosen = await _series_of(round_waves, series)
    gate = asyncio.Semaphore(_CONCURRENT_WAVES)
    now = time.monotonic()

    async def read(w: RoundWave) -> tuple[int, SurveyTotals | None]:
        # Each province's totals are kept under its series' data version (read from the database, so
        # another process's writes change it): a repeated roll-up reads a small query per wave, not its
        # cells. Not the probability series: it depends on the weights' values too, which the version
        # does not see.
        key = await _totals_key(w, chosen)
        if key is not None:
            found, kept = kept_derived(key, now)
            if found:
                return kept  # type: ignore[no-any-return]
        async with gate:
            # The roll-up shows no channel counts: skipping them saves a second scan of every wave.
            cells = await series_cells(w.context, _DOMAIN, chosen, with_channels=False)
        totals = None
        # The province's totals (the costly part of the estimation) while the next waves are read.
        if cells.cells is not None:
            try:
                totals = await asyncio.to_thread(survey_totals, cells.cells)
            except EstimationError as exc:
                raise Conflict(f"the national roll-up cannot be computed: {exc}") from exc
        if key is not None:
            keep_derived(key, (cells.rows, totals), now)
        return cells.rows, totals

    read_waves = await asyncio.gather(*(read(w) for w in round_waves))
    rows_of = {w.province: rows for w, (rows, _) in zip(round_waves, read_waves, strict=True)}
    taken = [(w.province, t) for w, (_, t) in zip(round_waves, read_waves, strict=True) if t is not None]
    if not taken:
        raise Conflict(f"no province of the round has responses in the {chosen} series")
    layout = round_waves[0].context.layout
    assert layout is not None  # noqa: S101 - national_round checked every wave's index
    estimate = functools.partial(
        index_estimate, layout=layout, groups=groups_of(layout), ci="logit", index_ci="logit", level=level
    )
    try:
        national_estimate, province_estimates = await asyncio.to_thread(
            pooled_rollup, [code for code, _ in taken], [t for _, t in taken], estimate
        )
    except EstimationError as exc:
        raise Conflict(f"the national roll-up cannot be computed: {exc}") from exc
    overall_by_province = {
        e.domain[PROVINCE]: e
        for result in province_estimates.values()
        for e in result.groups.estimates
        if e.variable == OVERALL
    }
    # A suppressed index is not shown, so it is not ranked either.
    rankable = [
        RankInput.of(code, e)
        for code, e in overall_by_province.items()
        if e.flag != "suppress" and math.isfinite(e.estimate)
    ]
    ranks = {r.code: r for r in rank_ranges(rankable, level)}
    figures = [
        ProvinceFigure(
            code=w.province,
            name_vi=w.province_vi,
            name_en=w.province_en,
            wave=w.context.code,
            rows=rows_of[w.province],
            overall=overall_by_province.get(w.province),
            rank=ranks.get(w.province),
        )
        for w in round_waves
    ]
    figures.sort(key=lambda p: (p.rank is None, p.rank.position if p.rank else 0, p.code))
    national = sorted(
        (e for e in national_estimate.groups.estimates if e.domain.get(NATIONAL) == NATIONAL),
        key=lambda e: e.variable != OVERALL,
    )
    taking_part = {w.province for w in round_waves}
    missing: tuple[tuple[str, str, str], ...] = ()
    if year is not None:
        active = await Province.select(Province.code, Province.name_vi, Province.name_en).where(
            Province.active == True  # noqa: E712
        )
        missing = tuple(
            (str(p["code"]), str(p["name_vi"]), str(p["name_en"]))
            for p in sorted(active, key=lambda p: str(p["code"]))
            if p["code"] not in taking_part
        )
    summary = national_estimate.groups.design
    return NationalResult(
        definition="waves" if waves is not None else "year",
        year=year,
        questionnaire=round_waves[0].context.questionnaire_code,
        series=chosen,
        inference=inference_of(chosen),
        weighting="population" if chosen == "probability" else "responses",
        measure=national_estimate.measure,
        level=level,
        rows=sum(rows_of.values()),
        strata=summary.strata,
        psus=summary.psus,
        national=tuple(national),
        provinces=tuple(figures),
        missing=missing,
        layout=layout,
        period_start=min(w.context.period_start for w in round_waves),
        period_end=max(w.context.period_end for w in round_waves),
    )
