"""Counter-rating figures agree with R's survey package (fixture made by r_counter_srs.R)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from survey_engine.integrations.counter_stats import d61_band, mean, share

FIXTURE = json.loads((Path(__file__).parent / "r_counter_srs.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(FIXTURE["shares"]))
def test_shares_agree_with_svyciprop_logit(name: str) -> None:
    case = FIXTURE["shares"][name]
    figure = share(case["yes"], case["yes"] + case["no"])
    assert figure is not None
    for ours, theirs in (
        (figure.estimate, case["estimate"]),
        (figure.se, case["se"]),
        (figure.low, case["low"]),
        (figure.high, case["high"]),
    ):
        assert ours == pytest.approx(theirs, rel=1e-8)


@pytest.mark.parametrize("name", sorted(FIXTURE["means"]))
def test_scores_agree_with_svymean(name: str) -> None:
    case = FIXTURE["means"][name]
    figure = mean(Counter(float(y) for y in case["y"]))
    assert figure is not None
    for ours, theirs in (
        (figure.estimate, case["estimate"]),
        (figure.se, case["se"]),
        (figure.low, case["low"]),
        (figure.high, case["high"]),
    ):
        assert ours == pytest.approx(theirs, rel=1e-8)


def test_edges() -> None:
    assert share(0, 0) is None and mean({}) is None
    one = share(1, 1)
    assert one is not None and one.estimate == 1 and one.low is None
    every = share(20, 20)
    assert every is not None and every.high == 1.0 and every.low is not None and 0.8 < every.low < 0.9
    none = share(0, 20)
    assert none is not None and none.low == 0.0 and none.high is not None and 0.1 < none.high < 0.2


def test_bands() -> None:
    assert [d61_band(s) for s in (18, 17.9, 15, 14.99, 10, 9.5, 0)] == [
        "excellent",
        "good",
        "good",
        "acceptable",
        "acceptable",
        "unacceptable",
        "unacceptable",
    ]
