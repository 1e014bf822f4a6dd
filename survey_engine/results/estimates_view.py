"""Wave estimates as rows (for JSON and CSV), with labels, kinds and "don't know" counts.

The rows are msgspec Structs whose fields are in the order of the JSON the estimates endpoint answers
(``msgspec.to_builtins`` at the edge); ``flag_reason`` is there only when a flag is set, as in
:meth:`sampling.results.Estimate.to_dict`.
"""

from __future__ import annotations

import csv
import io
from typing import Any

import msgspec

from survey_engine.answer_codes import CriteriaLayout
from survey_engine.results.analysis import OVERALL, WaveResults
from survey_engine.results.index_rule import Band, band_for, bands_of, scale_of
from survey_engine.results.series_design import Calibration
from survey_engine.results.spreadsheet import csv_cells

CSV_COLUMNS = (
    "kind",
    "code",
    "domain",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "level",
    "ci_method",
    "df",
    "n",
    "n_eff",
    "cv",
    "flag",
    "flag_reason",
    "dont_know",
    "label_vi",
    "label_en",
    "band",
)


class EstimateRow(msgspec.Struct, frozen=True):
    """An estimate as :meth:`sampling.results.Estimate.to_dict` gives it, without its variable."""

    domain: dict[str, str]
    estimate: float | None
    se: float | None
    ci_low: float | None
    ci_high: float | None
    level: float
    ci_method: str
    df: int | None
    n: int
    deff: float | None
    n_eff: float | None
    cv: float | None
    flag: str | None
    flag_reason: str | msgspec.UnsetType | None = msgspec.UNSET


class CriterionRow(EstimateRow, frozen=True, kw_only=True):
    criterion: str
    element: str | None
    label: dict[str, str]
    dont_know: int


class IndexRow(EstimateRow, frozen=True, kw_only=True):
    index: str
    kind: str  # overall | element | part
    label: dict[str, str]
    band: str | msgspec.UnsetType = msgspec.UNSET  # the overall index's grade, when the rule has bands


class RuleView(msgspec.Struct, frozen=True):
    """The wave's index rule as the estimates report it: code, words, scale and grading bands."""

    code: str
    description: dict[str, str]
    scale: tuple[float, float]
    bands: list[Band]
    source: dict[str, str] | None


def rule_view(results: WaveResults) -> RuleView:
    layout = results.layout
    return RuleView(
        code=layout.rule,
        description=dict(layout.rule_description),
        scale=scale_of(layout),
        bands=bands_of(layout),
        source=None if layout.source is None else dict(layout.source),
    )


def overall_label(layout: CriteriaLayout) -> dict[str, str]:
    """The name of the overall index under the questionnaire's rule."""
    return dict(_OVERALL_LABELS.get(layout.rule, _OVERALL_LABELS["top_box_share"]))


_OVERALL_LABELS = {
    "top_box_share": {"vi": "Chỉ số SIPAS", "en": "SIPAS index"},
    "mean_score": {"vi": "Chỉ số điểm trung bình (0–100)", "en": "Mean score index (0–100)"},
    "score_sum": {"vi": "Tổng điểm", "en": "Total score"},
    "weighted_mean": {"vi": "Chỉ số có trọng số", "en": "Weighted index"},
}


class EstimateRows(msgspec.Struct, frozen=True):
    criteria: list[CriterionRow]
    indices: list[IndexRow]


def estimate_rows(results: WaveResults, agency: str | None = None) -> EstimateRows:
    """The criteria and index rows of the results; with ``agency``, only that agency's domains."""
    out = EstimateRows(criteria=[], indices=[])
    if results.result is None:
        return out
    layout = results.layout
    element_codes = {code for code, _ in layout.elements}
    dk = {(d.criterion, tuple(sorted(d.domain.items()))): d.count for d in results.result.dont_know}
    element_of = {c.code: c.element for c in layout.criteria}

    def keep(domain: dict[str, str]) -> bool:
        return agency is None or domain.get("agency") == agency

    for e in results.result.criteria.estimates:
        if not keep(dict(e.domain)):
            continue
        fields = e.to_dict()
        fields.pop("variable")
        out.criteria.append(
            CriterionRow(
                **fields,
                criterion=e.variable,
                element=element_of.get(e.variable),
                label=dict(layout.labels.get(e.variable, {})),
                dont_know=dk.get((e.variable, tuple(sorted(e.domain.items()))), 0),
            )
        )
    for e in results.result.groups.estimates:
        if not keep(dict(e.domain)):
            continue
        fields = e.to_dict()
        fields.pop("variable")
        kind = "overall" if e.variable == OVERALL else ("element" if e.variable in element_codes else "part")
        label = overall_label(layout) if kind == "overall" else layout.labels.get(e.variable, {})
        band = band_for(layout, e.estimate) if kind == "overall" and layout.bands else None
        out.indices.append(
            IndexRow(
                **fields,
                index=e.variable,
                kind=kind,
                label=dict(label),
                band=msgspec.UNSET if band is None else band,
            )
        )
    return out


def rows_as_csv(rows: EstimateRows) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(csv_cells(CSV_COLUMNS))

    for index in rows.indices:
        band = index.band if isinstance(index.band, str) else ""
        _write(writer, index.kind, index.index, index, index.label, None, band)
    for criterion in rows.criteria:
        _write(writer, "criterion", criterion.criterion, criterion, criterion.label, criterion.dont_know, "")
    return buffer.getvalue()


def _write(
    writer: Any,
    kind: str,
    code: str,
    item: EstimateRow,
    label: dict[str, str],
    dont_know: int | None,
    band: str,
) -> None:
    domain = ";".join(f"{k}={v}" for k, v in item.domain.items())
    writer.writerow(
        csv_cells(
            [
                kind,
                code,
                domain,
                item.estimate,
                item.se,
                item.ci_low,
                item.ci_high,
                item.level,
                item.ci_method,
                item.df,
                item.n,
                item.n_eff,
                item.cv,
                item.flag,
                item.flag_reason if isinstance(item.flag_reason, str | None) else "",
                "" if dont_know is None else dont_know,
                label.get("vi", ""),
                label.get("en", ""),
                band,
            ]
        )
    )


def calibration_view(results: WaveResults, agency: str | None = None) -> Calibration | None:
    """The calibration of the results (None when not calibrated); with ``agency``, only that agency's
    targets and ignored cells (an agency user does not see other agencies' frame counts)."""
    if results.calibration is None or agency is None:
        return results.calibration
    calibration = results.calibration
    return msgspec.structs.replace(
        calibration,
        targets=[t for t in calibration.targets if t.cell.get("agency") == agency],
        ignored_cells=[c for c in calibration.ignored_cells if c.get("agency") == agency],
        excluded_rows=None,  # a count over every agency
    )
