"""The options of ``sipas estimate`` beyond means, totals and proportions (docs/interfaces.md):
quantiles (``--quantile P``, ``--qrule``, ``--quantile-ci``), ratios (``--ratio-to COL``), non-linear
contrasts of the estimates (``--contrast EXPR``), replicate-weight variance (``--replicates TYPE``) and
``--na-rm``. The statistics are :mod:`sampling`'s; this module reads the options and prints the estimates
with the command's table, CSV or JSON. User mistakes become :class:`CliUsageError` (one line, exit 2).
"""

from __future__ import annotations

import argparse
import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from api.cli.errors import CliUsageError
from sampling import Design, Domains, Estimate, EstimateSet
from sampling.contrasts import Contrast, nonlinear_contrast
from sampling.estimators import DfOption, estimate_ratios
from sampling.intervals import wald_interval
from sampling.quantiles import QUANTILE_INTERVALS, QUANTILE_RULES, estimate_quantiles
from sampling.replicate_quantiles import estimate_replicate_quantiles
from sampling.replicates import ReplicateDesign, ReplicateEstimate, replicate_design

__all__ = ["add_options", "check_options", "extra_wanted", "replicate_estimates", "taylor_extras"]

REPLICATE_TYPES = ("auto", "JK1", "JKn", "bootstrap", "subbootstrap")
QUANTILE_CI = (*QUANTILE_INTERVALS, "quantile")  # "quantile": replicate quantiles (--replicates only)


def add_options(est: argparse.ArgumentParser, kind: Any) -> None:
    """The extra options, ``--quantile`` and ``--ratio-to`` in the statistic's mutually exclusive group."""
    kind.add_argument(
        "--quantile",
        metavar="P",
        type=float,
        action="append",
        help="quantile with probability P in [0, 1] (repeatable; R's svyquantile)",
    )
    kind.add_argument("--ratio-to", metavar="COL", help="ratio of each --var to COL (R's svyratio)")
    q = est.add_argument_group("quantiles, contrasts, replicate weights")
    q.add_argument("--qrule", choices=QUANTILE_RULES, default="math", help="quantile rule (default math)")
    q.add_argument(
        "--quantile-ci",
        choices=QUANTILE_CI,
        default="mean",
        help="quantile interval: mean (Woodruff, default), beta, score; quantile (with --replicates)",
    )
    q.add_argument(
        "--contrast",
        metavar="EXPR",
        action="append",
        default=[],
        help="f of the estimates by the delta method, e.g. 'log(a/b)' (names: the --var columns; "
        "+ - * / ^ log exp sqrt; repeatable; per domain with --by)",
    )
    q.add_argument(
        "--replicates",
        choices=REPLICATE_TYPES,
        help="replicate-weight variance from the design (R's as.svrepdesign; auto: JK1, or JKn with strata)",
    )
    q.add_argument("--replicate-count", type=int, default=50, help="bootstrap replicates (default 50)")
    q.add_argument("--seed", type=int, default=0, help="seed of the bootstrap replicates (default 0)")
    q.add_argument("--na-rm", action="store_true", help="drop rows with a missing --var (R's na.rm=TRUE)")


def extra_wanted(args: argparse.Namespace) -> bool:
    return bool(args.quantile or args.ratio_to or args.contrast or args.replicates or args.na_rm)


def check_options(args: argparse.Namespace) -> None:
    """Combinations that make no sense are refused before the file is read."""
    if args.quantile and args.contrast:
        raise CliUsageError("--contrast applies to means, totals and ratios, not to --quantile")
    if args.proportion and args.contrast:
        raise CliUsageError("--contrast applies to means, totals and ratios, not to --proportion")
    if args.quantile_ci != "mean" and not args.quantile:
        raise CliUsageError("--quantile-ci applies to --quantile only")
    if args.qrule != "math" and not args.quantile:
        raise CliUsageError("--qrule applies to --quantile only")
    if args.quantile_ci == "quantile" and not args.replicates:
        raise CliUsageError("--quantile-ci quantile needs --replicates (replicate quantiles)")
    if args.quantile_ci == "score" and args.replicates:
        raise CliUsageError(
            "--quantile-ci score is for linearised designs (R has no score interval on replicates)"
        )
    if args.replicates and (args.contrast or args.deff or args.rule not in ("auto", "none")):
        raise CliUsageError(
            "--replicates gives estimates with replicate SEs: no --contrast, --deff or --rule"
        )
    if args.replicates and args.calibrate:
        raise CliUsageError(
            "--replicates does not carry a --calibrate (recalibrating each replicate is not built)"
        )
    for p in args.quantile or ():
        if not 0.0 <= p <= 1.0:
            raise CliUsageError(f"--quantile must be in [0, 1], got {p}")
    if args.replicate_count < 2:
        raise CliUsageError("--replicate-count must be at least 2")


