"""Planning, allocation, selection and weighting commands: ``sipas sample-size | allocate | draw | weights``.

Every command prints its result with ``--format table|json|csv`` (JSON is exactly one document) and turns
a user's mistake (missing column, bad value, infeasible bounds) into one line on stderr with exit 2.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from api.cli.errors import CliFailure, CliUsageError
from api.cli.tabular import Table, TabularError, read_table
from sampling.calibration import CalibrationReport, PostStratifyReport, RakeReport, calibrate
from sampling.design import Design
from sampling.errors import SamplingError
from sampling.planning import allocate, round_preserving_total, sample_size_proportion, slovin_sample_size
from sampling.selection import (
    Selection,
    select_pps_systematic,
    select_srs,
    select_stratified,
    select_systematic,
)
from sampling.weighting import nonresponse_adjustment, summarise_weights, trim_weights
from survey_engine.results.spreadsheet import csv_cells

FORMATS = ("table", "json", "csv")


# --------------------------------------------------------------------------------------------------
# Output helpers
# --------------------------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        return f"{value:.6g}" if abs(value) < 1e6 else f"{value:.0f}"
    return str(value)


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _clean(value: Any) -> Any:
    """JSON has no NaN/inf: write null instead."""
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(float(value)) else None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def _print_rows(
    rows: list[dict[str, Any]], fmt: str, document: dict[str, Any], title: str | None = None
) -> None:
    """Rows as an aligned table or CSV; ``document`` as the one JSON document."""
    if fmt == "json":
        print(json.dumps(_clean(document), default=_json_default, ensure_ascii=False))
        return
    if not rows:
        return
    headers = list(rows[0])
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(csv_cells(headers))
        for r in rows:
            # stratum labels come from the user's file: text through the spreadsheet rule, numbers kept
            writer.writerow([_cell(v) for v in csv_cells(r.get(h) for h in headers)])
        sys.stdout.write(buf.getvalue())
        return
    if title:
        print(title)
    cells = [[_cell(r.get(h)) for h in headers] for r in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    for c in cells:
        print(
            "  ".join(
                v.rjust(w) if _numeric(v) else v.ljust(w) for v, w in zip(c, widths, strict=True)
            ).rstrip()
        )


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _usage(func: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Turn domain and file errors into one-line usage errors (exit 2)."""

    def wrapped(args: argparse.Namespace) -> int:
        try:
            return func(args)
        except (TabularError, SamplingError) as exc:
            raise CliUsageError(str(exc).splitlines()[0]) from None

    return wrapped


def _read(path: str, columns: Sequence[str]) -> Table:
    return read_table(path, columns=[c for c in dict.fromkeys(columns) if c])


def _labels(table: Table, column: str, role: str) -> np.ndarray:
    codes, levels = table.codes(column, missing="error", role=role)
    labels: np.ndarray = np.array(levels, dtype=object)[codes]
    return labels


def _raw_table(path: str) -> pa.Table:
    """The file's columns as written (CSV cells as text), so identifiers such as '0161…' keep their
    leading zeros when rows are copied to the output; typed values come from :func:`read_table`."""
    p = Path(path)
    if p.suffix.lower() in {".parquet", ".pq"}:
        return pq.read_table(p)
    header = pacsv.open_csv(p).schema.names
    convert = pacsv.ConvertOptions(column_types=dict.fromkeys(header, pa.string()))
    return pacsv.read_csv(p, convert_options=convert)


_TRUE = {"1", "1.0", "true", "yes", "y", "t"}
_FALSE = {"0", "0.0", "false", "no", "n", "f"}


def _indicator(table: Table, column: str) -> np.ndarray:
    """A 0/1 response indicator; yes/no and true/false (any case) are accepted too."""
    labels = _labels(table, column, "response indicator")
    out = np.empty(labels.size)
    for i, v in enumerate(labels.tolist()):
        t = str(v).strip().lower()
        if t in _TRUE:
            out[i] = 1.0
        elif t in _FALSE:
            out[i] = 0.0
        else:
            raise CliUsageError(
                f"response indicator {column!r} must be 0/1 or yes/no: {v!r} at data row {i + 1}"
            )
    return out


