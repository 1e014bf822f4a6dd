"""Design-based statistics commands: ``sipas estimate`` and ``sipas index`` (docs/interfaces.md).

Both read a flat file (CSV or Parquet) with :mod:`api.cli.tabular`, build a :class:`sampling.Design` from the
design options, optionally calibrate it (``--calibrate TARGETS.json`` through ``sampling.calibration``),
and print ``--format table|json|csv``. User mistakes become one line on stderr with exit 2.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from api.cli.errors import CliFailure, CliUsageError
from api.cli.tabular import Table, TabularError, read_table
from api.results import cli_estimate_extra as extra
from sampling import Design, Domains, Estimate, EstimateSet, IndexResult
from sampling.errors import SamplingError
from sampling.estimators import DfOption, estimate_means, estimate_proportions, estimate_totals
from sampling.indices import estimate_indices
from sampling.publication import PUBLICATION_RULES
from survey_engine.results.spreadsheet import csv_cells

FORMATS = ("table", "json", "csv")
LONELY = ("fail", "remove", "certainty", "adjust", "average")
CI_CHOICES = ("wald", "logit", "xlogit", "korn-graubard", "wilson", "asin")
QUESTIONNAIRES = ("sipas-2017", "sipas-2023", "sipas-2025", "decree61-9", "ikm-9")
#: Templates scored by another rule than the top-box share (their rule comes with the questionnaire).
RULE_TEMPLATES = ("decree61-9", "ikm-9")


# --------------------------------------------------------------------------------------------------
# Argument parsing
# --------------------------------------------------------------------------------------------------


def add_design_options(p: argparse.ArgumentParser) -> None:
    """The design options shared by ``sipas estimate``, ``index`` and ``glm`` (weights, strata, PSUs, …)."""
    g = p.add_argument_group("design")
    g.add_argument("--weight", metavar="COL", help="final weight column (default: from --fpc, else 1)")
    g.add_argument("--strata", metavar="COL", help="stratum column")
    g.add_argument("--psu", metavar="COL", help="first-stage cluster (PSU) column")
    g.add_argument("--fpc", metavar="COL", help="PSUs in the stratum, or sampling fraction when <= 1 (as R)")
    g.add_argument("--ssu", metavar="COL", help="second-stage cluster column (needs --fpc and --fpc2)")
    g.add_argument("--fpc2", metavar="COL", help="second-stage units in the PSU, or fraction")
    g.add_argument("--nest", action="store_true", help="PSU codes are unique only within strata")
    g.add_argument(
        "--lonely-psu", choices=LONELY, default="fail", help="single-PSU strata (default: fail, as R)"
    )
    g.add_argument("--calibrate", metavar="TARGETS.json", help="poststratify/rake/linear calibration targets")


def _add_design_options(p: argparse.ArgumentParser) -> None:
    add_design_options(p)
    o = p.add_argument_group("output")
    o.add_argument("--by", metavar="COL", action="append", default=[], help="domain column (repeatable)")
    o.add_argument("--df", default="design", help="degrees of freedom: design (default), inf, or a number")
    o.add_argument("--level", type=float, default=0.95, help="confidence level (default 0.95)")
    o.add_argument(
        "--rule", choices=PUBLICATION_RULES, default="auto", help="publication rule (default auto)"
    )
    o.add_argument("--format", choices=FORMATS, default="table")


def register(subparsers: Any) -> None:
    est = subparsers.add_parser(
        "estimate",
        help="design-based estimates from a flat file",
        description="Means (default), totals, proportions, ratios or quantiles with design-based SEs and "
        "intervals (linearised, or from replicate weights with --replicates); non-linear contrasts of the "
        "estimates with --contrast.",
    )
    est.add_argument("file", metavar="FILE", help="CSV or Parquet file")
    est.add_argument("--var", metavar="COL", action="append", required=True, help="variable (repeatable)")
    kind = est.add_mutually_exclusive_group()
    kind.add_argument("--total", action="store_true", help="estimate totals")
    kind.add_argument("--proportion", action="store_true", help="0/1 columns as proportions")
    est.add_argument(
        "--ci",
        choices=CI_CHOICES,
        default=None,
        help="interval: wald (means, totals) or logit (proportions, default), korn-graubard, …",
    )
    est.add_argument("--deff", action="store_true", help="design effects (R's deff=TRUE)")
    extra.add_options(est, kind)
    _add_design_options(est)
    est.set_defaults(func=run_estimate)

    idx = subparsers.add_parser(
        "index",
        help="SIPAS criterion, element and overall indices",
        description="Top-two-box (or 0-100 mean score) indices per criterion, element, part and overall; "
        "a template scored by another rule (decree61-9: total score 0-18; ikm-9: weighted mean x 25, bands "
        "A-D) is estimated by its own rule, its scored items read as option codes.",
    )
    idx.add_argument("file", metavar="FILE", help="CSV or Parquet file, one column per criterion")
    src = idx.add_mutually_exclusive_group(required=True)
    src.add_argument(
        "--questionnaire", choices=QUESTIONNAIRES, help="take criteria and elements from a template"
    )
    src.add_argument("--elements", metavar="MAPPING.json", help='{"element": ["column", ...], ...}')
    idx.add_argument("--measure", choices=("top-two-box", "mean-score"), default="top-two-box")
    idx.add_argument("--top", metavar="V,V", help="answers counted as satisfied (default 4,5)")
    idx.add_argument("--dont-know", metavar="V,V", help="don't-know codes (default 0,9; template's code)")
    idx.add_argument(
        "--ci", choices=CI_CHOICES[1:], default="logit", help="criterion interval (default logit)"
    )
    idx.add_argument(
        "--index-ci",
        choices=("logit", "wald"),
        default="logit",
        help="element, part and overall index interval: logit (delta method, stays within 0-100; default) "
        "or wald",
    )
    _add_design_options(idx)
    idx.set_defaults(func=run_index)


# --------------------------------------------------------------------------------------------------
# Shared steps
# --------------------------------------------------------------------------------------------------


def read_columns(path: str, columns: Sequence[str]) -> Table:
    try:
        return read_table(path, columns=list(dict.fromkeys(columns)))
    except TabularError as exc:
        raise CliUsageError(str(exc)) from None
    except OSError as exc:
        raise CliFailure(f"cannot read {path}: {exc}") from None


def load_json(path: str, what: str) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CliUsageError(f"{what} file not found: {path}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise CliUsageError(f"{what} file {path} is not valid JSON: {exc}") from None


def calibration_columns(targets: Any) -> list[str]:
    if not isinstance(targets, dict) or not isinstance(targets.get("margins"), dict):
        raise CliUsageError('calibration targets need {"method": ..., "margins": {"COL": {"LEVEL": count}}}')
    return [part for key in targets["margins"] for part in str(key).split("|")]


def design_columns(args: argparse.Namespace) -> list[str]:
    cols = [c for c in (args.weight, args.strata, args.psu, args.fpc, args.ssu, args.fpc2) if c]
    return cols + list(args.by)


def build_design(table: Table, args: argparse.Namespace, targets: Any) -> Design:
    try:
        weights = None
        if args.weight:
            weights = table.numeric(args.weight, missing="error", role="weight", nonnegative=True)
        strata = table.codes(args.strata, missing="error", role="strata")[0] if args.strata else None
        psu = table.codes(args.psu, missing="error", role="psu")[0] if args.psu else None
        ssu = table.codes(args.ssu, missing="error", role="ssu")[0] if args.ssu else None
        fpc = table.numeric(args.fpc, missing="error", role="fpc") if args.fpc else None
        fpc2 = table.numeric(args.fpc2, missing="error", role="fpc2") if args.fpc2 else None
    except TabularError as exc:
        raise CliUsageError(str(exc)) from None
    if weights is not None and weights.size and not weights.any():
        # R accepts the design and answers NaN (0/0) for every estimate; a blank result with exit 0 reads
        # as success, so say what is wrong. Some zero weights (nonrespondents) are fine, as in R, and a
        # domain whose weights are all zero gets R's empty estimate while the others are computed.
        raise CliUsageError(f"weight {args.weight!r} is 0 in every row: nothing can be estimated")
    try:
        design = Design(
            weights=weights,
            strata=strata,
            psu=psu,
            ssu=ssu,
            fpc=fpc,
            fpc2=fpc2,
            nest=args.nest,
            lonely_psu=args.lonely_psu,
            weight_name=args.weight,
            n_rows=table.n_rows,
        )
    except SamplingError as exc:
        raise CliUsageError(str(exc)) from None
    if targets is None:
        return design
    try:
        from sampling.calibration import calibrate
    except ImportError:
        raise CliFailure("calibration is not available (sampling.calibration is missing)") from None
    columns: dict[str, Any] = {}
    try:
        for col in calibration_columns(targets):
            codes, levels = table.codes(col, role="calibration column")
            labels = np.asarray([*levels, None], dtype=object)
            columns[col] = labels[np.where(codes < 0, len(levels), codes)]
        calibrated, _report = calibrate(design, targets, columns)
    except TabularError as exc:
        raise CliUsageError(str(exc)) from None
    except SamplingError as exc:
        raise CliUsageError(f"calibration: {exc}") from None
    return calibrated


def domains_of(table: Table, by: Sequence[str]) -> Domains | None:
    if not by:
        return None
    try:
        return Domains.from_codes({col: table.codes(col, role="domain column") for col in by})
    except TabularError as exc:
        raise CliUsageError(str(exc)) from None


def _df_option(text: str) -> DfOption:
    if text == "design":
        return "design"
    if text == "inf":
        return "inf"
    try:
        value = float(text)
    except ValueError:
        raise CliUsageError(f"--df must be design, inf or a positive number, got {text!r}") from None
    if not value > 0:
        raise CliUsageError(f"--df must be positive, got {text!r}")
    return value


def _check_level(level: float) -> None:
    if not 0 < level < 1:
        raise CliUsageError(f"--level must be between 0 and 1, got {level}")


# --------------------------------------------------------------------------------------------------
# Output
# --------------------------------------------------------------------------------------------------


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        if not math.isfinite(value):
            return ""
        return f"{value:.6g}" if abs(value) < 1e7 else f"{value:.0f}"
    return str(value)


def _domain_text(domain: Any) -> str:
    return ",".join(f"{k}={v}" for k, v in dict(domain).items())


_TABLE_COLUMNS = (
    "variable",
    "domain",
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "df",
    "n",
    "deff",
    "cv",
    "flag",
)
_CSV_COLUMNS = (
    "estimate",
    "se",
    "ci_low",
    "ci_high",
    "level",
    "ci_method",
    "df",
    "n",
    "deff",
    "n_eff",
    "cv",
    "flag",
    "flag_reason",
)


def _table(estimates: Sequence[Estimate], header: str) -> str:
    rows = [list(_TABLE_COLUMNS)]
    for e in estimates:
        d = e.to_dict()
        d["domain"] = _domain_text(e.domain) or "(all)"
        d["flag"] = "" if e.flag is None else f"{e.flag}: {e.flag_reason}"
        rows.append([_fmt(d[c]) for c in _TABLE_COLUMNS])
    widths = [max(len(r[i]) for r in rows) for i in range(len(_TABLE_COLUMNS))]
    lines = [header] if header else []
    for r in rows:
        lines.append(
            "  ".join(
                cell.ljust(w) if i < 2 else cell.rjust(w)
                for i, (cell, w) in enumerate(zip(r, widths, strict=True))
            ).rstrip()
        )
    return "\n".join(lines)


def _csv(estimates: Sequence[Estimate], by: Sequence[str], extra: dict[str, str] | None = None) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    lead = list(extra or {})
    w.writerow(csv_cells([*lead, "variable", *by, *_CSV_COLUMNS]))
    for e in estimates:
        d = e.to_dict()
        # Column names and domain labels come from the user's file: text through the spreadsheet rule,
        # numbers formatted after it (so -0.5 stays a number).
        cells = csv_cells(
            [
                *(extra or {}).values(),
                e.variable,
                *(e.domain.get(b, "") for b in by),
                *(d.get(c) for c in _CSV_COLUMNS),
            ]
        )
        w.writerow([_fmt(v) for v in cells])
    return buf.getvalue()


def _design_header(result: EstimateSet) -> str:
    d = result.design
    return (
        f"design: {d.rows} rows, {d.strata} strata, {d.psus} PSUs, df {d.df}, weight {d.weight or '(none)'}"
        + (f", calibration {d.calibration}" if d.calibration else "")
    )


def _emit(text: str) -> None:
    sys.stdout.write(text if text.endswith("\n") else text + "\n")


# --------------------------------------------------------------------------------------------------
# Commands
# --------------------------------------------------------------------------------------------------


def run_estimate(args: argparse.Namespace) -> int:
    _check_level(args.level)
    df = _df_option(args.df)
    ci = args.ci
    if not args.proportion and ci not in (None, "wald"):
        raise CliUsageError(f"--ci {ci} applies to --proportion only (means and totals use wald)")
    extra.check_options(args)
    targets = load_json(args.calibrate, "calibration targets") if args.calibrate else None
    cal_cols = calibration_columns(targets) if targets is not None else []
    ratio_cols = [args.ratio_to] if args.ratio_to else []
    table = read_columns(args.file, [*args.var, *ratio_cols, *design_columns(args), *cal_cols])
    design = build_design(table, args, targets)
    try:
        variables = {v: table.numeric(v, role="variable") for v in args.var}
    except TabularError as exc:
        raise CliUsageError(str(exc)) from None

    def column(name: str) -> np.ndarray:
        try:
            return table.numeric(name, role="denominator")
        except TabularError as exc:
            raise CliUsageError(str(exc)) from None

    if extra.extra_wanted(args):
        return _run_extra(args, table, design, variables, df, column)
    by = domains_of(table, args.by)
    deff: bool = bool(args.deff)
    try:
        if args.proportion:
            result = estimate_proportions(
                design, variables, by=by, ci=ci or "logit", level=args.level, df=df, deff=deff, rule=args.rule
            )
        elif args.total:
            result = estimate_totals(
                design, variables, by=by, level=args.level, df=df, deff=deff, rule=args.rule
            )
        else:
            result = estimate_means(
                design, variables, by=by, level=args.level, df=df, deff=deff, rule=args.rule
            )
    except SamplingError as exc:
        raise CliUsageError(str(exc)) from None
    if args.format == "json":
        _emit(json.dumps(result.to_dict(), ensure_ascii=False))
    elif args.format == "csv":
        _emit(_csv(result.estimates, args.by))
    else:
        _emit(_table(result.estimates, _design_header(result)))
    return 0


def _replicate_domains(table: Table, by: Sequence[str]) -> dict[str, np.ndarray]:
    """Each --by column's labels per row (a replicate design needs a value in every row)."""
    out = {}
    for b in by:
        try:
            codes, labels = table.codes(b, missing="error", role="domain column")
        except TabularError as exc:
            raise CliUsageError(f"{exc} (--replicates needs a domain value in every row)") from None
        out[b] = np.asarray(labels, dtype=object)[codes]
    return out


