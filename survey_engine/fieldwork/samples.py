"""Sample plans, seeded draws, letters and fieldwork progress of a wave.

Plan
    Strata are the agency (``["agency"]``) or agency × field (``["agency", "field"]``) of the wave's frame;
    the allocation and the expected margins are computed by :mod:`sampling.sample_plan` (formulas and
    sources there) from the frame's counts per (agency, field). Its refusals become the domain errors
    below: an empty frame is a conflict ("import one first"), bad parameters are invalid input naming them.

Draw
    ``sampling.selection.select_stratified`` (SRS or systematic within strata) with an explicit seed, on the
    frame in a fixed order: completion date, then dossier hash. The same seed on the same frame (and the
    same secret key, which the hashes depend on) gives the same sample. Each sampled unit stores its
    stratum, N_h, n_h, π = n_h/N_h and base weight 1/π. Units with a phone number become phone contacts
    (``Contact``, status ``pending``, code ``SMP-000001``…, the unit's dossier hash) in the same transaction.

Progress
    Each sampled unit's fieldwork status (:func:`survey_engine.fieldwork.sample_units.sampled_units`, AAPOR
    categories) counted per agency and overall, with AAPOR RR1–RR4 (:mod:`sampling.response_rates`).
    e is the eligible share among units whose eligibility is known, over the whole wave (AAPOR's
    proportional allocation; one e for all agencies because an agency's own share rests on few resolved
    cases). e = 1 while no unit is resolved; a caller may set e.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Self

import numpy as np
from piccolo.query.functions.aggregate import Count

from sampling import sample_plan
from sampling.errors import SamplingError
from sampling.response_rates import (
    DEFINITIONS,
    DispositionSummary,
    ResponseRateError,
    disposition_summary,
    eligibility_share,
)
from sampling.sample_plan import (
    MarginRow,
    SamplePlan,
    SamplePlanError,
    StratumAllocation,
    completes_target,
    progress_share,
    stratum_label,
)
from sampling.selection import select_stratified
from survey_engine import audit
from survey_engine.actors import Actor
from survey_engine.collection.receipts import dossier_hash, sign_receipt
from survey_engine.errors import Conflict, FieldProblem, InvalidInput
from survey_engine.fieldwork.frames import BATCH, invalid, parse_frame, wave_row
from survey_engine.fieldwork.sample_units import CONTACT_PREFIX, sampled_units
from survey_engine.fieldwork.weights import WeightsRun, WeightsService
from survey_engine.tables import (
    Contact,
    FrameUnit,
    Sample,
    SampleUnit,
    ServicePoint,
    Wave,
    WaveServicePoint,
)
from survey_engine.transactions import is_unique_violation, write_transaction


def _now() -> datetime:
    return datetime.now(UTC)


# -- planning -----------------------------------------------------------------------------------------


def _plan_error(exc: SamplePlanError) -> Conflict | InvalidInput:
    """The domain error for a plan :mod:`sampling.sample_plan` refused (the answers the API always gave)."""
    if exc.code == "empty_frame":
        return Conflict("the wave has no frame yet: import one first")
    return InvalidInput(
        str(exc),
        [
            FieldProblem(
                p.field,
                p.message,
                p.code,
                "plan_margin" if p.field == "margin" else "plan_allocation",
                {"detail": p.message},
            )
            for p in exc.problems
        ],
    )


class PlanParameters(sample_plan.PlanParameters):
    """:class:`sampling.sample_plan.PlanParameters` read from request values with domain errors."""

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> Self:
        try:
            return super().from_values(values)
        except SamplePlanError as exc:
            raise _plan_error(exc) from exc


def compute_plan(cells: dict[tuple[str, str], int], params: sample_plan.PlanParameters) -> SamplePlan:
    """The allocation and its expected margins from frame counts per (agency, field)
    (:func:`sampling.sample_plan.compute_plan`, its refusals as domain errors)."""
    try:
        return sample_plan.compute_plan(cells, params)
    except SamplePlanError as exc:
        raise _plan_error(exc) from exc


# -- progress --------------------------------------------------------------------------------------


def _rates(counts: Counter[str], e: float) -> DispositionSummary:
    """Counts and RR1–RR4 of a progress row; a refusal can only be about the caller's e (the statuses are
    AAPOR categories by construction, see :func:`survey_engine.fieldwork.sample_units.unit_status`)."""
    try:
        return disposition_summary(counts, e)
    except ResponseRateError as exc:
        raise InvalidInput("the response rates cannot be computed", [FieldProblem("e", str(exc))]) from exc


@dataclass(frozen=True)
class ProgressRates:
    """Cases, counts per AAPOR category, RR1–RR4 and completes against their target."""

    sampled: int
    counts: dict[str, int]
    rr1: float | None
    rr2: float | None
    rr3: float | None
    rr4: float | None
    target_completes: int
    progress: float | None


@dataclass(frozen=True)
class AgencyProgress(ProgressRates):
    agency: str


@dataclass(frozen=True)
class FieldworkProgress:
    """A wave's fieldwork: the eligibility share used, the rates' definitions, overall and per agency."""

    wave: str
    status: str
    e: float
    e_method: str
    definitions: dict[str, str]
    overall: ProgressRates
    agencies: list[AgencyProgress]
    as_of: datetime


# -- service -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WavePlan:
    """A wave's sample plan (:class:`sampling.sample_plan.SamplePlan`) and whether it was saved."""

    wave: str
    saved: bool
    parameters: dict[str, Any]
    z: float
    n: int
    expected_completes: float
    population: int
    strata: list[StratumAllocation]
    agencies: list[MarginRow]
    overall: MarginRow


