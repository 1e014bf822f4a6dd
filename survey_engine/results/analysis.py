"""Estimates from the database: SIPAS criterion, element, part and overall indices of a wave, per domain.

Two series, never pooled (docs/sipas.md §1):

* ``probability`` — responses linked to the wave's sample (same dossier hash as a sampled unit with a
  final weight): weighted, strata from the sampling plan, each sampled unit its own PSU, FPC from the
  frame. When the stored final weights come from a post-stratification or raking to frame totals (the
  weighting's default), the variance linearises it as R's ``postStratify``/``rake`` do, from each
  respondent's calibration cell and the stored weights (:func:`_stored_calibration`); trimmed or
  uncalibrated weights are treated as fixed. ``design.weights_calibration`` says which.
* ``self-selected`` — every other complete response, i.e. every response not linked to the wave's
  probability sample, whatever its channel (kiosk, QR or online ratings, and phone or paper responses
  without a sampled dossier; :mod:`survey_engine.results.series_channels` counts the channels present):
  unweighted and labelled as not a probability sample; responses at the same service point on the same
  day (the respondent's submission time, else the time received, in UTC) are treated as a cluster (PSU),
  a conservative choice for ratings that share officers and queues. An agency rated at one counter on
  one day has a single cluster: its interval is undefined and the estimate is flagged, as it should be.

Domains (``by``): ``agency``, ``service_point``, ``channel`` (columns of the response); ``field`` (the
administrative field, lĩnh vực, of the response's dossier in the wave's frame); ``frame:<column>`` (a
demographic column of that frame unit: sex, age_band, ethnicity, education, occupation, area); and
``item:<CODE>`` (the answer to a single-choice item of the questionnaire that is not a criterion, e.g. the
demographic items D1 sex and D2 age band of sipas-2017, A1 and A3 of sipas-2023). A response is linked
to the frame by its dossier hash. Responses without a value — no dossier, a dossier outside the frame, a
frame without the column, an unanswered item — form the explicit domain ``unknown``; they are never
dropped, so the domains of a column always add up to the whole series.

Calibration of the self-selected series happens only when asked (``calibrate``): post-stratification to
the frame's completed dossiers per agency (``frame-agency``) or per agency × field
(``frame-agency-field``; responses not linked to a frame dossier cannot be placed in a field and are
left out, and counted). Weights become N_g / n_g in post-stratum g and the variance linearises the
post-stratification as R's ``postStratify`` does (:func:`sampling.cells.poststratify_cells`). It is
still not a probability sample, and the response says so.

Estimation works on group sums per domain × stratum × PSU (:mod:`sampling.cells`), which give exactly
the row-level estimates. Both engines group the responses by domain × PSU inside the database (``GROUP
BY``) and return, per cell, its row count and its compact criteria codes concatenated; numpy turns those
into the per-criterion sums. The JSON answers never leave the database.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import msgspec
import numpy as np
import numpy.typing as npt
from piccolo.engine.postgres import PostgresEngine

from sampling import Design, Estimate, IndexResult, estimate_proportions
from sampling.cells import CellSums, estimate_indices_from_cells
from sampling.index_rules import estimate_rule_from_cells, rescale_cells, rescale_stacked
from sampling.indices import IndexInterval
from sampling.pooled import StackedCells
from survey_engine.answer_codes import CriteriaLayout
from survey_engine.errors import Conflict, FieldProblem, InvalidInput
from survey_engine.fieldwork.sample_units import weights_for_wave
from survey_engine.fieldwork.weights import frame_variable_value
from survey_engine.results.analysis_cells import (
    calibrate_cells,
    calibration_changes_variance,
    groups_of,
    probability_cells,
    relabel,
)
from survey_engine.results.analysis_domains import (
    CALIBRATION_VARIABLES,
    CALIBRATIONS,
    DOMAIN_COLUMNS,
    FRAME_DOMAINS,
    FRAME_PREFIX,
    ITEM_PREFIX,
    OVERALL,
    SERIES,
    UNKNOWN,
    check_by,
    domain_level,
    needs_frame,
)
from survey_engine.results.analysis_shares import answer_matrix, read_share_cells
from survey_engine.results.index_rule import scoring_rule
from survey_engine.results.series_cells import self_selected_cells
from survey_engine.results.series_channels import (
    ChannelCount,
    probability_channels,
)
from survey_engine.results.series_design import (
    Calibration,
    SeriesDesign,
    StoredCalibration,
    describe_design,
)
from survey_engine.tables import Agency, FrameUnit, SampleUnit, ServicePoint, Submission, WeightRun
from survey_engine.wave_context import WaveContext, load_wave

__all__ = [
    "CALIBRATIONS",
    "CALIBRATION_VARIABLES",
    "DOMAIN_COLUMNS",
    "FRAME_DOMAINS",
    "FRAME_PREFIX",
    "ITEM_PREFIX",
    "OVERALL",
    "SERIES",
    "UNKNOWN",
    "SeriesCells",
    "ShareItem",
    "WaveResults",
    "check_domains",
    "groups_of",
    "index_estimate",
    "probability_domains",
    "self_selected_psu",
    "series_cells",
    "wave_domain_items",
    "wave_of",
    "wave_results",
    "wave_shares",
]


def self_selected_psu(service_point: object, submitted_at: Any, received_at: Any) -> str:
    """The cluster of a self-selected response: its service point on the day it was submitted (else
    received), in UTC — the same label the SQL of both engines groups by."""
    when = submitted_at or received_at
    return f"{service_point}:{when.date().isoformat() if when is not None else ''}"


@dataclass(frozen=True)
class WaveResults:
    wave: str
    series: str
    by: tuple[str, ...]
    layout: CriteriaLayout
    result: IndexResult | None
    rows: int
    engine: str
    design: SeriesDesign
    # None unless the self-selected series was calibrated on request (``calibrate``): method, targets…
    calibration: Calibration | None = None
    # The responses of the series per agency and channel (they add up to ``rows``).
    channels: tuple[ChannelCount, ...] = ()


@dataclass(frozen=True)
class _Wave:
    """The estimation's view of a wave: its layout (top-box criteria) and the items usable as domains."""

    id: int
    code: str
    layout: CriteriaLayout
    domain_items: frozenset[str] = frozenset()  # single-choice items that are not criteria


