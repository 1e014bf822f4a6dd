"""Frozen result objects: what the estimators return and the reports layer renders.

Nothing here computes statistics; :mod:`sampling.estimators` fills these in. ``to_dict`` gives the JSON
shape promised by ``sipas estimate --format json`` (docs/interfaces.md).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from sampling.design import DesignSummary

if TYPE_CHECKING:
    from sampling.design import Design
    from sampling.variance import Linearisation

__all__ = ["DontKnowCount", "Estimate", "EstimateSet", "IndexResult"]


def _finite_or_none(x: float | None) -> float | None:
    if x is None or not math.isfinite(x):
        return None
    return float(x)


@dataclass(frozen=True)
class Estimate:
    """One design-based estimate with its uncertainty and publication verdict.

    Attributes
    ----------
    variable
        What was estimated (column name, ``"num/den"`` for a ratio, ``"col=level"`` for a level share,
        ``"element:NAME"`` for an index).
    domain
        ``{}`` for the whole population, else ``{"COL": "LEVEL", …}``.
    statistic
        ``"mean"``, ``"total"``, ``"proportion"``, ``"ratio"``, ``"index"``, ``"mean-score"``, ``"contrast"``.
    estimate, se
        Point estimate and linearisation standard error.
    ci_low, ci_high, level, ci_method
        Confidence interval (``ci_method`` e.g. ``"wald-t"``, ``"wald-normal"``, ``"logit"``,
        ``"korn-graubard"`` for proportions; ``"logit-t"``, ``"logit-normal"`` for indices, whose interval
        is computed on the logit scale of index/100 with the t or normal quantile).
    df
        Degrees of freedom of the t quantile (None: normal).
    n
        Rows with a valid value in the domain.
    deff, n_eff, cv
        Design effect (when requested), effective sample size, coefficient of variation se/|estimate|.
    flag, flag_reason
        Publication rule verdict: None, ``"review"`` or ``"suppress"``, with a short reason.
    """

    variable: str
    domain: Mapping[str, str]
    statistic: str
    estimate: float
    se: float
    ci_low: float
    ci_high: float
    level: float
    ci_method: str
    df: float | None
    n: int
    deff: float | None = None
    n_eff: float | None = None
    cv: float | None = None
    flag: str | None = None
    flag_reason: str | None = None

    def with_values(self, **changes: Any) -> Estimate:
        """A copy with ``changes`` (field names of :class:`Estimate`), as :func:`dataclasses.replace` gives
        but without re-running ``__init__`` field by field: thousands of domains make tens of thousands of
        these copies (scaled to percentages, flagged)."""
        unknown = set(changes) - _ESTIMATE_FIELDS
        if unknown:
            raise TypeError(f"Estimate has no field {', '.join(sorted(unknown))}")
        out = object.__new__(Estimate)
        out.__dict__.update(self.__dict__)
        out.__dict__.update(changes)
        return out

    def to_dict(self) -> dict[str, Any]:
        """The ``estimates[]`` item of the CLI's JSON (``flag_reason`` only when a flag is set)."""
        out: dict[str, Any] = {
            "variable": self.variable,
            "domain": dict(self.domain),
            "estimate": _finite_or_none(self.estimate),
            "se": _finite_or_none(self.se),
            "ci_low": _finite_or_none(self.ci_low),
            "ci_high": _finite_or_none(self.ci_high),
            "level": self.level,
            "ci_method": self.ci_method,
            "df": None if self.df is None or not math.isfinite(self.df) else round(self.df),
            "n": int(self.n),
            "deff": _finite_or_none(self.deff),
            "n_eff": _finite_or_none(self.n_eff),
            "cv": _finite_or_none(self.cv),
            "flag": self.flag,
        }
        if self.flag is not None:
            out["flag_reason"] = self.flag_reason
        return out


_ESTIMATE_FIELDS = frozenset(f.name for f in fields(Estimate))


@dataclass(frozen=True, eq=False)
class EstimateSet:
    """Estimates computed in one pass over a design, with what is needed for their joint covariance.

    ``covariance`` and ``contrast`` live in :mod:`sampling.contrasts`; they use the private linearisation
    kept here (unit totals of z), so several estimates can be combined after the fact.
    """

    design: DesignSummary
    estimates: tuple[Estimate, ...]
    linearisation: Linearisation | None = field(default=None, repr=False)
    source_design: Design | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.estimates)

    def __getitem__(self, i: int) -> Estimate:
        return self.estimates[i]

    def find(self, variable: str, domain: Mapping[str, str] | None = None) -> int:
        """Position of the estimate of ``variable`` in ``domain`` ({} or None: whole population)."""
        want = dict(domain or {})
        for i, e in enumerate(self.estimates):
            if e.variable == variable and dict(e.domain) == want:
                return i
        raise KeyError(f"no estimate for {variable!r} in domain {want}")

    def design_dict(self) -> dict[str, Any]:
        d = self.design
        return {
            "rows": d.rows,
            "strata": d.strata,
            "psus": d.psus,
            "df": d.df,
            "weight": d.weight,
            "calibration": d.calibration,
        }

    def to_dict(self) -> dict[str, Any]:
        """``{"design": {...}, "estimates": [...]}`` as printed by ``sipas estimate --format json``."""
        return {"design": self.design_dict(), "estimates": [e.to_dict() for e in self.estimates]}


@dataclass(frozen=True)
class DontKnowCount:
    """How many answers of a criterion were "don't know / not applicable" (excluded from its denominator)."""

    criterion: str
    domain: Mapping[str, str]
    count: int
    valid: int


@dataclass(frozen=True, eq=False)
class IndexResult:
    """SIPAS indices: criteria, groups (elements/parts) and the overall index, with DK counts.

    ``measure`` labels the aggregation rule (``"top-two-box share, %"`` or ``"mean score 0-100"``).
    """

    measure: str
    criteria: EstimateSet
    groups: EstimateSet
    dont_know: tuple[DontKnowCount, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "design": self.criteria.design_dict(),
            "measure": self.measure,
            "criteria": [e.to_dict() for e in self.criteria.estimates],
            "indices": [e.to_dict() for e in self.groups.estimates],
            "dont_know": [
                {"criterion": d.criterion, "domain": dict(d.domain), "count": d.count, "valid": d.valid}
                for d in self.dont_know
            ],
        }
