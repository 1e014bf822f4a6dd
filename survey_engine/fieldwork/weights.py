"""Weights of a wave's sample, computed from the stored design and fieldwork, stored per sampled unit.

Steps (each with its diagnostics in a :class:`~survey_engine.tables.WeightRun`):

1. Base weight d_k = 1/π_k, π_k = n_h/N_h from the draw (``sampling.weighting.base_weights``).
2. Eligibility: units found ineligible (AAPOR 4.x) leave the weighting (weight 0); units of unknown
   eligibility stay as nonrespondents (e = 1 for weighting; RR3's e is only for reporting).
3. Nonresponse adjustment by weighting classes (``sampling.weighting.nonresponse_adjustment``): within
   class c respondents get d_k · Σ_c d / Σ_{c, resp} d. Classes default to the sampling stratum; any frame
   variables may be used instead (``agency``, ``field``, ``stratum``, demographics such as ``sex``). A
   class without respondents is collapsed into its agency's class; an agency without any respondent
   cannot be weighted (its units get 0 and it is listed in ``excluded_agencies``). Respondents are units
   with a complete interview (``include_partials`` adds partial ones).
4. Calibration to frame totals (counts of frame units): ``poststratify`` (default; cells are the
   cross-classification of the variables, the sampling strata by default) or ``rake`` (iterative
   proportional fitting on each variable's margin, ``sampling.calibration.rake``), or ``none``. Frame
   cells or levels without respondents are left out and reported (``ignored_cells``).
5. Optional trimming (``trim_ratio``): weights above ratio × mean are capped and the excess spread over
   the others, repeated until none is above (``sampling.weighting.trim_weights``, strict); Σw is kept.

Stored per sampled unit: status, nonresponse class, adjusted weight (after step 3), final weight (after
steps 4–5; 0 for nonrespondents). :func:`survey_engine.fieldwork.sample_units.weights_for_wave` reads them
back.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from sampling.calibration import poststratify, rake
from sampling.design import Design
from sampling.errors import SamplingError
from sampling.weighting import (
    base_weights,
    nonresponse_adjustment,
    summarise_weights,
    trim_weights,
    weighting_effect,
)
from survey_engine import audit
from survey_engine.actors import Actor
from survey_engine.errors import Conflict, FieldProblem, InvalidInput, NotFound
from survey_engine.fieldwork.frames import DEMOGRAPHICS, wave_row
from survey_engine.fieldwork.sample_units import sampled_units
from survey_engine.tables import FrameUnit, Sample, SampleUnit, WeightRun
from survey_engine.transactions import write_transaction

FRAME_VARIABLES = ("agency", "field", "stratum", *DEMOGRAPHICS)
CALIBRATION_METHODS = ("poststratify", "rake", "none")
MISSING = "(missing)"


def weighting_options(values: dict[str, Any] | None, strata: list[str]) -> dict[str, Any]:
    """The weighting options from request values, defaults filled in (the sample's ``strata`` as classes
    and calibration cells); InvalidInput naming each bad option."""
    values = dict(values or {})
    problems: list[FieldProblem] = []
    classes = list(values.get("nonresponse_classes") or ["stratum"])
    calibration = values.get("calibration") or "poststratify"
    variables = list(values.get("calibration_variables") or strata)
    for name, chosen in (("nonresponse_classes", classes), ("calibration_variables", variables)):
        bad = [v for v in chosen if v not in FRAME_VARIABLES]
        if bad or len(set(chosen)) != len(chosen):
            problems.append(
                FieldProblem(name, f"distinct frame variables among {', '.join(FRAME_VARIABLES)}")
            )
    if calibration not in CALIBRATION_METHODS:
        problems.append(FieldProblem("calibration", f"one of {', '.join(CALIBRATION_METHODS)}"))
    trim_ratio = values.get("trim_ratio")
    if trim_ratio is not None and not (isinstance(trim_ratio, int | float) and trim_ratio > 1):
        problems.append(FieldProblem("trim_ratio", "a number above 1 (cap = ratio × mean weight)"))
    if problems:
        raise InvalidInput("the weighting options are not valid", problems)
    return {
        "nonresponse_classes": classes,
        "calibration": calibration,
        "calibration_variables": variables,
        "trim_ratio": float(trim_ratio) if trim_ratio is not None else None,
        "include_partials": bool(values.get("include_partials", False)),
    }


def frame_variable_value(unit: dict[str, Any], variable: str) -> str:
    """A unit's (or a frame row's) level of a frame variable, as weighting classes and cells use it."""
    if variable in ("agency", "field", "stratum"):
        return str(unit[variable])
    return str((unit.get("demographics") or {}).get(variable) or MISSING)


def _label(unit: dict[str, Any], variables: list[str]) -> str:
    return "|".join(frame_variable_value(unit, v) for v in variables)


def _clean(value: Any) -> Any:
    """JSON-safe numbers (no NaN or infinities)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.generic):
        return _clean(value.item())
    return value


