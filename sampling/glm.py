"""Survey-weighted generalised linear models as R's ``svyglm`` fits them (survey 4.1).

Families: ``gaussian`` (identity link), ``quasibinomial`` (logit) and ``quasipoisson`` (log). The
coefficients solve the weighted score equations Σ_k w_k x_k (y_k − μ_k) μ'_k / V(μ_k) = 0 by R's IRLS
(:mod:`sampling.glm_irls`), with the weights rescaled to mean 1 as ``svyglm(rescale = TRUE)`` does (the
rescaling changes nothing but R's starting values and convergence test, which we copy).

Standard errors (Binder 1983; Lumley 2010 §5.2; R ``svy.varcoef``): the influence of row k on β̂ is

    z_k = A⁻¹ x_k w_k (y_k − μ_k) μ'_k / V(μ_k),        A = Σ_k w_k x_k x_kᵀ μ'_k² / V(μ_k),

and V̂(β̂) is the design covariance of the estimated total Σ z_k (:func:`sampling.variance.covariance`:
strata, clusters, FPC, a second stage, lonely PSUs, and the calibration's residualisation as R's
``svyrecvar`` applies it). For a replicate-weight design the model is refitted with each replicate's
weights (normalised to sum 1) from the full-sample coefficients, and
V̂ = scale Σ_r rscale_r (β̂_r − β̄)(β̂_r − β̄)ᵀ (R ``svyglm.svyrep.design`` and ``svrVar``).

Inference as R's ``summary.svyglm``: t = β̂/SE on the residual degrees of freedom df − p + 1 (df = design
degrees of freedom of the rows used, R's ``degf``); intervals β̂ ± t_{df−p+1} SE (R's ``confint``);
``wald_test`` is R's ``regTermTest`` (F = β̂ᵀV̂⁻¹β̂/q on q and df − p + 1 degrees of freedom); ``predict``
is R's ``predict.svyglm`` (link, or response with the delta method).

Domains are fitted as R fits ``svyglm(…, design = subset(design, domain))``: rows outside the domain keep
their PSU with influence 0 (n_h and the stratum means come from the whole design), and a calibrated design
keeps every row with weight 0 outside. Rows with a missing value in any variable of the formula are
dropped, as R's ``na.omit``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy import stats

from sampling.design import Design
from sampling.errors import EstimationError
from sampling.estimators import Domains
from sampling.glm_formula import Column, Formula, ModelMatrix, model_matrix, parse_formula
from sampling.glm_irls import (
    ConvergenceError,
    Family,
    SeparationError,
    SingularModelError,
    check_response,
    irls,
    response_of,
)
from sampling.replicates import ReplicateDesign
from sampling.variance import Linearisation, average_factor, covariance

__all__ = ["FAMILIES", "Coefficient", "GlmModel", "GlmResult", "Prediction", "TermTest", "fit_glm"]

FAMILIES: tuple[Family, ...] = ("gaussian", "quasibinomial", "quasipoisson")
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
DataColumn = npt.ArrayLike | tuple[npt.ArrayLike, Sequence[str]]


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


@dataclass(frozen=True)
class Coefficient:
    """One row of R's coefficient table, with the interval of R's ``confint``."""

    term: str
    estimate: float
    se: float
    t: float
    p: float
    ci_low: float
    ci_high: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "term": self.term,
            "estimate": _finite(self.estimate),
            "se": _finite(self.se),
            "t": _finite(self.t),
            "p": _finite(self.p),
            "ci_low": _finite(self.ci_low),
            "ci_high": _finite(self.ci_high),
        }


@dataclass(frozen=True)
class TermTest:
    """R's ``regTermTest(model, terms)`` with the default Wald F test."""

    terms: tuple[str, ...]
    f: float
    df: int
    ddf: int
    p: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "term": ":".join(self.terms) if len(self.terms) == 1 else list(self.terms),
            "F": _finite(self.f),
            "df": self.df,
            "ddf": self.ddf,
            "p": _finite(self.p),
        }


