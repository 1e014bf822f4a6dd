"""Index rules other than the top-box share (mean score 0-100, total score, weighted mean of elements)
against R (r_index_rules/).

Fixtures come from tests/sampling/r_index_rules/make_fixtures.R (survey 4.1.1): each criterion from
``svyratio`` of its values over its valid answers, each group from ``svycontrast`` of the joint
``svytotal`` (delta method), the df as sipas defines it (smallest ``degf`` among the criteria's valid rows
in the domain) and the logit interval on the rule's range by hand in R. The designs and answers are those
of r_indices (strata with clusters and a first-stage fpc, two stages with both fpcs, post-stratified
clusters). The cell-sum path (what the API serves) is checked against the same records. No R needed.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sampling.cells import aggregate_cells, poststratify_cells
from sampling.index_rules import ScoringRule, estimate_rule, estimate_rule_from_cells, rescale_cells
from sampling.results import IndexResult
from tests.sampling.test_r_core import POP_TYPES
from tests.sampling.test_r_indices import FIXTURES_DATA, NAMES, answers_of, design_of

HERE = Path(__file__).parent / "r_index_rules"
FIXTURES: dict[str, Any] = json.loads((HERE / "fixtures.json").read_text())
RECORDS: list[dict[str, Any]] = FIXTURES["records"]
REL = 1e-8
HALF = {"E1": ["q1", "q2"], "E2": ["q3", "q4"]}


def _rule(name: str) -> ScoringRule:
    if name == "mean_score":
        coefficients = {g: dict.fromkeys(m, 0.5) for g, m in HALF.items()} | {
            "OVERALL": dict.fromkeys(NAMES, 0.25)
        }
        return ScoringRule(name, "mean score 0-100", 100.0, dict.fromkeys(NAMES, (0.0, 100.0)), coefficients)
    if name == "score_sum":
        coefficients = {g: dict.fromkeys(m, 1.0) for g, m in HALF.items()} | {
            "OVERALL": dict.fromkeys(NAMES, 1.0)
        }
        return ScoringRule(name, "total score 0-8", 1.0, dict.fromkeys(NAMES, (0.0, 2.0)), coefficients)
    overall = {"q1": 0.4 * 12.5, "q2": 0.4 * 12.5, "q3": 0.6 * 12.5, "q4": 0.6 * 12.5}
    coefficients = {g: dict.fromkeys(m, 12.5) for g, m in HALF.items()} | {"OVERALL": overall}
    return ScoringRule(name, "weighted", 1.0, dict.fromkeys(NAMES, (1.0, 4.0)), coefficients)


def _values(rule: str, a: np.ndarray) -> np.ndarray:
    """The rule's value per answer (NaN where not valid), as the R script derives it."""
    valid = np.isin(a, [1, 2, 3, 4, 5])
    q = np.where(valid, a, 1.0)
    if rule == "mean_score":
        v = (q - 1) / 4
    elif rule == "score_sum":
        v = np.where(q <= 2, 0.0, np.where(q == 3, 1.0, 2.0))
    else:
        v = np.minimum(q, 4.0)
    return np.where(valid, v, np.nan)


@cache
def by_rows(rule: str, design_name: str, domain: bool, index_ci: str) -> IndexResult:
    design, d = design_of(design_name)
    values = _values(rule, answers_of(FIXTURES_DATA[design_name]))
    return estimate_rule(
        design,
        {q: values[:, j] for j, q in enumerate(NAMES)},
        _rule(rule),
        by={"stype": d["stype"]} if domain else None,
        index_ci=index_ci,  # type: ignore[arg-type]
        publication="none",
    )


def rid(rec: dict[str, Any]) -> str:
    dom = rec.get("domain") or {}
    return "/".join(
        [rec["rule"], rec["design"], rec["level"], rec["name"], *(f"{k}={v}" for k, v in dom.items())]
    )


