"""The ``design`` object of a wave's estimates: how a series was weighted and clustered and how its
variance was computed, in words, as the estimates answer, the console and the scorecard show it; and the
calibrations it may carry (of the stored weights, or of the self-selected series on request).

Split from :mod:`survey_engine.results.analysis`, which computes the estimates and calls
:func:`describe_design`. The objects are msgspec Structs whose fields are in the order of the JSON the
estimates endpoint answers (``msgspec.to_builtins`` at the edge); a field left at its default is omitted.
"""

from __future__ import annotations

import msgspec

from survey_engine.answer_codes import CriteriaLayout

SERIES_LABELS = {
    # Named for what defines it: every response not linked to the wave's probability sample, whatever
    # its channel (phone and paper responses without a sampled dossier land here too); the channels
    # present are counted from the data (``channels`` of the estimates).
    "self-selected": {
        "vi": "Các câu trả lời không gắn với mẫu xác suất của đợt khảo sát: không phải mẫu xác suất, "
        "không gia quyền",
        "en": "Responses not linked to the wave's probability sample: not a probability sample, unweighted",
    },
    "probability": {
        "vi": "Mẫu xác suất: có gia quyền theo thiết kế mẫu",
        "en": "Probability sample: weighted by the sampling design",
    },
}


class StoredCalibration(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """How the stored final weights were calibrated (the last weighting run that succeeded) and whether
    the variance linearises it; ``reason`` says why not, ``changes_variance`` whether it can matter."""

    method: str
    variables: list[str]
    source: str
    linearised: bool
    reason: str | None = None
    changes_variance: bool | None = None


class CalibrationTarget(msgspec.Struct, frozen=True, kw_only=True):
    """One post-stratum of a requested calibration: its cell, frame count, respondents and factor."""

    cell: dict[str, str]
    population: float
    respondents: int
    factor: float


class Calibration(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """A post-stratification of the self-selected series to frame totals, asked for by ``calibrate``.

    ``excluded_rows`` (a count over every agency) is None, and omitted, in an agency user's view.
    """

    method: str
    option: str
    source: str
    variables: list[str]
    targets: list[CalibrationTarget]
    ignored_cells: list[dict[str, str]]
    excluded_rows: int | None = None
    excluded_reason: str | None
    variance: str
    label: dict[str, str]


class SeriesDesign(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """The design of a series in words; ``weights_calibration`` for the probability series only."""

    series: str
    label: dict[str, str]
    weights: str
    strata: str
    psu: str
    variance: str
    aggregation: dict[str, str]
    unknown: str
    weights_calibration: StoredCalibration | None = None
    # ``design-based`` (probability series) or ``descriptive``: intervals of differences drawn from a
    # series that is not a probability sample (peer and trend marks) describe the responses received and
    # are not inference about all service users.
    inference: str


def _variance(series: str, stored: StoredCalibration | None, calibrated: bool) -> str:
    """How the variance was computed: which calibration, if any, it linearises."""
    if series != "probability":
        return "Taylor linearisation, ultimate clusters; " + (
            "post-stratification linearised" if calibrated else "weights treated as fixed"
        )
    linearised = stored is not None and stored.linearised
    variance = "Taylor linearisation, ultimate clusters; " + (
        f"the {stored.method} ({', '.join(stored.variables)}) of the stored weights linearised"
        if stored is not None and linearised
        else "weights treated as fixed"
    )
    if linearised and stored is not None and stored.changes_variance is False:
        variance += " (no effect here: its cells are unions of sampling strata with constant weights in each)"
    return variance


def describe_design(
    series: str,
    layout: CriteriaLayout,
    stored: StoredCalibration | None,
    calibration: Calibration | None,
    unknown_domain: str,
) -> SeriesDesign:
    """The design of ``series``: ``stored`` is how the stored final weights were calibrated (probability
    series), ``calibration`` the post-stratification asked for (self-selected series, else None) and
    ``unknown_domain`` the domain of responses without a value."""
    calibrated = calibration is not None
    return SeriesDesign(
        series=series,
        label=calibration.label if calibration else SERIES_LABELS[series],
        weights="final weights from the sampling plan"
        if series == "probability"
        else ("post-stratified to frame totals (see calibration)" if calibrated else "none (unweighted)"),
        strata="sampling strata" if series == "probability" else "none",
        psu="sampled unit" if series == "probability" else "service point × day",
        variance=_variance(series, stored, calibrated),
        aggregation=dict(layout.rule_description),
        unknown=f"responses without a value for a domain column form the domain {unknown_domain!r}",
        weights_calibration=stored if series == "probability" else None,
        inference=inference_of(series),
    )


def inference_of(series: str) -> str:
    """``design-based`` for the probability series, ``descriptive`` for any other."""
    return "design-based" if series == "probability" else "descriptive"
