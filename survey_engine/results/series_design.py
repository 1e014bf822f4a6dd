"""The ``design`` object of a wave's estimates: how a series was weighted and clustered and how its
variance was computed, in words, as the estimates answer, the console and the scorecard show it.

Split from :mod:`survey_engine.results.analysis`, which computes the estimates and calls
:func:`describe_design`.
"""

from __future__ import annotations

from typing import Any

from survey_engine.answer_codes import CriteriaLayout

SERIES_LABELS = {
    "self-selected": {
        "vi": "Đánh giá tự nguyện (kiosk, mã QR, trực tuyến): không phải mẫu xác suất, không gia quyền",
        "en": "Self-selected ratings (kiosk, QR, online): not a probability sample, unweighted",
    },
    "probability": {
        "vi": "Mẫu xác suất: có gia quyền theo thiết kế mẫu",
        "en": "Probability sample: weighted by the sampling design",
    },
}


def _variance(series: str, stored: dict[str, Any], calibrated: bool) -> str:
    """How the variance was computed: which calibration, if any, it linearises."""
    if series != "probability":
        return "Taylor linearisation, ultimate clusters; " + (
            "post-stratification linearised" if calibrated else "weights treated as fixed"
        )
    linearised = bool(stored["linearised"])
    variance = "Taylor linearisation, ultimate clusters; " + (
        f"the {stored['method']} ({', '.join(stored['variables'])}) of the stored weights linearised"
        if linearised
        else "weights treated as fixed"
    )
    if linearised and not stored.get("changes_variance", True):
        variance += " (no effect here: its cells are unions of sampling strata with constant weights in each)"
    return variance


def describe_design(
    series: str,
    layout: CriteriaLayout,
    stored: dict[str, Any],
    calibration: dict[str, Any] | None,
    unknown_domain: str,
) -> dict[str, Any]:
    """The design of ``series``: ``stored`` is how the stored final weights were calibrated (probability
    series), ``calibration`` the post-stratification asked for (self-selected series, else None) and
    ``unknown_domain`` the domain of responses without a value."""
    calibrated = calibration is not None
    design = {
        "series": series,
        "label": calibration["label"] if calibration else SERIES_LABELS[series],
        "weights": "final weights from the sampling plan"
        if series == "probability"
        else ("post-stratified to frame totals (see calibration)" if calibrated else "none (unweighted)"),
        "strata": "sampling strata" if series == "probability" else "none",
        "psu": "sampled unit" if series == "probability" else "service point × day",
        "variance": _variance(series, stored, calibrated),
        "aggregation": dict(layout.rule_description),
        "unknown": f"responses without a value for a domain column form the domain {unknown_domain!r}",
    }
    if series == "probability":
        design["weights_calibration"] = stored
    return design
