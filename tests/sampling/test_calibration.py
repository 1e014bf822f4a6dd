"""Post-stratification, raking and calibration against R's survey package (weights, estimates, SEs)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sampling.calibration import (
    CalibrationError,
    CalibrationSteps,
    calibrate,
    linear_calibrate,
    poststratify,
    rake,
)
from sampling.design import Design
from tests.sampling.r_weighting import column, fixtures

REL = 1e-8
POP_TYPES = {"stype": {"E": 4421, "H": 755, "M": 1018}}
POP_SCHWIDE = {"sch.wide": {"No": 1072, "Yes": 5122}}
LINEAR_TOTALS = {"stype": {"E": 6194 - 755 - 1018, "H": 755, "M": 1018}, "api99": 3914069}


def _cols(name: str, names: tuple[str, ...]) -> dict[str, Any]:
    return {v: column(name, v) for v in names}


VARS = ("dnum", "pw", "fpc", "api00", "api99", "enroll", "stype", "sch.wide", "awards")


def dclus1() -> tuple[Design, dict[str, Any]]:
    d = _cols("apiclus1", VARS)
    return Design(weights=d["pw"], psu=d["dnum"], fpc=d["fpc"]), d


def dstrat() -> tuple[Design, dict[str, Any]]:
    d = _cols("apistrat", VARS)
    return Design(weights=d["pw"], strata=d["stype"], fpc=d["fpc"]), d


def one_stage_variance(
    design: Design, z: np.ndarray, strata: np.ndarray | None, psu: np.ndarray | None, fpc: np.ndarray
) -> float:
    """Σ_h (1 − f_h) n_h/(n_h − 1) Σ_i (t_hi − t̄_h)² after the design's calibration residualisation."""
    if design.calibration is not None:
        z = design.calibration.residualise(z[:, None])[:, 0]
    n = z.size
    s = np.zeros(n, dtype=object) if strata is None else strata
    p = np.arange(n) if psu is None else psu
    v = 0.0
    for h in np.unique(s.astype(str)):
        rows = s.astype(str) == h
        ids = np.unique(p[rows])
        t = np.array([z[rows & (p == i)].sum() for i in ids])
        n_h = ids.size
        f = n_h / fpc[rows][0]
        v += (1 - f) * n_h / (n_h - 1) * float(((t - t.mean()) ** 2).sum())
    return v


def mean_and_se(
    design: Design, y: np.ndarray, d: dict[str, Any], *, clus: bool = True, domain: np.ndarray | None = None
) -> tuple[float, float]:
    w = design.weights
    delta = np.ones_like(y) if domain is None else domain.astype(float)
    nd = float((w * delta).sum())
    ybar = float((w * delta * y).sum()) / nd
    z = w * delta * (y - ybar) / nd
    v = one_stage_variance(design, z, None if clus else d["stype"], d["dnum"] if clus else None, d["fpc"])
    return ybar, float(np.sqrt(v))


def total_and_se(
    design: Design, y: np.ndarray, d: dict[str, Any], *, clus: bool = True
) -> tuple[float, float]:
    z = design.weights * y
    v = one_stage_variance(design, z, None if clus else d["stype"], d["dnum"] if clus else None, d["fpc"])
    return float(z.sum()), float(np.sqrt(max(v, 0.0)))


def assert_est(got: tuple[float, float], expected: dict[str, Any], i: int = 0, se_abs: float = 0.0) -> None:
    est = np.atleast_1d(expected["estimate"])[i]
    se = np.atleast_1d(expected["se"])[i]
    assert got[0] == pytest.approx(est, rel=REL)
    assert got[1] == pytest.approx(se, rel=REL, abs=se_abs)


def test_unadjusted_design_matches_published() -> None:
    des, d = dclus1()
    assert mean_and_se(des, d["api00"], d) == pytest.approx((644.17, 23.542), abs=1e-3)


