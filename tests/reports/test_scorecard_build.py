"""reports.build: sampling results → ScorecardData; also the synthetic province used by scorecard tests.

``synthetic_province`` simulates answers to the 39 criteria of sipas-2023 (labels from the template),
perception and expectation items and counter ratings for a province of agencies, and runs the real
estimators (``sampling.estimate_indices``, ``sampling.contrasts``) on them.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from reports.build import (
    agency_indices,
    counter_panel,
    example_wave,
    figure_from_estimate,
    independent_difference,
    method_note,
    peer_comparison,
    perception_item,
    scorecard_data,
    top_expectations,
    trend_from,
)
from reports.scorecard_data import AgencyInfo, ScorecardData
from sampling import Design, estimate_indices
from sampling.estimators import estimate_means
from sampling.results import Estimate, EstimateSet, IndexResult

TEMPLATE = Path(__file__).parents[2] / "survey_engine/questionnaire/templates/sipas-2023.json"


@cache
def sipas_2023() -> dict:
    return json.loads(TEMPLATE.read_text(encoding="utf-8"))


def labels() -> tuple[dict[str, tuple[str, str]], dict[str, tuple[str, str]], dict[str, str]]:
    d = sipas_2023()
    criteria = {i["code"]: (i["labels"]["vi"], i["labels"]["en"]) for i in d["items"] if i.get("element")}
    element_of = {i["code"]: i["element"] for i in d["items"] if i.get("element")}
    elements = {g["code"]: (g["labels"]["vi"], g["labels"]["en"]) for g in d["index"]["groups"]}
    return criteria, elements, element_of


@dataclass
class Province:
    codes: list[str]
    names: dict[str, tuple[str, str]]
    result: IndexResult
    previous: IndexResult
    perception: EstimateSet
    expectations: EstimateSet
    counter: dict[str, dict[int, int]]


AGENCY_NAMES = [
    ("Sở Tư pháp", "Department of Justice"),
    ("Sở Y tế", "Department of Health"),
    ("Sở Xây dựng", "Department of Construction"),
    ("Sở Nông nghiệp và Môi trường", "Department of Agriculture and Environment"),
    ("Sở Giáo dục và Đào tạo", "Department of Education and Training"),
]


def _answers(rng: np.random.Generator, n: int, quality: np.ndarray) -> np.ndarray:
    """5-point answers with a per-row quality shift; some don't know (0)."""
    latent = rng.normal(3.9 + quality, 0.9)
    a = np.clip(np.rint(latent), 1, 5)
    a[rng.random(n) < 0.04] = 0
    return a


@cache
def synthetic_province(
    n_agencies: int = 5, per_agency: int = 160, seed: int = 11, small: int = 0
) -> Province:
    """``small`` extra agencies with only 12 respondents (their estimates are suppressed)."""
    rng = np.random.default_rng(seed)
    codes = [f"A{i + 1}" for i in range(n_agencies + small)]
    sizes = [per_agency] * n_agencies + [12] * small
    agency = np.repeat(codes, sizes)
    n = agency.size
    effect = {c: rng.normal(0, 0.35) for c in codes}
    quality = np.array([effect[a] for a in agency])
    w = rng.uniform(0.5, 2.0, n)
    design = Design(weights=w, weight_name="w")
    criteria, elements, element_of = labels()
    answers = {c: _answers(rng, n, quality) for c in criteria}
    groups = {g: [c for c in criteria if element_of[c] == g] for g in elements}
    by = {"agency": agency}
    result = estimate_indices(design, answers, groups, by=by)
    prev_answers = {c: _answers(rng, n, quality - 0.15) for c in criteria}
    previous = estimate_indices(design, prev_answers, groups, by=by)
    q5 = rng.choice([1, 2, 3], size=n, p=[0.7, 0.25, 0.05])
    q6 = rng.choice([1, 2, 3], size=n, p=[0.8, 0.17, 0.03])
    perception_vars = {
        f"{q}={v}": 100.0 * (col == v) for q, col in (("Q5", q5), ("Q6", q6)) for v in (1, 2, 3)
    }
    perception = estimate_means(design, perception_vars, by=by)
    d = sipas_2023()
    exp_items = [i for i in d["items"] if i["code"].startswith("Q10_")]
    expectations = estimate_means(
        design,
        {i["code"]: 100.0 * (rng.random(n) < rng.uniform(0.3, 0.9)) for i in exp_items},
        by=by,
    )
    counter = {
        c: {3: int(rng.integers(10, 80)), 2: int(rng.integers(10, 60)), 1: int(rng.integers(0, 15))}
        for c in codes
    }
    names = {c: AGENCY_NAMES[i % len(AGENCY_NAMES)] for i, c in enumerate(codes)}
    names = {
        c: (
            vi if i < len(AGENCY_NAMES) else f"{vi} {i + 1}",
            en if i < len(AGENCY_NAMES) else f"{en} {i + 1}",
        )
        for i, (c, (vi, en)) in enumerate(names.items())
    }
    return Province(codes, names, result, previous, perception, expectations, counter)


