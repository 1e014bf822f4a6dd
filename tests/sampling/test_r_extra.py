"""The remaining features of issue #13 item 5 against fixtures from tests/sampling/r_extra/ (survey 4.1.1,
``make_fixtures.R`` there): quantile intervals ``score`` and ``beta``; ratios, quantiles and ``na.rm`` on
replicate-weight designs; non-linear contrasts by the delta method. These tests need no R."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sampling import EstimationError, estimate_means, estimate_totals
from sampling.contrasts import nonlinear_contrast
from sampling.expressions import evaluate, parse_expression
from sampling.quantiles import estimate_quantiles
from sampling.replicate_quantiles import estimate_replicate_quantiles
from sampling.replicates import ReplicateDesign, ReplicateFactors, replicate_design
from tests.sampling.test_r_core import data
from tests.sampling.test_r_more import dclus1, nan_if_none, quantile_design

HERE = Path(__file__).parent / "r_extra"
RECORDS: list[dict[str, Any]] = json.loads((HERE / "fixtures.json").read_text())["records"]
REL, QREL = 1e-8, 1e-6


def of(case: str) -> list[dict[str, Any]]:
    return [r for r in RECORDS if r["case"] == case]


def rid(r: dict[str, Any]) -> str:
    keys = ("design", "statistic", "variable", "interval", "qrule", "p", "expression")
    parts = [str(r[k]) for k in keys if r.get(k) is not None]
    return "/".join([*parts, *(f"{k}={v}" for k, v in (r.get("domain") or {}).items())])


# --- quantile intervals "score" and "beta" ----------------------------------------------------------------

QI = of("quantile_interval")


@pytest.mark.parametrize("rec", QI, ids=[rid(r) for r in QI])
def test_quantile_intervals_match_r(rec: dict[str, Any]) -> None:
    design, d = quantile_design(rec["design"])
    var, dom = rec["variable"], rec.get("domain")
    by = None if dom is None else {"stype": d["stype"]}
    res = estimate_quantiles(
        design, {var: d[var]}, [rec["p"]], by=by, qrule=rec["qrule"], interval=rec["interval"]
    )
    e = res.estimates[res.find(f"{var}@{rec['p']:g}", dom)]
    assert e.df == rec["df"]
    assert e.ci_method == {"score": "score", "beta": "woodruff-beta"}[rec["interval"]]
    got = [e.estimate, e.ci_low, e.ci_high, e.se]
    want = nan_if_none([rec["estimate"], rec["ci_low"], rec["ci_high"], rec["se"]])
    np.testing.assert_allclose(got, want, rtol=QREL)


def test_quantile_interval_cases_cover_both_rules_and_domains() -> None:
    assert {(r["interval"], r["qrule"]) for r in QI} == {
        (i, q) for i in ("score", "beta") for q in ("math", "hf7")
    }
    assert any(r.get("domain") for r in QI) and len(QI) >= 80


def test_unknown_quantile_interval_is_refused() -> None:
    design, d = quantile_design("dclus1")
    with pytest.raises(EstimationError, match="unknown quantile interval 'xlogit'"):
        estimate_quantiles(design, {"api00": d["api00"]}, interval="xlogit")  # type: ignore[arg-type]


# --- replicate-weight designs ---------------------------------------------------------------------------


def rep_design(name: str) -> tuple[ReplicateDesign, dict[str, np.ndarray]]:
    if name == "dclus1_jk1":
        design, d = dclus1(False)
        rep = replicate_design(design, "JK1")
    elif name == "dstrat_jkn":
        design, d = quantile_design("dstrat")
        rep = replicate_design(design, "JKn")
    else:  # R's bootstrap replicate weights, exported with the fixture (R's random numbers)
        (boot,) = of("bootstrap_weights")
        d = data("apiclus1")
        factors = ReplicateFactors(
            np.array(boot["factors"], dtype=float), boot["scale"], np.array(boot["rscales"]), "bootstrap"
        )
        rep = ReplicateDesign.from_factors(d["pw"], factors)
    d = dict(d)
    d["api00_na"] = np.where(d["snum"] % 7 == 0, np.nan, d["api00"]).astype(float)
    return rep, d


def rows_of(rec: dict[str, Any], d: dict[str, np.ndarray]) -> np.ndarray | None:
    dom = rec.get("domain")
    return None if dom is None else d["stype"] == dom["stype"]


REP = of("rep_ratio") + of("rep_mean_na") + of("rep_total_na") + of("rep_ratio_na")


@pytest.mark.parametrize("rec", REP, ids=[f"{r['case']}/{rid(r)}" for r in REP])
def test_replicate_ratios_and_na_rm_match_r(rec: dict[str, Any]) -> None:
    rep, d = rep_design(rec["design"])
    rows = rows_of(rec, d)
    if rows is not None:  # R's subset() of a replicate design drops the other rows
        rep, d = rep.subset(rows), {k: v[rows] for k, v in d.items()}
    case = rec["case"]
    if case == "rep_ratio":
        e = rep.ratio(d["api00"], d["api99"])
        assert rep.df == rec["df"]
    elif case == "rep_ratio_na":
        e = rep.ratio(d["api00_na"], d["api99"], na_rm=True)
    elif case == "rep_mean_na":
        e = rep.mean(d["api00_na"], na_rm=True)
    else:
        e = rep.total(d["api00_na"], na_rm=True)
    np.testing.assert_allclose([e.estimate[0, 0], e.se[0, 0]], [rec["estimate"], rec["se"]], rtol=REL)


def test_replicate_domains_equal_subsets() -> None:
    """A domain of one pass equals the subset R computes (ratios and na.rm means)."""
    rep, d = rep_design("dclus1_jk1")
    by = rep.ratio(d["api00_na"], d["api99"], d["stype"], na_rm=True)
    for g, level in enumerate(by.domains):
        (rec,) = [
            r
            for r in of("rep_ratio_na")
            if r["design"] == "dclus1_jk1" and r.get("domain") == {"stype": level}
        ]
        np.testing.assert_allclose([by.estimate[g, 0], by.se[g, 0]], [rec["estimate"], rec["se"]], rtol=REL)


def test_missing_values_need_na_rm() -> None:
    rep, d = rep_design("dclus1_jk1")
    with pytest.raises(Exception, match="na_rm=True"):
        rep.mean(d["api00_na"])
    with pytest.raises(EstimationError, match="missing values"):
        estimate_replicate_quantiles(rep, {"x": d["api00_na"]})


RQ = of("rep_quantile")


@pytest.mark.parametrize("rec", RQ, ids=[rid(r) for r in RQ])
def test_replicate_quantiles_match_r(rec: dict[str, Any]) -> None:
    rep, d = rep_design(rec["design"])
    dom = rec.get("domain")
    got = estimate_replicate_quantiles(
        rep,
        {"api00": d["api00"]},
        rec["probs"],
        domain=None if dom is None else d["stype"],
        qrule=rec["qrule"],
        interval=rec["interval"],
    )
    got = [e for e in got if e.domain == ({} if dom is None else {"domain": dom["stype"]})]
    assert [e.variable for e in got] == [f"api00@{p:g}" for p in rec["probs"]]
    assert {e.df for e in got} == {rec["df"]}
    for field in ("estimate", "ci_low", "ci_high", "se"):
        np.testing.assert_allclose([getattr(e, field) for e in got], nan_if_none(rec[field]), rtol=QREL)


RQNA = of("rep_quantile_na")


@pytest.mark.parametrize("rec", RQNA, ids=[rid(r) for r in RQNA])
def test_replicate_quantiles_with_na_rm_match_r(rec: dict[str, Any]) -> None:
    rep, d = rep_design(rec["design"])
    dom = rec.get("domain")
    got = estimate_replicate_quantiles(
        rep, {"x": d["api00_na"]}, rec["probs"], domain=None if dom is None else d["stype"], na_rm=True
    )
    got = [e for e in got if e.domain == ({} if dom is None else {"domain": dom["stype"]})]
    for field in ("estimate", "ci_low", "ci_high", "se"):
        np.testing.assert_allclose([getattr(e, field) for e in got], nan_if_none(rec[field]), rtol=QREL)


# --- non-linear contrasts ----------------------------------------------------------------------------------

NL = of("nonlinear")


@pytest.mark.parametrize("rec", NL, ids=[rid(r) for r in NL])
def test_nonlinear_contrasts_match_r(rec: dict[str, Any]) -> None:
    design, d = quantile_design(rec["design"])
    estimator = estimate_means if rec["statistic"] == "mean" else estimate_totals
    res = estimator(design, {"api00": d["api00"], "api99": d["api99"]})
    c = nonlinear_contrast(res, rec["expression"], {"api00": 0, "api99": 1})
    np.testing.assert_allclose([c.estimate.estimate, c.estimate.se], [rec["estimate"], rec["se"]], rtol=REL)
    assert c.estimate.ci_low < c.estimate.estimate < c.estimate.ci_high


def test_nonlinear_contrasts_in_and_across_domains_match_r() -> None:
    design, d = dclus1(False)
    res = estimate_means(design, {"api00": d["api00"], "api99": d["api99"]}, by={"stype": d["stype"]})
    for rec in of("nonlinear_domain"):
        dom = rec["domain"]
        names = {v: res.find(v, dom) for v in ("api00", "api99")}
        c = nonlinear_contrast(res, rec["expression"], names)
        assert c.estimate.domain == dom
        np.testing.assert_allclose(
            [c.estimate.estimate, c.estimate.se], [rec["estimate"], rec["se"]], rtol=REL
        )
    (rec,) = of("nonlinear_across")
    names = {"E": res.find("api00", {"stype": "E"}), "H": res.find("api00", {"stype": "H"})}
    c = nonlinear_contrast(res, "log(E/H)", names)  # domains share PSUs: their covariance counts
    np.testing.assert_allclose([c.estimate.estimate, c.estimate.se], [rec["estimate"], rec["se"]], rtol=REL)


def test_a_linear_expression_equals_the_linear_contrast() -> None:
    design, d = dclus1(False)
    res = estimate_means(design, {"api00": d["api00"], "api99": d["api99"]})
    from sampling.contrasts import linear_combination

    lin = linear_combination(res, [2.0, -1.0])
    nl = nonlinear_contrast(res, "2*a - b", {"a": 0, "b": 1})
    assert nl.estimate.estimate == pytest.approx(lin.estimate.estimate, rel=1e-14)
    assert nl.estimate.se == pytest.approx(lin.estimate.se, rel=1e-12)
    assert nl.coefficients == pytest.approx((2.0, -1.0))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("__import__('os').system('true')", "only the functions"),
        ("a.b", "not allowed in an expression: Attribute"),
        ("a[0]", "not allowed in an expression: Subscript"),
        ("lambda: 1", "not allowed in an expression: Lambda"),
        ("a if b else c", "not allowed"),
        ("a // b", "only \\+ - \\* / \\*\\*"),
        ("a % b", "only \\+ - \\* / \\*\\*"),
        ("log(a, 2)", "takes exactly one argument"),
        ("'a'", "only numbers"),
        ("True + a", "only numbers"),
        ("log", "is a function"),
        ("a +", "not valid"),
        ("", "empty"),
        ("2 + 3", "uses no estimate"),
        ("a" + "+a" * 300, "longer than"),
    ],
)
def test_the_expression_language_refuses_everything_else(text: str, message: str) -> None:
    with pytest.raises(EstimationError, match=message):
        parse_expression(text)


def test_expression_values_and_gradients() -> None:
    e = parse_expression("log(a/b) + exp(c) - sqrt(a*b) + a^2 + -b")
    a, b, c = 2.0, 3.0, 0.5
    value, grad = evaluate(e, {"a": a, "b": b, "c": c})
    assert value == pytest.approx(math.log(a / b) + math.exp(c) - math.sqrt(a * b) + a**2 - b)
    want = [1 / a - b / (2 * math.sqrt(a * b)) + 2 * a, -1 / b - a / (2 * math.sqrt(a * b)) - 1, math.exp(c)]
    assert grad == pytest.approx(want, rel=1e-14)
    with pytest.raises(EstimationError, match="not positive"):
        evaluate(parse_expression("log(a - b)"), {"a": 1.0, "b": 2.0})
    with pytest.raises(EstimationError, match="unknown name"):
        evaluate(e, {"a": 1.0})
    with pytest.raises(EstimationError, match="divides by zero"):
        evaluate(parse_expression("a / (b - b)"), {"a": 1.0, "b": 2.0})