@dataclass(frozen=True)
class Prediction:
    """Predictions with standard errors (R's ``predict.svyglm(…, type = scale)``)."""

    estimate: FloatArray
    se: FloatArray
    scale: Literal["link", "response"]


@dataclass(frozen=True, eq=False)
class GlmModel:
    """One fitted model (the whole sample or one domain)."""

    domain: Mapping[str, str]
    formula: Formula
    family: Family
    names: tuple[str, ...]
    coefficients: FloatArray
    covariance: FloatArray
    df: int
    n: int
    iterations: int
    level: float
    term_of_column: tuple[int, ...]
    levels: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def df_residual(self) -> int:
        """R's ``model$df.residual`` for a svyglm: design df + 1 − number of coefficients."""
        return self.df + 1 - len(self.names)

    @property
    def se(self) -> FloatArray:
        return np.asarray(np.sqrt(np.diag(self.covariance)), dtype=np.float64)

    def table(self) -> list[Coefficient]:
        se = self.se
        ddf = self.df_residual
        t = self.coefficients / se
        p = 2.0 * stats.t.sf(np.abs(t), ddf)
        q = float(stats.t.ppf(1.0 - (1.0 - self.level) / 2.0, ddf))
        return [
            Coefficient(
                term=name,
                estimate=float(b),
                se=float(s),
                t=float(tv),
                p=float(pv),
                ci_low=float(b - q * s),
                ci_high=float(b + q * s),
            )
            for name, b, s, tv, pv in zip(self.names, self.coefficients, se, t, p, strict=True)
        ]

    def wald_test(self, terms: Sequence[str]) -> TermTest:
        """R's ``regTermTest(model, ~ term1 + term2)``: terms by label (``x2``, ``x1:x2``) or column name."""
        labels = [t.label for t in self.formula.terms]
        index: list[int] = []
        for term in terms:
            canon = ":".join(sorted(term.split(":")))
            hits = [
                j
                for j, t in enumerate(self.term_of_column)
                if t >= 0 and ":".join(sorted(labels[t].split(":"))) == canon
            ]
            if not hits and term in self.names:
                hits = [self.names.index(term)]
            if not hits:
                raise EstimationError(f"term {term!r} is not in the model ({', '.join(labels)})")
            index.extend(h for h in hits if h not in index)
        idx = np.asarray(index)
        beta = self.coefficients[idx]
        v = self.covariance[np.ix_(idx, idx)]
        chisq = float(beta @ np.linalg.solve(v, beta))
        q = len(index)
        ddf = self.df_residual
        f = chisq / q
        return TermTest(terms=tuple(terms), f=f, df=q, ddf=ddf, p=float(stats.f.sf(f, q, ddf)))

    def term_tests(self) -> list[TermTest]:
        """A Wald test of every term (all columns of a categorical term together)."""
        return [self.wald_test([t.label]) for t in self.formula.terms]

    def predict(
        self, data: Mapping[str, DataColumn], scale: Literal["link", "response"] = "response"
    ) -> Prediction:
        """Predictions for new rows with SEs (R's ``predict.svyglm``; response scale by the delta method)."""
        predictors = [v for v in self.formula.variables if v != self.formula.response]
        missing = [v for v in predictors if v not in data]
        if missing:
            raise EstimationError(f"prediction data have no column {missing[0]!r}")
        n = _length(data[predictors[0]]) if predictors else 1
        cols = _columns(self.formula, {v: data[v] for v in predictors}, n, response=False)
        for name in self.levels:
            cols[name] = cols[name].as_categorical()
        rows = np.arange(n, dtype=np.int64)
        if any(c.missing().any() for c in cols.values()):
            raise EstimationError("prediction data have a missing value")
        mm = model_matrix(self.formula, cols, rows, levels=self.levels)
        if mm.names != self.names:
            raise EstimationError("prediction data do not give the model's columns")
        eta = mm.x @ self.coefficients
        var = np.einsum("ij,jk,ik->i", mm.x, self.covariance, mm.x)
        if scale == "link":
            return Prediction(estimate=eta, se=np.sqrt(var), scale="link")
        mu, d = response_of(self.family, eta)
        return Prediction(estimate=mu, se=np.abs(d) * np.sqrt(var), scale="response")

    def to_dict(self) -> dict[str, Any]:
        return {
            "domain": dict(self.domain),
            "n": self.n,
            "df": self.df,
            "df_residual": self.df_residual,
            "iterations": self.iterations,
            "coefficients": [c.to_dict() for c in self.table()],
            "tests": [t.to_dict() for t in self.term_tests()],
        }


