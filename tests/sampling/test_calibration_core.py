"""Calibrated designs through the core estimators (sampling.estimators) reproduce R's estimates and SEs."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from sampling.calibration import linear_calibrate, poststratify, rake
from sampling.estimators import estimate_means, estimate_totals
from tests.sampling.r_weighting import fixtures
from tests.sampling.test_calibration import LINEAR_TOTALS, POP_SCHWIDE, POP_TYPES, dclus1

REL = 1e-8


def check(est: Any, expected: dict[str, Any], i: int = 0) -> None:
    assert est.estimate == pytest.approx(np.atleast_1d(expected["estimate"])[i], rel=REL)
    assert est.se == pytest.approx(np.atleast_1d(expected["se"])[i], rel=REL, abs=1e-6)


def test_poststratified_through_core() -> None:
    fx = fixtures()["poststratify"]
    des, d = dclus1()
    ps, _ = poststratify(des, {"stype": d["stype"]}, POP_TYPES)
    check(estimate_means(ps, {"api00": d["api00"]})[0], fx["mean_api00"])
    check(estimate_totals(ps, {"enroll": d["enroll"]})[0], fx["total_enroll"])
    by = estimate_means(ps, {"api00": d["api00"]}, by={"sch.wide": d["sch.wide"]})
    for i, lv in enumerate(("No", "Yes")):
        check(by[by.find("api00", {"sch.wide": lv})], fx["mean_api00_by_schwide"], i)


def test_raked_through_core() -> None:
    fx = fixtures()["rake"]
    des, d = dclus1()
    rk, _ = rake(des, {"stype": d["stype"], "sch.wide": d["sch.wide"]}, {**POP_TYPES, **POP_SCHWIDE})
    check(estimate_means(rk, {"api00": d["api00"]})[0], fx["mean_api00"])
    check(estimate_totals(rk, {"enroll": d["enroll"]})[0], fx["total_enroll"])
    by = estimate_means(rk, {"api00": d["api00"]}, by={"stype": d["stype"]})
    for i, lv in enumerate(("E", "H", "M")):
        check(by[by.find("api00", {"stype": lv})], fx["mean_api00_by_stype"], i)


def test_calibrated_through_core() -> None:
    fx = fixtures()
    des, d = dclus1()
    cal, _ = linear_calibrate(des, {"stype": d["stype"], "api99": d["api99"]}, LINEAR_TOTALS)
    check(estimate_means(cal, {"api00": d["api00"]})[0], fx["calibrate_linear"]["mean_api00"])
    check(estimate_totals(cal, {"enroll": d["enroll"]})[0], fx["calibrate_linear"]["total_enroll"])
    ps, _ = poststratify(des, {"stype": d["stype"]}, POP_TYPES)
    both, _ = linear_calibrate(
        ps, {"one": np.ones(183), "api99": d["api99"]}, {"one": 6194, "api99": 3914069}
    )
    check(estimate_means(both, {"api00": d["api00"]})[0], fx["stacked"]["mean_api00"])
    lg, _ = linear_calibrate(
        des, {"stype": d["stype"], "api99": d["api99"]}, LINEAR_TOTALS, calfun="logit", bounds=(0.6, 1.6)
    )
    check(estimate_means(lg, {"api00": d["api00"]})[0], fx["calibrate_logit"]["mean_api00"])
