"""Base weights, nonresponse adjustment, trimming (R ``trimWeights``) and weight diagnostics."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sampling.design import Design
from sampling.weighting import (
    WeightingError,
    base_weights,
    nonresponse_adjustment,
    summarise_weights,
    trim_design,
    trim_weights,
    weighting_effect,
)
from tests.sampling.r_weighting import fixtures


def test_base_weights() -> None:
    assert base_weights([0.5, 0.25, 1.0]).tolist() == [2.0, 4.0, 1.0]
    for bad in ([0.0], [1.5], [np.nan], [-0.1]):
        with pytest.raises(WeightingError, match="inclusion probability"):
            base_weights(bad)


def test_weighting_effect_and_summary() -> None:
    w = np.array([1.0, 1.0, 2.0, 4.0])
    # n Σw² / (Σw)² = 4 × 22 / 64
    assert weighting_effect(w) == pytest.approx(88 / 64)
    s = summarise_weights(np.append(w, 0.0))
    assert s.n == 5 and s.n_positive == 4
    assert s.total == 8.0 and s.minimum == 1.0 and s.maximum == 4.0
    assert s.cv == pytest.approx(np.std(w) / np.mean(w))
    assert s.effective_n == pytest.approx(4 / (88 / 64))
    assert weighting_effect(np.full(10, 3.0)) == pytest.approx(1.0)


def test_nonresponse_by_class_hand() -> None:
    d = np.array([10.0, 10, 20, 20, 5, 5, 5])
    resp = np.array([1, 0, 1, 1, 1, 0, 0])
    cls = np.array(["a", "a", "a", "a", "b", "b", "b"])
    w, rep = nonresponse_adjustment(d, resp, cls)
    # class a: 60 / 50 = 1.2; class b: 15 / 5 = 3
    assert w.tolist() == pytest.approx([12.0, 0, 24, 24, 15, 0, 0])
    assert w.sum() == pytest.approx(d.sum())
    a, b = rep.classes
    assert (a.label, a.n, a.respondents) == ("a", 4, 3)
    assert a.response_rate == pytest.approx(0.75)
    assert a.weighted_response_rate == pytest.approx(50 / 60)
    assert a.factor == pytest.approx(1.2)
    assert b.factor == pytest.approx(3.0) and b.response_rate == pytest.approx(1 / 3)
    assert rep.response_rate == pytest.approx(4 / 7)
    assert rep.weighted_response_rate == pytest.approx(55 / 75)
    assert rep.weighting_effect_before == pytest.approx(weighting_effect([10, 20, 20, 5]))
    assert rep.weighting_effect_after == pytest.approx(weighting_effect([12, 24, 24, 15]))


def test_nonresponse_single_class_and_errors() -> None:
    w, rep = nonresponse_adjustment([1.0, 1.0, 2.0], [True, False, True])
    assert w.tolist() == pytest.approx([4 / 3, 0, 8 / 3])
    assert rep.classes[0].label == "(all)"
    with pytest.raises(WeightingError, match="no respondents"):
        nonresponse_adjustment([1.0, 1.0], [0, 1], ["x", "y"])
    with pytest.raises(WeightingError, match="0/1"):
        nonresponse_adjustment([1.0, 1.0], [2, 1])
    with pytest.raises(WeightingError, match="non-negative"):
        nonresponse_adjustment([-1.0, 1.0], [1, 1])


def test_trim_matches_r() -> None:
    fx = fixtures()["trim"]
    before = np.asarray(fx["before"])
    once, rep = trim_weights(before, upper=45, lower=20)
    assert once == pytest.approx(np.asarray(fx["once"]), rel=1e-12)
    assert once.sum() == pytest.approx(before.sum(), rel=1e-12)
    assert rep.iterations == 1
    strict, srep = trim_weights(before, upper=45, lower=20, strict=True)
    assert strict == pytest.approx(np.asarray(fx["strict"]), rel=1e-12)
    assert strict.max() <= 45 + 1e-9 and strict.min() >= 20 - 1e-9
    assert srep.outside_after == 0
    assert srep.weighting_effect_after < srep.weighting_effect_before


def test_trim_hand_and_proportional() -> None:
    w, rep = trim_weights([1.0, 1.0, 1.0, 9.0], upper=5)
    # 4 trimmed off, shared equally by the other three.
    assert w.tolist() == pytest.approx([7 / 3, 7 / 3, 7 / 3, 5.0])
    assert rep.trimmed == 1 and rep.amount_redistributed == pytest.approx(4.0)
    assert rep.weighting_effect_before == pytest.approx(4 * 84 / 144)
    p, _ = trim_weights([1.0, 2.0, 9.0], upper=5, redistribute="proportional")
    assert p.tolist() == pytest.approx([1 + 4 / 3, 2 + 8 / 3, 5.0])
    with pytest.raises(WeightingError, match="every weight"):
        trim_weights([10.0, 10.0], upper=5)
    with pytest.raises(WeightingError, match="lower bound"):
        trim_weights([1.0], upper=1, lower=2)


def test_trim_design_keeps_calibration() -> None:
    des = Design(weights=np.array([1.0, 1, 1, 9]))
    out, _ = trim_design(des, upper=5)
    assert out.weights.sum() == pytest.approx(12.0)
    assert out.calibration is des.calibration


@settings(max_examples=100, deadline=None)
@given(
    w=st.lists(st.floats(0.1, 1000), min_size=3, max_size=50),
    q=st.floats(0.5, 0.99),
)
def test_trim_properties(w: list[float], q: float) -> None:
    arr = np.array(w)
    upper = float(np.quantile(arr, q))
    if upper * arr.size < arr.sum():  # infeasible: the cap times n cannot hold the total
        return
    out, rep = trim_weights(arr, upper=upper, strict=True, max_iter=10_000)
    assert out.sum() == pytest.approx(arr.sum(), rel=1e-9)
    assert out.max() <= upper * (1 + 1e-9)
    assert rep.outside_after == 0