def _find(res: IndexResult, rec: dict[str, Any]) -> Any:
    s = res.criteria if rec["level"] == "criterion" else res.groups
    return s.estimates[s.find(rec["name"], rec.get("domain"))]


def check(e: Any, rec: dict[str, Any], index_ci: str) -> None:
    # atol: an SE that is 0 in R (every answer at the top) is rounding noise (~1e-15) after calibration
    np.testing.assert_allclose([e.estimate, e.se], [rec["estimate"], rec["se"]], rtol=REL, atol=1e-12)
    assert e.df == rec["df"] and e.ci_method == f"{index_ci}-t"
    np.testing.assert_allclose(
        [e.ci_low, e.ci_high], [rec[f"{index_ci}_low"], rec[f"{index_ci}_high"]], rtol=REL
    )


@pytest.mark.parametrize("index_ci", ["logit", "wald"])
@pytest.mark.parametrize("rec", RECORDS, ids=[rid(r) for r in RECORDS])
def test_rule_estimates_and_intervals_match_r(rec: dict[str, Any], index_ci: str) -> None:
    e = _find(by_rows(rec["rule"], rec["design"], bool(rec.get("domain")), index_ci), rec)
    check(e, rec, index_ci)
    if index_ci == "logit" and rec["level"] == "group":
        assert rec["low"] <= e.ci_low <= e.estimate <= e.ci_high <= rec["high"]


def test_every_rule_and_design_is_in_the_fixtures() -> None:
    assert {(r["rule"], r["design"], r["level"]) for r in RECORDS} == {
        (rule, design, level)
        for rule in ("mean_score", "score_sum", "weighted_mean")
        for design in ("stratclus", "dclus2", "dclus1_ps")
        for level in ("criterion", "group")
    }


DOMAIN_RECORDS = [r for r in RECORDS if r.get("domain") and r["design"] in ("stratclus", "dclus1_ps")]


@cache
def by_cells(rule: str, name: str) -> IndexResult:
    _, d = design_of(name)
    a = answers_of(FIXTURES_DATA[name])
    codes = np.where(np.isnan(a), -1, a).astype(np.int64)
    raw_values = a if rule == "mean_score" else _values(rule, a)  # mean_score: raw points, rescaled below
    values = np.where(np.isin(a, [1, 2, 3, 4, 5]), raw_values, 0.0)
    groups = [[0, 1], [2, 3], [0, 1, 2, 3]]
    common: dict[str, Any] = {"domains": {"stype": d["stype"]}, "weights": d["pw"], "dont_know": (9,)}
    if name == "stratclus":
        psu = np.array([f"{s}:{p:g}" for s, p in zip(d["stype"], d["dnum"], strict=True)])
        cells = aggregate_cells(
            codes, groups, psu=psu, strata=d["stype"], fpc=d["npsu"], values=values, **common
        )
    else:
        raw = aggregate_cells(codes, groups, psu=d["dnum"], fpc=d["fpc"], values=values, **common)
        weight_sums = aggregate_cells(
            np.ones((len(d["pw"]), 1), dtype=np.int64),
            [[0]],
            domains={"stype": d["stype"]},
            psu=d["dnum"],
            weights=d["pw"],
        ).valid[:, 0]
        stype = np.asarray(raw.domains["stype"])
        cells, _ = poststratify_cells(raw, weight_sums, {"stype": stype}, {"stype": POP_TYPES})
    if rule == "mean_score":
        cells = rescale_cells(cells, [1.0] * 4, [5.0] * 4)
    return estimate_rule_from_cells(cells, NAMES, _rule(rule), publication="none")


@pytest.mark.parametrize("rec", DOMAIN_RECORDS, ids=[rid(r) for r in DOMAIN_RECORDS])
def test_cell_sums_match_r(rec: dict[str, Any]) -> None:
    check(_find(by_cells(rec["rule"], rec["design"]), rec), rec, "logit")