def _run_extra(
    args: argparse.Namespace,
    table: Table,
    design: Design,
    variables: dict[str, np.ndarray],
    df: DfOption,
    column: Any,
) -> int:
    """Quantiles, ratios, contrasts, replicate weights or ``--na-rm``
    (:mod:`api.results.cli_estimate_extra`)."""
    try:
        if args.replicates:
            by_values = _replicate_domains(table, args.by)
            described, estimates = extra.replicate_estimates(args, design, variables, by_values, df, column)
            if args.format == "json":
                _emit(
                    json.dumps(
                        {"design": described, "estimates": [e.to_dict() for e in estimates]},
                        ensure_ascii=False,
                    )
                )
            elif args.format == "csv":
                _emit(_csv(estimates, args.by))
            else:
                header = (
                    f"design: {described['rows']} rows, replicate weights {described['replicates']} "
                    f"({described['replicate_count']} replicates), df {described['df']}"
                )
                _emit(_table(estimates, header))
            return 0
        if args.na_rm:  # R's na.rm=TRUE: a row missing any --var is left out of every estimate
            incomplete = np.any([np.isnan(v) for v in variables.values()], axis=0)
            variables = {k: np.where(incomplete, np.nan, v) for k, v in variables.items()}
        by = domains_of(table, args.by)

        def base() -> EstimateSet:
            if args.proportion:
                return estimate_proportions(
                    design,
                    variables,
                    by=by,
                    ci=args.ci or "logit",
                    level=args.level,
                    df=df,
                    deff=bool(args.deff),
                    rule=args.rule,
                )
            if args.total:
                return estimate_totals(
                    design, variables, by=by, level=args.level, df=df, deff=bool(args.deff), rule=args.rule
                )
            return estimate_means(
                design, variables, by=by, level=args.level, df=df, deff=bool(args.deff), rule=args.rule
            )

        result, contrasts = extra.taylor_extras(args, design, variables, by, df, column, base)
    except SamplingError as exc:
        raise CliUsageError(str(exc)) from None
    estimates = [*result.estimates, *contrasts]
    if args.format == "json":
        body = result.to_dict()
        body["estimates"] = [e.to_dict() for e in estimates]
        _emit(json.dumps(body, ensure_ascii=False))
    elif args.format == "csv":
        _emit(_csv(estimates, args.by))
    else:
        _emit(_table(estimates, _design_header(result)))
    return 0


