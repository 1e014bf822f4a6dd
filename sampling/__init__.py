"""sipas statistics core: designs, design-based estimators, intervals, publication rules, SIPAS indices.

Pure numpy/scipy: no web framework, no database. Reference implementation: R's ``survey`` package.

Matches R's survey 4.1 to 1e-8 relative on the fixtures in tests/sampling/r_core (estimates, SEs, df,
intervals, design effects, lonely-PSU policies, two-stage FPC, post-stratification, quantiles).
Deliberate differences from R (each documented where it happens):

* missing values are dropped per variable (R drops a row missing in any variable of the formula), and df/n
  count only rows with a value;
* ``lonely_psu="fail"`` raises when the design is built, not at the first variance;
* Korn–Graubard with V̂ = 0 uses n* = n (R: NaN); logit/asin intervals collapse onto p̂ = 0 or 1 (R: NaN
  for asin); Wilson is offered although R's ``svyciprop`` has none;
* ``"average"`` lonely-PSU factor per domain is H_present/H_ok of that domain, applied as √(a_k a_l) to
  covariances between domains (R has no joint form);
* the df of an index (mean of criteria) is the smallest df among its criteria.

Typical use::

    from sampling import Design, estimate_proportions
    design = Design(strata=province, psu=service_point, weights=w, lonely_psu="adjust")
    result = estimate_proportions(design, {"q1_top2": q1_top2}, by={"agency": agency}, ci="korn-graubard")
"""

from sampling.contrasts import Contrast, combine_sets, covariance, difference, linear_combination
from sampling.design import Calibration, Design, DesignSummary, LonelyPSU
from sampling.errors import DesignError, EstimationError, LonelyPSUError, SamplingError
from sampling.estimators import (
    Domains,
    estimate_level_shares,
    estimate_means,
    estimate_proportions,
    estimate_ratios,
    estimate_totals,
    kish_weighting_effect,
)
from sampling.glm import GlmModel, GlmResult, fit_glm
from sampling.indices import criterion_indicators, estimate_indices
from sampling.intervals import proportion_interval, wald_interval
from sampling.publication import PUBLICATION_RULES, apply_rule, assess
from sampling.quantiles import estimate_quantiles
from sampling.results import DontKnowCount, Estimate, EstimateSet, IndexResult

__all__ = [
    "PUBLICATION_RULES",
    "Calibration",
    "Contrast",
    "Design",
    "DesignError",
    "DesignSummary",
    "Domains",
    "DontKnowCount",
    "Estimate",
    "EstimateSet",
    "EstimationError",
    "GlmModel",
    "GlmResult",
    "IndexResult",
    "LonelyPSU",
    "LonelyPSUError",
    "SamplingError",
    "apply_rule",
    "assess",
    "combine_sets",
    "covariance",
    "criterion_indicators",
    "difference",
    "estimate_indices",
    "estimate_level_shares",
    "estimate_means",
    "estimate_proportions",
    "estimate_quantiles",
    "estimate_ratios",
    "estimate_totals",
    "fit_glm",
    "kish_weighting_effect",
    "linear_combination",
    "proportion_interval",
    "wald_interval",
]