async def wave_of(wave: str | WaveContext) -> WaveContext:
    """The context of ``wave``: as given, or loaded from its code (callers that hold one pass it on)."""
    return wave if isinstance(wave, WaveContext) else await load_wave(wave)


def _wave(context: WaveContext) -> _Wave:
    q = context.questionnaire
    layout = context.layout
    if layout is None or not layout.criteria:
        raise InvalidInput(
            "estimates are computed for questionnaires that define an index",
            [FieldProblem("wave", f"questionnaire {q.id} defines no index")],
        )
    criteria = set(layout.codes)
    items = frozenset(it.code for it in q.items if it.type == "single" and it.code not in criteria)
    return _Wave(id=context.id, code=context.code, layout=layout, domain_items=items)


def wave_domain_items(context: WaveContext) -> list[str]:
    """The items a request may name as ``item:<CODE>`` domains: the questionnaire's single-choice items
    outside the criteria, in code order (InvalidInput when the questionnaire defines no index)."""
    return sorted(_wave(context).domain_items)


def check_domains(context: WaveContext, by: Sequence[str]) -> None:
    """InvalidInput unless a request of the wave's self-selected estimates may name ``by``."""
    _check_request(tuple(by), "self-selected", "none")
    _check_items(tuple(by), _wave(context))


def _check_request(by: tuple[str, ...], series: str, calibrate: str) -> None:
    problems = check_by(by)
    if series not in SERIES:
        problems.append(FieldProblem("series", f"one of {', '.join(SERIES)}"))
    if calibrate not in CALIBRATIONS:
        problems.append(FieldProblem("calibrate", f"one of {', '.join(CALIBRATIONS)}"))
    elif calibrate != "none" and series != "self-selected":
        problems.append(
            FieldProblem(
                "calibrate",
                "applies to the self-selected series only (the probability series is weighted by its "
                "sampling plan)",
            )
        )
    if problems:
        raise InvalidInput("the estimates request is not valid", problems)


def _check_items(by: Sequence[str], wave: _Wave) -> None:
    problems = [
        FieldProblem(
            "by",
            f"{b}: the questionnaire has no single-choice item {b[len(ITEM_PREFIX) :]} outside the criteria"
            + (f" (items: {', '.join(sorted(wave.domain_items))})" if wave.domain_items else ""),
        )
        for b in by
        if b.startswith(ITEM_PREFIX) and b[len(ITEM_PREFIX) :] not in wave.domain_items
    ]
    if problems:
        raise InvalidInput("the estimates request is not valid", problems)


