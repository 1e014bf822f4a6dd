"""A stratified sample plan over frame counts: allocation per stratum and the expected margins per agency.

The frame is given as counts of units per (agency, field) cell. Strata are the agency (``("agency",)``)
or agency × field (``("agency", "field")``).

Public API
----------
``PlanParameters``
    The plan's parameters, with :meth:`PlanParameters.from_values` reading and checking request values.
``compute_plan(cells, params)``
    The allocation and its expected margins (a :class:`SamplePlan`).
``expected_margin(populations, sample_sizes, p, deff, response_rate, z=Z95)``
    The expected half-width of the 95 % interval of a proportion over a set of strata.
``stratum_label(agency, field, strata)``
    The label of a cell's stratum.
``completes_target(sample_size, response_rate)`` and ``progress_share(completes, target)``
    The completes a drawn sample should yield and the share of that target reached (fieldwork progress).

Allocation
    Either a total ``n`` is allocated over strata (:func:`sampling.planning.allocate`: proportional,
    equal, Neyman with S_h = √(p(1 − p)) unless ``sd`` gives one per stratum, or power N_h^q), or
    ``margin`` gives the 95 % margin wanted *per agency*:
    n_a = :func:`sampling.planning.sample_size_proportion` (margin, p, deff, N_a, response_rate),
    bounded by the agency's floors and caps, then spread over the agency's fields with the same
    allocation method. ``n`` counts units to draw (the gross sample); expected completes are
    n_h × response_rate. Floors and caps apply per stratum.

Expected margin
    For a proportion p (0.5 unless given) over strata h with N_h frame units, n_h units drawn and
    m_h = n_h × response_rate expected completes,

        margin = z · √(deff · Σ_h W_h² (1 − m_h/N_h) p(1 − p) / m_h),   W_h = N_h / Σ_h N_h,

    the variance of a stratified proportion under stratified random sampling (Cochran 1977, *Sampling
    Techniques*, 3rd ed., Theorem 5.3 with S_h² = p(1 − p)), with the finite-population correction on
    the completes and the design effect as a multiplier (Valliant, Dever & Kreuter 2018, §3.2). It is
    ``None`` when a stratum with frame units gets no expected complete.

Errors are :class:`SamplePlanError` with a ``code`` (``invalid``, ``unallocatable``, ``empty_frame``)
and the offending parameters, so that callers can give their own answer for each.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any, Literal, NotRequired, Self, TypedDict, cast

from sampling.errors import SamplingError
from sampling.planning import AllocationMethod, PlanningError, allocate, sample_size_proportion

__all__ = [
    "ALLOCATIONS",
    "SELECTION_METHODS",
    "STRATA_CHOICES",
    "Z95",
    "MarginRow",
    "PlanParameters",
    "PlanProblem",
    "SamplePlan",
    "SamplePlanError",
    "StratumAllocation",
    "completes_target",
    "compute_plan",
    "expected_margin",
    "progress_share",
    "stratum_label",
]

STRATA_CHOICES = (("agency",), ("agency", "field"))
ALLOCATIONS = ("proportional", "equal", "neyman", "power")
# The selection methods a plan may name: those of sampling.selection that need no size measure.
PlanSelectionMethod = Literal["srs", "systematic"]
SELECTION_METHODS: tuple[PlanSelectionMethod, ...] = ("srs", "systematic")
Z95 = NormalDist().inv_cdf(0.975)

PlanErrorCode = Literal["invalid", "unallocatable", "empty_frame"]


@dataclass(frozen=True, slots=True)
class PlanProblem:
    """One parameter that makes the plan impossible: its name, why (English) and a short code."""

    field: str
    message: str
    code: str = "invalid"


class SamplePlanError(PlanningError):
    """The plan cannot be made.

    Attributes
    ----------
    code : {"invalid", "unallocatable", "empty_frame"}
        ``invalid``: a parameter is out of range or contradicts another; ``unallocatable``: the
        allocation has no solution (n larger than the frame, floors above n, …); ``empty_frame``: there
        are no frame cells to plan from.
    problems : tuple of PlanProblem
        The parameters at fault (empty for ``empty_frame``).
    """

    def __init__(self, code: PlanErrorCode, message: str, problems: Sequence[PlanProblem] = ()) -> None:
        super().__init__(message)
        self.code: PlanErrorCode = code
        self.problems: tuple[PlanProblem, ...] = tuple(problems)


class StratumAllocation(TypedDict):
    """One stratum of a plan: its frame units, units to draw and expected completes."""

    stratum: str
    agency: str
    field: str | None
    population: int
    n: int
    expected_completes: float
    sampling_fraction: float


class MarginRow(TypedDict):
    """Totals and expected margin of an agency (``agency`` present) or of the whole plan."""

    agency: NotRequired[str]
    population: int
    n: int
    expected_completes: float
    expected_margin: float | None


class SamplePlan(TypedDict):
    """A computed plan: parameters, z, totals, strata, agencies and overall margins."""

    parameters: dict[str, Any]
    z: float
    n: int
    expected_completes: float
    population: int
    strata: list[StratumAllocation]
    agencies: list[MarginRow]
    overall: MarginRow


@dataclass(frozen=True)
class PlanParameters:
    """Parameters of a plan; either ``n`` (total to draw) or ``margin`` (per agency) is set.

    Attributes
    ----------
    strata : tuple of str
        ``("agency",)`` or ``("agency", "field")``.
    n : int, optional
        Total number of units to draw.
    margin : float, optional
        Wanted 95 % margin per agency, in (0, 1).
    allocation : str
        One of :data:`ALLOCATIONS`.
    power_q : float
        Exponent of the power allocation, in [0, 1].
    min_per_stratum, max_per_stratum : int, optional
        Floor and cap per stratum.
    response_rate : float
        Expected response rate, in (0, 1].
    deff : float
        Anticipated design effect, at least 1.
    p : float
        Anticipated proportion, in (0, 1).
    sd : dict of str to float, optional
        S_h per stratum label for the Neyman allocation (default √(p(1 − p))).
    method : {"srs", "systematic"}
        Selection method within strata, one of :data:`SELECTION_METHODS`.
    """

    strata: tuple[str, ...] = ("agency",)
    n: int | None = None
    margin: float | None = None
    allocation: str = "proportional"
    power_q: float = 0.5
    min_per_stratum: int | None = None
    max_per_stratum: int | None = None
    response_rate: float = 1.0
    deff: float = 1.0
    p: float = 0.5
    sd: dict[str, float] | None = None
    method: PlanSelectionMethod = "srs"

    def as_dict(self) -> dict[str, Any]:
        """The parameters as JSON-ready values (the form stored with a wave and a sample)."""
        return {
            "strata": list(self.strata),
            "n": self.n,
            "margin": self.margin,
            "allocation": self.allocation,
            "power_q": self.power_q,
            "min_per_stratum": self.min_per_stratum,
            "max_per_stratum": self.max_per_stratum,
            "response_rate": self.response_rate,
            "deff": self.deff,
            "p": self.p,
            "sd": self.sd,
            "method": self.method,
        }

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> Self:
        """Parameters from request values (absent or null values take the defaults).

        Raises
        ------
        SamplePlanError
            Code ``invalid``, with every parameter at fault.
        """
        problems: list[PlanProblem] = []
        strata = tuple(values.get("strata") or ("agency",))
        if strata not in STRATA_CHOICES:
            problems.append(PlanProblem("strata", 'either ["agency"] or ["agency", "field"]'))
        n, margin = values.get("n"), values.get("margin")
        if (n is None) == (margin is None):
            problems.append(
                PlanProblem("n", "give either n (total to draw) or margin (per agency)", "required")
            )
        if n is not None and (not isinstance(n, int) or n < 1):
            problems.append(PlanProblem("n", "a positive whole number"))
        if margin is not None and not 0 < float(margin) < 1:
            problems.append(PlanProblem("margin", "a proportion in (0, 1), e.g. 0.05 for ±5 points"))
        allocation = values.get("allocation") or "proportional"
        if allocation not in ALLOCATIONS:
            problems.append(PlanProblem("allocation", f"one of {', '.join(ALLOCATIONS)}"))
        rate = float(values.get("response_rate") or 1.0)
        if not 0 < rate <= 1:
            problems.append(PlanProblem("response_rate", "in (0, 1]"))
        deff = float(values.get("deff") or 1.0)
        if not deff >= 1:
            problems.append(PlanProblem("deff", "at least 1"))
        p = float(values.get("p") or 0.5)
        if not 0 < p < 1:
            problems.append(PlanProblem("p", "in (0, 1)"))
        raw_q = values.get("power_q")
        power_q = float(raw_q if raw_q is not None else 0.5)  # 0 is a valid exponent, not "absent"
        if not 0 <= power_q <= 1:
            problems.append(PlanProblem("power_q", "in [0, 1]"))
        low, high = values.get("min_per_stratum"), values.get("max_per_stratum")
        for name, bound in (("min_per_stratum", low), ("max_per_stratum", high)):
            if bound is not None and (not isinstance(bound, int) or bound < 0):
                problems.append(PlanProblem(name, "a non-negative whole number"))
        if isinstance(low, int) and isinstance(high, int) and low > high:
            problems.append(PlanProblem("max_per_stratum", "is below min_per_stratum"))
        raw_method = values.get("method") or "srs"
        if raw_method not in SELECTION_METHODS:
            problems.append(PlanProblem("method", f"one of {', '.join(SELECTION_METHODS)}"))
        # the same value typed as a method (an unknown one is reported above and never reaches cls)
        method: PlanSelectionMethod = next((m for m in SELECTION_METHODS if m == raw_method), "srs")
        if problems:
            raise SamplePlanError("invalid", "the sample plan is not valid", problems)
        return cls(
            strata=strata,
            n=n,
            margin=float(margin) if margin is not None else None,
            allocation=allocation,
            power_q=power_q,
            min_per_stratum=low,
            max_per_stratum=high,
            response_rate=rate,
            deff=deff,
            p=p,
            sd=values.get("sd"),
            method=method,
        )


def stratum_label(agency: str, field: str, strata: Sequence[str]) -> str:
    """The stratum of an (agency, field) cell: the agency, or ``agency|field``."""
    return agency if tuple(strata) == ("agency",) else f"{agency}|{field}"


def _allocate(sizes: list[int], n: int, params: PlanParameters, sds: list[float], where: str) -> list[int]:
    """:func:`sampling.planning.allocate` with the plan's method, bounds and S_h; ``where`` names the
    parameter blamed when there is no solution."""
    try:
        result = allocate(
            sizes,
            n,
            # An unchecked method (parameters built directly) is refused by allocate itself.
            cast(AllocationMethod, params.allocation),
            sd=sds if params.allocation == "neyman" else None,
            power_q=params.power_q,
            min_n=params.min_per_stratum,
            max_n=params.max_per_stratum,
        )
    except SamplingError as exc:
        raise SamplePlanError(
            "unallocatable", "the sample plan cannot be allocated", [PlanProblem(where, str(exc))]
        ) from exc
    return [int(v) for v in result.n_h]


def _margin_allocation(
    labels: list[str],
    sizes: list[int],
    sds: list[float],
    stratum_agency: Mapping[str, str],
    params: PlanParameters,
) -> dict[str, int]:
    """Units per stratum so that each agency reaches ``params.margin`` (within its floors and caps)."""
    assert params.margin is not None  # noqa: S101 - invariant, not input
    allocation: dict[str, int] = {}
    by_agency: dict[str, list[int]] = defaultdict(list)
    for i, h in enumerate(labels):
        by_agency[stratum_agency[h]].append(i)
    for agency, idx in sorted(by_agency.items()):
        population = sum(sizes[i] for i in idx)
        try:
            wanted = sample_size_proportion(
                params.margin,
                p=params.p,
                deff=params.deff,
                population=population,
                response_rate=params.response_rate,
            ).n
        except SamplingError as exc:
            raise SamplePlanError(
                "invalid", "the sample plan is not valid", [PlanProblem("margin", f"agency {agency}: {exc}")]
            ) from exc
        cap = sum(
            min(sizes[i], params.max_per_stratum if params.max_per_stratum is not None else sizes[i])
            for i in idx
        )
        floor = sum(min(sizes[i], params.min_per_stratum or 0) for i in idx)
        n_a = max(min(wanted, cap), floor)
        shares = _allocate([sizes[i] for i in idx], n_a, params, [sds[i] for i in idx], "margin")
        for i, n_h in zip(idx, shares, strict=True):
            allocation[labels[i]] = n_h
    return allocation


def compute_plan(cells: Mapping[tuple[str, str], int], params: PlanParameters) -> SamplePlan:
    """The allocation and its expected margins from frame counts per (agency, field).

    Parameters
    ----------
    cells : mapping of (agency, field) to int
        Frame units per cell.
    params : PlanParameters

    Returns
    -------
    SamplePlan
        Strata in label order, agencies in code order, and the overall totals and margin.

    Raises
    ------
    SamplePlanError
        ``empty_frame`` without cells; ``invalid`` for an ``sd`` of an unknown stratum or a margin that
        cannot be planned; ``unallocatable`` when the allocation has no solution.
    """
    strata_n: dict[str, int] = Counter()
    stratum_agency: dict[str, str] = {}
    stratum_field: dict[str, str | None] = {}
    for (agency, field), count in sorted(cells.items()):
        label = stratum_label(agency, field, params.strata)
        strata_n[label] += count
        stratum_agency[label] = agency
        stratum_field[label] = None if params.strata == ("agency",) else field
    labels = sorted(strata_n)
    if not labels:
        raise SamplePlanError("empty_frame", "there are no frame units to plan from")
    default_sd = math.sqrt(params.p * (1 - params.p))
    sd_of = params.sd or {}
    unknown = sorted(set(sd_of) - set(labels))
    if unknown:
        raise SamplePlanError(
            "invalid", "the sample plan is not valid", [PlanProblem("sd", f"unknown stratum {unknown[0]!r}")]
        )
    sds = [float(sd_of.get(h, default_sd)) for h in labels]
    sizes = [strata_n[h] for h in labels]
    if params.n is not None:
        allocation = dict(zip(labels, _allocate(sizes, params.n, params, sds, "n"), strict=True))
    else:
        allocation = _margin_allocation(labels, sizes, sds, stratum_agency, params)
    rate = params.response_rate
    strata_out: list[StratumAllocation] = [
        {
            "stratum": h,
            "agency": stratum_agency[h],
            "field": stratum_field[h],
            "population": strata_n[h],
            "n": allocation[h],
            "expected_completes": round(allocation[h] * rate, 1),
            "sampling_fraction": allocation[h] / strata_n[h] if strata_n[h] else 0.0,
        }
        for h in labels
    ]
    agencies_out = [
        _margin_row(agency, [s for s in strata_out if s["agency"] == agency], params)
        for agency in sorted(set(stratum_agency.values()))
    ]
    return {
        "parameters": params.as_dict(),
        "z": Z95,
        "n": sum(allocation.values()),
        "expected_completes": round(sum(allocation.values()) * rate, 1),
        "population": sum(sizes),
        "strata": strata_out,
        "agencies": agencies_out,
        "overall": _margin_row(None, strata_out, params),
    }


def expected_margin(
    populations: Sequence[int],
    sample_sizes: Sequence[float],
    p: float,
    deff: float,
    response_rate: float,
    z: float = Z95,
) -> float | None:
    """Expected half-width of the interval of a proportion estimated over strata (see the module notes).

    Parameters
    ----------
    populations : sequence of int
        N_h, frame units per stratum (strata with N_h = 0 are left out).
    sample_sizes : sequence of float
        n_h, units drawn per stratum.
    p : float
        Anticipated proportion.
    deff : float
        Anticipated design effect.
    response_rate : float
        Expected response rate; the completes are m_h = n_h × response_rate.
    z : float
        Normal quantile of the interval (1.96 for 95 %).

    Returns
    -------
    float or None
        z · √(deff · Σ_h W_h² (1 − m_h/N_h) p(1 − p) / m_h) (Cochran 1977, Theorem 5.3), or ``None``
        when there are no frame units or a stratum with frame units expects no complete.
    """
    population = sum(int(big_n) for big_n in populations)
    pairs = list(zip(populations, sample_sizes, strict=True))
    if population <= 0 or not all(n * response_rate > 0 for big_n, n in pairs if big_n > 0):
        return None
    variance = 0.0
    for big_n, n in pairs:
        if big_n == 0:
            continue
        m = n * response_rate
        weight = big_n / population
        variance += weight**2 * max(0.0, 1 - m / big_n) * p * (1 - p) / m
    return z * math.sqrt(deff * variance)


def _margin_row(agency: str | None, strata: list[StratumAllocation], params: PlanParameters) -> MarginRow:
    population = sum(int(s["population"]) for s in strata)
    n = sum(int(s["n"]) for s in strata)
    margin = expected_margin(
        [s["population"] for s in strata],
        [s["n"] for s in strata],
        p=params.p,
        deff=params.deff,
        response_rate=params.response_rate,
    )
    completes = round(n * params.response_rate, 1)
    if agency is None:
        return {"population": population, "n": n, "expected_completes": completes, "expected_margin": margin}
    return {
        "agency": agency,
        "population": population,
        "n": n,
        "expected_completes": completes,
        "expected_margin": margin,
    }


def completes_target(sample_size: float, response_rate: float) -> int:
    """The completes a drawn sample of ``sample_size`` units should yield at the planned response rate.

    n × response_rate to a whole interview (Python's ``round``: a half goes to the even number). The plan
    reports the same product to one decimal as ``expected_completes``; fieldwork progress counts whole
    interviews against this target.
    """
    return round(sample_size * response_rate)


def progress_share(completes: int, target: int) -> float | None:
    """The share of the completes target reached (above 1 once it is passed); ``None`` without a target."""
    return completes / target if target else None
