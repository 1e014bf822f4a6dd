"""Estimator API details: domains, missing values, df options, contrasts across sets, Kish, JSON shape."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from sampling import (
    Design,
    Domains,
    EstimationError,
    combine_sets,
    covariance,
    difference,
    estimate_means,
    estimate_proportions,
    estimate_ratios,
    estimate_totals,
    kish_weighting_effect,
)


@pytest.fixture
def small() -> tuple[Design, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(11)
    n = 60
    strata = np.repeat([0, 1, 2], 20)
    psu = np.repeat(np.arange(12), 5)
    w = rng.uniform(1, 3, n)
    y = rng.normal(10, 2, n)
    g = rng.choice(["a", "b", "c"], n)
    return Design(strata=strata, psu=psu, weights=w), y, g


def test_domain_mean_equals_ratio_of_domain_totals(small: tuple[Design, np.ndarray, np.ndarray]) -> None:
    design, y, g = small
    means = estimate_means(design, {"y": y}, by={"g": g})
    ratio = estimate_ratios(design, {"y": (np.where(g == "b", y, 0.0), (g == "b").astype(float))})
    e = means.estimates[means.find("y", {"g": "b"})]
    assert e.estimate == pytest.approx(ratio.estimates[0].estimate, rel=1e-13)
    assert e.se == pytest.approx(ratio.estimates[0].se, rel=1e-12)


def test_missing_values_are_a_per_variable_domain(small: tuple[Design, np.ndarray, np.ndarray]) -> None:
    design, y, _ = small
    y2 = y.copy()
    y2[[3, 17, 40]] = np.nan
    keep = ~np.isnan(y2)
    a = estimate_means(design, {"y": y, "y2": y2})
    b = estimate_means(design, {"y2": np.where(keep, y2, 0.0)}, by={"k": keep.astype(int)})
    e_na = a.estimates[1]
    e_dom = b.estimates[b.find("y2", {"k": "1"})]
    assert e_na.estimate == pytest.approx(e_dom.estimate) and e_na.se == pytest.approx(e_dom.se)
    assert e_na.n == 57 and a.estimates[0].n == 60


def test_domain_labels_missing_rows_excluded() -> None:
    doms = Domains.from_columns(
        {"g": np.array(["x", None, "y", ""], dtype=object), "h": [1.0, 2.0, np.nan, 1.0]}
    )
    assert doms.labels == ({"g": "x", "h": "1"},)
    assert doms.codes.tolist() == [0, -1, -1, -1]


def test_df_options(small: tuple[Design, np.ndarray, np.ndarray]) -> None:
    design, y, _ = small
    t = estimate_means(design, {"y": y}).estimates[0]
    z = estimate_means(design, {"y": y}, df="inf").estimates[0]
    f = estimate_means(design, {"y": y}, df=4).estimates[0]
    assert t.df == 9 and t.ci_method == "wald-t"
    assert z.df is None and z.ci_method == "wald-normal"
    assert z.ci_high - z.estimate == pytest.approx(stats.norm.ppf(0.975) * z.se)
    assert f.ci_high - f.estimate == pytest.approx(stats.t.ppf(0.975, 4) * f.se)
    with pytest.raises(EstimationError, match="df must be"):
        estimate_means(design, {"y": y}, df="many")  # type: ignore[arg-type]


def test_domain_contrast_p_value_and_overall_vs_domain(small: tuple[Design, np.ndarray, np.ndarray]) -> None:
    design, y, g = small
    by = estimate_means(design, {"y": y}, by={"g": g})
    v = covariance(by)
    c = difference(by, 0, 1)
    se = math.sqrt(v[0, 0] + v[1, 1] - 2 * v[0, 1])
    assert c.estimate.se == pytest.approx(se, rel=1e-12)
    t = (by.estimates[0].estimate - by.estimates[1].estimate) / se
    assert c.t == pytest.approx(t) and c.p_value == pytest.approx(2 * stats.t.sf(abs(t), 9), rel=1e-10)
    assert c.estimate.variable == "y[g=a] - y[g=b]"
    # Overall mean vs one domain: combine two result sets of the same design.
    overall = estimate_means(design, {"y": y})
    both = combine_sets(overall, by)
    assert len(both) == 4
    d = difference(both, 0, 1)
    full = covariance(both)
    assert d.estimate.se == pytest.approx(math.sqrt(full[0, 0] + full[1, 1] - 2 * full[0, 1]), rel=1e-12)
    assert full[0, 0] == pytest.approx(overall.estimates[0].se ** 2, rel=1e-12)
    other = estimate_means(Design(weights=np.ones(60)), {"y": y})
    with pytest.raises(EstimationError, match="different designs"):
        combine_sets(overall, other)


def test_totals_of_indicator_equal_population_counts(small: tuple[Design, np.ndarray, np.ndarray]) -> None:
    design, _, g = small
    res = estimate_totals(design, {"one": np.ones(60)}, by={"g": g})
    for e in res.estimates:
        assert e.estimate == pytest.approx(design.weights[g == e.domain["g"]].sum())


def test_proportion_input_check_and_n_eff(small: tuple[Design, np.ndarray, np.ndarray]) -> None:
    design, y, _ = small
    with pytest.raises(EstimationError, match="must be 0/1"):
        estimate_proportions(design, {"y": y})
    b = (y > 10).astype(float)
    e = estimate_proportions(design, {"b": b}).estimates[0]
    assert e.n_eff == pytest.approx(min(60, e.estimate * (1 - e.estimate) / e.se**2))
    assert e.ci_method == "logit"


def test_kish_weighting_effect_by_hand() -> None:
    w = np.array([1.0, 2.0, 3.0, 0.0])
    assert kish_weighting_effect(w) == pytest.approx(3 * 14 / 36)
    with pytest.raises(EstimationError):
        kish_weighting_effect([0.0, 0.0])


def test_to_dict_shape(small: tuple[Design, np.ndarray, np.ndarray]) -> None:
    design, y, g = small
    doc = estimate_means(design, {"y": y}, by={"g": g}).to_dict()
    assert set(doc) == {"design", "estimates"}
    assert doc["design"] == {
        "rows": 60,
        "strata": 3,
        "psus": 12,
        "df": 9,
        "weight": None,
        "calibration": None,
    }
    assert doc["estimates"][0]["domain"] == {"g": "a"}
    assert doc["estimates"][0]["flag"] == "suppress" and "flag_reason" in doc["estimates"][0]
