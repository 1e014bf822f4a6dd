"""Replicate weights and replicate variance against R's survey package (tests/sampling/r_weighting)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sampling.replicates import (
    ReplicateDesign,
    ReplicateError,
    bootstrap_factors,
    jk1_factors,
    jkn_factors,
    replicate_variance,
    rescaled_bootstrap_factors,
)
from tests.sampling.r_weighting import column, fixtures

REL = 1e-8


def check(est: Any, expected: dict[str, Any]) -> None:
    exp_est = np.atleast_1d(np.asarray(expected["estimate"], dtype=float))
    exp_se = np.atleast_1d(np.asarray(expected["se"], dtype=float))
    assert np.asarray(est.estimate).reshape(-1) == pytest.approx(exp_est, rel=REL)
    assert np.asarray(est.se).reshape(-1) == pytest.approx(exp_se, rel=REL)


def clus1() -> dict[str, Any]:
    return {v: column("apiclus1", v) for v in ("dnum", "pw", "fpc", "api00", "enroll", "stype")}


def strat() -> dict[str, Any]:
    return {v: column("apistrat", v) for v in ("stype", "pw", "fpc", "api00", "enroll", "sch.wide")}


def test_jk1_factors_match_r() -> None:
    fx = fixtures()["jk1"]
    d = clus1()
    f = jk1_factors(d["dnum"], fpc=d["fpc"])
    assert f.factors == pytest.approx(np.asarray(fx["repweights"]), rel=1e-12)
    assert f.scale == pytest.approx(fx["scale"], rel=1e-12)
    assert f.rscales == pytest.approx(fx["rscales"])
    assert jk1_factors(d["dnum"]).scale == pytest.approx(fx["nofpc_scale"], rel=1e-12)


def test_jk1_estimates_match_r() -> None:
    fx = fixtures()["jk1"]
    d = clus1()
    rd = ReplicateDesign.from_factors(d["pw"], jk1_factors(d["dnum"], fpc=d["fpc"]))
    check(rd.mean(d["api00"]), fx["mean_api00"])
    check(rd.total(d["enroll"]), fx["total_enroll"])
    by = rd.mean(d["api00"], domain=d["stype"])
    assert by.domains == fx["mean_api00_by_stype"]["names"]
    check(by, fx["mean_api00_by_stype"])
    assert rd.df == 14
    mse = ReplicateDesign.from_factors(d["pw"], jk1_factors(d["dnum"], fpc=d["fpc"]), mse=True)
    check(mse.mean(d["api00"]), fx["mean_api00_mse"])
    check(mse.total(d["enroll"]), fx["total_enroll_mse"])
    nofpc = ReplicateDesign.from_factors(d["pw"], jk1_factors(d["dnum"]))
    check(nofpc.mean(d["api00"]), fx["nofpc_mean_api00"])


def test_jkn_matches_r() -> None:
    fx = fixtures()["jkn"]
    d = strat()
    f = jkn_factors(d["stype"], np.arange(d["pw"].size), fpc=d["fpc"])
    assert f.factors == pytest.approx(np.asarray(fx["repweights"]), rel=1e-12)
    assert f.rscales == pytest.approx(np.asarray(fx["rscales"]), rel=1e-12)
    assert f.scale == fx["scale"]
    rd = ReplicateDesign.from_factors(d["pw"], f)
    check(rd.mean(d["api00"]), fx["mean_api00"])
    check(rd.total(d["enroll"]), fx["total_enroll"])
    check(rd.mean(d["api00"], domain=d["sch.wide"]), fx["mean_api00_by_schwide"])
    check(ReplicateDesign.from_factors(d["pw"], f, mse=True).mean(d["api00"]), fx["mean_api00_mse"])
    # The stratified jackknife reproduces the linearisation SE of a stratified mean exactly.
    assert rd.mean(d["api00"]).se[0, 0] == pytest.approx(9.40894080278461, rel=1e-10)


def test_bootstrap_variance_formula_with_r_weights() -> None:
    """R's bootstrap is random: use R's exported replicate factors and compare the variance formula."""
    fx = fixtures()["bootstrap"]
    d = clus1()
    factors = np.asarray(fx["repweights"])
    rd = ReplicateDesign(d["pw"], d["pw"][:, None] * factors, fx["scale"], fx["rscales"], kind="bootstrap")
    check(rd.mean(d["api00"]), fx["mean_api00"])
    check(rd.total(d["enroll"]), fx["total_enroll"])
    check(rd.mean(d["api00"], domain=d["stype"]), fx["mean_api00_by_stype"])
    # R's scale: n̄/((n̄ − 1)(R − 1)) with 15 PSUs and 50 replicates.
    assert fx["scale"] == pytest.approx(15 / (14 * 49), rel=1e-12)
    s = strat()
    sf = np.asarray(fx["strat_repweights"])
    rs = ReplicateDesign(s["pw"], s["pw"][:, None] * sf, fx["strat_scale"], np.ones(sf.shape[1]))
    check(rs.mean(s["api00"]), fx["strat_mean_api00"])


def test_bootstrap_generator_structure() -> None:
    d = clus1()
    f = bootstrap_factors(None, d["dnum"], replicates=50, rng=7)
    assert f.factors.shape == (183, 50)
    assert f.scale == pytest.approx(15 / (14 * 49))
    # Factors are PSU multiplicities: constant within a PSU, summing to n = 15 over PSUs.
    _, first = np.unique(d["dnum"], return_index=True)
    assert np.all(f.factors[first].sum(axis=0) == 15)
    for psu in np.unique(d["dnum"]):
        rows = f.factors[d["dnum"] == psu]
        assert np.all(rows == rows[0])
    again = bootstrap_factors(None, d["dnum"], replicates=50, rng=7)
    assert np.array_equal(f.factors, again.factors)
    # With an fpc (N = 757 PSUs) sampling is without replacement from the pseudo-population.
    g = bootstrap_factors(None, d["dnum"], replicates=20, rng=1, fpc=d["fpc"])
    assert np.all(g.factors[first].sum(axis=0) == 15)


def test_bootstrap_variance_close_to_linearisation() -> None:
    """With many replicates the Canty–Davison bootstrap SE is close to the linearisation SE."""
    s = strat()
    f = bootstrap_factors(s["stype"], np.arange(200), replicates=2000, rng=11)
    rd = ReplicateDesign.from_factors(s["pw"], f)
    # Without FPC the with-replacement linearisation SE of the stratified mean is about 9.58.
    se = rd.mean(s["api00"]).se[0, 0]
    assert 8.9 < se < 10.2


def test_rescaled_bootstrap_structure() -> None:
    s = strat()
    f = rescaled_bootstrap_factors(s["stype"], np.arange(200), replicates=30, rng=3)
    assert f.scale == pytest.approx(1 / 29)
    assert f.kind == "subbootstrap"
    for h in ("E", "H", "M"):
        in_h = s["stype"] == h
        n_h = in_h.sum()
        # Each replicate resamples n_h − 1 units and rescales by n_h/(n_h − 1): the factors sum to n_h.
        assert f.factors[in_h].sum(axis=0) == pytest.approx(np.full(30, n_h))


def test_replicate_variance_formula() -> None:
    th = np.array([1.0, 2.0, 4.0])
    assert replicate_variance(th, 2.0, 0.5, [1, 1, 1]) == pytest.approx(0.5 * (16 / 9 + 1 / 9 + 25 / 9))
    assert replicate_variance(th, 2.0, 0.5, [1, 1, 1], mse=True) == pytest.approx(0.5 * (1 + 0 + 4))
    # Replicates with rscale 0 are left out of θ̄ (R's svrVar).
    assert replicate_variance(th, 0.0, 1.0, [1, 1, 0]) == pytest.approx(0.5)


def test_jkn_lonely_psu() -> None:
    strata = np.array(["a", "a", "b", "c", "c"])
    with pytest.raises(ReplicateError, match="only one PSU"):
        jkn_factors(strata, np.arange(5))
    rem = jkn_factors(strata, np.arange(5), lonely_psu="remove")
    assert rem.factors.shape == (5, 4)
    avg = jkn_factors(strata, np.arange(5), lonely_psu="average")
    assert avg.scale == pytest.approx(5 / 4)
    adj = jkn_factors(strata, np.arange(5), lonely_psu="adjust")
    assert adj.factors[:, 2].tolist() == [1.5, 1.5, 0.0, 1.5, 1.5]
    assert adj.rscales[2] == pytest.approx(2 / 3)


def test_errors() -> None:
    with pytest.raises(ReplicateError):
        jk1_factors([1, 1, 1])
    with pytest.raises(ReplicateError, match="smaller"):
        jk1_factors([1, 2, 3], fpc=2)
    rd = ReplicateDesign.from_factors([1.0, 1.0, 1.0], jk1_factors([1, 2, 3]))
    with pytest.raises(ReplicateError, match="0/1"):
        rd.proportion([0, 2, 1])
    with pytest.raises(ReplicateError, match="finite"):
        rd.mean([0, np.nan, 1])


@settings(max_examples=60, deadline=None)
@given(
    y=st.lists(st.floats(-100, 100), min_size=4, max_size=30),
    data=st.data(),
)
def test_jk1_mean_equals_textbook(y: list[float], data: st.DataObject) -> None:
    """For an SRS of rows with equal weights, the JK1 variance of a mean is s²/n."""
    arr = np.array(y)
    rd = ReplicateDesign.from_factors(np.full(arr.size, 3.0), jk1_factors(np.arange(arr.size)))
    v = rd.mean(arr).variance[0, 0]
    assert v == pytest.approx(arr.var(ddof=1) / arr.size, rel=1e-9, abs=1e-9)
    groups = data.draw(st.lists(st.sampled_from("xy"), min_size=arr.size, max_size=arr.size))
    g = np.array(groups)
    if len(set(groups)) == 2:
        by = rd.total(arr, domain=g)
        assert by.estimate.sum() == pytest.approx(rd.total(arr).estimate[0, 0], abs=1e-6)


def test_replicate_design_from_core_design_matches_r() -> None:
    from sampling.design import Design
    from sampling.replicates import replicate_design

    fx = fixtures()
    d = clus1()
    clus = Design(weights=d["pw"], psu=d["dnum"], fpc=d["fpc"])
    jk1 = replicate_design(clus)
    assert jk1.kind == "JK1"
    assert jk1.scale == pytest.approx(fx["jk1"]["scale"], rel=1e-12)
    check(jk1.mean(d["api00"]), fx["jk1"]["mean_api00"])
    s = strat()
    st_design = Design(weights=s["pw"], strata=s["stype"], fpc=s["fpc"])
    jkn = replicate_design(st_design)
    assert jkn.rscales == pytest.approx(np.asarray(fx["jkn"]["rscales"]), rel=1e-12)
    check(jkn.mean(s["api00"]), fx["jkn"]["mean_api00"])
    check(jkn.total(s["enroll"]), fx["jkn"]["total_enroll"])
    boot = replicate_design(st_design, "bootstrap", replicates=20, rng=5)
    assert boot.n_replicates == 20 and boot.kind == "bootstrap"
    with pytest.raises(ReplicateError, match="JK1"):
        replicate_design(st_design, "JK1")
    with pytest.raises(ReplicateError, match="JKn"):
        replicate_design(clus, "JKn")
