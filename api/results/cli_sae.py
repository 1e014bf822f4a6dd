"""``sipas sae``: area-level small-area estimates (Fay–Herriot, REML, Datta–Lahiri MSE) from a flat file.

One row per area: its label, the direct estimate, the estimate's design variance (or standard error with
``--se``) and the auxiliaries. Numeric auxiliaries enter as numbers; text columns, and columns named with
``--factor``, enter with treatment contrasts (first level in sorted order is the reference, coefficient
names as R prints them: ``levelprovince``). The model is :func:`sampling.small_area.fay_herriot`; user
mistakes become one line on stderr with exit 2 (docs/interfaces.md).
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
import pyarrow as pa

from api.cli.errors import CliFailure, CliUsageError
from api.cli.tabular import Table, TabularError, read_table
from sampling.small_area import FayHerriotFit, SmallAreaError, fay_herriot, treatment_dummies
from survey_engine.results.spreadsheet import csv_cells

FORMATS = ("text", "json", "csv")
_AREA_COLUMNS = (
    "area",
    "direct",
    "direct_se",
    "direct_cv",
    "eblup",
    "mse",
    "rmse",
    "cv",
    "gamma",
    "synthetic",
)


def register(subparsers: Any) -> None:
    sae = subparsers.add_parser(
        "sae",
        help="small-area estimates (Fay-Herriot EBLUPs with MSE)",
        description=(
            "Area-level Fay-Herriot model: REML variance component, regression coefficients, and per area "
            "the direct estimate, the EBLUP (model-based estimate), its Prasad-Rao/Datta-Lahiri MSE, "
            "RMSE and CV. One row per area."
        ),
    )
    sae.add_argument("file", metavar="FILE", help="CSV or Parquet file, one row per area")
    sae.add_argument("--area", metavar="COL", required=True, help="area label column (unique per row)")
    sae.add_argument("--estimate", metavar="COL", required=True, help="direct estimate column")
    spread = sae.add_mutually_exclusive_group(required=True)
    spread.add_argument("--variance", metavar="COL", help="design variance of the direct estimate")
    spread.add_argument("--se", metavar="COL", help="design standard error of the direct estimate")
    sae.add_argument(
        "--aux", metavar="COL", action="append", default=[], help="auxiliary column (repeatable)"
    )
    sae.add_argument(
        "--factor",
        metavar="COL",
        action="append",
        default=[],
        help="treat this --aux column as categorical even if it holds numbers (repeatable)",
    )
    sae.add_argument(
        "--no-intercept", action="store_true", help="fit without an intercept (default: with one)"
    )
    sae.add_argument("--format", choices=FORMATS, default="text")
    sae.set_defaults(func=run_sae)


def _read(path: str, columns: list[str]) -> Table:
    try:
        return read_table(path, columns=list(dict.fromkeys(columns)))
    except TabularError as exc:
        raise CliUsageError(str(exc)) from None
    except OSError as exc:
        raise CliFailure(f"cannot read {path}: {exc}") from None


def _auxiliaries(table: Table, args: argparse.Namespace) -> dict[str, np.ndarray]:
    unknown = [c for c in args.factor if c not in args.aux]
    if unknown:
        raise CliUsageError(f"--factor {unknown[0]!r} is not one of the --aux columns")
    aux: dict[str, np.ndarray] = {}
    for name in dict.fromkeys(args.aux):
        kind = table.arrow.schema.field(name).type
        text = pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_dictionary(kind)
        if name not in args.factor and not text:
            aux[name] = table.numeric(name, missing="error", role="auxiliary")
            continue
        codes, levels = table.codes(name, missing="error", role="auxiliary")
        aux.update(treatment_dummies(name, [levels[c] for c in codes]))
    return aux


def _fit(args: argparse.Namespace) -> FayHerriotFit:
    spread_column = args.variance or args.se
    table = _read(args.file, [args.area, args.estimate, spread_column, *args.aux])
    try:
        codes, levels = table.codes(args.area, missing="error", role="area")
        areas = [levels[c] for c in codes]
        estimates = table.numeric(args.estimate, missing="error", role="estimate")
        spread = table.numeric(spread_column, missing="error", role="variance" if args.variance else "se")
        aux = _auxiliaries(table, args)
        if args.se and (spread <= 0).any():
            i = int(np.flatnonzero(spread <= 0)[0])
            raise SmallAreaError(
                f"standard error of area {areas[i]!r} is {spread[i]:g}: the model needs a positive one"
            )
        variances = spread if args.variance else spread * spread
        return fay_herriot(areas, estimates, variances, aux, intercept=not args.no_intercept)
    except (TabularError, SmallAreaError) as exc:
        raise CliUsageError(str(exc)) from None


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.6g}" if math.isfinite(value) else ""
    return str(value)


def _text(fit: FayHerriotFit) -> str:
    lines = [
        f"model: {fit.method}",
        f"areas: {len(fit.areas)}, sigma2_u {_fmt(fit.sigma2_u)} (se {_fmt(fit.sigma2_u_se)})"
        + (", truncated at 0: every EBLUP is the synthetic estimate" if fit.truncated else "")
        + f", REML log-likelihood {_fmt(fit.log_likelihood)}, {fit.iterations} iterations",
        "",
    ]
    coef = [["term", "estimate", "se", "z", "p"]]
    coef += [[c.term, _fmt(c.estimate), _fmt(c.se), _fmt(c.z), _fmt(c.p)] for c in fit.coefficients]
    rows = [list(_AREA_COLUMNS)]
    rows += [[_fmt(a.to_dict()[k]) for k in _AREA_COLUMNS] for a in fit.areas]
    for table in (coef, rows):
        widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
        for r in table:
            cells = [
                c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True))
            ]
            lines.append("  ".join(cells).rstrip())
        lines.append("")
    return "\n".join(lines)


def _csv(fit: FayHerriotFit) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(_AREA_COLUMNS)
    for a in fit.areas:
        d = a.to_dict()
        # Area labels come from the user's file: through the spreadsheet rule, numbers formatted after it.
        writer.writerow([_fmt(v) for v in csv_cells(d[k] for k in _AREA_COLUMNS)])
    return buf.getvalue()


def run_sae(args: argparse.Namespace) -> int:
    fit = _fit(args)
    if args.format == "json":
        text = json.dumps(fit.to_dict(), ensure_ascii=False, allow_nan=False)
    elif args.format == "csv":
        text = _csv(fit)
    else:
        text = _text(fit)
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0