async def _labels(by: Sequence[str]) -> dict[str, dict[str, str]]:
    """id → code maps for the domain columns stored as ids."""
    maps: dict[str, dict[str, str]] = {}
    if "agency" in by:
        maps["agency"] = {str(r["id"]): r["code"] for r in await Agency.select(Agency.id, Agency.code)}
    if "service_point" in by:
        maps["service_point"] = {
            str(r["id"]): r["code"] for r in await ServicePoint.select(ServicePoint.id, ServicePoint.code)
        }
    return maps


async def _frame_totals(wave_id: int, variables: Sequence[str]) -> dict[str, dict[str, float]]:
    """Completed dossiers in the wave's frame per cell of ``variables`` (agency codes, fields), in the
    shape :func:`sampling.calibration.poststratify` takes (``{"agency|field": {"A1|Hộ tịch": N}}``)."""
    rows = await FrameUnit.select(FrameUnit.agency.code.as_alias("agency"), FrameUnit.field).where(
        FrameUnit.wave == wave_id
    )
    counts: dict[str, float] = {}
    for r in rows:
        label = "|".join(str(r[v]) for v in variables)
        counts[label] = counts.get(label, 0.0) + 1.0
    return {"|".join(variables): counts} if counts else {}


async def probability_domains(
    wave_id: int, by: Sequence[str], records: list[dict[str, Any]]
) -> dict[str, npt.ArrayLike]:
    """Domain labels of the probability series' records (frame columns by dossier hash; items from the
    JSON answers)."""
    frame: dict[str, dict[str, Any]] = {}
    if needs_frame(by) and records:
        hashes = sorted({r["dossier_hash"] for r in records})
        for start in range(0, len(hashes), 500):
            units = (
                await FrameUnit.select(FrameUnit.dossier_hash, FrameUnit.field, FrameUnit.demographics)
                .where(
                    (FrameUnit.wave == wave_id) & FrameUnit.dossier_hash.is_in(hashes[start : start + 500])
                )
                .output(load_json=True)
            )
            frame.update({u["dossier_hash"]: u for u in units})
    out: dict[str, npt.ArrayLike] = {}
    for b in by:
        if b in DOMAIN_COLUMNS:
            values = [str(r[b]) for r in records]
        elif b == "field":
            values = [domain_level((frame.get(r["dossier_hash"]) or {}).get("field")) for r in records]
        elif b.startswith(FRAME_PREFIX):
            key = b[len(FRAME_PREFIX) :]
            values = [
                domain_level(((frame.get(r["dossier_hash"]) or {}).get("demographics") or {}).get(key))
                for r in records
            ]
        else:
            key = b[len(ITEM_PREFIX) :]
            values = [domain_level((r["answers"] or {}).get(key)) for r in records]
        out[b] = np.array(values, dtype=object)
    return out


async def _stored_calibration(wave_id: int) -> tuple[StoredCalibration, dict[str, tuple[str, ...]]]:
    """How the stored final weights were calibrated (the last weighting run that succeeded) and, when its
    variance can be linearised, each weighted respondent's calibration levels (by dossier hash).

    Post-stratification and raking without trimming are linearised: with the final weights w and the
    respondents' cells, R's residuals z − w·Z_g/W_g (post-stratification) or the ten raking sweeps equal
    those of ``postStratify``/``rake`` run on the weights before calibration (the factor of a cell is
    constant in it; raking converged), which is also what ``sipas estimate --calibrate`` does on the
    export. Trimmed weights are no longer calibrated exactly and have no standard linearisation: they are
    treated as fixed, and the design says so.
    """
    runs = (
        await WeightRun.select(WeightRun.options, WeightRun.diagnostics)
        .where(WeightRun.wave == wave_id)
        .order_by(WeightRun.id, ascending=False)
        .limit(100)
        .output(load_json=True)
    )
    run = next((r for r in runs if not (r["diagnostics"] or {}).get("error")), None)
    options = (run or {}).get("options") or {}
    method = str(options.get("calibration") or "none")
    variables = [str(v) for v in options.get("calibration_variables") or []]

    def fixed(reason: str) -> StoredCalibration:
        return StoredCalibration(
            method=method, variables=variables, source="last weighting run", linearised=False, reason=reason
        )

    if method not in ("poststratify", "rake") or not variables:
        return fixed("the stored weights are not calibrated"), {}
    if options.get("trim_ratio") is not None:
        return fixed("weights trimmed after calibration: no linearisation, treated as fixed"), {}
    if (
        method == "rake"
        and ((run or {}).get("diagnostics") or {}).get("calibration", {}).get("converged") is False
    ):
        return fixed("raking did not converge: the final weights are not calibrated, treated as fixed"), {}
    units = (
        await SampleUnit.select(
            SampleUnit.dossier_hash,
            SampleUnit.agency.code.as_alias("agency"),
            SampleUnit.stratum,
            SampleUnit.frame_unit.field.as_alias("field"),
            SampleUnit.frame_unit.demographics.as_alias("demographics"),
        )
        .where((SampleUnit.wave == wave_id) & (SampleUnit.final_weight > 0))
        .output(load_json=True)
    )
    labels: dict[str, tuple[str, ...]] = {}
    for u in units:
        if isinstance(u["demographics"], str):  # joined JSON columns are not always decoded
            u["demographics"] = json.loads(u["demographics"] or "{}")
        labels[u["dossier_hash"]] = tuple(frame_variable_value(u, v) for v in variables)
    linearised = StoredCalibration(
        method=method, variables=variables, source="last weighting run", linearised=True
    )
    return linearised, labels