@dataclass(frozen=True)
class SampleDraw:
    """What a draw stored: seed, method, units drawn, phone contacts made, frame size and the plan."""

    wave: str
    seed: int
    method: str
    n: int
    contacts: int
    frame_rows: int
    plan: SamplePlan


@dataclass(frozen=True)
class SampleSummary:
    """A wave's drawn sample; an agency user sees its own strata and no seed."""

    wave: str
    seed: int | None
    method: str
    strata_variables: list[str]
    n: int
    frame_rows: int
    drawn_at: datetime
    strata: list[dict[str, Any]]


@dataclass(frozen=True)
class InvitationLetter:
    """What one invitation letter says: the dossier (from the file, never stored), where and when to
    answer, and the form's address with its signed receipt."""

    dossier_code: str
    field: str
    completed_on: date
    agency_name_vi: str
    service_point_name_vi: str
    url: str
    wave_name_vi: str
    period_end: date
    reference: str


@dataclass(frozen=True)
class WaveClosed:
    """What closing a wave did here: frame phone numbers erased, the final weights run (if sampled)."""

    frame_phones_purged: int
    weights: WeightsRun | None


@dataclass(frozen=True)
class DrawnSample:
    """A wave's drawn sample as an overview lists it: its size and its seed."""

    n: int
    seed: int


@dataclass(frozen=True)
class WaveFieldworkCounts:
    """One wave's line of the fieldwork overview: units in its frame and its sample, if drawn."""

    units: int
    sample: DrawnSample | None


