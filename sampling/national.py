"""The national roll-up: one survey per province stacked into one stratified design, and an honest ranking.

Stacking (docs/statistics.md, "National roll-up"). Each province samples on its own, so the national
sample is a stratified design whose strata are province × the province's own strata and whose PSUs are
nested in them: R's ``svydesign(ids=~psu, strata=~prov_stratum, weights=~w, nest=TRUE)`` on the rows of
all provinces. :func:`stack_provinces` builds that design's cell sums (:mod:`sampling.cells`) from each
province's: every province's strata and (stratum, PSU) pairs get codes of their own, the province
becomes the domain column, each province keeps its own weights, finite-population corrections
and calibration. Estimates then come from the project's one estimator (the callable passed to
:func:`national_rollup`, e.g. :func:`sampling.cells.estimate_indices_from_cells`): the national index is
the whole-sample estimate (R's ``svymean``/``svycontrast``), each province's index the domain estimate
(R's ``svyby(~…, ~province, …)``), which equals the province's own estimate because no stratum spans two
provinces — so it is computed on the province's own cells.

Provinces weigh in through their weights: with design weights (Σ w estimates the province's population
of users) the national index is population-weighted; with unit weights (a self-selected series) each
province counts by the number of responses it received, and the figure only describes those responses.

Calibration: a province calibrated to its own totals keeps that calibration; the stacked design
residualises each province's rows with its own (:class:`StackedCalibration`), which is what calibrating
with province-specific margins does in R (the margins never cross provinces).

Ranking (:func:`rank_ranges`). Two provinces' estimates are independent (disjoint strata), so the SE of
their difference is √(SE_a² + SE_b²). Every pair is tested at level α/m with m = P(P−1)/2 (Bonferroni over
all pairs), so with probability ≥ 1 − α no difference among all pairs is declared wrongly and all rank
ranges hold together. A province's rank range runs from 1 + (provinces significantly above it) to
P − (provinces significantly below it); provinces not significantly different from it are listed. The
order by point estimate is shown, but never as a rank by itself.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import stats

from sampling.cells import CellSums
from sampling.design import Calibration, LonelyPSU
from sampling.errors import EstimationError
from sampling.pooled import StackedCells, SurveyTotals, survey_totals
from sampling.results import Estimate, IndexResult

__all__ = [
    "NATIONAL",
    "PROVINCE",
    "NationalRollup",
    "ProvinceCells",
    "RankInput",
    "RankRange",
    "StackedCalibration",
    "national_rollup",
    "pooled_rollup",
    "rank_ranges",
    "stack_provinces",
]

FloatArray = npt.NDArray[np.float64]
PROVINCE = "province"  # the domain column of the stacked cells
NATIONAL = "national"  # the domain column (and its one level) of the national estimate


@dataclass(frozen=True)
class ProvinceCells:
    """One province's survey as cell sums (its own strata, PSUs, weights and calibration)."""

    province: str
    cells: CellSums


@dataclass(frozen=True, eq=False)
class StackedCalibration:
    """The calibrations of stacked provinces: each block of rows (cells) residualised with its own.

    ``blocks`` holds (first row, end row, calibration or None) in row order; rows of an uncalibrated
    province keep their linearised values, as fixed weights do."""

    blocks: tuple[tuple[int, int, Calibration | None], ...]
    description: str = "per province"

    def residualise(self, z: FloatArray) -> FloatArray:
        out = np.array(z, dtype=np.float64)
        for start, end, calibration in self.blocks:
            if calibration is not None:
                out[start:end] = calibration.residualise(out[start:end])
        return out


def _local_codes(values: npt.ArrayLike | None, n: int) -> tuple[npt.NDArray[np.int64], int]:
    """Integer codes 0..L-1 of a label column in order of first appearance (all 0 when absent) and L.

    A dictionary pass, not a sort: a province's PSU labels (service point × day) run to tens of thousands,
    and sorting them as strings was the slowest step of stacking."""
    if values is None:
        return np.zeros(n, dtype=np.int64), 1
    seen: dict[Any, int] = {}
    codes = np.fromiter((seen.setdefault(v, len(seen)) for v in np.asarray(values).tolist()), np.int64, n)
    return codes, max(len(seen), 1)