def find_estimate(es: EstimateSet, variable: str, code: str) -> Estimate:
    return es.estimates[es.find(variable, {"agency": code})]


def build_scorecard(province: Province, code: str, lang: str = "vi") -> ScorecardData:
    criteria, elements, element_of = labels()
    d = sipas_2023()
    scales = d["scales"]
    perception = []
    for q, scale in (("Q5", "harassment3"), ("Q6", "payment3")):
        item = next(i for i in d["items"] if i["code"] == q)
        points = scales[scale]["points"]
        perception.append(
            perception_item(
                q,
                scales[scale]["labels"]["vi"],
                scales[scale]["labels"]["en"],
                [
                    (
                        p["labels"]["vi"],
                        p["labels"]["en"],
                        find_estimate(province.perception, f"{q}={p['value']}", code),
                    )
                    for p in points
                ],
            )
        )
        assert item
    exp = [
        (
            i["labels"]["vi"].split(": ", 1)[-1],
            i["labels"]["en"].split(": ", 1)[-1],
            find_estimate(province.expectations, i["code"], code),
        )
        for i in d["items"]
        if i["code"].startswith("Q10_")
    ]
    vi, en = province.names[code]
    return scorecard_data(
        agency=AgencyInfo(code, vi, en, "province"),
        province_name_vi="Tỉnh An Bình",
        province_name_en="An Binh province",
        wave=example_wave(),
        unit_version="sipas-2025",
        result=province.result,
        criterion_labels=criteria,
        element_labels=elements,
        element_of=element_of,
        method=method_note(
            province.result.groups,
            sample_size=find_estimate(province.result.groups, "SIPAS", code).n,
            response_rate=62.5,
        ),
        trend=trend_from(
            find_estimate(province.result.groups, "SIPAS", code),
            find_estimate(province.previous.groups, "SIPAS", code),
            previous_wave_code="AB-2025",
            previous_wave_name_vi="Khảo sát năm 2025",
            previous_wave_name_en="2025 survey",
        ),
        peer=peer_comparison(
            province.result.groups,
            {"agency": code},
            [{"agency": c} for c in province.codes],
            level="province",
            names=province.names,
        ),
        perception=perception,
        expectations=top_expectations(exp, 5),
        counter=counter_panel(province.counter[code]),
        lang=lang,  # type: ignore[arg-type]
    )


def test_agency_rows_carry_the_estimators_numbers() -> None:
    province = synthetic_province()
    criteria, elements, element_of = labels()
    sipas, element_rows, criterion_rows = agency_indices(
        province.result,
        {"agency": "A2"},
        criterion_labels=criteria,
        element_labels=elements,
        element_of=element_of,
    )
    e = find_estimate(province.result.groups, "SIPAS", "A2")
    assert sipas.estimate == e.estimate and sipas.ci_low == e.ci_low and sipas.n == e.n
    assert [r.code for r in element_rows] == list(elements)
    assert [r.code for r in criterion_rows] == list(criteria)
    dk = {d.criterion: d.count for d in province.result.dont_know if d.domain == {"agency": "A2"}}
    for row in criterion_rows:
        c = find_estimate(province.result.criteria, row.code, "A2")
        assert row.figure.estimate == c.estimate and row.figure.ci_high == c.ci_high
        assert row.dont_know == dk[row.code]


def test_peer_mean_is_the_mean_of_peer_indices_and_gap_its_difference() -> None:
    province = synthetic_province()
    peer = peer_comparison(
        province.result.groups, {"agency": "A1"}, [{"agency": c} for c in province.codes], level="province"
    )
    assert peer is not None and peer.agencies == 5
    values = [find_estimate(province.result.groups, "SIPAS", c).estimate for c in province.codes]
    assert peer.peer_mean.estimate == pytest.approx(np.mean(values), rel=1e-12)
    assert peer.gap.difference == pytest.approx(values[0] - np.mean(values), rel=1e-9)
    assert peer.gap.ci_low is not None and peer.gap.ci_low < peer.gap.difference < peer.gap.ci_high
    verdict = peer.gap.verdict
    assert verdict == (
        "above" if peer.gap.ci_low > 0 else "below" if peer.gap.ci_high < 0 else "not-different"
    )