@dataclass(frozen=True)
class SeriesCells:
    """One series of a wave as cell sums (:mod:`sampling.cells`), before estimation: what
    :func:`wave_results` estimates, and what the national roll-up stacks across provinces.

    ``cells`` is None when the series has no response; its domain labels are codes (agency and service
    point codes, not ids). ``stored`` describes the probability series' stored weights, ``calibration``
    a post-stratification asked for on the self-selected series."""

    layout: CriteriaLayout
    groups: dict[str, list[str]]
    cells: CellSums | None
    rows: int
    stored: StoredCalibration | None
    calibration: Calibration | None
    channels: tuple[ChannelCount, ...]


async def wave_results(
    wave_code: str | WaveContext,
    by: Sequence[str] = ("agency",),
    series: str = "self-selected",
    ci: str = "logit",
    level: float = 0.95,
    calibrate: str = "none",
    index_ci: IndexInterval = "logit",
) -> WaveResults:
    """Criterion, element, part and overall indices of a wave per domain, for one series.

    ``by`` takes the columns in :data:`DOMAIN_COLUMNS`, ``field``, ``frame:<column>`` and ``item:<CODE>``
    (module docstring); ``calibrate`` (one of :data:`CALIBRATIONS`) post-stratifies the self-selected
    series to frame totals, only when asked. ``wave_code`` is the wave's code or its loaded context.
    ``ci`` is the criterion shares' interval; ``index_ci`` the element, part and overall indices' (``logit``,
    which stays within 0-100, or ``wald``).

    Reads only: responses stored before the ``codes`` column existed get their codes when the database
    is migrated (:func:`survey_engine.results.code_backfill.backfill_answer_codes`), never on a read.
    """
    by = tuple(by)
    _check_request(by, series, calibrate)  # a bad request answers 422 before the wave is looked up
    context = await wave_of(wave_code)
    found = await series_cells(context, by, series, calibrate)
    result_obj = None
    if found.cells is not None:
        result_obj = await asyncio.to_thread(
            index_estimate, found.cells, found.layout, found.groups, ci, index_ci, level
        )
    engine = Submission._meta.db
    return WaveResults(
        wave=context.code,
        series=series,
        by=by,
        layout=found.layout,
        result=result_obj,
        rows=found.rows,
        engine="postgresql" if isinstance(engine, PostgresEngine) else "sqlite",
        design=describe_design(series, found.layout, found.stored, found.calibration, UNKNOWN),
        calibration=found.calibration,
        channels=found.channels,
    )