def test_poststratify_matches_r() -> None:
    fx = fixtures()["poststratify"]
    des, d = dclus1()
    ps, report = poststratify(des, {"stype": d["stype"]}, POP_TYPES)
    assert ps.weights == pytest.approx(np.asarray(fx["weights"]), rel=1e-12)
    assert_est(mean_and_se(ps, d["api00"], d), fx["mean_api00"])
    assert_est(total_and_se(ps, d["api00"], d), fx["total_api00"])
    assert_est(total_and_se(ps, d["enroll"], d), fx["total_enroll"])
    for i, lv in enumerate(("E", "H", "M")):
        est, se = total_and_se(ps, (d["stype"] == lv).astype(float), d)
        assert est == pytest.approx(fx["total_stype"]["estimate"][i], rel=1e-12)
        assert se == pytest.approx(0.0, abs=1e-6)
    for i, lv in enumerate(("No", "Yes")):
        got = mean_and_se(ps, d["api00"], d, domain=d["sch.wide"] == lv)
        assert_est(got, fx["mean_api00_by_schwide"], i)
    assert [c.label for c in report.cells] == ["E", "H", "M"]
    assert report.cells[1].factor == pytest.approx(755 / (14 * 33.846996307373), rel=1e-9)
    assert ps.calibration is not None


def test_rake_matches_r() -> None:
    fx = fixtures()["rake"]
    des, d = dclus1()
    rk, report = rake(des, {"stype": d["stype"], "sch.wide": d["sch.wide"]}, {**POP_TYPES, **POP_SCHWIDE})
    assert rk.weights == pytest.approx(np.asarray(fx["weights"]), rel=1e-12)
    assert_est(mean_and_se(rk, d["api00"], d), fx["mean_api00"])
    assert_est(total_and_se(rk, d["enroll"], d), fx["total_enroll"])
    for i, lv in enumerate(("E", "H", "M")):
        assert_est(mean_and_se(rk, d["api00"], d, domain=d["stype"] == lv), fx["mean_api00_by_stype"], i)
    for i, lv in enumerate(("No", "Yes")):
        assert_est(
            total_and_se(rk, (d["sch.wide"] == lv).astype(float), d), fx["total_schwide"], i, se_abs=1e-6
        )
    for i, lv in enumerate(("E", "H", "M")):
        # The first margin is only approximately met after R's default stopping rule; SE is tiny but not 0.
        assert_est(total_and_se(rk, (d["stype"] == lv).astype(float), d), fx["total_stype"], i, se_abs=1e-7)
    assert report.iterations >= 2
    assert report.converged
    assert report.max_change < 1.0
    assert report.max_margin_error == pytest.approx(
        max(abs(fx["total_stype"]["estimate"][i] - v) for i, v in enumerate((4421, 755, 1018))), rel=1e-6
    )


def test_rake_tight_and_stratified_match_r() -> None:
    fx = fixtures()
    des, d = dclus1()
    rk, report = rake(
        des,
        {"stype": d["stype"], "sch.wide": d["sch.wide"]},
        {**POP_TYPES, **POP_SCHWIDE},
        max_iter=100,
        epsilon=1e-10,
    )
    assert rk.weights == pytest.approx(np.asarray(fx["rake_tight"]["weights"]), rel=1e-12)
    assert_est(mean_and_se(rk, d["api00"], d), fx["rake_tight"]["mean_api00"])
    assert report.max_margin_error < 1e-6
    sdes, s = dstrat()
    awards = {"awards": {"No": 2236, "Yes": 3958}}
    rs, _ = rake(sdes, {"sch.wide": s["sch.wide"], "awards": s["awards"]}, {**POP_SCHWIDE, **awards})
    assert rs.weights == pytest.approx(np.asarray(fx["rake_strat"]["weights"]), rel=1e-12)
    assert_est(mean_and_se(rs, s["api00"], s, clus=False), fx["rake_strat"]["mean_api00"])
    assert_est(total_and_se(rs, s["enroll"], s, clus=False), fx["rake_strat"]["total_enroll"])


def test_linear_calibration_matches_r() -> None:
    fx = fixtures()["calibrate_linear"]
    des, d = dclus1()
    cal, report = linear_calibrate(des, {"stype": d["stype"], "api99": d["api99"]}, LINEAR_TOTALS)
    assert cal.weights == pytest.approx(np.asarray(fx["weights"]), rel=1e-10)
    assert_est(mean_and_se(cal, d["api00"], d), fx["mean_api00"])
    assert_est(total_and_se(cal, d["api00"], d), fx["total_api00"])
    assert_est(total_and_se(cal, d["enroll"], d), fx["total_enroll"])
    est, se = total_and_se(cal, d["api99"], d)
    assert est == pytest.approx(3914069, rel=1e-12) and se < 1e-5
    for i, lv in enumerate(("No", "Yes")):
        assert_est(
            mean_and_se(cal, d["api00"], d, domain=d["sch.wide"] == lv), fx["mean_api00_by_schwide"], i
        )
    assert report.max_misfit < 1e-5
    assert [m.variable for m in report.margins] == ["stype", "api99"]