def test_suppressed_peers_are_left_out_of_the_mean() -> None:
    province = synthetic_province(small=1)
    small = find_estimate(province.result.groups, "SIPAS", "A6")
    assert small.flag == "suppress"
    peer = peer_comparison(
        province.result.groups, {"agency": "A1"}, [{"agency": c} for c in province.codes], level="province"
    )
    assert peer is not None and peer.agencies == 5


def test_independent_difference_two_sided_normal() -> None:
    a = figure_estimate(80.0, 2.0)
    b = figure_estimate(75.0, 1.5)
    c = independent_difference(a, b)
    assert c.difference == pytest.approx(5.0)
    se = math.hypot(2.0, 1.5)
    assert c.ci_low == pytest.approx(5.0 - 1.959963984540054 * se)
    assert c.p_value == pytest.approx(math.erfc(5.0 / se / math.sqrt(2)))
    assert c.verdict == "above"


def figure_estimate(value: float, se: float) -> Estimate:
    return Estimate(
        "SIPAS", {}, "index", value, se, value - 2 * se, value + 2 * se, 0.95, "wald-t", 100.0, 200
    )


def test_figure_from_estimate_and_panels() -> None:
    e = figure_estimate(50.0, float("nan"))
    assert figure_from_estimate(e).se is None
    panel = counter_panel({3: 30, 2: 60, 1: 10})
    assert (panel.n, panel.very_satisfied, panel.satisfied, panel.dissatisfied) == (100, 30.0, 60.0, 10.0)
    assert counter_panel({}).very_satisfied is None
    items = [
        ("a", "a", figure_estimate(40, 1)),
        ("b", "b", figure_estimate(70, 1)),
        ("c", "c", figure_estimate(55, 1)),
    ]
    assert [r.label_vi for r in top_expectations(items, 2)] == ["b", "c"]


def test_scorecard_data_assembles_every_panel() -> None:
    data = build_scorecard(synthetic_province(), "A3", "en")
    assert data.lang == "en" and data.agency.name_vi == "Sở Xây dựng"
    assert len(data.criteria) == 39 and len(data.elements) == 9
    assert data.trend is not None and data.peer is not None and data.counter is not None
    assert len(data.perception) == 2 and len(data.perception[0].options) == 3
    assert len(data.expectations) == 5
    shares = [r.share.estimate for r in data.expectations]
    assert shares == sorted(shares, reverse=True)


def test_every_agencys_peer_comparison_at_once_equals_one_by_one() -> None:
    """``peer_comparisons`` (a wave's scorecards) gives each agency what ``peer_comparison`` gives it:
    peers of its level, suppressed ones left out of the mean but the agency itself always in, the best
    performer named."""
    from reports.build import peer_comparisons

    province = synthetic_province(n_agencies=7, small=2)
    levels = {c: ("province" if i % 2 else "commune") for i, c in enumerate(province.codes)}
    names = {c: (f"Cơ quan {c}", f"Agency {c}") for c in province.codes}
    groups = province.result.groups
    found = peer_comparisons(groups, list(levels.items()), names=names, descriptive=True)
    assert set(found) == set(province.codes)
    for code, level in levels.items():
        peers = [{"agency": c} for c, lv in levels.items() if lv == level]
        one = peer_comparison(groups, {"agency": code}, peers, level=level, names=names, descriptive=True)
        got = found[code]
        assert (one is None) == (got is None)
        if one is None or got is None:
            continue
        assert (got.level, got.agencies, got.best_name_vi, got.descriptive) == (
            one.level,
            one.agencies,
            one.best_name_vi,
            one.descriptive,
        )
        assert got.best == one.best
        for name in ("estimate", "ci_low", "ci_high", "n", "se"):
            assert getattr(got.peer_mean, name) == pytest.approx(getattr(one.peer_mean, name), rel=1e-10)
        for name in ("difference", "ci_low", "ci_high", "p_value"):
            assert getattr(got.gap, name) == pytest.approx(getattr(one.gap, name), rel=1e-9)
    assert any(find_estimate(groups, "SIPAS", c).flag == "suppress" for c in province.codes)