async def series_cells(
    context: WaveContext,
    by: Sequence[str],
    series: str,
    calibrate: str = "none",
    *,
    with_channels: bool = True,
) -> SeriesCells:
    """The cell sums of one series of a wave per domain of ``by`` (see :func:`wave_results`), labelled
    with codes; checks the request (422 on an unknown column, series or calibration). Without
    ``with_channels`` the responses per agency and channel are not counted (``channels`` empty)."""
    by = tuple(by)
    _check_request(by, series, calibrate)
    wave = _wave(context)
    _check_items(by, wave)
    layout = wave.layout
    groups = groups_of(layout)
    weights = await weights_for_wave(wave.id)
    totals: dict[str, dict[str, float]] = {}
    calibration: Calibration | None = None
    stored: StoredCalibration | None = None  # the probability series' stored weights
    columns = by
    if calibrate != "none":
        totals = await _frame_totals(wave.id, CALIBRATION_VARIABLES[calibrate])
        if not totals:
            raise Conflict("this wave has no frame: import the list of completed dossiers to calibrate to")
        columns = (*by, *(v for v in CALIBRATION_VARIABLES[calibrate] if v not in by))
    maps = await _labels(columns)
    cells: CellSums | None = None
    rows = 0
    channels: list[ChannelCount] = []
    if series == "probability":
        if not weights:
            raise Conflict("this wave has no computed weights yet: draw a sample and compute weights first")
        wanted: list[Any] = [
            Submission.agency,
            Submission.service_point,
            Submission.channel,
            Submission.dossier_hash,
            Submission.codes,
        ]
        if any(b.startswith(ITEM_PREFIX) for b in by):
            wanted.append(Submission.answers)
        records = (
            await Submission.select(*wanted)
            .where(
                (Submission.wave == wave.id)
                & (Submission.complete == True)  # noqa: E712
                & Submission.dossier_hash.is_in(list(weights) or ["-"])
            )
            .output(load_json=True)
        )
        records = [r for r in records if r["codes"] and len(r["codes"]) == len(layout.codes)]
        rows = len(records)
        channels = await probability_channels(records) if with_channels else []
        stored, levels = await _stored_calibration(wave.id)
        if rows and stored.linearised and any(r["dossier_hash"] not in levels for r in records):
            stored = msgspec.structs.replace(
                stored, linearised=False, reason="a respondent's calibration cell is unknown"
            )
        if rows and stored.linearised:
            changes = calibration_changes_variance(
                [weights[r["dossier_hash"]].stratum for r in records],
                [weights[r["dossier_hash"]].final_weight for r in records],
                [levels[r["dossier_hash"]] for r in records],
            )
            stored = msgspec.structs.replace(stored, changes_variance=changes)
        linearise = bool(stored.linearised and stored.changes_variance)
        if rows:
            w = [weights[r["dossier_hash"]] for r in records]
            cells = await asyncio.to_thread(
                probability_cells,
                [r["codes"] for r in records],
                await probability_domains(wave.id, by, records),
                np.array([x.psu for x in w], dtype=object),
                layout,
                groups,
                np.array([x.stratum for x in w], dtype=object),
                np.array([x.final_weight for x in w]),
                np.array([float(x.fpc) for x in w]),
                stored.method if linearise else None,
                [levels[r["dossier_hash"]] for r in records] if linearise else None,
            )
    else:
        kept, channels = await self_selected_cells(
            wave.id,
            layout,
            groups,
            columns,
            list(weights),
            field_known="field" in CALIBRATION_VARIABLES.get(calibrate, ()),
            with_channels=with_channels,
        )
        rows, cells = kept.rows, kept.cells
        if cells is not None and calibrate != "none":
            cells, calibration, rows = await asyncio.to_thread(
                calibrate_cells, relabel(cells, maps), kept.counts, by, calibrate, totals
            )
    # Relabelling spreads codes over every cell: in a worker thread, as the other per-cell work.
    labelled = (
        cells if cells is None or calibration is not None else await asyncio.to_thread(relabel, cells, maps)
    )
    return SeriesCells(
        layout=layout,
        groups=groups,
        cells=labelled,
        rows=rows,
        stored=stored,
        calibration=calibration,
        channels=tuple(channels),
    )


def index_estimate(
    cells: CellSums | StackedCells,
    layout: CriteriaLayout,
    groups: dict[str, list[str]],
    ci: str,
    index_ci: IndexInterval,
    level: float,
) -> IndexResult:
    """The indices of the cells under the questionnaire's rule: the top-box share's own estimator, or the
    rule's linear combinations of criterion means (:mod:`sampling.index_rules`). Stacked cells (the
    national roll-up) give the whole stack's indices (:mod:`sampling.pooled`)."""
    if layout.rule == "top_box_share":
        return estimate_indices_from_cells(
            cells, list(layout.codes), groups, overall=OVERALL, ci=ci, index_ci=index_ci, level=level
        )
    if layout.rule == "mean_score":
        low, high = [float(c.low) for c in layout.criteria], [float(c.high) for c in layout.criteria]
        if isinstance(cells, StackedCells):
            cells = rescale_stacked(cells, low, high)
        else:
            cells = rescale_cells(cells, low, high)
    return estimate_rule_from_cells(
        cells, list(layout.codes), scoring_rule(layout, groups), index_ci=index_ci, level=level
    )


