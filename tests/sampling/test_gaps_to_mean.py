"""Every target's gap to the mean of a set, in one pass: the same figures as one linear combination per
target (R's ``svycontrast``), with lonely PSUs under both policies and targets outside the set."""

from __future__ import annotations

import numpy as np
import pytest

from sampling import Design
from sampling.contrasts import covariance, gaps_to_mean, linear_combination
from sampling.indices import estimate_indices
from sampling.variance import cross_covariance


def _groups(lonely: str):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(3)
    n = 1500
    agency = rng.choice([f"A{i}" for i in range(9)], size=n)
    strata = rng.integers(0, 4, n)
    psu = strata * 100 + rng.integers(0, 12, n)
    psu[strata == 3] = 999  # one stratum with a single PSU
    design = Design(weights=rng.uniform(0.5, 2, n), strata=strata, psu=psu, lonely_psu=lonely)
    answers = {f"c{j}": rng.integers(1, 6, n).astype(float) for j in range(4)}
    result = estimate_indices(
        design, answers, {"E1": ["c0", "c1"], "E2": ["c2", "c3"]}, by={"agency": agency}
    )
    return result.groups


@pytest.mark.parametrize("lonely", ["adjust", "average"])
def test_gaps_equal_one_linear_combination_per_target(lonely: str) -> None:
    groups = _groups(lonely)
    overall = [i for i, e in enumerate(groups.estimates) if e.variable == "SIPAS"]
    members, targets = overall[:6], overall  # the last three are outside the set
    found = gaps_to_mean(groups, members, targets, label="gap", mean_label="mean")
    assert len(found) == len(targets)
    for target, got in zip(targets, found, strict=True):
        used = members + ([] if target in members else [target])
        m = len(used)
        gap = {i: -1.0 / m for i in used}
        gap[target] += 1.0
        expected_mean = linear_combination(groups, {i: 1.0 / m for i in used}).estimate
        expected_gap = linear_combination(groups, gap)
        for a, b in ((expected_mean, got.mean), (expected_gap.estimate, got.estimate)):
            for name in ("estimate", "se", "ci_low", "ci_high", "df", "n"):
                assert getattr(b, name) == pytest.approx(getattr(a, name), rel=1e-10, abs=1e-12), name
        assert got.p_value == pytest.approx(expected_gap.p_value, rel=1e-9)
        assert got.estimate.variable == "gap" and got.mean.variable == "mean"


def test_cross_covariance_is_the_block_of_the_full_covariance() -> None:
    groups = _groups("adjust")
    lin, design = groups.linearisation, groups.source_design
    assert lin is not None and design is not None
    full = covariance(groups)
    block = cross_covariance(design, lin.select([0, 3, 5]), lin.select([1, 2]))
    assert block == pytest.approx(full[np.ix_([0, 3, 5], [1, 2])], rel=1e-10, abs=1e-12)


def test_no_members_or_targets_give_nothing() -> None:
    groups = _groups("adjust")
    assert gaps_to_mean(groups, [], [0]) == [] and gaps_to_mean(groups, [0, 1], []) == []
