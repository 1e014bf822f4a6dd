"""Sample size and allocation against hand calculations (Cochran 1977; Valliant et al. 2018)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sampling.planning import (
    PlanningError,
    allocate,
    round_preserving_total,
    sample_size_proportion,
    slovin_sample_size,
)

Z95 = 1.959963984540054


def test_sample_size_classic_384() -> None:
    r = sample_size_proportion(0.05)
    assert r.n_unrounded == pytest.approx(Z95**2 * 0.25 / 0.0025, rel=1e-12)
    assert r.n == 385
    assert r.method == "standard"


def test_sample_size_with_every_step() -> None:
    r = sample_size_proportion(0.05, level=0.95, p=0.5, deff=1.5, population=2000, response_rate=0.8)
    n0 = Z95**2 * 0.25 / 0.05**2
    n1 = n0 * 1.5
    n2 = n1 / (1 + (n1 - 1) / 2000)
    n3 = n2 / 0.8
    values = [s.value for s in r.steps]
    assert values[:4] == pytest.approx([n0, n1, n2, n3], rel=1e-12)
    assert r.n == math.ceil(n3) == 560
    assert [s.label for s in r.steps][-1] == "rounded up"


def test_sample_size_level_and_p() -> None:
    r = sample_size_proportion(0.03, level=0.90, p=0.2)
    z = 1.6448536269514722
    assert r.n_unrounded == pytest.approx(z * z * 0.16 / 0.0009, rel=1e-12)
    assert r.n == 481


def test_sample_size_exact_integer_not_bumped() -> None:
    # p(1-p)z²/e² with deff chosen so that the product is an integer up to rounding noise.
    r = sample_size_proportion(0.1, p=0.5, deff=100 / (Z95**2 * 25))
    assert r.n_unrounded == pytest.approx(100.0, rel=1e-12)
    assert r.n == 100


def test_slovin_is_labelled_legacy() -> None:
    r = slovin_sample_size(2000, 0.05)
    assert r.n_unrounded == pytest.approx(2000 / (1 + 2000 * 0.0025))
    assert r.n == 334
    assert "legacy MoHA" in r.label
    assert slovin_sample_size(2000, 0.05, response_rate=0.5).n == 667


@pytest.mark.parametrize(
    "kwargs",
    [
        {"margin": 0.0},
        {"margin": 1.0},
        {"margin": 0.05, "level": 1.0},
        {"margin": 0.05, "p": 0.0},
        {"margin": 0.05, "deff": 0.0},
        {"margin": 0.05, "population": 0},
        {"margin": 0.05, "response_rate": 0.0},
        {"margin": 0.05, "response_rate": 1.2},
    ],
)
def test_sample_size_rejects_bad_input(kwargs: dict[str, float]) -> None:
    with pytest.raises(PlanningError):
        sample_size_proportion(**kwargs)


def test_proportional_allocation_hand() -> None:
    a = allocate([600, 300, 100], 100, "proportional")
    assert a.n_h.tolist() == [60, 30, 10]
    a = allocate([500, 300, 200], 10, "proportional")
    assert a.n_h.tolist() == [5, 3, 2]


def test_largest_remainder() -> None:
    # 7 × (1/3, 1/3, 1/3) = 2.333 each: the first stratum gets the spare unit (ties by order).
    a = allocate([100, 100, 100], 7, "proportional")
    assert a.n_h.tolist() == [3, 2, 2]
    assert round_preserving_total([1.6, 2.7, 0.7]).tolist() == [1, 3, 1]


def test_neyman_hand_and_caps() -> None:
    N = np.array([1000, 200, 50])
    S = np.array([1.0, 5.0, 4.0])
    a = allocate(N, 110, "neyman", sd=S)
    share = N * S / (N * S).sum()  # 1000, 1000, 200 → 110 × (5/11, 5/11, 1/11)
    assert a.continuous == pytest.approx(110 * share)
    assert a.n_h.tolist() == [50, 50, 10]
    # With n = 600 the third stratum (share 60 > N = 50) is capped at N_h and the rest re-shared.
    b = allocate(N, 600, "neyman", sd=S)
    assert b.n_h.tolist() == [350, 200, 50]
    assert b.at_upper.tolist() == [False, True, True]


def test_optimal_allocation_uses_cost() -> None:
    a = allocate([100, 100], 30, "optimal", sd=[1.0, 1.0], cost=[1.0, 4.0])
    assert a.continuous == pytest.approx([20.0, 10.0])


def test_power_allocation_bankier() -> None:
    N = np.array([10000, 100])
    a = allocate(N, 110, "power", power_q=0.5)
    assert a.continuous == pytest.approx(110 * np.sqrt(N) / np.sqrt(N).sum())
    assert a.n_h.tolist() == [100, 10]
    assert allocate(N, 100, "power", power_q=0.0).n_h.tolist() == [50, 50]
    assert allocate(N, 101, "power", power_q=1.0).n_h.tolist() == [100, 1]


def test_floor_and_cap_bind() -> None:
    a = allocate([1000, 200, 50, 10], 100, "proportional", min_n=5)
    assert a.n_h.tolist() == [75, 15, 5, 5]
    assert a.at_lower.tolist() == [False, False, True, True]
    b = allocate([1000, 200, 50, 10], 100, "proportional", max_n=40)
    # The cap of 40 binds in the two large strata; the remaining 20 go ∝ (50, 10): 16.67, 3.33.
    assert b.continuous == pytest.approx([40, 40, 50 / 3, 10 / 3])
    assert b.n_h.tolist() == [40, 40, 17, 3]
    c = allocate([1000, 200, 50, 10], 100, "equal")
    assert c.n_h.tolist() == [30, 30, 30, 10]


def test_infeasible_allocations() -> None:
    with pytest.raises(PlanningError, match="below the sum"):
        allocate([100, 100], 5, "proportional", min_n=3)
    with pytest.raises(PlanningError, match="exceeds"):
        allocate([10, 10], 25, "proportional")
    with pytest.raises(PlanningError, match="needs sd"):
        allocate([10, 10], 5, "neyman")
    with pytest.raises(PlanningError):
        allocate([10, 10], 5, "power", power_q=2.0)
    with pytest.raises(PlanningError):
        allocate([10, 10], 5, "bogus")  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(
    sizes=st.lists(st.integers(0, 5000), min_size=1, max_size=12),
    method=st.sampled_from(["proportional", "equal", "neyman", "power"]),
    data=st.data(),
)
def test_allocation_properties(sizes: list[int], method: str, data: st.DataObject) -> None:
    N = np.array(sizes)
    lo = data.draw(st.integers(0, 20))
    hi = data.draw(st.one_of(st.none(), st.integers(lo, 3000)))
    lower = np.minimum(lo, N)
    upper = np.minimum(N if hi is None else hi, N)
    n = data.draw(st.integers(int(lower.sum()), int(upper.sum())))
    sd = data.draw(st.lists(st.floats(0.1, 100), min_size=N.size, max_size=N.size))
    a = allocate(N, n, method, sd=sd, power_q=0.5, min_n=lo, max_n=hi)  # type: ignore[arg-type]
    assert int(a.n_h.sum()) == n
    assert a.continuous.sum() == pytest.approx(n, abs=1e-6)
    assert np.all(a.n_h >= lower)
    assert np.all(a.n_h <= upper)
    # Rounding moves each stratum by less than one unit.
    assert np.all(np.abs(a.n_h - a.continuous) < 1 + 1e-9)