def _template_structure(name: str) -> dict[str, Any]:
    """Criteria and groups of a built-in questionnaire (through survey_engine, else its JSON file)."""
    try:
        from survey_engine.questionnaire import get_template, index_structure
    except ImportError:
        path = Path(__file__).resolve().parents[2] / "survey_engine" / "questionnaire" / "templates"
        file = path / f"{name}.json"
        if not file.exists():
            raise CliFailure(f"questionnaire template {name!r} is not available") from None
        raise CliFailure(f"questionnaire engine not importable; use --elements with {file}") from None
    try:
        structure: dict[str, Any] = index_structure(get_template(name))
    except (KeyError, ValueError) as exc:
        raise CliUsageError(f"questionnaire {name!r}: {exc}") from None
    return structure


def _parse_codes(text: str | None, option: str) -> list[float] | None:
    if text is None:
        return None
    try:
        return [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise CliUsageError(f"{option} takes comma-separated numbers, got {text!r}") from None


def _index_groups(
    args: argparse.Namespace,
) -> tuple[list[str], dict[str, list[str]], list[float], list[float]]:
    top: list[float] = [4.0, 5.0]
    dont_know: list[float] = [0.0, 9.0]
    if args.questionnaire:
        s = _template_structure(args.questionnaire)
        criteria = [c["code"] for c in s["criteria"]]
        groups = {e["code"]: list(e["criteria"]) for e in s["elements"]}
        for part in s.get("parts") or []:
            members = part.get("criteria") or [
                c["code"] for c in s["criteria"] if c.get("part") == part["code"]
            ]
            groups[f"part {part['code']}"] = list(members)
        if s.get("top_values"):
            top = [float(v) for v in s["top_values"]]
        if isinstance(s.get("dont_know"), int | float):
            dont_know = [float(s["dont_know"])]
    else:
        mapping = load_json(args.elements, "elements mapping")
        if not isinstance(mapping, dict) or not all(
            isinstance(v, list) and all(isinstance(c, str) for c in v) for v in mapping.values()
        ):
            raise CliUsageError('--elements must be a JSON object {"element": ["column", ...], ...}')
        groups = {str(k): list(v) for k, v in mapping.items()}
        criteria = list(dict.fromkeys(c for v in groups.values() for c in v))
    top = _parse_codes(args.top, "--top") or top
    dont_know = _parse_codes(args.dont_know, "--dont-know") or dont_know
    return criteria, groups, top, dont_know


def _rule_index(args: argparse.Namespace, df: DfOption) -> IndexResult:
    """Indices of a template scored by its own rule (``RULE_TEMPLATES``): each criterion's value from the
    file (scale answers as numbers; scored single-choice answers as option codes, as ``sipas export``
    writes them), "don't know" and empty cells left out of that criterion."""
    from sampling.index_rules import estimate_rule
    from survey_engine.answer_codes import criteria_layout
    from survey_engine.questionnaire import get_template
    from survey_engine.results.analysis_cells import groups_of
    from survey_engine.results.index_rule import scoring_rule

    if args.top or args.measure != "top-two-box":
        raise CliUsageError(f"--top and --measure apply to top-box templates, not {args.questionnaire}")
    q = get_template(args.questionnaire)
    layout = criteria_layout(q)
    targets = load_json(args.calibrate, "calibration targets") if args.calibrate else None
    cal_cols = calibration_columns(targets) if targets is not None else []
    table = read_columns(args.file, [*layout.codes, *design_columns(args), *cal_cols])
    design = build_design(table, args, targets)
    values: dict[str, np.ndarray] = {}
    for c in layout.criteria:
        if c.choices:
            item = q.item(c.code)
            score = {o.code: float(o.score) for o in item.options or [] if o.score is not None}
            codes, labels = table.codes(c.code, role="criterion")
            unknown = [v for v in labels if v not in score and v != "DK"]
            if unknown:
                raise CliUsageError(f"criterion {c.code!r}: {unknown[0]!r} is not one of its options")
            by_label = np.array([score.get(v, np.nan) for v in labels] + [np.nan])
            values[c.code] = by_label[codes]  # -1 (empty) takes the last entry, NaN
            continue
        try:
            answers = table.numeric(c.code, role="criterion")
        except TabularError as exc:
            raise CliUsageError(str(exc)) from None
        off = ~(np.isnan(answers) | np.isin(answers, [*c.valid, 0, 9]))
        if off.any():
            row = int(np.flatnonzero(off)[0]) + 1
            raise CliUsageError(
                f"criterion {c.code!r}: answer {answers[row - 1]:g} at row {row} is not on the scale"
            )
        valid = np.isin(answers, list(c.valid))
        if layout.rule == "mean_score":
            answers = (answers - c.low) / (c.high - c.low)
        values[c.code] = np.where(valid, answers, np.nan)
    try:
        return estimate_rule(
            design,
            values,
            scoring_rule(layout, groups_of(layout)),
            by=domains_of(table, args.by),
            index_ci=args.index_ci,
            level=args.level,
            df=df,
            publication=args.rule,
        )
    except SamplingError as exc:
        raise CliUsageError(str(exc)) from None


def run_index(args: argparse.Namespace) -> int:
    _check_level(args.level)
    df = _df_option(args.df)
    if args.questionnaire in RULE_TEMPLATES:
        _print_index(args, _rule_index(args, df))
        return 0
    criteria, groups, top, dont_know = _index_groups(args)
    targets = load_json(args.calibrate, "calibration targets") if args.calibrate else None
    cal_cols = calibration_columns(targets) if targets is not None else []
    table = read_columns(args.file, [*criteria, *design_columns(args), *cal_cols])
    design = build_design(table, args, targets)
    try:
        answers = {c: table.numeric(c, role="criterion") for c in criteria}
    except TabularError as exc:
        raise CliUsageError(str(exc)) from None
    by = domains_of(table, args.by)
    try:
        result: IndexResult = estimate_indices(
            design,
            answers,
            groups,
            by=by,
            measure=args.measure,
            top=top,
            dont_know=dont_know,
            ci=args.ci,
            index_ci=args.index_ci,
            level=args.level,
            df=df,
            rule=args.rule,
        )
    except SamplingError as exc:
        raise CliUsageError(str(exc)) from None
    _print_index(args, result)
    return 0


def _print_index(args: argparse.Namespace, result: IndexResult) -> None:
    if args.format == "json":
        _emit(json.dumps(result.to_dict(), ensure_ascii=False))
    elif args.format == "csv":
        text = _csv(result.groups.estimates, args.by, {"level_of": "index", "measure": result.measure})
        body = _csv(result.criteria.estimates, args.by, {"level_of": "criterion", "measure": result.measure})
        _emit(text + body.split("\n", 1)[1])
    else:
        header = _design_header(result.criteria) + f"\nmeasure: {result.measure}"
        _emit(
            _table(result.groups.estimates, header)
            + "\n\ncriteria:\n"
            + _table(result.criteria.estimates, "")
        )
        dk = [d for d in result.dont_know if d.count]
        if dk:
            _emit(
                "\ndon't know / not applicable (excluded from denominators):\n"
                + "\n".join(f"  {d.criterion} {_domain_text(d.domain) or '(all)'}: {d.count}" for d in dk)
            )
