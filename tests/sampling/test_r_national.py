"""The national roll-up against R (r_national/): stacked provinces, strata province × stratum, PSUs nested.

Fixtures come from tests/sampling/r_national/make_fixtures.R (survey 4.1.1): ``svydesign(ids=~psu,
strata=~prov_stratum, weights=~w, nest=TRUE)`` on four provinces' rows; the national indices from the whole
design and each province's from ``svyby(…, ~province, svytotal, covmat=TRUE)`` + ``svycontrast``, the df as
sipas defines it for an index, the logit interval by hand, and the SE of two provinces' difference from
svyby's covariance. Python builds each province's cell sums on its own (as the database gives them),
stacks them with :func:`sampling.national.stack_provinces` and estimates with the project's estimator.
These tests need no R.
"""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from sampling.cells import CellSums, aggregate_cells, estimate_indices_from_cells
from sampling.national import ProvinceCells, RankInput, national_rollup, rank_ranges
from sampling.results import IndexResult

HERE = Path(__file__).parent / "r_national"
FIXTURES: dict[str, Any] = json.loads((HERE / "fixtures.json").read_text())
RECORDS: list[dict[str, Any]] = FIXTURES["indices"]
REL = 1e-8
NAMES = ["q1", "q2", "q3", "q4"]
GROUPS = {"E1": ["q1", "q2"], "E2": ["q3", "q4"]}


def estimate(cells: CellSums) -> IndexResult:
    return estimate_indices_from_cells(cells, NAMES, GROUPS, rule="none")


@cache
def parts() -> tuple[ProvinceCells, ...]:
    d = FIXTURES["data"]
    province = np.array(d["province"])
    codes = np.column_stack([np.array([-1 if v is None else v for v in d[q]]) for q in NAMES]).astype(
        np.int64
    )
    out = []
    for code in sorted(set(province.tolist())):
        rows = province == code
        stratum = np.array(d["stratum"])[rows]
        psu = np.array([f"{s}:{p}" for s, p in zip(stratum, np.array(d["psu"])[rows], strict=True)])
        cells = aggregate_cells(
            codes[rows],
            [[0, 1], [2, 3], [0, 1, 2, 3]],
            domains={"agency": np.full(int(rows.sum()), "A")},
            psu=psu,
            strata=stratum,
            weights=np.array(d["w"])[rows],
            dont_know=(9,),
        )
        out.append(ProvinceCells(code, cells))
    return tuple(out)


@cache
def rollup() -> Any:
    return national_rollup(parts(), estimate)


def rid(rec: dict[str, Any]) -> str:
    return "/".join([rec["group"], *(f"{k}={v}" for k, v in rec["domain"].items())])


@pytest.mark.parametrize("rec", RECORDS, ids=[rid(r) for r in RECORDS])
def test_national_and_province_indices_match_r(rec: dict[str, Any]) -> None:
    r = rollup()
    result = r.national if "national" in rec["domain"] else r.provinces[rec["domain"]["province"]]
    e = result.groups.estimates[result.groups.find(rec["group"], rec["domain"])]
    if "province" in rec["domain"]:  # the province as a domain of the stacked design: the same figures
        stacked = estimate(r.stacked)
        d = stacked.groups.estimates[stacked.groups.find(rec["group"], rec["domain"])]
        np.testing.assert_allclose([d.estimate / 100, d.se / 100], [rec["estimate"], rec["se"]], rtol=REL)
        assert d.df == rec["df"]
    np.testing.assert_allclose([e.estimate / 100, e.se / 100], [rec["estimate"], rec["se"]], rtol=REL)
    assert e.df == rec["df"]
    np.testing.assert_allclose(
        [e.ci_low / 100, e.ci_high / 100], [rec["logit_low"], rec["logit_high"]], rtol=REL
    )


def test_province_in_the_stack_equals_the_province_alone() -> None:
    r = rollup()
    stacked = estimate(r.stacked).groups
    for part in parts():
        for e in estimate(part.cells).groups.estimates:
            s = stacked.estimates[stacked.find(e.variable, {"province": part.province})]
            assert s.estimate == pytest.approx(e.estimate, rel=1e-12)
            assert s.se == pytest.approx(e.se, rel=1e-10)
            assert s.df == e.df


@pytest.mark.parametrize("pair", FIXTURES["differences"], ids=lambda p: f"{p['a']}-{p['b']}")
def test_difference_se_is_the_independent_sum_the_ranking_uses(pair: dict[str, Any]) -> None:
    r = rollup()
    a, b = (
        r.provinces[p].groups.estimates[r.provinces[p].groups.find("SIPAS", {"province": p})]
        for p in (pair["a"], pair["b"])
    )
    assert (a.estimate - b.estimate) / 100 == pytest.approx(pair["estimate"], rel=REL)
    assert math.hypot(a.se, b.se) / 100 == pytest.approx(pair["se"], rel=REL)


def test_ranking_of_the_fixture_provinces() -> None:
    r = rollup()
    items = [
        RankInput.of(code, e)
        for code, result in r.provinces.items()
        for e in result.groups.estimates
        if e.variable == "SIPAS"
    ]
    ranks = {x.code: x for x in rank_ranges(items)}
    assert sorted(x.position for x in ranks.values()) == [1, 2, 3, 4]
    for x in ranks.values():
        assert x.best <= x.position <= x.worst