class FieldworkService:
    """Plans, draws, letters and fieldwork progress. ``clock`` is injected so tests can fix "now"."""

    def __init__(self, clock: Callable[[], datetime] = _now) -> None:
        self.clock = clock

    async def _cells(self, wave_id: int) -> dict[tuple[str, str], int]:
        rows = (
            await FrameUnit.select(
                FrameUnit.agency.code.as_alias("agency"), FrameUnit.field, Count(alias="units")
            )
            .where(FrameUnit.wave == wave_id)
            .group_by(FrameUnit.agency.code, FrameUnit.field)
        )
        return {(r["agency"], r["field"]): int(r["units"]) for r in rows}

    async def overview(self, wave_codes: list[str]) -> dict[str, WaveFieldworkCounts]:
        """Frame units and drawn sample of each wave given (the caller has scoped the list), in two
        grouped queries."""
        if not wave_codes:
            return {}
        units = {
            str(r["code"]): int(r["n"])
            for r in await FrameUnit.select(FrameUnit.wave.code.as_alias("code"), Count(alias="n"))
            .where(FrameUnit.wave.code.is_in(wave_codes))
            .group_by(FrameUnit.wave.code)
        }
        samples = {
            str(r["code"]): DrawnSample(int(r["n"]), int(r["seed"]))
            for r in await Sample.select(Sample.wave.code.as_alias("code"), Sample.n, Sample.seed).where(
                Sample.wave.code.is_in(wave_codes)
            )
        }
        return {code: WaveFieldworkCounts(units.get(code, 0), samples.get(code)) for code in wave_codes}

    async def plan(
        self, actor: Actor, wave_code: str, values: dict[str, Any], save: bool = False
    ) -> WavePlan:
        """The allocation with expected margins; with ``save`` kept in the wave's settings."""
        wave = await wave_row(wave_code, actor)
        params = PlanParameters.from_values(values)
        result = compute_plan(await self._cells(wave.id), params)
        if save:
            if wave.status == "closed":
                raise Conflict(f"wave {wave_code} is closed")
            settings = dict(wave.settings or {})
            settings["sampling_plan"] = params.as_dict()
            await Wave.update({Wave.settings: settings, Wave.updated_at: self.clock()}).where(
                Wave.id == wave.id
            )
            await audit.record(actor, "plan", "wave", wave_code, {"n": result["n"]})
        return WavePlan(
            wave=wave_code,
            saved=save,
            parameters=result["parameters"],
            z=result["z"],
            n=result["n"],
            expected_completes=result["expected_completes"],
            population=result["population"],
            strata=result["strata"],
            agencies=result["agencies"],
            overall=result["overall"],
        )

    async def draw(
        self, actor: Actor, wave_code: str, seed: int, values: dict[str, Any], contacts: bool = True
    ) -> SampleDraw:
        """Draw the wave's sample (once): seeded stratified selection; contacts for units with a phone."""
        wave = await wave_row(wave_code, actor)
        if wave.status == "closed":
            raise Conflict(f"wave {wave_code} is closed")
        if await Sample.exists().where(Sample.wave == wave.id):
            raise Conflict(f"the sample of wave {wave_code} is already drawn")
        plan_values = dict(values)
        saved = (wave.settings or {}).get("sampling_plan")
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
        ).where(FrameUnit.wave == wave.id)
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
            )
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
                    wave=wave.id,
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
                        wave=wave.id,
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
                        wave=wave.id,
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
                        (FrameUnit.wave == wave.id)
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
        return SampleDraw(
            wave=wave_code,
            seed=seed,
            method=params.method,
            n=len(units),
            contacts=len(new_contacts),
            frame_rows=len(frame),
            plan=result,
        )

    async def sample_summary(self, actor: Actor, wave_code: str) -> SampleSummary:
        wave = await wave_row(wave_code, actor)
        sample = await Sample.select().where(Sample.wave == wave.id).output(load_json=True).first()
        if sample is None:
            raise Conflict(f"the sample of wave {wave_code} is not drawn yet", kind="conflict")
        plan = sample["plan"]
        strata = plan.get("strata", [])
        if actor.agency_scoped:
            strata = [s for s in strata if s["agency"] == actor.agency_code]
        return SampleSummary(
            wave=wave_code,
            seed=sample["seed"] if not actor.agency_scoped else None,
            method=sample["method"],
            strata_variables=sample["strata"],
            n=sum(int(s["n"]) for s in strata),
            frame_rows=sample["frame_rows"],
            drawn_at=sample["drawn_at"],
            strata=strata,
        )

    # -- letters ---------------------------------------------------------------------------------

    async def letters(
        self,
        actor: Actor,
        wave_code: str,
        data: bytes,
        secret_key: str,
        base_url: str,
        service_point: str | None = None,
    ) -> tuple[list[InvitationLetter], int]:
        """Letter contents for the sampled units found in ``data`` (the frame file again), and how many
        sampled units the file lacks. Dossier codes in clear come only from the file, never the database."""
        wave = await wave_row(wave_code, actor)
        rows, problems = parse_frame(data, self.clock().astimezone(UTC).date())
        if problems:
            raise invalid("the frame file is not valid; no letters were made", problems)
        units = (
            await SampleUnit.select(
                SampleUnit.id, SampleUnit.dossier_hash, SampleUnit.agency.code.as_alias("agency")
            )
            .where(SampleUnit.wave == wave.id)
            .order_by(SampleUnit.id)
        )
        if not units:
            raise Conflict(f"the sample of wave {wave_code} is not drawn yet")
        by_hash = {dossier_hash(secret_key, row.dossier_code): row for row in rows}
        points = await WaveServicePoint.select(
            WaveServicePoint.service_point.code.as_alias("code"),
            WaveServicePoint.service_point.public_token.as_alias("token"),
            WaveServicePoint.service_point.name_vi.as_alias("name_vi"),
            WaveServicePoint.service_point._.agency.code.as_alias("agency"),
            WaveServicePoint.service_point._.agency.name_vi.as_alias("agency_name_vi"),
        ).where((WaveServicePoint.wave == wave.id) & (WaveServicePoint.service_point.active == True))  # noqa: E712
        by_agency: dict[str, dict[str, Any]] = {}
        for candidate in sorted(points, key=lambda p: p["code"]):
            by_agency.setdefault(candidate["agency"], candidate)
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
        letters: list[InvitationLetter] = []
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
                InvitationLetter(
                    dossier_code=row.dossier_code,
                    field=row.field,
                    completed_on=row.completed_on,
                    agency_name_vi=point["agency_name_vi"],
                    service_point_name_vi=point["name_vi"],
                    url=f"{base_url.rstrip('/')}/f/{point['token']}?r={receipt}",
                    wave_name_vi=wave.name_vi,
                    period_end=wave.period_end,
                    reference=f"{wave_code}-{unit['id']}",
                )
            )
        if lacking:
            raise InvalidInput(
                "no letters were made",
                [
                    FieldProblem(
                        "service_point",
                        f"agency {a} has no active service point in the wave",
                        "required",
                        "letters_no_point",
                        {"agency": a},
                    )
                    for a in sorted(lacking)
                ],
            )
        await audit.record(
            actor, "letters", "sample", wave_code, {"letters": len(letters), "missing": missing}
        )
        return letters, missing

    # -- progress --------------------------------------------------------------------------------

    async def progress(self, actor: Actor, wave_code: str, e: float | None = None) -> FieldworkProgress:
        """Fieldwork status counts, AAPOR response rates and progress against targets, per agency."""
        wave = await wave_row(wave_code, actor)
        sample = (
            await Sample.select(Sample.plan, Sample.seed, Sample.n)
            .where(Sample.wave == wave.id)
            .output(load_json=True)
            .first()
        )
        if sample is None:
            raise Conflict(f"the sample of wave {wave_code} is not drawn yet")
        units = await sampled_units(wave.id)
        all_counts: Counter[str] = Counter(u.status for u in units)
        share = eligibility_share(dict(all_counts)) if e is None else e
        rate = float(sample["plan"]["parameters"].get("response_rate") or 1.0)
        targets: Counter[str] = Counter()
        for s in sample["plan"]["strata"]:
            targets[s["agency"]] += int(s["n"])
        per_agency: dict[str, Counter[str]] = defaultdict(Counter)
        for u in units:
            per_agency[u.agency][u.status] += 1
        visible = sorted(per_agency)
        if actor.agency_scoped:
            visible = [a for a in visible if a == actor.agency_code]
        agencies = []
        for agency in visible:
            counts = per_agency[agency]
            target = completes_target(targets[agency], rate)
            agencies.append(
                AgencyProgress(
                    **_rates(counts, share),
                    target_completes=target,
                    progress=progress_share(counts["complete"], target),
                    agency=agency,
                )
            )
        overall_counts = (
            all_counts if not actor.agency_scoped else per_agency.get(actor.agency_code or "", Counter())
        )
        overall_target = completes_target(sum(targets[a] for a in visible), rate)
        return FieldworkProgress(
            wave=wave_code,
            status=wave.status,
            e=share,
            e_method="given" if e is not None else "eligible share among resolved units, whole wave",
            definitions={k: DEFINITIONS[k] for k in ("rr1", "rr2", "rr3", "rr4")},
            overall=ProgressRates(
                **_rates(overall_counts, share),
                target_completes=overall_target,
                progress=progress_share(overall_counts["complete"], overall_target),
            ),
            agencies=agencies,
            as_of=self.clock(),
        )


async def purge_frame_phones(wave_id: int) -> int:
    """Erase every phone number of the wave's frame (when the wave closes)."""
    count = await FrameUnit.count().where((FrameUnit.wave == wave_id) & FrameUnit.phone.is_not_null())
    if count:
        await FrameUnit.update({FrameUnit.phone: None}).where(FrameUnit.wave == wave_id)
    return int(count)


async def on_wave_closed(actor: Actor, wave_id: int) -> WaveClosed:
    """Hook for ``WaveService.set_status`` after a wave is closed: purge frame phone numbers and, when the
    wave has a sample, compute and store its weights with the last options used (or the defaults).
    Never raises for a weighting problem: it is recorded in the weight run's diagnostics instead."""
    purged = await purge_frame_phones(wave_id)
    weights = None
    if await Sample.exists().where(Sample.wave == wave_id):
        weights = await WeightsService().compute_for_wave_id(actor, wave_id, None, trigger="close")
    return WaveClosed(purged, weights)
