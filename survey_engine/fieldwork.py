"""Sample plans, seeded draws, fieldwork status, AAPOR response rates, respondents' design variables.

Plan
    Strata are the agency (``["agency"]``) or agency × field (``["agency", "field"]``) of the wave's frame.
    Either a total ``n`` is allocated over strata (``sampling.planning.allocate``: proportional, equal,
    Neyman with S_h = √(p(1 − p)) unless ``sd`` gives one per stratum, or power N_h^q), or ``margin`` gives
    the 95 % margin wanted *per agency*:
    n_a = ``sample_size_proportion(margin, p, deff, N_a, response_rate)``,
    then spread over the agency's fields with the same allocation method. ``n`` counts units to draw (the
    gross sample); expected completes are n_h × response_rate. Floors and caps apply per stratum.

    The expected 95 % margin of agency a for a proportion p (0.5 unless given) is
    z · √(deff · Σ_h W_h² (1 − m_h/N_h) p(1 − p) / m_h), W_h = N_h/N_a, m_h = n_h × response_rate over the
    agency's strata h (Cochran 1977, §5.3 with the FPC); ``null`` when a stratum of the agency gets no
    expected complete.

Draw
    ``sampling.selection.select_stratified`` (SRS or systematic within strata) with an explicit seed, on the
    frame in a fixed order: completion date, then dossier hash. The same seed on the same frame (and the
    same secret key, which the hashes depend on) gives the same sample. Each sampled unit stores its
    stratum, N_h, n_h, π = n_h/N_h and base weight 1/π. Units with a phone number become phone contacts
    (``Contact``, status ``pending``, code ``SMP-000001``…, the unit's dossier hash) in the same transaction.

Fieldwork status of a sampled unit (AAPOR *Standard Definitions*, 2023, categories in brackets)
    ``complete`` [I] — a complete submission of the wave with the unit's dossier hash (any channel), or its
    phone contact is complete; ``partial`` [P] — an incomplete submission (kiosk break-off) or a partial
    phone interview; ``refusal`` [R] (refusals and break-offs); ``non_contact`` [NC] (incl. callbacks);
    ``other`` [O]; ``unknown`` [U] — unknown eligibility, incl. units not yet attempted (``pending``) and
    units without a phone that have not answered; ``ineligible`` [NE].

Response rates (per agency and overall)
    RR1 = I / ((I + P) + (R + NC + O) + U);  RR2 = (I + P) / (same);
    RR3 = I / ((I + P) + (R + NC + O) + e·U);  RR4 = (I + P) / (same);
    e = (I + P + R + NC + O) / (I + P + R + NC + O + NE), the eligible share among units whose eligibility
    is known, over the whole wave (AAPOR's proportional allocation; one e for all agencies because an
    agency's own share rests on few resolved cases). e = 1 while no unit is resolved; a caller may set e.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from statistics import NormalDist
from typing import Any

import numpy as np

from sampling.errors import SamplingError
from sampling.planning import allocate, sample_size_proportion
from sampling.selection import select_stratified
from survey_engine import audit
from survey_engine.actors import Actor
from survey_engine.errors import Conflict, FieldProblem, InvalidInput
from survey_engine.frames import BATCH, parse_frame, wave_row
from survey_engine.receipts import dossier_hash, sign_receipt
from survey_engine.tables import (
    Contact,
    FrameUnit,
    Sample,
    SampleUnit,
    ServicePoint,
    Submission,
    Wave,
    WaveServicePoint,
)
from survey_engine.transactions import is_unique_violation, write_transaction

STRATA_CHOICES = (("agency",), ("agency", "field"))
ALLOCATIONS = ("proportional", "equal", "neyman", "power")
SELECTION_METHODS = ("srs", "systematic")
CONTACT_PREFIX = "SMP-"
Z95 = NormalDist().inv_cdf(0.975)
CATEGORIES = ("complete", "partial", "refusal", "non_contact", "other", "unknown", "ineligible")
# Contact.status (phone module outcomes) → fieldwork status.
CONTACT_STATUS = {
    "complete": "complete",
    "partial": "partial",
    "refusal": "refusal",
    "non_contact": "non_contact",
    "callback": "non_contact",
    "other": "other",
    "unknown": "unknown",
    "pending": "unknown",
    "ineligible": "ineligible",
}


@dataclass(frozen=True)
class WeightRow:
    """Design variables of one sampled unit for estimation (see :func:`weights_for_wave`).

    ``psu`` is the sampled unit itself (the design is stratified, unclustered); ``fpc`` is N_h, the
    number of frame units in the stratum, as R's ``fpc`` argument.
    """

    stratum: str
    psu: str
    final_weight: float
    fpc: int
    base_weight: float
    inclusion_probability: float
    nonresponse_class: str | None
    agency: str


async def weights_for_wave(wave_id: int) -> dict[str, WeightRow]:
    """Weights and design variables of the wave's weighted respondents, keyed by dossier hash.

    Only sampled units with a final weight > 0 (respondents at the last weighting) are returned; a
    submission of the same wave with the same ``dossier_hash`` takes the row's weight and design variables.
    Empty when the wave has no sample or its weights were never computed.
    """
    rows = await SampleUnit.select(
        SampleUnit.id,
        SampleUnit.dossier_hash,
        SampleUnit.stratum,
        SampleUnit.final_weight,
        SampleUnit.stratum_population,
        SampleUnit.base_weight,
        SampleUnit.inclusion_probability,
        SampleUnit.nonresponse_class,
        SampleUnit.agency.code.as_alias("agency"),
    ).where((SampleUnit.wave == wave_id) & (SampleUnit.final_weight > 0))
    return {
        r["dossier_hash"]: WeightRow(
            stratum=r["stratum"],
            psu=str(r["id"]),
            final_weight=float(r["final_weight"]),
            fpc=int(r["stratum_population"]),
            base_weight=float(r["base_weight"]),
            inclusion_probability=float(r["inclusion_probability"]),
            nonresponse_class=r["nonresponse_class"],
            agency=r["agency"],
        )
        for r in rows
    }


def stratum_label(agency: str, field: str, strata: Sequence[str]) -> str:
    return agency if tuple(strata) == ("agency",) else f"{agency}|{field}"


def _now() -> datetime:
    return datetime.now(UTC)


# -- planning -----------------------------------------------------------------------------------------


@dataclass
class PlanParameters:
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
    method: str = "srs"

    def as_dict(self) -> dict[str, Any]:
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
    def from_values(cls, values: dict[str, Any]) -> PlanParameters:
        problems: list[FieldProblem] = []
        strata = tuple(values.get("strata") or ("agency",))
        if strata not in STRATA_CHOICES:
            problems.append(FieldProblem("strata", 'either ["agency"] or ["agency", "field"]'))
        n, margin = values.get("n"), values.get("margin")
        if (n is None) == (margin is None):
            problems.append(
                FieldProblem("n", "give either n (total to draw) or margin (per agency)", "required")
            )
        if n is not None and (not isinstance(n, int) or n < 1):
            problems.append(FieldProblem("n", "a positive whole number"))
        if margin is not None and not 0 < float(margin) < 1:
            problems.append(FieldProblem("margin", "a proportion in (0, 1), e.g. 0.05 for ±5 points"))
        allocation = values.get("allocation") or "proportional"
        if allocation not in ALLOCATIONS:
            problems.append(FieldProblem("allocation", f"one of {', '.join(ALLOCATIONS)}"))
        rate = float(values.get("response_rate") or 1.0)
        if not 0 < rate <= 1:
            problems.append(FieldProblem("response_rate", "in (0, 1]"))
        deff = float(values.get("deff") or 1.0)
        if not deff >= 1:
            problems.append(FieldProblem("deff", "at least 1"))
        p = float(values.get("p") or 0.5)
        if not 0 < p < 1:
            problems.append(FieldProblem("p", "in (0, 1)"))
        power_q = float(values.get("power_q") if values.get("power_q") is not None else 0.5)
        if not 0 <= power_q <= 1:
            problems.append(FieldProblem("power_q", "in [0, 1]"))
        low, high = values.get("min_per_stratum"), values.get("max_per_stratum")
        for name, bound in (("min_per_stratum", low), ("max_per_stratum", high)):
            if bound is not None and (not isinstance(bound, int) or bound < 0):
                problems.append(FieldProblem(name, "a non-negative whole number"))
        if isinstance(low, int) and isinstance(high, int) and low > high:
            problems.append(FieldProblem("max_per_stratum", "is below min_per_stratum"))
        method = values.get("method") or "srs"
        if method not in SELECTION_METHODS:
            problems.append(FieldProblem("method", f"one of {', '.join(SELECTION_METHODS)}"))
        if problems:
            raise InvalidInput("the sample plan is not valid", problems)
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


def _allocate(sizes: list[int], n: int, params: PlanParameters, sds: list[float], where: str) -> list[int]:
    try:
        result = allocate(
            sizes,
            n,
            "neyman" if params.allocation == "neyman" else params.allocation,  # type: ignore[arg-type]
            sd=sds if params.allocation == "neyman" else None,
            power_q=params.power_q,
            min_n=params.min_per_stratum,
            max_n=params.max_per_stratum,
        )
    except SamplingError as exc:
        raise InvalidInput("the sample plan cannot be allocated", [FieldProblem(where, str(exc))]) from exc
    return [int(v) for v in result.n_h]


def compute_plan(cells: dict[tuple[str, str], int], params: PlanParameters) -> dict[str, Any]:
    """The allocation and its expected margins from frame counts per (agency, field)."""
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
        raise Conflict("the wave has no frame yet: import one first")
    default_sd = math.sqrt(params.p * (1 - params.p))
    sd_of = params.sd or {}
    unknown = sorted(set(sd_of) - set(labels))
    if unknown:
        raise InvalidInput(
            "the sample plan is not valid", [FieldProblem("sd", f"unknown stratum {unknown[0]!r}")]
        )
    sds = [float(sd_of.get(h, default_sd)) for h in labels]
    sizes = [strata_n[h] for h in labels]
    allocation: dict[str, int] = {}
    if params.n is not None:
        allocation = dict(zip(labels, _allocate(sizes, params.n, params, sds, "n"), strict=True))
    else:
        assert params.margin is not None
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
                raise InvalidInput(
                    "the sample plan is not valid", [FieldProblem("margin", f"agency {agency}: {exc}")]
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
    rate = params.response_rate
    strata_out = [
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
    agencies_out = []
    for agency in sorted(set(stratum_agency.values())):
        mine = [s for s in strata_out if s["agency"] == agency]
        agencies_out.append(_margin_row(agency, mine, params))
    overall = _margin_row(None, strata_out, params)
    return {
        "parameters": params.as_dict(),
        "z": Z95,
        "n": sum(allocation.values()),
        "expected_completes": round(sum(allocation.values()) * rate, 1),
        "population": sum(sizes),
        "strata": strata_out,
        "agencies": agencies_out,
        "overall": overall,
    }


def _margin_row(agency: str | None, strata: list[dict[str, Any]], params: PlanParameters) -> dict[str, Any]:
    population = sum(int(s["population"]) for s in strata)
    n = sum(int(s["n"]) for s in strata)
    variance = 0.0
    margin: float | None = None
    if population > 0 and all(s["n"] * params.response_rate > 0 for s in strata if s["population"] > 0):
        for s in strata:
            big_n = int(s["population"])
            if big_n == 0:
                continue
            m = s["n"] * params.response_rate
            weight = big_n / population
            variance += weight**2 * max(0.0, 1 - m / big_n) * params.p * (1 - params.p) / m
        margin = Z95 * math.sqrt(params.deff * variance)
    row: dict[str, Any] = {
        "population": population,
        "n": n,
        "expected_completes": round(n * params.response_rate, 1),
        "expected_margin": margin,
    }
    if agency is not None:
        row = {"agency": agency, **row}
    return row


# -- fieldwork status -----------------------------------------------------------------------------


def unit_status(contact_status: str | None, submission_complete: bool | None) -> str:
    """The fieldwork status of a sampled unit from its phone contact and its submission (if any)."""
    if submission_complete is True or contact_status == "complete":
        return "complete"
    if submission_complete is False or contact_status == "partial":
        return "partial"
    if contact_status is None:
        return "unknown"
    return CONTACT_STATUS.get(contact_status, "unknown")


def response_rates(counts: dict[str, int], e: float) -> dict[str, float | None]:
    """AAPOR RR1–RR4 from category counts (see the module docstring)."""
    i, p = counts.get("complete", 0), counts.get("partial", 0)
    eligible_nonresponse = counts.get("refusal", 0) + counts.get("non_contact", 0) + counts.get("other", 0)
    u = counts.get("unknown", 0)
    base1 = i + p + eligible_nonresponse + u
    base3 = i + p + eligible_nonresponse + e * u
    return {
        "rr1": i / base1 if base1 else None,
        "rr2": (i + p) / base1 if base1 else None,
        "rr3": i / base3 if base3 else None,
        "rr4": (i + p) / base3 if base3 else None,
    }


def eligibility_share(counts: dict[str, int]) -> float:
    known_eligible = sum(counts.get(c, 0) for c in ("complete", "partial", "refusal", "non_contact", "other"))
    resolved = known_eligible + counts.get("ineligible", 0)
    return known_eligible / resolved if resolved else 1.0


async def sampled_units(wave_id: int) -> list[dict[str, Any]]:
    """Every sampled unit of the wave with its frame variables and current fieldwork status."""
    units = (
        await SampleUnit.select(
            SampleUnit.id,
            SampleUnit.dossier_hash,
            SampleUnit.agency.code.as_alias("agency"),
            SampleUnit.stratum,
            SampleUnit.stratum_population,
            SampleUnit.stratum_sample,
            SampleUnit.inclusion_probability,
            SampleUnit.base_weight,
            SampleUnit.contact_code,
            SampleUnit.frame_unit.field.as_alias("field"),
            SampleUnit.frame_unit.demographics.as_alias("demographics"),
        )
        .where(SampleUnit.wave == wave_id)
        .order_by(SampleUnit.id)
        .output(load_json=True)
    )
    contacts = {
        r["code"]: r["status"]
        for r in await Contact.select(Contact.code, Contact.status).where(
            (Contact.wave == wave_id) & Contact.code.like(CONTACT_PREFIX + "%")
        )
    }
    answered: dict[str, bool] = {}
    hashes = [u["dossier_hash"] for u in units]
    for start in range(0, len(hashes), BATCH):
        rows = await Submission.select(Submission.dossier_hash, Submission.complete).where(
            (Submission.wave == wave_id) & Submission.dossier_hash.is_in(hashes[start : start + BATCH])
        )
        for r in rows:
            answered[r["dossier_hash"]] = bool(r["complete"]) or answered.get(r["dossier_hash"], False)
    for unit in units:
        contact = contacts.get(unit["contact_code"]) if unit["contact_code"] else None
        unit["status"] = unit_status(contact, answered.get(unit["dossier_hash"]))
        if isinstance(unit["demographics"], str):  # joined JSON columns are not always decoded
            import json

            unit["demographics"] = json.loads(unit["demographics"] or "{}")
    return units


def _rates_row(counts: Counter[str], e: float) -> dict[str, Any]:
    return {
        "sampled": sum(counts.values()),
        "counts": {c: counts.get(c, 0) for c in CATEGORIES},
        **response_rates(dict(counts), e),
    }


# -- service -----------------------------------------------------------------------------------------


class FieldworkService:
    """Plans, draws, letters and fieldwork progress. ``clock`` is injected so tests can fix "now"."""

    def __init__(self, clock: Callable[[], datetime] = _now) -> None:
        self.clock = clock

    async def _cells(self, wave_id: int) -> dict[tuple[str, str], int]:
        from piccolo.query.functions.aggregate import Count

        rows = (
            await FrameUnit.select(
                FrameUnit.agency.code.as_alias("agency"), FrameUnit.field, Count(alias="units")
            )
            .where(FrameUnit.wave == wave_id)
            .group_by(FrameUnit.agency.code, FrameUnit.field)
        )
        return {(r["agency"], r["field"]): int(r["units"]) for r in rows}

    async def plan(
        self, actor: Actor, wave_code: str, values: dict[str, Any], save: bool = False
    ) -> dict[str, Any]:
        """The allocation with expected margins; with ``save`` kept in the wave's settings."""
        wave = await wave_row(wave_code)
        params = PlanParameters.from_values(values)
        result = compute_plan(await self._cells(wave["id"]), params)
        if save:
            if wave["status"] == "closed":
                raise Conflict(f"wave {wave_code} is closed")
            settings = dict(wave["settings"] or {})
            settings["sampling_plan"] = params.as_dict()
            await Wave.update({Wave.settings: settings, Wave.updated_at: self.clock()}).where(
                Wave.id == wave["id"]
            )
            await audit.record(actor, "plan", "wave", wave_code, {"n": result["n"]})
        return {"wave": wave_code, "saved": save, **result}

    async def draw(
        self, actor: Actor, wave_code: str, seed: int, values: dict[str, Any], contacts: bool = True
    ) -> dict[str, Any]:
        """Draw the wave's sample (once): seeded stratified selection; contacts for units with a phone."""
        wave = await wave_row(wave_code)
        if wave["status"] == "closed":
            raise Conflict(f"wave {wave_code} is closed")
        if await Sample.exists().where(Sample.wave == wave["id"]):
            raise Conflict(f"the sample of wave {wave_code} is already drawn")
        plan_values = dict(values)
        saved = (wave["settings"] or {}).get("sampling_plan")
        if plan_values.get("n") is None and plan_values.get("margin") is None:
            if not saved:
                raise InvalidInput(
                    "no sample plan",
                    [FieldProblem("n", "give n or margin, or save a plan first", "required")],
                )
            plan_values = {**saved, **{k: v for k, v in plan_values.items() if v is not None}}
        params = PlanParameters.from_values(plan_values)
        frame = await FrameUnit.select(
            FrameUnit.id,
            FrameUnit.dossier_hash,
            FrameUnit.agency,
            FrameUnit.agency.code.as_alias("agency_code"),
            FrameUnit.field,
            FrameUnit.completed_on,
            FrameUnit.phone,
        ).where(FrameUnit.wave == wave["id"])
        frame.sort(key=lambda r: (r["completed_on"], r["dossier_hash"]))
        cells: Counter[tuple[str, str]] = Counter((r["agency_code"], r["field"]) for r in frame)
        agency_ids = {r["agency_code"]: r["agency"] for r in frame}
        result = compute_plan(dict(cells), params)
        allocation = {s["stratum"]: int(s["n"]) for s in result["strata"]}
        population = {s["stratum"]: int(s["population"]) for s in result["strata"]}
        labels = [stratum_label(r["agency_code"], r["field"], params.strata) for r in frame]
        try:
            selection = select_stratified(
                np.array(labels, dtype=object), allocation, seed, method=params.method
            )  # type: ignore[arg-type]
        except SamplingError as exc:
            raise InvalidInput("the sample cannot be drawn", [FieldProblem("seed", str(exc))]) from exc
        now = self.clock()
        chosen = [int(i) for i in selection.indices]
        units: list[SampleUnit] = []
        new_contacts: list[Contact] = []
        for number, (i, pi, weight) in enumerate(
            zip(chosen, selection.inclusion_probability, selection.base_weight, strict=True), 1
        ):
            row = frame[i]
            code = f"{CONTACT_PREFIX}{number:06d}" if contacts and row["phone"] else None
            label = labels[i]
            units.append(
                SampleUnit(
                    wave=wave["id"],
                    frame_unit=row["id"],
                    dossier_hash=row["dossier_hash"],
                    agency=row["agency"],
                    stratum=label,
                    stratum_population=population[label],
                    stratum_sample=allocation[label],
                    inclusion_probability=float(pi),
                    base_weight=float(weight),
                    contact_code=code,
                    status="unknown",
                )
            )
            if code:
                new_contacts.append(
                    Contact(
                        wave=wave["id"],
                        code=code,
                        agency=row["agency"],
                        service_point=None,
                        phone=row["phone"],
                        dossier_hash=row["dossier_hash"],
                        status="pending",
                        attempts=0,
                        created_at=now,
                        updated_at=now,
                    )
                )
        plan_stored = {
            "parameters": params.as_dict(),
            "strata": result["strata"],
            "agencies": result["agencies"],
        }
        try:
            async with write_transaction(Sample._meta.db):
                inserted = await Sample.insert(
                    Sample(
                        wave=wave["id"],
                        seed=seed,
                        method=params.method,
                        strata=list(params.strata),
                        plan=plan_stored,
                        frame_rows=len(frame),
                        n=len(units),
                        drawn_at=now,
                        drawn_by=actor.user_id or None,
                    )
                ).returning(Sample.id)
                sample_id = inserted[0]["id"]
                for unit in units:
                    unit.sample = sample_id
                for start in range(0, len(units), BATCH):
                    await SampleUnit.insert(*units[start : start + BATCH])
                for start in range(0, len(new_contacts), BATCH):
                    await Contact.insert(*new_contacts[start : start + BATCH])
                for (agency, field), _count in sorted(cells.items()):
                    await FrameUnit.update(
                        {FrameUnit.stratum: stratum_label(agency, field, params.strata)}
                    ).where(
                        (FrameUnit.wave == wave["id"])
                        & (FrameUnit.agency == agency_ids[agency])
                        & (FrameUnit.field == field)
                    )
        except Exception as exc:
            if is_unique_violation(exc):
                raise Conflict(
                    f"the sample of wave {wave_code} was drawn meanwhile, or its contact codes "
                    f"({CONTACT_PREFIX}…) are taken; nothing was stored"
                ) from exc
            raise
        await audit.record(
            actor, "draw", "sample", wave_code, {"seed": seed, "n": len(units), "contacts": len(new_contacts)}
        )
        return {
            "wave": wave_code,
            "seed": seed,
            "method": params.method,
            "n": len(units),
            "contacts": len(new_contacts),
            "frame_rows": len(frame),
            "plan": result,
        }

    async def sample_summary(self, actor: Actor, wave_code: str) -> dict[str, Any]:
        wave = await wave_row(wave_code, actor)
        sample = await Sample.select().where(Sample.wave == wave["id"]).output(load_json=True).first()
        if sample is None:
            raise Conflict(f"the sample of wave {wave_code} is not drawn yet", kind="conflict")
        plan = sample["plan"]
        strata = plan.get("strata", [])
        if actor.agency_scoped:
            strata = [s for s in strata if s["agency"] == actor.agency_code]
        return {
            "wave": wave_code,
            "seed": sample["seed"] if not actor.agency_scoped else None,
            "method": sample["method"],
            "strata_variables": sample["strata"],
            "n": sum(int(s["n"]) for s in strata),
            "frame_rows": sample["frame_rows"],
            "drawn_at": sample["drawn_at"],
            "strata": strata,
        }

    # -- letters ---------------------------------------------------------------------------------

    async def letters(
        self,
        actor: Actor,
        wave_code: str,
        data: bytes,
        secret_key: str,
        base_url: str,
        service_point: str | None = None,
    ) -> tuple[list[dict[str, Any]], int]:
        """Letter contents for the sampled units found in ``data`` (the frame file again), and how many
        sampled units the file lacks. Dossier codes in clear come only from the file, never the database."""
        wave = await wave_row(wave_code)
        rows, problems = parse_frame(data, self.clock().astimezone(UTC).date())
        if problems:
            from survey_engine.frames import invalid

            raise invalid("the frame file is not valid; no letters were made", problems)
        units = (
            await SampleUnit.select(
                SampleUnit.id, SampleUnit.dossier_hash, SampleUnit.agency.code.as_alias("agency")
            )
            .where(SampleUnit.wave == wave["id"])
            .order_by(SampleUnit.id)
        )
        if not units:
            raise Conflict(f"the sample of wave {wave_code} is not drawn yet")
        by_hash = {dossier_hash(secret_key, row.dossier_code): row for row in rows}
        points = await WaveServicePoint.select(
            WaveServicePoint.service_point.code.as_alias("code"),
            WaveServicePoint.service_point.public_token.as_alias("token"),
            WaveServicePoint.service_point.name_vi.as_alias("name_vi"),
            WaveServicePoint.service_point.agency.code.as_alias("agency"),
            WaveServicePoint.service_point.agency.name_vi.as_alias("agency_name_vi"),
        ).where((WaveServicePoint.wave == wave["id"]) & (WaveServicePoint.service_point.active == True))  # noqa: E712
        by_agency: dict[str, dict[str, Any]] = {}
        for point in sorted(points, key=lambda p: p["code"]):
            by_agency.setdefault(point["agency"], point)
        chosen: dict[str, Any] | None = None
        if service_point is not None:
            chosen = next((p for p in points if p["code"] == service_point), None)
            if chosen is None:
                known = await ServicePoint.exists().where(ServicePoint.code == service_point)
                reason = "is not an active service point of this wave" if known else "does not exist"
                raise InvalidInput(
                    "no letters were made",
                    [FieldProblem("service_point", f"{service_point} {reason}", "unknown")],
                )
        letters: list[dict[str, Any]] = []
        missing = 0
        lacking: set[str] = set()
        for unit in units:
            row = by_hash.get(unit["dossier_hash"])
            if row is None:
                missing += 1
                continue
            point = chosen or by_agency.get(unit["agency"])
            if point is None:
                lacking.add(unit["agency"])
                continue
            receipt = sign_receipt(secret_key, row.dossier_code, point["code"])
            letters.append(
                {
                    "dossier_code": row.dossier_code,
                    "field": row.field,
                    "completed_on": row.completed_on,
                    "agency_name_vi": point["agency_name_vi"],
                    "service_point_name_vi": point["name_vi"],
                    "url": f"{base_url.rstrip('/')}/f/{point['token']}?r={receipt}",
                    "wave_name_vi": wave["name_vi"],
                    "period_end": wave["period_end"],
                    "reference": f"{wave_code}-{unit['id']}",
                }
            )
        if lacking:
            raise InvalidInput(
                "no letters were made",
                [
                    FieldProblem(
                        "service_point", f"agency {a} has no active service point in the wave", "required"
                    )
                    for a in sorted(lacking)
                ],
            )
        await audit.record(
            actor, "letters", "sample", wave_code, {"letters": len(letters), "missing": missing}
        )
        return letters, missing

    # -- progress --------------------------------------------------------------------------------

    async def progress(self, actor: Actor, wave_code: str, e: float | None = None) -> dict[str, Any]:
        """Fieldwork status counts, AAPOR response rates and progress against targets, per agency."""
        wave = await wave_row(wave_code, actor)
        sample = (
            await Sample.select(Sample.plan, Sample.seed, Sample.n)
            .where(Sample.wave == wave["id"])
            .output(load_json=True)
            .first()
        )
        if sample is None:
            raise Conflict(f"the sample of wave {wave_code} is not drawn yet")
        units = await sampled_units(wave["id"])
        all_counts: Counter[str] = Counter(u["status"] for u in units)
        share = eligibility_share(dict(all_counts)) if e is None else e
        rate = float(sample["plan"]["parameters"].get("response_rate") or 1.0)
        targets: Counter[str] = Counter()
        for s in sample["plan"]["strata"]:
            targets[s["agency"]] += int(s["n"])
        per_agency: dict[str, Counter[str]] = defaultdict(Counter)
        for u in units:
            per_agency[u["agency"]][u["status"]] += 1
        visible = sorted(per_agency)
        if actor.agency_scoped:
            visible = [a for a in visible if a == actor.agency_code]
        agencies = []
        for agency in visible:
            counts = per_agency[agency]
            target = round(targets[agency] * rate)
            agencies.append(
                {
                    "agency": agency,
                    **_rates_row(counts, share),
                    "target_completes": target,
                    "progress": counts["complete"] / target if target else None,
                }
            )
        overall_counts = (
            all_counts if not actor.agency_scoped else per_agency.get(actor.agency_code or "", Counter())
        )
        overall_target = round(sum(targets[a] for a in visible) * rate)
        return {
            "wave": wave_code,
            "status": wave["status"],
            "e": share,
            "e_method": "given" if e is not None else "eligible share among resolved units, whole wave",
            "definitions": {
                "rr1": "I / ((I + P) + (R + NC + O) + U)",
                "rr2": "(I + P) / ((I + P) + (R + NC + O) + U)",
                "rr3": "I / ((I + P) + (R + NC + O) + e·U)",
                "rr4": "(I + P) / ((I + P) + (R + NC + O) + e·U)",
            },
            "overall": {
                **_rates_row(overall_counts, share),
                "target_completes": overall_target,
                "progress": overall_counts["complete"] / overall_target if overall_target else None,
            },
            "agencies": agencies,
            "as_of": self.clock(),
        }


async def purge_frame_phones(wave_id: int) -> int:
    """Erase every phone number of the wave's frame (when the wave closes)."""
    count = await FrameUnit.count().where((FrameUnit.wave == wave_id) & FrameUnit.phone.is_not_null())
    if count:
        await FrameUnit.update({FrameUnit.phone: None}).where(FrameUnit.wave == wave_id)
    return int(count)


async def on_wave_closed(actor: Actor, wave_id: int) -> dict[str, Any]:
    """Hook for ``WaveService.set_status`` after a wave is closed: purge frame phone numbers and, when the
    wave has a sample, compute and store its weights with the last options used (or the defaults).
    Never raises for a weighting problem: it is recorded in the weight run's diagnostics instead."""
    from survey_engine.weights_store import WeightsService

    purged = await purge_frame_phones(wave_id)
    result: dict[str, Any] = {"frame_phones_purged": purged, "weights": None}
    if await Sample.exists().where(Sample.wave == wave_id):
        result["weights"] = await WeightsService().compute_for_wave_id(actor, wave_id, None, trigger="close")
    return result