def compute_weights(
    units: list[dict[str, Any]], frame: list[dict[str, Any]], options: dict[str, Any]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Pure computation: per-unit results (same order as ``units``) and the diagnostics.

    ``units`` carry ``agency``, ``field``, ``stratum``, ``demographics``, ``status`` and
    ``inclusion_probability``;
    ``frame`` is every frame unit with ``agency``, ``field``, ``stratum``, ``demographics``.
    """
    n = len(units)
    if n == 0:
        raise InvalidInput("nothing to weight", [FieldProblem("sample", "the sample is empty")])
    d = base_weights([u["inclusion_probability"] for u in units])
    respondent_statuses = ("complete", "partial") if options["include_partials"] else ("complete",)
    responded = np.array([u["status"] in respondent_statuses for u in units])
    eligible = np.array([u["status"] != "ineligible" for u in units])
    class_vars: list[str] = options["nonresponse_classes"]
    labels = [_label(u, class_vars) for u in units]
    # Collapse classes without respondents into their agency's class, then drop agencies without any.
    resp_per_class = Counter(lab for lab, r, e in zip(labels, responded, eligible, strict=True) if r and e)
    collapsed = sorted(
        {lab for lab, e in zip(labels, eligible, strict=True) if e and not resp_per_class[lab]}
    )
    labels = [
        f"agency={u['agency']}" if lab in collapsed else lab for u, lab in zip(units, labels, strict=True)
    ]
    resp_per_class = Counter(lab for lab, r, e in zip(labels, responded, eligible, strict=True) if r and e)
    kept = np.array([bool(e and resp_per_class[lab]) for lab, e in zip(labels, eligible, strict=True)])
    excluded_agencies = sorted(
        {u["agency"] for u, k, e in zip(units, kept, eligible, strict=True) if e and not k}
        - {u["agency"] for u, k in zip(units, kept, strict=True) if k}
    )
    if not kept.any():
        raise InvalidInput(
            "nothing to weight", [FieldProblem("fieldwork", "no sampled unit has responded yet")]
        )
    idx = np.flatnonzero(kept)
    adjusted_kept, nr_report = nonresponse_adjustment(
        d[idx], responded[idx], np.array([labels[i] for i in idx], dtype=object)
    )
    adjusted = np.zeros(n)
    adjusted[idx] = adjusted_kept
    resp_idx = np.flatnonzero(kept & responded)
    w = adjusted[resp_idx]
    resp_units = [units[i] for i in resp_idx]
    calibration: dict[str, Any] = {
        "method": options["calibration"],
        "variables": options["calibration_variables"],
    }
    if options["calibration"] != "none":
        variables: list[str] = options["calibration_variables"]
        design = Design(weights=w)
        present = {v: {frame_variable_value(u, v) for u in resp_units} for v in variables}
        try:
            if options["calibration"] == "poststratify":
                key = "|".join(variables)
                cells = Counter(_label(f, variables) for f in frame)
                sample_cells = {_label(u, variables) for u in resp_units}
                design, ps = poststratify(
                    design,
                    {v: [frame_variable_value(u, v) for u in resp_units] for v in variables},
                    {key: dict(cells)},
                    partial=True,
                )
                calibration |= {
                    "cells": [
                        {
                            "cell": c.label,
                            "respondents": c.rows,
                            "weighted_before": c.weighted_before,
                            "frame_units": c.population,
                            "factor": c.factor,
                        }
                        for c in ps.cells
                    ],
                    "ignored_cells": sorted(c for c in cells if c not in sample_cells),
                    "min_factor": ps.min_factor,
                    "max_factor": ps.max_factor,
                }
            else:
                totals: dict[str, dict[str, float]] = {}
                ignored: list[str] = []
                for v in variables:
                    counts = Counter(frame_variable_value(f, v) for f in frame)
                    totals[v] = {lv: float(c) for lv, c in counts.items() if lv in present[v]}
                    ignored += [f"{v}={lv}" for lv in sorted(counts) if lv not in present[v]]
                design, rk = rake(
                    design,
                    {v: [frame_variable_value(u, v) for u in resp_units] for v in variables},
                    totals,
                    max_iter=100,
                    epsilon=1e-9,
                )
                calibration |= {
                    "iterations": rk.iterations,
                    "converged": rk.converged,
                    "max_margin_error": rk.max_margin_error,
                    "ignored_cells": ignored,
                    "margins": [
                        {
                            "variable": m.variable,
                            "levels": list(m.levels),
                            "targets": list(m.targets),
                            "achieved": list(m.achieved),
                        }
                        for m in rk.margins
                    ],
                }
        except SamplingError as exc:
            raise InvalidInput(
                "the weights cannot be calibrated", [FieldProblem("calibration", str(exc))]
            ) from exc
        before = w
        w = np.asarray(design.weights, dtype=np.float64)
        calibration["weighting_effect_before"] = weighting_effect(before)
        calibration["weighting_effect_after"] = weighting_effect(w)
    trimming: dict[str, Any] | None = None
    if options["trim_ratio"] is not None:
        cap = options["trim_ratio"] * float(w.mean())
        try:
            w, tr = trim_weights(w, upper=cap, strict=True)
        except SamplingError as exc:
            raise InvalidInput(
                "the weights cannot be trimmed", [FieldProblem("trim_ratio", str(exc))]
            ) from exc
        trimming = {
            "cap": cap,
            "iterations": tr.iterations,
            "trimmed": tr.trimmed,
            "amount_redistributed": tr.amount_redistributed,
            "weighting_effect_before": tr.weighting_effect_before,
            "weighting_effect_after": tr.weighting_effect_after,
            "max_before": tr.max_before,
            "max_after": tr.max_after,
        }
    final = np.zeros(n)
    final[resp_idx] = w
    summary = summarise_weights(w)
    frame_per_agency = Counter(f["agency"] for f in frame)
    per_agency: dict[str, list[float]] = defaultdict(list)
    for i in resp_idx:
        per_agency[units[i]["agency"]].append(float(final[i]))
    results = [
        {
            "status": u["status"],
            "nonresponse_class": labels[i] if eligible[i] else None,
            "adjusted_weight": float(adjusted[i]),
            "final_weight": float(final[i]),
        }
        for i, u in enumerate(units)
    ]
    diagnostics = {
        "sampled": n,
        "eligible": int(eligible.sum()),
        "ineligible": int((~eligible).sum()),
        "respondents": int(resp_idx.size),
        "excluded_agencies": excluded_agencies,
        "base_weights": {"total": float(d.sum()), "weighting_effect": weighting_effect(d)},
        "nonresponse": {
            "variables": class_vars,
            "collapsed_classes": collapsed,
            "response_rate": nr_report.response_rate,
            "weighted_response_rate": nr_report.weighted_response_rate,
            "weighting_effect_before": nr_report.weighting_effect_before,
            "weighting_effect_after": nr_report.weighting_effect_after,
            "classes": [
                {
                    "class": c.label,
                    "units": c.n,
                    "respondents": c.respondents,
                    "response_rate": c.response_rate,
                    "weighted_response_rate": c.weighted_response_rate,
                    "factor": c.factor,
                }
                for c in nr_report.classes
            ],
        },
        "calibration": calibration,
        "trimming": trimming,
        "summary": {
            "respondents": summary.n_positive,
            "total": summary.total,
            "frame_units": len(frame),
            "minimum": summary.minimum,
            "maximum": summary.maximum,
            "mean": summary.mean,
            "cv": summary.cv,
            "weighting_effect": summary.weighting_effect,
            "effective_n": summary.effective_n,
        },
        "agencies": [
            {
                "agency": agency,
                "respondents": len(per_agency.get(agency, [])),
                "sum_weights": float(sum(per_agency.get(agency, []))),
                "frame_units": frame_per_agency[agency],
                "weighting_effect": weighting_effect(per_agency[agency]) if per_agency.get(agency) else None,
            }
            for agency in sorted(frame_per_agency)
        ],
    }
    return results, _clean(diagnostics)


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class WeightsRun:
    """One computation of a wave's weights: when, on what occasion, with which options, its diagnostics."""

    computed_at: datetime
    trigger: str
    options: dict[str, Any]
    diagnostics: dict[str, Any]


@dataclass(frozen=True)
class WaveWeights(WeightsRun):
    """A weights run of the wave with code ``wave``."""

    wave: str


@dataclass(frozen=True)
class UnitWeight:
    """The stored design and weights of one sampled unit (no dossier hash, no phone)."""

    unit: int
    agency: str
    stratum: str
    stratum_population: int
    stratum_sample: int
    inclusion_probability: float
    base_weight: float
    status: str
    nonresponse_class: str | None
    adjusted_weight: float | None
    final_weight: float | None


@dataclass(frozen=True)
class UnitWeightsPage:
    """A slice of a wave's unit weights, with the total count, for pagination."""

    items: list[UnitWeight]
    total: int
    limit: int
    offset: int


class WeightsService:
    """Computes, stores and reports a wave's weights."""

    def __init__(self, clock: Any = _now) -> None:
        self.clock = clock

    async def compute(self, actor: Actor, wave_code: str, values: dict[str, Any] | None) -> WaveWeights:
        wave = await wave_row(wave_code, actor)
        run = await self.compute_for_wave_id(actor, wave.id, values, trigger="request", raise_errors=True)
        await audit.record(
            actor, "weights", "sample", wave_code, {"respondents": run.diagnostics.get("respondents")}
        )
        return WaveWeights(run.computed_at, run.trigger, run.options, run.diagnostics, wave_code)

    async def compute_for_wave_id(
        self,
        actor: Actor,
        wave_id: int,
        values: dict[str, Any] | None,
        trigger: str = "close",
        raise_errors: bool = False,
    ) -> WeightsRun:
        """Compute and store; with ``values`` None the options of the last run (or the defaults) apply.
        Without ``raise_errors`` a weighting problem is stored as the run's ``error`` instead of raised."""
        sample = (
            await Sample.select(Sample.id, Sample.strata)
            .where(Sample.wave == wave_id)
            .output(load_json=True)
            .first()
        )
        if sample is None:
            raise Conflict("the sample is not drawn yet: nothing to weight")
        if values is None:
            last = (
                await WeightRun.select(WeightRun.options)
                .where(WeightRun.wave == wave_id)
                .order_by(WeightRun.id, ascending=False)
                .output(load_json=True)
                .first()
            )
            values = last["options"] if last else None
        options = weighting_options(values, list(sample["strata"]))
        units = await sampled_units(wave_id)
        frame = (
            await FrameUnit.select(
                FrameUnit.agency.code.as_alias("agency"),
                FrameUnit.field,
                FrameUnit.stratum,
                FrameUnit.demographics,
            )
            .where(FrameUnit.wave == wave_id)
            .output(load_json=True)
        )
        now = self.clock()
        try:
            results, diagnostics = compute_weights([u.weighting_row() for u in units], frame, options)
        except InvalidInput as exc:
            if raise_errors:
                raise
            diagnostics = {"error": exc.detail, "problems": [p.message for p in exc.problems]}
            results = None
        async with write_transaction(SampleUnit._meta.db):
            if results is not None:
                for unit, res in zip(units, results, strict=True):
                    await SampleUnit.update(
                        {
                            SampleUnit.status: res["status"],
                            SampleUnit.nonresponse_class: res["nonresponse_class"],
                            SampleUnit.adjusted_weight: res["adjusted_weight"],
                            SampleUnit.final_weight: res["final_weight"],
                            SampleUnit.weighted_at: now,
                        }
                    ).where(SampleUnit.id == unit.id)
            await WeightRun.insert(
                WeightRun(
                    wave=wave_id,
                    computed_at=now,
                    computed_by=actor.user_id or None,
                    trigger=trigger,
                    options=options,
                    diagnostics=diagnostics,
                )
            )
        return WeightsRun(now, trigger, options, diagnostics)

    async def latest(self, actor: Actor, wave_code: str) -> WaveWeights:
        wave = await wave_row(wave_code, actor)
        run = (
            await WeightRun.select(
                WeightRun.computed_at, WeightRun.trigger, WeightRun.options, WeightRun.diagnostics
            )
            .where(WeightRun.wave == wave.id)
            .order_by(WeightRun.id, ascending=False)
            .output(load_json=True)
            .first()
        )
        if run is None:
            raise NotFound(f"the weights of wave {wave_code} were never computed")
        return WaveWeights(run["computed_at"], run["trigger"], run["options"], run["diagnostics"], wave_code)

    async def units(self, actor: Actor, wave_code: str, limit: int, offset: int) -> UnitWeightsPage:
        """Stored weights per sampled unit (no dossier hashes, no phones)."""
        wave = await wave_row(wave_code, actor)
        condition = SampleUnit.wave == wave.id
        rows = (
            await SampleUnit.select(
                SampleUnit.id.as_alias("unit"),
                SampleUnit.agency.code.as_alias("agency"),
                SampleUnit.stratum,
                SampleUnit.stratum_population,
                SampleUnit.stratum_sample,
                SampleUnit.inclusion_probability,
                SampleUnit.base_weight,
                SampleUnit.status,
                SampleUnit.nonresponse_class,
                SampleUnit.adjusted_weight,
                SampleUnit.final_weight,
            )
            .where(condition)
            .order_by(SampleUnit.id)
            .limit(limit)
            .offset(offset)
        )
        total = await SampleUnit.count().where(condition)
        return UnitWeightsPage([UnitWeight(**row) for row in rows], total, limit, offset)