def _write_csv(arrow: pa.Table, out: str) -> None:
    # The next sipas command reads this file back (allocate -> draw -> weights -> estimate): the user's own
    # cells are copied unchanged, so identifiers and stratum labels still match the frame and the targets
    # (survey_engine.results.spreadsheet applies to the reports printed with --format csv instead).
    try:
        pacsv.write_csv(arrow, out)
    except OSError as exc:
        raise CliFailure(f"cannot write {out}: {exc.strerror or exc}") from None


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a non-negative whole number, got {text!r}")
    return value


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, got {text!r}")
    return value


# --------------------------------------------------------------------------------------------------
# sipas sample-size
# --------------------------------------------------------------------------------------------------


@_usage
def _sample_size(args: argparse.Namespace) -> int:
    if args.method == "slovin":
        if args.population is None:
            raise CliUsageError("--method slovin needs --population N")
        result = slovin_sample_size(args.population, args.margin, response_rate=args.response_rate)
    else:
        result = sample_size_proportion(
            args.margin,
            level=args.level,
            p=args.p,
            deff=args.deff,
            population=args.population,
            response_rate=args.response_rate,
        )
    steps = [{"step": s.label, "formula": s.formula, "value": s.value} for s in result.steps]
    doc = {
        "n": result.n,
        "n_unrounded": result.n_unrounded,
        "method": result.method,
        "label": result.label,
        "steps": steps,
    }
    if args.format == "table":
        _print_rows(steps, "table", doc, title=result.label)
        print(f"n = {result.n}")
    else:
        _print_rows(steps, args.format, doc)
    return 0


# --------------------------------------------------------------------------------------------------
# sipas allocate
# --------------------------------------------------------------------------------------------------


@_usage
def _allocate(args: argparse.Namespace) -> int:
    if args.method in ("neyman", "optimal") and not args.sd:
        raise CliUsageError(f"--method {args.method} needs --sd COL")
    if args.method == "optimal" and not args.cost:
        raise CliUsageError("--method optimal needs --cost COL")
    table = _read(args.frame_summary, [args.stratum, args.size, args.sd or "", args.cost or ""])
    strata = _labels(table, args.stratum, "stratum")
    if len(set(strata.tolist())) != strata.size:
        raise CliUsageError(
            f"stratum column {args.stratum!r} repeats a stratum: one row per stratum expected"
        )
    sizes = table.numeric(args.size, missing="error", role="size", nonnegative=True)
    sd = table.numeric(args.sd, missing="error", role="sd", nonnegative=True) if args.sd else None
    cost = table.numeric(args.cost, missing="error", role="cost", nonnegative=True) if args.cost else None
    result = allocate(
        sizes,
        args.n,
        args.method,
        sd=sd,
        cost=cost,
        power_q=args.power_q,
        min_n=args.min,
        max_n=args.max,
    )
    rows = []
    for i, h in enumerate(strata.tolist()):
        rows.append(
            {
                "stratum": h,
                "N": float(sizes[i]),
                "n_continuous": float(result.continuous[i]),
                "n": int(result.n_h[i]),
                "fraction": float(result.n_h[i] / sizes[i]) if sizes[i] > 0 else None,
                "bound": "max" if result.at_upper[i] else ("min" if result.at_lower[i] else ""),
            }
        )
    doc = {"method": args.method, "n": int(result.n_h.sum()), "strata": rows}
    if args.out:
        arrow = pa.table({args.stratum: [str(h) for h in strata.tolist()], "n": result.n_h.tolist()})
        _write_csv(arrow, args.out)
    _print_rows(rows, args.format, doc, title=f"{args.method} allocation of n = {args.n}")
    return 0


# --------------------------------------------------------------------------------------------------
# sipas draw
# --------------------------------------------------------------------------------------------------


def _read_allocation(path: str, stratum_col: str) -> dict[str, int]:
    header = read_table(path).column_names
    key = stratum_col if stratum_col in header else ("stratum" if "stratum" in header else None)
    count = "n" if "n" in header else ("n_h" if "n_h" in header else None)
    if key is None or count is None:
        raise CliUsageError(f"allocation file {path} needs columns {stratum_col!r} (or 'stratum') and 'n'")
    table = read_table(path, columns=[key, count])
    labels = _labels(table, key, "stratum")
    n = table.numeric(count, missing="error", role="allocation", nonnegative=True)
    if np.any(n != np.floor(n)):
        raise CliUsageError(f"allocation column {count!r} must hold whole numbers")
    return {str(h): int(v) for h, v in zip(labels.tolist(), n.tolist(), strict=True)}


