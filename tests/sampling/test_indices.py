"""SIPAS indices: criterion shares, DK exclusion, group SE from the joint linearisation (hand-computed)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats
from scipy.special import expit, logit

from sampling import Design, EstimationError, estimate_indices, linear_combination


@pytest.fixture
def survey() -> tuple[Design, dict[str, np.ndarray], np.ndarray]:
    rng = np.random.default_rng(7)
    n = 400
    w = rng.uniform(1, 5, n)
    answers = {
        f"q{j}": rng.choice([0, 1, 2, 3, 4, 5, 9], size=n, p=[0.05, 0.05, 0.1, 0.2, 0.3, 0.25, 0.05])
        for j in range(1, 5)
    }
    answers["q2"] = answers["q2"].astype(float)
    answers["q2"][:7] = np.nan  # missing answers behave like don't know
    agency = rng.choice(["A", "B"], size=n)
    return Design(weights=w), answers, agency


def hand_share_and_z(w: np.ndarray, a: np.ndarray) -> tuple[float, np.ndarray]:
    valid = np.isin(a, [1, 2, 3, 4, 5])
    y = np.isin(a, [4, 5]).astype(float)
    den = np.sum(w * valid)
    p = np.sum(w * valid * y) / den
    return p, w * valid * (y - p) / den


def test_criteria_groups_and_overall_by_hand(
    survey: tuple[Design, dict[str, np.ndarray], np.ndarray],
) -> None:
    design, answers, _ = survey
    groups = {"E1": ["q1", "q2"], "E2": ["q3", "q4"]}
    res = estimate_indices(design, answers, groups, rule="none")
    w = design.weights
    n = design.n_rows
    parts = {k: hand_share_and_z(w, v) for k, v in answers.items()}
    for e in res.criteria.estimates:
        p, z = parts[e.variable]
        assert e.estimate == pytest.approx(100 * p, rel=1e-12)
        # SRS with replacement: V(Σ z) = n/(n − 1) Σ (z − z̄)²
        assert e.se == pytest.approx(100 * np.sqrt(n / (n - 1) * np.sum((z - z.mean()) ** 2)), rel=1e-10)
    for g, members in {**groups, "SIPAS": list(answers)}.items():
        e = res.groups.estimates[res.groups.find(g)]
        z = sum(parts[m][1] for m in members) / len(members)
        assert e.estimate == pytest.approx(100 * np.mean([parts[m][0] for m in members]), rel=1e-12)
        assert e.se == pytest.approx(100 * np.sqrt(n / (n - 1) * np.sum((z - z.mean()) ** 2)), rel=1e-10)
        # df: the smallest among the criteria (rows with a valid answer − 1, one stratum).
        df = min(np.isin(answers[m], [1, 2, 3, 4, 5]).sum() for m in members) - 1
        assert e.statistic == "index" and e.ci_method == "logit-t" and e.df == df
        # Default interval: delta method on the logit scale of p = index/100, t on the df.
        share, s, q = e.estimate / 100, e.se / 100, stats.t.ppf(0.975, df)
        half = q * s / (share * (1 - share))
        assert (e.ci_low, e.ci_high) == pytest.approx(
            (100 * expit(logit(share) - half), 100 * expit(logit(share) + half)), rel=1e-12
        )
    # The group SE is a contrast of the criterion shares (not independent criteria).
    c = linear_combination(res.criteria, [0.5, 0.5, 0, 0])
    assert c.estimate.se == pytest.approx(res.groups.estimates[0].se, rel=1e-12)
    independent = np.sqrt(sum(e.se**2 for e in res.criteria.estimates[:2])) / 2
    assert c.estimate.se != pytest.approx(independent, rel=1e-3)
    dk = {d.criterion: d for d in res.dont_know}
    assert dk["q1"].count == int(np.isin(answers["q1"], [0, 9]).sum())
    assert dk["q2"].valid == int(np.isin(answers["q2"], [1, 2, 3, 4, 5]).sum())
    assert res.measure == "top-two-box share, %"


def test_by_domain_matches_subset_shares(survey: tuple[Design, dict[str, np.ndarray], np.ndarray]) -> None:
    design, answers, agency = survey
    res = estimate_indices(design, answers, {"E1": ["q1", "q2"]}, by={"agency": agency}, overall=None)
    assert [e.domain for e in res.groups.estimates] == [{"agency": "A"}, {"agency": "B"}]
    w = design.weights
    for e in res.criteria.estimates:
        inside = agency == e.domain["agency"]
        p, _ = hand_share_and_z(w[inside], answers[e.variable][inside])
        assert e.estimate == pytest.approx(100 * p, rel=1e-12)


def test_mean_score_measure(survey: tuple[Design, dict[str, np.ndarray], np.ndarray]) -> None:
    design, answers, _ = survey
    res = estimate_indices(design, answers, {"E1": ["q1"]}, measure="mean-score", overall=None)
    a = answers["q1"]
    valid = np.isin(a, [1, 2, 3, 4, 5])
    w = design.weights
    expected = np.sum(w[valid] * (a[valid] - 1) * 25) / np.sum(w[valid])
    assert res.criteria.estimates[0].estimate == pytest.approx(expected, rel=1e-12)
    assert res.groups.estimates[0].statistic == "mean-score"
    assert res.measure == "mean score 0-100"


def test_custom_top_set_and_errors(survey: tuple[Design, dict[str, np.ndarray], np.ndarray]) -> None:
    design, answers, _ = survey
    res = estimate_indices(design, answers, {"E1": ["q1"]}, top=(5,), overall=None)
    a = answers["q1"]
    valid = np.isin(a, [1, 2, 3, 4, 5])
    w = design.weights
    assert res.criteria.estimates[0].estimate == pytest.approx(100 * np.sum(w * (a == 5)) / np.sum(w * valid))
    with pytest.raises(EstimationError, match="unknown criterion 'q9'"):
        estimate_indices(design, answers, {"E1": ["q9"]})
    bad = dict(answers)
    bad["q1"] = answers["q1"].astype(float).copy()
    bad["q1"][3] = 7
    with pytest.raises(EstimationError, match="answer 7 at row 4 is not on the scale"):
        estimate_indices(design, bad, {"E1": ["q1"]})


def test_wald_interval_on_request(survey: tuple[Design, dict[str, np.ndarray], np.ndarray]) -> None:
    design, answers, agency = survey
    groups = {"E1": ["q1", "q2"]}
    by = {"agency": agency}
    logit_res = estimate_indices(design, answers, groups, by=by)
    wald_res = estimate_indices(design, answers, groups, by=by, index_ci="wald")
    for lg, wd in zip(logit_res.groups.estimates, wald_res.groups.estimates, strict=True):
        assert (wd.estimate, wd.se, wd.df) == (lg.estimate, lg.se, lg.df)
        assert wd.df is not None
        q = stats.t.ppf(0.975, wd.df)
        assert (wd.ci_low, wd.ci_high) == pytest.approx((wd.estimate - q * wd.se, wd.estimate + q * wd.se))
        assert wd.ci_method == "wald-t" and lg.ci_method == "logit-t"
        # The logit interval is asymmetric towards 50 % and lies inside (0, 100).
        assert 0 < lg.ci_low < lg.estimate < lg.ci_high < 100
        assert (lg.ci_high - lg.estimate) < (lg.estimate - lg.ci_low)  # all indices here are above 50 %
    # The criterion shares keep their own interval whatever index_ci says.
    assert {e.ci_method for e in wald_res.criteria.estimates} == {"logit"}
    with pytest.raises(EstimationError, match="unknown index interval 'beta'"):
        estimate_indices(design, answers, groups, index_ci="beta")  # type: ignore[arg-type]


def test_logit_interval_stays_in_range_where_wald_does_not() -> None:
    # 30 rows, 28 of them satisfied on both criteria: the Wald interval passes 100.
    answers = {"q1": np.array([5] * 28 + [1, 2]), "q2": np.array([4] * 29 + [2])}
    design = Design(weights=np.ones(30))
    wald = estimate_indices(design, answers, {}, index_ci="wald").groups.estimates[0]
    logit_ = estimate_indices(design, answers, {}, df="inf").groups.estimates[0]
    assert wald.ci_high > 100
    assert 0 < logit_.ci_low < logit_.estimate < logit_.ci_high < 100 and logit_.ci_method == "logit-normal"
    p, s = logit_.estimate / 100, logit_.se / 100
    assert logit_.ci_high == pytest.approx(100 * expit(logit(p) + 1.959963984540054 * s / (p * (1 - p))))


def test_degenerate_index_interval_is_the_point() -> None:
    # Everyone satisfied (p = 1, SE = 0) and nobody satisfied (p = 0): the interval is [p, p] (documented).
    design = Design(weights=np.ones(6))
    full = estimate_indices(design, {"q1": np.array([5, 4, 5, 4, 5, 9])}, {}, rule="none")
    none_ = estimate_indices(design, {"q1": np.array([1, 2, 3, 1, 2, 3])}, {}, rule="none")
    for res, value in ((full, 100.0), (none_, 0.0)):
        e = res.groups.estimates[0]
        assert (e.estimate, e.se, e.ci_low, e.ci_high) == (value, 0.0, value, value)


def test_mean_score_indices_get_the_logit_interval(
    survey: tuple[Design, dict[str, np.ndarray], np.ndarray],
) -> None:
    design, answers, _ = survey
    res = estimate_indices(design, answers, {"E1": ["q1", "q2"]}, measure="mean-score")
    wald = estimate_indices(design, answers, {"E1": ["q1", "q2"]}, measure="mean-score", index_ci="wald")
    for lg, wd in zip(
        (*res.criteria.estimates, *res.groups.estimates),
        (*wald.criteria.estimates, *wald.groups.estimates),
        strict=True,
    ):
        assert lg.ci_method == "logit-t" and wd.ci_method == "wald-t"
        p, s, q = lg.estimate / 100, lg.se / 100, stats.t.ppf(0.975, lg.df)
        half = q * s / (p * (1 - p))
        assert (lg.ci_low, lg.ci_high) == pytest.approx(
            (100 * expit(logit(p) - half), 100 * expit(logit(p) + half)), rel=1e-12
        )
        assert (wd.ci_low, wd.ci_high) == pytest.approx((wd.estimate - q * wd.se, wd.estimate + q * wd.se))
