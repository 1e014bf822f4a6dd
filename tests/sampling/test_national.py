"""Stacking provinces and the honest ranking (sampling/national.py), on hand-checked cases."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest
from scipy import stats

from sampling.cells import CellSums, aggregate_cells, estimate_indices_from_cells, poststratify_cells
from sampling.errors import EstimationError
from sampling.index_rules import ScoringRule, estimate_rule_from_cells, rescale_cells, rescale_stacked
from sampling.national import (
    NATIONAL,
    ProvinceCells,
    RankInput,
    StackedCalibration,
    national_rollup,
    pooled_rollup,
    rank_ranges,
    stack_provinces,
)
from sampling.pooled import StackedCells, pooled_pass, survey_totals
from sampling.results import IndexResult


def ranks(*items: RankInput, level: float = 0.95) -> dict[str, tuple[int, int, int, tuple[str, ...]]]:
    return {r.code: (r.position, r.best, r.worst, r.peers) for r in rank_ranges(items, level)}


def test_no_overlap_gives_exact_ranks() -> None:
    got = ranks(RankInput("C", 50, 0.1), RankInput("A", 90, 0.1), RankInput("B", 70, 0.1))
    assert got == {"A": (1, 1, 1, ()), "B": (2, 2, 2, ()), "C": (3, 3, 3, ())}
    assert all(r.distinct for r in rank_ranges([RankInput("A", 90, 0.1), RankInput("B", 70, 0.1)]))


def test_everything_overlapping_gives_no_order_at_all() -> None:
    got = ranks(RankInput("A", 90, 100), RankInput("B", 70, 100), RankInput("C", 50, 100))
    assert got == {"A": (1, 1, 3, ("B", "C")), "B": (2, 1, 3, ("A", "C")), "C": (3, 1, 3, ("A", "B"))}


def test_ties_share_their_range_and_are_ordered_by_code_only_for_display() -> None:
    got = ranks(RankInput("B", 60, 0.01), RankInput("A", 60, 0.01), RankInput("C", 40, 0.01))
    assert got == {"A": (1, 1, 2, ("B",)), "B": (2, 1, 2, ("A",)), "C": (3, 3, 3, ())}


def test_bonferroni_over_all_pairs_by_hand() -> None:
    # 3 provinces: 3 pairs, each tested at 0.05/3; q = z(1 - 0.05/6) = 2.394. SE of a difference 2√2 = 2.83.
    q = stats.norm.ppf(1 - 0.05 / 6)
    assert q == pytest.approx(2.3940, abs=1e-4)
    # A − B = 6: 6/2.83 = 2.12 would pass 1.96 without the correction, not 2.394 with it.
    got = ranks(RankInput("A", 81, 2), RankInput("B", 75, 2), RankInput("C", 60, 2))
    assert got == {"A": (1, 1, 2, ("B",)), "B": (2, 1, 2, ("A",)), "C": (3, 3, 3, ())}
    # Two provinces only: one pair, the plain 1.96 applies and the same gap is a difference.
    assert ranks(RankInput("A", 81, 2), RankInput("B", 75, 2)) == {"A": (1, 1, 1, ()), "B": (2, 2, 2, ())}


def test_t_quantile_on_the_smaller_df() -> None:
    # Gap 6, spread 2√2: z needs 2.12 > 1.96 (different), t on 3 df needs 3.18 (not different).
    assert ranks(RankInput("A", 81, 2), RankInput("B", 75, 2))["A"][1:3] == (1, 1)
    assert ranks(RankInput("A", 81, 2, 3.0), RankInput("B", 75, 2, 50.0))["A"][1:3] == (1, 2)


def test_unknown_se_differs_from_nobody_and_bad_input_is_refused() -> None:
    got = ranks(RankInput("A", 90, math.nan), RankInput("B", 70, 0.1), RankInput("C", 50, 0.1))
    assert got["A"] == (1, 1, 3, ("B", "C"))
    assert got["B"] == (2, 1, 2, ("A",)) and got["C"] == (3, 2, 3, ("A",))
    with pytest.raises(EstimationError, match="twice"):
        rank_ranges([RankInput("A", 1, 1), RankInput("A", 2, 1)])
    with pytest.raises(EstimationError, match="no estimate"):
        rank_ranges([RankInput("A", math.nan, 1)])
    with pytest.raises(EstimationError, match="level"):
        rank_ranges([RankInput("A", 1, 1)], level=1.5)
    assert rank_ranges([]) == ()


def _cells(seed: int, n: int = 60, fpc: bool = False, dont_know: bool = True) -> CellSums:
    rng = np.random.default_rng(seed)
    answers = rng.integers(1, 6, size=(n, 3))
    if dont_know:
        answers[rng.random((n, 3)) < 0.1] = 0
    strata = np.where(np.arange(n) < n // 2, "s1", "s2")
    return aggregate_cells(
        answers,
        [[0, 1], [0, 1, 2]],
        domains={"agency": rng.choice(["A", "B"], n)},
        psu=np.array([f"{s}:{i % 5}" for i, s in enumerate(strata)]),
        strata=strata,
        weights=rng.uniform(1, 3, n),
        fpc=np.full(n, 40.0) if fpc else None,
    )


def _estimate(cells: CellSums) -> object:
    return estimate_indices_from_cells(cells, ["c1", "c2", "c3"], {"E": ["c1", "c2"]}, rule="none")


def test_stacking_refuses_what_cannot_be_one_design() -> None:
    with pytest.raises(EstimationError, match="no province"):
        stack_provinces([])
    with pytest.raises(EstimationError, match="twice"):
        stack_provinces([ProvinceCells("P1", _cells(1)), ProvinceCells("P1", _cells(2))])
    with pytest.raises(EstimationError, match="finite-population"):
        stack_provinces([ProvinceCells("P1", _cells(1, fpc=True)), ProvinceCells("P2", _cells(2))])
    narrow = aggregate_cells(
        np.ones((4, 2), dtype=np.int64), [[0, 1], [0, 1]], domains={"agency": ["A"] * 4}, psu=[1, 2, 3, 4]
    )
    with pytest.raises(EstimationError, match="other criteria"):
        stack_provinces([ProvinceCells("P1", _cells(1)), ProvinceCells("P2", narrow)])


def test_strata_and_psus_are_nested_in_provinces() -> None:
    stacked = stack_provinces([ProvinceCells("P1", _cells(1)), ProvinceCells("P2", _cells(2))])
    strata, psu = np.asarray(stacked.strata), np.asarray(stacked.psu)
    province = np.asarray(stacked.domains["province"])
    assert len(set(strata.tolist())) == 4 and len(set(psu.tolist())) == 20
    # The same stratum and PSU labels in two provinces are two strata and two PSUs.
    assert not set(strata[province == "P1"].tolist()) & set(strata[province == "P2"].tolist())
    assert not set(psu[province == "P1"].tolist()) & set(psu[province == "P2"].tolist())
    assert set(province.tolist()) == {"P1", "P2"}


def test_each_province_keeps_its_own_calibration() -> None:
    raw = _cells(3, dont_know=False)
    weight_sums = raw.valid[:, 2]  # every answer is valid: Σ w of the cell's rows
    calibrated, _ = poststratify_cells(
        raw, weight_sums, {"agency": raw.domains["agency"]}, {"agency": {"A": 500.0, "B": 300.0}}
    )
    parts = [ProvinceCells("P1", calibrated), ProvinceCells("P2", _cells(4))]
    rollup = national_rollup(parts, _estimate)  # type: ignore[arg-type]
    assert isinstance(rollup.stacked.calibration, StackedCalibration)
    for part in parts:
        alone = _estimate(part.cells).groups.estimates  # type: ignore[attr-defined]
        for e in alone:
            if e.domain:
                continue
            stacked = _estimate(rollup.stacked).groups  # type: ignore[attr-defined]
            s = stacked.estimates[stacked.find(e.variable, {"province": part.province})]
            assert s.estimate == pytest.approx(e.estimate, rel=1e-12)
            assert s.se == pytest.approx(e.se, rel=1e-10)
    national = rollup.national.groups.estimates[
        rollup.national.groups.find("SIPAS", {"national": "national"})
    ]
    assert national.df == 2 * (10 - 2)  # 20 PSUs in 4 strata


def _same(pooled: IndexResult, stacked: IndexResult) -> None:
    """Every figure of the pooled national estimate equals the stacked design's whole-sample estimate."""
    for got_set, want_set in ((pooled.criteria, stacked.criteria), (pooled.groups, stacked.groups)):
        assert got_set.design == want_set.design
        assert len(got_set.estimates) == len(want_set.estimates)
        for got, want in zip(got_set.estimates, want_set.estimates, strict=True):
            assert (got.variable, got.domain, got.n, got.df, got.flag) == (
                want.variable,
                want.domain,
                want.n,
                want.df,
                want.flag,
            )
            for name in ("estimate", "se", "ci_low", "ci_high"):
                assert getattr(got, name) == pytest.approx(getattr(want, name), rel=1e-10, abs=1e-12), name
    assert pooled.dont_know == stacked.dont_know


