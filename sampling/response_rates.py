"""AAPOR outcome rates of a sample's fieldwork: response, cooperation, refusal and contact rates.

Source: The American Association for Public Opinion Research, *Standard Definitions: Final Dispositions
of Case Codes and Outcome Rates for Surveys*, 10th edition, 2023 (the same formulas are in section
"Calculating rates from response distributions" of the 2015 and 2016 editions).

Dispositions (category names here, AAPOR's codes in brackets)
    ``complete`` [I] complete interview; ``partial`` [P] partial interview; ``refusal`` [R] refusal and
    break-off; ``non_contact`` [NC]; ``other`` [O] eligible, non-interview, other; ``unknown`` [U = UH +
    UO] unknown eligibility, non-interview (AAPOR's two unknown groups are not told apart here);
    ``ineligible`` [NE] not eligible. Counts may be weighted (AAPOR allows weighted rates).

Rates (``None`` when the denominator is 0)
    RR1 = I / ((I + P) + (R + NC + O) + U)          RR2 = (I + P) / ((I + P) + (R + NC + O) + U)
    RR3 = I / ((I + P) + (R + NC + O) + e·U)        RR4 = (I + P) / ((I + P) + (R + NC + O) + e·U)
    RR5 = I / ((I + P) + (R + NC + O))              RR6 = (I + P) / ((I + P) + (R + NC + O))
    COOP1 = I / ((I + P) + R + O)                   COOP2 = (I + P) / ((I + P) + R + O)
    COOP3 = I / ((I + P) + R)                       COOP4 = (I + P) / ((I + P) + R)
    REF1 = R / ((I + P) + (R + NC + O) + U)         REF2 = R / ((I + P) + (R + NC + O) + e·U)
    REF3 = R / ((I + P) + (R + NC + O))
    CON1 = ((I + P) + R + O) / ((I + P) + (R + NC + O) + U)
    CON2 = ((I + P) + R + O) / ((I + P) + (R + NC + O) + e·U)
    CON3 = ((I + P) + R + O) / ((I + P) + (R + NC + O))

    RR5, RR6 and REF3 and CON3 are RR3, RR4, REF2 and CON2 with e = 0; RR1, RR2, REF1 and CON1 are them
    with e = 1. The response rates factor as contact × cooperation: RR1 = CON1 · COOP1, RR2 = CON1 · COOP2,
    RR3 = CON2 · COOP1, RR5 = CON3 · COOP1.

e, the eligible share among cases of unknown eligibility
    AAPOR asks for an estimate of e on the best available evidence, with its basis stated.
    :func:`eligibility_share` gives the proportional allocation (the "CASRO" method; Smith 2009, *A
    Revised Review of Methods to Estimate the Status of Cases with Unknown Eligibility*, AAPOR; the
    default of AAPOR's Outcome Rate Calculator, version 4.0, 2016): the eligible share among cases whose
    eligibility is known,
    e = (I + P + R + NC + O) / (I + P + R + NC + O + NE), and 1 (all unknowns eligible, the conservative
    RR1) while no case is resolved.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import TypedDict

from sampling.errors import SamplingError

__all__ = [
    "CATEGORIES",
    "DEFINITIONS",
    "DispositionSummary",
    "OutcomeRates",
    "ResponseRateError",
    "disposition_summary",
    "eligibility_share",
    "outcome_rates",
    "response_rates",
]

CATEGORIES = ("complete", "partial", "refusal", "non_contact", "other", "unknown", "ineligible")
ELIGIBLE = ("complete", "partial", "refusal", "non_contact", "other")

DEFINITIONS = {
    "rr1": "I / ((I + P) + (R + NC + O) + U)",
    "rr2": "(I + P) / ((I + P) + (R + NC + O) + U)",
    "rr3": "I / ((I + P) + (R + NC + O) + e·U)",
    "rr4": "(I + P) / ((I + P) + (R + NC + O) + e·U)",
    "rr5": "I / ((I + P) + (R + NC + O))",
    "rr6": "(I + P) / ((I + P) + (R + NC + O))",
    "coop1": "I / ((I + P) + R + O)",
    "coop2": "(I + P) / ((I + P) + R + O)",
    "coop3": "I / ((I + P) + R)",
    "coop4": "(I + P) / ((I + P) + R)",
    "ref1": "R / ((I + P) + (R + NC + O) + U)",
    "ref2": "R / ((I + P) + (R + NC + O) + e·U)",
    "ref3": "R / ((I + P) + (R + NC + O))",
    "con1": "((I + P) + R + O) / ((I + P) + (R + NC + O) + U)",
    "con2": "((I + P) + R + O) / ((I + P) + (R + NC + O) + e·U)",
    "con3": "((I + P) + R + O) / ((I + P) + (R + NC + O))",
}


class ResponseRateError(SamplingError):
    """Counts or e that no rate can be computed from (unknown category, negative count, e outside [0, 1])."""


@dataclass(frozen=True, slots=True)
class OutcomeRates:
    """Every AAPOR outcome rate of a set of dispositions, for a given e (see the module notes).

    Attributes
    ----------
    e : float
        The eligible share among unknowns used by RR3, RR4, REF2 and CON2.
    rr1, rr2, rr3, rr4, rr5, rr6 : float or None
        Response rates.
    coop1, coop2, coop3, coop4 : float or None
        Cooperation rates.
    ref1, ref2, ref3 : float or None
        Refusal rates.
    con1, con2, con3 : float or None
        Contact rates.
    """

    e: float
    rr1: float | None
    rr2: float | None
    rr3: float | None
    rr4: float | None
    rr5: float | None
    rr6: float | None
    coop1: float | None
    coop2: float | None
    coop3: float | None
    coop4: float | None
    ref1: float | None
    ref2: float | None
    ref3: float | None
    con1: float | None
    con2: float | None
    con3: float | None

    def as_dict(self) -> dict[str, float | None]:
        """The rates by lower-case AAPOR name (``rr1`` … ``con3``), without e."""
        rates = asdict(self)
        del rates["e"]
        return rates


class DispositionSummary(TypedDict):
    """Cases, counts per category and RR1–RR4: a row of a fieldwork progress report."""

    sampled: int
    counts: dict[str, int]
    rr1: float | None
    rr2: float | None
    rr3: float | None
    rr4: float | None


def _counts(counts: Mapping[str, float]) -> dict[str, float]:
    unknown = sorted(set(counts) - set(CATEGORIES))
    if unknown:
        raise ResponseRateError(
            f"unknown disposition {unknown[0]!r}; expected one of {', '.join(CATEGORIES)}"
        )
    bad = sorted(c for c, v in counts.items() if not (math.isfinite(v) and v >= 0))
    if bad:
        raise ResponseRateError(f"the count of {bad[0]!r} must be a finite non-negative number")
    return {c: counts.get(c, 0) for c in CATEGORIES}


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def outcome_rates(counts: Mapping[str, float], e: float) -> OutcomeRates:
    """AAPOR RR1–RR6, COOP1–COOP4, REF1–REF3 and CON1–CON3 from disposition counts.

    Parameters
    ----------
    counts : mapping of str to float
        Cases per category of :data:`CATEGORIES` (missing categories count 0; counts may be weighted).
    e : float
        Estimated eligible share among the cases of unknown eligibility, in [0, 1]
        (:func:`eligibility_share` gives AAPOR's proportional estimate).

    Returns
    -------
    OutcomeRates

    Raises
    ------
    ResponseRateError
        For an unknown category, a negative or non-finite count, or e outside [0, 1].
    """
    if not (math.isfinite(e) and 0 <= e <= 1):
        raise ResponseRateError(f"e must be in [0, 1], got {e!r}")
    c = _counts(counts)
    i, p, r, o, u = c["complete"], c["partial"], c["refusal"], c["other"], c["unknown"]
    interviews = i + p
    known_eligible = interviews + r + c["non_contact"] + o
    contacted = interviews + r + o
    all_unknown = known_eligible + u  # e = 1
    estimated = known_eligible + e * u
    return OutcomeRates(
        e=e,
        rr1=_ratio(i, all_unknown),
        rr2=_ratio(interviews, all_unknown),
        rr3=_ratio(i, estimated),
        rr4=_ratio(interviews, estimated),
        rr5=_ratio(i, known_eligible),
        rr6=_ratio(interviews, known_eligible),
        coop1=_ratio(i, contacted),
        coop2=_ratio(interviews, contacted),
        coop3=_ratio(i, interviews + r),
        coop4=_ratio(interviews, interviews + r),
        ref1=_ratio(r, all_unknown),
        ref2=_ratio(r, estimated),
        ref3=_ratio(r, known_eligible),
        con1=_ratio(contacted, all_unknown),
        con2=_ratio(contacted, estimated),
        con3=_ratio(contacted, known_eligible),
    )


def response_rates(counts: Mapping[str, float], e: float) -> dict[str, float | None]:
    """AAPOR RR1–RR4 (the rates a fieldwork progress report shows) from disposition counts.

    See :func:`outcome_rates` for the parameters and errors.
    """
    rates = outcome_rates(counts, e)
    return {"rr1": rates.rr1, "rr2": rates.rr2, "rr3": rates.rr3, "rr4": rates.rr4}


def eligibility_share(counts: Mapping[str, float]) -> float:
    """AAPOR's proportional estimate of e: (I + P + R + NC + O) / (I + P + R + NC + O + NE), 1 if none known.

    Parameters
    ----------
    counts : mapping of str to float
        Cases per category of :data:`CATEGORIES`.

    Returns
    -------
    float
        In [0, 1].

    Raises
    ------
    ResponseRateError
        For an unknown category or a negative or non-finite count.
    """
    c = _counts(counts)
    known_eligible = sum(c[k] for k in ELIGIBLE)
    resolved = known_eligible + c["ineligible"]
    return known_eligible / resolved if resolved else 1.0


def disposition_summary(counts: Mapping[str, int], e: float) -> DispositionSummary:
    """Number of cases, the count of every category (0 when absent) and RR1–RR4.

    See :func:`outcome_rates` for the parameters and errors.
    """
    rates = response_rates(counts, e)
    return {
        "sampled": sum(counts.values()),
        "counts": {c: counts.get(c, 0) for c in CATEGORIES},
        "rr1": rates["rr1"],
        "rr2": rates["rr2"],
        "rr3": rates["rr3"],
        "rr4": rates["rr4"],
    }