@dataclass(frozen=True, eq=False)
class GlmResult:
    """Models of one formula in the whole sample or in every domain."""

    design: Mapping[str, Any]
    formula: Formula
    family: Family
    level: float
    models: tuple[GlmModel, ...]

    def to_dict(self) -> dict[str, Any]:
        """``{"design": {…, "df"}, "formula", "family", "level", "models": […]}`` (``sipas glm`` JSON)."""
        return {
            "design": dict(self.design),
            "formula": self.formula.text,
            "family": self.family,
            "level": self.level,
            "models": [m.to_dict() for m in self.models],
        }


# --------------------------------------------------------------------------------------------------


def _columns(
    formula: Formula, data: Mapping[str, DataColumn], n: int, *, response: bool = True
) -> dict[str, Column]:
    marks = formula.categorical_marks()
    cols: dict[str, Column] = {}
    for name in formula.variables:
        if name == formula.response and not response:
            continue
        if name not in data:
            raise EstimationError(f"formula {formula.text!r}: no column {name!r} in the data")
        col = Column.of(data[name], name, n)
        if name == formula.response:
            if col.categorical:
                raise EstimationError(f"the response {name!r} is not numeric")
        elif marks.get(name):
            col = col.as_categorical()
        cols[name] = col
    return cols


def _length(raw: DataColumn) -> int:
    return int(np.shape(raw[0] if isinstance(raw, tuple) else raw)[0])


def _where(domain: Mapping[str, str]) -> str:
    return "" if not domain else " in domain " + ", ".join(f"{k}={v}" for k, v in domain.items())


def _explain(
    exc: Exception, mm: ModelMatrix, formula: Formula, good: npt.NDArray[np.bool_], domain: Mapping[str, str]
) -> EstimationError:
    where = _where(domain)
    if isinstance(exc, SingularModelError):
        name = str(exc)
        j = mm.names.index(name) if name in mm.names else -1
        column = mm.x[good, j] if j >= 0 else np.zeros(0)
        term = formula.terms[mm.term_of_column[j]].label if j >= 0 and mm.term_of_column[j] >= 0 else name
        if column.size and np.ptp(column) == 0:
            return EstimationError(
                f"singular model{where}: predictor {term} is constant"
                + (f" ({name} = {column[0]:g} on every row)" if name == term else f" (column {name})")
                + "; drop it or fit a larger domain"
            )
        return EstimationError(
            f"singular model{where}: column {name} of term {term} is a linear combination of earlier "
            "columns (collinear predictors); drop one of them"
        )
    if isinstance(exc, SeparationError):
        return EstimationError(
            f"separation{where}: {exc}: some predictor or category predicts {formula.response} perfectly, "
            "so its coefficient is infinite; merge sparse categories or drop the predictor"
        )
    if isinstance(exc, ConvergenceError):
        return EstimationError(f"no convergence{where}: {exc}")
    return EstimationError(f"{exc}{where}")


def _rows_complete(cols: Mapping[str, Column], n: int) -> npt.NDArray[np.bool_]:
    ok = np.ones(n, dtype=bool)
    for c in cols.values():
        ok &= ~c.missing()
    return ok


def _response(cols: Mapping[str, Column], formula: Formula) -> FloatArray:
    values = cols[formula.response].values
    assert values is not None  # noqa: S101 - checked numeric in _columns
    return values