def _whole(stacked: CellSums) -> CellSums:
    return replace(stacked, domains={NATIONAL: np.full(stacked.top.shape[0], NATIONAL)})


@pytest.mark.parametrize("fpc", [False, True])
def test_pooled_national_equals_the_stacked_whole_sample(fpc: bool) -> None:
    raw = _cells(5, dont_know=False, fpc=fpc)
    calibrated, _ = poststratify_cells(
        raw, raw.valid[:, 2], {"agency": raw.domains["agency"]}, {"agency": {"A": 500.0, "B": 300.0}}
    )
    # A lonely stratum (one PSU) in P3: "adjust" leaves it uncentred, in the province as in the stack.
    lonely = aggregate_cells(
        np.array([[4, 5, 1], [2, 0, 5], [5, 5, 5], [1, 2, 3]]),
        [[0, 1], [0, 1, 2]],
        domains={"agency": ["A", "A", "B", "B"]},
        psu=["u1", "u1", "u2", "u3"],
        strata=["s1", "s1", "s2", "s2"],
        fpc=np.full(4, 40.0) if fpc else None,
    )
    parts = [
        ProvinceCells("P1", calibrated),
        ProvinceCells("P2", _cells(6, fpc=fpc)),
        ProvinceCells("P3", lonely),
    ]
    rollup = national_rollup(parts, _estimate)  # type: ignore[arg-type]
    _same(rollup.national, _estimate(_whole(rollup.stacked)))  # type: ignore[arg-type]
    assert rollup.national.groups.design.calibration == "per province"
    for part in parts:  # each province's own figures: the pooling of one survey
        own = replace(part.cells, domains={"province": np.full(part.cells.top.shape[0], part.province)})
        _same(rollup.provinces[part.province], _estimate(own))  # type: ignore[arg-type]