def _check_parts(parts: Sequence[ProvinceCells]) -> bool:
    """Whether the provinces give finite-population corrections; raises for a round that cannot stack."""
    if not parts:
        raise EstimationError("no province to roll up")
    codes = [p.province for p in parts]
    if len(set(codes)) != len(codes):
        twice = next(c for c in codes if codes.count(c) > 1)
        raise EstimationError(f"province {twice!r} is given twice: the national round takes one survey each")
    k = parts[0].cells.top.shape[1]
    groups = parts[0].cells.group_rows.shape[1]
    for p in parts:
        if p.cells.top.shape[1] != k or p.cells.group_rows.shape[1] != groups:
            raise EstimationError(f"province {p.province!r} has other criteria than {codes[0]!r}")
    with_fpc = [p.cells.fpc is not None for p in parts]
    if any(with_fpc) and not all(with_fpc):
        raise EstimationError("a finite-population correction is given for some provinces only")
    return all(with_fpc)


def stack_provinces(parts: Sequence[ProvinceCells]) -> CellSums:
    """The stacked design's cell sums: strata province × stratum, PSUs nested, domain ``province``.

    Strata and PSUs of the stacked design are integer codes (each province's own labels coded, then
    offset past the previous provinces'), so no label is shared between provinces and the design is
    built without sorting millions of strings.

    Raises
    ------
    EstimationError
        No province, a province given twice, criteria that differ between provinces, or a finite-population
        correction given for some provinces and not others.
    """
    with_fpc = _check_parts(parts)
    province: list[npt.NDArray[np.str_]] = []
    strata: list[npt.NDArray[np.int64]] = []
    psu: list[npt.NDArray[np.int64]] = []
    blocks: list[tuple[int, int, Calibration | None]] = []
    start = 0
    strata_before = 0
    psus_before = 0
    for p in parts:
        n = p.cells.top.shape[0]
        stratum, n_strata = _local_codes(p.cells.strata, n)
        unit, n_units = _local_codes(p.cells.psu, n)
        # PSUs nested in strata (R's nest=TRUE): the same PSU label in two strata is two PSUs.
        nested, inverse = np.unique(stratum * n_units + unit, return_inverse=True)
        province.append(np.full(n, p.province))
        strata.append(stratum + strata_before)
        psu.append(inverse.reshape(-1).astype(np.int64) + psus_before)
        blocks.append((start, start + n, p.cells.calibration))
        start += n
        strata_before += n_strata
        psus_before += int(nested.shape[0])
    calibrated = any(b[2] is not None for b in blocks)
    return CellSums(
        domains={PROVINCE: np.concatenate(province)},
        strata=np.concatenate(strata),
        psu=np.concatenate(psu),
        top=np.concatenate([p.cells.top for p in parts]),
        valid=np.concatenate([p.cells.valid for p in parts]),
        valid_rows=np.concatenate([p.cells.valid_rows for p in parts]),
        dont_know=np.concatenate([p.cells.dont_know for p in parts]),
        group_rows=np.concatenate([p.cells.group_rows for p in parts]),
        fpc=np.concatenate([np.asarray(p.cells.fpc, dtype=np.float64) for p in parts]) if with_fpc else None,
        calibration=StackedCalibration(tuple(blocks)) if calibrated else None,
    )


@dataclass(frozen=True)
class NationalRollup:
    """The national estimates (domain ``{"national": "national"}``) of the stacked design, each
    province's (domain ``{"province": code}``), and the stacked cells (built when asked for)."""

    parts: tuple[ProvinceCells, ...]
    national: IndexResult
    provinces: Mapping[str, IndexResult]

    @functools.cached_property
    def stacked(self) -> CellSums:
        return stack_provinces(self.parts)


def national_rollup(
    parts: Sequence[ProvinceCells],
    estimate: Callable[[CellSums | StackedCells], IndexResult],
    lonely_psu: LonelyPSU = "adjust",
    totals: Sequence[SurveyTotals] | None = None,
) -> NationalRollup:
    """Stack the provinces and estimate the national and the provincial indices with ``estimate`` (the
    project's cell-sum estimator of the questionnaire's index rule).

    A province's estimate is computed on its own cells: in the stacked design the province is a domain
    whose strata hold no other province's rows, so its domain estimate (R's ``svyby`` over province) is
    exactly its own design's estimate, and one pass per province costs far less than one pass over every
    cell with every province as a domain (``tests/sampling/test_r_national.py`` checks both against R).

    The national estimate pools the provinces' own totals and covariances (:mod:`sampling.pooled`): the
    stacked design's linearised variance is a sum over its strata, so over provinces, and the national
    figure equals the whole-sample estimate of the stacked cells without a pass over all of them. A
    province's own estimate is the same pooling of one survey (its whole-sample estimate); each province's
    totals are computed once, under ``lonely_psu`` (the estimator's policy), and serve both; ``totals``
    gives them already computed (:func:`sampling.pooled.survey_totals` of each province's cells, in the
    order of ``parts``), e.g. while the next provinces were being read."""
    _check_parts(parts)
    if totals is None:
        totals = [survey_totals(p.cells, lonely_psu) for p in parts]
    elif len(totals) != len(parts):
        raise EstimationError("one survey's totals per province")
    national, provinces = pooled_rollup([p.province for p in parts], totals, estimate)
    return NationalRollup(parts=tuple(parts), national=national, provinces=provinces)