def _linearisation(design: Design, z_rows: FloatArray, rows: IntArray) -> Linearisation:
    """Unit totals of the influence values ``z_rows`` of ``rows`` (every other row has z = 0).

    Without calibration only the fitted rows are visited (a domain costs what its rows cost); a calibrated
    design residualises z over every row first, as R does (rows outside the domain then get values too).
    """
    k = z_rows.shape[1]
    unit_rows: list[IntArray] = [st.unit_of_row[rows] for st in design.stages]
    z = z_rows
    if design.calibration is not None:
        full = np.zeros((design.n_rows, k))
        full[rows] = z_rows
        z = np.asarray(design.calibration.residualise(full), dtype=np.float64)
        unit_rows = [st.unit_of_row for st in design.stages]
    totals = []
    for st, units in zip(design.stages, unit_rows, strict=True):
        t = np.column_stack(
            [np.bincount(units, weights=z[:, j], minlength=st.n_units_total) for j in range(k)]
        )
        totals.append(sp.csc_array(t))
    factor = np.ones(k)
    if design.lonely_psu == "average":
        used = np.unique(design.stages[0].unit_of_row[rows])
        a = average_factor(design, np.zeros(used.shape[0], dtype=np.int64), used, 1)
        factor = np.full(k, float(a[0]))
    return Linearisation(totals=tuple(totals), average_factor=factor)


def _fit_linearised(
    design: Design,
    formula: Formula,
    family: Family,
    cols: Mapping[str, Column],
    in_domain: npt.NDArray[np.bool_],
    complete: npt.NDArray[np.bool_],
    label: Mapping[str, str],
    level: float,
) -> GlmModel:
    w = design.weights
    fit_mask = in_domain & complete
    rows = np.flatnonzero(fit_mask)
    where = _where(label)
    if rows.size == 0:
        raise EstimationError(f"no complete rows{where}")
    # svyglm(rescale = TRUE): weights over their mean among the design's rows after subset() — the domain's
    # rows, or every row (weight 0 outside) for a calibrated design, which R subsets by zeroing weights.
    mean_w = float(w.sum() if design.calibration is None and in_domain.all() else w[in_domain].sum())
    mean_w /= float(design.n_rows if design.calibration is not None else in_domain.sum())
    if not mean_w > 0:
        raise EstimationError(f"every weight is 0{where}")
    mm = model_matrix(formula, cols, rows)
    y = _response(cols, formula)[rows]
    check_response(family, y, formula.response)
    pw = w[rows] / mean_w
    good = pw > 0
    try:
        fit = irls(mm.x, y, pw, family, mm.names)
    except (SingularModelError, SeparationError, ConvergenceError) as exc:
        raise _explain(exc, mm, formula, good, label) from None
    influence = mm.x * (fit.working_residuals * fit.working_weights)[:, None]
    z_rows = influence @ fit.inverse_information
    cov = covariance(design, _linearisation(design, z_rows, rows))
    df = design.degrees_of_freedom(rows=fit_mask)
    return GlmModel(
        domain=dict(label),
        formula=formula,
        family=family,
        names=mm.names,
        coefficients=fit.coefficients,
        covariance=cov,
        df=df,
        n=int(np.count_nonzero(good)),
        iterations=fit.iterations,
        level=level,
        term_of_column=mm.term_of_column,
        levels=mm.levels,
    )


def _replicate_df(design: ReplicateDesign, rows: IntArray) -> int:
    return int(np.linalg.matrix_rank(design.replicate_weights[rows])) - 1


