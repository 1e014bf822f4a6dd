"""Fay–Herriot small-area estimates (issue #16, item 3) against R fixtures in tests/sampling/r_small_area/.

``make_fixtures.R`` there records metafor's REML fit and ``blup()`` and the Datta–Lahiri MSE written out in
R (as ``sae::mseFH``); these tests need no R. R iterates, so agreement is checked to 1e-6 relative.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sampling.small_area import INTERCEPT, SmallAreaError, fay_herriot, treatment_dummies

HERE = Path(__file__).parent / "r_small_area"
FIXTURES: dict[str, Any] = json.loads((HERE / "fixtures.json").read_text())
RECORDS = {r["case"]: r for r in FIXTURES["records"]}
REL = 1e-6
DATA = {
    "agencies": "agencies.csv",
    "agencies_intercept": "agencies.csv",
    "bcg": "bcg.csv",
    "flat": "flat.csv",
}


def rows(name: str) -> list[dict[str, str]]:
    with (HERE / name).open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def fit_case(case: str) -> Any:
    rec = RECORDS[case]
    data = rows(DATA[case])
    aux: dict[str, np.ndarray] = {}
    for name in np.atleast_1d(rec["aux"]).tolist():
        values = [r[name] for r in data]
        try:
            aux[name] = np.array([float(v) for v in values])
        except ValueError:
            aux.update(treatment_dummies(name, values))
    return fay_herriot(
        [r["area"] for r in data],
        [float(r["yi"]) for r in data],
        [float(r["vi"]) for r in data],
        aux,
    )


CASES = sorted(RECORDS)


@pytest.mark.parametrize("case", CASES)
def test_variance_component_and_coefficients_match_metafor(case: str) -> None:
    rec = RECORDS[case]
    fit = fit_case(case)
    if rec["sigma2_u"] == 0:
        assert fit.sigma2_u == 0.0 and fit.truncated
    else:
        assert fit.sigma2_u == pytest.approx(rec["sigma2_u"], rel=REL)
        assert not fit.truncated
    terms = [INTERCEPT if t == "intrcpt" else t for t in np.atleast_1d(rec["terms"]).tolist()]
    assert [c.term for c in fit.coefficients] == terms
    np.testing.assert_allclose([c.estimate for c in fit.coefficients], np.ravel(rec["beta"]), rtol=REL)
    np.testing.assert_allclose([c.se for c in fit.coefficients], np.ravel(rec["beta_se"]), rtol=REL)
    np.testing.assert_allclose([c.z for c in fit.coefficients], np.ravel(rec["beta_z"]), rtol=REL)
    np.testing.assert_allclose([c.p for c in fit.coefficients], np.ravel(rec["beta_p"]), rtol=REL)
    assert fit.log_likelihood == pytest.approx(rec["reml_loglik"], rel=REL)
    assert fit.sigma2_u_se == pytest.approx(rec["sigma2_u_se"], rel=REL)


@pytest.mark.parametrize("case", CASES)
def test_eblups_match_metafor_blup(case: str) -> None:
    rec = RECORDS[case]
    fit = fit_case(case)
    assert [a.area for a in fit.areas] == rec["areas"]
    np.testing.assert_allclose([a.eblup for a in fit.areas], rec["eblup"], rtol=REL)
    # blup()'s prediction variance is the MSE without the σ²_u-estimation term: g1 + g2.
    np.testing.assert_allclose([a.g1 + a.g2 for a in fit.areas], np.square(rec["blup_se"]), rtol=REL)


@pytest.mark.parametrize("case", CASES)
def test_mse_matches_datta_lahiri_in_r(case: str) -> None:
    rec = RECORDS[case]
    fit = fit_case(case)
    for key in ("g1", "g2", "g3", "mse"):
        got = [getattr(a, key) for a in fit.areas]
        np.testing.assert_allclose(got, rec[key], rtol=REL, atol=1e-300 if key != "g1" else 1e-12)
    np.testing.assert_allclose([a.rmse for a in fit.areas], np.sqrt(rec["mse"]), rtol=REL)


def test_shrinkage_and_rmse_below_direct_for_noisy_areas() -> None:
    fit = fit_case("agencies")
    for a in fit.areas:
        assert 0 < a.gamma < 1
        assert a.eblup == pytest.approx(a.gamma * a.direct + (1 - a.gamma) * a.synthetic, rel=1e-12)
    noisy = max(fit.areas, key=lambda a: a.direct_variance)
    assert noisy.rmse < noisy.direct_se  # the point of the model: the noisiest area gains most
    assert noisy.cv == pytest.approx(noisy.rmse / abs(noisy.eblup))


@pytest.mark.parametrize("factor", [1e-4, 1e3])
def test_fit_follows_the_scale_of_the_data(factor: float) -> None:
    # Indices on 0-100 or shares on 0-1 (or totals): the same fit in other units, R's values rescaled.
    rec = RECORDS["agencies"]
    data = rows("agencies.csv")
    level = treatment_dummies("level", [r["level"] for r in data])
    fit = fay_herriot(
        [r["area"] for r in data],
        [factor * float(r["yi"]) for r in data],
        [factor**2 * float(r["vi"]) for r in data],
        {
            **level,
            "last_index": np.array([float(r["last_index"]) for r in data]),
            "counter_share": np.array([float(r["counter_share"]) for r in data]),
        },
    )
    assert fit.sigma2_u == pytest.approx(factor**2 * rec["sigma2_u"], rel=REL)
    np.testing.assert_allclose([a.eblup for a in fit.areas], factor * np.array(rec["eblup"]), rtol=REL)
    np.testing.assert_allclose([a.mse for a in fit.areas], factor**2 * np.array(rec["mse"]), rtol=REL)


def test_boundary_fit_gives_synthetic_estimates() -> None:
    fit = fit_case("flat")
    assert fit.truncated
    for a in fit.areas:
        assert a.gamma == 0 and a.eblup == a.synthetic and a.g1 == 0


def test_to_dict_is_json_ready() -> None:
    d = fit_case("bcg").to_dict()
    text = json.dumps(d, allow_nan=False)
    assert '"sigma2_u"' in text and d["model"]["areas"] == 13


# --------------------------------------------------------------------------------------------------
# Bad input: a clear error naming the problem, never NaN
# --------------------------------------------------------------------------------------------------

AREAS = ["a", "b", "c", "d", "e"]
Y = [60.0, 70.0, 65.0, 80.0, 75.0]
PSI = [10.0, 20.0, 15.0, 30.0, 12.0]


@pytest.mark.parametrize(
    ("areas", "y", "psi", "aux", "message"),
    [
        (AREAS, Y, [10.0, 0.0, 15.0, 30.0, 12.0], {}, "design variance of area 'b' is 0"),
        (AREAS, Y, [10.0, 20.0, -1.0, 30.0, 12.0], {}, "design variance of area 'c' is -1"),
        (AREAS, Y, [10.0, 20.0, float("nan"), 30.0, 12.0], {}, "design variance of area 'c' is missing"),
        (AREAS, [60.0, float("inf"), 65.0, 80.0, 75.0], PSI, {}, "direct estimate of area 'b'"),
        (AREAS, Y, PSI, {"x": [1.0, 2.0, float("nan"), 4.0, 5.0]}, "auxiliary 'x' of area 'c'"),
        (AREAS[:4], Y[:4], PSI[:4], {"x": [1, 2, 3, 4], "z": [1, 0, 0, 1]}, "4 areas are too few.*5 are"),
        (AREAS[:2], Y[:2], PSI[:2], {}, "2 areas are too few for REML with 1 coefficients"),
        (["a", "a", "c", "d", "e"], Y, PSI, {}, "area 'a' appears more than once"),
        (AREAS, Y[:4], PSI, {}, "5 areas but 4 estimates"),
    ],
)
def test_bad_input_is_named(
    areas: list[str], y: list[float], psi: list[float], aux: dict[str, Any], message: str
) -> None:
    with pytest.raises(SmallAreaError, match=message.replace("(", r"\(")):
        fay_herriot(areas, y, psi, aux)


def test_collinear_auxiliary_is_named() -> None:
    areas = [f"a{i}" for i in range(8)]
    x = np.arange(8.0)
    with pytest.raises(SmallAreaError, match="'x2' is a linear combination of '\\(Intercept\\)', 'x'"):
        fay_herriot(areas, np.linspace(50, 80, 8), np.full(8, 9.0), {"x": x, "x2": 3 * x + 1})
    with pytest.raises(SmallAreaError, match="'const' is a linear combination of '\\(Intercept\\)'"):
        fay_herriot(areas, np.linspace(50, 80, 8), np.full(8, 9.0), {"const": np.full(8, 2.0)})
    with pytest.raises(SmallAreaError, match="single level"):
        treatment_dummies("level", ["commune"] * 8)
