"""SIPAS-like indices (means of criterion shares) and their logit intervals against R (r_indices/).

Fixtures come from tests/sampling/r_indices/make_fixtures.R (survey 4.1.1): the index and its SE from
``svycontrast`` on the joint totals of the criteria (delta method), the df as sipas defines it for an index
(the smallest ``degf`` among the criteria's valid rows in the domain, computed in R), and the logit and Wald
intervals by hand in R. Three designs: strata with clusters and a first-stage fpc, a two-stage cluster
design with both fpcs, and a post-stratified cluster design. The cell-sum path (what the API serves) is
checked against the same records. These tests need no R.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sampling import Design, estimate_indices
from sampling.calibration import poststratify
from sampling.cells import aggregate_cells, estimate_indices_from_cells, poststratify_cells
from sampling.results import Estimate, IndexResult
from tests.sampling.test_r_core import POP_TYPES, data

HERE = Path(__file__).parent / "r_indices"
FIXTURES: dict[str, Any] = json.loads((HERE / "fixtures.json").read_text())
RECORDS: list[dict[str, Any]] = FIXTURES["indices"]
REL = 1e-8
GROUPS = {"E1": ["q1", "q2"], "E2": ["q3", "q4"]}
NAMES = ["q1", "q2", "q3", "q4"]


def answers_of(dataset: str) -> np.ndarray:
    """(rows, 4) answer codes as R made them: 1–5, 9 = don't know, NaN = no answer."""
    a = FIXTURES["answers"][dataset]
    return np.column_stack([np.array([np.nan if v is None else v for v in a[q]], dtype=float) for q in NAMES])


def design_of(name: str) -> tuple[Design, dict[str, np.ndarray]]:
    if name == "stratclus":
        d = dict(data("apistrat"))
        d["npsu"] = np.array(FIXTURES["answers"]["apistrat"]["npsu"], dtype=float)
        return Design(strata=d["stype"], psu=d["dnum"], weights=d["pw"], fpc=d["npsu"], nest=True), d
    if name == "dclus2":
        d = data("apiclus2")
        return Design(psu=d["dnum"], ssu=d["snum"], fpc=d["fpc1"], fpc2=d["fpc2"]), d
    assert name == "dclus1_ps"
    d = data("apiclus1")
    base = Design(psu=d["dnum"], weights=d["pw"], fpc=d["fpc"])
    design, _ = poststratify(base, {"stype": d["stype"]}, {"stype": POP_TYPES})
    return design, d


@cache
def by_rows(name: str, domain: bool, index_ci: str) -> IndexResult:
    design, d = design_of(name)
    a = answers_of(FIXTURES_DATA[name])
    return estimate_indices(
        design,
        {q: a[:, j] for j, q in enumerate(NAMES)},
        GROUPS,
        by={"stype": d["stype"]} if domain else None,
        dont_know=(9,),
        index_ci=index_ci,  # type: ignore[arg-type]
        rule="none",
    )


FIXTURES_DATA = {"stratclus": "apistrat", "dclus2": "apiclus2", "dclus1_ps": "apiclus1"}


def rid(rec: dict[str, Any]) -> str:
    dom = rec.get("domain") or {}
    return "/".join([rec["design"], rec["group"], *(f"{k}={v}" for k, v in dom.items())])


def check(e: Estimate, rec: dict[str, Any], index_ci: str) -> None:
    np.testing.assert_allclose([e.estimate / 100, e.se / 100], [rec["estimate"], rec["se"]], rtol=REL)
    assert e.df == rec["df"]
    assert e.ci_method == f"{index_ci}-t"
    low, high = rec[f"{index_ci}_low"], rec[f"{index_ci}_high"]
    np.testing.assert_allclose([e.ci_low / 100, e.ci_high / 100], [low, high], rtol=REL)


@pytest.mark.parametrize("index_ci", ["logit", "wald"])
@pytest.mark.parametrize("rec", RECORDS, ids=[rid(r) for r in RECORDS])
def test_index_and_interval_match_r(rec: dict[str, Any], index_ci: str) -> None:
    res = by_rows(rec["design"], bool(rec.get("domain")), index_ci)
    e = res.groups.estimates[res.groups.find(rec["group"], rec.get("domain"))]
    check(e, rec, index_ci)
    if index_ci == "logit":
        assert 0 <= e.ci_low <= e.estimate <= e.ci_high <= 100


def test_fixture_has_a_wald_interval_out_of_range() -> None:
    # The case the logit interval exists for is in the fixtures (R's own Wald bound above 1).
    assert any(r["wald_high"] > 1 for r in RECORDS)
    assert all(0 < r["logit_low"] < r["logit_high"] < 1 for r in RECORDS)


DOMAIN_RECORDS = [r for r in RECORDS if r.get("domain") and r["design"] in ("stratclus", "dclus1_ps")]


@cache
def by_cells(name: str) -> IndexResult:
    _, d = design_of(name)
    a = answers_of(FIXTURES_DATA[name])
    codes = np.where(np.isnan(a), -1, a).astype(np.int64)
    index = {q: j for j, q in enumerate(NAMES)}
    groups = [[index[c] for c in GROUPS["E1"]], [index[c] for c in GROUPS["E2"]], list(range(len(NAMES)))]
    if name == "stratclus":
        cells = aggregate_cells(
            codes,
            groups,
            domains={"stype": d["stype"]},
            psu=np.array([f"{s}:{p:g}" for s, p in zip(d["stype"], d["dnum"], strict=True)]),  # nested
            strata=d["stype"],
            weights=d["pw"],
            dont_know=(9,),
            fpc=d["npsu"],
        )
    else:
        raw = aggregate_cells(
            codes,
            groups,
            domains={"stype": d["stype"]},
            psu=d["dnum"],
            weights=d["pw"],
            dont_know=(9,),
            fpc=d["fpc"],
        )
        weight_sums = aggregate_cells(
            np.ones((len(d["pw"]), 1), dtype=np.int64),
            [[0]],
            domains={"stype": d["stype"]},
            psu=d["dnum"],
            weights=d["pw"],
        ).valid[:, 0]
        stype = np.asarray(raw.domains["stype"])
        cells, _ = poststratify_cells(raw, weight_sums, {"stype": stype}, {"stype": POP_TYPES})
    return estimate_indices_from_cells(cells, NAMES, GROUPS, rule="none")


@pytest.mark.parametrize("rec", DOMAIN_RECORDS, ids=[rid(r) for r in DOMAIN_RECORDS])
def test_cell_sums_match_r(rec: dict[str, Any]) -> None:
    res = by_cells(rec["design"])
    check(res.groups.estimates[res.groups.find(rec["group"], rec["domain"])], rec, "logit")
