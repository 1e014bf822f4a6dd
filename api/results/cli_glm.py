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
from sampling.glm_drivers import MIN_RESPONDENTS, DomainDrivers, element_scores, estimate_drivers
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

    d = subparsers.add_parser(
        "drivers",
        help="drivers of satisfaction: importance x performance of each element",
        description=(
            "Importance of each element = its coefficient in the design-based regression of the overall "
            "score on all element scores; performance = the element's mean score; both with intervals. "
            "An association, not a cause. Domains with too few respondents are suppressed with a reason."
        ),
    )
    d.add_argument("file", metavar="FILE", help="CSV or Parquet file, one row per respondent")
    d.add_argument("--overall", metavar="COL", required=True, help="overall satisfaction score column")
    src = d.add_mutually_exclusive_group(required=True)
    src.add_argument("--element", metavar="COL", action="append", help="element score column (repeatable)")
    src.add_argument(
        "--elements",
        metavar="MAPPING.json",
        help='{"element": ["criterion column", ...]}: top-box scores 0-100',
    )
    d.add_argument("--top", metavar="V,V", default="4,5", help="answers counted as satisfied (default 4,5)")
    d.add_argument("--dont-know", metavar="V,V", default="0,9", help="don't-know codes (default 0,9)")
    d.add_argument(
        "--min-respondents",
        type=int,
        default=MIN_RESPONDENTS,
        help=f"suppress below (default {MIN_RESPONDENTS})",
    )
    add_design_options(d)
    o = d.add_argument_group("output")
    o.add_argument("--by", metavar="COL", action="append", default=[], help="domain column (repeatable)")
    o.add_argument("--level", type=float, default=0.95, help="confidence level (default 0.95)")
    o.add_argument("--format", choices=("table", "json"), default="table")
    d.set_defaults(func=run_drivers)


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


def _codes_option(text: str, option: str) -> list[float]:
    try:
        return [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise CliUsageError(f"{option} takes comma-separated numbers, got {text!r}") from None


def _element_columns(args: argparse.Namespace) -> tuple[dict[str, list[str]] | None, list[str]]:
    if args.element:
        return None, list(args.element)
    mapping = load_json(args.elements, "elements mapping")
    if (
        not isinstance(mapping, dict)
        or not mapping
        or not all(isinstance(v, list) and v and all(isinstance(c, str) for c in v) for v in mapping.values())
    ):
        raise CliUsageError('--elements must be a JSON object {"element": ["column", ...], ...}')
    groups = {str(k): list(v) for k, v in mapping.items()}
    return groups, list(dict.fromkeys(c for v in groups.values() for c in v))


def _drivers_dict(out: list[DomainDrivers], design: dict[str, Any]) -> dict[str, Any]:
    return {
        "design": design,
        "domains": [
            {
                "domain": dict(d.domain),
                "n": d.n,
                "df_residual": d.r_df,
                "suppressed": d.suppressed_reason,
                "elements": [
                    {
                        "element": e.element,
                        "importance": e.importance,
                        "importance_ci": [e.importance_low, e.importance_high],
                        "performance": e.performance,
                        "performance_ci": [e.performance_low, e.performance_high],
                        "act_first": e.act_first,
                    }
                    for e in d.elements
                ],
            }
            for d in out
        ],
    }


def _drivers_table(out: list[DomainDrivers]) -> str:
    lines: list[str] = []
    for d in out:
        dom = ",".join(f"{k}={v}" for k, v in d.domain.items()) or "(all)"
        if d.suppressed_reason:
            lines.append(f"domain {dom}: n {d.n}: not shown ({d.suppressed_reason})")
            continue
        lines.append(f"domain {dom}: n {d.n}, residual df {d.r_df} (association, not cause)")
        rows = [["element", "importance", "95% interval", "performance", "95% interval", "act first"]]
        for e in d.elements:
            rows.append(
                [
                    e.element,
                    _fmt(e.importance),
                    f"{_fmt(e.importance_low)} to {_fmt(e.importance_high)}",
                    _fmt(e.performance),
                    f"{_fmt(e.performance_low)} to {_fmt(e.performance_high)}",
                    "*" if e.act_first else "",
                ]
            )
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines.extend("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows)
    return "\n".join(lines)


def run_drivers(args: argparse.Namespace) -> int:
    if not 0 < args.level < 1:
        raise CliUsageError(f"--level must be between 0 and 1, got {args.level}")
    if args.min_respondents < 1:
        raise CliUsageError("--min-respondents must be at least 1")
    groups, columns = _element_columns(args)
    top = _codes_option(args.top, "--top")
    dont_know = _codes_option(args.dont_know, "--dont-know")
    targets = load_json(args.calibrate, "calibration targets") if args.calibrate else None
    cal_cols = calibration_columns(targets) if targets is not None else []
    table = read_columns(args.file, [args.overall, *columns, *design_columns(args), *cal_cols])
    design = build_design(table, args, targets)
    try:
        overall = table.numeric(args.overall, role="overall score")
        raw = {c: table.numeric(c, role="element" if groups is None else "criterion") for c in columns}
    except TabularError as exc:
        raise CliUsageError(str(exc)) from None
    if groups is None:
        elements = raw
    else:
        answers = {c: np.where(np.isin(v, dont_know), np.nan, v) for c, v in raw.items()}
        elements = {name: element_scores([answers[c] for c in cols], top) for name, cols in groups.items()}
    by = domains_of(table, args.by)
    try:
        out = estimate_drivers(
            design, overall, elements, by=by, level=args.level, min_respondents=args.min_respondents
        )
    except SamplingError as exc:
        raise CliUsageError(str(exc)) from None
    s = design.summary()
    summary = {
        "rows": s.rows,
        "strata": s.strata,
        "psus": s.psus,
        "df": s.df,
        "weight": s.weight,
        "calibration": s.calibration,
    }
    text = (
        json.dumps(_drivers_dict(out, summary), ensure_ascii=False)
        if args.format == "json"
        else _drivers_table(out)
    )
    sys.stdout.write(text + "\n")
    return 0
