"""Drivers of satisfaction: importance × performance of each element, by design-based regression.

For each domain (an agency, or the whole province) with enough respondents:

* **importance** of element e = β̂_e, the coefficient of the element score in the survey-weighted linear
  regression of the overall satisfaction score on all element scores together
  (``overall ~ element_1 + … + element_E``, :func:`sampling.glm.fit_glm`, gaussian): the change in the
  expected overall score per point of element score, the other elements held fixed; its interval is
  R's ``confint`` for ``svyglm`` (t on df − p + 1).
* **performance** of element e = the element's design-based mean score in the domain, with its Wald-t
  interval on the domain's design df (:func:`sampling.estimate_means`).
* **act first**: importance above the mean importance of the domain's elements and performance below the
  mean performance — the quadrant "high importance, low performance" of importance–performance analysis
  (Martilla & James 1977), with the means of the domain's elements as the cross-hairs.

This is an **association, not a cause**: elements move together, a coefficient says how the overall
score differs between respondents whose element scores differ, holding the other elements fixed, not what
would happen if an agency improved the element. Correlated elements make single coefficients unstable
(wide intervals, sometimes negative); the intervals say so.

A domain is **suppressed** (no figures, a reason instead) with fewer than ``min_respondents`` complete rows,
fewer than ``min_df`` residual degrees of freedom, or when the regression cannot be fitted (an element
with the same score for everyone, collinear elements).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sampling.design import Design
from sampling.errors import EstimationError
from sampling.estimators import Domains, estimate_means
from sampling.glm import fit_glm

__all__ = ["MIN_DF", "MIN_RESPONDENTS", "DomainDrivers", "ElementDriver", "estimate_drivers"]

# A regression on ~6-9 element scores needs far more respondents than a share does: 100 complete rows and
# 10 residual df keep the coefficient intervals from being mostly noise.
MIN_RESPONDENTS = 100
MIN_DF = 10


@dataclass(frozen=True)
class ElementDriver:
    """One element of one domain: importance and performance with their intervals."""

    element: str
    importance: float
    importance_low: float
    importance_high: float
    performance: float
    performance_low: float
    performance_high: float
    act_first: bool


@dataclass(frozen=True)
class DomainDrivers:
    """The drivers of one domain, or why they are suppressed (``elements`` is then empty)."""

    domain: Mapping[str, str]
    n: int
    elements: tuple[ElementDriver, ...]
    suppressed_reason: str | None = None
    r_df: int | None = None

    @property
    def suppressed(self) -> bool:
        return self.suppressed_reason is not None


def _safe_name(i: int) -> str:
    return f"e{i}"


def estimate_drivers(
    design: Design,
    overall: npt.ArrayLike,
    elements: Mapping[str, npt.ArrayLike],
    *,
    by: Domains | Mapping[str, npt.ArrayLike] | None = None,
    level: float = 0.95,
    min_respondents: int = MIN_RESPONDENTS,
    min_df: int = MIN_DF,
) -> list[DomainDrivers]:
    """Importance (regression coefficient) and performance (mean) of every element in every domain.

    ``overall`` and each element score are per-respondent numbers (NaN missing; e.g. 0-100 scores).
    Respondents missing the overall score or any element score are left out of that domain's regression
    (R's ``na.omit``); performance uses each element's own non-missing rows.
    """
    names = list(elements)
    if len(names) < 2:
        raise EstimationError("drivers need at least two elements")
    n = design.n_rows
    y = np.asarray(overall, dtype=np.float64)
    cols = {_safe_name(i): np.asarray(elements[name], dtype=np.float64) for i, name in enumerate(names)}
    for key, values in [("overall", y), *cols.items()]:
        if values.shape != (n,):
            raise EstimationError(f"{key} has shape {values.shape}, expected ({n},)")
    doms = Domains.whole(n) if by is None else by if isinstance(by, Domains) else Domains.from_columns(by)
    complete = ~np.isnan(y)
    for values in cols.values():
        complete &= ~np.isnan(values)
    means = estimate_means(design, cols, by=doms, level=level, rule="none")
    formula = "overall ~ " + " + ".join(cols)
    out: list[DomainDrivers] = []
    for d, label in enumerate(doms.labels):
        rows = (doms.codes == d) & complete & (design.weights > 0)
        count = int(rows.sum())
        if count < min_respondents:
            out.append(DomainDrivers(label, count, (), f"fewer than {min_respondents} complete respondents"))
            continue
        codes = np.where(doms.codes == d, 0, -1)
        try:
            fit = fit_glm(
                design, formula, {"overall": y, **cols}, by=Domains(codes, (dict(label),)), level=level
            )
        except EstimationError as exc:
            # The formula uses safe column names e0, e1, …: say the element's own name.
            text = re.sub(r"\be(\d+)\b", lambda m: names[int(m.group(1))], str(exc))
            out.append(DomainDrivers(label, count, (), f"regression not possible: {text}"))
            continue
        model = fit.models[0]
        if model.df_residual < min_df:
            out.append(
                DomainDrivers(
                    label, count, (), f"fewer than {min_df} residual degrees of freedom", model.df_residual
                )
            )
            continue
        table = {c.term: c for c in model.table()}
        perf = {key: means.estimates[means.find(key, dict(label))] for key in cols}
        imp_mean = float(np.mean([table[k].estimate for k in cols]))
        perf_mean = float(np.mean([perf[k].estimate for k in cols]))
        rows_out = tuple(
            ElementDriver(
                element=name,
                importance=table[key].estimate,
                importance_low=table[key].ci_low,
                importance_high=table[key].ci_high,
                performance=perf[key].estimate,
                performance_low=perf[key].ci_low,
                performance_high=perf[key].ci_high,
                act_first=table[key].estimate > imp_mean and perf[key].estimate < perf_mean,
            )
            for key, name in zip(cols, names, strict=True)
        )
        out.append(DomainDrivers(label, count, rows_out, None, model.df_residual))
    return out


def element_scores(answers: Sequence[npt.ArrayLike], top: Sequence[float]) -> npt.NDArray[np.float64]:
    """A respondent's element score: the share (0-100) of the element's answered criteria in ``top``.

    ``answers`` holds one array per criterion (NaN: not answered or "don't know"); a respondent with no
    answered criterion of the element gets NaN.
    """
    mat = np.column_stack([np.asarray(a, dtype=np.float64) for a in answers])
    answered = ~np.isnan(mat)
    hits = np.isin(mat, np.asarray(top, dtype=np.float64)) & answered
    count = answered.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(np.where(count > 0, 100.0 * hits.sum(axis=1) / count, np.nan), dtype=np.float64)