def _contrasts(
    result: EstimateSet, exprs: Sequence[str], names: Sequence[str], level: float, df: DfOption
) -> list[Estimate]:
    """Each expression in each domain (names: the variables estimated in that domain)."""
    out: list[Estimate] = []
    domains: list[dict[str, str]] = []
    for e in result.estimates:
        if dict(e.domain) not in domains:
            domains.append(dict(e.domain))
    dfv = None if df in ("design", None) else (math.inf if df == "inf" else float(str(df)))
    for text in exprs:
        for dom in domains:
            positions = {n: result.find(n, dom) for n in names}
            c: Contrast = nonlinear_contrast(result, text, positions, level=level, df=dfv)
            out.append(c.estimate)
    return out


def taylor_extras(
    args: argparse.Namespace,
    design: Design,
    variables: Mapping[str, npt.NDArray[np.float64]],
    by: Domains | None,
    df: DfOption,
    column: Callable[[str], npt.NDArray[np.float64]],
    base: Callable[[], EstimateSet],
) -> tuple[EstimateSet, list[Estimate]]:
    """Quantiles or ratios (else the command's means/totals from ``base``) and the contrasts of them."""
    if args.quantile:
        result = estimate_quantiles(
            design,
            variables,
            args.quantile,
            by=by,
            level=args.level,
            df=df,
            rule=args.rule,
            qrule=args.qrule,
            interval=args.quantile_ci,
        )
    elif args.ratio_to:
        x = column(args.ratio_to)
        result = estimate_ratios(
            design, {v: (y, x) for v, y in variables.items()}, by=by, level=args.level, df=df, rule=args.rule
        )
    else:
        result = base()
    extra = _contrasts(result, args.contrast, list(variables), args.level, df) if args.contrast else []
    return result, extra


def _domain_array(by_values: Mapping[str, npt.NDArray[Any]] | None, n: int) -> npt.NDArray[Any] | None:
    if not by_values:
        return None
    cols = list(by_values.values())
    return np.array(["\x1f".join(str(c[i]) for c in cols) for i in range(n)], dtype=object)


def _label(value: object, by: Sequence[str]) -> dict[str, str]:
    if value is None:
        return {}
    return dict(zip(by, str(value).split("\x1f"), strict=True))


def _as_estimates(
    est: ReplicateEstimate, names: Sequence[str], by: Sequence[str], df: float, level: float, n: Sequence[int]
) -> list[Estimate]:
    out = []
    for g, label in enumerate(est.domains):
        for j, name in enumerate(names):
            value, se = float(est.estimate[g, j]), float(est.se[g, j])
            low, high = wald_interval([value], [se], None if math.isinf(df) else [df], level)
            out.append(
                Estimate(
                    variable=name,
                    domain=_label(label, by),
                    statistic=est.statistic,
                    estimate=value,
                    se=se,
                    ci_low=float(low[0]),
                    ci_high=float(high[0]),
                    level=level,
                    ci_method="wald-normal" if math.isinf(df) else "wald-t",
                    df=None if math.isinf(df) else df,
                    n=int(n[g]),
                    cv=se / abs(value) if value != 0 else None,
                )
            )
    return out


def replicate_estimates(
    args: argparse.Namespace,
    design: Design,
    variables: Mapping[str, npt.NDArray[np.float64]],
    by_values: Mapping[str, npt.NDArray[Any]] | None,
    df: DfOption,
    column: Callable[[str], npt.NDArray[np.float64]],
) -> tuple[dict[str, Any], list[Estimate]]:
    """Estimates with replicate-weight SEs: (the design's description, the estimates)."""
    rep: ReplicateDesign = replicate_design(
        design, args.replicates, replicates=args.replicate_count, rng=args.seed
    )
    n = design.n_rows
    dom = _domain_array(by_values, n)
    by = list(by_values or {})
    described = {"replicates": rep.kind, "replicate_count": rep.n_replicates, "df": rep.df, "rows": n}
    dfv = float(rep.df) if df in ("design", None) else (math.inf if df == "inf" else float(str(df)))
    if args.quantile:
        found = estimate_replicate_quantiles(
            rep,
            variables,
            args.quantile,
            domain=dom,
            qrule=args.qrule,
            interval=args.quantile_ci,
            level=args.level,
            df=None if df in ("design", None) else dfv,
            na_rm=args.na_rm,
        )
        return described, [
            dataclasses.replace(e, domain=_label(e.domain.get("domain"), by)) if by else e for e in found
        ]
    names = list(variables)
    y = np.column_stack([variables[v] for v in names])
    if args.ratio_to:
        x = column(args.ratio_to)
        est = rep.ratio(y, x, dom, na_rm=args.na_rm)
        valid = np.all(~np.isnan(np.column_stack([y, x])), axis=1)
    elif args.total:
        est = rep.total(y, dom, na_rm=args.na_rm)
        valid = np.all(~np.isnan(y), axis=1)
    elif args.proportion:
        est = rep.proportion(y, dom, na_rm=args.na_rm)
        valid = np.all(~np.isnan(y), axis=1)
    else:
        est = rep.mean(y, dom, na_rm=args.na_rm)
        valid = np.all(~np.isnan(y), axis=1)
    counts = [int(valid.sum())] if dom is None else [int((valid & (dom == lv)).sum()) for lv in est.domains]
    return described, _as_estimates(est, names, by, dfv, args.level, counts)
