"""Design-based GLMs: formulas, term names, bad input (clear errors, never NaN) and domain behaviour."""

from __future__ import annotations

import numpy as np
import pytest

from sampling import Design, EstimationError
from sampling.glm import fit_glm
from sampling.glm_formula import parse_formula


def _sample(n: int = 400, seed: int = 1) -> tuple[Design, dict[str, np.ndarray]]:
    rng = np.random.default_rng(seed)
    psu = np.repeat(np.arange(40), n // 40)
    strata = psu % 4
    x1 = rng.normal(size=n)
    grp = rng.choice(np.array(["A", "B", "C"], dtype=object), size=n)
    eta = -0.3 + 0.8 * x1 + np.where(grp == "B", 0.5, 0.0)
    y = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float)
    score = 3 + x1 + rng.normal(size=n)
    count = rng.poisson(np.exp(0.2 + 0.3 * x1)).astype(float)
    w = rng.uniform(1, 3, size=n)
    return Design(strata=strata, psu=psu, weights=w, nest=True), {
        "y": y,
        "x1": x1,
        "grp": grp,
        "score": score,
        "count": count,
        "region": np.where(psu < 20, "North", "South").astype(object),
    }


def test_term_names_as_r_prints_them() -> None:
    design, d = _sample()
    m = fit_glm(design, "score ~ x1 * C(grp)", d).models[0]
    assert m.names == ("(Intercept)", "x1", "grpB", "grpC", "x1:grpB", "x1:grpC")
    no_int = fit_glm(design, "score ~ C(grp) + x1 - 1", d).models[0]
    assert no_int.names == ("grpA", "grpB", "grpC", "x1")
    # A numeric column used as categories: levels in numeric order, named column + level.
    d2 = dict(d, code=np.where(d["grp"] == "A", 10.0, np.where(d["grp"] == "B", 2.0, 3.0)))
    assert fit_glm(design, "score ~ C(code)", d2).models[0].names == ("(Intercept)", "code3", "code10")


def test_text_column_is_categorical_without_c() -> None:
    design, d = _sample()
    a = fit_glm(design, "score ~ grp", d).models[0]
    b = fit_glm(design, "score ~ C(grp)", d).models[0]
    assert a.names == b.names
    np.testing.assert_array_equal(a.coefficients, b.coefficients)


def test_domains_fit_each_domain_and_match_a_subset_design_refit() -> None:
    design, d = _sample()
    res = fit_glm(design, "y ~ x1 + grp", d, family="quasibinomial", by={"region": d["region"]})
    assert [m.domain for m in res.models] == [{"region": "North"}, {"region": "South"}]
    # The point estimate of a domain equals the fit on the domain's rows alone.
    north = d["region"] == "North"
    sub = Design(psu=np.flatnonzero(north) // 10, weights=design.weights[north])
    alone = fit_glm(sub, "y ~ x1 + grp", {k: v[north] for k, v in d.items()}, family="quasibinomial")
    np.testing.assert_allclose(res.models[0].coefficients, alone.models[0].coefficients, rtol=1e-10)
    assert all(np.isfinite(m.se).all() for m in res.models)


@pytest.mark.parametrize(
    ("formula", "family", "message"),
    [
        ("score ~ x1 + const", "gaussian", "predictor const is constant"),
        ("score ~ x1 + x1twice", "gaussian", "x1twice of term x1twice is a linear combination"),
        ("sep ~ x1", "quasibinomial", "separation"),
        ("score ~ x1", "quasibinomial", "between 0 and 1"),
        ("neg ~ x1", "quasipoisson", "≥ 0"),
        ("score ~ ", "gaussian", "no predictors"),
        ("score ~ log(x1)", "gaussian", "cannot read term"),
        ("score ~ x1:grp", "gaussian", "needs the main effect"),
        ("score ~ nothere", "gaussian", "no column 'nothere'"),
        ("score ~ x1", "binomial", "family must be one of"),
    ],
)
def test_bad_models_are_clear_errors(formula: str, family: str, message: str) -> None:
    design, d = _sample()
    d = dict(
        d, const=np.full(400, 2.0), x1twice=2 * d["x1"], sep=(d["x1"] > 0).astype(float), neg=-d["count"]
    )
    with pytest.raises(EstimationError, match=message):
        fit_glm(design, formula, d, family=family)  # type: ignore[arg-type]


def test_predictor_constant_in_one_domain_names_the_domain() -> None:
    design, d = _sample()
    x2 = np.where(d["region"] == "North", 1.0, d["x1"])
    with pytest.raises(EstimationError, match=r"domain region=North: predictor x2 is constant"):
        fit_glm(design, "score ~ x1 + x2", dict(d, x2=x2), by={"region": d["region"]})


def test_too_few_psus_for_the_coefficients() -> None:
    rng = np.random.default_rng(3)
    psu = np.repeat(np.arange(4), 25)
    design = Design(psu=psu, weights=np.ones(100))
    d = {f"x{i}": rng.normal(size=100) for i in range(4)}
    d["y"] = rng.normal(size=100)
    with pytest.raises(EstimationError, match="too few PSUs"):
        fit_glm(design, "y ~ x0 + x1 + x2 + x3", d)


def test_missing_values_drop_the_row_as_na_omit() -> None:
    design, d = _sample()
    x1 = d["x1"].copy()
    x1[:10] = np.nan
    m = fit_glm(design, "score ~ x1", dict(d, x1=x1)).models[0]
    assert m.n == 390
    keep = np.ones(400, dtype=bool)
    keep[:10] = False
    manual = Design(
        strata=design.stratum_of_row, psu=design.psu_of_row, weights=np.where(keep, design.weights, 0)
    )
    ref = fit_glm(manual, "score ~ x1", dict(d, x1=np.where(keep, d["x1"], 0.0))).models[0]
    np.testing.assert_allclose(m.coefficients, ref.coefficients, rtol=1e-10)
    np.testing.assert_allclose(m.se, ref.se, rtol=1e-10)


def test_prediction_rejects_unknown_level_and_json_shape() -> None:
    design, d = _sample()
    res = fit_glm(design, "count ~ x1 + grp", d, family="quasipoisson")
    m = res.models[0]
    with pytest.raises(EstimationError, match="'Z' was not in the data"):
        m.predict({"x1": np.array([0.0]), "grp": np.array(["Z"], dtype=object)})
    out = res.to_dict()
    assert set(out) == {"design", "formula", "family", "level", "models"}
    assert out["design"]["df"] == 36
    coef = out["models"][0]["coefficients"][0]
    assert set(coef) == {"term", "estimate", "se", "t", "p", "ci_low", "ci_high"}
    assert out["models"][0]["tests"][1]["term"] == "grp" and out["models"][0]["tests"][1]["df"] == 2


def test_parse_formula_terms_and_order() -> None:
    f = parse_formula("y ~ a:b + C(c) + a + b")
    assert [t.label for t in f.terms] == ["c", "a", "b", "a:b"]
    assert f.categorical_marks()["c"] is True
    with pytest.raises(EstimationError, match="exactly one"):
        parse_formula("y = a")
    with pytest.raises(EstimationError, match="also a predictor"):
        parse_formula("y ~ y + a")
