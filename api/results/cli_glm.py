"""``sipas glm``: design-based regression (R's ``svyglm``) from a flat file (docs/interfaces.md).

Reads the formula's columns and the design columns with :mod:`api.cli.tabular`, builds the design exactly
as ``sipas estimate`` does (same options, same calibration), optionally turns it into a replicate-weight
design (``--replicates``), and prints one model per domain (``--by``) with :func:`sampling.glm.fit_glm`.
A predictor column is numeric unless the formula marks it ``C(col)``/``factor(col)`` or its values are
not numbers (then it is categorical, as R treats a character column).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import sys
from typing import Any

import numpy as np

from api.cli.errors import CliUsageError
from api.cli.tabular import NonNumericValueError, Table, TabularError
from api.results.cli_stats import (
    add_design_options,
    build_design,
    calibration_columns,
    design_columns,
    domains_of,
    load_json,
    read_columns,
)
from sampling.errors import SamplingError
from sampling.glm import FAMILIES, GlmResult, fit_glm
from sampling.glm_formula import Formula, parse_formula
from sampling.replicates import ReplicateDesign, replicate_design
from survey_engine.results.spreadsheet import csv_cells

REPLICATE_KINDS = ("JK1", "JKn", "bootstrap", "subbootstrap")


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "glm",
        help="design-based regression (R's svyglm) from a flat file",
        description=(
            "Survey-weighted generalised linear model: coefficients with design-based (linearisation or "
            "replicate) standard errors, t tests on df - p + 1 degrees of freedom, intervals and a Wald F "
            "test of every term (R's regTermTest). Term names as R prints them: (Intercept), x1, x2B."
        ),
    )
    p.add_argument("file", metavar="FILE", help="CSV or Parquet file")
    p.add_argument(
        "--formula", required=True, help='model formula, e.g. "y ~ x1 + C(x2) + x1:x3" (C(col): categorical)'
    )
    p.add_argument(
        "--family",
        choices=FAMILIES,
        default="gaussian",
        help="gaussian (default), quasibinomial, quasipoisson",
    )
    add_design_options(p)
    r = p.add_argument_group("replicate weights")
    r.add_argument(
        "--replicates",
        choices=REPLICATE_KINDS,
        help="replicate-weight variance from the design (R's as.svrepdesign)",
    )
    r.add_argument("--replicate-count", type=int, default=50, help="bootstrap replicates (default 50)")
    r.add_argument("--seed", type=int, default=0, help="bootstrap random seed (default 0)")
    o = p.add_argument_group("output")
    o.add_argument("--by", metavar="COL", action="append", default=[], help="domain column (repeatable)")
    o.add_argument("--level", type=float, default=0.95, help="confidence level (default 0.95)")
    o.add_argument("--format", choices=("table", "json", "csv"), default="table")
    p.set_defaults(func=run_glm)


def _predictors(table: Table, formula: Formula) -> dict[str, Any]:
    marks = formula.categorical_marks()
    data: dict[str, Any] = {}
    try:
        data[formula.response] = table.numeric(formula.response, role="response")
        for name, categorical in marks.items():
            if categorical:
                data[name] = table.codes(name, role="predictor")
                continue
            try:
                data[name] = table.numeric(name, role="predictor")
            except NonNumericValueError:
                data[name] = table.codes(name, role="predictor")
    except TabularError as exc:
        raise CliUsageError(str(exc)) from None
    return data


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6g}" if math.isfinite(value) else ""
    return str(value)


def _table(result: GlmResult) -> str:
    d = result.design
    lines = [
        f"{result.family} model {result.formula.text}",
        f"design: {d['rows']} rows, df {d['df']}"
        + (f", {d['replicates']} {d['replicate_kind']} replicates" if "replicates" in d else "")
        + (f", calibration {d['calibration']}" if d.get("calibration") else ""),
    ]
    pct = f"{result.level * 100:g}%"
    for m in result.models:
        dom = ",".join(f"{k}={v}" for k, v in m.domain.items()) or "(all)"
        lines.append("")
        lines.append(
            f"domain {dom}: n {m.n}, df {m.df}, residual df {m.df_residual}, {m.iterations} iterations"
        )
        rows = [["term", "estimate", "se", "t", "p", f"{pct} low", f"{pct} high"]]
        rows += [
            [c.term, *(_fmt(v) for v in (c.estimate, c.se, c.t, c.p, c.ci_low, c.ci_high))] for c in m.table()
        ]
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        for r in rows:
            lines.append(
                "  ".join(
                    c.ljust(w) if i == 0 else c.rjust(w)
                    for i, (c, w) in enumerate(zip(r, widths, strict=True))
                ).rstrip()
            )
        for t in m.term_tests():
            lines.append(
                f"Wald test {':'.join(t.terms)}: F = {_fmt(t.f)} on {t.df} and {t.ddf} df, p = {_fmt(t.p)}"
            )
    return "\n".join(lines)


def _csv(result: GlmResult, by: list[str]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(csv_cells([*by, "term", "estimate", "se", "t", "p", "ci_low", "ci_high", "df_residual", "n"]))
    for m in result.models:
        for c in m.table():
            cells = csv_cells(
                [
                    *(m.domain.get(b, "") for b in by),
                    c.term,
                    c.estimate,
                    c.se,
                    c.t,
                    c.p,
                    c.ci_low,
                    c.ci_high,
                    m.df_residual,
                    m.n,
                ]
            )
            w.writerow([_fmt(v) for v in cells])
    return buf.getvalue()


def run_glm(args: argparse.Namespace) -> int:
    if not 0 < args.level < 1:
        raise CliUsageError(f"--level must be between 0 and 1, got {args.level}")
    try:
        formula = parse_formula(args.formula)
    except SamplingError as exc:
        raise CliUsageError(str(exc)) from None
    if args.replicates and args.calibrate:
        raise CliUsageError(
            "--replicates and --calibrate together are not supported (replicates are not recalibrated)"
        )
    if args.replicate_count < 2:
        raise CliUsageError("--replicate-count must be at least 2")
    targets = load_json(args.calibrate, "calibration targets") if args.calibrate else None
    cal_cols = calibration_columns(targets) if targets is not None else []
    table = read_columns(args.file, [*formula.variables, *design_columns(args), *cal_cols])
    design = build_design(table, args, targets)
    data = _predictors(table, formula)
    by = domains_of(table, args.by)
    try:
        fitted: Any = design
        if args.replicates:
            rng = np.random.default_rng(args.seed)
            fitted = replicate_design(design, args.replicates, replicates=args.replicate_count, rng=rng)
            assert isinstance(fitted, ReplicateDesign)  # noqa: S101 - replicate_design's return type
        result = fit_glm(fitted, formula, data, family=args.family, by=by, level=args.level)
    except SamplingError as exc:
        raise CliUsageError(str(exc)) from None
    if args.format == "json":
        text = json.dumps(result.to_dict(), ensure_ascii=False)
    elif args.format == "csv":
        text = _csv(result, list(args.by))
    else:
        text = _table(result)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0