def _check_draw_options(args: argparse.Namespace) -> None:
    if (args.n is None) == (args.allocation is None):
        raise CliUsageError("give exactly one of --n N and --allocation FILE.csv")
    if args.allocation is not None and not args.strata:
        raise CliUsageError("--allocation needs --strata COL")
    if args.method == "pps" and not args.size:
        raise CliUsageError("--method pps needs --size COL")
    if args.size and args.method != "pps":
        raise CliUsageError("--size is only used with --method pps")


def _stratum_allocation(args: argparse.Namespace, frame: Table, labels: np.ndarray) -> dict[str, int]:
    if args.allocation is not None:
        return _read_allocation(args.allocation, args.strata)
    # --n with --strata: proportional allocation, largest remainder.
    levels, counts = np.unique(labels.astype(str), return_counts=True)
    if args.n > frame.n_rows:
        raise CliUsageError(f"--n {args.n} exceeds the frame size {frame.n_rows}")
    n_h = round_preserving_total(args.n * counts / counts.sum())
    return {str(h): int(v) for h, v in zip(levels.tolist(), n_h.tolist(), strict=True)}


def _draw_selection(args: argparse.Namespace, frame: Table, sizes: np.ndarray | None) -> Selection:
    if args.strata:
        labels = _labels(frame, args.strata, "stratum")
        alloc = _stratum_allocation(args, frame, labels)
        return select_stratified(labels.astype(str), alloc, args.seed, method=args.method, sizes=sizes)
    if args.method == "srs":
        return select_srs(frame.n_rows, args.n, args.seed)
    if args.method == "systematic":
        return select_systematic(frame.n_rows, args.n, args.seed)
    assert sizes is not None  # noqa: S101 - invariant, not input
    return select_pps_systematic(sizes, args.n, args.seed)


def _selected_rows(args: argparse.Namespace, sel: Selection) -> pa.Table:
    """The frame's selected rows with the design columns appended."""
    out = _raw_table(args.frame).take(pa.array(sel.indices))
    for name in ("inclusion_probability", "base_weight"):
        if name in out.column_names:
            raise CliUsageError(f"the frame already has a column {name!r}")
    out = out.append_column("inclusion_probability", pa.array(sel.inclusion_probability))
    out = out.append_column("base_weight", pa.array(sel.base_weight))
    if args.method == "pps":
        out = out.append_column("certainty", pa.array(sel.certainty))
    return out


@_usage
def _draw(args: argparse.Namespace) -> int:
    _check_draw_options(args)
    frame = read_table(args.frame)
    for col in (args.strata, args.size):
        if col and col not in frame.column_names:
            raise CliUsageError(f"column {col!r} not found in {args.frame}")
    sizes = frame.numeric(args.size, missing="error", role="size", nonnegative=True) if args.size else None
    sel = _draw_selection(args, frame, sizes)
    out = _selected_rows(args, sel)
    _write_csv(out, args.out)
    if sel.strata is not None:
        groups, counts = np.unique(sel.strata.astype(str), return_counts=True)
        rows = [{"stratum": g, "n": int(c)} for g, c in zip(groups.tolist(), counts.tolist(), strict=True)]
    else:
        rows = [{"stratum": "(all)", "n": int(sel.indices.size)}]
    doc = {
        "method": args.method,
        "seed": args.seed,
        "frame_rows": frame.n_rows,
        "selected": int(sel.indices.size),
        "certainty": int(sel.certainty.sum()),
        "out": args.out,
        "strata": rows,
    }
    title = (
        f"selected {sel.indices.size} of {frame.n_rows} rows ({args.method}, seed {args.seed}) -> {args.out}"
    )
    _print_rows(rows, args.format, doc, title=title)
    return 0


# --------------------------------------------------------------------------------------------------
# sipas weights
# --------------------------------------------------------------------------------------------------


def _summary_row(step: str, w: np.ndarray) -> dict[str, Any]:
    s = summarise_weights(w)
    return {"step": step, **{k: v for k, v in asdict(s).items()}}


def _calibration_doc(report: Any) -> dict[str, Any]:
    if isinstance(report, PostStratifyReport):
        return {"method": "poststratify", "cells": [asdict(c) for c in report.cells]}
    if isinstance(report, RakeReport):
        doc = asdict(report)
        doc["method"] = "rake"
        return doc
    if isinstance(report, CalibrationReport):
        return asdict(report)
    return {}  # pragma: no cover


