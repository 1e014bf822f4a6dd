"""Drivers of satisfaction: importance (svyglm coefficient) × performance (mean), suppression."""

from __future__ import annotations

import numpy as np
import pytest

from sampling import Design, EstimationError, estimate_means, fit_glm
from sampling.glm_drivers import element_scores, estimate_drivers


def _survey(n: int = 3000, seed: int = 5) -> tuple[Design, np.ndarray, dict[str, np.ndarray], np.ndarray]:
    rng = np.random.default_rng(seed)
    psu = rng.integers(0, 150, n)
    agency = np.where(psu < 140, np.where(psu % 2 == 0, "A01", "A02"), "A03").astype(object)
    base = rng.normal(70, 10, size=(n, 1))
    scores = np.clip(base + rng.normal(0, 8, size=(n, 4)) + np.array([5, -10, 0, 8]), 0, 100)
    elements = {f"E{i + 1}": scores[:, i] for i in range(4)}
    overall = np.clip(10 + scores @ np.array([0.1, 0.5, 0.2, 0.05]) + rng.normal(0, 5, n), 0, 100)
    design = Design(psu=psu, weights=rng.uniform(1, 4, n))
    return design, overall, elements, agency


def test_importance_is_the_regression_coefficient_and_performance_the_mean() -> None:
    design, overall, elements, agency = _survey()
    out = estimate_drivers(design, overall, elements, by={"agency": agency})
    assert [d.domain for d in out] == [{"agency": "A01"}, {"agency": "A02"}, {"agency": "A03"}]
    a01 = out[0]
    assert not a01.suppressed and a01.n == int((agency == "A01").sum())
    fit = fit_glm(
        design,
        "overall ~ E1 + E2 + E3 + E4",
        {"overall": overall, **elements},
        by={"agency": np.where(agency == "A01", "A01", None).astype(object)},
    ).models[0]
    means = estimate_means(design, elements, by={"agency": agency})
    for row, coef in zip(a01.elements, fit.table()[1:], strict=True):
        assert row.importance == pytest.approx(coef.estimate, rel=1e-12)
        assert (row.importance_low, row.importance_high) == pytest.approx(
            (coef.ci_low, coef.ci_high), rel=1e-12
        )
        m = means.estimates[means.find(row.element, {"agency": "A01"})]
        assert row.performance == pytest.approx(m.estimate, rel=1e-12)
        assert row.performance_low < row.performance < row.performance_high
    # E2 weighs most and scores lowest: the element to act on first.
    assert [r.element for r in a01.elements if r.act_first] == ["E2"]


def test_small_domains_are_suppressed_with_a_reason() -> None:
    design, overall, elements, agency = _survey()
    out = estimate_drivers(design, overall, elements, by={"agency": agency}, min_respondents=300)
    a03 = out[2]
    assert a03.suppressed and a03.elements == () and "fewer than 300" in (a03.suppressed_reason or "")
    few_df = estimate_drivers(design, overall, elements, by={"agency": agency}, min_respondents=10, min_df=20)
    assert few_df[2].suppressed_reason == "fewer than 20 residual degrees of freedom"


def test_constant_element_suppresses_instead_of_failing() -> None:
    design, overall, elements, agency = _survey()
    e4 = np.where(agency == "A02", 50.0, elements["E4"])
    out = estimate_drivers(design, overall, {**elements, "E4": e4}, by={"agency": agency})
    assert not out[0].suppressed
    assert "predictor E4 is constant" in (out[1].suppressed_reason or "")
    with pytest.raises(EstimationError, match="at least two elements"):
        estimate_drivers(design, overall, {"E1": elements["E1"]})


def test_element_scores_share_of_top_answers() -> None:
    q1 = np.array([5, 4, np.nan, 2])
    q2 = np.array([5, 1, np.nan, np.nan])
    np.testing.assert_array_equal(element_scores([q1, q2], top=[4, 5]), [100.0, 50.0, np.nan, 0.0])
