"""Wave estimates as plain rows (for JSON and CSV), with labels, kinds and "don't know" counts."""

from __future__ import annotations

import csv
import io
from typing import Any

from survey_engine.results.analysis import OVERALL, WaveResults
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
)


def estimate_rows(results: WaveResults, agency: str | None = None) -> dict[str, list[dict[str, Any]]]:
    """``{"criteria": [...], "indices": [...]}``; with ``agency``, only that agency's domains."""
    out: dict[str, list[dict[str, Any]]] = {"criteria": [], "indices": []}
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
        row = e.to_dict()
        row.pop("variable")
        row.update(
            criterion=e.variable,
            element=element_of.get(e.variable),
            label=dict(layout.labels.get(e.variable, {})),
            dont_know=dk.get((e.variable, tuple(sorted(e.domain.items()))), 0),
        )
        out["criteria"].append(row)
    for e in results.result.groups.estimates:
        if not keep(dict(e.domain)):
            continue
        row = e.to_dict()
        row.pop("variable")
        kind = "overall" if e.variable == OVERALL else ("element" if e.variable in element_codes else "part")
        label = (
            {"vi": "Chỉ số SIPAS", "en": "SIPAS index"}
            if kind == "overall"
            else layout.labels.get(e.variable, {})
        )
        row.update(index=e.variable, kind=kind, label=dict(label))
        out["indices"].append(row)
    return out


def rows_as_csv(rows: dict[str, list[dict[str, Any]]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(csv_cells(CSV_COLUMNS))

    for item in rows["indices"]:
        _write(writer, item["kind"], item["index"], item)
    for item in rows["criteria"]:
        _write(writer, "criterion", item["criterion"], item)
    return buffer.getvalue()


def _write(writer: Any, kind: str, code: str, item: dict[str, Any]) -> None:
    domain = ";".join(f"{k}={v}" for k, v in item["domain"].items())
    label = item.get("label") or {}
    writer.writerow(
        csv_cells(
            [
                kind,
                code,
                domain,
                item["estimate"],
                item["se"],
                item["ci_low"],
                item["ci_high"],
                item["level"],
                item["ci_method"],
                item["df"],
                item["n"],
                item.get("n_eff"),
                item.get("cv"),
                item.get("flag"),
                item.get("flag_reason", ""),
                item.get("dont_know", ""),
                label.get("vi", ""),
                label.get("en", ""),
            ]
        )
    )


def calibration_view(results: WaveResults, agency: str | None = None) -> dict[str, Any] | None:
    """The calibration of the results (None when not calibrated); with ``agency``, only that agency's
    targets and ignored cells (an agency user does not see other agencies' frame counts)."""
    if results.calibration is None:
        return None
    out = dict(results.calibration)
    if agency is not None:
        out["targets"] = [t for t in out["targets"] if t["cell"].get("agency") == agency]
        out["ignored_cells"] = [c for c in out["ignored_cells"] if c.get("agency") == agency]
        out.pop("excluded_rows", None)  # a count over every agency
    return out