def _load_targets(path: str) -> dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        raise CliUsageError(f"targets file not found: {path}") from None
    except json.JSONDecodeError as exc:
        raise CliUsageError(f"targets file {path} is not valid JSON: {exc.msg} (line {exc.lineno})") from None
    if not isinstance(data, dict):
        raise CliUsageError(f'targets file {path} must hold an object {{"method": ..., "margins": ...}}')
    return data


@_usage
def _weights(args: argparse.Namespace) -> int:
    if args.nonresponse_class and not args.responded:
        raise CliUsageError("--nonresponse-class needs --responded COL")
    targets = _load_targets(args.calibrate) if args.calibrate else None
    sample = read_table(args.sample)
    needed = [args.base_weight, args.nonresponse_class, args.responded]
    for col in needed:
        if col and col not in sample.column_names:
            raise CliUsageError(f"column {col!r} not found in {args.sample}")
    if args.out_column in sample.column_names:
        raise CliUsageError(f"the sample already has a column {args.out_column!r} (choose --weight-name)")
    w = sample.numeric(args.base_weight, missing="error", role="base weight", nonnegative=True)
    steps: list[dict[str, Any]] = [_summary_row("base", w)]
    report: dict[str, Any] = {"rows": sample.n_rows, "weight_column": args.out_column}
    respondents = np.ones(sample.n_rows, dtype=bool)
    if args.responded:
        responded = _indicator(sample, args.responded)
        classes = (
            _labels(sample, args.nonresponse_class, "nonresponse class") if args.nonresponse_class else None
        )
        w, nr = nonresponse_adjustment(w, responded, classes)
        respondents = responded == 1
        report["nonresponse"] = _clean(asdict(nr))
        steps.append(_summary_row("nonresponse", w[respondents]))
    report["respondents"] = int(respondents.sum())
    if targets is not None:
        margins = targets.get("margins")
        names = [p for key in (margins or {}) for p in str(key).split("|")]
        for col in names:
            if col not in sample.column_names:
                raise CliUsageError(f"calibration column {col!r} not found in {args.sample}")
        columns: dict[str, np.ndarray] = {}
        for col in names:
            target = margins[col] if isinstance(margins, dict) and col in margins else None
            if target is not None and not isinstance(target, dict):
                columns[col] = sample.numeric(col, missing="error", role="calibration column")[respondents]
            else:
                columns[col] = _labels(sample, col, "calibration column")[respondents]
        design = Design(weights=w[respondents])
        calibrated, cal_report = calibrate(design, targets, columns)
        w = w.copy()
        w[respondents] = calibrated.weights
        report["calibration"] = _clean(_calibration_doc(cal_report))
        steps.append(_summary_row("calibration", w[respondents]))
    if args.trim_max is not None or args.trim_min is not None:
        upper = math.inf if args.trim_max is None else args.trim_max
        lower = -math.inf if args.trim_min is None else args.trim_min
        trimmed, tr = trim_weights(w[respondents], upper=upper, lower=lower, strict=True)
        w = w.copy()
        w[respondents] = trimmed
        report["trim"] = _clean(asdict(tr))
        steps.append(_summary_row("trim", w[respondents]))
    report["steps"] = _clean(steps)
    out = _raw_table(args.sample).append_column(args.out_column, pa.array(np.where(respondents, w, 0.0)))
    _write_csv(out, args.out)
    if args.report_json:
        try:
            Path(args.report_json).write_text(
                json.dumps(report, default=_json_default, ensure_ascii=False, indent=2), encoding="utf-8"
            )
        except OSError as exc:
            raise CliFailure(f"cannot write {args.report_json}: {exc.strerror or exc}") from None
    kept = int(respondents.sum())
    title = f"weights for {kept} of {sample.n_rows} rows -> {args.out} (column {args.out_column})"
    _print_rows(steps, args.format, report, title=title)
    return 0


# --------------------------------------------------------------------------------------------------
# Registration
# --------------------------------------------------------------------------------------------------


