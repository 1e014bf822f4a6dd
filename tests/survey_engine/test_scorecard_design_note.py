"""The scorecard's method note: survey_engine sends codes, reports words them, and the printed words are
those the note printed when survey_engine sent English sentences translated back by exact match."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from reports.method_words import design_text, weighting_text
from survey_engine.results.scorecards import design_note
from survey_engine.results.series_design import StoredCalibration, describe_design

LAYOUT: Any = SimpleNamespace(rule_description={"vi": "quy tắc", "en": "rule"})
STORED = (
    StoredCalibration(method="raking", variables=["agency"], source="frame", linearised=False),
    StoredCalibration(
        method="raking", variables=["agency", "field"], source="frame", linearised=True, changes_variance=True
    ),
    StoredCalibration(
        method="post-stratification",
        variables=["agency"],
        source="frame",
        linearised=True,
        changes_variance=False,
    ),
)
# What the Vietnamese note translated before it was coded (the rest printed in English).
BEFORE_VI = {
    "sampled unit": "đơn vị được chọn mẫu",
    "service point × day": "điểm phục vụ × ngày",
    "Taylor linearisation, ultimate clusters; weights treated as fixed": (
        "phương sai tuyến tính hoá Taylor theo cụm bậc 1; trọng số được coi là cố định"
    ),
}


@pytest.mark.parametrize("series", ["probability", "self-selected"])
@pytest.mark.parametrize("stored", STORED)
def test_the_worded_codes_print_what_the_sentences_printed(series: str, stored: StoredCalibration) -> None:
    design = describe_design(series, LAYOUT, stored, None, "(unknown)")
    label, psu, variance = design.label, design.psu, design.variance
    before = (
        f"{label['vi']}. Đơn vị mẫu bậc 1: {BEFORE_VI.get(psu, psu)}; {BEFORE_VI.get(variance, variance)}.",
        f"{label['en']}. Primary sampling unit: {psu}; {variance}.",
    )
    assert design_text(design_note(series, design)) == before


def test_weighting_codes() -> None:
    assert weighting_text("final_weights") == (
        "Trọng số cuối cùng theo kế hoạch chọn mẫu.",
        "Final weights from the sampling plan.",
    )
    assert weighting_text("unweighted") == ("Không gia quyền.", "Unweighted.")
    with pytest.raises(KeyError):
        weighting_text("Unweighted.")
