"""sipas statistics core: designs, design-based estimators, intervals, publication rules, SIPAS indices.

Pure numpy/scipy: no web framework, no database. Reference implementation: R's ``survey`` package.

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
    "kish_weighting_effect",
    "linear_combination",
    "proportion_interval",
    "wald_interval",
]