def register(subparsers: Any) -> None:
    """Add ``sample-size``, ``allocate``, ``draw`` and ``weights`` to the ``sipas`` dispatcher."""
    p = subparsers.add_parser(
        "sample-size",
        help="sample size for a proportion (with the steps)",
        description="n0 = z² p(1−p)/e², × deff, finite-population corrected, ÷ response rate. "
        "--method slovin gives N/(1 + N e²), the legacy MoHA rule.",
    )
    p.add_argument("--margin", type=_number, required=True, help="margin of error on the proportion scale")
    p.add_argument("--level", type=_number, default=0.95, help="confidence level (default 0.95)")
    p.add_argument("--p", type=_number, default=0.5, help="anticipated proportion (default 0.5)")
    p.add_argument("--deff", type=_number, default=1.0, help="anticipated design effect (default 1)")
    p.add_argument("--population", type=_number, default=None, help="population size N (FPC; Slovin)")
    p.add_argument("--response-rate", type=_number, default=1.0, help="expected response rate (default 1)")
    p.add_argument("--method", choices=("standard", "slovin"), default="standard")
    p.add_argument("--format", choices=FORMATS, default="table")
    p.set_defaults(func=_sample_size)

    a = subparsers.add_parser(
        "allocate",
        help="allocate n across strata",
        description="Proportional, equal, Neyman (N_h S_h), cost-optimal (N_h S_h/√c_h) or power (N_h^q) "
        "allocation with per-stratum minimum and maximum (and n_h ≤ N_h), rounded to integers that add to n.",
    )
    a.add_argument("frame_summary", metavar="FRAME_SUMMARY.csv", help="one row per stratum")
    a.add_argument("--stratum", required=True, metavar="COL")
    a.add_argument("--size", required=True, metavar="COL", help="N_h")
    a.add_argument("--sd", metavar="COL", help="S_h (neyman, optimal)")
    a.add_argument("--cost", metavar="COL", help="cost per unit c_h (optimal)")
    a.add_argument("--n", type=_positive_int, required=True)
    a.add_argument(
        "--method", choices=("proportional", "equal", "neyman", "optimal", "power"), default="proportional"
    )
    a.add_argument("--power-q", type=_number, default=0.5, help="exponent q of the power allocation")
    a.add_argument("--min", type=_positive_int, default=None, help="minimum n_h per stratum")
    a.add_argument("--max", type=_positive_int, default=None, help="maximum n_h per stratum")
    a.add_argument("--out", metavar="FILE.csv", help="also write the allocation (stratum, n) for sipas draw")
    a.add_argument("--format", choices=FORMATS, default="table")
    a.set_defaults(func=_allocate)

    d = subparsers.add_parser(
        "draw",
        help="select a sample from a frame",
        description="SRS, systematic or PPS systematic (with certainty units) selection, optionally within "
        "strata; writes the selected rows with inclusion_probability and base_weight columns.",
    )
    d.add_argument("frame", metavar="FRAME.csv")
    d.add_argument("--n", type=_positive_int, help="sample size (with --strata: allocated proportionally)")
    d.add_argument("--allocation", metavar="FILE.csv", help="n per stratum (columns: stratum, n)")
    d.add_argument("--strata", metavar="COL")
    d.add_argument("--method", choices=("srs", "systematic", "pps"), default="srs")
    d.add_argument("--size", metavar="COL", help="measure of size for pps")
    d.add_argument("--seed", type=int, required=True, help="random seed (required: reproducibility)")
    d.add_argument("--out", required=True, metavar="FILE.csv")
    d.add_argument("--format", choices=FORMATS, default="table")
    d.set_defaults(func=_draw)

    w = subparsers.add_parser(
        "weights",
        help="nonresponse adjustment, calibration and trimming of weights",
        description="Base weight → weighting-class nonresponse adjustment → calibration "
        "(poststratify, rake, linear) → trimming; writes the sample with the final weight column.",
    )
    w.add_argument("sample", metavar="SAMPLE.csv")
    w.add_argument("--base-weight", required=True, metavar="COL")
    w.add_argument("--nonresponse-class", metavar="COL")
    w.add_argument("--responded", metavar="COL", help="0/1 response indicator")
    w.add_argument("--calibrate", metavar="TARGETS.json", help='{"method": ..., "margins": {"COL": {...}}}')
    w.add_argument("--trim-max", type=_number, metavar="X")
    w.add_argument("--trim-min", type=_number, metavar="X")
    w.add_argument(
        "--weight-name", dest="out_column", default="weight", help="output column (default weight)"
    )
    w.add_argument("--out", required=True, metavar="FILE.csv")
    w.add_argument("--report-json", metavar="FILE")
    w.add_argument("--format", choices=FORMATS, default="table")
    w.set_defaults(func=_weights)
