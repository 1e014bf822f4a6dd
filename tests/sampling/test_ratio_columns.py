"""The all-variables ratio pass (:mod:`sampling.ratio_columns`) against the per-variable loop of
:func:`sampling.estimators.ratio_pass` on random designs: same estimates, SEs, counts, degrees of freedom
and unit totals; and the cases it leaves to the loop."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp

import sampling.estimators as estimators
from sampling.design import Design
from sampling.estimators import RatioPass, as_domains, ratio_pass
from sampling.ratio_columns import columns_pass


def _design(rng: np.random.Generator, n: int, lonely: Any, weighted: bool, stratified: bool) -> Design:
    strata = rng.integers(0, 4, n) if stratified else None
    psu = rng.integers(0, max(2, n // 6), n)
    if stratified:
        psu = psu * 10 + strata  # PSUs nested in strata
    weights = rng.uniform(0.5, 3.0, n) if weighted else np.ones(n)
    if weighted:
        weights[rng.random(n) < 0.05] = 0.0  # a few rows with w = 0 (counted apart in n_nonzero)
    return Design(weights=weights, strata=strata, psu=psu, lonely_psu=lonely)


def _variables(rng: np.random.Generator, n: int, k: int) -> tuple[list[Any], list[Any]]:
    top = rng.integers(0, 4, (n, k)).astype(np.float64)
    valid = top + rng.integers(0, 3, (n, k))
    empty = rng.random((n, k)) < 0.15
    valid[empty] = 0.0
    top[empty] = 0.0
    has = valid > 0
    return (
        [np.where(has[:, j], top[:, j], np.nan) for j in range(k)],
        [np.where(has[:, j], valid[:, j], np.nan) for j in range(k)],
    )


def _looped(monkeypatch: pytest.MonkeyPatch, *args: Any, **kwargs: Any) -> RatioPass:
    with monkeypatch.context() as m:
        m.setattr(estimators, "columns_pass", lambda *a, **k: None)
        return ratio_pass(*args, **kwargs)


def _same(fast: RatioPass, loop: RatioPass) -> None:
    np.testing.assert_allclose(fast.estimate, loop.estimate, rtol=1e-12, equal_nan=True)
    np.testing.assert_allclose(fast.se, loop.se, rtol=1e-10, atol=1e-14, equal_nan=True)
    np.testing.assert_allclose(fast.denominator, loop.denominator, rtol=1e-12)
    np.testing.assert_array_equal(fast.n, loop.n)
    np.testing.assert_array_equal(fast.n_nonzero, loop.n_nonzero)
    np.testing.assert_array_equal(fast.df, loop.df)
    assert fast.deff is None and loop.deff is None
    (fast_totals,), (loop_totals,) = fast.linearisation.totals, loop.linearisation.totals
    np.testing.assert_allclose(fast_totals.toarray(), loop_totals.toarray(), rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(fast.linearisation.average_factor, loop.linearisation.average_factor)


@pytest.mark.parametrize("seed", range(12))
def test_same_figures_as_the_loop(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(seed)
    n, k = int(rng.integers(40, 900)), int(rng.integers(1, 9))
    design = _design(rng, n, ("adjust", "certainty", "remove")[seed % 3], seed % 2 == 0, seed % 4 < 2)
    domains = as_domains(design, {"d": rng.integers(0, int(rng.integers(1, 30)), n).astype(str)})
    top, valid = _variables(rng, n, k)
    calls: list[bool] = []
    real = estimators.columns_pass

    def spy(*a: Any, **kw: Any) -> Any:
        found = real(*a, **kw)
        calls.append(found is not None)
        return found

    monkeypatch.setattr(estimators, "columns_pass", spy)
    for denominators in (valid, None):  # ratios, and means of the numerators
        fast = ratio_pass(design, top, denominators, domains, kind="ratio")
        assert calls.pop() is True  # the all-variables pass answered
        _same(fast, _looped(monkeypatch, design, top, denominators, domains, kind="ratio"))


def test_small_blocks_give_the_same_figures(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(99)
    n, k = 500, 7
    design = _design(rng, n, "adjust", True, True)
    domains = as_domains(design, {"d": rng.integers(0, 9, n).astype(str)})
    top, valid = _variables(rng, n, k)
    whole = ratio_pass(design, top, valid, domains, kind="ratio")
    monkeypatch.setattr("sampling.ratio_columns.BLOCK_ELEMENTS", n * 2)  # blocks of two variables
    _same(ratio_pass(design, top, valid, domains, kind="ratio"), whole)


def test_cases_left_to_the_loop() -> None:
    rng = np.random.default_rng(5)
    n = 120
    top, valid = _variables(rng, n, 3)
    design = _design(rng, n, "average", False, True)
    cells = (np.zeros(n, dtype=np.int64), np.zeros(1, dtype=np.int64), np.zeros(1, dtype=np.int64), 1)
    assert columns_pass(design, top, valid, *cells) is None  # lonely-PSU averaging
    two_stage = Design(psu=rng.integers(0, 10, n), ssu=np.arange(n), fpc=np.full(n, 50), fpc2=np.full(n, 200))
    assert columns_pass(two_stage, top, valid, *cells) is None  # two stages
    plain = Design(psu=rng.integers(0, 10, n), lonely_psu="adjust")
    assert columns_pass(plain, top, [valid[0], None, valid[2]], *cells) is None  # a mean among ratios
    # cells not in domain-then-unit order
    unordered = (np.array([0, 1] * (n // 2)), np.array([1, 0]), np.array([0, 1]), 2)
    assert columns_pass(plain, top, valid, *unordered) is None


@pytest.mark.parametrize("lonely", ["adjust", "certainty"])
def test_one_stratum_variances_read_off_the_columns(lonely: Any) -> None:
    from sampling.variance import Linearisation, variances

    rng = np.random.default_rng(11)
    units, k = 40, 25
    design = Design(psu=np.arange(units), lonely_psu=lonely, fpc=np.full(units, 400))
    dense = rng.normal(size=(units, k)) * (rng.random((units, k)) < 0.3)
    dense[:, 3] = 0.0  # an empty column
    dense[:, 7] = 0.0
    dense[5, 7] = 2.5  # a column with one non-zero total
    factor = rng.uniform(0.5, 2.0, k)
    columns = variances(design, Linearisation(totals=(sp.csc_array(dense),), average_factor=factor))
    keyed = variances(design, Linearisation(totals=(sp.coo_array(dense),), average_factor=factor))
    np.testing.assert_allclose(columns, keyed, rtol=1e-12, atol=1e-300)
    centred = dense - dense.mean(axis=0)
    expected = (1 - units / 400) * units / (units - 1) * (centred**2).sum(axis=0) * factor
    np.testing.assert_allclose(columns, expected, rtol=1e-12)


@pytest.mark.parametrize("seed", range(4))
def test_rows_that_are_cells_in_any_order(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows that are already cell sums (one row per domain × PSU, as read from a database's groups), in
    a shuffled order: the pass reorders them once, and the figures are the loop's."""
    rng = np.random.default_rng(100 + seed)
    psus, domains_count = int(rng.integers(5, 60)), int(rng.integers(1, 12))
    pairs = np.array([(d, p) for d in range(domains_count) for p in range(psus) if rng.random() < 0.7])
    pairs = pairs[rng.permutation(pairs.shape[0])]
    n = pairs.shape[0]
    strata = pairs[:, 1] % 3 if seed % 2 else None
    design = Design(weights=np.ones(n), strata=strata, psu=pairs[:, 1], lonely_psu="adjust")
    domains = as_domains(design, {"d": pairs[:, 0].astype(str)})
    top, valid = _variables(rng, n, int(rng.integers(1, 6)))
    fast = ratio_pass(design, top, valid, domains, kind="ratio")
    _same(fast, _looped(monkeypatch, design, top, valid, domains, kind="ratio"))


@pytest.mark.parametrize("weighted", [False, True])
def test_matrix_with_known_missing_values(weighted: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    """Numerators and denominators handed over as one matrix each with a shared ``missing`` mask (as the
    cell sums are): the figures of the columns given one by one with NaNs, and the loop reads NaNs."""
    from sampling.ratio_columns import Columns

    rng = np.random.default_rng(7)
    n, k = 400, 6
    design = _design(rng, n, "adjust", weighted, False)
    domains = as_domains(design, {"d": rng.integers(0, 5, n).astype(str)})
    top, valid = _variables(rng, n, k)
    missing = np.isnan(np.column_stack(valid))
    matrices = (
        Columns(np.where(missing, 0.0, np.column_stack(top)), missing),
        Columns(np.where(missing, 0.0, np.column_stack(valid)), missing),
    )
    assert np.isnan(matrices[0][2]).sum() == missing[:, 2].sum()  # a column as the loop reads it
    given = ratio_pass(design, *matrices, domains, kind="ratio")
    _same(given, ratio_pass(design, top, valid, domains, kind="ratio"))
    _same(given, _looped(monkeypatch, design, *matrices, domains, kind="ratio"))