def test_pooled_national_under_a_scoring_rule_equals_the_stacked_whole_sample() -> None:
    names = ["c1", "c2", "c3"]
    rule = ScoringRule(
        "mean_score",
        "mean score 0-100",
        100.0,
        dict.fromkeys(names, (0.0, 100.0)),
        {"E": {"c1": 0.5, "c2": 0.5}, "SIPAS": dict.fromkeys(names, 1 / 3)},
    )

    def estimate(cells: CellSums | StackedCells) -> IndexResult:
        if isinstance(cells, StackedCells):
            cells = rescale_stacked(cells, [1.0] * 3, [5.0] * 3)
        else:
            cells = rescale_cells(cells, [1.0] * 3, [5.0] * 3)
        return estimate_rule_from_cells(cells, names, rule, publication="none")

    parts = [ProvinceCells("P1", _cells(7, fpc=True)), ProvinceCells("P2", _cells(8, fpc=True))]
    rollup = national_rollup(parts, estimate)
    _same(rollup.national, estimate(_whole(rollup.stacked)))


@pytest.mark.parametrize("lonely", ["remove", "certainty"])
def test_pooling_under_other_lonely_psu_policies(lonely: str) -> None:
    lonely_cells = aggregate_cells(
        np.array([[4, 5, 1], [2, 0, 5], [5, 5, 5], [1, 2, 3]]),
        [[0, 1], [0, 1, 2]],
        domains={"agency": ["A", "A", "B", "B"]},
        psu=["u1", "u1", "u2", "u3"],
        strata=["s1", "s1", "s2", "s2"],
    )

    def estimate(cells: CellSums | StackedCells) -> IndexResult:
        return estimate_indices_from_cells(
            cells,
            ["c1", "c2", "c3"],
            {"E": ["c1", "c2"]},
            rule="none",
            lonely_psu=lonely,  # type: ignore[arg-type]
        )

    rollup = national_rollup(
        [ProvinceCells("P1", _cells(9)), ProvinceCells("P2", lonely_cells)],
        estimate,
        lonely,  # type: ignore[arg-type]
    )
    _same(rollup.national, estimate(_whole(rollup.stacked)))


def test_pooling_refuses_the_average_lonely_psu_policy() -> None:
    with pytest.raises(EstimationError, match="average"):
        pooled_pass(StackedCells((_cells(1),)), lonely_psu="average")
    with pytest.raises(EstimationError, match="no survey"):
        pooled_pass(StackedCells(()))
    with pytest.raises(EstimationError, match="lonely_psu='remove'"):
        pooled_pass(StackedCells((survey_totals(_cells(1), "remove"),)), lonely_psu="adjust")


def test_totals_computed_beforehand_give_the_same_roll_up() -> None:
    parts = [ProvinceCells("P1", _cells(10)), ProvinceCells("P2", _cells(11))]
    given = national_rollup(parts, _estimate, totals=[survey_totals(p.cells) for p in parts])  # type: ignore[arg-type]
    _same(given.national, national_rollup(parts, _estimate).national)  # type: ignore[arg-type]
    with pytest.raises(EstimationError, match="per province"):
        national_rollup(parts, _estimate, totals=[survey_totals(parts[0].cells)])  # type: ignore[arg-type]


def test_pooled_rollup_from_totals_alone_equals_the_roll_up_of_the_cells() -> None:
    parts = [ProvinceCells("P1", _cells(10)), ProvinceCells("P2", _cells(11))]
    totals = [survey_totals(p.cells) for p in parts]
    national, provinces = pooled_rollup(["P1", "P2"], totals, _estimate)  # type: ignore[arg-type]
    rolled = national_rollup(parts, _estimate)  # type: ignore[arg-type]
    _same(national, rolled.national)
    for code in ("P1", "P2"):
        _same(provinces[code], rolled.provinces[code])
    with pytest.raises(EstimationError, match="given twice"):
        pooled_rollup(["P1", "P1"], totals, _estimate)  # type: ignore[arg-type]
    with pytest.raises(EstimationError, match="per province"):
        pooled_rollup(["P1", "P2"], totals[:1], _estimate)  # type: ignore[arg-type]
    with pytest.raises(EstimationError, match="at least one"):
        pooled_rollup([], [], _estimate)  # type: ignore[arg-type]