def test_linear_calibration_with_model_matrix() -> None:
    """The R parametrisation (intercept + stypeH + stypeM + api99) gives the same answer."""
    fx = fixtures()["calibrate_linear"]
    des, d = dclus1()
    X = np.column_stack([np.ones(183), d["stype"] == "H", d["stype"] == "M", d["api99"]]).astype(float)
    cal, _ = linear_calibrate(des, X, fx["population"])
    assert cal.weights == pytest.approx(np.asarray(fx["weights"]), rel=1e-10)
    assert_est(mean_and_se(cal, d["api00"], d), fx["mean_api00"])


@pytest.mark.parametrize(
    ("key", "calfun", "bounds"),
    [
        ("calibrate_linear_bounded", "linear", (0.6, 1.6)),
        ("calibrate_raking", "raking", None),
        ("calibrate_logit", "logit", (0.6, 1.6)),
    ],
)
def test_newton_calibration_matches_r(key: str, calfun: Any, bounds: tuple[float, float] | None) -> None:
    fx = fixtures()[key]
    des, d = dclus1()
    cal, report = linear_calibrate(
        des, {"stype": d["stype"], "api99": d["api99"]}, LINEAR_TOTALS, bounds=bounds, calfun=calfun
    )
    assert cal.weights == pytest.approx(np.asarray(fx["weights"]), rel=1e-8)
    assert_est(mean_and_se(cal, d["api00"], d), fx["mean_api00"])
    assert_est(total_and_se(cal, d["enroll"], d), fx["total_enroll"])
    if bounds is not None:
        g = cal.weights / des.weights
        assert g.min() >= bounds[0] - 1e-9 and g.max() <= bounds[1] + 1e-9
        assert report.bounds == bounds
    assert report.converged


def test_stacked_calibrations_match_r() -> None:
    fx = fixtures()["stacked"]
    des, d = dclus1()
    ps, _ = poststratify(des, {"stype": d["stype"]}, POP_TYPES)
    both, _ = linear_calibrate(
        ps, {"one": np.ones(183), "api99": d["api99"]}, {"one": 6194, "api99": 3914069}
    )
    assert isinstance(both.calibration, CalibrationSteps)
    assert len(both.calibration.steps) == 2
    assert both.weights == pytest.approx(np.asarray(fx["weights"]), rel=1e-10)
    assert_est(mean_and_se(both, d["api00"], d), fx["mean_api00"])
    assert_est(total_and_se(both, d["enroll"], d), fx["total_enroll"])
    for i, lv in enumerate(("E", "H", "M")):
        assert_est(total_and_se(both, (d["stype"] == lv).astype(float), d), fx["total_stype"], i)


def test_calibrate_dispatch_and_errors() -> None:
    des, d = dclus1()
    cols = {"stype": d["stype"], "sch.wide": d["sch.wide"], "api99": d["api99"]}
    ps, _rep = calibrate(des, {"method": "poststratify", "margins": POP_TYPES}, cols)
    assert ps.weights.sum() == pytest.approx(6194)
    rk, _rrep = calibrate(des, {"method": "rake", "margins": {**POP_TYPES, **POP_SCHWIDE}}, cols)
    assert rk.weights == pytest.approx(np.asarray(fixtures()["rake"]["weights"]), rel=1e-12)
    lin, _ = calibrate(des, {"method": "linear", "margins": LINEAR_TOTALS}, cols)
    assert lin.weights == pytest.approx(np.asarray(fixtures()["calibrate_linear"]["weights"]), rel=1e-10)
    with pytest.raises(CalibrationError, match="not in the data"):
        calibrate(des, {"method": "rake", "margins": {"zz": {"a": 1}}}, cols)
    with pytest.raises(CalibrationError, match="method"):
        calibrate(des, {"method": "magic", "margins": POP_TYPES}, cols)
    with pytest.raises(CalibrationError, match="no population total"):
        poststratify(des, {"stype": d["stype"]}, {"stype": {"E": 1, "H": 2}})
    with pytest.raises(CalibrationError, match="no sample rows"):
        poststratify(des, {"stype": d["stype"]}, {"stype": {"E": 1, "H": 2, "M": 3, "X": 4}})
    _ok, rep2 = poststratify(
        des, {"stype": d["stype"]}, {"stype": {"E": 1, "H": 2, "M": 3, "X": 4}}, partial=True
    )
    assert rep2.ignored_cells == ("X",)
    with pytest.raises(CalibrationError, match="logit"):
        linear_calibrate(des, {"stype": d["stype"]}, POP_TYPES, calfun="logit")
    with pytest.raises(CalibrationError, match="converge"):
        linear_calibrate(des, {"stype": d["stype"], "api99": d["api99"]}, LINEAR_TOTALS, bounds=(0.99, 1.01))


