"""Selection: inclusion probabilities, certainty units, reproducibility with a seed."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sampling.selection import (
    SelectionError,
    pps_inclusion_probabilities,
    select_pps_systematic,
    select_srs,
    select_stratified,
    select_systematic,
)


def test_srs_probabilities_and_seed() -> None:
    a = select_srs(50, 7, 123)
    b = select_srs(50, 7, np.random.default_rng(123))
    assert a.indices.tolist() == b.indices.tolist()
    assert len(set(a.indices.tolist())) == 7
    assert np.all(np.diff(a.indices) > 0)
    assert a.inclusion_probability == pytest.approx(np.full(7, 7 / 50))
    assert a.base_weight == pytest.approx(np.full(7, 50 / 7))
    assert select_srs(50, 7, 124).indices.tolist() != a.indices.tolist()


def test_srs_is_uniform() -> None:
    rng = np.random.default_rng(1)
    counts = np.zeros(10)
    for _ in range(4000):
        counts[select_srs(10, 3, rng).indices] += 1
    # Expected 1200 per unit; binomial sd ≈ 29.
    assert np.all(np.abs(counts - 1200) < 130)


def test_systematic_fractional_interval() -> None:
    rng = np.random.default_rng(5)
    counts = np.zeros(10)
    for _ in range(3000):
        s = select_systematic(10, 3, rng)
        assert s.indices.size == 3 and len(set(s.indices.tolist())) == 3
        gaps = np.diff(s.indices)
        assert set(gaps.tolist()) <= {3, 4}
        counts[s.indices] += 1
    assert np.all(np.abs(counts / 3000 - 0.3) < 0.04)


def test_pps_certainty_iterates() -> None:
    sizes = [100, 50, 10, 5, 5, 1, 1, 1, 1, 1]
    pi = pps_inclusion_probabilities(sizes, 4)
    # 100 ≥ 176/4 → certain; then 50 ≥ 76/3 → certain; rest: 2 × s / 25.
    expected = [1, 1, 0.8, 0.4, 0.4, 0.08, 0.08, 0.08, 0.08, 0.08]
    assert pi == pytest.approx(expected)
    assert pi.sum() == pytest.approx(4)
    sel = select_pps_systematic(sizes, 4, 9)
    assert sel.indices.size == 4
    assert {0, 1} <= set(sel.indices.tolist())
    assert sel.certainty[:2].all()
    assert sel.base_weight == pytest.approx(1 / pi[sel.indices])


def test_pps_empirical_probabilities() -> None:
    sizes = np.array([8.0, 1, 3, 6, 2, 5, 4, 7, 2, 2])
    pi = pps_inclusion_probabilities(sizes, 3)
    rng = np.random.default_rng(2024)
    counts = np.zeros(sizes.size)
    reps = 6000
    for _ in range(reps):
        s = select_pps_systematic(sizes, 3, rng)
        assert len(set(s.indices.tolist())) == 3
        counts[s.indices] += 1
    assert np.abs(counts / reps - pi).max() < 0.03


def test_pps_zero_size_never_selected_and_errors() -> None:
    pi = pps_inclusion_probabilities([0, 1, 1, 2], 2)
    assert pi.tolist() == [0.0, 0.5, 0.5, 1.0]
    with pytest.raises(SelectionError):
        pps_inclusion_probabilities([1, -1], 1)
    with pytest.raises(SelectionError):
        pps_inclusion_probabilities([0, 1], 2)
    with pytest.raises(SelectionError):
        select_srs(5, 6, 1)
    with pytest.raises(SelectionError):
        select_srs(5, 2, 1.5)  # type: ignore[arg-type]


def test_stratified() -> None:
    strata = np.array(["b", "a", "b", "a", "a", "b", "c"])
    s = select_stratified(strata, {"a": 2, "b": 1, "c": 1}, 11)
    assert s.strata is not None
    assert sorted(s.strata.tolist()) == ["a", "a", "b", "c"]
    assert s.inclusion_probability == pytest.approx([{"a": 2 / 3, "b": 1 / 3, "c": 1.0}[h] for h in s.strata])
    assert np.all(strata[s.indices] == s.strata)
    again = select_stratified(strata, {"a": 2, "b": 1, "c": 1}, 11)
    assert again.indices.tolist() == s.indices.tolist()
    with pytest.raises(SelectionError, match="no allocation"):
        select_stratified(strata, {"a": 2, "b": 1}, 1)
    with pytest.raises(SelectionError, match="stratum 'a'"):
        select_stratified(strata, {"a": 4, "b": 1, "c": 1}, 1)
    with pytest.raises(SelectionError, match="not in the frame"):
        select_stratified(strata, {"a": 1, "b": 1, "c": 1, "z": 1}, 1)


def test_stratified_pps() -> None:
    strata = np.array([1, 1, 1, 2, 2, 2])
    sizes = np.array([10.0, 1, 1, 1, 1, 2])
    s = select_stratified(strata, {1: 2, 2: 1}, 3, method="pps", sizes=sizes)
    assert 0 in s.indices.tolist()
    assert s.inclusion_probability.sum() <= 3
    p = dict(zip(s.indices.tolist(), s.inclusion_probability.tolist(), strict=True))
    assert p[0] == 1.0


@settings(max_examples=100, deadline=None)
@given(
    sizes=st.lists(st.floats(0.01, 1000), min_size=1, max_size=40),
    seed=st.integers(0, 2**32 - 1),
    data=st.data(),
)
def test_pps_properties(sizes: list[float], seed: int, data: st.DataObject) -> None:
    n = data.draw(st.integers(0, len(sizes)))
    pi = pps_inclusion_probabilities(sizes, n)
    assert pi.sum() == pytest.approx(n)
    assert np.all((pi >= 0) & (pi <= 1))
    a = select_pps_systematic(sizes, n, seed)
    b = select_pps_systematic(sizes, n, seed)
    assert a.indices.tolist() == b.indices.tolist()
    assert a.indices.size == n == len(set(a.indices.tolist()))
    assert a.inclusion_probability == pytest.approx(pi[a.indices])


@settings(max_examples=100, deadline=None)
@given(N=st.integers(1, 500), seed=st.integers(0, 2**32 - 1), data=st.data())
def test_equal_probability_properties(N: int, seed: int, data: st.DataObject) -> None:
    n = data.draw(st.integers(0, N))
    for f in (select_srs, select_systematic):
        a = f(N, n, seed)
        assert a.indices.tolist() == f(N, n, seed).indices.tolist()
        assert a.indices.size == n == len(set(a.indices.tolist()))
        assert np.all((a.indices >= 0) & (a.indices < N))
        # Σ π over the population = n: each of the N units has π = n/N.
        assert N * (n / N) == pytest.approx(n)
        assert np.all(a.inclusion_probability == n / N)