def _fit_replicates(
    design: ReplicateDesign,
    formula: Formula,
    family: Family,
    cols: Mapping[str, Column],
    in_domain: npt.NDArray[np.bool_],
    complete: npt.NDArray[np.bool_],
    label: Mapping[str, str],
    level: float,
) -> GlmModel:
    where = _where(label)
    dom_rows = np.flatnonzero(in_domain)
    rows = np.flatnonzero(in_domain & complete)
    if rows.size == 0:
        raise EstimationError(f"no complete rows{where}")
    w = design.weights
    mean_w = float(w[dom_rows].mean())
    if not mean_w > 0:
        raise EstimationError(f"every weight is 0{where}")
    mm = model_matrix(formula, cols, rows)
    y = _response(cols, formula)[rows]
    check_response(family, y, formula.response)
    pw = w[rows] / mean_w
    try:
        fit = irls(mm.x, y, pw, family, mm.names)
    except (SingularModelError, SeparationError, ConvergenceError) as exc:
        raise _explain(exc, mm, formula, pw > 0, label) from None
    betas = np.empty((design.n_replicates, mm.x.shape[1]))
    for r in range(design.n_replicates):
        wr = design.replicate_weights[rows, r]
        total = float(wr.sum())
        if not total > 0:
            raise EstimationError(f"replicate {r + 1} has no weight{where}")
        try:
            betas[r] = irls(mm.x, y, wr / total, family, mm.names, start=fit.coefficients).coefficients
        except (SingularModelError, SeparationError, ConvergenceError) as exc:
            raise EstimationError(f"replicate {r + 1}: {_explain(exc, mm, formula, wr > 0, label)}") from None
    rs = design.rscales
    centre = fit.coefficients if design.mse else betas[rs > 0].mean(axis=0)
    dev = (betas - centre) * np.sqrt(rs)[:, None]
    cov = design.scale * (dev.T @ dev)
    return GlmModel(
        domain=dict(label),
        formula=formula,
        family=family,
        names=mm.names,
        coefficients=fit.coefficients,
        covariance=np.asarray(cov, dtype=np.float64),
        df=_replicate_df(design, dom_rows),
        n=int(np.count_nonzero(pw > 0)),
        iterations=fit.iterations,
        level=level,
        term_of_column=mm.term_of_column,
        levels=mm.levels,
    )


def _design_dict(design: Design | ReplicateDesign) -> dict[str, Any]:
    if isinstance(design, ReplicateDesign):
        return {
            "rows": int(design.weights.shape[0]),
            "replicates": design.n_replicates,
            "replicate_kind": design.kind,
            "df": design.df,
        }
    s = design.summary()
    return {
        "rows": s.rows,
        "strata": s.strata,
        "psus": s.psus,
        "df": s.df,
        "weight": s.weight,
        "calibration": s.calibration,
    }


def fit_glm(
    design: Design | ReplicateDesign,
    formula: str | Formula,
    data: Mapping[str, DataColumn],
    *,
    family: Family = "gaussian",
    by: Domains | Mapping[str, npt.ArrayLike] | None = None,
    level: float = 0.95,
) -> GlmResult:
    """Fit ``formula`` by design-based regression, in the whole sample or in every domain of ``by``.

    ``data`` maps column names to numbers (NaN missing), label arrays (categorical; None/"" missing) or
    ``(codes, labels)`` pairs (−1 missing). Raises :class:`EstimationError` naming the problem (and the
    domain) for a singular model, separation, no convergence, an outcome outside the family's range, or
    too few PSUs for the number of coefficients.
    """
    if family not in FAMILIES:
        raise EstimationError(f"family must be one of {', '.join(FAMILIES)}, got {family!r}")
    if not 0 < level < 1:
        raise EstimationError(f"level must be between 0 and 1, got {level}")
    parsed = formula if isinstance(formula, Formula) else parse_formula(formula)
    n = int(design.weights.shape[0])
    cols = _columns(parsed, data, n)
    complete = _rows_complete(cols, n)
    if by is None:
        doms = Domains.whole(n)
    else:
        doms = by if isinstance(by, Domains) else Domains.from_columns(by)
        if doms.codes.shape[0] != n:
            raise EstimationError(f"domain columns have {doms.codes.shape[0]} rows, the design {n}")
    models = []
    for d, label in enumerate(doms.labels):
        in_domain = doms.codes == d
        if isinstance(design, ReplicateDesign):
            model = _fit_replicates(design, parsed, family, cols, in_domain, complete, label, level)
        else:
            model = _fit_linearised(design, parsed, family, cols, in_domain, complete, label, level)
        if model.df_residual <= 0:
            raise EstimationError(
                f"too few PSUs{_where(label)}: {model.df} design degrees of freedom leave none for "
                f"{len(model.names)} coefficients (t tests need df − p + 1 > 0)"
            )
        models.append(model)
    return GlmResult(
        design=_design_dict(design), formula=parsed, family=family, level=level, models=tuple(models)
    )