def test_poststratify_cross_classification() -> None:
    des, d = dclus1()
    keys = {(s, w) for s, w in zip(d["stype"], d["sch.wide"], strict=True)}
    totals = {"stype|sch.wide": {f"{s}|{w}": 100.0 + i for i, (s, w) in enumerate(sorted(keys))}}
    ps, rep = poststratify(des, {"stype": d["stype"], "sch.wide": d["sch.wide"]}, totals)
    for i, (s, w) in enumerate(sorted(keys)):
        rows = (d["stype"] == s) & (d["sch.wide"] == w)
        assert ps.weights[rows].sum() == pytest.approx(100.0 + i)
    assert rep.variables == ("stype", "sch.wide")


@settings(max_examples=40, deadline=None)
@given(
    n=st.integers(8, 40),
    seed=st.integers(0, 10_000),
    method=st.sampled_from(["poststratify", "rake", "linear", "raking"]),
)
def test_calibrated_weights_hit_their_margins(n: int, seed: int, method: str) -> None:
    rng = np.random.default_rng(seed)
    # Every a × b cell is occupied, so raking and positive calibrations have a solution.
    a = np.array(["a", "b"])[np.concatenate([np.arange(6) % 2, rng.integers(0, 2, n - 6)])]
    b = np.array(["x", "y", "z"])[np.concatenate([np.arange(6) // 2, rng.integers(0, 3, n - 6)])]
    w = rng.uniform(1.0, 5.0, n)
    des = Design(weights=w)
    ta = {"a": {"a": float(rng.uniform(20, 80)), "b": float(rng.uniform(20, 80))}}
    tot_a = sum(ta["a"].values())
    shares = rng.dirichlet(np.ones(3))
    tb = {"b": {k: float(tot_a * s) for k, s in zip("xyz", shares, strict=True)}}
    if method == "poststratify":
        out, _ = poststratify(des, {"a": a}, ta)
        checks = [("a", a, ta["a"])]
    elif method == "rake":
        out, rep = rake(des, {"a": a, "b": b}, {**ta, **tb}, max_iter=500, epsilon=1e-9)
        assert rep.converged
        checks = [("a", a, ta["a"]), ("b", b, tb["b"])]
    else:
        calfun = "linear" if method == "linear" else "raking"
        try:
            out, _ = linear_calibrate(des, {"a": a, "b": b}, {**ta, **tb}, calfun=calfun)  # type: ignore[arg-type]
        except CalibrationError as exc:
            # Unbounded GREG may need negative weights; that is reported, never returned silently.
            assert calfun == "linear" and "negative weight" in str(exc)
            return
        checks = [("a", a, ta["a"]), ("b", b, tb["b"])]
    for _, lab, target in checks:
        for lv, t in target.items():
            assert out.weights[lab == lv].sum() == pytest.approx(t, rel=1e-6)
    # After calibration the calibration variables themselves have zero residual variance.
    if method != "rake":
        for _, lab, target in checks:
            z = out.weights * (lab == next(iter(target))).astype(float)
            assert des.calibration is None and out.calibration is not None
            r = out.calibration.residualise(z[:, None])
            assert np.abs(r).max() < 1e-6 * max(1.0, np.abs(z).max())