@dataclass(frozen=True)
class ShareItem:
    """A perception item (shares of each answer) or an expectation (share of its top box) per agency."""

    code: str
    label: dict[str, str]
    options: tuple[tuple[str, dict[str, str]], ...]  # (level code, labels); one ("top", …) for expectations


async def wave_shares(
    wave_code: str | WaveContext, series: str = "self-selected"
) -> tuple[list[ShareItem], list[ShareItem], dict[tuple[str, str, str], Estimate]]:
    """Perception items (every answer's share) and expectations (top-box share) per agency, with the same
    design as the indices of ``series``. Returns (perception items, expectation items, estimates keyed
    by (item, option, agency)); shares are percentages.

    Perception items are 3-point items that are not criteria and whose scale has no top box (SIPAS 2023
    Q5, Q6); expectations are items on a scale named ``expectation…`` (Q10). Reads only those items'
    answers, grouped by agency × cluster in the database (:mod:`survey_engine.results.analysis_shares`).
    """
    context = await wave_of(wave_code)
    q = context.questionnaire
    perception = [
        it
        for it in q.items
        if it.type == "rating3" and not it.element and it.scale and not q.scales[it.scale].top_box
    ]
    expectation = [
        it for it in q.items if it.scale and it.scale.startswith("expectation") and q.scales[it.scale].top_box
    ]
    if not perception and not expectation:
        return [], [], {}
    weights = await weights_for_wave(context.id)
    probability = series == "probability"
    items = [it.code for it in perception] + [it.code for it in expectation]
    cells = await read_share_cells(context.id, items, list(weights), probability)
    if not cells:
        return [], [], {}

    def build() -> dict[tuple[str, str, str], Estimate]:
        counts = np.array([int(c[2]) for c in cells], dtype=np.int64)
        if probability:
            w = [weights[str(c[1])] for c in cells]
            design = Design(
                weights=np.array([x.final_weight for x in w]),
                strata=np.array([x.stratum for x in w], dtype=object),
                fpc=np.array([float(x.fpc) for x in w]),
                lonely_psu="adjust",
            )
        else:  # each response of a cell (agency × service point × day) in its cluster
            psu = np.repeat(np.arange(len(cells)), counts)
            clusters = {label: i for i, label in enumerate(dict.fromkeys(str(c[1]) for c in cells))}
            psu = np.array([clusters[str(c[1])] for c in cells], dtype=np.int64)[psu]
            design = Design(weights=np.ones(int(counts.sum())), psu=psu, lonely_psu="adjust")
        answers = answer_matrix(cells, len(items))
        indicators: dict[str, npt.NDArray[np.float64]] = {}
        for j, it in enumerate(perception):
            valid = sorted({p.value for p in q.scales[it.scale].points})  # type: ignore[index]
            values = answers[:, j]
            answered = np.isin(values, valid)
            for v in valid:
                indicators[f"{it.code}={v}"] = np.where(answered, (values == v).astype(np.float64), np.nan)
        for j, it in enumerate(expectation, start=len(perception)):
            scale = q.scales[it.scale]  # type: ignore[index]
            values = answers[:, j]
            answered = np.isin(values, [p.value for p in scale.points])
            top = np.isin(values, list(scale.top_box)).astype(np.float64)
            indicators[f"{it.code}=top"] = np.where(answered, top, np.nan)
        agencies = np.repeat(np.array([str(c[0]) for c in cells], dtype=object), counts)
        result = estimate_proportions(design, indicators, by={"agency": agencies})
        out: dict[tuple[str, str, str], Estimate] = {}
        for e in result.estimates:
            code, option = e.variable.split("=", 1)
            out[(code, option, e.domain["agency"])] = replace(
                e, estimate=e.estimate * 100, se=e.se * 100, ci_low=e.ci_low * 100, ci_high=e.ci_high * 100
            )
        return out

    estimates = await asyncio.to_thread(build)

    def item(it: Any, options: tuple[tuple[str, dict[str, str]], ...]) -> ShareItem:
        return ShareItem(
            code=it.code, label={"vi": it.labels.vi, "en": it.labels.en or it.labels.vi}, options=options
        )

    perception_items = [
        item(
            it,
            tuple(
                (str(p.value), {"vi": p.labels.vi, "en": p.labels.en or p.labels.vi})
                for p in q.scales[it.scale].points  # type: ignore[index]
            ),
        )
        for it in perception
    ]
    expectation_items = [item(it, (("top", {"vi": "", "en": ""}),)) for it in expectation]
    return perception_items, expectation_items, estimates
