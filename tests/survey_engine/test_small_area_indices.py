"""survey_engine.results.small_area: which agencies and auxiliaries enter the wave's Fay–Herriot model.

The province is simulated (tests.reports.test_scorecard_build.synthetic_province): eight agencies with
160 respondents and three with 12, whose direct indices the NCHS rule suppresses.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from reports.scorecard import render_scorecard
from reports.scorecard_data import ModelBasedFigure
from sampling.small_area import fay_herriot, treatment_dummies
from survey_engine.results.scorecards import AgencyRow
from survey_engine.results.small_area import model_based_indices
from tests.api.test_reports import pdf_text
from tests.reports.test_scorecard_build import Province, build_scorecard, find_estimate, synthetic_province


def province() -> Province:
    return synthetic_province(8, 160, 11, 3)


def rows(p: Province, levels: list[str] | None = None) -> list[AgencyRow]:
    levels = levels or ["commune" if i % 2 else "district" for i in range(len(p.codes))]
    return [AgencyRow(c, c, c, lv) for c, lv in zip(p.codes, levels, strict=True)]


def test_every_auxiliary_and_the_numbers_of_sampling_small_area() -> None:
    p = province()
    agencies = rows(p)
    models = model_based_indices(p.result, agencies, previous=p.previous, counter=p.counter)
    codes = sorted(p.codes)
    assert sorted(models) == codes
    a9 = models["A9"]
    assert a9.direct.flag == "suppress" and a9.auxiliaries == ("level", "previous_index", "counter_share")
    direct = [find_estimate(p.result.groups, "SIPAS", c) for c in codes]
    before = [find_estimate(p.previous.groups, "SIPAS", c).estimate for c in codes]
    share = [100 * (p.counter[c][3] + p.counter[c][2]) / sum(p.counter[c].values()) for c in codes]
    level = {a.code: a.level for a in agencies}
    fit = fay_herriot(
        codes,
        [e.estimate for e in direct],
        [e.se**2 for e in direct],
        {
            **treatment_dummies("level", [level[c] for c in codes]),
            "previous_index": np.array(before),
            "counter_share": np.array(share),
        },
    )
    for c in codes:
        assert models[c].eblup == pytest.approx(fit.area(c).eblup, rel=1e-12)
        assert models[c].rmse == pytest.approx(fit.area(c).rmse, rel=1e-12)
        assert models[c].ci_low == pytest.approx(
            max(0, fit.area(c).eblup - 1.959963984540054 * fit.area(c).rmse)
        )
    assert a9.agencies == 11 and 0 < a9.gamma < 1


def test_auxiliaries_missing_for_an_agency_are_left_out() -> None:
    p = province()
    counter = {c: n for c, n in p.counter.items() if c != "A3"}  # A3 had no counter ratings
    models = model_based_indices(p.result, rows(p, ["commune"] * 11), previous=p.previous, counter=counter)
    assert models["A9"].auxiliaries == ("previous_index",)  # one level only; no share for A3
    models = model_based_indices(p.result, rows(p, ["commune"] * 11))
    assert models["A9"].auxiliaries == ()


def test_too_few_agencies_give_no_model_and_zero_se_is_left_out() -> None:
    p = province()
    two = [AgencyRow(c, c, c, "commune") for c in ("A1", "A9")]
    assert model_based_indices(p.result, two) == {}
    i = p.result.groups.find("SIPAS", {"agency": "A2"})
    estimates = list(p.result.groups.estimates)
    estimates[i] = dataclasses.replace(estimates[i], se=0.0)
    result = dataclasses.replace(
        p.result, groups=dataclasses.replace(p.result.groups, estimates=tuple(estimates))
    )
    models = model_based_indices(result, rows(p))
    assert "A2" not in models and models["A9"].agencies == 10


def test_scorecard_prints_the_block_only_when_given() -> None:
    p = province()
    plain = build_scorecard(p, "A9", "en")
    model = ModelBasedFigure(71.26, 66.0, 76.5, 2.68, 0.42, 11, ("level", "previous_index"))
    with_model = dataclasses.replace(plain, model_based=model)
    text = pdf_text(render_scorecard(with_model, "en"))
    assert "Model-based estimate (small-area estimation)" in text and "71.3%" in text
    assert "66.0–76.5" in text and "RMSE 2.7 percentage points" in text
    assert "weight 42%" in text and "11 agencies" in text
    assert "using administrative level and the previous wave's SIPAS index" in text
    vi = pdf_text(render_scorecard(with_model, "vi"))
    assert (
        "Ước lượng dựa trên mô hình" in vi
        and "71,3 %" in vi
        and "cấp hành chính và chỉ số SIPAS đợt trước" in vi
    )
    assert "Model-based" not in pdf_text(render_scorecard(plain, "en"))