def pooled_rollup(
    provinces: Sequence[str],
    totals: Sequence[SurveyTotals],
    estimate: Callable[[CellSums | StackedCells], IndexResult],
) -> tuple[IndexResult, dict[str, IndexResult]]:
    """The national estimate and each province's, from the provinces' totals alone (in the order of
    ``provinces``), as :func:`national_rollup` computes them: totals kept from an earlier roll-up serve
    without the provinces' cells."""
    if not provinces or len(totals) != len(provinces):
        raise EstimationError("one survey's totals per province, and at least one province")
    if len(set(provinces)) != len(provinces):
        twice = next(c for c in provinces if list(provinces).count(c) > 1)
        raise EstimationError(f"province {twice!r} is given twice: the national round takes one survey each")
    national = estimate(StackedCells(tuple(totals), label={NATIONAL: NATIONAL}))
    return national, {
        code: estimate(StackedCells((t,), label={PROVINCE: code}))
        for code, t in zip(provinces, totals, strict=True)
    }


@dataclass(frozen=True)
class RankInput:
    """A province's index: ``df`` None for the normal (infinite df)."""

    code: str
    estimate: float
    se: float
    df: float | None = None

    @classmethod
    def of(cls, code: str, e: Estimate) -> RankInput:
        return cls(code=code, estimate=e.estimate, se=e.se, df=e.df)


@dataclass(frozen=True)
class RankRange:
    """Where a province stands: ``position`` in the order of the point estimates (1 = highest; ties by
    code), and the ranks consistent with the pairwise tests, ``best``–``worst``. ``peers`` are the
    provinces not significantly different from it (their order against it is not a ranking)."""

    code: str
    position: int
    best: int
    worst: int
    peers: tuple[str, ...]

    @property
    def distinct(self) -> bool:
        """The province's rank is established (no other province shares its range)."""
        return self.best == self.worst


def rank_ranges(items: Sequence[RankInput], level: float = 0.95) -> tuple[RankRange, ...]:
    """Rank ranges from all pairwise tests of differences, Bonferroni over the P(P−1)/2 pairs (module
    docstring). A difference is significant when |θ_a − θ_b| > q·√(SE_a² + SE_b²), q the two-sided
    quantile at α/m of t on the smaller df of the two (normal when both are infinite). A province whose SE
    is not finite differs from none. Returned in position order.
    """
    if not math.isfinite(level) or not 0 < level < 1:
        raise EstimationError("level must be between 0 and 1")
    codes = [i.code for i in items]
    if len(set(codes)) != len(codes):
        raise EstimationError("a province is given twice")
    for i in items:
        if not math.isfinite(i.estimate):
            raise EstimationError(f"province {i.code!r} has no estimate to rank")
    ordered = sorted(items, key=lambda i: (-i.estimate, i.code))
    p = len(ordered)
    pairs = p * (p - 1) // 2
    alpha = (1.0 - level) / max(pairs, 1)
    above = np.zeros((p, p), dtype=bool)  # above[a, b]: a is significantly higher than b
    for a in range(p):
        for b in range(a + 1, p):
            x, y = ordered[a], ordered[b]
            spread = math.hypot(x.se, y.se)
            if not math.isfinite(spread):
                continue
            dfs = [d for d in (x.df, y.df) if d is not None]
            q = float(stats.t.ppf(1 - alpha / 2, min(dfs))) if dfs else float(stats.norm.ppf(1 - alpha / 2))
            diff = x.estimate - y.estimate
            if abs(diff) > q * spread:
                if diff > 0:
                    above[a, b] = True
                else:  # pragma: no cover - the order puts the higher estimate first
                    above[b, a] = True
    out: list[RankRange] = []
    for a, item in enumerate(ordered):
        peers = tuple(ordered[b].code for b in range(p) if b != a and not above[a, b] and not above[b, a])
        out.append(
            RankRange(
                code=item.code,
                position=a + 1,
                best=1 + int(above[:, a].sum()),
                worst=p - int(above[a, :].sum()),
                peers=peers,
            )
        )
    return tuple(out)
